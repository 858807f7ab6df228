"""Invariants that obstruct sliceness, recomputed by the kernel for a ``not_slice`` claim (docs/design.md §2.2).

Every invariant here vanishes (or is a square, or factors as f(t) f(1/t)) for
a slice knot, so a nonzero value proves the knot is not slice, hence not
ribbon. No Sage: the Seifert matrix comes from spherogram (Collins'
algorithm, pure Python), the Alexander polynomial from regina, the
factorisation from sympy, tau from ``knot_floer_homology``.

Names (the ``invariant`` field of the certificate's one move):

``signature``
    sigma(K) = -sign(V + V^T) (V + V^T is nonsingular for a knot): from
    eigenvalues when all are farther from 0 than a rounding bound, else
    exactly by rational congruence. The minus sign is KnotInfo's convention:
    positive knots have negative signature.
``levine_tristram``
    sigma_omega(K) = -sign((1 - omega) V + (1 - conj omega) V^T) at
    omega = exp(2 pi i j / q), q a prime power, 0 < j < q: zero for slice
    knots (Tristram, Levine). Computed in floating point and accepted only
    when every eigenvalue is farther from 0 than a bound on the rounding
    error, so a near-singular case is "undecided", never a wrong verdict.
``determinant``
    det(K) = |Delta(-1)| (from the Alexander polynomial) is a square for a
    slice knot.
``fox_milnor``
    A slice knot has Delta(t) = f(t) f(1/t) up to units, so every irreducible
    factor equal to its own reciprocal occurs to an even power.
``tau``
    Ozsvath-Szabo's tau from knot Floer homology: |tau| <= slice genus.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, cast

import numpy as np

from .braid import _is_int, describe
from .diagram import Diagram, _deterministic_hashes, _link

INVARIANTS = ("signature", "levine_tristram", "determinant", "fox_milnor", "tau")

#: Largest prime power q accepted for Levine-Tristram signatures.
MAX_ROOT_ORDER = 10_000

#: Invariants are computed for diagrams of at most this many crossings (a Seifert
#: matrix or knot Floer homology of a larger hostile diagram could take minutes).
MAX_INVARIANT_CROSSINGS = 40

#: tau (knot Floer homology) grows fastest: about 2.5 s at 30 crossings, minutes at 60.
MAX_TAU_CROSSINGS = 30

#: The exact (rational) signature runs on matrices of at most this size.
MAX_EXACT_SIZE = 80


class Undecided(ValueError):
    """The invariant could not be computed with certainty here."""


def seifert_matrix(diagram: Diagram) -> list[list[int]]:
    """A Seifert matrix V of the knot (spherogram's Collins algorithm; any Seifert surface will do)."""
    with _deterministic_hashes():
        return [[int(x) for x in row] for row in _link(diagram.pd).seifert_matrix()]


def symmetric_signature(matrix: list[list[int]]) -> int:
    """sign(A) of a symmetric integer matrix, exactly, by symmetric elimination over Q (Sylvester's law)."""
    a = [[Fraction(x) for x in row] for row in matrix]
    positive = negative = 0
    while a:
        n = len(a)
        pivot = next((i for i in range(n) if a[i][i] != 0), None)
        if pivot is None:
            pair = next(((i, j) for i in range(n) for j in range(i + 1, n) if a[i][j] != 0), None)
            if pair is None:
                break  # the rest is zero
            i, j = pair
            # congruence row_i += row_j, col_i += col_j makes a_ii = 2 a_ij != 0
            a[i] = [x + y for x, y in zip(a[i], a[j], strict=True)]
            for row in a:
                row[i] += row[j]
            pivot = i
        p = a[pivot][pivot]
        if p > 0:
            positive += 1
        else:
            negative += 1
        rest = [k for k in range(n) if k != pivot]
        a = [[a[r][c] - a[r][pivot] * a[pivot][c] / p for c in rest] for r in rest]
    return positive - negative


def _symmetrised(v: list[list[int]]) -> list[list[int]]:
    """V + V^T."""
    n = len(v)
    return [[v[i][j] + v[j][i] for j in range(n)] for i in range(n)]


def signature(diagram: Diagram) -> int:
    """-sign(V + V^T): by eigenvalues when they are clearly away from 0, else exactly (small matrices)."""
    sym = _symmetrised(seifert_matrix(diagram))
    try:
        return -_float_signature(np.array(sym, dtype=float))
    except Undecided:
        if len(sym) > MAX_EXACT_SIZE:
            raise
    return -symmetric_signature(sym)


def _float_signature(h: np.ndarray) -> int:
    """sign(h) of a Hermitian matrix from eigenvalues, Undecided if one is within a rounding bound of 0.

    Weyl: rounding moves each eigenvalue by at most about n * eps * ||h||; the
    bound takes a margin of 10^3 on that.
    """
    if h.size == 0:
        return 0
    eig = np.linalg.eigvalsh(h)
    bound = 1e3 * len(h) * np.finfo(float).eps * max(1.0, float(np.linalg.norm(h)))
    if np.min(np.abs(eig)) <= bound:
        raise Undecided(f"an eigenvalue is within {bound:.1e} of 0")
    # numpy's stubs type a sum of booleans as a boolean; it is an integer
    return int(np.sum(eig > 0) - np.sum(eig < 0))  # type: ignore[operator]


def determinant(diagram: Diagram) -> int:
    """det(K) = |Delta(-1)|, from the Alexander polynomial (exact integers)."""
    return abs(cast(int, sum(c * (-1) ** i for i, c in enumerate(alexander(diagram)))))


def is_prime_power(q: int) -> bool:
    if q < 2:
        return False
    p = next((d for d in range(2, math.isqrt(q) + 1) if q % d == 0), q)
    while q % p == 0:
        q //= p
    return q == 1


def levine_tristram(diagram: Diagram, q: int, j: int) -> int:
    """sigma_omega at omega = exp(2 pi i j / q); Undecided if an eigenvalue is within the rounding bound of 0."""
    v = np.array(seifert_matrix(diagram), dtype=float)
    if v.size == 0:
        return 0
    omega = np.exp(2j * np.pi * j / q)
    h = (1 - omega) * v + (1 - np.conj(omega)) * v.T
    try:
        return -_float_signature((h + h.conj().T) / 2)
    except Undecided as exc:
        raise Undecided(f"at omega = exp(2 pi i {j}/{q}): {exc}") from None


def alexander(diagram: Diagram) -> list[int]:
    """Coefficients of the Alexander polynomial (regina), lowest degree first, normalised to Delta(1) > 0."""
    import regina

    if not diagram.pd:
        return [1]
    labels = sorted({v for x in diagram.pd for v in x})
    relabel = {v: i + 1 for i, v in enumerate(labels)}
    link = regina.Link.fromPD([[relabel[v] for v in x] for x in diagram.pd])
    poly = link.alexander()
    coeffs = [int(str(poly[i])) for i in range(poly.degree() + 1)]
    while coeffs and coeffs[0] == 0:
        coeffs.pop(0)
    if sum(coeffs) < 0:
        coeffs = [-c for c in coeffs]
    return coeffs


def fox_milnor_obstructs(coeffs: list[int]) -> tuple[bool, str]:
    """Whether Delta fails Fox-Milnor: a self-reciprocal irreducible factor of odd multiplicity."""
    import sympy

    t = sympy.Symbol("t")
    poly = sympy.Poly(list(reversed(coeffs)), t, domain="ZZ")
    _, factors = sympy.factor_list(poly)
    for factor, power in factors:
        if factor.degree() == 0:
            continue
        coeffs_f = factor.all_coeffs()
        reciprocal = list(reversed(coeffs_f))
        if (reciprocal == coeffs_f or reciprocal == [-c for c in coeffs_f]) and power % 2:
            return True, f"factor {factor.as_expr()} occurs to the power {power}"
    return False, "every self-reciprocal factor occurs to an even power"


def tau(diagram: Diagram) -> int:
    """tau from knot Floer homology, on the diagram after Reidemeister I/II reduction (the program needs no kinks)."""
    import knot_floer_homology

    with _deterministic_hashes():
        link = _link(diagram.pd)
        link.simplify("basic")
        pd = [[int(v) for v in x] for x in link.PD_code()]
    if not pd:
        return 0
    return int(knot_floer_homology.pd_to_hfk(pd)["tau"])


def check_obstruction(diagram: Diagram, move: Any) -> str:
    """Recompute the named invariant; return a sentence if it obstructs sliceness, raise ValueError otherwise."""
    if diagram.crossings > MAX_INVARIANT_CROSSINGS:
        raise Undecided(f"invariants are computed for diagrams of at most {MAX_INVARIANT_CROSSINGS} crossings")
    if not isinstance(move, dict) or move.get("op") != "invariant":
        raise ValueError(f"a not_slice certificate has one move {{'op': 'invariant', ...}}, got {describe(move)}")
    name = move.get("name")
    if name == "signature":
        value = signature(diagram)
        if value:
            return f"signature {value} != 0"
        raise ValueError("the signature is 0: no obstruction")
    if name == "levine_tristram":
        q, j = move.get("q"), move.get("j")
        if not (_is_int(q) and _is_int(j) and 2 <= q <= MAX_ROOT_ORDER and is_prime_power(q) and 0 < j < q):
            raise ValueError(f"levine_tristram needs a prime power q <= {MAX_ROOT_ORDER} and 0 < j < q")
        value = levine_tristram(diagram, q, j)
        if value:
            return f"Levine-Tristram signature at exp(2 pi i {j}/{q}) is {value} != 0"
        raise ValueError(f"the Levine-Tristram signature at exp(2 pi i {j}/{q}) is 0: no obstruction")
    if name == "determinant":
        value = determinant(diagram)
        if math.isqrt(value) ** 2 != value:
            return f"determinant {value} is not a square"
        raise ValueError(f"the determinant {value} is a square: no obstruction")
    if name == "fox_milnor":
        coeffs = alexander(diagram)
        fails, why = fox_milnor_obstructs(coeffs)
        if fails:
            return f"the Alexander polynomial {coeffs} fails Fox-Milnor: {why}"
        raise ValueError(f"the Alexander polynomial passes Fox-Milnor: {why}")
    if name == "tau":
        if diagram.crossings > MAX_TAU_CROSSINGS:
            raise Undecided(f"tau is computed for diagrams of at most {MAX_TAU_CROSSINGS} crossings")
        value = tau(diagram)
        if value:
            return f"tau {value} != 0"
        raise ValueError("tau is 0: no obstruction")
    raise ValueError(f"unknown invariant {describe(name)} (known: {', '.join(INVARIANTS)})")
