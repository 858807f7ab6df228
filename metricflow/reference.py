"""Reference solvers of the Ricci flow ∂ₜg = −2 Ric that the network flows are checked against.

* T², conformal g = w(x)·δ: in 2D Ric = ½R g and R = −Δ₀ log w / w, so ∂ₜw = Δ₀ log w (Fourier pseudo-spectral).
* Tⁿ, any metric, Ricci–DeTurck flow ∂ₜg = −2Ric + L_W g, Wᵏ = gⁱʲΓᵏᵢⱼ (flat background): strictly parabolic,
  linearised about δ it is ∂ₜh = Δh, so each Fourier mode decays as e^{−|k|²t}.
* S², g = e^{2u} g_round with u axisymmetric: uₜ = e^{−2u}(Δ_round u − 1) (Legendre–Gauss collocation). The round
  solution is e^{2u} = 1 − 2t; degree-l perturbations of u evolve as (1 − 2t)^{(l(l+1)−2)/2} to first order.
* Sⁿ (any chart metric g₀ that is Einstein): g = c(t) g₀ with c′ = −2⟨Ric[c g₀], g₀⟩/⟨g₀, g₀⟩, Ric by autodiff.
* Perelman's F along the coupled flow on T²: u = e^{−f} solves the conjugate heat equation backwards in time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy.integrate import solve_ivp

from .curvature import ricci
from .manifolds import Manifold

Array = np.ndarray


def wavenumbers(points: int, dim: int, length: float = 2 * math.pi) -> list[Array]:
    """Angular wavenumbers along each axis, broadcastable against a (points,)*dim grid."""
    k = np.fft.fftfreq(points, d=length / points) * 2 * math.pi
    return [k.reshape([-1 if a == i else 1 for a in range(dim)]) for i in range(dim)]


def spectral_derivative(f: Array, axis: int, dim: int, length: float = 2 * math.pi) -> Array:
    """∂f/∂x_axis of a periodic grid function whose first ``dim`` axes are the grid."""
    k = wavenumbers(f.shape[0], dim, length)[axis]
    k = k.reshape(k.shape + (1,) * (f.ndim - dim))
    if f.shape[0] % 2 == 0:  # the Nyquist mode has no odd derivative
        k = np.where(np.abs(k) == np.abs(k).max(), 0.0, k)
    axes = tuple(range(dim))
    return np.real(np.fft.ifftn(1j * k * np.fft.fftn(f, axes=axes), axes=axes))


def laplacian(f: Array, dim: int = 2, length: float = 2 * math.pi) -> Array:
    ks = wavenumbers(f.shape[0], dim, length)
    k2 = sum(k**2 for k in ks)
    k2 = k2.reshape(k2.shape + (1,) * (f.ndim - dim))
    axes = tuple(range(dim))
    return np.real(np.fft.ifftn(-k2 * np.fft.fftn(f, axes=axes), axes=axes))


@dataclass
class Solution:
    """Times (T,) and states (T, ...) of a reference flow."""

    t: Array
    y: Array


def torus_conformal_flow(w0: Array, times: Array, length: float = 2 * math.pi, rtol: float = 1e-10) -> Solution:
    """Ricci flow of g = w·δ on T² as ∂ₜw = Δ₀ log w; ``w0`` is (M, M) on the uniform grid."""
    shape = w0.shape
    if np.any(w0 <= 0):
        raise ValueError(f"the conformal factor must be positive, minimum is {w0.min()}")

    def rhs(_: float, y: Array) -> Array:
        return laplacian(np.log(y.reshape(shape)), 2, length).ravel()

    sol = solve_ivp(rhs, (0.0, float(times[-1])), w0.ravel(), t_eval=times, method="DOP853", rtol=rtol, atol=1e-12)
    return Solution(sol.t, sol.y.T.reshape(len(sol.t), *shape))


def grid_christoffel(g: Array, length: float = 2 * math.pi) -> tuple[Array, Array]:
    """(Γᵏᵢⱼ [.., k, i, j], g⁻¹) of a grid metric (*grid, n, n) by spectral derivatives."""
    n = g.shape[-1]
    dg = np.stack([spectral_derivative(g, a, n, length) for a in range(n)], axis=-1)  # [.., i, j, k] = ∂ₖgᵢⱼ
    ginv = np.linalg.inv(g)
    lowered = np.einsum("...jmi->...ijm", dg) + np.einsum("...imj->...ijm", dg) - dg
    return 0.5 * np.einsum("...lm,...ijm->...lij", ginv, lowered), ginv


def grid_ricci(g: Array, length: float = 2 * math.pi) -> Array:
    """Rᵢⱼ = ∂ₖΓᵏᵢⱼ − ∂ⱼΓᵏᵢₖ + ΓᵏₖₗΓˡᵢⱼ − ΓᵏⱼₗΓˡᵢₖ of a grid metric (*grid, n, n)."""
    n = g.shape[-1]
    gam, _ = grid_christoffel(g, length)
    dgam = np.stack([spectral_derivative(gam, a, n, length) for a in range(n)], axis=-1)  # [.., k, i, j, m]
    div = np.einsum("...kijk->...ij", dgam)
    trace = np.einsum("...kik->...i", gam)
    dtrace = np.stack([spectral_derivative(trace, a, n, length) for a in range(n)], axis=-1)  # [.., i, j]
    quad = np.einsum("...kkl,...lij->...ij", gam, gam) - np.einsum("...kjl,...lik->...ij", gam, gam)
    ric = div - dtrace + quad
    return 0.5 * (ric + np.swapaxes(ric, -1, -2))


def deturck_rhs(g: Array, length: float = 2 * math.pi) -> Array:
    """−2Ric + L_W g with Wᵏ = gⁱʲΓᵏᵢⱼ (flat background connection) for a grid metric (*grid, n, n)."""
    n = g.shape[-1]
    gam, ginv = grid_christoffel(g, length)
    w = np.einsum("...ij,...kij->...k", ginv, gam)
    dw = np.stack([spectral_derivative(w, a, n, length) for a in range(n)], axis=-1)  # [.., k, i] = ∂ᵢWᵏ
    dg = np.stack([spectral_derivative(g, a, n, length) for a in range(n)], axis=-1)
    lie = np.einsum("...k,...ijk->...ij", w, dg) + np.einsum("...kj,...ki->...ij", g, dw)
    lie = lie + np.einsum("...ik,...kj->...ij", g, dw)
    return -2 * grid_ricci(g, length) + lie


def torus_deturck_flow(g0: Array, times: Array, length: float = 2 * math.pi, rtol: float = 1e-9) -> Solution:
    """Ricci–DeTurck flow on Tⁿ of a grid metric g0 (*grid, n, n)."""
    shape = g0.shape

    def rhs(_: float, y: Array) -> Array:
        return deturck_rhs(y.reshape(shape), length).ravel()

    sol = solve_ivp(rhs, (0.0, float(times[-1])), g0.ravel(), t_eval=times, method="DOP853", rtol=rtol, atol=1e-12)
    return Solution(sol.t, sol.y.T.reshape(len(sol.t), *shape))


class ZonalSphere:
    """Axisymmetric functions on the round S² at ``nodes`` Gauss–Legendre points μ = cos θ, with Δ exact on Pₗ."""

    def __init__(self, nodes: int = 32) -> None:
        self.mu, self.quad = np.polynomial.legendre.leggauss(nodes)
        self.vander = np.polynomial.legendre.legvander(self.mu, nodes - 1)  # [j, l] = Pₗ(μⱼ)
        self.to_coef = np.linalg.inv(self.vander)
        degree = np.arange(nodes)
        self.lap = self.vander @ np.diag(-degree * (degree + 1.0)) @ self.to_coef

    def coefficients(self, u: Array) -> Array:
        """Legendre coefficients cₗ of u = Σ cₗ Pₗ(μ)."""
        return self.to_coef @ u

    def flow(self, u0: Array, times: Array, rtol: float = 1e-10) -> Solution:
        """uₜ = e^{−2u}(Δu − 1): the Ricci flow of e^{2u} g_round."""

        def rhs(_: float, u: Array) -> Array:
            return np.exp(-2 * u) * (self.lap @ u - 1)

        def jac(_: float, u: Array) -> Array:
            e = np.exp(-2 * u)
            return e[:, None] * self.lap - np.diag(2 * e * (self.lap @ u - 1))

        sol = solve_ivp(rhs, (0.0, float(times[-1])), u0, t_eval=times, method="Radau", jac=jac, rtol=rtol, atol=1e-13)
        return Solution(sol.t, sol.y.T)


def scale_flow(manifold: Manifold, times: Array, points: int = 16, seed: int = 0) -> Solution:
    """c(t) with g = c g₀ under the Ricci flow: c′ = −2⟨Ric[c g₀], g₀⟩/⟨g₀, g₀⟩ at sampled points (exact if g₀ is Einstein)."""
    x, _ = manifold.sample(points, seed)
    g0 = manifold.metric(x)

    def rhs(_: float, c: Array) -> Array:
        ric = ricci(lambda p: float(c[0]) * manifold.metric(p), x)
        return np.array([float(-2 * (ric * g0).sum() / (g0 * g0).sum())])

    sol = solve_ivp(rhs, (0.0, float(times[-1])), np.array([1.0]), t_eval=times, method="DOP853", rtol=1e-12)
    return Solution(sol.t, sol.y[0])


def torus_scalar(w: Array, length: float = 2 * math.pi) -> Array:
    """R = −Δ₀ log w / w for g = w·δ on T²."""
    return -laplacian(np.log(w), 2, length) / w


def perelman_along_flow(
    w0: Array, v_final: Array, times: Array, length: float = 2 * math.pi, rtol: float = 1e-10
) -> tuple[Array, Array, Array]:
    """F(t) = ∫(R + |∇f|²_g) e^{−f} dV along the coupled flow on T²; returns (times, F, mass ∫e^{−f}dV).

    g = w δ solves the Ricci flow forwards; v = e^{−f} √det g (density in dx) solves the conjugate heat equation
    ∂ₜv = −Δ₀(v/w) backwards from ``v_final`` at the last time. Perelman: dF/dt = 2∫|Ric + Hess f|² e^{−f}dV ≥ 0.
    """
    shape = w0.shape
    cell = (length / shape[0]) ** 2
    end = float(times[-1])
    forward = solve_ivp(
        lambda _, y: laplacian(np.log(y.reshape(shape)), 2, length).ravel(),
        (0.0, end),
        w0.ravel(),
        method="DOP853",
        rtol=rtol,
        atol=1e-12,
        dense_output=True,
    )

    def w_at(t: float) -> Array:
        return forward.sol(t).reshape(shape)

    backward = solve_ivp(
        lambda tau, y: laplacian(y.reshape(shape) / w_at(end - tau), 2, length).ravel(),
        (0.0, end),
        v_final.ravel() / (v_final.sum() * cell),
        t_eval=end - times[::-1],
        method="DOP853",
        rtol=rtol,
        atol=1e-14,
    )
    values, masses = [], []
    for t, v in zip(times, backward.y.T[::-1], strict=True):
        w, v = w_at(float(t)), v.reshape(shape)
        f = -np.log(v / w)
        grad2 = sum(spectral_derivative(f, a, 2, length) ** 2 for a in range(2))
        values.append(float(((torus_scalar(w, length) + grad2 / w) * v).sum() * cell))
        masses.append(float(v.sum() * cell))
    return np.asarray(times), np.asarray(values), np.asarray(masses)


def torch_grid(points: int, length: float = 2 * math.pi) -> torch.Tensor:
    """The (points², 2) C-ordered grid that matches numpy (points, points) arrays here."""
    axis = torch.arange(points, dtype=torch.float64) * (length / points)
    a, b = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([a.reshape(-1), b.reshape(-1)], -1)
