"""Curvature evaluations per second: batched (torch.func vmap over B = 4096 points) against a per-point loop.

Both variants run in the same process on the same metrics; prints one JSON line per (metric, variant) and writes
docs/results/metricflow.throughput.{json,md} (or --out-dir).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, machine, public_command, rounded  # noqa: E402
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=4096)
    parser.add_argument("--loop-seconds", type=float, default=5.0, help="time budget of the per-point loop")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs" / "results")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rows = []
    for name, (fn, dim) in metrics().items():
        x = torch.rand(args.points, dim, dtype=torch.float64) * 2 - 1
        with torch.no_grad():
            curvature.ricci(fn, x[:8])  # warm-up
            start = time.perf_counter()
            batched = curvature.ricci(fn, x, validate=False)
            batch_s = time.perf_counter() - start
            done, start = 0, time.perf_counter()
            while time.perf_counter() - start < args.loop_seconds and done < args.points:
                looped = curvature.ricci_loop(fn, x[done : done + 64])
                assert torch.allclose(looped, batched[done : done + 64], atol=1e-9)
                done += 64
            loop_s = time.perf_counter() - start
        row = {
            "metric": name,
            "points": args.points,
            "batched_per_s": rounded(args.points / batch_s),
            "loop_per_s": rounded(done / loop_s),
            "loop_points_timed": done,
            "speedup": rounded((args.points / batch_s) / (done / loop_s)),
        }
        emit(row)
        rows.append(row)
    m = machine()
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = public_command("metricflow_throughput.py", sys.argv[1:] if argv is None else argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "metricflow.throughput.json").write_text(
        json.dumps({"date": date, "machine": m, "rows": rows}, indent=1)
    )
    lines = [
        "# metricflow: curvature throughput",
        "",
        f"Measured {date} by `{command}` on `{m['platform']}` ({m['cpu']}, {m['cpu_count']} cores, load average {m['loadavg']}), one torch thread, float64. Ricci tensor (and with it R) per second at B = {args.points} points: one `torch.func.vmap` call over the batch against a Python loop of per-point `jacfwd` evaluations (the loop is timed on the first points for at most {args.loop_seconds} s and checked equal to the batched result).",
        "",
        "| metric | batched points/s | per-point loop points/s | speedup |",
        "|---|---:|---:|---:|",
        *[f"| {r['metric']} | {r['batched_per_s']:g} | {r['loop_per_s']:g} | {r['speedup']:g}× |" for r in rows],
    ]
    (args.out_dir / "metricflow.throughput.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
