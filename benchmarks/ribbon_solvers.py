"""Solve rates and times of the Ribbon-v0 solvers (``best-first``, ``bo-walker``) on a suite; the ribbon-solvers page.

Each instance is given to ``agent.solve(None, instance, budget_s, seed)`` (the
solvers need no env) in a pool of ``--jobs`` worker processes; every
certificate is re-verified by the kernel
(:func:`rigorgym.agents.protocols.ribbon.solve_and_verify`). Prints one JSON
line per instance to ``--out`` (if given) and one summary line per agent to
stdout: solved / total, the claims, and the median and 90th percentile of the
seconds per instance (unsolved instances count with their full time).

With ``--out-dir`` the rows are merged into ``ribbon-solvers.json`` there (a
row per agent and knot: a new run replaces the same agent's rows of the same
knots) and ``ribbon-solvers.md`` is written from them through the reporter,
with the slice obstructions (``--obstructions``: the JSON lines of
``benchmarks/slice_obstructions.py``, else those kept in the JSON) and the
tuning card of ``agents/data/bo_walker_weights.json`` (written by
``benchmarks/tune_bo_walker.py``). ``--from-json`` re-renders the page only.

Usage::

    python benchmarks/ribbon_solvers.py --suite ribbon-knotinfo-12 --agents best-first,bo-walker --budget-s 60 --out-dir docs/results
    python benchmarks/ribbon_solvers.py --suite ribbon-knotinfo-13 --min-crossings 13 --jobs 2 --out /tmp/r13.jsonl
    python benchmarks/slice_obstructions.py > obstructions.jsonl
    python benchmarks/ribbon_solvers.py --from-json docs/results/ribbon-solvers.json --obstructions obstructions.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from _common import emit, machine
from _report import ResultsPage
from rigorgym.agents.protocols.ribbon import solve_and_verify
from rigorgym.envs.suites import load_suite

ROOT = Path(__file__).resolve().parents[1]
#: the runs behind the rows of the first ribbon-solvers.jsonl (its page was written by hand from them)
LEGACY_RUNS = [
    {"command": f"python benchmarks/ribbon_solvers.py --suite {suite} --agents {agent} --budget-s 60" + jobs,
     "machine": "2 vCPU AMD EPYC, shared with other jobs (load average 4-7 during the runs)", "budget_s": 60.0}
    for agent, jobs in (("best-first", " --jobs 2"), ("bo-walker", ""))
    for suite in ("ribbon-knotinfo-12", "ribbon-knotinfo-13 --min-crossings 13")
]  # fmt: skip
NOTES = (
    "Notes from separate runs (not re-measured by this script): best-first solves 13n_3092 alone in 24-42 s (two "
    "bands), and bo-walker solves it in 2.4 s; 13n_3162 resisted both (and best-first for 240 s; no single band of "
    "spherogram's shortest-path bands with up to 3 half twists, nor of its simple-path bands of length up to 5, "
    "unties it). The first instance of each worker process includes about 1.5 s of imports (regina, sympy)."
)


def saved(path: Path) -> dict[str, Any]:
    """The page's report saved at ``path``, else the rows of an older ``.jsonl`` beside it, else nothing yet."""
    if path.suffix == ".json" and path.exists():
        return dict(json.loads(path.read_text()))
    lines = path.with_suffix(".jsonl")
    if lines.exists():
        rows = [json.loads(line) for line in lines.read_text().splitlines() if line.strip()]
        return {"rows": rows, "runs": LEGACY_RUNS, "obstructions": []}
    return {"rows": [], "runs": [], "obstructions": []}


def merge_rows(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``old`` with ``new`` in place of the same agent's rows on the same knots."""
    fresh = {(r["agent"], r["name"] or r["id"]) for r in new}
    return [r for r in old if (r["agent"], r["name"] or r["id"]) not in fresh] + new


def _rate(rows: list[dict[str, Any]]) -> str:
    solved = sum(r["solved"] for r in rows)
    return f"{solved}/{len(rows)} ({100 * solved / len(rows):.1f}%)" if rows else "–"


def _quantiles(parts: list[list[dict[str, Any]]], q: float | None) -> str:
    def one(rows: list[dict[str, Any]]) -> str:
        xs = [r["seconds"] for r in rows]
        value = statistics.median(xs) if q is None and xs else percentile(xs, q) if q is not None else None
        return "–" if value is None else f"{value:.2f}"

    return " / ".join(one(rows) for rows in parts)


def build_page(page: ResultsPage, report: dict[str, Any], rerendered: bool) -> None:
    """The ribbon-solvers page: solve rates from the rows, the slice obstructions, the walker's tuning card."""
    if rerendered:
        page.text(
            "Re-rendered from [ribbon-solvers.json](ribbon-solvers.json) by the command above: nothing was re-measured."
        )
    page.text(
        "Both solvers first look for a slice obstruction (`agents/slice_obstruction.py`), then search for bands "
        "(`agents/best_first.py`, `agents/bo_walker.py`, shared pieces in `agents/ribbon_search.py`). Every certificate "
        "below was re-verified by the kernel (`rigorgym.verifiers.verify`). Per-instance results: `rows` in "
        "[ribbon-solvers.json](ribbon-solvers.json) (one row per agent and knot). The `ribbon-knotinfo-13` suite is "
        "the 158 knots of `ribbon-knotinfo-12` plus 353 knots of 13 crossings; the columns split its rows by crossing "
        "number (a run may also take one part alone: `--suite ribbon-knotinfo-12`, or `--min-crossings 13`)."
    )
    runs = report.get("runs", [])
    page.text("The runs behind the rows:\n\n" + "\n".join(
        f"- `{r['command']}`" + (f", {r['date']}" if r.get("date") else "")
        + (f", {r['machine']}" if isinstance(r["machine"], str)
           else f", {r['machine']['cpu_count']}-core {r['machine']['cpu']}, load {r['machine']['loadavg']} at the start")
        for r in runs))  # fmt: skip
    rows, agents = report["rows"], list(dict.fromkeys(r["agent"] for r in report["rows"]))
    budgets = sorted({f"{r.get('budget_s', 60.0):g}" for r in runs}) or ["60"]
    page.heading(f"Solve rates, {' or '.join(budgets)} s per knot")
    table = []
    for agent in agents:
        mine = [r for r in rows if r["agent"] == agent]
        low, high = [r for r in mine if r["crossings"] <= 12], [r for r in mine if r["crossings"] == 13]
        table.append([agent, _rate(low), _rate(high), _rate(low + high), _quantiles([low, high], None),
                      _quantiles([low, high], 0.9)])  # fmt: skip
    columns = ["agent", "≤ 12 crossings", "13 crossings", "all ≤ 13", "median s (≤12 / 13)", "p90 s (≤12 / 13)"]
    page.table(columns, table)
    page.text(
        "Seconds per instance, unsolved instances counted with their full time. Anchor (`ruehlef/ribbon` random "
        "walker): 495/511 at 30 s per knot, median 0.39 s, p90 5.8 s."
    )
    unsolved = "; ".join(f"{a} {', '.join(r['name'] for r in rows if r['agent'] == a and not r['solved']) or 'none'}"
                         for a in agents)  # fmt: skip
    both = {r["name"] for r in rows if not r["solved"]} - {r["name"] for r in rows if r["solved"]}
    two = sorted({r["name"] for r in rows if r["solved"] and (r["bands"] or 0) >= 2})
    page.text(
        f"Unsolved: {unsolved}. Together they certify all but {len(both)} of the {len({r['name'] for r in rows})} "
        f"knots ({', '.join(sorted(both)) or 'none'}). Bands used: one band for all but {', '.join(two) or 'none'}, "
        "which take two (in some agent's certificate). " + NOTES
    )
    obstruction_section(page, report.get("obstructions", []))
    card_section(page)


def obstruction_section(page: ResultsPage, lines: list[dict[str, Any]]) -> None:
    page.heading("Slice obstructions")
    records = [r for r in lines if "suite" in r]
    if not records:
        page.text(
            "Not measured yet: `python benchmarks/slice_obstructions.py > obstructions.jsonl`, then `--obstructions obstructions.jsonl`."
        )
        return
    where = next((r["machine"] for r in lines if "machine" in r), None)
    page.text(
        "`python benchmarks/slice_obstructions.py` on KnotInfo's knots up to 12 crossings (raw lines in `obstructions` "
        "in the JSON)"
        + (f"; {where['cpu_count']}-core {where['cpu']}, load average {where['loadavg']} at the end:" if where else ":")
    )
    table = [[r["suite"], r["crossings"], r["knots"], r["obstructed"],
              ", ".join(f"{k} {v}" for k, v in r["by_invariant"].items()) or "—", r["median_s"], r["p90_s"], r["max_s"]]
             for r in records]  # fmt: skip
    page.table(["suite", "crossings", "knots", "obstructed", "by invariant", "median s", "p90 s", "max s"], table)
    missed = [name for r in records if r["suite"].startswith("notslice") for name in r["missed"]]
    complete = [r["crossings"] for r in records if r["suite"].startswith("notslice") and not r["missed"]]
    wrong = sum(r["obstructed"] for r in records if not r["suite"].startswith("notslice"))
    first_miss = min(
        (r["crossings"] for r in records if r["suite"].startswith("notslice") and r["missed"]), default=None
    )
    full = max((c for c in complete if first_miss is None or c < first_miss), default=None)
    page.text(
        (f"Every knot of ≤ {full} crossings in `notslice-knotinfo-12` is obstructed. " if full else "")
        + f"Obstructions found on slice knots: {wrong} (it must be 0). Missed (these invariants, tau included, do not "
        f"see them): {', '.join(missed) or 'none'}."
    )


def card_section(page: ResultsPage) -> None:
    card = json.loads((ROOT / "agents" / "data" / "bo_walker_weights.json").read_text())["card"]
    page.heading("bo-walker tuning")
    page.text(
        f"`{card['command']}` (the card in `agents/data/bo_walker_weights.json`, written by the run): optuna "
        f"{card['optuna']} TPE, {card['trials']} trials (10 random start-up trials after one hand-set trial), sampler "
        f"seed {card['sampler_seed']}, {card['seconds']:.0f} s, tuned on {card['tuned_on']}. Training knots: "
        f"{card['training_note']} ({len(card['training_knots'])} knots). Objective: {card['how']}; hand-set start "
        f"{card['start_objective']:.2f}, best (trial {card['best_trial']}) {card['best_objective']:.2f}, "
        f"{card['best_solved']} of the {card['runs_per_trial']} training runs solved."
    )


def _solve(args: tuple[str, dict[str, Any], float, int]) -> dict[str, Any]:
    agent_name, raw, budget_s, seed = args
    row = solve_and_verify(agent_name, raw, budget_s, seed)
    valid = row["verified"]
    return {
        "agent": agent_name,
        "id": row["id"],
        "name": row["name"],
        "crossings": row["crossings"],
        "solved": valid,
        "claim": row["claim"] if valid else None,
        "bands": row["bands"] if valid else None,
        "seconds": round(row["seconds"], 4),
        "steps": row["steps"],
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


def obstruction_lines(path: Path | None) -> list[dict[str, Any]] | None:
    if path is None:
        return None
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip().startswith("{")]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", default="ribbon-knotinfo-12")
    parser.add_argument("--agents", default="best-first,bo-walker")
    parser.add_argument("--budget-s", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="the first N instances only")
    parser.add_argument("--min-crossings", type=int, default=0, help="only instances with at least this many")
    parser.add_argument("--out", default=None, help="per-instance JSON lines")
    parser.add_argument(
        "--out-dir", type=Path, default=None, help="merge the rows into ribbon-solvers.json, write the page"
    )
    parser.add_argument("--from-json", type=Path, default=None, help="only re-render the page from a saved JSON")
    parser.add_argument("--obstructions", type=Path, default=None, help="JSON lines of slice_obstructions.py")
    args = parser.parse_args(argv)
    page = ResultsPage("ribbon-solvers", "Ribbon-v0 solvers: `best-first` and `bo-walker`", __file__, argv)
    if args.from_json:
        report = saved(args.from_json)
        report["obstructions"] = obstruction_lines(args.obstructions) or report.get("obstructions", [])
        build_page(page, report, rerendered=True)
        page.write(args.out_dir or args.from_json.parent, report)
        return 0

    instances = [x for x in load_suite(args.suite).instances if len(x["pd"]) >= args.min_crossings]
    instances = instances[: args.limit] if args.limit else instances
    out = open(args.out, "w") if args.out else None  # noqa: SIM115
    new_rows: list[dict[str, Any]] = []
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
            new_rows += rows
        emit({"machine": machine(), "jobs": args.jobs})
    finally:
        if out is not None:
            out.close()
    if args.out_dir is not None:
        old = saved(args.out_dir / "ribbon-solvers.json")
        run = {"command": page.command, "machine": page.start_machine, "date": page.date, "budget_s": args.budget_s}
        rows = merge_rows(old["rows"], new_rows)
        # an earlier run stays listed only while some of its rows do; its provenance is not this run's
        runs = [*old.get("runs", []), run] if len(rows) > len(new_rows) else [run]
        report = {"rows": rows, "runs": runs, **{k: old[k] for k in ("obstructions",) if k in old}}
        report["obstructions"] = obstruction_lines(args.obstructions) or report.get("obstructions", [])
        build_page(page, report, rerendered=False)
        page.write(args.out_dir, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
