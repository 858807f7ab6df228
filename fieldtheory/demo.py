"""The NN-FT section of ``make demo``: G₂ of the cos-net against the exact propagator, G₄ᶜ against width N."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

from .correlators import accumulate, loglog_slope, pooled_coincident_cumulant
from .ensembles import CosNet

WIDTHS = (2, 8, 32, 128)
SEPARATIONS = np.array([0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0])


def run(out_dir: Path, console: Console, scale: float = 1.0) -> dict:
    """Print two small tables and write ``fieldtheory-demo.png``; about 20 s on 2 cores (``scale`` multiplies the samples)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    torch.set_num_threads(min(torch.get_num_threads(), 2))
    start = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # G₂ at width 4: exact at every width by the cos-net's normalisation.
    net = CosNet(d=1, width=4, mass=1.0, cutoff=5.0)
    g2 = accumulate(net.batches(SEPARATIONS, max(1000, int(200_000 * scale)), seed=0), len(SEPARATIONS)).two_point()
    exact = net.kernel([0.0], SEPARATIONS)[0]
    value, err = g2.value[0], g2.stderr[0]
    table = Table(title="NN-FT: cos-net (d=1, N=4, m=1, Λ=5) G₂(0, r) vs the cutoff propagator")
    for col in ("r", "Monte Carlo", "exact", "z"):
        table.add_column(col, justify="right")
    for r, v, e, x in zip(SEPARATIONS, value, err, exact, strict=True):
        table.add_row(f"{r:.2f}", f"{v:.4f} ± {e:.4f}", f"{x:.4f}", f"{(v - x) / e:+.2f}")
    console.print(table)
    # G₄ᶜ(x,x,x,x) against N, pooled over four far-apart points (translation invariance).
    far = np.array([0.0, 10.0, 20.0, 30.0])
    table = Table(title="NN-FT: connected 4-point G₄ᶜ(x,x,x,x) of the cos-net (m=0.5, Λ=20) against width N")
    for col in ("N", "Monte Carlo", "exact", "z"):
        table.add_column(col, justify="right")
    g4, g4_err, g4_exact = [], [], []
    for width in WIDTHS:
        net = CosNet(d=1, width=width, mass=0.5, cutoff=20.0)
        est = pooled_coincident_cumulant(net.batches(far, max(1000, int(100_000 * scale)), seed=width))
        ex = float(net.exact_connected_4pt([0.0], [0.0], [0.0], [0.0])[0])
        g4.append(float(est.value))
        g4_err.append(float(est.stderr))
        g4_exact.append(ex)
        table.add_row(
            str(width), f"{est.value:.4g} ± {est.stderr:.2g}", f"{ex:.4g}", f"{(est.value - ex) / est.stderr:+.2f}"
        )
    console.print(table)
    slope, slope_err = loglog_slope(WIDTHS, g4, g4_err)
    console.print(f"log-log slope of G₄ᶜ in N: {slope:.3f} ± {slope_err:.3f} (theory: -1)")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
    rr = np.linspace(0, 3, 200)
    ax1.plot(rr, CosNet(1, 4, 1.0, 5.0).kernel([0.0], rr)[0], label="cutoff propagator")
    ax1.errorbar(SEPARATIONS, value, err, fmt="o", label="cos-net N=4, MC")
    ax1.set(xlabel="r", ylabel="G₂(0, r)", title="two-point function")
    ax1.legend()
    ax2.errorbar(WIDTHS, g4, g4_err, fmt="o", label="MC")
    ax2.plot(WIDTHS, g4_exact, "--", label="exact (∝ 1/N)")
    ax2.set(xscale="log", yscale="log", xlabel="N", ylabel="G₄ᶜ(x,x,x,x)", title=f"slope {slope:.3f} ± {slope_err:.3f}")
    ax2.legend()
    fig.tight_layout()
    path = out_dir / "fieldtheory-demo.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    console.print(f"plot: {path}")
    return {
        "g2_max_abs_z": float(np.max(np.abs((value - exact) / err))),
        "g4_slope": slope,
        "g4_slope_err": slope_err,
        "png": str(path),
        "seconds": round(time.perf_counter() - start, 2),
    }
