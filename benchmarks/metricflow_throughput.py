"""Curvature evaluations per second: batched (torch.func vmap over B = 4096 points) against a per-point loop.

Both variants run in the same process on the same metrics; prints one JSON line per (metric, variant) and writes
docs/results/metricflow.throughput.{json,md} (or --out-dir) through the reporter; ``--from-json`` re-renders the page.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, machine, rounded  # noqa: E402
from _report import ResultsPage  # noqa: E402
from rigorgym.metricflow import curvature  # noqa: E402
from rigorgym.metricflow.manifolds import Sphere  # noqa: E402
from rigorgym.metricflow.networks import FourierMetric, MLPMetric  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def metrics() -> dict[str, tuple[object, int]]:
    return {
        "round S3 (closed form)": (Sphere(3).metric, 3),
        "FourierMetric T2 (cutoff 3)": (FourierMetric(2, 3), 2),
        "MLPMetric cholesky (width 64)": (MLPMetric(2, 64, kind="cholesky"), 2),
    }


DESCRIPTION = (
    "One torch thread, float64. Ricci tensor (and with it R) per second at B = {points} points: one `torch.func.vmap` "
    "call over the batch against a Python loop of per-point `jacfwd` evaluations (the loop is timed on the first "
    "points for at most {loop_seconds} s and checked equal to the batched result)."
)


def measure(points: int, loop_seconds: float) -> list[dict[str, Any]]:
    """Batched and looped Ricci evaluations per second on each of :func:`metrics`; one row per metric."""
    rows = []
    for name, (fn, dim) in metrics().items():
        x = torch.rand(points, dim, dtype=torch.float64) * 2 - 1
        with torch.no_grad():
            curvature.ricci(fn, x[:8])  # warm-up
            start = time.perf_counter()
            batched = curvature.ricci(fn, x, validate=False)
            batch_s = time.perf_counter() - start
            done, start = 0, time.perf_counter()
            while time.perf_counter() - start < loop_seconds and done < points:
                looped = curvature.ricci_loop(fn, x[done : done + 64])
                assert torch.allclose(looped, batched[done : done + 64], atol=1e-9)
                done += 64
            loop_s = time.perf_counter() - start
        row = {
            "metric": name,
            "points": points,
            "batched_per_s": rounded(points / batch_s),
            "loop_per_s": rounded(done / loop_s),
            "loop_points_timed": done,
            "speedup": rounded((points / batch_s) / (done / loop_s)),
        }
        emit(row)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=4096)
    parser.add_argument("--loop-seconds", type=float, default=5.0, help="time budget of the per-point loop")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs" / "results")
    parser.add_argument("--from-json", type=Path, help="only redraw the page from a previous run's JSON")
    args = parser.parse_args(argv)
    page = ResultsPage("metricflow.throughput", "metricflow: curvature throughput", __file__, argv)
    if args.from_json:
        report = json.loads(args.from_json.read_text())
        m = report.get("measured") or {"date": report["date"], "machine": report["machine"]}
        report["measured"] = m
        report.setdefault("points", report["rows"][0]["points"] if report["rows"] else args.points)
        report.setdefault("loop_seconds", args.loop_seconds)
        page.text(
            f"Re-rendered from [metricflow.throughput.json](metricflow.throughput.json) by the command above: nothing "
            f"was re-measured. Measured {m['date']}, load average {m['machine']['loadavg']}."
        )
    else:
        torch.set_num_threads(1)
        date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        report = {
            "points": args.points,
            "loop_seconds": args.loop_seconds,
            "measured": {"date": date, "machine": machine()},
            "rows": measure(args.points, args.loop_seconds),
        }
    for key in ("command", "date", "wall_s", "machine"):
        report.pop(key, None)  # the page's writer puts this command's own
    page.text(DESCRIPTION.format(points=report["points"], loop_seconds=report["loop_seconds"]))
    rows = [[r["metric"], r["batched_per_s"], r["loop_per_s"], f"{r['speedup']:g}×"] for r in report["rows"]]
    page.table(["metric", "batched points/s", "per-point loop points/s", "speedup"], rows)
    page.write(args.out_dir, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
