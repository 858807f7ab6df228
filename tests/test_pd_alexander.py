"""The kernel's exact Alexander polynomial from PD codes (``verifiers/pd_alexander.py``) against independent code.

* fixed knots (trefoils, figure-eight, 5_1, 5_2) and unknot diagrams (empty,
  kinks, braid closures with R1/R2 pairs, a trefoil with a crossing changed);
* KnotInfo's own ``alexander_polynomial`` column for every knot of at most 10
  crossings (``database_knotinfo``, KnotInfo's PD codes);
* regina's ``Link.alexander()`` on seeded random knots of 5 to 40 crossings
  (``spherogram.random_link``, unsimplified), and on larger ones (slow);
* the classification of ``very_hard_unknots.csv`` (all 385 rows), the kernel's
  regina path (``slice_obstructions.alexander``, via spherogram) on its rows,
  and ``hard_unknots_50.jsonl`` (all unknots);
* invariances: relabelling edges, permuting crossings, a half-turn of a
  crossing tuple, mirror images; the Gordian unknot; input validation; the
  modular building blocks against plain integer arithmetic.
"""

from __future__ import annotations

import ast
import csv
import json
import random
import time
from collections.abc import Sequence
from fractions import Fraction
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import regina
import spherogram
from rigorgym.verifiers import pd_alexander as pa
from rigorgym.verifiers.pd_alexander import (
    MalformedPDCode,
    NotAKnotDiagram,
    PDCodeError,
    TooManyCrossings,
    alexander_polynomial,
    is_alexander_trivial,
)

SOURCES = Path(__file__).resolve().parents[1] / "envs" / "suites" / "data" / "sources"

PD = list[tuple[int, int, int, int]]

TREFOIL = [(1, 5, 2, 4), (3, 1, 4, 6), (5, 3, 6, 2)]  # KnotTheory's 3_1
TREFOIL_MIRROR = [(1, 4, 2, 5), (3, 6, 4, 1), (5, 2, 6, 3)]
FIGURE_EIGHT = [(4, 2, 5, 1), (8, 6, 1, 5), (6, 3, 7, 4), (2, 7, 3, 8)]  # KnotTheory's 4_1
FIVE_ONE = [(4, 0, 5, 9), (0, 6, 1, 5), (6, 2, 7, 1), (2, 8, 3, 7), (8, 4, 9, 3)]  # spherogram's K5a2
FIVE_TWO = [(2, 0, 3, 9), (0, 6, 1, 5), (6, 2, 7, 1), (8, 4, 9, 3), (4, 8, 5, 7)]  # spherogram's K5a1

# Unknot diagrams: spherogram's PD codes of braid closures (checked there: one component, pi_1 = Z).
UNKNOTS: dict[str, PD] = {
    "empty": [],
    "kink": [(1, 1, 2, 2)],
    "other kink": [(1, 2, 2, 1)],
    "s1 s2 s3": [(3, 3, 4, 2), (4, 2, 5, 1), (5, 1, 0, 0)],
    "R2 pair": [(5, 5, 6, 4), (6, 2, 7, 1), (2, 0, 3, 7), (3, 0, 4, 1)],
    "s1 s2^-1 s3 s4^-1 s3^-1 s3": [
        (3, 3, 4, 2),
        (1, 4, 2, 5),
        (5, 11, 6, 10),
        (7, 6, 8, 7),
        (8, 11, 9, 0),
        (9, 1, 10, 0),
    ],
    "s1 s1 s1^-1 s2 s2^-1 s2": [(4, 2, 5, 1), (2, 6, 3, 5), (3, 6, 4, 7), (7, 11, 8, 10), (8, 11, 9, 0), (9, 1, 10, 0)],
    # the trefoil with crossing 0 changed (its tuple rotated by one place)
    "changed trefoil": [(5, 2, 4, 1), (3, 1, 4, 6), (5, 3, 6, 2)],
}


def regina_alexander(pd: Sequence[Sequence[int]]) -> tuple[int, ...]:
    """regina's Alexander polynomial, normalised like ours (labels renumbered 1..2n for regina)."""
    if not pd:
        return (1,)
    labels = sorted({v for x in pd for v in x})
    relabel = {v: i + 1 for i, v in enumerate(labels)}
    poly = regina.Link.fromPD([[relabel[v] for v in x] for x in pd]).alexander()
    coeffs = [int(str(poly[i])) for i in range(poly.degree() + 1)]
    while coeffs[0] == 0:
        coeffs.pop(0)
    return tuple(-c for c in coeffs) if sum(coeffs) < 0 else tuple(coeffs)


def random_knots(count: int, low: int, high: int, seed: int) -> list[PD]:
    """Seeded unsimplified random knot diagrams (spherogram's generator reads Python's ``random``)."""
    state = random.getstate()
    random.seed(seed)
    try:
        out = []
        for i in range(count):
            n = low + i % (high - low + 1)
            link = spherogram.random_link(
                n, num_components=1, initial_map_gives_link=True, simplify=None, prime_decomposition=False
            )
            out.append([tuple(int(v) for v in x) for x in link.PD_code()])
        return out
    finally:
        random.setstate(state)


@cache
def csv_rows() -> list[list[list[int]]]:
    with (SOURCES / "very_hard_unknots.csv").open() as handle:
        return [ast.literal_eval(r["pd"]) for r in csv.DictReader(handle)]


@cache
def classification() -> dict[str, list[int]]:
    data: dict[str, list[int]] = json.loads((SOURCES / "very_hard_unknots_csv_classification.json").read_text())
    return data


def relabelled(pd: Sequence[Sequence[int]], rng: random.Random) -> PD:
    """The same diagram with edge labels renamed by a random bijection and the crossings shuffled."""
    labels = sorted({v for x in pd for v in x})
    new = rng.sample(range(-10 * len(labels) - 7, 10 * len(labels) + 7), len(labels))
    rename = dict(zip(labels, new, strict=True))
    out = [(rename[a], rename[b], rename[c], rename[d]) for a, b, c, d in pd]
    rng.shuffle(out)
    return out


def mirror(pd: Sequence[Sequence[int]]) -> PD:
    """Reflect the plane: the counter-clockwise order (a, b, c, d) becomes (a, d, c, b)."""
    return [(a, d, c, b) for a, b, c, d in pd]


def all_crossings_changed(pd: Sequence[Sequence[int]]) -> PD:
    """Rotate every tuple by one place: every crossing changed, also the mirror image."""
    return [(b, c, d, a) for a, b, c, d in pd]


# --- fixed cases --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pd", "want"),
    [
        (TREFOIL, (1, -1, 1)),
        (TREFOIL_MIRROR, (1, -1, 1)),
        (FIGURE_EIGHT, (-1, 3, -1)),  # -t + 3 - 1/t
        (FIVE_ONE, (1, -1, 1, -1, 1)),
        (FIVE_TWO, (2, -3, 2)),
    ],
)
def test_small_knots(pd: PD, want: tuple[int, ...]) -> None:
    assert alexander_polynomial(pd) == want
    assert regina_alexander(pd) == want
    assert not is_alexander_trivial(pd)


@pytest.mark.parametrize("name", sorted(UNKNOTS))
def test_unknot_diagrams(name: str) -> None:
    assert alexander_polynomial(UNKNOTS[name]) == (1,)
    assert is_alexander_trivial(UNKNOTS[name])


def test_tuples_of_numpy_and_lists_are_accepted() -> None:
    assert alexander_polynomial(np.array(FIGURE_EIGHT, dtype=np.int64)) == (-1, 3, -1)
    assert alexander_polynomial([list(x) for x in TREFOIL]) == (1, -1, 1)
    assert alexander_polynomial(tuple(tuple(np.int32(v) for v in x) for x in TREFOIL)) == (1, -1, 1)


# --- differential tests -------------------------------------------------------------------------------------


def test_knotinfo_up_to_10_crossings() -> None:
    database_knotinfo = pytest.importorskip("database_knotinfo")
    from rigorgym.agents.protocols.ribbon import knotinfo_alexander  # KnotInfo's string, via sympy

    rows = [r for r in database_knotinfo.link_list()[1:] if r["crossing_number"] != "0"]
    rows = [r for r in rows if int(r["crossing_number"]) <= 10]
    assert len(rows) == 249  # 3_1 .. 10_165
    bad = [
        r["name"]
        for r in rows
        if alexander_polynomial(json.loads(r["pd_notation"])) != tuple(knotinfo_alexander(r["alexander_polynomial"]))
    ]
    assert bad == []


def test_random_knots_agree_with_regina() -> None:
    knots = random_knots(200, 5, 40, seed=20260101)
    assert {len(pd) for pd in knots} == set(range(5, 41))
    bad = [pd for pd in knots if alexander_polynomial(pd) != regina_alexander(pd)]
    assert bad == []
    # and the sample is not all unknots: most are knotted
    assert sum(not is_alexander_trivial(pd) for pd in knots) > 130


@pytest.mark.slow
def test_larger_random_knots_agree_with_regina() -> None:
    # 41..80 crossings, plus an alternating one (large coefficients: the CRT bound at work). regina is slow on
    # these: 12 here (80 of 80 agreed when this was written, in 50 s).
    knots = random_knots(12, 41, 80, seed=7)
    bad = [pd for pd in knots if alexander_polynomial(pd) != regina_alexander(pd)]
    assert bad == []
    state = random.getstate()
    random.seed(11)
    try:
        alternating = [
            [tuple(int(v) for v in x) for x in spherogram.random_link(n, alternating=True, num_components=1).PD_code()]
            for n in (60,)
        ]
    finally:
        random.setstate(state)
    for pd in alternating:
        got = alexander_polynomial(pd)
        assert got == regina_alexander(pd)


def test_very_hard_unknots_csv_classification() -> None:
    rows, classes = csv_rows(), classification()
    assert len(rows) == 385
    trivial = {i for i, pd in enumerate(rows) if is_alexander_trivial(pd)}
    assert trivial == set(classes["unknot_rows"])
    assert set(range(385)) - trivial == set(classes["knotted_rows"])


def _kernel_regina(pd: Sequence[Sequence[int]]) -> tuple[int, ...]:
    # the csv rows mix under-strand directions: spherogram re-reads them (regina alone calls them virtual)
    from rigorgym.verifiers import slice_obstructions
    from rigorgym.verifiers.diagram import Diagram

    return tuple(slice_obstructions.alexander(Diagram.from_pd([list(x) for x in pd])))


def test_very_hard_unknots_csv_rows_agree_with_the_regina_path() -> None:
    rows = csv_rows()
    sample = sorted(set(range(0, 385, 10)) | set(classification()["unknot_rows"][:8]))
    bad = [i for i in sample if alexander_polynomial(rows[i]) != _kernel_regina(rows[i])]
    assert bad == []


def test_hard_unknots_50_are_alexander_trivial() -> None:
    items = [json.loads(line) for line in (SOURCES / "hard_unknots_50.jsonl").read_text().splitlines()]
    assert len(items) == 50
    assert [x["row"] for x in items if alexander_polynomial(x["pd"]) != (1,)] == []


# --- invariances ------------------------------------------------------------------------------------------


def _invariance_sample() -> list[PD]:
    return [TREFOIL, FIGURE_EIGHT, FIVE_TWO, *random_knots(30, 6, 30, seed=5), [tuple(x) for x in csv_rows()[24]]]


def test_relabelling_edges_and_permuting_crossings() -> None:
    rng = random.Random(1)
    for pd in _invariance_sample():
        want = alexander_polynomial(pd)
        for _ in range(3):
            assert alexander_polynomial(relabelled(pd, rng)) == want


def test_a_half_turn_of_a_tuple_is_the_same_crossing() -> None:
    # (c, d, a, b): same under strand, same cyclic order, only the under direction is written the other way
    rng = random.Random(2)
    for pd in _invariance_sample():
        turned = [(c, d, a, b) if rng.random() < 0.5 else (a, b, c, d) for a, b, c, d in pd]
        assert alexander_polynomial(turned) == alexander_polynomial(pd)


def test_a_quarter_turn_is_a_crossing_change_not_an_invariance() -> None:
    assert alexander_polynomial(UNKNOTS["changed trefoil"]) != alexander_polynomial(TREFOIL)
    assert alexander_polynomial(all_crossings_changed(FIVE_TWO)) == (2, -3, 2)  # the mirror image


def test_mirror_images() -> None:
    for pd in _invariance_sample():
        want = alexander_polynomial(pd)
        assert want == want[::-1]  # Delta(1/t) = t^-deg Delta(t)
        assert alexander_polynomial(mirror(pd)) == want
        assert alexander_polynomial(all_crossings_changed(pd)) == want


# --- size and speed ---------------------------------------------------------------------------------------


def _best_of(runs: int, pd: Sequence[Sequence[int]]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        alexander_polynomial(pd)
        best = min(best, time.perf_counter() - start)
    return best


def test_gordian_unknot() -> None:
    pd = [tuple(x) for x in regina.ExampleLink.gordian().pdData()]
    assert len(pd) == 141
    start = time.perf_counter()
    assert alexander_polynomial(pd) == (1,)
    assert time.perf_counter() - start < 10.0
    assert _best_of(2, pd) < 10.0


def test_speed_at_40_crossings() -> None:
    rows = [pd for pd in csv_rows() if len(pd) >= 40][:5]
    assert rows
    assert max(_best_of(3, pd) for pd in rows) < 0.2


def test_size_cap_is_checked_first() -> None:
    junk = [object()] * 401
    with pytest.raises(TooManyCrossings, match="401 crossings exceed the limit of 400"):
        alexander_polynomial(junk)  # type: ignore[arg-type]
    with pytest.raises(TooManyCrossings):
        alexander_polynomial(FIGURE_EIGHT, max_crossings=3)
    assert alexander_polynomial(FIGURE_EIGHT, max_crossings=4) == (-1, 3, -1)
    with pytest.raises(ValueError, match="max_crossings"):
        alexander_polynomial(TREFOIL, max_crossings=-1)


# --- validation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pd", "message"),
    [
        ("1,2,3,4", "sequence of"),
        (7, "sequence of"),
        (None, "sequence of"),
        ([(1, 2, 3)], "crossing 0 is not 4 integer labels"),
        ([(1, 2, 3, 4, 5)], "crossing 0"),
        ([(1, 1, 2, 2), "abcd"], "crossing 1"),
        ([(1, 1, 2.0, 2)], "crossing 0"),
        ([(True, True, 2, 2)], "crossing 0"),
        ([(1, 1, 2, 3)], "label 2 appears 1 time"),
        ([(1, 1, 1, 2)], "label 1 appears 3 time"),
    ],
)
def test_malformed_input(pd: object, message: str) -> None:
    with pytest.raises(MalformedPDCode, match=message):
        alexander_polynomial(pd)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "pd",
    [
        [(4, 1, 3, 2), (2, 3, 1, 4)],  # Hopf link
        [(1, 2, 2, 1), (3, 4, 4, 3)],  # two separate kinks
        [(1, 2, 1, 2)],
        [(6, 1, 7, 2), (10, 7, 5, 8), (4, 5, 1, 6), (2, 10, 3, 9), (8, 4, 9, 3)],  # Whitehead link (KnotTheory)
    ],
)
def test_links_are_refused(pd: PD) -> None:
    with pytest.raises(NotAKnotDiagram, match="more than one component.*link is not computed"):
        alexander_polynomial(pd)


def test_non_planar_codes_are_refused() -> None:
    pd = [(1, 2, 3, 4), (1, 2, 4, 3)]  # one component on a torus: a virtual knot
    assert not regina.Link.fromPD(pd).isClassical()
    with pytest.raises(MalformedPDCode, match="not a planar diagram"):
        alexander_polynomial(pd)


def test_errors_are_value_errors() -> None:
    for cls in (MalformedPDCode, NotAKnotDiagram, TooManyCrossings):
        assert issubclass(cls, PDCodeError) and issubclass(cls, ValueError)


# --- building blocks ----------------------------------------------------------------------------------------


def _charpoly_exact(m: list[list[int]]) -> list[int]:
    """det(xI - M) by Faddeev-LeVerrier over the rationals, coefficients from degree 0."""
    n = len(m)
    coeffs = [Fraction(0)] * n + [Fraction(1)]
    mk = [[Fraction(0)] * n for _ in range(n)]
    for k in range(1, n + 1):
        # M_k = M (M_{k-1} + c_{n-k+1} I), c_{n-k} = -tr(M_k) / k
        prev = [[mk[i][j] + (coeffs[n - k + 1] if i == j else 0) for j in range(n)] for i in range(n)]
        mk = [[sum(Fraction(m[i][t]) * prev[t][j] for t in range(n)) for j in range(n)] for i in range(n)]
        coeffs[n - k] = -sum(mk[i][i] for i in range(n)) / k
    assert all(c.denominator == 1 for c in coeffs)
    return [int(c) for c in coeffs]


def test_hessenberg_charpoly_mod_p() -> None:
    rng = random.Random(3)
    p = pa._primes(1)[0]
    for size in (0, 1, 2, 3, 5, 8, 12):
        for density in (0.15, 0.5, 1.0):  # sparse matrices exercise zero pivots and row swaps
            m = [[rng.randint(-9, 9) if rng.random() < density else 0 for _ in range(size)] for _ in range(size)]
            got = pa._charpoly_mod(np.array(m, dtype=np.int64).reshape(size, size), p)
            assert [int(v) for v in got] == [c % p for c in _charpoly_exact(m)]


def test_matvec_without_overflow() -> None:
    rng = random.Random(4)
    p = 2**31 - 1  # (p-1)^2 > 2^61: partial sums of one product at a time
    a = [[rng.randrange(p) for _ in range(9)] for _ in range(4)]
    v = [rng.randrange(p) for _ in range(9)]
    got = pa._matvec(np.array(a, dtype=np.int64), np.array(v, dtype=np.int64), p)
    assert [int(x) for x in got] == [sum(x * y for x, y in zip(row, v, strict=True)) % p for row in a]


def test_primes_and_the_coefficient_bound() -> None:
    primes = pa._primes(25)
    assert all(2**25 < p < 2**26 for p in primes) and len(set(primes)) == 25
    assert all(all(p % q for q in range(2, 10_000)) for p in primes[:3])
    # the reduced matrix is the prefix-sum form of M(1)^-1 B: integer entries bounded by n
    pd = random_knots(1, 30, 30, seed=9)[0]
    order, over, sign = pa._walk(list(pd))
    c = pa._reduced_matrix(order, over, sign)
    assert c.shape == (29, 29) and c.dtype == np.int64 and int(np.abs(c).max()) <= 30
