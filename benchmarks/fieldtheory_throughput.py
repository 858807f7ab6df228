"""Batched NN-FT sampler against a per-network loop, networks·points per second, printed as JSON lines.

Measures in one process: (a) ``ErfNet(d=1, width=100).batches`` on 6 points (chunks of ~1e6 work
elements) in one worker and in ``--workers`` threads (one torch thread each: chunks are independent,
each with its own generator), (b) a per-network loop drawing and evaluating one network at a time in
torch (the structure of the public nn-qft code), their ratios, and (c) a streaming pass over 10⁷
networks reduced on the fly with the peak resident memory before and after (memory stays bounded).
Target ≥ 5,000,000 networks·points/s.

Usage::

    python benchmarks/fieldtheory_throughput.py            # about a minute
    python benchmarks/fieldtheory_throughput.py --quick    # a few seconds
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import time

import numpy as np
import torch
from _common import emit, machine, rounded
from rigorgym.fieldtheory import ErfNet

TARGET = 5_000_000
POINTS = np.linspace(-1.0, 1.0, 6)


def batched_rate(net: ErfNet, seconds: float, workers: int) -> tuple[float, int]:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for batch in net.batches(POINTS, 500_000, seed=count, workers=workers):
            count += len(batch)
    return count * len(POINTS) / (time.perf_counter() - start), count


def loop_rate(net: ErfNet, seconds: float) -> tuple[float, int]:
    """One network at a time: draw W0, b0, W1, b1, evaluate at the points."""
    x = torch.as_tensor(POINTS, dtype=torch.float32)[:, None]
    gen = torch.Generator().manual_seed(0)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        w0 = torch.randn(net.width, 1, generator=gen) * net.sigma_w
        b0 = torch.randn(net.width, generator=gen) * net.sigma_b
        w1 = torch.randn(net.width, generator=gen) * (net.sigma_w / math.sqrt(net.width))
        b1 = torch.randn((), generator=gen) * net.sigma_b
        _ = torch.erf(x @ w0.T + b0) @ w1 + b1
        count += 1
    return count * len(POINTS) / (time.perf_counter() - start), count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="threads drawing chunks")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # one torch thread per worker: the parallelism is across chunks
    seconds = 1.0 if args.quick else 10.0
    emit({"bench": "machine", **machine(), "torch": torch.__version__, "workers": args.workers})
    net = ErfNet(d=1, width=100, sigma_w=1.0, sigma_b=1.0)
    # alternate slices so every variant sees the same machine load
    parallel, single, loop = [], [], []
    for _ in range(2):
        parallel.append(batched_rate(net, seconds / 2, args.workers)[0])
        single.append(batched_rate(net, seconds / 4, 1)[0])
        loop.append(loop_rate(net, seconds / 4)[0])
    p, b, s = (sum(rates) / len(rates) for rates in (parallel, single, loop))
    emit(
        {
            "bench": "erfnet_sampler",
            "width": 100,
            "points": 6,
            "workers": args.workers,
            "batched_net_points_per_s": rounded(p),
            "batched_one_worker_net_points_per_s": rounded(b),
            "loop_net_points_per_s": rounded(s),
            "ratio": rounded(p / s),
            "ratio_one_worker": rounded(b / s),
            "target": TARGET,
            "meets_target": p >= TARGET,
        }
    )
    total = 250_000 if args.quick else 10_000_000
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    acc = np.zeros((6, 6))
    for batch in net.batches(POINTS, total, seed=1, workers=args.workers):
        phi = batch.double()
        acc += (phi.T @ phi).numpy()
    elapsed = time.perf_counter() - start
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    err = np.max(np.abs(acc / total - net.kernel(POINTS, POINTS)))
    emit(
        {
            "bench": "erfnet_stream",
            "networks": total,
            "seconds": rounded(elapsed),
            "net_points_per_s": rounded(total * 6 / elapsed),
            "peak_rss_mb_before": rounded(rss0),
            "peak_rss_mb_after": rounded(rss1),
            "max_abs_g2_error": rounded(err),
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
