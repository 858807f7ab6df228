"""RLlib PPO on UnKnot-v0 for at most 10 minutes, then against the random walker on ``unknot-random-L20``.

The acceptance figure of the RLlib backend: ``rigorgym.agents.rllib.train``
(what ``rigorgym train UnKnot-v0 --backend rllib`` calls) trains PPO (masked
MLP policy, new API stack, a local Ray) on ``UnKnot-v0`` until ``--minutes``
of wall time pass; the agent folder it writes is then played, next to
``random`` with the same budget, by ``rigorgym.agents.protocols.unknot.compare_agents``
(the runner of ``rigorgym solve --agent DIR``: one greedy episode, then
sampled ones, within ``--budget-s`` per instance) on every instance of
``unknot-random-L20``. Every certificate is re-verified by the kernel.

Prints JSON lines; writes ``rllib-unknot.{md,json}`` into ``--out-dir`` through
``benchmarks/_report.py``. Usage::

    python benchmarks/rllib_unknot.py --out-dir docs/results      # 10 minutes of training + evaluation
    python benchmarks/rllib_unknot.py --quick                     # a smoke run
    python benchmarks/rllib_unknot.py --from-json docs/results/rllib-unknot.json --out-dir docs/results
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Recorder, rounded  # noqa: E402
from _report import ResultsPage  # noqa: E402

ENV_ID = "UnKnot-v0"
SUITE = "unknot-random-L20"
STEM = "rllib-unknot"
#: seconds kept for the final checkpoint and Ray's shutdown, so that the whole run stays within --minutes
SAVE_MARGIN_S = 20.0


def measure(args: argparse.Namespace, emit: Recorder) -> dict[str, Any]:
    import ray
    from rigorgym.agents.algos.saved import AgentCard
    from rigorgym.agents.protocols.unknot import compare_agents
    from rigorgym.agents.rllib import train
    from rigorgym.envs.suites import load_suite

    emit({"benchmark": "rllib_unknot", "minutes": args.minutes, "env_runners": args.env_runners})
    work = Path(tempfile.mkdtemp(prefix="rllib-unknot-run-"))
    folder = train(
        ENV_ID,
        "ppo",
        "mlp",
        10**9,
        args.seed,
        work / "ppo",
        time_budget_s=60 * args.minutes - SAVE_MARGIN_S,
        num_env_runners=args.env_runners,
        checkpoint_every=0,
        progress=False,
    )
    card = AgentCard.read(folder)
    training = {
        "steps": card.steps,
        "wall_s": rounded(card.wall_s),
        "solved_rate": card.metrics.get("solved_rate", 0.0),
        "env_runners": args.env_runners,
        "ray": ray.__version__,
    }
    emit({"trained": "rllib-ppo", **training})
    instances = load_suite(SUITE).instances[: args.limit]
    rows = compare_agents({SUITE: instances}, {"rllib-ppo": str(folder), "random": "random"}, args.budget_s, seed=0)
    results = {}
    for row in rows:
        results[row["agent"]] = {
            **{k: v for k, v in row.items() if k not in ("per_instance", "agent", "suite")},
            "verified": row["solved"],
            "seconds": row["wall_s"],
        }
        emit({"agent": row["agent"], **results[row["agent"]]})
    return {"minutes": args.minutes, "budget_s": args.budget_s, "training": training, "results": results}


def render(page: ResultsPage, report: dict[str, Any]) -> None:
    t, rows = report["training"], report["results"]
    page.text(
        f"Training: `rigorgym.agents.rllib` PPO (Ray RLlib {t['ray']}, new API stack), masked MLP policy, "
        f"{t['env_runners']} env runner(s), a local Ray; {t['steps']:,} env steps in {t['wall_s']:.0f} s "
        f"(limit {report['minutes']} min, Ray start and final checkpoint included); final training solved rate "
        f"{t['solved_rate']:.2f}."
    )
    page.text(
        f"Evaluation: every instance of `{SUITE}`, {report['budget_s']} s per instance, the runner of "
        "`rigorgym solve` (learned agents: one greedy episode, then sampled ones; `random`: restarted uniform "
        "walks); every certificate re-verified by the kernel."
    )
    page.table(
        ["agent", "solved", "verified", "solved fraction", "median moves", "seconds"],
        [
            [
                name,
                f"{r['solved']}/{r['instances']}",
                r["verified"],
                f"{r['solved_fraction']:.2f}",
                r["median_moves"],
                r["seconds"],
            ]
            for name, r in rows.items()
        ],
    )
    ppo, rnd = rows["rllib-ppo"]["solved_fraction"], rows["random"]["solved_fraction"]
    page.heading("Acceptance")
    page.acceptance(
        [
            (
                "RLlib PPO beats the random walker after <= 10 minutes on 2 cores",
                f"{ppo:.2f} vs {rnd:.2f} solved",
                ppo > rnd,
            )
        ]
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="40 seconds of training, 5 instances")
    parser.add_argument("--minutes", type=float, default=10.0, help="training wall-clock limit (default 10)")
    parser.add_argument("--env-runners", type=int, default=1, help="RLlib env runners (default 1)")
    parser.add_argument("--budget-s", type=float, default=1.0, help="seconds per instance (default 1)")
    parser.add_argument("--limit", type=int, help="only the first N instances of the suite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out-dir", help="where rllib-unknot.{json,md} go (default: a temporary folder)")
    parser.add_argument("--from-json", type=Path, help="re-render the page from this raw report; measure nothing")
    args = parser.parse_args(argv)
    if args.quick:
        args.minutes, args.limit = 40 / 60, args.limit or 5
    page = ResultsPage(STEM, f"RLlib PPO on {ENV_ID} against the random walker on `{SUITE}`", __file__, argv)
    if args.from_json:
        report = page.from_report(json.loads(args.from_json.read_text()))
    else:
        report = measure(args, Recorder())
    render(page, report)
    page.write(Path(args.out_dir or tempfile.mkdtemp(prefix="rllib-unknot-")), report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
