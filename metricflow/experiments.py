"""The measurements behind the acceptance figures, as functions shared by the tests, the demo and the benchmarks."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from . import reference
from .losses import ricci_flow_loss
from .manifolds import FlatTorus
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
