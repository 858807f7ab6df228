"""Env steps per second during training, per algorithm and policy, beside the raw env; and how it holds up under load.

Two parts, in one process:

* ``matrix``: for each game (``UnKnot-v0``, ``Kirby-Plumbing-RiPutrov-v0``, ``Ribbon-Easy-v0``)
  the raw env (random legal actions) and every algorithm × policy trained for ``--steps``
  env steps by ``rigorgym.agents.train.train`` with rigorgym's default threads (model
  construction and the final save included, so short runs understate it);
* ``vec`` (issue #19): ``--backend vec`` PPO beside SB3's PPO with its default MLP on UnKnot-v0
  and Kirby-Plumbing-RiPutrov-v0 (:mod:`_vec_speed`);
* ``key`` (issue #18): a 3-layer GCN training step (1 and 2 torch threads, and torch's
  default with its OpenMP runtime loaded before rigorgym, as before the fix), MaskablePPO with
  the GNN policy, and the README's ``rigorgym train UnKnot-v0 --algo maskable_ppo --policy gnn``;
  with ``--with-load`` measured again beside one competing CPU-bound process.

Usage::

    python benchmarks/training_throughput.py --with-load --out-dir docs/results   # about 15 minutes
    python benchmarks/training_throughput.py --quick                          # UnKnot only, 256 steps
    python benchmarks/training_throughput.py --games unknot --algos ppo,a3c --only matrix
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __name__ == "__main__" and sys.argv[1:2] == ["--gcn-child"]:
    import torch  # noqa: F401  (before rigorgym: torch's OpenMP runtime starts as it did before issue #18)

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _vec_speed  # noqa: E402
from _common import Recorder, by_bench, machine, phases, rounded, thread_settings, until  # noqa: E402
from _report import ResultsPage  # noqa: E402

GAMES = {
    "unknot": ("UnKnot-v0", 2048),
    "plumbing": ("Kirby-Plumbing-RiPutrov-v0", 2048),
    "ribbon": ("Ribbon-Easy-v0", 128),
}
ALGOS = ("ppo", "dqn", "trpo", "maskable_ppo", "a3c")
POLICIES = ("mlp", "gnn")
README = ["train", "UnKnot-v0", "--algo", "maskable_ppo", "--policy", "gnn"]
MAX_SLOWDOWN = 3.0  # loaded speed within 3x of quiet (issue #18)

#: Prints each record as a JSON line and keeps it for the page.
emit = Recorder()


def env_throughput(env_id: str, seconds: float = 3.0, seed: int = 0) -> float:
    """Random legal steps per second of one env (resets included)."""
    env = gym.make(env_id)
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)

    def chunk() -> int:
        legal = np.flatnonzero(env.unwrapped.action_masks())
        _, _, terminated, truncated, _ = env.step(int(rng.choice(legal)) if legal.size else 0)
        if terminated or truncated:
            env.reset()
        return 1

    steps, elapsed = until(seconds, chunk)
    env.close()
    return steps / elapsed


def train_throughput(env_id: str, algo: str, policy: str, steps: int) -> dict[str, Any]:
    """Env steps/s of one whole ``train`` call with rigorgym's default threads (one torch thread)."""
    from rigorgym.agents.algos.saved import AgentCard
    from rigorgym.agents.train import train

    options: dict[str, Any] = {"progress": False}
    if algo == "a3c":
        options.update(workers=2, n_steps=16)
    if algo in ("ppo", "trpo", "maskable_ppo"):
        options.update(n_steps=min(256, steps), batch_size=min(64, steps))
    if algo == "dqn":
        options["learning_starts"] = min(256, steps // 2)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        card = AgentCard.read(train(env_id, algo, policy, steps, 0, Path(tmp) / "agent", **options))
        wall = time.perf_counter() - start
    return {"steps": card.steps, "wall_s": rounded(wall), "steps_per_s": rounded(card.steps / wall)}


# -- issue #18: the figures that collapsed under load -------------------------------------------


def gcn_step_ms(thread_counts: tuple[int, ...], seconds: float, rounds: int = 3) -> dict[int, float]:
    """Milliseconds per training step (forward, backward, Adam) of a 3-layer GCN on 64 UnKnot observations.

    The thread counts are measured in alternating slices (median of ``rounds``); 0 is torch's own count.
    """
    import torch
    from rigorgym.agents.policies import GNNEncoder

    env = gym.make("UnKnot-v0")
    obs, info = env.reset(seed=0)
    rng, batch = np.random.default_rng(0), []
    for _ in range(64):
        obs, _, done, cut, info = env.step(int(rng.choice(np.flatnonzero(info["action_mask"]))))
        batch.append(obs)
        if done or cut:
            obs, info = env.reset()
    torch.manual_seed(0)
    encoder = GNNEncoder(env.observation_space, conv="gcn", depth=3, width=64)
    head = torch.nn.Linear(encoder.features_dim, 1)
    optimiser = torch.optim.Adam([*encoder.parameters(), *head.parameters()])
    x = torch.as_tensor(np.stack(batch))

    def step() -> int:
        optimiser.zero_grad()
        head(encoder(x)).pow(2).mean().backward()
        optimiser.step()
        return 1

    before = torch.get_num_threads()
    times: dict[int, list[float]] = {n: [] for n in thread_counts}
    for _ in range(rounds):
        for n in thread_counts:
            torch.set_num_threads(n or before)
            step()  # warm-up at this count
            done_steps, elapsed = until(seconds / rounds, step)
            times[n].append(1e3 * elapsed / done_steps)
    torch.set_num_threads(before)
    return {n: float(np.median(t)) for n, t in times.items()}


def gcn_before_fix(seconds: float) -> float:
    """The GCN step in a fresh process that loads torch before rigorgym, with torch's default threads."""
    cmd = [sys.executable, __file__, "--gcn-child", str(seconds)]
    ours = thread_settings()["set_by_rigorgym"]  # not inherited: the child starts as a process before the fix did
    env = {name: value for name, value in os.environ.items() if name not in ours}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=True, env=env)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["ms"])


def cli_example(steps: int, quick: bool) -> dict[str, Any]:
    """The README's ``rigorgym train`` example (``--steps`` shortened): env steps/s of training, and the whole wall time."""
    extra = ["--set", "n_steps=64", "--set", "batch_size=32"] if quick else []
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "-m",
            "rigorgym",
            *README,
            "--steps",
            str(steps),
            "--out",
            f"{tmp}/agent",
            "--no-progress",
        ]
        start = time.perf_counter()
        done = subprocess.run([*cmd, *extra], capture_output=True, text=True, timeout=1800, check=True)
        wall = time.perf_counter() - start
    found = re.search(r"(\d+) steps in ([\d.]+)s", done.stdout)
    assert found, done.stdout[-500:]
    trained, train_s = int(found.group(1)), float(found.group(2))
    return {"steps": trained, "train_s": train_s, "steps_per_s": rounded(trained / train_s), "wall_s": rounded(wall)}


def key_figures(phase: str, quick: bool) -> None:
    seconds = 0.3 if quick else 6.0
    for threads, ms in gcn_step_ms((1, 2), seconds).items():
        config = f"{threads} torch thread{'s' * (threads > 1)}, OMP_WAIT_POLICY=PASSIVE"
        emit({"bench": "gcn_step", "phase": phase, "config": config, "ms": rounded(ms)})
    if not quick:  # the child interpreter (torch loaded before rigorgym) costs ~6 s of start-up: full runs only
        emit({"bench": "gcn_step", "phase": phase,
              "config": "torch's default threads, spinning (OpenMP loaded before rigorgym)",
              "ms": rounded(gcn_before_fix(seconds))})  # fmt: skip
    steps = 256 if quick else 2048
    emit({"bench": "train_key", "phase": phase, "env": "UnKnot-v0", "algo": "maskable_ppo", "policy": "gnn",
          **train_throughput("UnKnot-v0", "maskable_ppo", "gnn", steps)})  # fmt: skip
    emit({"bench": "cli_example", "phase": phase, **cli_example(64 if quick else 2048, quick)})


# -- main and the page ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--games", default=",".join(GAMES), help="comma list of unknot, plumbing, ribbon")
    p.add_argument("--algos", default=",".join(ALGOS))
    p.add_argument("--policies", default=",".join(POLICIES))
    p.add_argument("--steps", type=int, default=0, help="env steps per run (default: per game)")
    p.add_argument("--quick", action="store_true", help="UnKnot only, 256 steps, no pre-fix GCN child process")
    p.add_argument("--only", choices=["matrix", "key", "vec"], action="append", help="run only these parts")
    p.add_argument("--with-load", action="store_true", help="the key figures again beside one busy process")
    p.add_argument(
        "--out-dir", "--out", dest="out", type=Path, help="write training-throughput.{md,json} (the page) here"
    )
    args = p.parse_args(argv)
    argv = sys.argv[1:] if argv is None else argv
    parts = args.only or ["matrix", "key", "vec"]
    page = ResultsPage("training-throughput", "Training throughput", __file__, argv)
    emit({"bench": "machine", **machine(), "threads": thread_settings()})
    for game in ["unknot"] if args.quick else args.games.split(","):
        if "matrix" not in parts:
            break
        env_id, default_steps = GAMES[game]
        steps = 256 if args.quick else (args.steps or default_steps)
        emit({"bench": "env", "env": env_id, "steps_per_s": rounded(env_throughput(env_id))})
        for algo in args.algos.split(","):
            for policy in args.policies.split(","):
                emit({"bench": "train", "env": env_id, "algo": algo, "policy": policy,
                      **train_throughput(env_id, algo, policy, steps)})  # fmt: skip
    if "vec" in parts:
        _vec_speed.figures(emit, ["unknot"] if args.quick else args.games.split(","), args.quick)
    for phase, context in phases(args.with_load) if "key" in parts else []:
        with context():
            key_figures(phase, args.quick)
    if args.out is not None:
        write_page(page, emit.records, args.out)
    return 0


def write_page(page: ResultsPage, records: list[dict[str, Any]], out: Path) -> None:
    by = by_bench(records)
    page.text(
        "Env steps per second of whole `rigorgym.agents.train.train` calls (model setup and save included) with "
        "rigorgym's default threads: one torch thread for the SB3 algorithms, 2 worker processes of one thread for "
        "A3C ([docs/performance.md](../performance.md)). *loaded* rows ran beside one competing CPU-bound process "
        "(`python -c 'while True: pass'`, `--with-load`); *quiet* ones beside none of ours (the machine's load "
        "average is above)."
    )
    key = {(r["bench"], r["phase"], r.get("config")): r for r in records if "phase" in r}
    checks = []
    for bench, config, what in (
        ("train_key", None, "MaskablePPO + GNN policy"),
        ("gcn_step", "1 torch thread, OMP_WAIT_POLICY=PASSIVE", "GCN step"),
    ):
        quiet, loaded = key.get((bench, "quiet", config)), key.get((bench, "loaded", config))
        if quiet and loaded:
            slow = (
                quiet["steps_per_s"] / loaded["steps_per_s"] if "steps_per_s" in quiet else loaded["ms"] / quiet["ms"]
            )
            checks.append((f"loaded: {what} within {MAX_SLOWDOWN:g}× its quiet speed (#18)", f"{slow:.2f}× slower",
                           slow <= MAX_SLOWDOWN))  # fmt: skip
    checks += _vec_speed.checks(records)
    if checks:
        page.heading("Acceptance")
        page.acceptance(checks)
    _vec_speed.table(page, records)
    if "gcn_step" in by:
        page.heading("Issue #18: quiet and beside one busy process")
        page.table(["phase", "3-layer GCN training step (64 UnKnot graphs)", "ms per step"],
                   [[r["phase"], r["config"], r["ms"]] for r in by["gcn_step"]])  # fmt: skip
        rows = [
            [r["phase"], "`train(...)`, maskable_ppo + gnn", r["steps"], r["wall_s"], r["steps_per_s"]]
            for r in by.get("train_key", [])
        ]
        rows += [[r["phase"], "`rigorgym " + " ".join(README) + f" --steps {r['steps']}`", r["steps"], r["wall_s"],
                  r["steps_per_s"]] for r in by.get("cli_example", [])]  # fmt: skip
        page.table(["phase", "run", "env steps", "wall s", "training steps/s"], rows,
                   "MaskablePPO + GNN through `train(...)` (`n_steps` 256; steps/s over the whole call) and the README's "
                   "command (its defaults, `--steps` shortened; steps/s as it prints them, wall s with start-up).")  # fmt: skip
    if "train" in by:
        raw = {r["env"]: r["steps_per_s"] for r in by.get("env", [])}
        page.heading("Every algorithm and policy")
        page.table(["env", "algo", "policy", "env steps", "wall s", "train steps/s", "raw env steps/s", "ratio"],
                   [[r["env"], r["algo"], r["policy"], r["steps"], r["wall_s"], r["steps_per_s"], raw.get(r["env"]),
                     rounded(r["steps_per_s"] / raw[r["env"]]) if r["env"] in raw else None] for r in by["train"]])  # fmt: skip
    page.reproduce("python benchmarks/training_throughput.py --with-load --out-dir docs/results")
    page.write(out, {"records": records})


def child(seconds: float) -> int:
    """``--gcn-child SECONDS``: the GCN step as before the fix (torch loaded first, its default threads)."""
    print(json.dumps({"ms": gcn_step_ms((0,), seconds)[0]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(child(float(sys.argv[2])) if sys.argv[1:2] == ["--gcn-child"] else main())
