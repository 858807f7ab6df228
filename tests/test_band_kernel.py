"""Band moves on the PD kernel (verifiers/bands.py): spherogram's bands, the Kauffman bracket, the refusals.

The link type after a band is compared with spherogram's ``add_one_band`` of the same band through the Kauffman
bracket, computed here by its state sum (independent of both: no spherogram, no kernel code).
"""

from __future__ import annotations

import ast
import random
from collections import defaultdict
from typing import Any

import database_knotinfo
import pytest
import spherogram
from rigorgym.verifiers import verify
from rigorgym.verifiers.bands import MAX_HALF_TWISTS, apply_move, component_of, fission, legal_bands
from rigorgym.verifiers.pd import PD
from rigorgym.verifiers.reidemeister import IllegalMove
from spherogram.links.bands.core import Band, add_one_band, normalize_crossing_labels

KNOTS = {
    r["name"]: ast.literal_eval(r["pd_notation"])
    for r in database_knotinfo.link_list()
    if str(r.get("crossing_number", "")).isdigit() and 3 <= int(r["crossing_number"]) <= 7
}


def bracket(crossings: Any, loops: int = 0) -> tuple[tuple[int, int], ...]:
    """<D> as a Laurent polynomial in A, up to ±A^k: ((exponent, coefficient), ...) from exponent 0."""
    labels = sorted({x for c in crossings for x in c})
    index = {label: i for i, label in enumerate(labels)}
    total: dict[int, int] = defaultdict(int)

    def find(parent: list[int], x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for state in range(1 << len(crossings)):
        parent = list(range(len(labels)))
        a_minus_b = 0
        for i, (p, q, r, s) in enumerate(crossings):
            pairs = ((p, q), (r, s)) if state >> i & 1 else ((p, s), (q, r))  # A- and B-smoothings
            a_minus_b += 1 if state >> i & 1 else -1
            for u, v in pairs:
                parent[find(parent, index[u])] = find(parent, index[v])
        circles = len({find(parent, i) for i in range(len(labels))}) + loops
        poly = {0: 1}
        for _ in range(circles - 1):  # d = -A^2 - A^-2 per extra circle
            step: dict[int, int] = defaultdict(int)
            for e, c in poly.items():
                step[e + 2] -= c
                step[e - 2] -= c
            poly = step
        for e, c in poly.items():
            total[e + a_minus_b] += c
    terms = {e: c for e, c in total.items() if c}
    low, sign = min(terms), 1 if terms[max(terms)] > 0 else -1
    return tuple(sorted((e - low, sign * c) for e, c in terms.items()))


def east_ends(d: PD, move: dict[str, Any]) -> tuple[int, int]:
    """The positions spherogram's ``Band([X, Z], [], h)`` starts from for the same band (bands.py docstring)."""
    te, tf = d.tail(move["edge"]), d.tail(move["to"])
    top_east = d.other[te] if move["side"] == "right" else te
    bottom_east = tf if move["to_side"] == "right" else d.other[tf]
    return top_east, bottom_east


def test_face_bands_are_spherogram_bands() -> None:
    rng = random.Random(0)
    names = sorted(KNOTS)
    for _ in range(60):
        d = PD.from_pd(KNOTS[rng.choice(names)])
        move = rng.choice(legal_bands(d, 2))
        ours = fission(d, move)
        assert ours.components() == 2 and ours.size == d.size + abs(move["half_twists"])
        x, z = east_ends(d, move)
        link = spherogram.Link([list(c) for c in d.crossings])
        normalize_crossing_labels(link)
        theirs = add_one_band(link, Band([(x >> 2, x & 3), (z >> 2, z & 3)], [], move["half_twists"]))
        assert bracket(ours.crossings, ours.loops) == bracket(theirs.PD_code()), (d.to_json(), move)


def test_every_legal_band_splits_a_component_and_keeps_the_orientation() -> None:
    d = PD.from_pd(KNOTS["6_1"])
    for move in legal_bands(d, 3):
        banded = apply_move(d, move)
        assert banded.components() == 2
        comp = component_of(banded)
        assert len(set(comp)) == 2
        # canonical form: every crossing starts at its incoming under edge, the under strand leaves by slot 2
        assert all(not banded.out[4 * i] and banded.out[4 * i + 2] for i in range(banded.size))
        # the twist crossings are between the two new components, the old ones keep their edges' directions
        for i in range(d.size, banded.size):
            assert comp[4 * i] != comp[4 * i + 1]


def _a_band(d: PD) -> dict[str, Any]:
    return next(m for m in legal_bands(d, 0))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"half_twists": 1}, "does not keep the orientation"),  # same sides need an even number
        ({"half_twists": True}, "half_twists must be an integer"),
        ({"half_twists": MAX_HALF_TWISTS + 2}, "half_twists must be an integer"),
        ({"half_twists": 2.0}, "half_twists must be an integer"),
        ({"edge": 99}, "no edge"),
        ({"side": "up"}, "side must be"),
        ({"extra": 1}, "takes exactly the fields"),
    ],
)
def test_subtly_wrong_bands_are_refused(change: dict[str, Any], words: str) -> None:
    d = PD.from_pd(KNOTS["6_1"])
    move = {**_a_band(d), **change}
    with pytest.raises(IllegalMove, match=words):
        apply_move(d, move)


def test_a_band_across_two_faces_or_onto_itself_is_refused() -> None:
    d = PD.from_pd(KNOTS["6_1"])
    move = _a_band(d)
    faces = {frozenset(d.face(d.dart(move["edge"], move["side"])))}
    # an edge not on the band's face: same sides, even twists (orientation fine), the faces differ
    far = next(
        e for e in range(1, 2 * d.size + 1) if d.dart(e, move["side"]) not in next(iter(faces)) and e != move["edge"]
    )
    with pytest.raises(IllegalMove, match="not on one face"):
        apply_move(d, {**move, "to": far})
    with pytest.raises(IllegalMove, match="two different edges"):
        apply_move(d, {**move, "to": move["edge"]})


def test_a_band_between_two_components_is_refused() -> None:
    d = PD.from_pd(KNOTS["6_1"])
    split = fission(d, _a_band(d))
    comp = component_of(split)
    for face in split.faces():
        pairs = [(p, q) for p in face for q in face if comp[p] != comp[q]]
        if pairs:
            from rigorgym.verifiers.reidemeister import edge_side

            (e, s), (f, t) = edge_side(split, pairs[0][0]), edge_side(split, pairs[0][1])
            h = 0 if s == t else 1
            move = {"op": "fission", "edge": e, "side": s, "to": f, "to_side": t, "half_twists": h}
            with pytest.raises(IllegalMove, match="different components"):
                apply_move(split, move)
            return
    pytest.fail("no face meets both components")


def ribbon_cert(pd: Any, moves: list[Any]) -> dict[str, Any]:
    return {"format": "rigorgym-certificate/1", "env": "Ribbon-v0", "claim": "ribbon", "instance": {"pd": pd},
            "moves": moves}  # fmt: skip


def test_certificates_on_the_pd_kernel_replay_without_spherogram() -> None:
    # 6_1 (ribbon): a band and Reidemeister moves to two circles (ribbon-pd's, as in docs/certificates.md)
    found: list[dict[str, Any]] = [
        {"op": "fission", "edge": 8, "side": "right", "to": 3, "to_side": "left", "half_twists": 1},
        {"op": "r3", "edge": 8, "side": "left"}, {"op": "r2_remove", "edge": 11, "side": "left"},
        {"op": "r3", "edge": 6, "side": "right"}, {"op": "r1_remove", "crossing": 3},
        {"op": "r2_remove", "edge": 5, "side": "right"}, {"op": "r2_remove", "edge": 1, "side": "left"},
    ]  # fmt: skip
    verdict = verify(ribbon_cert(KNOTS["6_1"], found))
    assert verdict.valid and "1 band move(s)" in verdict.reason, verdict.reason
    import jsonschema
    from rigorgym.verifiers import schema

    jsonschema.Draft202012Validator(schema()).validate(ribbon_cert(KNOTS["6_1"], found))
    assert not verify(ribbon_cert(KNOTS["6_1"], found[:-1])).valid  # one move short: crossings left
    assert not verify(ribbon_cert(KNOTS["6_1"], found[1:])).valid  # no band: the moves do not even apply
    twice = [found[0], found[0], *found[1:]]
    assert not verify(ribbon_cert(KNOTS["6_1"], twice)).valid


def test_random_bands_and_moves_never_prove_a_non_slice_knot_ribbon() -> None:
    from rigorgym.verifiers.reidemeister import legal_moves

    rng = random.Random(5)
    accepted = 0
    for name in ("3_1", "4_1", "5_1", "5_2", "7_1"):  # not slice: signature or Fox-Milnor obstructs
        for _ in range(20):
            d = PD.from_pd(KNOTS[name])
            moves: list[Any] = []
            for _ in range(rng.randint(1, 12)):
                options = legal_bands(d, 2) if rng.random() < 0.3 else legal_moves(d)
                options = [m for m in options if m["op"] != "r1_add"] or options
                move = rng.choice(options)
                d = apply_move(d, move)
                moves.append(move)
            accepted += verify(ribbon_cert(KNOTS[name], moves)).valid
    assert accepted == 0
