"""The slice obstructions of Ribbon-v0 (``verifiers/slice_obstructions.py``) against KnotInfo and independent code.

* the signature, the determinant and the Alexander polynomial of every knot
  of at most 11 crossings in KnotInfo (``database_knotinfo``, computed from
  KnotInfo's own PD codes) equal KnotInfo's columns, with KnotInfo's sign
  convention (the right-handed trefoil has signature -2);
* Levine-Tristram signatures at prime-power roots of unity equal KnotInfo's
  ``signature_function`` on the same knots; tau equals KnotInfo's on every
  knot of at most 10 crossings;
* the exact signature of a symmetric integer matrix against numpy, the
  prime-power test against sympy, the Fox-Milnor factor test on known
  polynomials, the Alexander polynomial against the graded Euler
  characteristic of knot Floer homology (``knot_floer_homology``).

Everything here reads the kernel's functions directly; certificates built
from these invariants are checked in ``test_ribbon_soundness.py``.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any

import knot_floer_homology
import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from rigorgym.agents.protocols.ribbon import knotinfo_alexander, normalised  # KnotInfo's Δ, normalised
from rigorgym.verifiers import slice_obstructions as so
from rigorgym.verifiers.diagram import Diagram

T = sympy.Symbol("t")


@lru_cache(maxsize=1)
def knotinfo() -> list[dict[str, str]]:
    """KnotInfo's knots (row 0 of ``link_list()`` holds the column titles), the unknot left out."""
    import database_knotinfo

    return [row for row in database_knotinfo.link_list()[1:] if row["crossing_number"] != "0"]


def rows(max_crossings: int) -> list[dict[str, str]]:
    return [row for row in knotinfo() if int(row["crossing_number"]) <= max_crossings]


@cache
def diagram_of(name: str) -> Diagram:
    row = next(r for r in knotinfo() if r["name"] == name)
    return Diagram.from_pd(json.loads(row["pd_notation"]))


@cache
def _seifert(diagram: Diagram) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(row) for row in REAL_SEIFERT(diagram))


REAL_SEIFERT = so.seifert_matrix


@pytest.fixture(scope="module", autouse=True)
def shared_seifert_matrices() -> Iterator[None]:
    """Compute each knot's Seifert matrix once for the whole module (the kernel's own function, memoised)."""
    mp = pytest.MonkeyPatch()
    mp.setattr(so, "seifert_matrix", lambda d: [list(row) for row in _seifert(d)])
    yield
    mp.undo()


# --- the tables --------------------------------------------------------------------------------------------------


def test_knotinfo_columns_present() -> None:
    table = rows(11)
    assert len(table) == 801  # 3..11 crossings: 1+1+2+3+7+21+49+165+552
    empty = [r["name"] for r in table if not (r["pd_notation"] and r["signature"] and r["determinant"])]
    assert not empty, f"KnotInfo cells missing: {empty[:10]}"


def test_signature_matches_knotinfo_up_to_11_crossings() -> None:
    wrong = []
    for row in rows(11):
        got = so.signature(diagram_of(row["name"]))
        if got != int(row["signature"]):
            wrong.append((row["name"], got, int(row["signature"])))
    flipped = [w for w in wrong if w[1] == -w[2]]
    assert not wrong, (
        f"{len(wrong)} knots disagree with KnotInfo ({len(flipped)} by a sign flip"
        f"{': the sign convention is wrong' if wrong and len(flipped) == len(wrong) else ''}): {wrong[:20]}"
    )


def test_right_handed_trefoil_has_signature_minus_two() -> None:
    # T(2,3) as the closure of sigma_1^3: every crossing positive.
    import spherogram

    link = spherogram.ClosedBraid([1, 1, 1])
    assert all(c.sign == 1 for c in link.crossings)
    assert so.signature(Diagram.from_pd([list(x) for x in link.PD_code()])) == -2


def test_determinant_matches_knotinfo_up_to_11_crossings() -> None:
    wrong = [
        (row["name"], so.determinant(diagram_of(row["name"])), int(row["determinant"]))
        for row in rows(11)
        if so.determinant(diagram_of(row["name"])) != int(row["determinant"])
    ]
    assert not wrong, wrong[:20]


def test_alexander_matches_knotinfo_up_to_11_crossings() -> None:
    wrong = []
    for row in rows(11):
        got = so.alexander(diagram_of(row["name"]))
        want = knotinfo_alexander(row["alexander_polynomial"])
        if normalised(got) != want and normalised(got)[::-1] != want:
            wrong.append((row["name"], got, want))
        assert got == normalised(got), f"{row['name']}: alexander() is not normalised: {got}"
    assert not wrong, wrong[:20]


def test_determinant_is_alexander_at_minus_one_and_seifert_determinant() -> None:
    """Three routes to det(K): regina's Delta(-1), |det(V + V^T)| from spherogram's Seifert matrix, KnotInfo."""
    for row in rows(10):
        d = diagram_of(row["name"])
        v = np.array(so.seifert_matrix(d), dtype=float)
        from_seifert = round(abs(np.linalg.det(v + v.T))) if v.size else 1
        assert so.determinant(d) == from_seifert == int(row["determinant"]), row["name"]


def test_tau_matches_knotinfo_up_to_10_crossings() -> None:
    wrong = [
        (row["name"], so.tau(diagram_of(row["name"])), row["ozsvath_szabo_tau_invariant"])
        for row in rows(10)
        if str(so.tau(diagram_of(row["name"]))) != row["ozsvath_szabo_tau_invariant"]
    ]
    assert not wrong, wrong[:20]


def test_tau_is_bounded_by_the_four_genus_where_knotinfo_knows_it() -> None:
    for row in rows(10):
        if row["smooth_four_genus"].isdigit():
            assert abs(so.tau(diagram_of(row["name"]))) <= int(row["smooth_four_genus"]), row["name"]


def test_alexander_is_the_euler_characteristic_of_hfk() -> None:
    """sum_{m, a} (-1)^m rank HFK_m(K, a) t^a is Delta(t): regina against knot_floer_homology."""
    for row in random.Random(0).sample(rows(11), 120):
        d = diagram_of(row["name"])
        ranks = knot_floer_homology.pd_to_hfk(d.to_json())["ranks"]
        chi: dict[int, int] = {}
        for (a, m), r in ranks.items():
            chi[a] = chi.get(a, 0) + (-1) ** m * r
        low = min(chi)
        coeffs = [chi.get(a, 0) for a in range(low, max(chi) + 1)]
        assert normalised(coeffs) == so.alexander(d), row["name"]


# --- Levine-Tristram ---------------------------------------------------------------------------------------------

PRIME_POWERS = (2, 3, 4, 5, 7, 8, 9, 11, 16, 25)


def knotinfo_signature_function(text: str, theta: float) -> int | None:
    """KnotInfo's sigma at omega = e^(i pi theta), 0 <= theta <= 1; None too close to a jump to tell."""
    data = json.loads(text)
    if data == [0]:
        return 0
    value = 0
    for x, (before, _at, after), *_ in data:
        if abs(theta - x) < 1e-7:
            return None
        if theta < x:
            return before
        value = after
    return value


def test_levine_tristram_matches_knotinfo_signature_function() -> None:
    wrong, checked = [], 0
    for row in rows(11):
        d = diagram_of(row["name"])
        for q in PRIME_POWERS:
            for j in range(1, q):
                theta = 2 * j / q if 2 * j <= q else 2 * (q - j) / q
                want = knotinfo_signature_function(row["signature_function"], theta)
                if want is None:
                    continue
                got = so.levine_tristram(d, q, j)
                checked += 1
                if got != want:
                    wrong.append((row["name"], q, j, got, want))
    assert checked > 50_000
    assert not wrong, wrong[:20]


def test_levine_tristram_at_minus_one_is_the_signature() -> None:
    for row in rows(10):
        d = diagram_of(row["name"])
        assert so.levine_tristram(d, 2, 1) == so.levine_tristram(d, 4, 2) == so.signature(d), row["name"]


def test_levine_tristram_is_symmetric_and_vanishes_near_one() -> None:
    for row in rows(10):
        d = diagram_of(row["name"])
        for q, j in ((9, 2), (25, 7), (49, 10)):
            assert so.levine_tristram(d, q, j) == so.levine_tristram(d, q, q - j), (row["name"], q, j)
        assert so.levine_tristram(d, 9973, 1) == 0, row["name"]


def test_levine_tristram_is_undecided_on_a_singular_form() -> None:
    """A matrix with a zero eigenvalue at omega must be undecided, never a number."""
    with pytest.raises(so.Undecided):
        so._float_signature(np.array([[1.0, 0.0], [0.0, 0.0]]))
    with pytest.raises(so.Undecided):
        so._float_signature(np.array([[1.0, 1.0], [1.0, 1.0]]))
    assert so._float_signature(np.array([[2.0, 1.0], [1.0, -3.0]])) == 0


# --- exact linear algebra and number theory ----------------------------------------------------------------------


@given(st.integers(0, 7).flatmap(lambda n: st.lists(st.integers(-4, 4), min_size=n * n, max_size=n * n)), st.data())
def test_symmetric_signature_against_numpy(entries: list[int], data: Any) -> None:
    n = math.isqrt(len(entries))
    a = np.array(entries, dtype=np.int64).reshape(n, n) if n else np.zeros((0, 0), dtype=np.int64)
    sym = a + a.T
    if n >= 2 and data.draw(st.booleans()):  # force a singular matrix: a repeated row and column
        sym[-1, :] = sym[0, :]
        sym[:, -1] = sym[:, 0]
        sym[-1, -1] = sym[0, 0]
    eig = np.linalg.eigvalsh(sym.astype(float)) if n else np.zeros(0)
    want = int(np.sum(eig > 1e-9) - np.sum(eig < -1e-9))
    assert so.symmetric_signature(sym.tolist()) == want


def test_symmetric_signature_zero_diagonal() -> None:
    # [[0, 1], [1, 0]] has eigenvalues +1, -1; the elimination must pivot off the diagonal.
    assert so.symmetric_signature([[0, 1], [1, 0]]) == 0
    assert so.symmetric_signature([[0, 0, 1], [0, 0, 0], [1, 0, 0]]) == 0
    assert so.symmetric_signature([[0, 2, 0], [2, 0, 0], [0, 0, 5]]) == 1
    assert so.symmetric_signature([]) == 0
    assert so.symmetric_signature([[0, 0], [0, 0]]) == 0


def test_is_prime_power_against_sympy() -> None:
    for q in range(-3, 3000):
        assert so.is_prime_power(q) == (q >= 2 and len(sympy.factorint(q)) == 1), q


@pytest.mark.parametrize(
    ("poly", "obstructs"),
    [
        ("1 - t + t**2", True),  # trefoil: irreducible, self-reciprocal, power 1
        ("(1 - t + t**2)**2", False),  # 3_1 # 3_1: a square
        ("(1 - t + t**2)*(1 - 3*t + t**2)", True),  # 3_1 # 4_1
        ("2 - 5*t + 2*t**2", False),  # 6_1 = (2t - 1)(t - 2) = f(t) f(1/t) up to units
        ("6 - 13*t + 6*t**2", False),  # 10_3
        ("1 - 3*t + t**2", True),  # 4_1
        ("1", False),  # unknot, Alexander-trivial knots
        ("1 - 2*t + 3*t**2 - 2*t**3 + t**4", False),  # 8_20 = (1 - t + t^2)^2
        ("(2 - 5*t + 2*t**2)*(1 - t + t**2)", True),
    ],
)
def test_fox_milnor_factor_test(poly: str, obstructs: bool) -> None:
    coeffs = [int(c) for c in reversed(sympy.Poly(sympy.sympify(poly), T).all_coeffs())]
    fails, why = so.fox_milnor_obstructs(coeffs)
    assert fails is obstructs, why


def test_fox_milnor_never_obstructs_a_slice_knot_up_to_12_crossings() -> None:
    for row in rows(12):
        if row["smooth_four_genus"] == "0":
            coeffs = knotinfo_alexander(row["alexander_polynomial"])
            assert not so.fox_milnor_obstructs(coeffs)[0], row["name"]


def test_invariants_of_the_unknot_diagram() -> None:
    one_kink = Diagram.from_pd([[0, 0, 1, 1]])
    assert one_kink.components == 1
    assert so.signature(one_kink) == 0
    assert so.determinant(one_kink) == 1
    assert so.alexander(one_kink) == [1]
    assert so.tau(one_kink) == 0  # knot_floer_homology itself refuses kinks: the kernel reduces them first
    empty = Diagram(())
    assert so.alexander(empty) == [1] and so.tau(empty) == 0
