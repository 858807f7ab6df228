"""UnKnot-Diagram-v0 throughput: kernel replay, the env, and an env over spherogram's moves, in one process.

* kernel: the certificates ``diagram-search`` finds for hard unknots (a fixed step budget, so the same moves
  every run), replayed by ``rigorgym.verifiers.verify`` (parse, every move, the claim): Reidemeister moves/s;
* env: ``gym.make("UnKnot-Diagram-v0")`` stepped with uniform legal actions (the mask is recomputed every
  step; actions from the numba sampler of :mod:`rigorgym.agents.legal_sampler`, so the sampler is not
  what is timed): env steps/s;
* batched: ``gym.make_vec(..., vectorization_mode="vector_entry_point")`` at each ``--batch`` size, stepped
  with uniform legal actions per row (auto-reset included): env steps/s;
* anchor: the env design of the hard-unknot anchors, a step calling spherogram's simplification on a ``Link``
  (:func:`rigorgym.agents.protocols.unknot_diagram.spherogram_steps`), on the same diagrams;

Writes ``docs/results/unknot-diagram-throughput.{md,json}`` through the reporter; one JSON line per row.

Usage::

    python benchmarks/unknot_diagram_throughput.py [--seconds 10] [--out-dir docs/results]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit  # noqa: E402
from _report import ResultsPage  # noqa: E402
from rigorgym.agents.base import Budget  # noqa: E402
from rigorgym.agents.diagram_search import DiagramSearch  # noqa: E402
from rigorgym.agents.legal_sampler import sample_batch, sample_one, seed_sampler  # noqa: E402
from rigorgym.agents.protocols.unknot_diagram import spherogram_steps  # noqa: E402
from rigorgym.envs.unknot_diagram import DiagramInstance  # noqa: E402
from rigorgym.verifiers import verify  # noqa: E402

import rigorgym  # noqa: E402, F401

SOURCE = Path(__file__).resolve().parents[1] / "envs" / "suites" / "data" / "sources" / "hard_unknots_50.jsonl"
TITLE = "UnKnot-Diagram-v0: kernel, env and spherogram-per-step throughput"


def hard_certificates(count: int) -> list[dict]:
    rows = [json.loads(line) for line in SOURCE.read_text().splitlines()[:count]]
    certs = []
    for k, row in enumerate(rows):
        instance = DiagramInstance(tuple(tuple(x) for x in row["pd"]), id=f"row-{row['row']}")
        result = DiagramSearch().solve(None, instance, Budget(120, max_steps=200_000), k)
        if result.certificate is not None:
            certs.append(result.certificate)
    return certs


def kernel_rate(certs: list[dict], seconds: float) -> tuple[int, float]:
    moves, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for cert in certs:
            assert verify(cert).valid
            moves += len(cert["moves"])
    return moves, time.perf_counter() - start


def env_rate(seconds: float) -> tuple[int, float]:
    env = gym.make("UnKnot-Diagram-v0")
    _, info = env.reset(seed=0)
    seed_sampler(0)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        _, _, terminated, truncated, info = env.step(sample_one(info["action_mask"]))
        steps += 1
        if terminated or truncated:
            _, info = env.reset()
    return steps, time.perf_counter() - start


def vector_rate(batch: int, seconds: float) -> tuple[int, float]:
    env = gym.make_vec("UnKnot-Diagram-v0", num_envs=batch, vectorization_mode="vector_entry_point", copy=False)
    _, info = env.reset(seed=0)
    seed_sampler(0)
    actions = np.zeros(batch, np.int64)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        sample_batch(info["action_mask"], actions)
        _, _, _, _, info = env.step(actions)
        steps += batch
    return steps, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    p.add_argument("--certificates", type=int, default=8, help="hard unknots whose certificates are replayed")
    p.add_argument("--batch", type=int, nargs="+", default=[64, 1024], help="vector env batch sizes")
    p.add_argument("--out-dir", type=Path, default=Path("docs/results"))
    args = p.parse_args(argv)
    page = ResultsPage(
        "unknot-diagram-throughput", TITLE, __file__, argv
    )  # here: its wall time and start load are the run's
    certs = hard_certificates(args.certificates)
    sizes = [len(c["instance"]["pd"]) for c in certs]
    rows = []
    moves, dt = kernel_rate(certs, args.seconds)
    kernel = moves / dt
    rows.append(["kernel replay (`verify`)", f"{len(certs)} hard-unknot certificates", moves, dt, kernel])
    steps, dt = env_rate(args.seconds)
    env = steps / dt
    rows.append(["env, single (`gym.make`)", "UnKnot-Diagram-v0, uniform legal actions", steps, dt, env])
    batched = {}
    for b in args.batch:
        steps, dt = vector_rate(b, args.seconds)
        batched[b] = steps / dt
        rows.append(
            [f"env, batched B = {b:,} (`make_vec`)", "UnKnot-Diagram-v0, uniform legal actions", steps, dt, steps / dt]
        )
    done, dt = 0, 0.0
    per = args.seconds / max(1, len(certs))
    for cert in certs:
        n, t = spherogram_steps(cert["instance"]["pd"], per)
        done, dt = done + n, dt + t
    anchor = done / dt
    rows.append(["anchor: spherogram per step", "the same hard unknots", done, dt, anchor])
    for row in rows:
        emit({"bench": "unknot-diagram-throughput", "what": row[0], "count": row[2], "seconds": row[3], "rate": row[4]})
    page.text(
        f"One process, measured in turn, {args.seconds:g} s each (threads: rigorgym's defaults, "
        "docs/performance.md). The certificates are those `diagram-search` "
        f"finds for the first {len(certs)} rows of the hard-unknot source file ({min(sizes)}–{max(sizes)} "
        "crossings; a fixed step budget, so the same moves every run); the kernel rate counts every move of "
        "every replay, parse and claim check included. The env rate includes recomputing the exact mask after "
        "every step; the batched rows include auto-resets (episodes of 200 steps). The anchor row steps a spherogram `Link` as an env over spherogram's moves does."
    )
    page.acceptance(
        [
            ("kernel >= 100,000 Reidemeister moves/s replayed (#20)", f"{kernel:,.0f} moves/s", kernel >= 100_000),
            ("env >= 20,000 steps/s single (#20)", f"{env:,.0f} steps/s", env >= 20_000),
            (
                "env >= 500,000 steps/s at B = 1,024 (#20)",
                f"{batched[1024]:,.0f} steps/s" if 1024 in batched else "not measured (--batch lacks 1024)",
                batched.get(1024, 0.0) >= 500_000,
            ),
        ]
    )
    page.table(["what", "on", "count", "seconds", "per second"], rows)
    page.text(
        f"Ratios in this run: kernel replay {kernel / anchor:.1f}x and the env {env / anchor:.1f}x the "
        "spherogram-per-step design."
    )
    page.reproduce(f"python benchmarks/unknot_diagram_throughput.py --seconds {args.seconds:g}")
    page.write(args.out_dir, {"rows": rows, "kernel": kernel, "env": env, "batched": batched, "anchor": anchor})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
