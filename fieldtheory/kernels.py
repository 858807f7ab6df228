"""Exact two-point kernels (NNGP and the cutoff free propagator) and closed-form connected four-point functions.

These are the references every Monte-Carlo estimate is checked against, so they are computed
independently of the samplers: by quadrature (scipy) or in closed form.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import j0, roots_legendre

from ._validate import non_negative, positive, positive_int

#: Area of the unit sphere S^{d-1} for d = 1, 2, 3 (S^0 is two points).
_SPHERE = {1: 2.0, 2: 2.0 * math.pi, 3: 4.0 * math.pi}


def ball_volume(d: int, radius: float) -> float:
    """vol(B_r^d) = π^{d/2} r^d / Γ(d/2 + 1)."""
    return math.pi ** (d / 2) * radius**d / math.gamma(d / 2 + 1)


def _radial_nodes(cutoff: float, r_max: float) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss-Legendre nodes on [0, Λ]: 24 nodes per half period of cos(p r_max), exact to ~1e-13."""
    panels = max(4, math.ceil(cutoff * r_max / math.pi) + 4)
    x, w = roots_legendre(24)
    edges = np.linspace(0.0, cutoff, panels + 1)
    half = np.diff(edges) / 2
    mid = (edges[:-1] + edges[1:]) / 2
    nodes = (mid[:, None] + half[:, None] * x[None, :]).ravel()
    weights = (half[:, None] * w[None, :]).ravel()
    return nodes, weights


def cutoff_propagator(r: np.ndarray | float, d: int, mass: float, cutoff: float, power: int = 1) -> np.ndarray:
    """∫_{|p|<Λ} dᵈp/(2π)ᵈ e^{ip·x} / (p² + m²)^power at |x| = r, for d = 1, 2, 3.

    Radial form: S_{d-1}/(2π)^d ∫_0^Λ p^{d-1} ω_d(pr) / (p²+m²)^k dp with ω_1 = cos, ω_2 = J_0,
    ω_3 = sin(t)/t. ``power = 2`` is the kernel K of the cos-net's connected four-point function.
    """
    if d not in _SPHERE:
        raise ValueError(f"the cutoff propagator is implemented for d = 1, 2, 3, got d = {d!r}")
    mass, cutoff = positive("mass", mass), positive("cutoff", cutoff)
    r = np.abs(np.asarray(r, dtype=np.float64))
    nodes, weights = _radial_nodes(cutoff, float(r.max(initial=0.0)))
    t = r[..., None] * nodes
    if d == 1:
        osc = np.cos(t)
    elif d == 2:
        osc = j0(t)
    else:
        osc = np.sinc(t / math.pi)
    integrand = nodes ** (d - 1) * osc / (nodes**2 + mass**2) ** power
    return _SPHERE[d] / (2 * math.pi) ** d * (integrand @ weights)


def _gram(x: np.ndarray, y: np.ndarray, d: int, sigma_w: float, sigma_b: float) -> np.ndarray:
    """Covariance of the first-layer pre-activations: σ_b² + σ_W² x·y / d."""
    return sigma_b**2 + sigma_w**2 * (x @ y.T) / d


def erf_kernel(x: np.ndarray, y: np.ndarray, sigma_w: float, sigma_b: float) -> np.ndarray:
    """NNGP of the Erf-net (Williams 1997): σ_b² + σ_W² (2/π) arcsin(2Σ_xy / √((1+2Σ_xx)(1+2Σ_yy)))."""
    d = x.shape[1]
    sxy = _gram(x, y, d, sigma_w, sigma_b)
    sxx = np.diag(_gram(x, x, d, sigma_w, sigma_b))
    syy = np.diag(_gram(y, y, d, sigma_w, sigma_b))
    ratio = 2 * sxy / np.sqrt(np.outer(1 + 2 * sxx, 1 + 2 * syy))
    return sigma_b**2 + sigma_w**2 * (2 / math.pi) * np.arcsin(np.clip(ratio, -1.0, 1.0))


def relu_kernel(x: np.ndarray, y: np.ndarray, sigma_w: float, sigma_b: float) -> np.ndarray:
    """NNGP of the ReLU-net (arc-cosine kernel, Cho and Saul 2009): σ_b² + σ_W² √(Σ_xxΣ_yy)(sin θ + (π-θ)cos θ)/(2π)."""
    d = x.shape[1]
    sxy = _gram(x, y, d, sigma_w, sigma_b)
    norms = np.sqrt(np.outer(np.diag(_gram(x, x, d, sigma_w, sigma_b)), np.diag(_gram(y, y, d, sigma_w, sigma_b))))
    cos = np.divide(sxy, norms, out=np.ones_like(sxy), where=norms > 0)
    theta = np.arccos(np.clip(cos, -1.0, 1.0))
    return sigma_b**2 + sigma_w**2 * norms * (np.sin(theta) + (math.pi - theta) * np.cos(theta)) / (2 * math.pi)


def gauss_kernel(x: np.ndarray, y: np.ndarray, sigma_w: float, sigma_b: float) -> np.ndarray:
    """NNGP of the Gauss-net (Halverson, Maiti, Stoner): σ_b² + σ_W² exp(-σ_W² |x-y|² / (2d))."""
    d = x.shape[1]
    sq = np.sum((x[:, None, :] - y[None, :, :]) ** 2, axis=-1)
    return sigma_b**2 + sigma_w**2 * np.exp(-(sigma_w**2) * sq / (2 * d))


def cosnet_connected_4pt(
    x1: np.ndarray, x2: np.ndarray, x3: np.ndarray, x4: np.ndarray, d: int, width: int, mass: float, cutoff: float
) -> np.ndarray:
    """Exact G₄ᶜ of the cos-net at width N (points of shape (..., d)).

    φ is a sum of N i.i.d. neurons ψ = A a cos(b·x+c)/√(b²+m²), so G₄ᶜ = N κ₄(ψ). With E[a⁴] = 3σ_a⁴/N²,
    E_c of four cosines = (1/8) Σ_k cos(b·v_k) over v₁ = x₁+x₂-x₃-x₄, v₂ = x₁-x₂+x₃-x₄, v₃ = x₁-x₂-x₃+x₄,
    and A² = 2 vol(B_Λ)/(σ_a²(2π)^d):
    G₄ᶜ = (1/N) [ 3 vol(B_Λ)/(2(2π)^d) Σ_k K(v_k) - (G₁₂G₃₄ + G₁₃G₂₄ + G₁₄G₂₃) ],
    K the propagator with (p²+m²)² in the denominator. Exactly O(1/N) at every width.
    """
    width = positive_int("width", width)
    pts = [np.asarray(p, dtype=np.float64) for p in (x1, x2, x3, x4)]

    def norm(v: np.ndarray) -> np.ndarray:
        return np.linalg.norm(v, axis=-1)

    def g(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return cutoff_propagator(norm(a - b), d, mass, cutoff)

    a, b, c, e = pts
    quartic = sum(
        cutoff_propagator(norm(v), d, mass, cutoff, power=2) for v in (a + b - c - e, a - b + c - e, a - b - c + e)
    )
    pairs = g(a, b) * g(c, e) + g(a, c) * g(b, e) + g(a, e) * g(b, c)
    return (3 * ball_volume(d, cutoff) / (2 * (2 * math.pi) ** d) * quartic - pairs) / width


def gaussnet_connected_4pt(
    x1: np.ndarray, x2: np.ndarray, x3: np.ndarray, x4: np.ndarray, width: int, sigma_w: float, sigma_b: float
) -> np.ndarray:
    """Exact G₄ᶜ of the Gauss-net at width N (points of shape (..., d)).

    With h(x) = exp(u(x) - v(x)), u Gaussian of variance v(x) = σ_b² + σ_W²|x|²/d, every moment is
    closed form: E[Π_k h(x_k)] = exp(Var(Σ_k u_k)/2 - Σ_k v_k). The output bias is Gaussian and drops out, so
    G₄ᶜ = (σ_W⁴/N) [3 E[h₁h₂h₃h₄] - Σ_pairs E[h_i h_j] E[h_k h_l]] with E[h_i h_j] = exp(-σ_W²|x_i-x_j|²/(2d)).
    """
    width = positive_int("width", width)
    sigma_w, sigma_b = positive("sigma_w", sigma_w), non_negative("sigma_b", sigma_b)
    pts = [np.asarray(p, dtype=np.float64) for p in (x1, x2, x3, x4)]
    d = pts[0].shape[-1]
    total = sum(pts)
    m4 = np.exp(4 * sigma_b**2 + sigma_w**2 * (np.sum(total**2, -1) / 2 - sum(np.sum(p**2, -1) for p in pts)) / d)

    def m2(p: np.ndarray, q: np.ndarray) -> np.ndarray:
        return np.exp(-(sigma_w**2) * np.sum((p - q) ** 2, -1) / (2 * d))

    a, b, c, e = pts
    pairs = m2(a, b) * m2(c, e) + m2(a, c) * m2(b, e) + m2(a, e) * m2(b, c)
    return sigma_w**4 * (3 * m4 - pairs) / width
