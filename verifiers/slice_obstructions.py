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
``rasmussen``
    Rasmussen's s from Khovanov homology with Lee's deformation over Q
    (Frobenius algebra Q[X]/(X^2 - 1)): the infinity page of its spectral
    sequence is Q in homological degree 0 and quantum degrees s - 1 and s + 1,
    and |s| <= 2 g4, so s != 0 for a non-slice knot. KnotInfo's sign: the
    right-handed trefoil (signature -2) has s = 2.

tau and s trust a compiled external computation: ``knot_floer_homology``
1.2.2 (Szabo's HFK calculator) and ``khoca`` 1.5 (Lewark's Khovanov homology
calculator), the versions in :data:`TRUSTED_PACKAGES`. With another version
installed these two invariants are undecided, never a verdict. khoca runs in
a child process under a time and memory limit (it writes to standard output
from C++ and allocates freely); its answer is accepted only in the exact
shape Lee's theorem predicts.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import subprocess
import sys
from fractions import Fraction
from functools import cache
from typing import Any, cast

import numpy as np

from .braid import _is_int, describe
from .diagram import Diagram, _deterministic_hashes, _link

INVARIANTS = ("signature", "levine_tristram", "determinant", "fox_milnor", "tau", "rasmussen")

#: The compiled computations the kernel trusts, by invariant: (distribution, the exact version pinned).
TRUSTED_PACKAGES: dict[str, tuple[str, str]] = {
    "tau": ("knot_floer_homology", "1.2.2"),
    "rasmussen": ("khoca", "1.5"),
}

#: Largest prime power q accepted for Levine-Tristram signatures.
MAX_ROOT_ORDER = 10_000

#: Invariants are computed for diagrams of at most this many crossings (a Seifert
#: matrix or knot Floer homology of a larger hostile diagram could take minutes).
MAX_INVARIANT_CROSSINGS = 40

#: tau (knot Floer homology) grows fast: about 2.5 s at 30 crossings, minutes at 60.
MAX_TAU_CROSSINGS = 30

#: s (khoca, in a child process) is computed for diagrams of at most this many crossings. Median / max seconds
#: per s on a 2-core AMD EPYC VM at load average 1.8-4, seeded random planar knot diagrams (8 of each size):
#: 12 crossings 0.12 / 0.14, 16: 0.16 / 0.20, 20: 0.24 / 0.84 (1.1 at higher load), 22: 0.51 / 1.2,
#: 25: 0.45 / 3.0, 28: 4.9 / over 60; KnotInfo's 2,977 knots of at most 12 crossings 0.14 / 1.8 (the child
#: process alone costs about 0.05 s). At 20 a verify stays near a second; the time grows with the diagram's
#: girth, and its tail fast past 25.
MAX_RASMUSSEN_CROSSINGS = 20

#: Wall-clock and address-space limits of the khoca child process (it peaked at 140 MiB resident on the
#: diagrams above); past either, s is undecided.
RASMUSSEN_TIMEOUT_S = 60.0
RASMUSSEN_MEMORY_BYTES = 2 << 30

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


def _reduced_pd(diagram: Diagram) -> list[list[int]]:
    """The PD code after spherogram's Reidemeister I/II reduction, strands labelled 0, 1, ... along the knot."""
    with _deterministic_hashes():
        link = _link(diagram.pd)
        link.simplify("basic")
        return [[int(v) for v in x] for x in link.PD_code()]


def tau(diagram: Diagram) -> int:
    """tau from knot Floer homology, on the diagram after Reidemeister I/II reduction (the program needs no kinks)."""
    import knot_floer_homology

    pd = _reduced_pd(diagram)
    if not pd:
        return 0
    return int(knot_floer_homology.pd_to_hfk(pd)["tau"])


@cache
def _installed_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_trusted(name: str) -> None:
    """Raise Undecided unless the package computing ``name`` is installed at exactly its pinned version."""
    distribution, pinned = TRUSTED_PACKAGES[name]
    installed = _installed_version(distribution)
    if installed != pinned:
        found = f"{installed} is installed" if installed else "it is not installed"
        raise Undecided(f"{name} trusts {distribution}=={pinned} only; {found}")


#: Run as ``python -I -c _KHOCA_CHILD MEMORY_BYTES`` with a PD code (JSON) on stdin; writes khoca's result as JSON.
#: khoca prints from C++ to file descriptor 1, so the answer goes out on a copy of it and fd 1 goes to /dev/null.
#: Arguments of khoca: coefficients Q ("1"), Frobenius algebra X^2 + 0 X - 1 (Lee), root 1 (for reduced homology).
_KHOCA_CHILD = """
import json, os, random, resource, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
out = os.fdopen(os.dup(1), "w")
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
pd = json.load(sys.stdin)
import khoca.khoca as kk
from khoca.bin.pui import PyComplexStack
random.seed(0)
kk.NUM_THREADS = 1
kk.set_options(0, 0)
with PyComplexStack():
    res = kk.run_commandline([None, "1", "-1.0", "1", "pd" + json.dumps(pd), "calc0"], lambda m: None, 0)
json.dump(res, out)
out.close()
"""


def _khoca(pd: list[list[int]]) -> Any:
    """khoca's ``calc0`` result for a PD code in KnotInfo's convention, run in a bounded child process."""
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", _KHOCA_CHILD, str(RASMUSSEN_MEMORY_BYTES)],
            input=json.dumps(pd),
            capture_output=True,
            text=True,
            timeout=RASMUSSEN_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise Undecided(f"khoca ran past {RASMUSSEN_TIMEOUT_S:g} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise Undecided(f"khoca failed (exit status {done.returncode}: {last[:200]})")
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        raise Undecided("khoca's output is not JSON") from None


def _s_from_lee(result: Any) -> int:
    """s from khoca's infinity pages: unreduced Q(0, s - 1) + Q(0, s + 1), reduced Q(0, s); Undecided otherwise."""
    try:
        reduced, unreduced = ([tuple(g) for g in page] for page in result)
        (_, low, _, _), (_, high, _, _) = sorted(unreduced, key=lambda g: g[1])
    except (TypeError, ValueError):
        raise Undecided(f"khoca's Lee homology has an unexpected shape: {str(result)[:200]}") from None
    s = (low + high) // 2
    if sorted(unreduced) != [(0, s - 1, 0, 1), (0, s + 1, 0, 1)] or reduced != [(0, s, 0, 1)] or s % 2:
        raise Undecided(f"khoca's Lee homology is not that of a knot: {str(result)[:200]}")
    return int(s)


def rasmussen(diagram: Diagram) -> int:
    """Rasmussen's s (KnotInfo's sign) by khoca, on the diagram after Reidemeister I/II reduction."""
    pd = _reduced_pd(diagram)
    if len(pd) < 3:
        return 0  # a knot diagram of fewer than 3 crossings is the unknot
    # khoca reads KnotInfo's PD convention: the strands numbered 1, ..., 2n along the knot, each crossing
    # starting at the incoming under-strand; it orients the over-strand by its labels, so check the numbering.
    n = 2 * len(pd)
    for a, b, c, d in pd:
        if c != (a + 1) % n or (d - b) % n not in (1, n - 1):
            raise Undecided("the reduced PD code is not numbered along the knot")
    return _s_from_lee(_khoca([[v + 1 for v in x] for x in pd]))


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
        check_trusted("tau")
        value = tau(diagram)
        if value:
            return f"tau {value} != 0"
        raise ValueError("tau is 0: no obstruction")
    if name == "rasmussen":
        if diagram.crossings > MAX_RASMUSSEN_CROSSINGS:
            raise Undecided(f"rasmussen is computed for diagrams of at most {MAX_RASMUSSEN_CROSSINGS} crossings")
        check_trusted("rasmussen")
        value = rasmussen(diagram)
        if value:
            return f"Rasmussen s {value} != 0"
        raise ValueError("Rasmussen s is 0: no obstruction")
    raise ValueError(f"unknown invariant {describe(name)} (known: {', '.join(INVARIANTS)})")
