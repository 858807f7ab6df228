"""Ribbon-v0 solvers on every shipped suite: solved fraction and seconds per knot against the anchor.

Runs one solver (``--agent``, default ``best-first``) on each Ribbon-v0 suite
with a time budget per knot (``--budget-s``, default 60 s as in the issue),
in ``--workers`` processes (default 2, the cores of the reference machine),
re-verifies every certificate with the kernel, and writes
``docs/results/ribbon.json``, ``ribbon.md`` and ``ribbon.png`` (``--out-dir``).
Prints one JSON line per suite.

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
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, machine, rounded  # noqa: E402

SUITES = ("ribbon-knotinfo-12", "ribbon-knotinfo-13", "ribbon-doubles-30", "notslice-knotinfo-12")
ANCHOR = {
    "source": "ruehlef/ribbon (closed binary, BO-weighted random walker), run on this machine, 30 s per knot",
    "ribbon-knotinfo-13": {"solved": 495, "of": 511, "median_s": 0.39, "p90_s": 5.8},
    "ribbon-knotinfo-12": {"solved": 154, "of": 158},
}
TARGETS = {
    "ribbon-knotinfo-12": 1.0,
    "ribbon-knotinfo-13": 0.995,
    "ribbon-doubles-30": 0.90,
    "notslice-knotinfo-12": 0.99,
}
EXPECTED_CLAIM = {"notslice-knotinfo-12": "not_slice"}


def _solve_one(job: tuple[str, dict[str, Any], float, int]) -> dict[str, Any]:
    """Run in a worker: solve one instance, verify the certificate, report what happened."""
    agent_name, raw, budget_s, seed = job
    from rigorgym.agents.registry import make_agent
    from rigorgym.envs.ribbon import KnotInstance
    from rigorgym.verifiers import verify

    instance = KnotInstance.from_instance(raw)
    start = time.perf_counter()
    result = make_agent(agent_name).solve(None, instance, budget_s, seed)
    seconds = time.perf_counter() - start
    cert = result.certificate
    verdict = verify(cert) if cert is not None else None
    moves = cert["moves"] if cert is not None else []
    return {
        "id": raw["id"],
        "name": raw.get("name"),
        "crossings": len(raw["pd"]),
        "seconds": seconds,
        "claim": cert["claim"] if cert is not None else None,
        "verified": bool(verdict and verdict.valid),
        "bands": sum(m.get("op") == "band" for m in moves),
        "invariant": moves[0].get("name") if cert is not None and cert["claim"] == "not_slice" else None,
    }


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summarise(suite: str, rows: list[dict[str, Any]], budget_s: float) -> dict[str, Any]:
    expected = EXPECTED_CLAIM.get(suite, "ribbon")
    good = [r for r in rows if r["verified"] and r["claim"] == expected]
    wrong = [r for r in rows if r["verified"] and r["claim"] != expected]
    times = [r["seconds"] for r in good]
    out: dict[str, Any] = {
        "bench": "ribbon_suite",
        "suite": suite,
        "knots": len(rows),
        "certified": len(good),
        "fraction": rounded(len(good) / len(rows)) if rows else 0.0,
        "wrong_claim": len(wrong),
        "median_s": rounded(statistics.median(times)) if times else None,
        "p90_s": rounded(_percentile(times, 0.9)) if times else None,
        "max_s": rounded(max(times)) if times else None,
        "knots_per_minute": rounded(60 * len(rows) / max(sum(r["seconds"] for r in rows), 1e-9)),
        "budget_s": budget_s,
        "target_fraction": TARGETS[suite],
        "meets_target": bool(rows) and len(good) / len(rows) >= TARGETS[suite],
        "uncertified": [r["name"] or r["id"] for r in rows if not (r["verified"] and r["claim"] == expected)],
    }
    if expected == "ribbon":
        out["bands"] = dict(sorted(Counter(r["bands"] for r in good).items()))
    else:
        out["by_invariant"] = dict(Counter(r["invariant"] for r in good).most_common())
    if suite in ANCHOR:
        out["anchor"] = ANCHOR[suite]
    return out


def plot(results: dict[str, Any], path: Path) -> None:
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
    fig.savefig(path, dpi=120)
    plt.close(fig)


def markdown(results: dict[str, Any]) -> str:
    cfg = results["config"]
    lines = [
        "# Ribbon-v0: solvers on every suite, against the anchor",
        "",
        f"Measured {results['date']} by `benchmarks/ribbon_results.py` (rigorgym {results['machine']['rigorgym']}, "
        f"kernel `{results['kernel']}`), agent `{cfg['agent']}`, budget {cfg['budget_s']:g} s per knot, "
        f"{cfg['workers']} worker processes. Every certificate was re-verified by the kernel; a knot counts as "
        "certified only with a valid certificate of the expected claim (`ribbon`, or `not_slice` on the "
        "non-slice suite). Seconds are per knot, wall time inside the worker, over the certified knots.",
        "",
        "| suite | knots | certified | fraction | target | median s | p90 s | max s | knots/min | detail |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for suite, data in results["suites"].items():
        s = data["summary"]
        detail = s.get("bands") or s.get("by_invariant")
        detail_text = ", ".join(f"{k}: {v}" for k, v in (detail or {}).items())
        if "bands" in s:
            detail_text = "bands " + detail_text
        mark = "✓" if s["meets_target"] else "✗"
        lines.append(
            f"| {suite} | {s['knots']} | {s['certified']} | {100 * s['fraction']:.1f}% | "
            f"≥ {100 * s['target_fraction']:.1f}% {mark} | {s['median_s']} | {s['p90_s']} | {s['max_s']} | "
            f"{s['knots_per_minute']} | {detail_text} |"
        )
    a = ANCHOR["ribbon-knotinfo-13"]
    lines += [
        "",
        f"**Anchor** ({ANCHOR['source']}): {a['solved']}/{a['of']} of the slice knots ≤ 13 crossings "
        f"({100 * a['solved'] / a['of']:.1f}%; 154/158 of those ≤ 12), median {a['median_s']} s, "
        f"p90 {a['p90_s']} s per solved knot. Quoted, not run here.",
        "",
        "Uncertified knots (by suite):",
        "",
    ]
    for suite, data in results["suites"].items():
        names = data["summary"]["uncertified"]
        lines.append(f"- `{suite}`: {', '.join(names) if names else 'none'}")
    lines += ["", "When each suite was measured (load average at its end):", ""]
    for suite, data in results["suites"].items():
        when = data["summary"].get("measured")
        if when:
            lines.append(f"- `{suite}`: {when['date']}, load {when['loadavg']}")
    lines += [
        "",
        "![solved fraction against seconds per knot](ribbon.png)",
        "",
        "## Reproduce",
        "",
        "```bash",
        f"python benchmarks/ribbon_results.py --agent {cfg['agent']} --budget-s {cfg['budget_s']:g} "
        f"--workers {cfg['workers']} --suites {','.join(results['suites'])}",
        "```",
        "",
        f"Machine: {results['machine']['cpu']} ({results['machine']['cpu_count']} cores), "
        f"{results['machine']['platform']}, Python {results['machine']['python']}, load average at start "
        f"{results['machine']['loadavg']}. Total wall time {results['wall_s']:.0f} s.",
        "",
    ]
    return "\n".join(lines)


def write(results: dict[str, Any], out_dir: Path) -> None:
    order = {name: k for k, name in enumerate(SUITES)}
    results["suites"] = dict(sorted(results["suites"].items(), key=lambda item: order.get(item[0], len(order))))
    (out_dir / "ribbon.json").write_text(json.dumps(results, indent=1) + "\n")
    plot(results, out_dir / "ribbon.png")
    (out_dir / "ribbon.md").write_text(markdown(results))


def main(argv: list[str] | None = None) -> int:
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
    args = parser.parse_args(argv)
    if args.quick:
        args.limit = args.limit or 20
        args.budget_s = min(args.budget_s, 10.0)
    out_dir = Path(args.out_dir or (tempfile.mkdtemp() if args.quick else Path(__file__).parents[1] / "docs/results"))
    out_dir.mkdir(parents=True, exist_ok=True)

    from rigorgym.envs.suites import load_suite
    from rigorgym.verifiers import KERNEL_VERSION
    from tqdm import tqdm

    start = time.perf_counter()
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "kernel": KERNEL_VERSION,
        "config": {"agent": args.agent, "budget_s": args.budget_s, "workers": args.workers, "seed": args.seed},
        "suites": {},
    }
    emit({"bench": "machine", **results["machine"], "kernel": KERNEL_VERSION})
    previous = out_dir / "ribbon.json"
    if args.update and previous.is_file():
        old = json.loads(previous.read_text())
        if old.get("config", {}).get("agent") != args.agent or old["config"].get("budget_s") != args.budget_s:
            parser.error(f"--update: {previous} was made with another agent or budget; rerun every suite instead")
        results["suites"] = {k: v for k, v in old["suites"].items() if k not in args.suites.split(",")}
        results["date"] = old["date"] + " (updated " + results["date"] + ")"
        start -= old.get("wall_s", 0.0)
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for suite_name in args.suites.split(","):
            suite = load_suite(suite_name)
            raws = list(suite.instances[: args.limit])
            jobs = [(args.agent, raw, args.budget_s, args.seed + k) for k, raw in enumerate(raws)]
            rows = list(tqdm(pool.map(_solve_one, jobs), total=len(jobs), desc=suite_name, file=sys.stderr))
            summary = summarise(suite_name, rows, args.budget_s)
            summary["suite_hash"] = suite.hash
            summary["measured"] = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), **machine()}
            emit(summary)
            results["suites"][suite_name] = {"summary": summary, "rows": rows}
            results["wall_s"] = time.perf_counter() - start
            write(results, out_dir)  # after every suite, so a long run keeps what it has
    emit({"bench": "wrote", "files": [str(out_dir / f) for f in ("ribbon.json", "ribbon.png", "ribbon.md")]})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
