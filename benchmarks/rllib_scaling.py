"""Env steps per second of RLlib PPO on UnKnot-v0 with 0, 1 and 2 env runners, beside SB3 PPO, in one run.

Each configuration trains the same masked MLP policy (the zoo's encoder,
``hidden=(256, 256)``, one torch thread per process) with the same batch
(``--batch`` env steps per iteration): RLlib PPO with ``num_env_runners`` = 0
(sampling in the driver), 1 and 2 (actors on a local Ray), and
stable-baselines3's PPO (its ``n_steps`` set to the same batch). Steady-state
steps/s: one warm-up iteration, then ``--iterations`` timed ones (sampling and
learning both counted); the measurements are
``rigorgym.agents.protocols.unknot_training.rllib_sps`` and ``sb3_sps``. The ratios to
the 0-runner figure are what to read on a shared machine.

Prints JSON lines; with ``--out`` writes ``rllib-scaling.{md,json}`` there
through ``benchmarks/_report.py``. Usage::

    python benchmarks/rllib_scaling.py --out docs/results     # a few minutes on 2 cores
    python benchmarks/rllib_scaling.py --quick                # a smoke run
    python benchmarks/rllib_scaling.py --from-json docs/results/rllib-scaling.json --out docs/results
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Recorder  # noqa: E402
from _report import ResultsPage  # noqa: E402

ENV_ID = "UnKnot-v0"
STEM = "rllib-scaling"


def render(page: ResultsPage, report: dict[str, Any]) -> None:
    rows = report["rows"]
    base = next(r["sps"] for r in rows if r["backend"] == "rllib" and r["env_runners"] == 0)
    page.text(
        f"PPO on `{ENV_ID}`, masked MLP policy (the zoo's encoder), {report['batch']} env steps per iteration, "
        f"{report['iterations']} timed iterations after one warm-up; sampling and learning both in the time."
    )
    page.table(
        ["backend", "env runners", "env steps", "seconds", "env steps/s", "vs RLlib, 0 runners"],
        [[r["backend"], r["env_runners"], r["steps"], r["seconds"], r["sps"], f"{r['sps'] / base:.2f}"] for r in rows],
    )
    page.text(
        "With 0 env runners RLlib samples in the driver; each env runner is a Ray actor (a process), and PPO "
        "waits for all of them, then learns in the driver. One runner only moves the sampling to another "
        "process; two sample in parallel. On 2 cores the runners, the learner and Ray's own processes share the "
        "same two CPUs, so the gain is bounded; on a cluster each runner brings its own CPU (docs/cluster.md). "
        "SB3 steps one env in the training process with no inter-process traffic, hence its lead on one machine."
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one small iteration each")
    parser.add_argument("--batch", type=int, default=2000, help="env steps per iteration (default 2000)")
    parser.add_argument("--iterations", type=int, default=5, help="timed iterations (default 5)")
    parser.add_argument("--runners", default="0,1,2", help="env runner counts (default 0,1,2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", "--out-dir", dest="out", help="write rllib-scaling.{md,json} into this folder")
    parser.add_argument("--from-json", type=Path, help="re-render the page from this raw report; measure nothing")
    args = parser.parse_args(argv)
    if args.quick:
        args.batch, args.iterations = 200, 1
    public = [("--out-dir" + a[5:]) if a.split("=")[0] == "--out" else a for a in argv]  # a local path: not quoted
    page = ResultsPage(STEM, "RLlib scaling on this machine", __file__, public)
    if args.from_json:
        report = page.from_report(json.loads(args.from_json.read_text()))
    else:
        from rigorgym.agents.protocols.unknot_training import rllib_sps, sb3_sps

        emit = Recorder()
        emit({"benchmark": "rllib_scaling", "env": ENV_ID, "batch": args.batch, "iterations": args.iterations})
        rows = []
        for runners in [int(x) for x in args.runners.split(",")]:
            rows.append(rllib_sps(runners, args.batch, args.iterations, args.seed))
            emit(rows[-1])
        rows.append(sb3_sps(args.batch, args.iterations, args.seed))
        emit(rows[-1])
        report = {"batch": args.batch, "iterations": args.iterations, "rows": rows}
    if args.out:
        render(page, report)
        page.write(Path(args.out), report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
