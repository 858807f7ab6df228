"""The exact Alexander polynomial of a knot diagram, straight from its PD code.

No spherogram, regina, snappy or sympy: integers and numpy ``int64`` only, no
floating point anywhere, so the kernel can decide "Alexander polynomial 1" (a
necessary condition for the unknot) on its own.

Input convention (spherogram / KnotTheory PD)
    A crossing ``(a, b, c, d)`` lists its four edge labels counter-clockwise,
    starting from the incoming under-strand: the under strand joins a and c,
    the over strand b and d, whose direction the tuple does not give. Every
    label occurs exactly twice. Orientation comes from walking the knot: leave
    crossing 0 through slot c, arrive at the other slot carrying that label,
    leave through the opposite slot of that crossing, and so on; the walk must
    pass every crossing twice (under and over), else the code has several
    components. Labels need not be consecutive nor increase along the knot.
    The direction a -> c is not relied on either: where the walk runs c -> a
    the crossing is read turned by a half-turn (same under strand, same
    cyclic order), as spherogram reads it. Codes written by rotating a tuple
    to change a crossing (``very_hard_unknots.csv``) need this; regina's
    ``Link.fromPD`` calls them virtual instead. Since the Alexander polynomial
    of a knot does not depend on its orientation, nothing is lost. A code must
    be planar (Euler's formula on its faces, checked). The empty PD code is
    the crossingless unknot, ``(1,)``; so is any one-crossing code (a kink).

The Alexander matrix (Fox calculus on the Wirtinger presentation)
    Walking the knot meets the n crossings as under-passages u_0, ..., u_{n-1}
    (u_0 = crossing 0). Arc k (a Wirtinger generator x_k) is the piece of the
    knot from u_k to u_{k+1}; it is the over-strand of every crossing passed
    on the way. At u_k, with over arc o and sign e = +1 when the over strand
    runs d -> b while the under strand runs a -> c (a right-handed crossing;
    turned by a half-turn when the walk runs c -> a), the relation is
    x_k = x_o^e x_{k-1} x_o^-e; its Fox derivatives, abelianised (x -> t) and
    multiplied by t when e = -1, give row k of the n x n matrix A(t)
    (rows: crossings, columns: arcs)::

        e = +1:  (1 - t) at o,   t at k-1,   -1 at k
        e = -1:  (t - 1) at o,   1 at k-1,   -t at k

    Entries at a repeated index add up. Delta(t) = det of A(t) with the last
    row and column deleted, up to a unit +-t^j. Why the choices do not matter:
    every row sums to 0 (Fox's fundamental formula), so deleting any column
    only changes the sign; the relations satisfy one dependency with unit
    coefficients, so deleting any row changes the minor by a unit; reversing
    the orientation replaces every row by -t times its image under t -> 1/t;
    exchanging e for -e everywhere is the mirror image. Both give
    Delta(1/t), which is a unit times Delta(t) for a knot; scaling a row by
    t or -1 is a unit too.

Reduction to a characteristic polynomial (exact over Z)
    Write M(t) for the (n-1) x (n-1) minor. Every entry is linear in t, so
    M(t) = M(1) + (t - 1) B with B = M'(t) constant, and M(1) has rows
    e_{k-1} - e_k (the incidence matrix of the cycle of arcs): lower
    bidiagonal, diagonal -1, det = (-1)^(n-1), inverse the lower triangle of
    -1's. Hence, with the integer matrix C = M(1)^-1 B = -(row prefix sums
    of B),

        det M(t) = (-1)^(n-1) det(I + uC),  u = t - 1,
        det(I + uC) = sum_j (-1)^j a_{N-j} u^j,  chi_C(x) = sum_i a_i x^i,

    with N = n - 1 and chi_C the characteristic polynomial of C. So
    Q(t) = D(t - 1) with D(u) = det(I + uC) is +-det M(t), and Q(1) = D(0) = 1:
    the normalisation Delta(1) = 1 is automatic.

Modular computation and the proof of exactness
    For each prime p < 2^26: reduce C mod p to Hessenberg form by similarity
    transforms, take its characteristic polynomial by Hessenberg's recurrence,
    form D and Q by a Taylor shift, all mod p in int64 (products stay below
    2^52, sums of at most 2^11 of them below 2^63). The coefficients of Q are
    then recovered by the Chinese remainder theorem as symmetric residues
    modulo P = p_1 ... p_r. This is exact once P > 2 max |q_j|, and::

        max_j |q_j|^2 <= sum_j q_j^2 = mean over |t| = 1 of |det M(t)|^2 <= 6^N

    (Parseval, then Hadamard's inequality row by row: on |t| = 1 a row of
    M(t) has squared norm at most |1 - t|^2 + 1 + 1 <= 6; when o equals k-1 or
    k the entries merge and the squared norm is 2; k-1 = k only when n = 1;
    the deleted column only lowers it).
    So primes are taken until P^2 > 4 * 6^N, about 1.3 bits per crossing.
    A characteristic polynomial mod p needs no invertibility of anything (M(1)
    is unimodular over Z, so no prime is "unlucky"): the answer is a theorem,
    not a probabilistic guess. Finally Delta(t) = t^(-j) Q(t) with j the
    order of vanishing at 0; its coefficients must sum to 1 and read the same
    backwards (Delta(1/t) = t^-deg Delta(t) for a knot) -- both are checked,
    a violation would be a bug here and raises ``RuntimeError``.

Cost: O(n^3) int64 operations per prime (numpy, one vectorised step per
row), about n / 20 + 1 primes: a few milliseconds at 40 crossings, about 0.06 s
at 141 (the Gordian unknot), under 2 s at 360. No numba fast path: the numpy path is already far inside
the time targets, and one path is one thing to trust.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_MAX_CROSSINGS",
    "MalformedPDCode",
    "NotAKnotDiagram",
    "PDCodeError",
    "TooManyCrossings",
    "alexander_polynomial",
    "is_alexander_trivial",
]

#: Larger PD codes are refused before any work (the kernel's diagram limit).
DEFAULT_MAX_CROSSINGS = 400

#: Primes are below this, so a product of two residues is below 2^52.
_PRIME_LIMIT = 1 << 26

_I64 = npt.NDArray[np.int64]


class PDCodeError(ValueError):
    """A PD code this module does not take."""


class MalformedPDCode(PDCodeError):
    """Not a PD code of a planar diagram: bad shape, a label not on exactly two slots, or not planar."""


class NotAKnotDiagram(PDCodeError):
    """A diagram of a link with several components: its Alexander polynomial is a different object."""


class TooManyCrossings(PDCodeError):
    """More crossings than ``max_crossings``: refused before any work."""


def alexander_polynomial(pd: Sequence[Sequence[int]], *, max_crossings: int = DEFAULT_MAX_CROSSINGS) -> tuple[int, ...]:
    """The Alexander polynomial of the knot with PD code ``pd``, exactly.

    Normalised: coefficients from degree 0 up, the coefficient at degree 0
    nonzero, Delta(1) = 1 (so the tuple is a palindrome). The unknot, and the
    empty PD code, give ``(1,)``; the trefoil ``(1, -1, 1)``, the figure-eight
    ``(-1, 3, -1)``. Raises a :class:`PDCodeError` (a ``ValueError``) on input
    that is not a planar diagram of a knot with at most ``max_crossings``
    crossings.
    """
    crossings = _validated(pd, max_crossings)
    n = len(crossings)
    if n == 0:
        return (1,)
    order, over, sign = _walk(crossings)
    _check_planar(crossings)
    c = _reduced_matrix(order, over, sign)
    q = _crt_polynomial(c)
    while q and q[-1] == 0:
        q.pop()
    start = next(i for i, v in enumerate(q) if v != 0)
    coeffs = tuple(q[start:])
    if sum(coeffs) != 1 or coeffs != coeffs[::-1]:
        raise RuntimeError(f"internal check failed: {coeffs} is not a normalised Alexander polynomial")
    return coeffs


def is_alexander_trivial(pd: Sequence[Sequence[int]], *, max_crossings: int = DEFAULT_MAX_CROSSINGS) -> bool:
    """Whether the knot's Alexander polynomial is 1 (true for the unknot; false proves it knotted)."""
    return alexander_polynomial(pd, max_crossings=max_crossings) == (1,)


# --- input ------------------------------------------------------------------------------------------------


def _is_label(v: Any) -> bool:
    # JSON booleans are Python ints; they are not labels.
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _describe(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def _validated(pd: Any, max_crossings: int) -> list[tuple[int, int, int, int]]:
    """Check the shape, the size cap (first, before reading crossings) and that each label occurs twice."""
    if not _is_label(max_crossings) or max_crossings < 0:
        raise ValueError(f"max_crossings must be an integer >= 0, got {_describe(max_crossings)}")
    if not isinstance(pd, (Sequence, np.ndarray)) or isinstance(pd, (str, bytes)):
        raise MalformedPDCode(f"a PD code is a sequence of (a, b, c, d) crossings, got {type(pd).__name__}")
    if len(pd) > max_crossings:
        raise TooManyCrossings(f"{len(pd)} crossings exceed the limit of {max_crossings}")
    crossings: list[tuple[int, int, int, int]] = []
    counts: dict[int, int] = {}
    for i, x in enumerate(pd):
        if isinstance(x, np.ndarray):
            x = x.tolist()
        if not isinstance(x, Sequence) or isinstance(x, (str, bytes)) or len(x) != 4 or not all(map(_is_label, x)):
            raise MalformedPDCode(f"crossing {i} is not 4 integer labels (a, b, c, d): {_describe(x)}")
        a, b, c, d = (int(v) for v in x)
        crossings.append((a, b, c, d))
        for v in (a, b, c, d):
            counts[v] = counts.get(v, 0) + 1
    for v, k in counts.items():
        if k != 2:
            raise MalformedPDCode(f"PD label {v} appears {k} time(s); every edge label must appear exactly twice")
    return crossings


def _partners(crossings: list[tuple[int, int, int, int]]) -> list[int]:
    """Slot 4x + i -> the other slot carrying the same label (the two ends of one edge)."""
    first: dict[int, int] = {}
    partner = [0] * (4 * len(crossings))
    for slot, v in enumerate(v for x in crossings for v in x):
        if v in first:
            partner[slot], partner[first[v]] = first[v], slot
        else:
            first[v] = slot
    return partner


def _walk(crossings: list[tuple[int, int, int, int]]) -> tuple[list[int], list[int], list[int]]:
    """Follow the knot from crossing 0's slot a: under-passage order, over arc and sign of each crossing.

    Arc k starts at the k-th under-passage; ``over[x]`` is the arc passing
    over crossing x. Entering the under strand at slot i and the over strand
    at slot j, ``sign[x]`` is +1 when j = i - 1 (mod 4): for i = 0 the over
    strand runs d -> b, a right-handed crossing. The walk is the orbit of slot
    0 under "cross the crossing, then follow the edge"; it never enters both
    ends of one strand (the half-turn of a crossing would reverse the orbit
    without a fixed point), so it has 2n steps exactly when it is the whole
    diagram.
    """
    n = len(crossings)
    partner = _partners(crossings)
    order: list[int] = []
    over = [-1] * n
    under_slot = [-1] * n
    over_slot = [-1] * n
    slot = 0
    for _ in range(2 * n):
        x, i = divmod(slot, 4)
        if i % 2 == 0:
            order.append(x)
            under_slot[x] = i
        else:
            over[x] = len(order) - 1
            over_slot[x] = i
        slot = partner[4 * x + (i + 2) % 4]
        if slot == 0:
            break
    passages = len(order) + sum(1 for s in over_slot if s >= 0)
    if slot != 0 or passages != 2 * n:
        raise NotAKnotDiagram(
            f"the PD code has more than one component (the strand through crossing 0 closes after {passages} of "
            f"{2 * n} crossing passages); the Alexander polynomial of a link is not computed here"
        )
    sign = [1 if (j - i) % 4 == 3 else -1 for i, j in zip(under_slot, over_slot, strict=True)]
    return order, over, sign


def _check_planar(crossings: list[tuple[int, int, int, int]]) -> None:
    """Euler's formula: a connected 4-valent graph with n vertices is planar iff its rotation has n + 2 faces."""
    n = len(crossings)
    partner = _partners(crossings)
    seen = [False] * (4 * n)
    faces = 0
    for start in range(4 * n):
        if seen[start]:
            continue
        faces += 1
        slot = start
        while not seen[slot]:
            seen[slot] = True
            x, i = divmod(slot, 4)
            slot = partner[4 * x + (i + 1) % 4]
    if faces != n + 2:
        genus = (n + 2 - faces) // 2
        raise MalformedPDCode(f"the PD code is not a planar diagram (it needs a surface of genus {genus})")


# --- the matrix -------------------------------------------------------------------------------------------


def _reduced_matrix(order: list[int], over: list[int], sign: list[int]) -> _I64:
    """C = M(1)^-1 B for the minor M(t) = M(1) + (t - 1) B without arc n-1 and crossing u_{n-1}."""
    n = len(order)
    size = n - 1
    b = np.zeros((size, size), dtype=np.int64)
    for k in range(size):
        x = order[k]
        o = over[x]
        # d/dt of the row: e = +1: -1 at o, +1 at k-1; e = -1: +1 at o, -1 at k.
        entries = ((o, -1), (k - 1, 1)) if sign[x] > 0 else ((o, 1), (k, -1))
        for col, v in entries:
            if 0 <= col < size:
                b[k, col] += v
    result: _I64 = -np.cumsum(b, axis=0, dtype=np.int64)
    return result


# --- modular arithmetic -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _small_primes() -> tuple[int, ...]:
    """Odd primes below 2^13, enough to test numbers below 2^26 by trial division."""
    return tuple(q for q in range(3, 1 << 13, 2) if all(q % r for r in range(3, math.isqrt(q) + 1, 2)))


@cache
def _primes(count: int) -> tuple[int, ...]:
    """The ``count`` largest primes below 2^26, by trial division (deterministic)."""
    found: list[int] = []
    candidate = _PRIME_LIMIT - 1
    while len(found) < count:
        if all(candidate % q for q in _small_primes()):
            found.append(candidate)
        candidate -= 2
    return tuple(found)


def _matvec(a: _I64, v: _I64, p: int) -> _I64:
    """(a @ v) mod p without int64 overflow: partial sums of at most ``chunk`` products."""
    chunk = max(1, ((1 << 63) - 1) // ((p - 1) * (p - 1)) - 1)
    out = np.zeros(a.shape[0], dtype=np.int64)
    for s in range(0, a.shape[1], chunk):
        out = (out + a[:, s : s + chunk] @ v[s : s + chunk]) % p
    return out


def _charpoly_mod(c: _I64, p: int) -> _I64:
    """Coefficients a_0..a_N (a_N = 1) of det(xI - C) mod p: Hessenberg reduction, then Hessenberg's recurrence."""
    h = c % p
    size = h.shape[0]
    for j in range(size - 2):
        nz = np.flatnonzero(h[j + 1 :, j])
        if nz.size == 0:
            continue
        r = j + 1 + int(nz[0])
        if r != j + 1:  # similarity by a transposition
            h[[r, j + 1], :] = h[[j + 1, r], :]
            h[:, [r, j + 1]] = h[:, [j + 1, r]]
        u = h[j + 2 :, j] * pow(int(h[j + 1, j]), -1, p) % p
        if not u.any():
            continue
        # H <- E H E^-1 with E = I - u e_{j+1}^T on rows j+2..: rows first, then column j+1.
        h[j + 2 :, j:] = (h[j + 2 :, j:] - u[:, None] * h[j + 1, j:][None, :]) % p
        h[:, j + 1] = (h[:, j + 1] + _matvec(h[:, j + 2 :], u, p)) % p
    polys = np.zeros((size + 1, size + 1), dtype=np.int64)  # row m: char. poly of the leading m x m block
    polys[0, 0] = 1
    prods = np.zeros(0, dtype=np.int64)  # prods[i-1] = h[i, i-1] h[i+1, i] ... h[m-1, m-2], i = 1..m-1
    for m in range(1, size + 1):
        prev = polys[m - 1]
        cur = np.zeros(size + 1, dtype=np.int64)
        cur[1:] = prev[:-1]
        cur = (cur - int(h[m - 1, m - 1]) * prev) % p
        if m >= 2:
            prods = np.append(prods, 1) * int(h[m - 1, m - 2]) % p
            weights = h[: m - 1, m - 1] * prods % p
            cur = (cur - _matvec(polys[: m - 1].T, weights, p)) % p
        polys[m] = cur
    return polys[size]


def _q_mod(c: _I64, p: int) -> list[int]:
    """Q(t) = det(I + (t - 1) C) mod p, coefficients from degree 0."""
    a = _charpoly_mod(c, p)
    size = a.shape[0] - 1
    d = [int(a[size - j]) if j % 2 == 0 else -int(a[size - j]) for j in range(size + 1)]
    q = np.zeros(size + 1, dtype=np.int64)
    for j in range(size, -1, -1):  # Horner: q <- q (t - 1) + d_j
        shifted = np.zeros(size + 1, dtype=np.int64)
        shifted[1:] = q[:-1]
        q = (shifted - q) % p
        q[0] = (q[0] + d[j]) % p
    return [int(v) for v in q]


def _crt_polynomial(c: _I64) -> list[int]:
    """The integer coefficients of Q: residues modulo enough primes that P^2 > 4 * 6^N (see module docstring)."""
    size = c.shape[0]
    need = 4 * 6**size
    primes = _primes(need.bit_length() // 50 + 1)  # every prime here exceeds 2^25
    if math.prod(primes) ** 2 <= need:
        raise RuntimeError("internal check failed: too few primes for the coefficient bound")
    values: list[int] = []
    modulus = 1
    for p in primes:
        residues = _q_mod(c, p)
        if not values:
            values = residues
        else:
            inv = pow(modulus % p, -1, p)
            values = [v + modulus * ((r - v) * inv % p) for v, r in zip(values, residues, strict=True)]
        modulus *= p
    half = modulus // 2
    return [v - modulus if v > half else v for v in values]
