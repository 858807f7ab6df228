"""UnKnot-v0 throughput, printed as JSON lines (one object per measurement) from one run.

Measures, in one process and one run (so that ratios compare like with like on
a noisy machine):

(a) the trusted kernel: ``apply_move`` replay and ``verify`` on valid
    certificates (a ``ScrambleGenerator`` scramble and the inverse of the
    moves that built it, via ``invert_moves``): certificates/s and moves/s;
(b) one env, ``gym.make("UnKnot-v0")`` (with its wrappers) and the bare
    ``UnKnotEnv``, stepped with uniformly random legal actions: env steps/s
    with the sampler excluded ("env only", ``steps_per_s``) and included
    (``steps_per_s_with_sampling``);
(c) the vector env, ``gym.make_vec(..., vectorization_mode="vector_entry_point")``,
    next to ``gymnasium.vector.SyncVectorEnv`` of the single env at the same
    ``B``, with a batched numba sampler; the two are measured in alternation
    and their ratio is printed for each ``B``.

Every line has ``bench``; the lines with a ``target`` also have ``meets_target``.
Usage::

    python benchmarks/unknot_throughput.py            # full run, about 2 minutes
    python benchmarks/unknot_throughput.py --quick    # about 20 seconds
    python benchmarks/unknot_throughput.py --out-dir docs/results   # also write unknot-throughput.{jsonl,md}
    rigorgym bench unknot_throughput --quick
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numba
import numpy as np
from _common import Recorder, machine, public_command, rounded, until
from numba import njit
from rigorgym.envs.unknot.generator import ScrambleGenerator, invert_moves
from rigorgym.verifiers import FORMAT, verify
from rigorgym.verifiers.braid import Braid, apply_move

import rigorgym  # noqa: F401  (registers the envs)

ENV_ID = "UnKnot-v0"
TARGET_VECTOR_STEPS = 1_000_000  # env steps/s at B = 1024
TARGET_VECTOR_RATIO = 20.0  # vector env / SyncVectorEnv at B = 1024
TARGET_SINGLE_STEPS = 50_000  # env steps/s of one env
TARGET_VERIFY_MOVES = 200_000  # kernel moves/s in verify


#: Prints each record as a JSON line and keeps it for the page written by ``--out-dir``.
emit = Recorder()


# -- random legal actions ---------------------------------------------------------------


@njit(cache=True)
def seed_sampler(seed: int) -> None:
    """Seed numba's own generator (separate from numpy's)."""
    np.random.seed(seed)


@njit(cache=True, inline="always")
def _pick(mask: np.ndarray, tries: int) -> int:
    """A uniformly random True index of ``mask``: rejection sampling, then a scan if that fails.

    Both branches are uniform over the True entries, so the mixture is too.
    An all-False mask gives 0 (the env treats it as an illegal no-op).
    """
    n = mask.shape[0]
    for _ in range(tries):
        a = np.random.randint(n)
        if mask[a]:
            return a
    count = 0
    for a in range(n):
        if mask[a]:
            count += 1
    if count == 0:
        return 0
    r = np.random.randint(count)
    for a in range(n):
        if mask[a]:
            if r == 0:
                return a
            r -= 1
    return 0


@njit(cache=True)
def sample_one(mask: np.ndarray, tries: int) -> int:
    return _pick(mask, tries)


@njit(cache=True)
def sample_batch(masks: np.ndarray, out: np.ndarray, tries: int) -> None:
    """For each row of ``masks``, a uniformly random legal action into ``out``."""
    for b in range(masks.shape[0]):
        out[b] = _pick(masks[b], tries)


TRIES = 64


# -- helpers ----------------------------------------------------------------------------


# -- (a) kernel -------------------------------------------------------------------------


def scramble_certificates(strands: int, length: int, count: int, seed: int) -> list[dict[str, Any]]:
    """Valid certificates: a scramble of the trivial braid and the inverse of its moves."""
    gen = ScrambleGenerator(strands, length)
    rng = np.random.default_rng(seed)
    certs = []
    for _ in range(count):
        instance, moves = gen.scramble(rng)
        certs.append(
            {
                "format": FORMAT,
                "env": ENV_ID,
                "claim": "unknot",
                "instance": instance.to_instance(),
                "moves": invert_moves(0, moves),
                "meta": {"agent": "scramble-inverse"},
            }
        )
    return certs


def replay(cert: dict[str, Any]) -> Braid:
    braid = cert["instance"]["braid"]
    state = Braid.checked(braid["strands"], braid["word"])
    for move in cert["moves"]:
        state = apply_move(state, move)
    return state


def rates(
    check: Callable[[dict[str, Any]], Any], certs: list[dict[str, Any]], moves: int, seconds: float
) -> dict[str, Any]:
    """Certificates/s and moves/s of ``check`` run over all ``certs`` (``moves`` in all), repeatedly."""

    def run_all() -> int:
        for cert in certs:
            check(cert)
        return len(certs)

    done, elapsed = until(seconds, run_all)
    checked = done // len(certs) * moves
    return {"certs_per_s": rounded(done / elapsed), "moves_per_s": rounded(checked / elapsed),
            "seconds": round(elapsed, 2)}  # fmt: skip


def bench_kernel(seconds: float, count: int, seed: int) -> None:
    for strands, length in ((3, 20), (5, 40), (7, 100)):
        certs = scramble_certificates(strands, length, count, seed)
        moves_each = [len(c["moves"]) for c in certs]
        for cert in certs:  # warm-up, and a check that the certificates are what we claim
            assert replay(cert).is_trivial_knot
            assert verify(cert).valid
        base = {"generator": f"ScrambleGenerator({strands}, {length})", "certificates": len(certs),
                "mean_moves": rounded(float(np.mean(moves_each)))}  # fmt: skip

        emit({"bench": "kernel_replay", **base, **rates(replay, certs, sum(moves_each), seconds)})
        verified = rates(verify, certs, sum(moves_each), seconds)
        emit({"bench": "verify", **base, **verified, "target": f">= {TARGET_VERIFY_MOVES} moves/s",
              "meets_target": verified["moves_per_s"] >= TARGET_VERIFY_MOVES})  # fmt: skip


# -- (b) single env ---------------------------------------------------------------------


def run_single(env: Any, seconds: float, seed: int, manual_limit: int | None) -> dict[str, Any]:
    """Random legal play; ``manual_limit`` truncates episodes of an env without a TimeLimit."""
    clock = time.perf_counter
    seed_sampler(seed)
    _, info = env.reset(seed=seed)
    sample_one(info["action_mask"], TRIES)  # warm-up
    steps = episodes = solved = illegal = 0
    in_episode = 0
    env_time = 0.0
    start = clock()
    while True:
        for _ in range(256):
            action = sample_one(info["action_mask"], TRIES)
            t0 = clock()
            _, _, terminated, truncated, info = env.step(action)
            env_time += clock() - t0
            illegal += info["illegal_action"]
            in_episode += 1
            if terminated or truncated or in_episode == manual_limit:
                episodes += 1
                solved += terminated
                in_episode = 0
                t0 = clock()
                _, info = env.reset()
                env_time += clock() - t0
        steps += 256
        elapsed = clock() - start
        if elapsed >= seconds:
            break
    return {
        "steps": steps,
        "episodes": episodes,
        "solved_episodes": solved,
        "illegal_actions": illegal,
        "steps_per_s": rounded(steps / env_time),
        "steps_per_s_with_sampling": rounded(steps / elapsed),
        "seconds": round(elapsed, 2),
    }


def bench_single(seconds: float, seed: int) -> None:
    env = gym.make(ENV_ID)
    spec = env.spec
    limit = spec.max_episode_steps if spec is not None else 200
    out = run_single(env, seconds, seed, None)
    emit({"bench": "env_single", "env": f"gym.make({ENV_ID!r})", "wrappers": str(env).split("<UnKnotEnv")[0],
          **out, "target": f">= {TARGET_SINGLE_STEPS} env steps/s",
          "meets_target": out["steps_per_s"] >= TARGET_SINGLE_STEPS})  # fmt: skip
    bare = env.unwrapped
    out = run_single(bare, seconds, seed, limit)
    emit({"bench": "env_single", "env": "UnKnotEnv (unwrapped, episodes cut at max_episode_steps)", **out})
    env.close()


# -- (c) vector env vs SyncVectorEnv ----------------------------------------------------


class VectorRun:
    """One vector env under random legal play, measured in slices that can be interleaved."""

    def __init__(self, env: Any, seed: int) -> None:
        self.env = env
        self.num_envs = env.num_envs
        self.actions = np.zeros(self.num_envs, np.int64)
        _, self.info = env.reset(seed=seed)
        seed_sampler(seed)
        self.steps = 0
        self.env_time = 0.0
        self.wall = 0.0
        self.finished = 0
        self.slice(0.0)  # warm-up: one step

    def slice(self, seconds: float) -> None:
        clock = time.perf_counter
        env, actions = self.env, self.actions
        info = self.info
        start = clock()
        env_time = 0.0
        steps = 0
        finished = 0
        while True:
            sample_batch(info["action_mask"], actions, TRIES)
            t0 = clock()
            _, _, terminated, truncated, info = env.step(actions)
            env_time += clock() - t0
            steps += 1
            finished += int(np.count_nonzero(terminated | truncated))
            if clock() - start >= seconds:
                break
        self.info = info
        if seconds > 0:
            self.steps += steps * self.num_envs
            self.env_time += env_time
            self.wall += clock() - start
            self.finished += finished

    def result(self) -> dict[str, Any]:
        return {
            "env_steps": self.steps,
            "episodes_ended": self.finished,
            "steps_per_s": rounded(self.steps / self.env_time),
            "steps_per_s_with_sampling": rounded(self.steps / self.wall),
            "seconds": round(self.wall, 2),
        }


def bench_vector(sizes: list[int], seconds: float, repeats: int, seed: int) -> None:
    for b in sizes:
        t0 = time.perf_counter()
        vec = gym.make_vec(ENV_ID, num_envs=b, vectorization_mode="vector_entry_point")
        vec_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        sync = gym.vector.SyncVectorEnv([lambda: gym.make(ENV_ID) for _ in range(b)])
        sync_build = time.perf_counter() - t0
        live = gym.make_vec(ENV_ID, num_envs=b, vectorization_mode="vector_entry_point", copy=False)
        runs = {
            "vector_entry_point": VectorRun(vec, seed),
            "vector_entry_point(copy=False)": VectorRun(live, seed),
            "SyncVectorEnv": VectorRun(sync, seed),
        }
        for _ in range(repeats):  # alternate, so that both see the same machine load
            for run in runs.values():
                run.slice(seconds / repeats)
        results = {name: run.result() for name, run in runs.items()}
        builds = {"vector_entry_point": vec_build, "SyncVectorEnv": sync_build}
        for name, res in results.items():
            record = {"bench": "env_vector", "impl": name, "B": b, **res}
            if name in builds:
                record["build_s"] = round(builds[name], 3)
            if name.startswith("vector_entry_point") and b == 1024:
                record["target"] = f">= {TARGET_VECTOR_STEPS} env steps/s"
                record["meets_target"] = res["steps_per_s"] >= TARGET_VECTOR_STEPS
            emit(record)
        sync_result = results["SyncVectorEnv"]
        for name in ("vector_entry_point", "vector_entry_point(copy=False)"):
            v = results[name]
            ratio = v["steps_per_s"] / sync_result["steps_per_s"]
            record = {
                "bench": "vector_vs_sync",
                "impl": name,
                "B": b,
                "ratio": rounded(ratio),
                "ratio_with_sampling": rounded(
                    v["steps_per_s_with_sampling"] / sync_result["steps_per_s_with_sampling"]
                ),
            }
            if b == 1024:
                record["target"] = f">= {TARGET_VECTOR_RATIO:g}x SyncVectorEnv"
                record["meets_target"] = ratio >= TARGET_VECTOR_RATIO
            emit(record)
        vec.close()
        live.close()
        sync.close()


# -- main -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short run (about 20 s) instead of about 2 minutes")
    parser.add_argument("--sizes", default="1,64,1024", help="vector batch sizes B (default 1,64,1024)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=["kernel", "single", "vector"], action="append", help="run only these parts")
    parser.add_argument(
        "--out-dir", type=Path, help="also write unknot-throughput.jsonl and .md (the results page) here"
    )
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    parts = args.only or ["kernel", "single", "vector"]
    kernel_s, single_s, vector_s, repeats, certs = (0.5, 1.5, 2.0, 2, 100) if args.quick else (3.0, 8.0, 12.0, 4, 300)

    start = time.perf_counter()
    emit(
        {
            "bench": "machine",
            **machine(),
            "numpy": np.__version__,
            "numba": numba.__version__,
            "gymnasium": gym.__version__,
            "quick": args.quick,
        }
    )
    # Warm up numba (compilation or cache load) before anything is timed.
    warm = np.zeros((2, 8), bool)
    warm[:, 3] = True
    seed_sampler(args.seed)
    sample_batch(warm, np.zeros(2, np.int64), TRIES)
    sample_one(warm[0], TRIES)
    if "kernel" in parts:
        bench_kernel(kernel_s, certs, args.seed)
    if "single" in parts:
        bench_single(single_s, args.seed)
    if "vector" in parts:
        bench_vector(sizes, vector_s, repeats, args.seed)
    emit({"bench": "total", "seconds": round(time.perf_counter() - start, 1)})
    if args.out_dir is not None:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        lines = "".join(json.dumps(r) + "\n" for r in emit.records)
        (args.out_dir / "unknot-throughput.jsonl").write_text(lines)
        command = public_command("unknot_throughput.py", sys.argv[1:] if argv is None else argv)
        (args.out_dir / "unknot-throughput.md").write_text(page(emit.records, command))
    return 0


# -- the results page ---------------------------------------------------------------------


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _tick(record: dict[str, Any]) -> str:
    return "✓" if record.get("meets_target") else "✗"


def page(records: list[dict[str, Any]], command: str) -> str:
    """docs/results/unknot-throughput.md from this run's records."""
    by = {}
    for r in records:
        by.setdefault(r["bench"], []).append(r)
    m = by["machine"][0]
    total = by.get("total", [{"seconds": "?"}])[0]["seconds"]
    out = [
        "# UnKnot-v0 throughput",
        "",
        f"Produced by `{command}` ({'quick' if m['quick'] else 'full'} run, one process, {total} s; the raw JSON lines are in [unknot-throughput.jsonl](unknot-throughput.jsonl)). "
        f"Machine: {m['cpu_count']}-core {m['cpu']}, {m['platform']}, Python {m['python']}, numpy {m['numpy']}, "
        f"numba {m['numba']}, gymnasium {m['gymnasium']}; load average at start {m['loadavg']}. The machine is a "
        "shared VM: absolute figures move between runs, so every comparison is measured in the same process, in "
        "alternating slices, and reported as a ratio.",
    ]
    if "verify" in by:
        out += [
            "",
            "## Kernel",
            "",
            "| certificates from | replay moves/s | `verify` moves/s | `verify` certificates/s | target |",
        ]
        out += ["|---|---:|---:|---:|---|"]
        for replay, check in zip(by["kernel_replay"], by["verify"], strict=True):
            out.append(
                f"| `{check['generator']}` scrambles, inverted | {_n(replay['moves_per_s'])} | "
                f"{_n(check['moves_per_s'])} | {_n(check['certs_per_s'])} | "
                f"≥ {TARGET_VERIFY_MOVES:,} {_tick(check)} |"
            )
    if "env_single" in by:
        out += ["", "## Single env (random legal actions)", "", "| env | steps/s (env only) | with sampling | target |"]
        out += ["|---|---:|---:|---|"]
        for r in by["env_single"]:
            target = f"≥ {TARGET_SINGLE_STEPS:,} {_tick(r)}" if "target" in r else ""
            out.append(f"| {r['env']} | {_n(r['steps_per_s'])} | {_n(r['steps_per_s_with_sampling'])} | {target} |")
    if "env_vector" in by:
        out += [
            "",
            "## Vector env against `SyncVectorEnv` (random legal actions, batched numba sampler)",
            "",
            "| B | `vector_entry_point` steps/s | `copy=False` steps/s | `SyncVectorEnv` steps/s | ratio | ratio `copy=False` |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        rate = {(r["impl"], r["B"]): r for r in by["env_vector"]}
        ratio = {(r["impl"], r["B"]): r for r in by.get("vector_vs_sync", [])}
        for b in sorted({r["B"] for r in by["env_vector"]}):
            vec, raw, sync = (
                rate[(i, b)] for i in ("vector_entry_point", "vector_entry_point(copy=False)", "SyncVectorEnv")
            )
            r1, r2 = ratio[("vector_entry_point", b)], ratio[("vector_entry_point(copy=False)", b)]
            out.append(
                f"| {b} | {_n(vec['steps_per_s'])} | {_n(raw['steps_per_s'])} | {_n(sync['steps_per_s'])} | "
                f"{r1['ratio']:.1f}x | {r2['ratio']:.1f}x |"
            )
        out += [
            "",
            f"Targets at B = 1024: ≥ {TARGET_VECTOR_STEPS:,} env steps/s and ≥ {TARGET_VECTOR_RATIO:.0f}x "
            "`SyncVectorEnv` (env only; the sampler's own time is in the JSON lines as `steps_per_s_with_sampling`). "
            "Met in this run: "
            + ", ".join(
                f"{r['impl']} {'yes' if r['meets_target'] else 'no'} ({r['target']})"
                for r in by["env_vector"] + by.get("vector_vs_sync", [])
                if "target" in r
            )
            + ".",
        ]
    out += ["", *WHY.splitlines(), ""]
    return "\n".join(out)


WHY = """## What makes it fast

One `int8` row per state (the observation itself), masks updated incrementally (a move rewrites only the entries it
can change; generator-major insert runs are filled at memset speed), a numba `prange` loop over the envs that also
records the action history and copies each mask row for `info` while it is in cache, and scramble resets drawn in one
numba call. What remains costly: a random legal walk saturates the word at `max_length`, where most legal moves are
rotations (O(L) each); the Python bookkeeping per step (rewards, termination, `info`) is next.

`B = 1` is slower than `SyncVectorEnv` (a fixed per-call overhead of the batched code); use the single env or a
larger batch.

## Reproduce

```bash
python benchmarks/unknot_throughput.py --out-dir docs/results   # about 2 minutes; this page and the JSON lines
python benchmarks/unknot_throughput.py --quick                  # about 20 seconds
```"""


if __name__ == "__main__":
    sys.exit(main())
