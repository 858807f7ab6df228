"""`make demo`: the baselines on packaged suites, every certificate re-verified, one table.

Runs ``random`` and ``greedy`` on ``unknot-random-L20`` and on a sample of
``unknot-hard`` (embedded defaults; a few minutes on 2 cores) and prints
suite, agent, solved, median moves and how many certificates the kernel
accepted.
"""

from __future__ import annotations

import argparse
import statistics
import time

from rich.console import Console
from rich.table import Table

from rigorgym.agents.runner import run_agent
from rigorgym.envs.suites import list_suites, load_suite
from rigorgym.envs.unknot.types import BraidInstance
from rigorgym.verifiers import verify

#: (suite, instances, agent, budget in seconds per instance)
PLAN = (
    ("unknot-random-L20", 100, "greedy", 2.0),
    ("unknot-random-L20", 20, "random", 1.0),
    ("unknot-hard", 10, "greedy", 3.0),
    ("unknot-hard", 10, "random", 1.0),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rigorgym.demo", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply instance counts (e.g. 0.1 for a smoke run)")
    args = parser.parse_args(argv)
    console = Console()
    table = Table(title="rigorgym demo: UnKnot-v0 baselines, certificates re-verified by the kernel")
    for column in ("suite", "agent", "solved", "median moves", "verified", "seconds"):
        table.add_column(column, justify="left" if column in ("suite", "agent") else "right")
    for suite_name, count, agent, budget in PLAN:
        if suite_name not in list_suites():
            console.print(f"[yellow]suite {suite_name} is not shipped; skipped[/]")
            continue
        suite = load_suite(suite_name)
        count = max(1, int(count * args.scale))
        instances = [BraidInstance.from_instance(x) for x in suite.instances[:count]]
        start = time.perf_counter()
        outcomes = list(run_agent("UnKnot-v0", instances, agent, budget, seed=0))
        certs = [o.certificate for o in outcomes if o.certificate is not None]
        verified = sum(verify(c).valid for c in certs)  # a second, independent check of each
        moves = [len(c["moves"]) for c in certs]
        table.add_row(
            suite_name,
            agent,
            f"{len(certs)}/{len(instances)}",
            f"{statistics.median(moves):g}" if moves else "-",
            f"{verified}/{len(certs)}",
            f"{time.perf_counter() - start:.1f}",
        )
    console.print(table)
    console.print(
        "random: uniform over legal moves, most of which are insertions, so its walks grow the word; "
        "greedy: best-first search without insertions (fails where the word must grow). "
        "Full results: docs/results/unknot-baselines.md"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
