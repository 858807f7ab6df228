"""Christoffel symbols, Riemann, Ricci and scalar curvature of a metric given as a function, by autodiff.

``metric_fn`` maps a batch of points (B, n) to metrics (B, n, n) and must be pointwise (row b of the
output depends on row b of the input only) and written in torch ops, so that ``torch.func`` can take
per-point Jacobians under ``vmap``. Conventions (the round sphere has positive curvature):

    Γᵏᵢⱼ = ½ gᵏˡ (∂ᵢ gⱼₗ + ∂ⱼ gᵢₗ − ∂ₗ gᵢⱼ)
    Rᵖ_σμν = ∂μ Γᵖνσ − ∂ν Γᵖμσ + Γᵖμλ Γˡνσ − Γᵖνλ Γˡμσ,   Rᵢⱼ = Rᵖᵢₚⱼ,   R = gⁱʲ Rᵢⱼ.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.func import jacfwd, vmap

Tensor = torch.Tensor
MetricFn = Callable[[Tensor], Tensor]


def check_metric(g: Tensor, x: Tensor | None = None) -> None:
    """Raise ValueError naming the first point whose matrix is not finite, symmetric and positive definite."""
    if g.ndim != 3 or g.shape[1] != g.shape[2]:
        raise ValueError(f"metric_fn must return (B, n, n) matrices, got shape {tuple(g.shape)}")
    if x is not None and (g.shape[0] != x.shape[0] or g.shape[1] != x.shape[1]):
        raise ValueError(f"metric_fn returned shape {tuple(g.shape)} for points of shape {tuple(x.shape)}")
    g = g.detach()
    tol = 1e-10 if g.dtype == torch.float64 else 1e-5
    scale = 1 + g.abs().amax(dim=(1, 2))

    def where(i: int) -> str:
        at = f" (x = {x[i].detach().tolist()})" if x is not None else ""
        return f"point {i}{at}: {g[i].tolist()}"

    bad = ~torch.isfinite(g).all(dim=(1, 2))
    if bad.any():
        raise ValueError(f"metric_fn returned a non-finite matrix at {where(int(bad.nonzero()[0]))}")
    asym = (g - g.transpose(1, 2)).abs().amax(dim=(1, 2)) > tol * scale
    if asym.any():
        raise ValueError(f"metric_fn returned a non-symmetric matrix at {where(int(asym.nonzero()[0]))}")
    _, info = torch.linalg.cholesky_ex(0.5 * (g + g.transpose(1, 2)))
    if (info != 0).any():
        raise ValueError(
            f"metric_fn returned a matrix that is not positive definite at {where(int((info != 0).nonzero()[0]))}"
        )


def _pointwise(metric_fn: MetricFn) -> MetricFn:
    return lambda p: metric_fn(p.unsqueeze(0))[0]


def _christoffel_point(metric_fn: MetricFn) -> Callable[[Tensor], tuple[Tensor, tuple[Tensor, Tensor]]]:
    """p ↦ (Γ, (Γ, g⁻¹)) at one point; the aux copy lets jacfwd return Γ alongside ∂Γ."""
    g_at = _pointwise(metric_fn)

    def gamma(p: Tensor) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        dg, g = jacfwd(lambda q: (g_at(q), g_at(q)), has_aux=True)(p)  # dg[i, j, k] = ∂ₖ gᵢⱼ
        ginv = torch.linalg.inv(g)
        lowered = dg.permute(2, 0, 1) + dg.permute(0, 2, 1) - dg  # [i, j, m] = ∂ᵢgⱼₘ + ∂ⱼgᵢₘ − ∂ₘgᵢⱼ
        out = 0.5 * torch.einsum("lm,ijm->lij", ginv, lowered)
        return out, (out, ginv)

    return gamma


def _prepare(metric_fn: MetricFn, x: Tensor, validate: bool) -> None:
    if x.ndim != 2:
        raise ValueError(f"points must have shape (B, n), got {tuple(x.shape)}")
    if validate:
        check_metric(metric_fn(x), x)


def christoffel(metric_fn: MetricFn, x: Tensor, validate: bool = True) -> Tensor:
    """Γᵏᵢⱼ at each point: (B, n, n, n) indexed [b, k, i, j]."""
    _prepare(metric_fn, x, validate)
    return vmap(lambda p: _christoffel_point(metric_fn)(p)[0])(x)


def _riemann_point(metric_fn: MetricFn) -> Callable[[Tensor], tuple[Tensor, Tensor]]:
    gamma = _christoffel_point(metric_fn)

    def riem(p: Tensor) -> tuple[Tensor, Tensor]:
        dgamma, (gam, ginv) = jacfwd(gamma, has_aux=True)(p)  # dgamma[r, a, b, m] = ∂ₘ Γʳₐᵦ
        quad = torch.einsum("rml,lns->rsmn", gam, gam)
        out = dgamma.permute(0, 2, 3, 1) - dgamma.permute(0, 2, 1, 3) + quad - quad.transpose(2, 3)
        # out[r, s, m, n] = ∂ₘΓʳₙₛ − ∂ₙΓʳₘₛ + ΓʳₘₗΓˡₙₛ − ΓʳₙₗΓˡₘₛ
        return out, ginv

    return riem


def riemann(metric_fn: MetricFn, x: Tensor, validate: bool = True) -> Tensor:
    """Rᵖ_σμν at each point: (B, n, n, n, n) indexed [b, ρ, σ, μ, ν]."""
    _prepare(metric_fn, x, validate)
    return vmap(lambda p: _riemann_point(metric_fn)(p)[0])(x)


def ricci_and_scalar(metric_fn: MetricFn, x: Tensor, validate: bool = True) -> tuple[Tensor, Tensor]:
    """(Rᵢⱼ (B, n, n), R (B,)) from one pass of second derivatives."""
    _prepare(metric_fn, x, validate)
    riem = _riemann_point(metric_fn)

    def both(p: Tensor) -> tuple[Tensor, Tensor]:
        r, ginv = riem(p)
        ric = torch.einsum("rsrn->sn", r)
        ric = 0.5 * (ric + ric.T)
        return ric, (ginv * ric).sum()

    return vmap(both)(x)


def ricci(metric_fn: MetricFn, x: Tensor, validate: bool = True) -> Tensor:
    """Ricci tensor Rᵢⱼ at each point, (B, n, n)."""
    return ricci_and_scalar(metric_fn, x, validate)[0]


def scalar(metric_fn: MetricFn, x: Tensor, validate: bool = True) -> Tensor:
    """Scalar curvature R = gⁱʲ Rᵢⱼ at each point, (B,)."""
    return ricci_and_scalar(metric_fn, x, validate)[1]


def ricci_loop(metric_fn: MetricFn, x: Tensor) -> Tensor:
    """The same Ricci tensor one point at a time (no vmap): the baseline of the throughput benchmark."""
    riem = _riemann_point(metric_fn)
    return torch.stack([torch.einsum("rsrn->sn", riem(p)[0]) for p in x])
