"""rigorgym.metricflow: curvature by autodiff, reference Ricci flows, losses, metric-NTK, network flows."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from rigorgym.metricflow import curvature, experiments, reference
from rigorgym.metricflow.losses import einstein_loss, perelman_f, ricci_flat_loss
from rigorgym.metricflow.manifolds import FlatTorus, Hyperbolic, Product, Sphere
from rigorgym.metricflow.networks import FourierMetric, MLPMetric
from rigorgym.metricflow.ntk import LinearizedMetric, metric_ntk

torch.set_num_threads(1)


@pytest.mark.parametrize(
    ("manifold", "expected"),
    [(Sphere(2), 2.0), (Sphere(3), 6.0), (Hyperbolic(2), -2.0), (Hyperbolic(3), -6.0), (Sphere(2, radius=2.0), 0.5)],
)
def test_scalar_and_ricci_of_space_forms(manifold: Sphere | Hyperbolic, expected: float) -> None:
    x, _ = manifold.sample(32, 0)
    x = x[x.norm(dim=-1) < 4]
    ric, scal = curvature.ricci_and_scalar(manifold.metric, x)
    assert torch.allclose(scal, torch.full_like(scal, expected), atol=1e-6, rtol=0)
    einstein = expected / manifold.dim
    assert torch.allclose(ric, einstein * manifold.metric(x), atol=1e-6, rtol=0)
    assert torch.allclose(curvature.scalar(manifold.metric, x), scal, atol=1e-12)


def test_flat_metrics_have_zero_curvature() -> None:
    gen = torch.Generator().manual_seed(1)
    a = torch.randn(3, 3, generator=gen, dtype=torch.float64)
    const = a @ a.T + 3 * torch.eye(3, dtype=torch.float64)
    x = torch.rand(8, 3, generator=gen, dtype=torch.float64)
    riem = curvature.riemann(lambda p: const.expand(p.shape[0], 3, 3) + 0 * p.sum(), x)
    assert riem.abs().max() < 1e-12

    def polar(p: torch.Tensor) -> torch.Tensor:  # dr² + r² dθ²: flat, with non-zero Christoffel symbols
        return torch.diag_embed(torch.stack([torch.ones_like(p[:, 0]), p[:, 0] ** 2], -1))

    pts = torch.rand(8, 2, generator=gen, dtype=torch.float64) + 0.5
    gam = curvature.christoffel(polar, pts)
    assert torch.allclose(gam[:, 0, 1, 1], -pts[:, 0])  # Γʳ_θθ = −r
    assert torch.allclose(gam[:, 1, 0, 1], 1 / pts[:, 0])  # Γᶿ_rθ = 1/r
    assert curvature.riemann(polar, pts).abs().max() < 1e-10


def test_product_curvature_is_blockwise() -> None:
    prod = Product(Sphere(2), Hyperbolic(2))
    x, _ = prod.sample(16, 3)
    ric, scal = curvature.ricci_and_scalar(prod.metric, x)
    g = prod.metric(x)
    assert torch.allclose(ric[:, :2, :2], g[:, :2, :2], atol=1e-6)  # Ric = g on S²
    assert torch.allclose(ric[:, 2:, 2:], -g[:, 2:, 2:], atol=1e-6)  # Ric = −g on H²
    assert ric[:, :2, 2:].abs().max() < 1e-10
    assert scal.abs().max() < 1e-6
    s2s1 = Product(Sphere(2), FlatTorus(1))
    y, _ = s2s1.sample(8, 4)
    assert torch.allclose(curvature.scalar(s2s1.metric, y), torch.full((8,), 2.0, dtype=torch.float64), atol=1e-6)


def test_riemann_symmetries_and_ricci_contraction() -> None:
    model = MLPMetric(3, 16, kind="cholesky", embed="identity", eps=0.5, seed=2)
    x = torch.randn(6, 3, dtype=torch.float64)
    with torch.no_grad():
        riem = curvature.riemann(model, x)
        lowered = torch.einsum("bpr,brsmn->bpsmn", model(x), riem)
        assert torch.allclose(riem, -riem.transpose(3, 4), atol=1e-10)
        assert torch.allclose(lowered, -lowered.transpose(1, 2), atol=1e-9)
        assert torch.allclose(lowered, lowered.permute(0, 3, 4, 1, 2), atol=1e-9)
        assert torch.allclose(torch.einsum("brsrn->bsn", riem), curvature.ricci(model, x), atol=1e-10)
        assert torch.allclose(curvature.ricci_loop(model, x), curvature.ricci(model, x), atol=1e-10)


def test_bad_metrics_raise_value_error_naming_the_point() -> None:
    x = torch.zeros(5, 2, dtype=torch.float64)
    x[3] = 1.0

    def skew(p: torch.Tensor) -> torch.Tensor:
        g = torch.eye(2, dtype=p.dtype).repeat(p.shape[0], 1, 1)
        g[:, 0, 1] = p[:, 0]
        return g

    with pytest.raises(ValueError, match=r"non-symmetric matrix at point 3 \(x = \[1.0, 1.0\]\)"):
        curvature.ricci(skew, x)

    def indefinite(p: torch.Tensor) -> torch.Tensor:
        return torch.diag_embed(torch.stack([torch.ones_like(p[:, 0]), 1 - 2 * p[:, 1]], -1))

    with pytest.raises(ValueError, match=r"not positive definite at point 3 .*\[\[1.0, 0.0\], \[0.0, -1.0\]\]"):
        curvature.scalar(indefinite, x)
    with pytest.raises(ValueError, match="shape"):
        curvature.scalar(lambda p: p, x)


def test_network_metrics_are_positive_definite_by_construction() -> None:
    x = torch.randn(64, 2, dtype=torch.float64) * 3
    for kind in ("cholesky", "exp"):
        model = MLPMetric(2, 32, kind=kind, eps=5.0, seed=0)
        with torch.no_grad():
            curvature.check_metric(model(x), x)
            assert torch.isfinite(curvature.scalar(model, x)).all()


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [({"kind": "svd"}, "'svd'"), ({"activation": "relu6"}, "'relu6'"), ({"readout": "uniform"}, "'uniform'")],
)
def test_mlp_metric_rejects_unknown_options(kwargs: dict, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        MLPMetric(2, 8, **kwargs)


def test_grid_ricci_matches_autodiff() -> None:
    def metric(p: torch.Tensor) -> torch.Tensor:
        a, b = p[:, 0], p[:, 1]
        w = 1 + 0.3 * torch.cos(a) + 0.2 * torch.sin(a + 2 * b)
        off = 0.1 * torch.sin(a)
        return torch.stack([torch.stack([w, off], -1), torch.stack([off, w * (1 + 0.1 * torch.cos(b))], -1)], -2)

    x = reference.torch_grid(32)
    auto = curvature.ricci(metric, x).numpy().reshape(32, 32, 2, 2)
    grid = reference.grid_ricci(metric(x).numpy().reshape(32, 32, 2, 2))
    assert np.abs(auto - grid).max() < 1e-4


@pytest.mark.parametrize("dim", [2, 3])
def test_round_sphere_shrinks_linearly(dim: int) -> None:
    extinction = 1 / (2 * (dim - 1))
    times = np.linspace(0, 0.8 * extinction, 5)
    sol = reference.scale_flow(Sphere(dim), times, points=6)
    exact = 1 - 2 * (dim - 1) * times
    assert np.abs(sol.y / exact - 1).max() < 5e-3


def test_s2_zonal_solver_round_solution_and_modes() -> None:
    times = np.linspace(0, 0.4, 5)
    zonal = reference.ZonalSphere(16)
    sol = zonal.flow(np.zeros(16), times)
    assert np.abs(np.exp(2 * sol.y[:, 0]) / (1 - 2 * times) - 1).max() < 5e-3
    ratios = experiments.sphere_mode_ratios([2, 3, 4], times, nodes=16)
    assert np.abs(ratios - 1).max() < 0.02


def test_torus_modes_decay_as_heat_in_deturck_gauge() -> None:
    times = np.linspace(0, 0.5, 4)
    ratios = experiments.torus_mode_ratios([(1, 0, "trace"), (1, 1, "offdiag"), (2, 1, "trace")], times, grid=12)
    assert np.abs(ratios - 1).max() < 0.02


def test_perelman_f_is_monotone_along_coupled_flow() -> None:
    grid = 16
    axis = np.arange(grid) * 2 * math.pi / grid
    xx, yy = np.meshgrid(axis, axis, indexing="ij")
    w0 = 1 + 0.3 * np.cos(xx) + 0.2 * np.sin(xx + 2 * yy)
    v_end = np.exp(np.cos(xx) + 0.5 * np.sin(yy))
    _, values, mass = reference.perelman_along_flow(w0, v_end, np.linspace(0, 0.3, 7))
    assert np.diff(values).min() > -1e-8
    assert values[-1] > values[0]
    assert np.abs(mass - 1).max() < 1e-8


def test_losses_on_exact_metrics() -> None:
    sphere = Sphere(2)
    x, w = sphere.sample(64, 5)
    f_const = math.log(sphere.volume())  # ∫ e^{−f} dV = 1
    value = perelman_f(sphere.metric, lambda p: torch.full((p.shape[0],), f_const, dtype=p.dtype) + 0 * p.sum(-1), x, w)
    assert abs(float(value) - 2.0) < 1e-6  # F = R on the round unit S² with constant f
    assert float(einstein_loss(sphere.metric, x, w, 1.0)) < 1e-12
    assert abs(float(ricci_flat_loss(sphere.metric, x, w)) - 2.0) < 1e-8  # |Ric|² = |g|² = n
    torus = FlatTorus(2)
    y, v = torus.sample(32, 6)
    assert float(ricci_flat_loss(torus.metric, y, v)) < 1e-20
    f = perelman_f(torus.metric, lambda p: torch.sin(p[:, 0]), y, v)
    expected = (v * torch.cos(y[:, 0]) ** 2 * torch.exp(-torch.sin(y[:, 0]))).sum()  # ∫|∇f|² e^{−f} dx
    assert torch.allclose(f, expected)


def test_lattice_ntk_is_the_identity_on_represented_modes() -> None:
    model = FourierMetric(2, 2, conformal=False)
    x, _ = FlatTorus(2).grid(6)
    theta = metric_ntk(model, x) / x.shape[0]  # the kernel against the grid mean
    gen = torch.Generator().manual_seed(0)
    field = FourierMetric(2, 2, conformal=False)
    with torch.no_grad():
        field.coef.copy_(torch.randn(field.coef.shape, generator=gen, dtype=torch.float64))
        values = field(x)  # a band-limited symmetric tensor field
    image = torch.einsum("aijbkl,bkl->aij", theta, values)
    assert torch.allclose(image, values, atol=1e-10)


def test_random_feature_ntk_approaches_lattice_kernel() -> None:
    x, _ = FlatTorus(2).grid(6)
    lattice = metric_ntk(FourierMetric(2, 2, conformal=True), x)
    errors = []
    for count in (50, 800):
        trials = [metric_ntk(FourierMetric(2, 2, True, "random", count, seed=s), x) for s in range(3)]
        errors.append(np.mean([float((t - lattice).norm() / lattice.norm()) for t in trials]))
    assert errors[1] < errors[0] / 2.5  # ~ N^(-1/2): a factor 4 for 16 times the features


def test_linearized_fourier_metric_follows_the_same_flow() -> None:
    model = FourierMetric(2, 2, conformal=True)
    model.fit(lambda p: experiments.bump(p)[:, None, None] * torch.eye(2, dtype=torch.float64), points=8)
    lin = LinearizedMetric(model)
    x, w = FlatTorus(2).grid(8)
    assert torch.allclose(lin(x), model(x))
    from rigorgym.metricflow.losses import ricci_flow_loss
    from rigorgym.metricflow.ntk import gradient_flow

    gradient_flow(lin, lambda m: ricci_flow_loss(m, x, w), lr=0.01, steps=3)
    gradient_flow(model, lambda m: ricci_flow_loss(m, x, w), lr=0.01, steps=3)
    with torch.no_grad():
        assert torch.allclose(lin(x), model(x), atol=1e-12)


def test_network_flow_matches_reference_ricci_flow_on_torus() -> None:
    result = experiments.torus_network_flow(cutoff=4, grid=16, t_end=0.2, dt=4e-3, checkpoints=2)
    assert result.max_error < 1e-2
    assert result.reference[-1].max() < result.reference[0].max()  # the bump really flowed


def test_ntk_fluctuation_and_training_change_fall_with_width() -> None:
    widths = [32, 128, 512, 2048]
    spread = [experiments.ntk_init_spread(n) for n in widths]
    assert abs(experiments.fit_slope(widths, spread) + 0.5) < 0.15
    changes, slope = experiments.ntk_scaling([32, 256], seeds=(0,), steps=8)
    assert changes[1] < changes[0]
    assert -1.5 < slope < -0.6  # measured ≈ 1/N (N^-1.03 at widths 64–4096, 3 seeds; -0.75 here): symmetric read-out


def test_positive_readout_metric_ntk_change_falls_like_inverse_sqrt_width() -> None:
    """Softplus hidden layer, read-out |N(0, 1)|: the first-order change no longer cancels, so it is O(N^(-1/2))."""
    model = experiments.ntk_model(64, "positive", seed=0)
    x, _ = FlatTorus(2).grid(6)
    eye = torch.eye(2, dtype=torch.float64)
    with torch.no_grad():
        assert torch.allclose(model(x), experiments.bump(x)[:, None, None] * eye, atol=1e-12)
    assert bool((model.net.weights[-1] >= 0).all())
    # widths 128 and 2048 (slope -0.54 here; 256 and 4096: -0.48, twice the time)
    changes, slope = experiments.ntk_scaling([128, 2048], seeds=(0,), steps=8, kind="positive")
    assert abs(slope + 0.5) < 0.15  # measured N^-0.55 at widths 64–4096, 3 seeds, 20 steps


def test_cholesky_metric_ntk_change_does_not_fall_with_width() -> None:
    """g = c δ + ε L Lᵀ: Θ_g = A(L) Θ_L A(L)ᵀ with A linear in L, so it moves as much as L does, at every width."""
    model = experiments.ntk_model(64, "cholesky", seed=0)
    x, _ = FlatTorus(2).grid(6)
    eye = torch.eye(2, dtype=torch.float64)
    with torch.no_grad():
        assert torch.allclose(model(x), experiments.bump(x)[:, None, None] * eye, atol=1e-12)  # same start, any N
    changes, slope = experiments.ntk_scaling([32, 512], seeds=(0,), steps=8, kind="cholesky")
    assert min(changes) > 0.05  # O(1): measured 0.34 at widths 64–4096 after 20 steps
    assert abs(slope) < 0.15  # measured N^-0.01 at widths 64–4096, 3 seeds
