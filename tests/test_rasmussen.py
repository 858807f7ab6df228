"""Rasmussen's s as a ``not_slice`` obstruction (``verifiers/slice_obstructions.py``, computed by khoca).

* s of every knot of at most 7 crossings and a seeded sample of 8-12 crossing
  knots equals KnotInfo's ``rasmussen_invariant`` (from KnotInfo's PD codes);
  the sign is KnotInfo's (the right-handed trefoil, signature -2, has s = 2)
  and flips under mirroring;
* a ``not_slice`` certificate by ``rasmussen`` verifies for a knot with
  s != 0, is refused (invalid, not malformed) for slice knots, over the
  crossing cap, with another khoca version installed, when khoca runs past
  its time limit or crashes, and when its answer is not shaped as Lee's
  theorem says.

The whole table up to 12 crossings (2,977 knots) agreed when this was written,
and no certificate by ``rasmussen`` verified for any of KnotInfo's 511 slice
knots up to 13 crossings; rerun the first by raising ``SAMPLE`` (about 0.15 s
a knot).
"""

from __future__ import annotations

import json
import random
from functools import cache
from typing import Any

import pytest
import spherogram
from rigorgym.agents.slice_obstruction import find_obstruction
from rigorgym.verifiers import FORMAT, verify
from rigorgym.verifiers import slice_obstructions as so
from rigorgym.verifiers.diagram import Diagram

#: knots of 8-12 crossings checked against KnotInfo, drawn with a fixed seed
SAMPLE = 4

RASMUSSEN = {"op": "invariant", "name": "rasmussen"}


@cache
def knotinfo() -> dict[str, dict[str, str]]:
    import database_knotinfo

    return {r["name"]: r for r in database_knotinfo.link_list()[1:] if r["crossing_number"] != "0"}


def diagram_of(name: str) -> Diagram:
    return Diagram.from_pd(json.loads(knotinfo()[name]["pd_notation"]))


def checked_names() -> list[str]:
    small = [n for n, r in knotinfo().items() if int(r["crossing_number"]) <= 7]
    larger = sorted(n for n, r in knotinfo().items() if 8 <= int(r["crossing_number"]) <= 12)
    return small + random.Random(22).sample(larger, SAMPLE)


def not_slice(code: list[list[int]] | tuple[tuple[int, ...], ...], name: str = "") -> dict[str, Any]:
    return {
        "format": FORMAT,
        "env": "Ribbon-v0",
        "claim": "not_slice",
        "instance": {"pd": [list(x) for x in code], **({"name": name} if name else {})},
        "moves": [dict(RASMUSSEN)],
    }


def mirror(d: Diagram) -> Diagram:
    return Diagram.from_pd([list(x) for x in spherogram.Link([list(x) for x in d.pd]).mirror().PD_code()])


def torus_3_11() -> Diagram:
    """The closure of the positive 3-braid (s1 s2)^11: the torus knot T(3, 11), 22 crossings, s = 20."""
    return Diagram.from_pd([list(x) for x in spherogram.Link(braid_closure=[1, 2] * 11).PD_code()])


# --- values -------------------------------------------------------------------------------------------------------


def test_s_equals_knotinfo() -> None:
    names = checked_names()
    assert len(names) == 14 + SAMPLE
    wrong = [(n, s, knotinfo()[n]["rasmussen_invariant"]) for n in names
             if str(s := so.rasmussen(diagram_of(n))) != knotinfo()[n]["rasmussen_invariant"]]  # fmt: skip
    assert not wrong


def test_sign_convention_trefoil_and_mirror() -> None:
    right = diagram_of("3_1")  # KnotInfo's PD code: the right-handed trefoil
    assert so.signature(right) == -2 and so.tau(right) == 1
    assert so.rasmussen(right) == 2
    left = mirror(right)
    assert so.signature(left) == 2 and so.rasmussen(left) == -2
    # the left-handed trefoil of docs/certificates.md (spherogram's 3_1)
    assert so.rasmussen(Diagram.from_pd([[5, 2, 0, 3], [3, 0, 4, 1], [1, 4, 2, 5]])) == -2


@pytest.mark.parametrize("name", ["5_1", "8_19", "10_132"])
def test_mirror_flips_s(name: str) -> None:
    d = diagram_of(name)
    assert so.rasmussen(mirror(d)) == -so.rasmussen(d) == -int(knotinfo()[name]["rasmussen_invariant"])


def test_s_is_not_the_signature() -> None:
    # 9_42 has signature +-2 but s = 0: the kernel really computes s, not a signature in disguise
    d = diagram_of("9_42")
    assert abs(so.signature(d)) == 2 and so.rasmussen(d) == 0


def test_positive_torus_knot_past_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    d = torus_3_11()
    assert d.crossings == 22 > so.MAX_RASMUSSEN_CROSSINGS
    v = verify(not_slice(d.pd))
    assert not v.valid and not v.malformed and v.reason.startswith("undecided") and "at most 20" in v.reason
    monkeypatch.setattr(so, "MAX_RASMUSSEN_CROSSINGS", 22)
    v = verify(not_slice(d.pd))
    assert v.valid and "Rasmussen s 20 != 0" in v.reason  # s(T(p, q)) = (p - 1)(q - 1) for a positive torus knot


def test_khoca_writes_nothing_to_stdout(capfd: pytest.CaptureFixture[str]) -> None:
    so.rasmussen(diagram_of("4_1"))
    out, _ = capfd.readouterr()
    assert out == ""


# --- certificates -------------------------------------------------------------------------------------------------


def test_certificate_verifies_for_a_non_slice_knot() -> None:
    v = verify(not_slice(json.loads(knotinfo()["3_1"]["pd_notation"]), "3_1"))
    assert v.valid and v.reason == "Rasmussen s 2 != 0: the knot is not slice"


@pytest.mark.parametrize("name", ["6_1", "8_20", "9_46"])
def test_certificate_refused_for_a_slice_knot(name: str) -> None:
    assert knotinfo()[name]["smooth_four_genus"] == "0"
    v = verify(not_slice(json.loads(knotinfo()[name]["pd_notation"]), name))
    assert not v.valid and not v.malformed
    assert v.reason == "Rasmussen s is 0: no obstruction"


def test_the_unknot_and_tiny_diagrams() -> None:
    assert so.rasmussen(Diagram.from_pd([])) == 0
    kink = Diagram.from_pd([[1, 1, 2, 2]])
    assert so.rasmussen(kink) == 0
    v = verify(not_slice(kink.pd))
    assert not v.valid and not v.malformed


@pytest.mark.parametrize(
    ("invariant", "pinned"),
    [
        ("rasmussen", ("khoca", "1.4")),
        ("rasmussen", ("khoca-not-installed", "1.5")),
        ("tau", ("knot_floer_homology", "0.9")),
    ],
)
def test_another_installed_version_is_undecided(
    monkeypatch: pytest.MonkeyPatch, invariant: str, pinned: tuple[str, str]
) -> None:
    monkeypatch.setitem(so.TRUSTED_PACKAGES, invariant, pinned)
    cert = not_slice(json.loads(knotinfo()["3_1"]["pd_notation"]), "3_1")
    cert["moves"] = [{"op": "invariant", "name": invariant}]
    v = verify(cert)
    assert not v.valid and not v.malformed and v.reason.startswith("undecided")
    assert f"trusts {pinned[0]}=={pinned[1]} only" in v.reason


def test_a_timeout_is_undecided(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(so, "RASMUSSEN_TIMEOUT_S", 0.001)
    with pytest.raises(so.Undecided, match="khoca ran past"):
        so.rasmussen(diagram_of("3_1"))


def test_a_crash_is_undecided(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(so, "_KHOCA_CHILD", "import os; os.abort()")
    with pytest.raises(so.Undecided, match="khoca failed"):
        so.rasmussen(diagram_of("3_1"))
    monkeypatch.setattr(so, "_KHOCA_CHILD", "print('[[[0, 2, 0, 1]], [[0, 1, 0, 1], [0, 3, 0, 1]]]')")
    assert so.rasmussen(diagram_of("3_1")) == 2  # the same channel, so the two cases above test the real path


@pytest.mark.parametrize(
    "result",
    [
        None,
        [],
        [[[0, 2, 0, 1]]],
        [[[0, 2, 0, 1]], [[0, 1, 0, 1]]],  # one unreduced generator
        [[[0, 2, 0, 1]], [[0, 1, 0, 1], [0, 3, 0, 1], [0, 5, 0, 1]]],  # three
        [[[0, 2, 0, 1]], [[0, 1, 0, 1], [0, 5, 0, 1]]],  # not s - 1, s + 1
        [[[0, 2, 0, 1]], [[1, 1, 0, 1], [1, 3, 0, 1]]],  # not in homological degree 0
        [[[0, 2, 0, 1]], [[0, 1, 2, 1], [0, 3, 0, 1]]],  # torsion
        [[[0, 4, 0, 1]], [[0, 1, 0, 1], [0, 3, 0, 1]]],  # reduced disagrees
        [[[0, 1, 0, 1]], [[0, 0, 0, 1], [0, 2, 0, 1]]],  # s odd
        [[[0, 2, 0, 1]], [[0, 1, 0, 1], [0, "3", 0, 1]]],
    ],
)
def test_an_unexpected_answer_is_undecided(result: Any) -> None:
    with pytest.raises(so.Undecided):
        so._s_from_lee(result)


def test_lee_shape_accepted() -> None:
    assert so._s_from_lee([[[0, -4, 0, 1]], [[0, -3, 0, 1], [0, -5, 0, 1]]]) == -4
    assert so._s_from_lee([[[0, 0, 0, 1]], [[0, 1, 0, 1], [0, -1, 0, 1]]]) == 0


def test_the_agent_tries_s_last_and_only_where_it_can_add() -> None:
    """On a slice knot every test fails; s is the last move offered, on diagrams of more than 13 crossings only
    (up to 13, s = 2 tau on every knot: it cannot obstruct what tau did not)."""
    from rigorgym.agents import slice_obstruction
    from rigorgym.verifiers.diagram import Diagram

    offered = [m["name"] for m in slice_obstruction._screened(diagram_of("8_20"))]
    assert "rasmussen" not in offered
    from rigorgym.verifiers.pd import PD
    from rigorgym.verifiers.reidemeister import apply_move

    kinked = PD.from_pd(json.loads(knotinfo()["6_1"]["pd_notation"]))
    for _ in range(8):  # 6_1 drawn with 14 crossings: eight kinks
        kinked = apply_move(kinked, {"op": "r1_add", "edge": 1, "side": "left", "first": "over"})
    big = Diagram.from_pd(kinked.to_json())
    offered = [m["name"] for m in slice_obstruction._screened(big)]
    assert offered[-1] == "rasmussen"
    assert find_obstruction(diagram_of("8_20")) is None
    assert find_obstruction(diagram_of("3_1")) == {"op": "invariant", "name": "signature"}
