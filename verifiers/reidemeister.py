"""Reidemeister moves on canonical PD codes (docs/certificates.md, "UnKnot-Diagram-v0").

Every move names edges by their canonical labels and faces by an edge and a
side (:meth:`rigorgym.verifiers.pd.PD.dart`), and returns a new canonical
:class:`PD` (removed crossings are deleted, new ones appended in the order
given below). Each move is a plane isotopy of the diagram followed by one
Reidemeister move, so it never changes the link type; the legality checks
are exactly the conditions under which the local picture is the move's.

``{"op": "r1_remove", "crossing": i}``
    Crossing ``i`` has an edge joining two neighbouring slots (a kink: the
    edge bounds a monogon face). The crossing and the loop go; the two other
    edges at ``i`` become one (or a crossingless loop if they were one edge).
``{"op": "r1_add", "edge": e, "side": "left"|"right", "first": "over"|"under"}``
    A kink on edge ``e``, its loop in the face on ``side`` of ``e``; walking
    along ``e`` the strand passes the new crossing first ``over`` or
    ``under``. Always legal on an existing edge.
``{"op": "r2_remove", "edge": e, "side": s}``
    The face on side ``s`` of ``e`` is a bigon between two different
    crossings whose two edges are over at both ends and under at both ends
    respectively (an alternating bigon is refused). Both crossings go; the
    strands are rejoined (rejoined edges that close up become loops).
``{"op": "r2_add", "over": e, "over_side": s, "under": f, "under_side": t}``
    Edges ``e != f`` with the face on side ``s`` of ``e`` the same as the
    face on side ``t`` of ``f``: a finger of ``e`` is pushed across that face
    and over ``f``. Two crossings are appended: where the finger first
    crosses ``f`` (walking the face), then the second.
``{"op": "r3", "edge": e, "side": s}``
    The face on side ``s`` of ``e`` is a triangle with three different
    crossings, and one of its three strands passes over at both of its
    crossings there (an alternating triangle is refused). The triangle is
    flipped: each strand meets the other two in the opposite order; every
    crossing keeps its pair of strands, their over/under and its sign.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .braid import _is_int, describe
from .pd import PD, _canonical

SIDES = ("left", "right")


class IllegalMove(ValueError):
    """A move that is malformed or whose conditions do not hold on the diagram."""


def _fields(move: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    if set(move) != {"op", *keys}:
        raise IllegalMove(f"{move['op']} takes exactly the fields {', '.join(keys)}")
    return dict(move)


def _edge(diagram: PD, value: Any) -> int:
    if not _is_int(value) or not 1 <= value <= 2 * diagram.size:
        raise IllegalMove(f"no edge {describe(value)} (edges are 1..{2 * diagram.size})")
    return int(value)


def _side(value: Any) -> str:
    if value not in SIDES:
        raise IllegalMove(f"side must be 'left' or 'right', got {describe(value)}")
    return str(value)


def _drop(flat: list[int], out: list[bool], gone: set[int]) -> tuple[list[int], list[bool], dict[int, int]]:
    """Delete crossings ``gone``; returns the lists and the old → new position map."""
    keep_flat: list[int] = []
    keep_out: list[bool] = []
    moved: dict[int, int] = {}
    for p in range(len(flat)):
        if p >> 2 not in gone:
            moved[p] = len(keep_flat)
            keep_flat.append(flat[p])
            keep_out.append(out[p])
    return keep_flat, keep_out, moved


def _rejoin(diagram: PD, gone: set[int], joins: list[tuple[int, int]]) -> PD:
    """Delete crossings ``gone`` and join, for each pair of positions in ``joins``, their two edges.

    The edges of a join continue each other through a deleted crossing. After
    all joins, each class of joined edges has two positions left (one edge)
    or none (it closed up: a crossingless loop).
    """
    flat, out = diagram.flat, list(diagram.out)
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for p, q in joins:
        a, b = find(flat[p]), find(flat[q])
        if a != b:
            parent[a] = b
    roots = {find(flat[p]) for pair in joins for p in pair}
    flat = [find(x) for x in flat]
    kept, kept_out, _ = _drop(flat, out, gone)
    present = set(kept)
    loops = diagram.loops + sum(1 for r in roots if r not in present)
    return _canonical(kept, kept_out, loops)


def r1_remove(diagram: PD, move: dict[str, Any]) -> PD:
    i = move["crossing"]
    if not _is_int(i) or not 0 <= i < diagram.size:
        raise IllegalMove(f"no crossing {describe(i)} (crossings are 0..{diagram.size - 1})")
    c = diagram.crossings[i]
    s = next((s for s in range(4) if c[s] == c[(s + 1) & 3]), None)
    if s is None:
        raise IllegalMove(f"crossing {i} has no kink (no edge joins two neighbouring slots)")
    base = 4 * i
    return _rejoin(diagram, {i}, [(base + ((s + 2) & 3), base + ((s + 3) & 3))])


#: R1-add crossings: (side, first pass) -> slots 0..3 as (piece, out?) with pieces 0 = before, 1 = loop, 2 = after.
_KINKS: dict[tuple[str, str], tuple[tuple[int, bool], ...]] = {
    ("left", "under"): ((0, False), (2, True), (1, True), (1, False)),
    ("left", "over"): ((1, False), (0, False), (2, True), (1, True)),
    ("right", "under"): ((0, False), (1, False), (1, True), (2, True)),
    ("right", "over"): ((1, False), (1, True), (2, True), (0, False)),
}


def r1_add(diagram: PD, move: dict[str, Any]) -> PD:
    edge, side = _edge(diagram, move["edge"]), _side(move["side"])
    first = move["first"]
    if first not in ("over", "under"):
        raise IllegalMove(f"first must be 'over' or 'under', got {describe(first)}")
    flat, out = diagram.flat, list(diagram.out)
    tail = diagram.tail(edge)
    fresh = 2 * diagram.size + 1
    pieces = (fresh, fresh + 1, fresh + 2)  # before the kink, the loop, after it
    flat[tail], flat[diagram.other[tail]] = pieces[0], pieces[2]
    for piece, leaves in _KINKS[side, first]:
        flat.append(pieces[piece])
        out.append(leaves)
    return _canonical(flat, out, diagram.loops)


def _face_of(diagram: PD, move: dict[str, Any]) -> tuple[int, list[int]]:
    edge, side = _edge(diagram, move["edge"]), _side(move["side"])
    dart = diagram.dart(edge, side)
    return dart, diagram.face(dart)


def r2_remove(diagram: PD, move: dict[str, Any]) -> PD:
    dart, face = _face_of(diagram, move)
    if len(face) != 2:
        raise IllegalMove(f"the face on the {move['side']} of edge {move['edge']} has {len(face)} sides, not 2")
    a, b = face
    i, j = a >> 2, b >> 2
    if i == j:
        raise IllegalMove("the bigon's two corners are the same crossing")
    other = diagram.other
    t = other[a]  # where a's edge arrives at j
    if (a & 1) != (t & 1):
        raise IllegalMove(f"crossings {i} and {j} alternate over and under along the bigon: not a Reidemeister II")
    u = other[b]  # where b's edge arrives at i
    return _rejoin(diagram, {i, j}, [(a ^ 2, t ^ 2), (b ^ 2, u ^ 2)])


def r2_add(diagram: PD, move: dict[str, Any]) -> PD:
    over, under = _edge(diagram, move["over"]), _edge(diagram, move["under"])
    if over == under:
        raise IllegalMove("r2_add needs two different edges")
    p1 = diagram.dart(over, _side(move["over_side"]))
    p2 = diagram.dart(under, _side(move["under_side"]))
    if p2 not in diagram.face(p1):
        raise IllegalMove(
            f"the {move['over_side']} of edge {over} and the {move['under_side']} of edge {under} are not on one face"
        )
    other = diagram.other
    flat, out = diagram.flat, list(diagram.out)
    q1, q2 = other[p1], other[p2]
    fwd1, fwd2 = diagram.out[p1], diagram.out[p2]
    fresh = 2 * diagram.size + 1
    pre1, post1, pre2, post2, tip, mid = range(fresh, fresh + 6)
    flat[p1], flat[q1], flat[p2], flat[q2] = pre1, post1, pre2, post2
    # The finger leaves the over edge (walked along the face from p1), crosses the under edge at
    # X_a, turns at ``tip`` and crosses back at X_b; ``mid`` is the under edge between X_b and X_a.
    # Out flags: pre1, tip, post1 run X_a -> X_b with the walk iff the over edge does (fwd1);
    # pre2, mid, post2 run X_b -> X_a with the walk iff the under edge does (fwd2).
    if fwd2:
        x_a, x_a_out = [mid, pre1, post2, tip], [not fwd2, not fwd1, fwd2, fwd1]
        x_b, x_b_out = [pre2, post1, mid, tip], [not fwd2, fwd1, fwd2, not fwd1]
    else:
        x_a, x_a_out = [post2, tip, mid, pre1], [fwd2, fwd1, not fwd2, not fwd1]
        x_b, x_b_out = [mid, tip, pre2, post1], [fwd2, not fwd1, not fwd2, fwd1]
    flat.extend(x_a)
    flat.extend(x_b)
    out.extend(x_a_out)
    out.extend(x_b_out)
    return _canonical(flat, out, diagram.loops)


def r3(diagram: PD, move: dict[str, Any]) -> PD:
    _, face = _face_of(diagram, move)
    if len(face) != 3:
        raise IllegalMove(f"the face on the {move['side']} of edge {move['edge']} has {len(face)} sides, not 3")
    if len({d >> 2 for d in face}) != 3:
        raise IllegalMove("the triangle's corners are not three different crossings")
    other = diagram.other
    # Triangle edge k leaves its corner at face[k] and arrives at other[face[k]] (the next corner).
    if not any((d & 1) and (other[d] & 1) for d in face):
        raise IllegalMove("no strand passes over at both of its triangle crossings: not a Reidemeister III")
    flat = diagram.flat
    new = list(flat)
    fresh = 2 * diagram.size + 1
    for k, d in enumerate(face):
        e = other[d]
        # the strand of this triangle edge: its outer edges sit opposite both ends; they trade places,
        # and a new triangle edge joins the two opposite slots.
        new[d], new[e] = flat[e ^ 2], flat[d ^ 2]
        new[d ^ 2] = new[e ^ 2] = fresh + k
    return _canonical(new, list(diagram.out), diagram.loops)


MOVES: dict[str, tuple[tuple[str, ...], Callable[[PD, dict[str, Any]], PD]]] = {
    "r1_remove": (("crossing",), r1_remove),
    "r1_add": (("edge", "side", "first"), r1_add),
    "r2_remove": (("edge", "side"), r2_remove),
    "r2_add": (("over", "over_side", "under", "under_side"), r2_add),
    "r3": (("edge", "side"), r3),
}


def apply_move(diagram: PD, move: Any) -> PD:
    """The diagram after ``move``; :class:`IllegalMove` if it is malformed or does not apply."""
    if not isinstance(move, dict) or "op" not in move:
        raise IllegalMove(f"a move is an object with an 'op', got {describe(move)}")
    op = move["op"]
    entry = MOVES.get(op) if isinstance(op, str) else None
    if entry is None:
        raise IllegalMove(f"unknown op {describe(op)} (known: {', '.join(MOVES)})")
    keys, fn = entry
    return fn(diagram, _fields(move, keys))


def edge_side(diagram: PD, dart: int) -> tuple[int, str]:
    """The edge and side that name the face walked by ``dart`` (inverse of :meth:`PD.dart`)."""
    return diagram.crossings[dart >> 2][dart & 3], "right" if diagram.out[dart] else "left"


def legal_moves(diagram: PD) -> list[dict[str, Any]]:
    """Every legal move, each face-move named once (by the first dart of its face), in a fixed order.

    Used by tests and by agents; the kernel itself never needs it (it checks the move it is given).
    """
    moves: list[dict[str, Any]] = []
    for i in range(diagram.size):
        c = diagram.crossings[i]
        if any(c[s] == c[(s + 1) & 3] for s in range(4)):
            moves.append({"op": "r1_remove", "crossing": i})
    for face in diagram.faces():
        edge, side = edge_side(diagram, face[0])
        name = {"edge": edge, "side": side}
        if len(face) == 2:
            try:
                r2_remove(diagram, {"op": "r2_remove", **name})
                moves.append({"op": "r2_remove", **name})
            except IllegalMove:
                pass
        if len(face) == 3:
            try:
                r3(diagram, {"op": "r3", **name})
                moves.append({"op": "r3", **name})
            except IllegalMove:
                pass
        named = [edge_side(diagram, p) for p in face]  # once per dart, not once per pair
        for e, s in named:
            for f, t in named:
                if e != f:
                    moves.append({"op": "r2_add", "over": e, "over_side": s, "under": f, "under_side": t})
    for edge in range(1, 2 * diagram.size + 1):
        for side in SIDES:
            for first in ("over", "under"):
                moves.append({"op": "r1_add", "edge": edge, "side": side, "first": first})
    return moves
