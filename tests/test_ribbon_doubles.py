"""best-first on doubles K # -K: the mirror correspondence of the summands, tau after the search, small doubles."""

from __future__ import annotations

import time

import pytest
from rigorgym.agents import make_agent
from rigorgym.agents.best_first import BestFirst
from rigorgym.agents.ribbon_search import (
    Screen,
    cheap_obstruction,
    closed_summands,
    confirm_unlink,
    mirror_maps,
    mirror_pairs,
    mirror_path_bands,
    summand_sides,
)
from rigorgym.agents.slice_obstruction import find_obstruction
from rigorgym.envs.ribbon import KnotInstance, candidate_bands, ribbon_double
from rigorgym.envs.suites import load_suite
from rigorgym.verifiers import verify
from rigorgym.verifiers.diagram import Diagram


def double(name: str) -> Diagram:
    """spherogram's connected sum of ``name`` and its reversed mirror image, not scrambled."""
    pd = ribbon_double(KnotInstance.from_name(name).pd)
    return Diagram.from_pd([list(x) for x in pd])


@pytest.mark.parametrize(("name", "crossings"), [("3_1", 3), ("6_1", 6)])
def test_summands_of_a_double(name: str, crossings: int) -> None:
    diagram = double(name)
    sides = summand_sides(diagram)
    assert sides is not None
    first, second = closed_summands(diagram, sides)
    for closed in (first, second):
        assert len(closed) == 4 * crossings
        assert all(closed[closed[a]] == a for a in closed)  # a gluing is an involution
    maps = mirror_maps(first, second)
    assert maps, "one summand is the mirror image of the other"
    for _, phi in maps:
        assert sorted(d for d, _ in phi.values()) == sorted({a[0] for a in second})
    # the trefoil is chiral: no map of its diagram onto its own mirror image
    if name == "3_1":
        assert mirror_maps(first, first) == []
    pairs = mirror_pairs(diagram, sides)
    assert pairs is not None and pairs.maps == len(maps)
    assert len(pairs.pairs) >= 2 * crossings  # every edge of a summand has a mirror edge


def test_amphichiral_summand_maps_to_itself() -> None:
    """4_1 is amphichiral: its own diagram is a mirror image of itself."""
    diagram = double("4_1")
    sides = summand_sides(diagram)
    assert sides is not None
    first, _ = closed_summands(diagram, sides)
    assert mirror_maps(first, first)


def test_mirror_band_unties_6_1_double() -> None:
    """6_1 is 2-bridge: one band joining an edge to its mirror edge takes 6_1 # -6_1 to an unlink."""
    diagram = double("6_1")
    sides = summand_sides(diagram)
    pairs = mirror_pairs(diagram, sides)
    assert sides is not None and pairs is not None
    bands = [b for b in candidate_bands(diagram, 2) if pairs.joins_mirror_edges(b, sides)]
    assert bands and len(bands) < len(candidate_bands(diagram, 2)) / 3
    screen = Screen(diagram)
    untie = [b for b in bands if screen(b.spec).unlinked and screen(b.spec).crossings == 0]
    assert untie
    assert any(confirm_unlink(diagram, b.spec) is not None for b in untie)


@pytest.mark.parametrize("name", ["3_1", "4_1", "8_20", "K11n139"])
def test_cheap_obstruction_agrees(name: str) -> None:
    """Without tau, the obstruction search finds the same move whenever that move is not tau."""
    diagram = KnotInstance.from_name(name).diagram()
    full = find_obstruction(diagram)
    cheap = cheap_obstruction(diagram)
    if full is None or full["name"] == "tau":
        assert cheap is None
    else:
        assert cheap == full


@pytest.mark.parametrize("name", ["K10a60#-K10a60", "K11a13#-K11a13", "K12a447#-K12a447"])
def test_best_first_certifies_small_doubles(name: str) -> None:
    raw = next(x for x in load_suite("ribbon-doubles-30").instances if x["name"] == name)
    start = time.perf_counter()
    result = make_agent("best-first").solve(None, {"pd": raw["pd"], "name": raw["name"]}, 20.0, 0)
    assert time.perf_counter() - start < 20.0 + 5.0
    cert = result.certificate
    assert cert is not None, result.extra
    verdict = verify(cert)
    assert verdict.valid, verdict.reason
    assert cert["claim"] == "ribbon"
    assert sum(m["op"] == "band" for m in cert["moves"]) >= 1


def test_mirror_path_bands_join_mirror_edges_shortest_first() -> None:
    diagram = double("5_2")
    sides = summand_sides(diagram)
    assert sides is not None
    mirror = mirror_pairs(diagram, sides)
    assert mirror is not None
    bands = mirror_path_bands(diagram, mirror, extra=1)
    shortest = {b.spec for b in candidate_bands(diagram, 1) if mirror.joins_mirror_edges(b, sides)}
    specs = [b.spec for b in bands]
    assert len(specs) == len(set(specs))
    assert len(bands) > len(shortest)  # longer paths than spherogram's shortest ones
    assert all(mirror.joins_mirror_edges(b, sides) for b in bands)
    assert all(abs(b.twists) <= 1 and b.crossed == b.length - 2 for b in bands)
    # every band is one the kernel accepts (spherogram's band model, a component more)
    for band in bands[:: max(1, len(bands) // 25)]:
        assert Screen(diagram)(band.spec).components >= 2


def test_mirror_fallback_certifies_a_double() -> None:
    """With the fallback from the start, the two-band phase alone certifies a small double."""
    diagram = double("6_1")
    knot = KnotInstance.from_instance({"pd": [list(c) for c in diagram.pd]})
    solver = BestFirst(mirror_fallback_at=0.0)
    result = solver.solve(None, knot, 30.0, 0)
    assert result.certificate is not None and result.certificate["claim"] == "ribbon"
    assert verify(result.certificate).valid
