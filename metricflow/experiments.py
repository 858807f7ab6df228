"""The measurements behind the acceptance figures, as functions shared by the tests, the demo and the benchmarks."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from . import curvature, reference
from .losses import ricci_flow_loss
from .manifolds import FlatTorus, Hyperbolic, Product, Sphere
from .networks import CenteredCholeskyMetric, CenteredMetric, FourierMetric, MLPMetric
from .ntk import metric_ntk, ntk_distance

Tensor = torch.Tensor


def bump(x: Tensor) -> Tensor:
    """The default initial conformal factor on T²: w₀ = 1 + 0.3 cos x + 0.2 sin(x + 2y) (a few low modes)."""
    return 1 + 0.3 * torch.cos(x[:, 0]) + 0.2 * torch.sin(x[:, 0] + 2 * x[:, 1])


@dataclass
class TorusComparison:
    """The network flow against the spectral reference on T² at the checkpoint times."""

    times: np.ndarray
    network: np.ndarray  # (T, M, M, 2, 2)
    reference: np.ndarray  # (T, M, M) conformal factor
    max_error: float  # max over t, x, i, j of |g_net − g_ref| / max |g_ref|
    steps: int
    dt: float


def torus_network_flow(
    cutoff: int = 6,
    grid: int = 24,
    t_end: float = 0.2,
    dt: float = 1e-3,
    checkpoints: int = 5,
    w0: Callable[[Tensor], Tensor] = bump,
    features: str = "lattice",
    num_features: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TorusComparison:
    """Train a Fourier-feature metric (last layer only) by SGD on the Ricci-flow loss with lr = 2·dt; compare.

    The features are orthonormal under the grid mean, so the metric-NTK is the projector on the represented modes
    and each SGD step is an Euler step of ∂ₜg = −2 P(Ric); the reference is ∂ₜw = Δ₀ log w, solved spectrally.
    """
    model = FourierMetric(2, cutoff, conformal=False, features=features, num_features=num_features)
    eye = torch.eye(2, dtype=torch.float64)
    model.fit(lambda x: w0(x)[:, None, None] * eye, points=grid)
    x, weights = FlatTorus(2).grid(grid)
    steps = int(round(t_end / dt))
    marks = np.linspace(0, steps, checkpoints + 1).round().astype(int)
    opt = torch.optim.SGD(model.parameters(), lr=2 * dt)
    saved = []
    for step in range(steps + 1):
        if step in marks:
            with torch.no_grad():
                saved.append(model(x).reshape(grid, grid, 2, 2).numpy().copy())
        if step == steps:
            break
        opt.zero_grad()
        ricci_flow_loss(model, x, weights).backward()
        opt.step()
        if progress is not None:
            progress(step + 1, steps)
    times = marks * dt
    w_start = w0(x).reshape(grid, grid).numpy()
    ref = reference.torus_conformal_flow(w_start, times).y
    target = ref[..., None, None] * np.eye(2)
    net = np.stack(saved)
    error = float(np.abs(net - target).max() / np.abs(target).max())
    return TorusComparison(times, net, ref, error, steps, dt)


def fit_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of log y against log x."""
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


NTK_KINDS = ("linear", "positive", "cholesky")


def ntk_model(width: int, kind: str = "linear", depth: int = 1, seed: int = 0, eps: float = 0.1) -> torch.nn.Module:
    """The network metric of the NTK measurements, equal to w₀δ (:func:`bump`) at initialisation for every width.

    ``kind="linear"``: g = w₀δ + (S(x) − S₀(x)), S a tanh MLP with a linear read-out (:class:`CenteredMetric`);
    ``kind="positive"``: the same with a softplus hidden layer and read-out weights |N(0, 1)| (non-zero mean), whose
    metric-NTK moves by O(N^(−1/2)) instead of O(1/N) (see :class:`MLPMetric`);
    ``kind="cholesky"``: the positive-definite g = c δ + ε L Lᵀ, L = √((w₀ − c)/ε) δ + L_net(x) − L_net,0(x)
    (:class:`CenteredCholeskyMetric`, c = 0.25). Both NTK parametrised (weights N(0, 1)/√fan-in).
    """
    if kind in ("linear", "positive"):
        eye = torch.eye(2, dtype=torch.float64)
        shape = {"activation": "softplus", "readout": "halfnormal"} if kind == "positive" else {}
        net = MLPMetric(2, width, depth=depth, kind="linear", eps=1.0, seed=seed, **shape)
        return CenteredMetric(net, lambda x: bump(x)[:, None, None] * eye)
    if kind == "cholesky":
        return CenteredCholeskyMetric(MLPMetric(2, width, depth=depth, kind="cholesky", eps=eps, seed=seed), bump)
    raise ValueError(f"kind must be one of {NTK_KINDS}, got {kind!r}")


def ntk_change(
    width: int,
    steps: int = 20,
    lr: float = 0.5,
    grid: int = 12,
    probes: int = 6,
    seed: int = 0,
    kind: str = "linear",
    depth: int = 1,
) -> float:
    """‖Θ_after − Θ_before‖/‖Θ_before‖ for an NTK-parametrised MLP metric on T² (:func:`ntk_model`).

    Every width starts from the same metric w₀δ and is trained by SGD on the Ricci-flow loss for ``steps`` steps:
    the metric moves by O(1) whatever the width (max |Δg| ≈ 0.2 for ``linear``, ≈ 0.35 for ``cholesky``).
    """
    model = ntk_model(width, kind, depth, seed)
    x, weights = FlatTorus(2).grid(grid)
    probe, _ = FlatTorus(2).sample(probes, 2000)
    before = metric_ntk(model, probe)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        ricci_flow_loss(model, x, weights).backward()
        opt.step()
    return ntk_distance(before, metric_ntk(model, probe))


def ntk_init_spread(
    width: int, seeds: Sequence[int] = (0, 1, 2, 3), probes: int = 6, kind: str = "linear", depth: int = 1
) -> float:
    """Mean relative distance of the initial metric-NTK over seeds from its seed average (the finite-width noise)."""
    probe, _ = FlatTorus(2).sample(probes, 2000)
    thetas = [metric_ntk(ntk_model(width, kind, depth, s), probe) for s in seeds]
    mean = torch.stack(thetas).mean(0)
    return float(np.mean([ntk_distance(mean, t) for t in thetas]))


def ntk_scaling(
    widths: Sequence[int],
    seeds: Sequence[int] = (0, 1),
    progress: Callable[[], None] | None = None,
    **kwargs: float | str,
) -> tuple[list[float], float]:
    """Mean relative NTK change per width (over seeds) and the fitted log–log slope (kwargs go to ntk_change)."""
    means = []
    for width in widths:
        values = []
        for seed in seeds:
            values.append(ntk_change(width, seed=seed, **kwargs))  # type: ignore[arg-type]
            if progress is not None:
                progress()
        means.append(float(np.mean(values)))
    return means, fit_slope(widths, means)


def sphere_mode_ratios(degrees: Sequence[int], times: np.ndarray, eps: float = 1e-5, nodes: int = 24) -> np.ndarray:
    """(measured amplitude)/(ε(1 − 2t)^{(l(l+1)−2)/2}) for u₀ = ε Pₗ on S²: (len(degrees), len(times))."""
    zonal = reference.ZonalSphere(nodes)
    background = 0.5 * np.log(1 - 2 * times)
    rows = []
    for degree in degrees:
        u0 = eps * np.polynomial.legendre.legval(zonal.mu, [0] * degree + [1])
        sol = zonal.flow(u0, times)
        amp = np.array([zonal.coefficients(u - b)[degree] for u, b in zip(sol.y, background, strict=True)])
        rows.append(amp / (eps * (1 - 2 * times) ** ((degree * (degree + 1) - 2) / 2)))
    return np.asarray(rows)


def torus_mode_ratios(
    modes: Sequence[tuple[int, int, str]], times: np.ndarray, eps: float = 1e-5, grid: int = 16
) -> np.ndarray:
    """Ricci–DeTurck decay of g = δ + ε cos(k·x) E over e^{−|k|²t}; E = "trace" (δ) or "offdiag" (e₁e₂ᵀ + e₂e₁ᵀ)."""
    axis = np.arange(grid) * 2 * math.pi / grid
    xx, yy = np.meshgrid(axis, axis, indexing="ij")
    rows = []
    for k1, k2, kind in modes:
        shape = np.eye(2) if kind == "trace" else np.array([[0.0, 1.0], [1.0, 0.0]])
        wave = np.cos(k1 * xx + k2 * yy)
        g0 = np.eye(2) + eps * wave[..., None, None] * shape
        sol = reference.torus_deturck_flow(g0, times)
        comp = (0, 0) if kind == "trace" else (0, 1)
        amp = np.array([2 * np.mean((g[..., comp[0], comp[1]] - np.eye(2)[comp]) * wave) for g in sol.y])
        rows.append(amp / (eps * np.exp(-(k1**2 + k2**2) * times)))
    return np.asarray(rows)


# --- the acceptance run: every figure of docs/results/metricflow.md -----------------------------------------------

Record = dict[str, Any]


def curvature_errors() -> dict[str, float]:
    """Max |R − R_exact| (and |Ric − Ric_exact|) over 256 sampled points, float64, and max |Riem| of flat polar."""

    def polar(p: Tensor) -> Tensor:
        return torch.diag_embed(torch.stack([torch.ones_like(p[:, 0]), p[:, 0] ** 2], -1))

    cases: dict[str, tuple[Any, float, float | None]] = {
        "S2": (Sphere(2), 2.0, 1.0),
        "S3": (Sphere(3), 6.0, 2.0),
        "H2": (Hyperbolic(2), -2.0, -1.0),
        "flat T3": (FlatTorus(3), 0.0, 0.0),
        "S2xS1": (Product(Sphere(2), FlatTorus(1)), 2.0, None),
        "S2xH2": (Product(Sphere(2), Hyperbolic(2)), 0.0, None),
    }
    out = {}
    for name, (manifold, scal_exact, lam) in cases.items():
        x, _ = manifold.sample(256, 0)
        x = x[x[:, : min(3, manifold.dim)].norm(dim=-1) < 5]
        ric, scal = curvature.ricci_and_scalar(manifold.metric, x)
        err = float((scal - scal_exact).abs().max())
        if lam is not None:
            err = max(err, float((ric - lam * manifold.metric(x)).abs().max()))
        out[name] = err
    pts = torch.rand(256, 2, dtype=torch.float64) + 0.5
    out["flat polar"] = float(curvature.riemann(polar, pts).abs().max())
    return out


def sphere_shrink(ts: np.ndarray | None = None) -> dict[str, Record]:
    """Round Sⁿ (n = 2, 3) shrinking to 80% of extinction, and the spectral S² solver to ``ts`` (default t ≤ 0.4)."""
    shrink = {}
    for n in (2, 3):
        ext = 1 / (2 * (n - 1))
        tn = np.linspace(0, 0.8 * ext, 41)
        sol = reference.scale_flow(Sphere(n), tn, points=16)
        shrink[f"S{n}"] = {
            "t": tn.tolist(),
            "c": sol.y.tolist(),
            "err": float(np.abs(sol.y / (1 - 2 * (n - 1) * tn) - 1).max()),
        }
    ts = np.linspace(0, 0.4, 41) if ts is None else ts
    c = np.exp(2 * reference.ZonalSphere(24).flow(np.zeros(24), ts).y[:, 0])
    shrink["S2 spectral"] = {"t": ts.tolist(), "c": c.tolist(), "err": float(np.abs(c / (1 - 2 * ts) - 1).max())}
    return shrink


def perelman_monotone(grid: int = 32, t_end: float = 0.5, points: int = 26) -> Record:
    """Perelman's F along the coupled flow on T² from w₀ = 1 + 0.3 cos x + 0.2 sin(x + 2y): F, min ΔF, mass drift."""
    axis = np.arange(grid) * 2 * math.pi / grid
    xx, yy = np.meshgrid(axis, axis, indexing="ij")
    w0 = 1 + 0.3 * np.cos(xx) + 0.2 * np.sin(xx + 2 * yy)
    pt, pf, mass = reference.perelman_along_flow(
        w0, np.exp(np.cos(xx) + 0.5 * np.sin(yy)), np.linspace(0, t_end, points)
    )
    return {
        "t": pt.tolist(),
        "F": pf.tolist(),
        "min_increment": float(np.diff(pf).min()),
        "mass_drift": float(np.abs(mass - 1).max()),
    }


def ntk_record(
    widths: Sequence[int] = (64, 256, 1024, 4096), seeds: Sequence[int] = (0, 1, 2), steps: int = 20
) -> Record:
    """The metric-NTK change in training against width for the three metric kinds, and the spread at init."""
    widths = list(widths)
    changes, slope = ntk_scaling(widths, seeds=tuple(seeds), steps=steps)
    spread = [ntk_init_spread(n) for n in widths]
    pos_changes, pos_slope = ntk_scaling(widths, seeds=tuple(seeds), steps=steps, kind="positive")
    chol_changes, chol_slope = ntk_scaling(widths, seeds=tuple(seeds), steps=steps, kind="cholesky")
    return {
        "widths": widths,
        "change": changes,
        "slope": slope,
        "init_spread": spread,
        "init_slope": fit_slope(widths, spread),
        "positive": {"change": pos_changes, "slope": pos_slope},
        "cholesky": {"change": chol_changes, "slope": chol_slope},
    }


def run_all(trials: int = 60, emit: Callable[[Record], None] | None = None, quick: bool = False) -> Record:
    """Every acceptance measurement (``trials`` optuna trials for the step schedule); ``quick``: tiny sizes.

    ``emit`` sees one short record per measurement as it is made.
    """
    from . import control

    def say(record: Record) -> None:
        if emit is not None:
            emit(record)

    res: Record = {"curvature_max_error": curvature_errors()}
    say({"measure": "curvature", **res["curvature_max_error"]})
    ts = np.linspace(0, 0.4, 11 if quick else 41)
    res["sphere_shrink"] = sphere_shrink(ts)
    say({"measure": "sphere_shrink", **{k: v["err"] for k, v in res["sphere_shrink"].items()}})
    degrees = [2, 3, 4]
    ratios = sphere_mode_ratios(degrees, ts)
    res["s2_modes"] = {
        "degrees": degrees,
        "t": ts.tolist(),
        "ratio": ratios.tolist(),
        "err": float(np.abs(ratios - 1).max()),
    }
    say({"measure": "s2_modes", "max_rel_error": res["s2_modes"]["err"]})
    modes = [(1, 0, "trace"), (1, 2, "trace"), (1, 1, "offdiag"), (2, 0, "offdiag")]
    tt = np.linspace(0, 1.0, 6 if quick else 21)
    tratios = torus_mode_ratios(modes, tt)
    res["torus_modes"] = {
        "modes": [list(m) for m in modes],
        "t": tt.tolist(),
        "ratio": tratios.tolist(),
        "err": float(np.abs(tratios - 1).max()),
    }
    say({"measure": "torus_modes", "max_rel_error": res["torus_modes"]["err"]})
    res["perelman"] = perelman_monotone(16 if quick else 32, points=6 if quick else 26)
    say({"measure": "perelman", "min_increment": res["perelman"]["min_increment"]})
    flow = torus_network_flow(
        cutoff=3 if quick else 6,
        grid=12 if quick else 24,
        t_end=0.02 if quick else 0.2,
        dt=1e-3,
        checkpoints=2 if quick else 4,
    )
    res["network_flow"] = {
        "t": flow.times.tolist(),
        "max_error": flow.max_error,
        "steps": flow.steps,
        "dt": flow.dt,
        "line_net": flow.network[:, :, 0, 0, 0].tolist(),
        "line_ref": flow.reference[:, :, 0].tolist(),
    }
    say({"measure": "network_flow", "max_error": flow.max_error})
    res["ntk"] = ntk_record(
        (16, 64) if quick else (64, 256, 1024, 4096), (0,) if quick else (0, 1, 2), 3 if quick else 20
    )
    nt = res["ntk"]
    say(
        {
            "measure": "ntk",
            "slope": nt["slope"],
            "positive_slope": nt["positive"]["slope"],
            "init_slope": nt["init_slope"],
            "cholesky_slope": nt["cholesky"]["slope"],
        }
    )
    small = {"fixed_grid": 6, "seeds": (0,), "heldout": (100,)} if quick else {}
    ctrl = control.compare(trials=trials, **small)
    keys = ("fixed_dt", "fixed_steps", "fixed_heldout", "schedule", "tuned_steps", "tuned_heldout", "scan", "trials")
    res["control"] = {k: getattr(ctrl, k) for k in keys}
    say({"measure": "control", **{k: v for k, v in res["control"].items() if k != "scan"}})
    return res


def acceptance(res: Record) -> list[tuple[str, str, bool]]:
    """The acceptance lines (target, measured, holds) of a :func:`run_all` result."""
    c, nt, cm = res["control"], res["ntk"], res["curvature_max_error"]
    return [
        (
            "curvature exact to 1e-6 (S², S³, H², flat, products)",
            f"max error {max(cm.values()):.1e}",
            max(cm.values()) < 1e-6,
        ),
        (
            "round Sⁿ: g = (1 − 2(n−1)t) g₀ within 0.5% to 80% of extinction",
            ", ".join(f"{k}: {v['err']:.1e}" for k, v in res["sphere_shrink"].items()),
            all(v["err"] < 5e-3 for v in res["sphere_shrink"].values()),
        ),
        (
            "S² degree-l modes ∝ (1 − 2t)^((l(l+1)−2)/2) within 2% (l = 2, 3, 4, t ≤ 0.4)",
            f"max rel. error {res['s2_modes']['err']:.1e}",
            res["s2_modes"]["err"] < 0.02,
        ),
        (
            "T² modes ∝ e^(−|k|²t) (Ricci–DeTurck) within 2% (trace and off-diagonal, t ≤ 1)",
            f"max rel. error {res['torus_modes']['err']:.1e}",
            res["torus_modes"]["err"] < 0.02,
        ),
        (
            "Perelman F non-decreasing along the coupled flow",
            f"min ΔF {res['perelman']['min_increment']:.2e}, F {res['perelman']['F'][0]:.4f} → {res['perelman']['F'][-1]:.4f}",
            res["perelman"]["min_increment"] > -1e-8,
        ),
        (
            "local-kernel network flow = reference Ricci flow on T² within 1% (max norm, t ≤ 0.2)",
            f"{res['network_flow']['max_error']:.1e}",
            res["network_flow"]["max_error"] < 1e-2,
        ),
        (
            "metric-NTK change during training ∝ N^(−1/2) (slope −0.5 ± 0.1)",
            f"softplus MLP, read-out of non-zero mean: slope {nt['positive']['slope']:.2f} (also measured: tanh MLP "
            f"with a symmetric read-out {nt['slope']:.2f}, about 1/N; g = c δ + ε L Lᵀ {nt['cholesky']['slope']:.2f}; "
            f"spread at initialisation {nt['init_slope']:.2f})",
            abs(nt["positive"]["slope"] + 0.5) <= 0.1,
        ),
        (
            "optuna step schedule beats the best fixed step (steps to tolerance)",
            f"{c['tuned_steps']:.1f} vs {c['fixed_steps']:.1f} (held-out seeds: {c['tuned_heldout']:.1f} vs {c['fixed_heldout']:.1f})",
            c["tuned_steps"] < c["fixed_steps"] and c["tuned_heldout"] < c["fixed_heldout"],
        ),
    ]


def results_figure(res: Record) -> Any:
    """The eight panels of the results page (a matplotlib figure)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(18, 8))
    ax = axes[0, 0]
    for name, d in res["sphere_shrink"].items():
        ax.plot(d["t"], d["c"], "o" if "spectral" in name else "-", ms=3, label=name)
    for n in (2, 3):
        t = np.linspace(0, 1 / (2 * (n - 1)), 50)
        ax.plot(t, 1 - 2 * (n - 1) * t, "k:", lw=0.8)
    ax.set(title="round Sⁿ: g(t)/g₀ vs 1 − 2(n−1)t (dotted)", xlabel="t")
    ax.legend(fontsize=7)
    ax = axes[0, 1]
    t = np.array(res["s2_modes"]["t"])
    for deg, row in zip(res["s2_modes"]["degrees"], res["s2_modes"]["ratio"], strict=True):
        exact = (1 - 2 * t) ** ((deg * (deg + 1) - 2) / 2)
        (line,) = ax.semilogy(t, np.array(row) * exact, "o", ms=3, label=f"l = {deg}")
        ax.semilogy(t, exact, "-", color=line.get_color(), lw=0.8)
    ax.set(title="S² modes vs (1−2t)^((l(l+1)−2)/2)", xlabel="t")
    ax.legend(fontsize=7)
    ax = axes[0, 2]
    t = np.array(res["torus_modes"]["t"])
    for mode, row in zip(res["torus_modes"]["modes"], res["torus_modes"]["ratio"], strict=True):
        exact = np.exp(-(mode[0] ** 2 + mode[1] ** 2) * t)
        (line,) = ax.semilogy(t, np.array(row) * exact, "o", ms=3, label=f"k = ({mode[0]},{mode[1]}) {mode[2]}")
        ax.semilogy(t, exact, "-", color=line.get_color(), lw=0.8)
    ax.set(title="T² modes (Ricci–DeTurck) vs e^(−|k|²t)", xlabel="t")
    ax.legend(fontsize=7)
    ax = axes[0, 3]
    ax.plot(res["perelman"]["t"], res["perelman"]["F"], "o-", ms=3)
    ax.set(title="Perelman F along the coupled flow on T²", xlabel="t", ylabel="F")
    ax = axes[1, 0]
    nf = res["network_flow"]
    x = np.arange(len(nf["line_ref"][0])) * 2 * np.pi / len(nf["line_ref"][0])
    for tt, net, ref in zip(nf["t"], nf["line_net"], nf["line_ref"], strict=True):
        (line,) = ax.plot(x, ref, "-", label=f"t = {tt:.2f}")
        ax.plot(x, net, "o", ms=3, color=line.get_color())
    ax.set(title=f"network flow (dots) vs reference (lines), err {nf['max_error']:.1e}", xlabel="x (y = 0)", ylabel="w")
    ax.legend(fontsize=7)
    ax = axes[1, 1]
    nt = res["ntk"]
    w = np.array(nt["widths"], dtype=float)
    for change, slope, name in (
        (nt["positive"]["change"], nt["positive"]["slope"], "softplus, read-out |N(0,1)|"),
        (nt["change"], nt["slope"], "tanh, read-out N(0,1)"),
        (nt["cholesky"]["change"], nt["cholesky"]["slope"], "g₀ + εLLᵀ"),
    ):
        (line,) = ax.loglog(w, change, "o", label=f"training change, {name}, slope {slope:.2f}")
        fit = np.exp(np.polyval(np.polyfit(np.log(w), np.log(change), 1), np.log(w)))
        ax.loglog(w, fit, "-", lw=0.8, color=line.get_color())
    ax.loglog(w, nt["init_spread"], "s", label=f"init spread, slope {nt['init_slope']:.2f}")
    ax.loglog(w, nt["init_spread"][0] * (w / w[0]) ** -0.5, "k:", lw=0.8, label="N^(-1/2)")
    ax.set(title="metric-NTK vs width N", xlabel="N", ylim=(1e-8, 1))  # room below the data for the legend
    ax.legend(fontsize=7, loc="lower left")
    ax = axes[1, 2]
    c = res["control"]
    scan = np.array(c["scan"])
    ax.semilogx(scan[:, 0], scan[:, 1], "o-", ms=3, label="fixed dt (mean steps)")
    ax.axhline(c["tuned_steps"], color="C1", label=f"optuna cycle {', '.join(f'{d:.3f}' for d in c['schedule'])}")
    ax.set(title="MetricFlow-v0: steps to tolerance", xlabel="dt", ylabel="steps", ylim=(0, 45))
    ax.legend(fontsize=7)
    ax = axes[1, 3]
    names = list(res["curvature_max_error"])
    ax.bar(range(len(names)), [max(v, 1e-17) for v in res["curvature_max_error"].values()], log=True)
    ax.axhline(1e-6, color="k", ls=":")
    ax.set_xticks(range(len(names)), names, rotation=30, fontsize=7)
    ax.set(title="curvature: max error (float64) vs 1e-6")
    fig.tight_layout()
    return fig
