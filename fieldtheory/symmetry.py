"""Symmetry checks: a correlator estimated at transformed points must agree with the original within errors.

The two sets of points are evaluated on the *same* networks, so the comparison is paired: the error of
the difference is estimated directly from the per-network differences, which is much smaller than
comparing two independent estimates.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import special_ortho_group

from .ensembles import Ensemble

Transform = Callable[[np.ndarray], np.ndarray]


def translation(shift: object) -> Transform:
    """x -> x + shift."""
    s = np.asarray(shift, dtype=np.float64)
    return lambda x: x + s


def parity() -> Transform:
    """x -> -x."""
    return lambda x: -x


def rotation(d: int, seed: int = 0) -> Transform:
    """x -> R x for a Haar-random R in SO(d)."""
    r = special_ortho_group.rvs(d, random_state=seed) if d > 1 else np.eye(1)
    return lambda x: x @ r.T


def invariance_zscores(
    net: Ensemble, points: object, transform: Transform, n_networks: int, seed: int | None = 0, order: int = 2
) -> np.ndarray:
    """z-scores of ⟨Π φ(g x)⟩ - ⟨Π φ(x)⟩ for every pair i ≤ j: φ(x_i)φ(x_j) (order 2) or φ(x_i)²φ(x_j)² (order 4).

    Paired on the same networks; |z| ≲ 3 everywhere when the ensemble is invariant under g.
    """
    if order not in (2, 4):
        raise ValueError(f"order must be 2 or 4, got {order!r}")
    x = net.points(points)
    p = len(x)
    both = np.concatenate([x, transform(x)])
    s, ss, n = 0.0, 0.0, 0
    iu = np.triu_indices(p)
    for batch in net.batches(both, n_networks, seed):
        phi = batch.double().numpy()
        a, b = phi[:, :p], phi[:, p:]
        if order == 2:
            diff = (b[:, :, None] * b[:, None, :] - a[:, :, None] * a[:, None, :])[:, iu[0], iu[1]]
        else:
            a2, b2 = a * a, b * b
            diff = (b2[:, :, None] * b2[:, None, :] - a2[:, :, None] * a2[:, None, :])[:, iu[0], iu[1]]
        s = s + diff.sum(0)
        ss = ss + (diff * diff).sum(0)
        n += len(diff)
    mean = s / n
    err = np.sqrt(np.maximum(ss / n - mean**2, 1e-300) / n)
    return mean / err
