"""Losses on network metrics: Ricci-flat, Einstein, Perelman's F, and the Ricci-flow loss.

Every loss takes ``metric_fn``, points ``x`` (B, n) and coordinate-measure quadrature weights (B,) (as returned by
``Manifold.sample``/``FlatTorus.grid``), and is differentiable in the parameters ``metric_fn`` closes over.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.func import grad, vmap

from .curvature import MetricFn, ricci_and_scalar

Tensor = torch.Tensor


def _volume_weights(metric_fn: MetricFn, x: Tensor, weights: Tensor) -> tuple[Tensor, Tensor]:
    g = metric_fn(x)
    return g, weights * torch.linalg.det(g).sqrt()


def _norm2(ginv: Tensor, t: Tensor) -> Tensor:
    """|T|²_g = gⁱᵃ gʲᵇ Tᵢⱼ Tₐᵦ per point."""
    return torch.einsum("bia,bjc,bij,bac->b", ginv, ginv, t, t)


def ricci_flat_loss(metric_fn: MetricFn, x: Tensor, weights: Tensor) -> Tensor:
    """Volume average of |Ric|²_g: zero exactly on Ricci-flat metrics."""
    return einstein_loss(metric_fn, x, weights, 0.0)


def einstein_loss(metric_fn: MetricFn, x: Tensor, weights: Tensor, lam: float) -> Tensor:
    """Volume average of |Ric − λg|²_g: zero exactly on Einstein metrics with constant λ."""
    g, dv = _volume_weights(metric_fn, x, weights)
    ric, _ = ricci_and_scalar(metric_fn, x)
    return (dv * _norm2(torch.linalg.inv(g), ric - lam * g)).sum() / dv.sum()


def perelman_f(metric_fn: MetricFn, f_fn: Callable[[Tensor], Tensor], x: Tensor, weights: Tensor) -> Tensor:
    """Perelman's F[g, f] = ∫ (R + |∇f|²_g) e^{−f} dV_g (``f_fn`` maps (B, n) to (B,), pointwise)."""
    g, dv = _volume_weights(metric_fn, x, weights)
    _, scal = ricci_and_scalar(metric_fn, x)
    df = vmap(grad(lambda p: f_fn(p.unsqueeze(0))[0]))(x)
    grad2 = torch.einsum("bi,bij,bj->b", df, torch.linalg.inv(g), df)
    return (dv * (scal + grad2) * torch.exp(-f_fn(x))).sum()


def ricci_flow_loss(metric_fn: MetricFn, x: Tensor, weights: Tensor, ric: Tensor | None = None) -> Tensor:
    """∫ ⟨g, sg(Ric)⟩ dμ with μ the normalised coordinate measure and Ric held fixed (stop-gradient).

    Why: its functional derivative in g is exactly Ric (per unit μ), so gradient descent with learning rate 2·dt
    moves the metric by −2 dt Θ·Ric, one Euler step of the Ricci flow seen through the metric-NTK Θ. (The Ricci
    flow is the gradient flow of Perelman's F only modulo diffeomorphisms, so no plain L² loss has gradient Ric.)
    """
    g = metric_fn(x)
    if ric is None:  # callers that already hold Ric at these points may pass it
        with torch.no_grad():
            ric, _ = ricci_and_scalar(metric_fn, x)
    return (weights / weights.sum() * torch.einsum("bij,bij->b", g, ric.detach())).sum()
