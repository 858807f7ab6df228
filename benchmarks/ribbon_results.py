"""Ribbon-v0 solvers on every shipped suite: solved fraction and seconds per knot against the anchor.

Runs one solver (``--agent``, default ``best-first``) on each Ribbon-v0 suite
with a time budget per knot (``--budget-s``, default 60 s as in the issue),
in ``--workers`` processes (default 2, the cores of the reference machine),
re-verifies every certificate with the kernel
(:func:`rigorgym.agents.protocols.ribbon.solve_and_verify`), and writes
``docs/results/ribbon.json``, ``ribbon.md`` and ``ribbon.png`` (``--out-dir``)
through the reporter. Prints one JSON line per suite.

The anchor is ``ruehlef/ribbon`` (closed binary, a BO-weighted random
walker) run once on this machine on the 511 slice knots <= 13 crossings at
30 s per knot: 495 certified (96.9%; 154/158 of those <= 12), median 0.39 s
and p90 5.8 s per solved knot. It was not run in this process: its figures
are quoted.

Usage::

    python benchmarks/ribbon_results.py                        # every suite, about 20-40 minutes
    python benchmarks/ribbon_results.py --quick                # 20 knots per suite, 10 s budget, temp folder
    python benchmarks/ribbon_results.py --suites ribbon-knotinfo-12 --agent bo-walker
    python benchmarks/ribbon_results.py --suites ribbon-doubles-30 --update    # rerun one suite, keep the others
    python benchmarks/ribbon_results.py --from-json docs/results/ribbon.json   # re-render the page only
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, machine  # noqa: E402
from _report import ResultsPage  # noqa: E402
from rigorgym.agents.protocols.ribbon import ANCHOR, EXPECTED_CLAIM, SUITES, solve_and_verify, summarise_suite  # noqa: E402

TITLE = "Ribbon-v0: solvers on every suite, against the anchor"


def _solve_one(job: tuple[str, dict[str, Any], float, int]) -> dict[str, Any]:
    return solve_and_verify(*job)


def figure(results: dict[str, Any]) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for suite, data in results["suites"].items():
        rows = data["rows"]
        expected = EXPECTED_CLAIM.get(suite, "ribbon")
        times = sorted(r["seconds"] for r in rows if r["verified"] and r["claim"] == expected)
        if not rows:
            continue
        ys = [(k + 1) / len(rows) for k in range(len(times))]
        ax.step(times, ys, where="post", label=f"{suite} ({len(times)}/{len(rows)})")
    anchor = ANCHOR["ribbon-knotinfo-13"]
    ax.axhline(anchor["solved"] / anchor["of"], color="grey", ls="--", lw=1, label="anchor, knotinfo-13 (30 s budget)")
    ax.plot([anchor["median_s"], anchor["p90_s"]], [0.5 * 495 / 511, 0.9 * 495 / 511], "kx", label="anchor median, p90")
    ax.set_xscale("log")
    ax.set_xlabel("seconds per knot (log)")
    ax.set_ylabel("fraction of the suite certified")
    ax.set_title(f"Ribbon-v0: {results['config']['agent']}, budget {results['config']['budget_s']:g} s per knot")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def build_page(page: ResultsPage, results: dict[str, Any], rerendered: bool) -> None:
    cfg, m = results["config"], results["measured"]
    if rerendered:
        page.text(
            "Re-rendered from [ribbon.json](ribbon.json) by the command above: nothing was re-measured. The numbers "
            f"were measured {m['date']} in {m['wall_s']:.0f} s of wall time on {m['machine']['cpu']} "
            f"({m['machine']['cpu_count']} cores), {m['machine']['platform']}, Python {m['machine']['python']}, "
            f"load average at start {m['machine']['loadavg']}."
        )
    page.text(
        f"Measured {m['date']} (rigorgym {m['machine']['rigorgym']}, kernel `{results['kernel']}`), agent "
        f"`{cfg['agent']}`, budget {cfg['budget_s']:g} s per knot, {cfg['workers']} worker processes. Every "
        "certificate was re-verified by the kernel; a knot counts as certified only with a valid certificate of the "
        "expected claim (`ribbon`, or `not_slice` on the non-slice suite). Seconds are per knot, wall time inside the "
        "worker, over the certified knots."
    )
    rows = []
    for suite, data in results["suites"].items():
        s = data["summary"]
        detail = ", ".join(f"{k}: {v}" for k, v in (s.get("bands") or s.get("by_invariant") or {}).items())
        rows.append(
            [
                suite, s["knots"], s["certified"], f"{100 * s['fraction']:.1f}%",
                f"≥ {100 * s['target_fraction']:.1f}% {'✓' if s['meets_target'] else '✗'}",
                s["median_s"], s["p90_s"], s["max_s"], s["knots_per_minute"],
                ("bands " + detail) if "bands" in s else detail,
            ]
        )  # fmt: skip
    columns = ["suite", "knots", "certified", "fraction", "target", "median s", "p90 s", "max s", "knots/min", "detail"]
    page.table(columns, rows)
    a = ANCHOR["ribbon-knotinfo-13"]
    page.text(
        f"**Anchor** ({ANCHOR['source']}): {a['solved']}/{a['of']} of the slice knots ≤ 13 crossings "
        f"({100 * a['solved'] / a['of']:.1f}%; 154/158 of those ≤ 12), median {a['median_s']} s, "
        f"p90 {a['p90_s']} s per solved knot. Quoted, not run here."
    )
    lines = [f"- `{s}`: {', '.join(d['summary']['uncertified']) or 'none'}" for s, d in results["suites"].items()]
    page.text("Uncertified knots (by suite):\n\n" + "\n".join(lines))
    lines = [
        f"- `{suite}`: {d['summary']['measured']['date']}, load {d['summary']['measured']['loadavg']}"
        for suite, d in results["suites"].items()
        if d["summary"].get("measured")
    ]
    page.text("When each suite was measured (load average at its end):\n\n" + "\n".join(lines))
    page.figure(figure(results), "ribbon.png", "Solved fraction against seconds per knot.")
    page.reproduce(
        f"python benchmarks/ribbon_results.py --agent {cfg['agent']} --budget-s {cfg['budget_s']:g} "
        f"--workers {cfg['workers']} --suites {','.join(results['suites'])}"
    )


def write(results: dict[str, Any], out_dir: Path, argv: list[str], started: float, rerendered: bool = False) -> None:
    """Write ribbon.{md,json,png} from ``results`` (the page's wall time counted from ``started``)."""
    order = {name: k for k, name in enumerate(SUITES)}
    results["suites"] = dict(sorted(results["suites"].items(), key=lambda item: order.get(item[0], len(order))))
    page = ResultsPage("ribbon", TITLE, __file__, argv)
    page.started = started
    build_page(page, results, rerendered)
    page.write(out_dir, {k: v for k, v in results.items() if k not in ("command", "date", "wall_s", "machine")})


def load(path: Path) -> dict[str, Any]:
    """A saved ribbon.json; older ones kept the measuring run's date, machine and wall time at the top level."""
    results = json.loads(path.read_text())
    if "measured" not in results:
        results["measured"] = {k: results[k] for k in ("date", "machine", "wall_s")}
    return dict(results)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agent", default="best-first")
    parser.add_argument("--budget-s", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--suites", default=",".join(SUITES))
    parser.add_argument("--limit", type=int, default=None, help="first N knots of each suite")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="20 knots per suite, 10 s budget, into a temp folder")
    parser.add_argument("--out-dir", default=None)
    parser.add_argument(
        "--update",
        action="store_true",
        help="keep the other suites of an existing ribbon.json (same agent and budget) and rerun only --suites",
    )
    parser.add_argument("--from-json", type=Path, help="only re-render the page from a saved ribbon.json")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.from_json:
        write(load(args.from_json), Path(args.out_dir or args.from_json.parent), argv, start, rerendered=True)
        return 0
    if args.quick:
        args.limit = args.limit or 20
        args.budget_s = min(args.budget_s, 10.0)
    out_dir = Path(args.out_dir or (tempfile.mkdtemp() if args.quick else Path(__file__).parents[1] / "docs/results"))
    out_dir.mkdir(parents=True, exist_ok=True)

    from rigorgym.envs.suites import load_suite
    from rigorgym.verifiers import KERNEL_VERSION
    from tqdm import tqdm

    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results: dict[str, Any] = {
        "measured": {"date": now, "machine": machine(), "wall_s": 0.0},
        "kernel": KERNEL_VERSION,
        "config": {"agent": args.agent, "budget_s": args.budget_s, "workers": args.workers, "seed": args.seed},
        "suites": {},
    }
    emit({"bench": "machine", **results["measured"]["machine"], "kernel": KERNEL_VERSION})
    previous = out_dir / "ribbon.json"
    earlier = 0.0
    if args.update and previous.is_file():
        old = load(previous)
        if old.get("config", {}).get("agent") != args.agent or old["config"].get("budget_s") != args.budget_s:
            parser.error(f"--update: {previous} was made with another agent or budget; rerun every suite instead")
        results["suites"] = {k: v for k, v in old["suites"].items() if k not in args.suites.split(",")}
        results["measured"] = {**old["measured"], "date": f"{old['measured']['date']} (updated {now})"}
        earlier = old["measured"].get("wall_s", 0.0)
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for suite_name in args.suites.split(","):
            suite = load_suite(suite_name)
            raws = list(suite.instances[: args.limit])
            jobs = [(args.agent, raw, args.budget_s, args.seed + k) for k, raw in enumerate(raws)]
            rows = list(tqdm(pool.map(_solve_one, jobs), total=len(jobs), desc=suite_name, file=sys.stderr))
            summary = summarise_suite(suite_name, rows, args.budget_s)
            summary["suite_hash"] = suite.hash
            summary["measured"] = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), **machine()}
            emit(summary)
            results["suites"][suite_name] = {"summary": summary, "rows": rows}
            results["measured"]["wall_s"] = earlier + time.perf_counter() - start
            write(results, out_dir, argv, start)  # after every suite, so a long run keeps what it has
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
