"""How fast and how often ``find_obstruction`` proves a knot not slice, by crossing number.

Runs :func:`rigorgym.agents.slice_obstruction.find_obstruction` on every
instance of a Ribbon-v0 suite (default: ``notslice-knotinfo-12``, KnotInfo's
non-slice knots up to 12 crossings, and ``ribbon-knotinfo-12``, its slice
knots, where nothing may be found) and prints one JSON line per suite and
crossing number: how many knots got an obstruction, which invariant, and the
median / 90th percentile / max seconds per knot (the slice knots pay for
every test, tau included). The kernel re-checks every move found. Its lines
are the "Slice obstructions" section of docs/results/ribbon-solvers.md
(``benchmarks/ribbon_solvers.py --from-json docs/results/ribbon-solvers.json
--obstructions FILE`` renders them through the reporter). Usage::

    python benchmarks/slice_obstructions.py --crossings 12
    python benchmarks/slice_obstructions.py --suites notslice-knotinfo-12 --limit 200
    python benchmarks/slice_obstructions.py > obstructions.jsonl    # for the results page
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter, defaultdict

from _common import emit, machine
from rigorgym.agents.slice_obstruction import find_obstruction
from rigorgym.envs.ribbon import KnotInstance
from rigorgym.envs.suites import load_suite
from rigorgym.verifiers.slice_obstructions import check_obstruction


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suites", default="notslice-knotinfo-12,ribbon-knotinfo-12")
    parser.add_argument("--crossings", type=int, default=None, help="only knots with this many crossings")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    find_obstruction(KnotInstance.from_name("4_1").diagram())  # imports (regina, sympy) outside the timings
    for suite in args.suites.split(","):
        raws = [x for x in load_suite(suite).instances if args.crossings in (None, len(x["pd"]))]
        raws = raws[: args.limit] if args.limit else raws
        seconds: dict[int, list[float]] = defaultdict(list)
        found: dict[int, Counter[str]] = defaultdict(Counter)
        missed: dict[int, list[str]] = defaultdict(list)
        for raw in raws:
            inst = KnotInstance.from_instance(raw)
            diagram = inst.diagram()
            start = time.perf_counter()
            move = find_obstruction(diagram)
            c = inst.crossings
            seconds[c].append(time.perf_counter() - start)
            if move is None:
                missed[c].append(inst.name or raw["id"])
                continue
            check_obstruction(diagram, move)  # raises if the kernel disagrees
            found[c][move["name"]] += 1
        for c in sorted(seconds):
            xs = sorted(seconds[c])
            emit(
                {
                    "suite": suite,
                    "crossings": c,
                    "knots": len(xs),
                    "obstructed": sum(found[c].values()),
                    "by_invariant": dict(found[c]),
                    "median_s": round(statistics.median(xs), 4),
                    "p90_s": round(xs[min(len(xs) - 1, int(0.9 * len(xs)))], 4),
                    "max_s": round(xs[-1], 4),
                    "missed": missed[c][:40] if suite.startswith("notslice") else len(missed[c]),
                }
            )
    emit({"machine": machine()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
