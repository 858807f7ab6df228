"""Finding a slice obstruction that the kernel accepts: the first step of every Ribbon-v0 solver.

:func:`find_obstruction` tries the invariants of
:mod:`rigorgym.verifiers.slice_obstructions` from cheap to expensive and
returns the first ``{"op": "invariant", ...}`` move that the kernel's own
``check_obstruction`` accepts, or None. The screening below may use floating
point and shortcuts (one Seifert matrix, one Alexander polynomial for every
test); a candidate counts only once the kernel has recomputed it from the
knot, so a screening error can cost an obstruction, never give a wrong one.

Order, cheap to expensive (docs/results/ribbon-solvers.md, before s was added: on KnotInfo's 12-crossing knots the
whole search takes 0.02 s median, 0.06 s at the 90th percentile for a non-slice knot, 0.04 s median
for a slice knot, which pays for every test): the signature (float
eigenvalues of V + V^T, exact in the kernel), the determinant (|Delta(-1)|
from the Alexander polynomial), Levine-Tristram signatures at prime-power
roots of unity, Fox-Milnor (sympy's factorisation), tau (knot Floer
homology), Rasmussen's s last, on diagrams of more than 13 crossings only
(:data:`S_EQUALS_2TAU_UP_TO`). s is the most expensive test (khoca in a child
process: 0.05 s to start it, 0.14 s median per knot on KnotInfo's knots up to
12 crossings, every slice knot paying it) and for small knots it rarely sees
what tau misses (s = 2 tau for alternating and quasipositive knots); it is
tried once, by the kernel itself, with no screening computation before it.

Levine-Tristram: sigma_omega is constant on each arc of the unit circle
between roots of Delta, and 0 near omega = 1. So the search evaluates it at
one point inside each arc of the upper half circle (the roots come from
numpy), and where it is nonzero picks the prime power ``q`` of least size with
a ``j / q`` well inside that arc; a fixed grid of small prime powers backs
this up in case a root was missed numerically.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from rigorgym.verifiers.diagram import Diagram
from rigorgym.verifiers.slice_obstructions import (
    MAX_ROOT_ORDER,
    Undecided,
    alexander,
    check_obstruction,
    fox_milnor_obstructs,
    is_prime_power,
    seifert_matrix,
    tau,
)

Move = dict[str, Any]

#: Prime powers up to this bound form the fallback grid of Levine-Tristram roots.
GRID_MAX_Q = 16

#: Unit-circle roots of Delta are those within this distance of |t| = 1 (multiple roots scatter ~eps^(1/k)).
ROOT_TOLERANCE = 1e-4

_PRIME_POWERS = [q for q in range(2, MAX_ROOT_ORDER + 1) if is_prime_power(q)]


def _accepted(diagram: Diagram, move: Move) -> bool:
    """Whether the kernel itself accepts ``move`` as an obstruction for ``diagram``."""
    try:
        check_obstruction(diagram, move)
    except (Undecided, ValueError):
        return False
    return True


def _lt_signature(v: np.ndarray, theta: float) -> int | None:
    """sigma_omega at omega = exp(i theta) as the kernel computes it; None where the kernel would be undecided."""
    if v.size == 0:
        return 0
    omega = np.exp(1j * theta)
    h = (1 - omega) * v + (1 - np.conj(omega)) * v.T
    h = (h + h.conj().T) / 2
    eig = np.linalg.eigvalsh(h)
    bound = 1e3 * len(v) * np.finfo(float).eps * max(1.0, float(np.linalg.norm(h)))
    if np.min(np.abs(eig)) <= 10 * bound:  # keep clear of the kernel's own margin
        return None
    return -int(np.sum(eig > 0) - np.sum(eig < 0))


def _unit_circle_angles(coeffs: list[int]) -> list[float]:
    """Angles in (0, pi) of the roots of Delta on the unit circle, sorted."""
    if len(coeffs) < 2:
        return []
    roots = np.roots(list(reversed(coeffs)))
    angles = [float(np.angle(r)) for r in roots if abs(abs(r) - 1) < ROOT_TOLERANCE and np.imag(r) > 0]
    return sorted(angles)


def _root_in_arc(lo: float, hi: float) -> tuple[int, int] | None:
    """The prime power q of least size (and j) with 2 pi j / q in the middle half of the arc (lo, hi]."""
    margin = (hi - lo) / 4
    a, b = lo + margin, (hi - margin if hi < math.pi else math.pi)
    for q in _PRIME_POWERS:
        j = math.ceil(a * q / (2 * math.pi))
        if 0 < j < q and 2 * math.pi * j / q <= b:
            return q, j
    return None


def _lt_candidates(v: np.ndarray, coeffs: list[int]) -> Iterator[tuple[int, int]]:
    """(q, j) worth asking the kernel about: one per arc where sigma_omega != 0, then the small grid."""
    seen: set[tuple[int, int]] = set()
    cuts = [0.0, *_unit_circle_angles(coeffs), math.pi]
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        if hi - lo < 1e-6:
            continue
        if not _lt_signature(v, (lo + hi) / 2):
            continue
        qj = _root_in_arc(lo, hi)
        if qj is not None and qj not in seen:
            seen.add(qj)
            yield qj
    for q in _PRIME_POWERS:
        if q > GRID_MAX_Q:
            break
        for j in range(1, q // 2 + 1):  # sigma at j and q - j agree (complex conjugate forms)
            if (q, j) not in seen and math.gcd(q, j) == 1 and _lt_signature(v, 2 * math.pi * j / q):
                seen.add((q, j))
                yield q, j


def _screened(diagram: Diagram) -> Iterator[Move]:
    """Candidate moves, cheap to expensive; each is only a guess until the kernel accepts it."""
    v = np.array(seifert_matrix(diagram), dtype=float)
    if v.size:
        eig = np.linalg.eigvalsh(v + v.T)
        if int(np.sum(eig > 0) - np.sum(eig < 0)):
            yield {"op": "invariant", "name": "signature"}
    coeffs = alexander(diagram)
    det = abs(sum(c * (-1) ** i for i, c in enumerate(coeffs)))
    if math.isqrt(det) ** 2 != det:
        yield {"op": "invariant", "name": "determinant"}
    if v.size:
        for q, j in _lt_candidates(v, coeffs):
            yield {"op": "invariant", "name": "levine_tristram", "q": q, "j": j}
    if fox_milnor_obstructs(coeffs)[0]:
        yield {"op": "invariant", "name": "fox_milnor"}
    try:
        tau_value = tau(diagram)
    except ValueError:  # knot_floer_homology refuses diagrams with a reducing Reidemeister I move
        tau_value = 0
    if tau_value:
        yield {"op": "invariant", "name": "tau"}
    if len(diagram.pd) > S_EQUALS_2TAU_UP_TO:  # no cheaper guess than the kernel's own computation
        yield {"op": "invariant", "name": "rasmussen"}


#: KnotInfo lists s = 2 tau for every knot of at most 13 crossings (checked against khoca on the 2,977 up to 12),
#: and both are additive under connected sum, so on a diagram this small s obstructs only where tau already
#: did: the search skips it there (0.15 s per slice knot saved).
S_EQUALS_2TAU_UP_TO = 13


def find_obstruction(diagram: Diagram) -> Move | None:
    """The first invariant move that the kernel accepts as proof that the knot is not slice, or None."""
    if not diagram.pd:
        return None  # a crossingless diagram: the unknot, slice
    for move in _screened(diagram):
        if _accepted(diagram, move):
            return move
    return None
