"""RLlib PPO on UnKnot-v0 for at most 10 minutes, then against the random walker on ``unknot-random-L20``.

The acceptance figure of the RLlib backend: ``rigorgym.agents.rllib`` trains
PPO (masked MLP policy, new API stack, a local Ray on this machine) on
``UnKnot-v0`` (scrambles of length 20 on 3 strands) until ``--minutes`` of
wall time pass; the agent folder it writes is then played by the same runner
as ``rigorgym solve --agent DIR`` (one greedy episode, then sampled ones,
within ``--budget-s`` per instance) on every instance of ``unknot-random-L20``,
next to ``random`` (uniform legal moves, restarted walks) with the same
budget. Every certificate is re-verified by the kernel.

Writes ``rllib-unknot.{json,md}`` into ``--out-dir``.

Usage::

    python benchmarks/rllib_unknot.py --out-dir docs/results      # 10 minutes of training + evaluation
    python benchmarks/rllib_unknot.py --quick                     # a smoke run
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, machine, rounded, write_report  # noqa: E402

ENV_ID = "UnKnot-v0"
SUITE = "unknot-random-L20"
#: seconds kept for the final checkpoint and Ray's shutdown, so that the whole run stays within --minutes
SAVE_MARGIN_S = 20.0


def evaluate(agent: str, instances: list[Any], budget_s: float) -> dict[str, Any]:
    from rigorgym.agents.runner import run_agent
    from rigorgym.verifiers import verify

    start = time.perf_counter()
    outcomes = list(run_agent(ENV_ID, instances, agent, budget_s, seed=0))
    certificates = [o.certificate for o in outcomes if o.certificate is not None]
    moves = [len(c["moves"]) for c in certificates]
    return {
        "instances": len(instances),
        "solved": len(certificates),
        "verified": sum(bool(verify(c).valid) for c in certificates),
        "solved_fraction": rounded(len(certificates) / max(1, len(instances))),
        "median_moves": statistics.median(moves) if moves else None,
        "seconds": rounded(time.perf_counter() - start),
    }


def markdown(report: dict[str, Any]) -> str:
    m, t = report["machine"], report["training"]
    rows = report["results"]
    lines = [
        f"# RLlib PPO on {ENV_ID} against the random walker on `{SUITE}`",
        "",
        f"Measured {report['date']} by `{report['command']}` on {m['cpu']} ({m['cpu_count']} cores, load average "
        f"at start {m['loadavg']}).",
        "",
        f"Training: `rigorgym.agents.rllib` PPO (Ray RLlib {t['ray']}, new API stack), masked MLP policy, "
        f"{t['env_runners']} env runner(s), a local Ray; {t['steps']:,} env steps in {t['wall_s']:.0f} s "
        f"(limit {report['minutes']} min, Ray start and final checkpoint included); final training solved rate {t['solved_rate']:.2f}.",
        "",
        f"Evaluation: every instance of `{SUITE}`, {report['budget_s']} s per instance, the runner of "
        "`rigorgym solve` (learned agents: one greedy episode, then sampled ones; `random`: restarted uniform "
        "walks); every certificate re-verified by the kernel.",
        "",
        "| agent | solved | verified | solved fraction | median moves | seconds |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows.items():
        lines.append(
            f"| {name} | {r['solved']}/{r['instances']} | {r['verified']} | {r['solved_fraction']:.2f} | "
            f"{r['median_moves'] if r['median_moves'] is not None else '–'} | {r['seconds']} |"
        )
    ppo, rnd = rows["rllib-ppo"]["solved_fraction"], rows["random"]["solved_fraction"]
    verdict = "met" if ppo > rnd else "**not met**"
    lines += ["", f"Acceptance (RLlib PPO beats the random walker after <= 10 minutes on 2 cores): {verdict}.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 seconds of training, 5 instances")
    parser.add_argument("--minutes", type=float, default=10.0, help="training wall-clock limit (default 10)")
    parser.add_argument("--env-runners", type=int, default=1, help="RLlib env runners (default 1)")
    parser.add_argument("--budget-s", type=float, default=1.0, help="seconds per instance (default 1)")
    parser.add_argument("--limit", type=int, help="only the first N instances of the suite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out-dir", help="where rllib-unknot.{json,md} go (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.quick:
        args.minutes, args.limit = 40 / 60, args.limit or 5
    import ray
    from rigorgym.agents.algos.saved import AgentCard
    from rigorgym.agents.rllib import train
    from rigorgym.envs.games import GAMES
    from rigorgym.envs.suites import load_suite

    info = machine()
    out_dir = Path(args.out_dir or tempfile.mkdtemp(prefix="rllib-unknot-"))
    work = Path(tempfile.mkdtemp(prefix="rllib-unknot-run-"))
    emit({"benchmark": "rllib_unknot", "minutes": args.minutes, "env_runners": args.env_runners})
    folder = train(
        ENV_ID, "ppo", "mlp", 10**9, args.seed, work / "ppo",
        time_budget_s=60 * args.minutes - SAVE_MARGIN_S, num_env_runners=args.env_runners, checkpoint_every=0, progress=False,
    )  # fmt: skip
    card = AgentCard.read(folder)
    training = {"steps": card.steps, "wall_s": rounded(card.wall_s), "solved_rate": card.metrics.get("solved_rate", 0.0),
                "env_runners": args.env_runners, "ray": ray.__version__}  # fmt: skip
    emit({"trained": "rllib-ppo", **training})
    suite = load_suite(SUITE)
    game = next(g for g in GAMES if g.env == suite.env)
    instances = [game.read_instance(x) for x in suite.instances[: args.limit]]
    results = {}
    for name, agent in (("rllib-ppo", str(folder)), ("random", "random")):
        results[name] = evaluate(agent, instances, args.budget_s)
        emit({"agent": name, **results[name]})
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": "python benchmarks/rllib_unknot.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": info,
        "minutes": args.minutes,
        "budget_s": args.budget_s,
        "training": training,
        "results": results,
    }
    write_report(out_dir, "rllib-unknot", report, markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
