"""Estimators of n-point and connected correlators with standard errors, streaming over sample batches.

All ensembles here have ⟨φ⟩ = 0 exactly (the last-layer weights are symmetric), so the connected
four-point function is the full one minus its three Wick pairings. Standard errors of the connected
function come from the delta method on the means of the per-network products, which is exact to O(1/M).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

#: The 7 per-network statistics of a quadruple (i, j, k, l): φiφjφkφl and the six pair products.
_PAIRS = ((0, 1), (2, 3), (0, 2), (1, 3), (0, 3), (1, 2))


@dataclass(frozen=True)
class Estimate:
    """A Monte-Carlo estimate with its standard error (same shape)."""

    value: np.ndarray
    stderr: np.ndarray

    def zscore(self, exact: np.ndarray | float) -> np.ndarray:
        """(estimate - exact) / stderr."""
        return (self.value - np.asarray(exact)) / self.stderr


def _as_array(batch: torch.Tensor | np.ndarray) -> np.ndarray:
    if isinstance(batch, torch.Tensor):
        batch = batch.detach().cpu().numpy()
    arr = np.asarray(batch, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"samples must have shape (n_networks, n_points), got shape {arr.shape}")
    return arr


class CorrelatorAccumulator:
    """Running sums for two-point and connected four-point estimates over any number of batches.

    ``quads`` lists point-index quadruples (i, j, k, l) whose connected function is wanted.
    """

    def __init__(self, n_points: int, quads: Sequence[Sequence[int]] = ()):
        self.n_points = n_points
        self.quads = np.asarray(quads, dtype=np.int64).reshape(-1, 4)
        if self.quads.size and (self.quads.min() < 0 or self.quads.max() >= n_points):
            raise ValueError(f"quads index points 0..{n_points - 1}, got {self.quads.tolist()}")
        self.count = 0
        self.s1 = np.zeros(n_points)
        self.s2 = np.zeros((n_points, n_points))
        self.s22 = np.zeros((n_points, n_points))
        self.y = np.zeros((len(self.quads), 7))
        self.yy = np.zeros((len(self.quads), 7, 7))

    def update(self, batch: torch.Tensor | np.ndarray) -> CorrelatorAccumulator:
        phi = _as_array(batch)
        if phi.shape[1] != self.n_points:
            raise ValueError(f"batch has {phi.shape[1]} points, the accumulator {self.n_points}")
        self.count += len(phi)
        self.s1 += phi.sum(0)
        prod = phi[:, :, None] * phi[:, None, :]
        self.s2 += prod.sum(0)
        self.s22 += (prod * prod).sum(0)
        for q, quad in enumerate(self.quads):
            cols = [np.prod(phi[:, quad], axis=1)]
            cols += [phi[:, quad[a]] * phi[:, quad[b]] for a, b in _PAIRS]
            y = np.stack(cols, 1)
            self.y[q] += y.sum(0)
            self.yy[q] += y.T @ y
        return self

    def mean(self) -> Estimate:
        """⟨φ(x_i)⟩ (zero in theory); the standard error uses ⟨φ²⟩."""
        m = self.s1 / self.count
        var = np.diag(self.s2) / self.count - m**2
        return Estimate(m, np.sqrt(var / self.count))

    def two_point(self) -> Estimate:
        """⟨φ(x_i)φ(x_j)⟩, shape (P, P)."""
        m = self.s2 / self.count
        var = np.maximum(self.s22 / self.count - m**2, 0.0)
        return Estimate(m, np.sqrt(var / self.count))

    def connected_four_point(self) -> Estimate:
        """G₄ᶜ for each quadruple, shape (Q,): delta-method error of m₀ - m₁m₂ - m₃m₄ - m₅m₆."""
        n = self.count
        m = self.y / n
        cov = self.yy / n - m[:, :, None] * m[:, None, :]
        value = m[:, 0] - m[:, 1] * m[:, 2] - m[:, 3] * m[:, 4] - m[:, 5] * m[:, 6]
        grad = np.stack([np.ones(len(m)), -m[:, 2], -m[:, 1], -m[:, 4], -m[:, 3], -m[:, 6], -m[:, 5]], 1)
        var = np.einsum("qa,qab,qb->q", grad, cov, grad)
        return Estimate(value, np.sqrt(np.maximum(var, 0.0) / n))


def accumulate(
    batches: Iterable[torch.Tensor], n_points: int, quads: Sequence[Sequence[int]] = ()
) -> CorrelatorAccumulator:
    """Feed every batch of a sampler into one accumulator."""
    acc = CorrelatorAccumulator(n_points, quads)
    for batch in batches:
        acc.update(batch)
    return acc


def two_point(samples: torch.Tensor | np.ndarray) -> Estimate:
    """⟨φ(x_i)φ(x_j)⟩ with standard errors from samples of shape (n_networks, n_points)."""
    phi = _as_array(samples)
    return CorrelatorAccumulator(phi.shape[1]).update(phi).two_point()


def n_point(samples: torch.Tensor | np.ndarray, idx: Sequence[int]) -> Estimate:
    """⟨Π_k φ(x_{idx_k})⟩ (an n-point function, indices may repeat) with its standard error."""
    phi = _as_array(samples)
    prod = np.prod(phi[:, list(idx)], axis=1)
    return Estimate(np.asarray(prod.mean()), np.asarray(prod.std(ddof=1) / np.sqrt(len(prod))))


def connected_four_point(samples: torch.Tensor | np.ndarray, quads: Sequence[Sequence[int]]) -> Estimate:
    """G₄ᶜ(x_i, x_j, x_k, x_l) = G₄ - G₂G₂ - G₂G₂ - G₂G₂ for each quadruple, with standard errors."""
    phi = _as_array(samples)
    return CorrelatorAccumulator(phi.shape[1], quads).update(phi).connected_four_point()


def loglog_slope(widths: Sequence[float], values: Sequence[float], stderr: Sequence[float]) -> tuple[float, float]:
    """Weighted least-squares slope of log|G| against log N (weights 1/σ_log, σ_log = σ/G) and its standard error."""
    x, y, s = np.log(np.asarray(widths, float)), np.asarray(values, float), np.asarray(stderr, float)
    if np.any(y <= 0):
        raise ValueError(f"log-log fit needs positive values, got {y.tolist()}")
    coef, cov = np.polyfit(x, np.log(y), 1, w=y / s, cov="unscaled")
    return float(coef[0]), float(np.sqrt(cov[0, 0]))


def pooled_coincident_cumulant(batches: Iterable[torch.Tensor | np.ndarray]) -> Estimate:
    """G₄ᶜ(x,x,x,x) = ⟨φ⁴⟩ - 3⟨φ²⟩² of a translation-invariant field, pooled over the sampled points.

    Translation invariance makes every point's single-site distribution the same, so the per-network
    averages over points, Y = (mean φ⁴, mean φ²), estimate one κ₄ with less noise; the error is the delta
    method on g(m) = m₀ - 3m₁², which accounts for the correlation between the points of one network.
    """
    n, s, ss = 0, np.zeros(2), np.zeros((2, 2))
    for batch in batches:
        phi = _as_array(batch)
        sq = phi * phi
        y = np.stack([(sq * sq).mean(1), sq.mean(1)], 1)
        n += len(y)
        s += y.sum(0)
        ss += y.T @ y
    m = s / n
    cov = ss / n - np.outer(m, m)
    grad = np.array([1.0, -6 * m[1]])
    return Estimate(np.asarray(m[0] - 3 * m[1] ** 2), np.asarray(np.sqrt(max(grad @ cov @ grad, 0.0) / n)))
