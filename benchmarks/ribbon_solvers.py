"""Solve rates and times of the Ribbon-v0 solvers (``best-first``, ``bo-walker``) on a suite.

Each instance is given to ``agent.solve(None, instance, budget_s, seed)`` (the
solvers need no env) in a pool of ``--jobs`` worker processes; every
certificate is re-verified by the kernel here. Prints one JSON line per
instance to ``--out`` (if given) and one summary line per agent to stdout:
solved / total, the claims, and the median and 90th percentile of the
seconds per instance (unsolved instances count with their full time).
Usage::

    python benchmarks/ribbon_solvers.py --suite ribbon-knotinfo-12 --agents best-first,bo-walker --budget-s 60
    python benchmarks/ribbon_solvers.py --suite ribbon-knotinfo-13 --min-crossings 13 --jobs 2 --out /tmp/r13.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from _common import emit, machine
from rigorgym.agents.registry import make_agent
from rigorgym.envs.suites import load_suite
from rigorgym.verifiers import verify


def _solve(args: tuple[str, dict[str, Any], float, int]) -> dict[str, Any]:
    agent_name, raw, budget_s, seed = args
    result = make_agent(agent_name).solve(None, raw, budget_s, seed)
    cert = result.certificate
    valid = bool(cert is not None and verify(cert).valid)
    return {
        "agent": agent_name,
        "id": raw.get("id"),
        "name": raw.get("name"),
        "crossings": len(raw["pd"]),
        "solved": valid,
        "claim": cert["claim"] if valid else None,
        "bands": sum(m["op"] == "band" for m in cert["moves"]) if valid else None,
        "seconds": round(result.seconds, 4),
        "steps": result.steps,
    }


def percentile(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def summary(agent: str, rows: list[dict[str, Any]], budget_s: float) -> dict[str, Any]:
    seconds = [r["seconds"] for r in rows]
    claims: dict[str, int] = {}
    for r in rows:
        if r["claim"]:
            claims[r["claim"]] = claims.get(r["claim"], 0) + 1
    return {
        "agent": agent,
        "solved": sum(r["solved"] for r in rows),
        "total": len(rows),
        "claims": claims,
        "budget_s": budget_s,
        "median_s": round(statistics.median(seconds), 3) if seconds else None,
        "p90_s": percentile(seconds, 0.9),
        "max_s": max(seconds) if seconds else None,
        "unsolved": [r["name"] or r["id"] for r in rows if not r["solved"]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", default="ribbon-knotinfo-12")
    parser.add_argument("--agents", default="best-first,bo-walker")
    parser.add_argument("--budget-s", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="the first N instances only")
    parser.add_argument("--min-crossings", type=int, default=0, help="only instances with at least this many")
    parser.add_argument("--out", default=None, help="per-instance JSON lines")
    args = parser.parse_args(argv)

    instances = [x for x in load_suite(args.suite).instances if len(x["pd"]) >= args.min_crossings]
    instances = instances[: args.limit] if args.limit else instances
    out = open(args.out, "w") if args.out else None  # noqa: SIM115
    try:
        for agent in args.agents.split(","):
            tasks = [(agent, raw, args.budget_s, args.seed + k) for k, raw in enumerate(instances)]
            rows = []
            with ProcessPoolExecutor(args.jobs) as pool:
                for row in pool.map(_solve, tasks):
                    rows.append(row)
                    if out is not None:
                        out.write(json.dumps(row) + "\n")
                        out.flush()
                    print(
                        f"{agent} {len(rows)}/{len(tasks)} {row['name']} {row['solved']} {row['seconds']}s",
                        file=sys.stderr,
                        flush=True,
                    )
            emit({"suite": args.suite, "min_crossings": args.min_crossings, **summary(agent, rows, args.budget_s)})
        emit({"machine": machine(), "jobs": args.jobs})
    finally:
        if out is not None:
            out.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
