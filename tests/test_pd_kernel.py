"""The Reidemeister kernel on PD codes (``verifiers/pd.py``, ``verifiers/reidemeister.py``, UnKnot-Diagram-v0).

* canonical form: labels ``1..2n`` increasing along each component,
  idempotent, independent of the input's labels;
* fixed kernel cases: each move on a small diagram, with the exact result;
* every move undone by its inverse (R1 add/remove, R2 add/remove, R3 twice);
* invariance, computed independently: random legal play keeps the knot
  (knot Floer homology, SnapPy's volume, the Seifert-matrix Alexander
  polynomial of ``slice_obstructions``) and a link's components and
  linking numbers;
* soundness: subtly wrong moves are refused, and thousands of random and
  sloppy move lists claiming ``unknot`` on knotted diagrams are rejected;
* hostile input: non-planar codes, labels used three times, 10⁵ crossings,
  moves on crossings and edges that do not exist.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import knot_floer_homology
import pytest
import snappy
import spherogram
from rigorgym.verifiers import verify
from rigorgym.verifiers.diagram import Diagram
from rigorgym.verifiers.pd import PD, InvalidPD
from rigorgym.verifiers.reidemeister import IllegalMove, apply_move, edge_side, legal_moves
from rigorgym.verifiers.slice_obstructions import alexander

SOURCES = Path(__file__).resolve().parents[1] / "envs" / "suites" / "data" / "sources"
TREFOIL = [[1, 5, 2, 4], [3, 1, 4, 6], [5, 3, 6, 2]]
KINK = [[1, 1, 2, 2]]


def cert(pd: list[list[int]], moves: list[dict[str, Any]], claim: str = "unknot") -> dict[str, Any]:
    return {
        "format": "rigorgym-certificate/1",
        "env": "UnKnot-Diagram-v0",
        "claim": claim,
        "instance": {"pd": pd},
        "moves": moves,
    }


def random_play(d: PD, rng: random.Random, steps: int, max_size: int = 30) -> list[tuple[dict[str, Any], PD]]:
    """Legal moves, removals and R3 preferred so that the diagram stays small."""
    path = []
    for _ in range(steps):
        moves = legal_moves(d)
        shrink = [m for m in moves if m["op"] in ("r1_remove", "r2_remove", "r3")]
        grow = [m for m in moves if m["op"] in ("r1_add", "r2_add")]
        pool = shrink if shrink and (rng.random() < 0.6 or d.size >= max_size) else grow
        if not pool:
            break
        move = rng.choice(pool)
        d = apply_move(d, move)
        path.append((move, d))
    return path


def greedy_unknot(d: PD, rng: random.Random, steps: int = 400) -> list[dict[str, Any]] | None:
    """Removals first, else a random R3: enough for diagrams scrambled from a kink (tests only)."""
    moves: list[dict[str, Any]] = []
    for _ in range(steps):
        if d.is_unknot_diagram():
            return moves
        legal = legal_moves(d)
        remove = [m for m in legal if m["op"] in ("r1_remove", "r2_remove")]
        flips = [m for m in legal if m["op"] == "r3"]
        if not remove and not flips:
            return None
        move = remove[0] if remove else rng.choice(flips)
        d = apply_move(d, move)
        moves.append(move)
    return moves if d.is_unknot_diagram() else None


# -- canonical form ---------------------------------------------------------------------------------


def test_canonical_form_labels_run_along_the_orientation() -> None:
    d = PD.from_pd(spherogram.Link("K8n1").PD_code())
    assert sorted(x for c in d.crossings for x in c) == [e for e in range(1, 17) for _ in range(2)]
    for e in range(1, 16):  # edge e + 1 leaves the crossing where e arrives, opposite it
        assert d.tail(e + 1) == d.other[d.tail(e)] ^ 2
    assert PD.from_pd(d.to_json()) == d


def test_canonical_form_ignores_the_input_labels() -> None:
    pd = spherogram.Link("K7a4").PD_code()
    renamed = [[1000 - 3 * x for x in c] for c in pd]
    assert PD.from_pd(renamed) == PD.from_pd(pd)


def test_a_half_turned_crossing_is_the_same_crossing() -> None:
    a, b, c, d = TREFOIL[1]
    assert PD.from_pd([TREFOIL[0], [c, d, a, b], TREFOIL[2]]) == PD.from_pd(TREFOIL)
    # a rotation by one place is a crossing change: the other knot (here the unknot: a kink appears)
    changed = PD.from_pd([TREFOIL[0], [b, c, d, a], TREFOIL[2]])
    assert changed != PD.from_pd(TREFOIL)
    assert any(m["op"] in ("r1_remove", "r2_remove") for m in legal_moves(changed))


def test_fixed_cases() -> None:
    kink = PD.from_pd(KINK)
    assert kink.components() == 1 and len(kink.faces()) == 3
    assert apply_move(kink, {"op": "r1_remove", "crossing": 0}) == PD((), 1)
    # a kink on the trefoil's edge 3, loop on its left, passing under first
    d = apply_move(PD.from_pd(TREFOIL), {"op": "r1_add", "edge": 3, "side": "left", "first": "under"})
    assert d.crossings == ((1, 7, 2, 6), (5, 1, 6, 8), (7, 3, 8, 2), (3, 5, 4, 4))
    assert apply_move(d, {"op": "r1_remove", "crossing": 3}) == PD.from_pd(TREFOIL)
    # a finger of edge 2 pushed over edge 4 across the face on the left of both, then the R2 that undoes it
    t = PD.from_pd(TREFOIL)
    d = apply_move(t, {"op": "r2_add", "over": 2, "over_side": "left", "under": 4, "under_side": "left"})
    assert d.crossings == ((1, 9, 2, 8), (5, 1, 6, 10), (9, 5, 10, 4), (6, 3, 7, 4), (7, 3, 8, 2))
    bigon = d.face(d.dart(3, "right"))
    assert sorted(p >> 2 for p in bigon) == [3, 4]
    assert apply_move(d, {"op": "r2_remove", "edge": 3, "side": "right"}) == t


def test_trefoil_admits_no_shrinking_move() -> None:
    ops = {m["op"] for m in legal_moves(PD.from_pd(TREFOIL))}
    assert ops == {"r1_add", "r2_add"}  # its bigons and triangles alternate


# -- every move has its inverse ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["K3a1", "K5a1", "K6a2", "K8n3", "L4a1", "L6n1"])
def test_moves_are_undone(name: str) -> None:
    d = PD.from_pd(spherogram.Link(name).PD_code())
    rng = random.Random(name)
    for move, after in random_play(d, rng, 12):
        del move, after
    d = random_play(d, rng, 12)[-1][1]
    for move in legal_moves(d):
        after = apply_move(d, move)
        assert PD.from_pd(after.to_json(), loops=after.loops) == after
        op = move["op"]
        if op == "r1_add":
            assert apply_move(after, {"op": "r1_remove", "crossing": d.size}) == d
        elif op == "r2_add":
            undo = [m for m in legal_moves(after) if m["op"] == "r2_remove"]
            assert d in [apply_move(after, m) for m in undo], move
        elif op == "r3":
            again = [m for m in legal_moves(after) if m["op"] == "r3"]
            assert d in [apply_move(after, m) for m in again], move


# -- invariance, computed independently -------------------------------------------------------------


def hfk(pd: list[list[int]]) -> tuple[int, dict[Any, int]]:
    """Knot Floer homology (its program refuses diagrams with a kink: spherogram's basic simplification first)."""
    link = spherogram.Link(pd)
    link.simplify("basic")
    if not link.crossings:
        return 1, {(0, 0): 1}
    result = knot_floer_homology.pd_to_hfk(link.PD_code())
    return result["total_rank"], result["ranks"]


@pytest.mark.parametrize("name", ["K6a3", "K8n1", "K8n3", "K9a40", "K10n20", "K11n34"])
def test_random_play_keeps_the_knot(name: str) -> None:
    rng = random.Random(name)
    d = PD.from_pd(spherogram.Link(name).PD_code())
    before = hfk(d.to_json()), alexander(Diagram.from_pd(d.to_json()))
    volume = snappy.Link(d.to_json()).exterior().volume()
    path = random_play(d, rng, 80)
    for k, (_, state) in enumerate(path):
        assert state.components() == 1
        if k % 8 == 7 and state.size:
            assert (hfk(state.to_json()), alexander(Diagram.from_pd(state.to_json()))) == before
    final = path[-1][1]
    if final.size and volume > 0.5:
        assert abs(snappy.Link(final.to_json()).exterior().volume() - volume) < 1e-6


@pytest.mark.parametrize("name", ["L4a1", "L6a4", "L7n1"])
def test_random_play_keeps_the_link(name: str) -> None:
    link = spherogram.Link(name)
    d = PD.from_pd(link.PD_code())
    linking = sorted(abs(x) for row in link.linking_matrix() for x in row)
    for _, state in random_play(d, random.Random(name), 60):
        assert state.components() == len(link.link_components)
        if state.size and not state.loops:
            got = sorted(abs(x) for row in spherogram.Link(state.to_json()).linking_matrix() for x in row)
            assert got == linking


# -- certificates ----------------------------------------------------------------------------------


def test_unknot_certificate_of_a_scrambled_kink() -> None:
    rng = random.Random(3)
    solved = 0
    for _ in range(10):
        start = PD.from_pd(KINK)
        for _ in range(6):  # grow, then shuffle by R3 moves
            start = apply_move(start, rng.choice([m for m in legal_moves(start) if m["op"] == "r2_add"]))
        for _ in range(10):
            flips = [m for m in legal_moves(start) if m["op"] == "r3"]
            start = apply_move(start, rng.choice(flips)) if flips else start
        if start.size == 0 or start.components() != 1:
            continue
        moves = greedy_unknot(start, rng)
        if moves is None:
            continue
        verdict = verify(cert(start.to_json(), moves))
        assert verdict.valid, verdict.reason
        assert not verify(cert(start.to_json(), moves[:-1])).valid
        solved += 1
    assert solved >= 3


def test_knotted_certificate() -> None:
    good = cert(TREFOIL, [{"op": "invariant", "name": "alexander"}], claim="knotted")
    pytest.importorskip("rigorgym.verifiers.pd_alexander")
    assert verify(good).valid
    assert not verify(cert(KINK * 1, [{"op": "invariant", "name": "alexander"}], claim="knotted")).valid
    assert verify(cert(TREFOIL, [], claim="knotted")).malformed


# -- soundness -------------------------------------------------------------------------------------


def subtly_wrong(d: PD, move: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A near miss of a legal move: another side, edge, crossing, over/under or op."""
    wrong = dict(move)
    key = rng.choice([k for k in move if k != "op"] + ["op"])
    value = wrong[key]
    if key == "op":
        wrong["op"] = rng.choice(["r1_remove", "r2_remove", "r3", "r2_add", "r1_add"])
    elif value in ("left", "right"):
        wrong[key] = "left" if value == "right" else "right"
    elif value in ("over", "under"):
        wrong[key] = "over" if value == "under" else "under"
    else:
        wrong[key] = value + rng.choice([-1, 1, d.size])
    return wrong


def knotted_diagrams() -> list[list[list[int]]]:
    rows = [line for line in (SOURCES / "very_hard_unknots.csv").read_text().splitlines()[1:]]
    knotted = json.loads((SOURCES / "very_hard_unknots_csv_classification.json").read_text())["knotted_rows"]
    decoys = [json.loads(rows[r].strip('"').replace("(", "[").replace(")", "]")) for r in knotted[:12]]
    return [TREFOIL, spherogram.Link("K4a1").PD_code(), spherogram.Link("K8n1").PD_code(), *decoys]


def shrinking_candidates(d: PD) -> list[dict[str, Any]]:
    """R1 removals at kinks, R2 removals at bigons, R3 at triangles, by face shape alone (some are illegal:
    the move lists are meant to be sloppy); cheaper than ``legal_moves``, which applies each to check it."""
    moves: list[dict[str, Any]] = [
        {"op": "r1_remove", "crossing": i}
        for i, c in enumerate(d.crossings)
        if any(c[s] == c[(s + 1) & 3] for s in range(4))
    ]
    for face in d.faces():
        if len(face) in (2, 3):
            edge, side = edge_side(d, face[0])
            moves.append({"op": "r2_remove" if len(face) == 2 else "r3", "edge": edge, "side": side})
    return moves


def test_sloppy_move_lists_never_prove_a_knot_trivial() -> None:
    rng = random.Random(7)
    checked = 0
    for pd in knotted_diagrams():
        start = PD.from_pd(pd)
        for _ in range(150):
            d, moves = start, []
            for _ in range(rng.randint(1, 30)):
                move = rng.choice(shrinking_candidates(d) or legal_moves(d))
                if rng.random() < 0.3:
                    move = subtly_wrong(d, move, rng)
                try:
                    d = apply_move(d, move)
                except IllegalMove:
                    pass
                moves.append(move)
            moves += [{"op": "r1_remove", "crossing": 0}] * rng.randint(0, 3)
            assert not verify(cert([list(c) for c in pd], moves)).valid
            checked += 1
    assert checked >= 2000


def test_subtly_wrong_moves_are_refused() -> None:
    t = PD.from_pd(TREFOIL)
    with pytest.raises(IllegalMove, match="sides, not 2|alternate"):
        apply_move(t, {"op": "r2_remove", "edge": 1, "side": "left"})
    with pytest.raises(IllegalMove, match="over at both|sides, not 3"):
        for edge in range(1, 7):
            for side in ("left", "right"):
                face = t.face(t.dart(edge, side))
                if len(face) == 3:
                    apply_move(t, {"op": "r3", "edge": edge, "side": side})
    with pytest.raises(IllegalMove, match="no kink"):
        apply_move(t, {"op": "r1_remove", "crossing": 0})
    with pytest.raises(IllegalMove, match="not on one face"):
        d = PD.from_pd(spherogram.Link("K6a1").PD_code())
        for e in range(1, 13):
            for f in range(1, 13):
                for s in ("left", "right"):
                    if d.dart(f, s) not in d.face(d.dart(e, s)) and e != f:
                        apply_move(d, {"op": "r2_add", "over": e, "over_side": s, "under": f, "under_side": s})
    for bad in (
        {"op": "r1_remove", "crossing": 3},
        {"op": "r1_remove", "crossing": True},
        {"op": "r1_remove", "crossing": 0, "extra": 1},
        {"op": "r1_add", "edge": 0, "side": "left", "first": "over"},
        {"op": "r1_add", "edge": 7, "side": "left", "first": "over"},
        {"op": "r1_add", "edge": 1, "side": "up", "first": "over"},
        {"op": "r1_add", "edge": 1, "side": "left", "first": "sideways"},
        {"op": "r2_add", "over": 1, "over_side": "left", "under": 1, "under_side": "right"},
        {"op": "r3", "edge": 1.0, "side": "left"},
        {"op": "twist"},
        "r1_remove",
        {"crossing": 0},
    ):
        with pytest.raises(IllegalMove):
            apply_move(t, bad)


def test_an_alternating_bigon_is_not_a_reidemeister_two() -> None:
    # the 2-crossing diagram of the Hopf link: both of its bigons alternate
    hopf = PD.from_pd(spherogram.Link("L2a1").PD_code())
    assert not [m for m in legal_moves(hopf) if m["op"] in ("r2_remove", "r1_remove")]
    with pytest.raises(IllegalMove, match="alternate"):
        apply_move(hopf, {"op": "r2_remove", "edge": 1, "side": "left"})


# -- hostile input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pd", "message"),
    [
        ([[1, 2, 3, 4]], "occurs once"),
        ([[1, 1, 1, 2], [2, 3, 3, 4]], "more than twice"),
        ([[10**9, 10**9, 10**9, 2], [2, 3, 3, 4]], "occurs once"),
        ([[1, 3, 2, 4], [2, 4, 1, 3]], "not planar|both ways"),
        ([[1, 2, 3]], "not a list of 4"),
        ([[1, 2, "3", 4]], "not an integer"),
        ("K3a1", "a PD code is a list"),
    ],
)
def test_invalid_pd_codes(pd: Any, message: str) -> None:
    with pytest.raises(InvalidPD, match=message):
        PD.from_pd(pd)
    assert verify(cert(pd, [])).malformed


def test_hostile_sizes_answer_at_once() -> None:
    start = time.perf_counter()
    huge = [[4 * i + 1, 4 * i + 2, 4 * i + 3, 4 * i + 4] for i in range(100_000)]
    verdict = verify(cert(huge, []))
    assert verdict.malformed and "exceed" in verdict.reason
    # many moves that each grow the diagram: stopped by the crossing limit, not a hang
    grow = [{"op": "r1_add", "edge": 1, "side": "left", "first": "over"}] * 1000
    verdict = verify(cert(TREFOIL, grow))
    assert not verdict.valid and "400 crossings" in verdict.reason
    assert time.perf_counter() - start < 10


def test_schema_describes_unknot_diagram_certificates() -> None:
    import jsonschema
    from rigorgym.verifiers import schema

    validator = jsonschema.Draft202012Validator(schema())
    moves = [
        {"op": "r1_add", "edge": 1, "side": "left", "first": "over"},
        {"op": "r1_remove", "crossing": 3},
        {"op": "r2_add", "over": 2, "over_side": "left", "under": 4, "under_side": "left"},
        {"op": "r2_remove", "edge": 3, "side": "right"},
        {"op": "r3", "edge": 1, "side": "left"},
    ]
    assert validator.is_valid(cert(TREFOIL, moves))
    assert validator.is_valid(cert(TREFOIL, [{"op": "invariant", "name": "alexander"}], claim="knotted"))
    assert not validator.is_valid(cert(TREFOIL, moves, claim="knotted"))
    assert not validator.is_valid(cert(TREFOIL, [{"op": "r3", "edge": 1, "side": "up"}]))
    assert not validator.is_valid(cert(TREFOIL, moves, claim="ribbon"))
