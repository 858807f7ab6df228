"""rigorgym.fieldtheory: ensembles, exact kernels, correlators, φ⁴ and symmetries (small-statistics versions)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from rigorgym.fieldtheory import (
    CosNet,
    ErfNet,
    GaussNet,
    Phi4,
    ReLUNet,
    accumulate,
    connected_four_point,
    cutoff_propagator,
    loglog_slope,
    pooled_coincident_cumulant,
    two_point,
)
from rigorgym.fieldtheory.symmetry import invariance_zscores, parity, rotation, translation
from scipy.integrate import quad
from scipy.special import j0

torch.set_num_threads(1)


def _points(d: int, n: int, seed: int, scale: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-scale, scale, (n, d))


# -- exact kernels ------------------------------------------------------------------------------------
@pytest.mark.parametrize("d", [1, 2, 3])
def test_cutoff_propagator_matches_scipy_quad(d: int) -> None:
    m, lam = 0.8, 6.0
    norm = {1: 1 / math.pi, 2: 1 / (2 * math.pi), 3: 1 / (2 * math.pi**2)}[d]
    for r in (0.0, 0.3, 1.7, 4.0):
        if d == 1:
            ref = quad(lambda p, r=r: math.cos(p * r) / (p * p + m * m), 0, lam, limit=400)[0]
        elif d == 2:
            ref = quad(lambda p, r=r: p * j0(p * r) / (p * p + m * m), 0, lam, limit=400)[0]
        else:
            ref = quad(lambda p, r=r: p * p * np.sinc(p * r / math.pi) / (p * p + m * m), 0, lam, limit=400)[0]
        assert cutoff_propagator(r, d, m, lam) == pytest.approx(norm * ref, rel=1e-10, abs=1e-13)


def test_cutoff_propagator_closed_forms_at_origin() -> None:
    m, lam = 1.3, 7.0
    assert cutoff_propagator(0.0, 1, m, lam) == pytest.approx(math.atan(lam / m) / (math.pi * m), rel=1e-12)
    assert cutoff_propagator(0.0, 2, m, lam) == pytest.approx(math.log1p(lam**2 / m**2) / (4 * math.pi), rel=1e-12)
    assert cutoff_propagator(0.0, 3, m, lam) == pytest.approx(
        (lam - m * math.atan(lam / m)) / (2 * math.pi**2), rel=1e-12
    )


# -- two-point functions ---------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [ErfNet, ReLUNet, GaussNet])
@pytest.mark.parametrize("d", [1, 2])
def test_two_point_matches_nngp_at_width_100(cls: type, d: int) -> None:
    net = cls(d=d, width=100, sigma_w=1.2, sigma_b=0.4)
    x = _points(d, 4, seed=d)
    est = two_point(net.sample(x, 40_000, seed=1))
    assert np.max(np.abs(est.zscore(net.kernel(x, x)))) < 3.5  # max over 10 entries; each within 3σ typically


@pytest.mark.parametrize("d", [1, 2, 3])
def test_cosnet_two_point_equals_propagator_at_width_4(d: int) -> None:
    net = CosNet(d=d, width=4, mass=1.0, cutoff=5.0, sigma_a=0.7)
    x = _points(d, 4, seed=10 + d)
    est = two_point(net.sample(x, 60_000, seed=2))
    assert np.max(np.abs(est.zscore(net.kernel(x, x)))) < 3.5


def test_latent_parametrisation_has_the_same_two_point_function() -> None:
    for net in (CosNet(d=2, width=6, mass=1.0, cutoff=3.0), GaussNet(d=1, width=20, sigma_w=1.0, sigma_b=0.3)):
        x = _points(net.d, 3, seed=3)
        z = torch.randn(40_000, net.latent_dim, generator=torch.Generator().manual_seed(0))
        est = two_point(net.evaluate_latent(z, torch.as_tensor(x, dtype=torch.float32)))
        assert np.max(np.abs(est.zscore(net.kernel(x, x)))) < 3.5


# -- four-point functions ----------------------------------------------------------------------------
QUADS = [(0, 0, 0, 0), (0, 0, 1, 1), (0, 1, 2, 3), (0, 0, 0, 3)]


@pytest.mark.parametrize("net", [CosNet(1, 3, 1.0, 5.0), CosNet(3, 5, 1.3, 4.0), GaussNet(2, 4, 1.0, 0.3)], ids=repr)
def test_connected_four_point_matches_exact_finite_width(net) -> None:
    x = _points(net.d, 4, seed=4, scale=0.6)
    est = connected_four_point(net.sample(x, 100_000, seed=3), QUADS)
    exact = net.exact_connected_4pt(*[x[[q[k] for q in QUADS]] for k in range(4)])
    assert np.all(np.abs(est.zscore(exact)) < 3)
    assert np.all(np.abs(exact) > 2 * est.stderr)  # a real signal, not zero within noise


def test_connected_four_point_scales_as_one_over_width() -> None:
    widths, values, errors = (2, 8, 32, 128), [], []
    far = np.array([0.0, 10.0, 20.0, 30.0])
    for n in widths:
        net = CosNet(1, n, 0.5, 20.0)
        est = pooled_coincident_cumulant(net.batches(far, 60_000, seed=n))
        exact = net.exact_connected_4pt([0.0], [0.0], [0.0], [0.0])[0]
        assert abs(est.zscore(exact)) < 3
        values.append(float(est.value))
        errors.append(float(est.stderr))
    slope, err = loglog_slope(widths, values, errors)
    assert abs(slope + 1) < 0.05 and err < 0.03
    assert net.exact_connected_4pt([0.0], [0.0], [0.0], [0.0])[0] * 128 == pytest.approx(
        CosNet(1, 1, 0.5, 20.0).exact_connected_4pt([0.0], [0.0], [0.0], [0.0])[0], rel=1e-12
    )


def test_accumulator_streams_like_one_batch() -> None:
    net = ErfNet(1, 10, 1.0, 0.5)
    x = np.array([0.1, 0.5, -0.7, 1.0])
    whole = connected_four_point(net.sample(x, 5000, seed=0, batch_size=5000), QUADS)
    streamed = accumulate(net.batches(x, 5000, seed=0, batch_size=5000), 4, QUADS).connected_four_point()
    np.testing.assert_allclose(whole.value, streamed.value)
    chunked = accumulate(net.batches(x, 5000, seed=0, batch_size=700), 4, QUADS)
    assert chunked.count == 5000


# -- φ⁴ ------------------------------------------------------------------------------------------------
def test_phi4_quadrature_resolves_the_action() -> None:
    net = CosNet(1, 50, 1.0, 5.0)
    coarse, fine = Phi4(net, 1.0), Phi4(net, 1.0, n_quad=300)
    phi = net.sample(np.concatenate([coarse.nodes, fine.nodes]), 50, seed=0, dtype=torch.float64)
    q = coarse.n_quad
    np.testing.assert_allclose(coarse.action(phi[:, :q]).numpy(), fine.action(phi[:, q:]).numpy(), rtol=1e-6)


def test_phi4_reweighting_matches_first_order_at_small_coupling() -> None:
    net = CosNet(1, 50, 1.0, 5.0)
    x = np.array([0.0, 0.5])
    phi4 = Phi4(net, 0.1)
    res = phi4.reweight(x, 40_000, seed=0)
    first = phi4.first_order_shift(x, x, finite_width=True)
    assert np.all(np.abs(res.shift.zscore(first)) < 3)
    assert np.all(np.abs(first) > 5 * res.shift.stderr)


def test_phi4_hmc_matches_first_order_and_reweighting() -> None:
    net = CosNet(1, 30, 1.0, 5.0)
    x = np.array([0.0, 0.5])
    small = Phi4(net, 0.5)
    hmc = small.hmc(x, n_chains=200, n_samples=15, seed=0, n_warmup=8)
    assert 0.6 < hmc.acceptance < 0.98
    assert np.all(np.abs(hmc.shift.zscore(small.first_order_shift(x, x, finite_width=True))) < 3)
    strong = Phi4(net, 8.0)  # beyond first order: HMC and reweighting still agree
    hmc = strong.hmc(x, n_chains=200, n_samples=15, seed=1, n_warmup=8)
    rw = strong.reweight(x, 20_000, seed=1)
    diff = (hmc.two_point.value - rw.two_point.value) / np.hypot(hmc.two_point.stderr, rw.two_point.stderr)
    assert np.all(np.abs(diff) < 3)
    assert np.all(hmc.shift.value < -5 * hmc.shift.stderr)  # φ⁴ suppresses fluctuations


# -- symmetries ------------------------------------------------------------------------------------------
def test_cosnet_is_translation_and_parity_invariant() -> None:
    net = CosNet(2, 6, 1.0, 4.0)
    x = _points(2, 3, seed=5)
    for g in (translation([0.7, -0.3]), parity()):
        for order in (2, 4):
            assert np.max(np.abs(invariance_zscores(net, x, g, 30_000, seed=0, order=order))) < 3.5


def test_gaussnet_is_rotation_invariant_and_its_four_point_is_not_translation_invariant() -> None:
    net = GaussNet(3, 10, 1.0, 0.3)
    x = _points(3, 3, seed=6, scale=0.5)
    for order in (2, 4):
        assert np.max(np.abs(invariance_zscores(net, x, rotation(3, seed=1), 30_000, seed=0, order=order))) < 3.5
    assert np.max(np.abs(invariance_zscores(net, x, translation([0.5, 0.0, 0.0]), 30_000, seed=0))) < 3.5
    assert np.max(np.abs(invariance_zscores(net, x, translation([0.5, 0.0, 0.0]), 30_000, seed=0, order=4))) > 4


# -- validation and sampling contracts ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda: CosNet(1, -3, 1.0, 5.0), "-3"),
        (lambda: CosNet(1, 4, 1.0, 0.0), "cutoff"),
        (lambda: CosNet(1, 4, -1.0, 5.0), "-1.0"),
        (lambda: ErfNet(1, 0), "width"),
        (lambda: GaussNet(2, 10, sigma_w=0.0), "sigma_w"),
        (lambda: CosNet(2, 4).sample(np.zeros((3, 3)), 10), "(3, 3)"),
        (lambda: ErfNet(1, 4).sample([0.0], -5), "-5"),
        (lambda: Phi4(CosNet(1, 4), -1.0), "coupling"),
    ],
)
def test_invalid_parameters_raise_value_error_naming_the_value(make, needle: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        make()
    assert needle in str(info.value)


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 3000), batch=st.integers(1, 1000), width=st.integers(1, 40))
def test_sample_shape_and_seed_determinism(n: int, batch: int, width: int) -> None:
    net = ReLUNet(2, width, 1.0, 0.2)
    x = np.zeros((3, 2))
    a = net.sample(x, n, seed=7, batch_size=batch)
    assert a.shape == (n, 3)
    assert torch.equal(a, net.sample(x, n, seed=7, batch_size=batch))


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_bad_seed_is_named(seed: object) -> None:
    with pytest.raises(ValueError, match="seed must be a non-negative integer or None"):
        ErfNet(1, 4).sample([0.0], 10, seed=seed)  # type: ignore[arg-type]


def test_values_do_not_depend_on_the_number_of_workers() -> None:
    net = ErfNet(1, 30, 1.0, 0.5)
    x = np.linspace(-1.0, 1.0, 5)
    one = net.sample(x, 2500, seed=11, batch_size=300)
    assert torch.equal(one, net.sample(x, 2500, seed=11, batch_size=300, workers=2))
    assert not torch.equal(one, net.sample(x, 2500, seed=12, batch_size=300, workers=2))
