"""The compiled candidate lists of Ribbon-PD (numba): :func:`.pd_logic.candidates` on flat arrays.

Why: listing a diagram's R3 moves, fingers and bands walks every face and pairs up its edges; in Python
that was most of a step (~0.5 ms on 30 crossings). Here it is one compiled call that writes the lists
straight into the observation's arrays. The Python :func:`.pd_logic.candidates` stays the reference:
``tests/test_ribbon_pd_env.py`` checks both give the same lists, in the same order, on random diagrams.
Only the lists are compiled; every move is still played by the plain kernel.

Inputs are the canonical diagram's ``labels``, ``out`` and ``other`` (:class:`~rigorgym.verifiers.pd.PD`)
as int32 arrays; side 0 = left, 1 = right.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from rigorgym.verifiers.pd import PD

from .pd_logic import Candidates


@njit(cache=True)
def _components(other, comp) -> int:
    """``comp[p]``: the component through position ``p`` (first-appearance order); returns the count."""
    size = other.shape[0]
    comp[:size] = -1
    count = 0
    for start in range(size):
        if comp[start] >= 0:
            continue
        x = start
        while comp[x] < 0:
            comp[x] = count
            comp[other[x]] = count
            x = other[x] ^ 2
        count += 1
    return count


@njit(cache=True)
def fill(labels, out, other, max_r3, max_fingers, max_bands, h_max, r3, fingers, bands, scratch):
    """Write the lists into ``r3``/``fingers``/``bands``; return (can_reduce, n_r3, n_fingers, n_bands, components).

    ``scratch``: int32 work space of at least ``3 * len(labels)`` entries."""
    size = labels.shape[0]
    comp = scratch[:size]
    order = scratch[size : 2 * size]  # the darts face by face
    seen = scratch[2 * size : 3 * size]
    n_comp = _components(other, comp) if size else 0
    can_reduce = False
    for i in range(size // 4):
        for s in range(4):
            if labels[4 * i + s] == labels[4 * i + ((s + 1) & 3)]:
                can_reduce = True
    seen[:size] = 0
    n_r3 = 0
    n_f = 0
    n_b = 0
    k = 0
    for p in range(size):
        if seen[p]:
            continue
        lo = k
        x = p
        while not seen[x]:
            seen[x] = 1
            order[k] = x
            k += 1
            q = other[x]
            x = (q & ~3) | ((q + 1) & 3)
        m = k - lo
        if m == 2 and not can_reduce:
            a = order[lo]
            b = order[lo + 1]
            if a >> 2 != b >> 2 and (a & 1) == (other[a] & 1):
                can_reduce = True
        if m == 3 and n_r3 < max_r3:
            a = order[lo]
            b = order[lo + 1]
            c = order[lo + 2]
            if a >> 2 != b >> 2 and a >> 2 != c >> 2 and b >> 2 != c >> 2:
                if (a & 1 and other[a] & 1) or (b & 1 and other[b] & 1) or (c & 1 and other[c] & 1):
                    r3[n_r3, 0] = labels[a]
                    r3[n_r3, 1] = out[a]
                    n_r3 += 1
        if n_f < max_fingers:
            for i in range(lo, k):
                e = labels[order[i]]
                for j in range(lo, k):
                    f = labels[order[j]]
                    if e != f and n_f < max_fingers:
                        fingers[n_f, 0] = e
                        fingers[n_f, 1] = out[order[i]]
                        fingers[n_f, 2] = f
                        fingers[n_f, 3] = out[order[j]]
                        n_f += 1
        if n_b < max_bands:
            for i in range(lo, k):
                pi = order[i]
                e = labels[pi]
                s = out[pi]
                for j in range(i + 1, k):
                    pj = order[j]
                    f = labels[pj]
                    t = out[pj]
                    if e == f or comp[pi] != comp[pj]:
                        continue
                    parity = 0 if s == t else 1
                    for h in range(-h_max, h_max + 1):
                        if (h & 1) == parity and n_b < max_bands:
                            bands[n_b, 0] = e
                            bands[n_b, 1] = s
                            bands[n_b, 2] = f
                            bands[n_b, 3] = t
                            bands[n_b, 4] = h
                            n_b += 1
    return can_reduce, n_r3, n_f, n_b, n_comp


def arrays(d: PD) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``labels``, ``out``, ``other`` of ``d`` as int32 arrays (the inputs of :func:`fill`)."""
    return (
        np.asarray(d.labels, np.int32),
        np.asarray(d.out, np.int32),
        np.asarray(d.other, np.int32),
    )


def candidates(d: PD, max_r3: int, max_fingers: int, max_bands: int, max_half_twists: int) -> Candidates:
    """The compiled twin of :func:`.pd_logic.candidates` as the same :class:`Candidates` (for tests)."""
    labels, out, other = arrays(d)
    r3 = np.zeros((max(max_r3, 1), 2), np.int64)
    fingers = np.zeros((max(max_fingers, 1), 4), np.int64)
    bands = np.zeros((max(max_bands, 1), 5), np.int64)
    scratch = np.zeros(3 * len(labels) + 1, np.int32)
    can_reduce, n3, nf, nb, _ = fill(
        labels, out, other, max_r3, max_fingers, max_bands if d.crossings else 0, max_half_twists,
        r3, fingers, bands, scratch,
    )  # fmt: skip
    return Candidates(
        bool(can_reduce),
        [tuple(int(v) for v in row) for row in r3[:n3]],  # type: ignore[misc]
        [tuple(int(v) for v in row) for row in fingers[:nf]],  # type: ignore[misc]
        [tuple(int(v) for v in row) for row in bands[:nb]],  # type: ignore[misc]
    )
