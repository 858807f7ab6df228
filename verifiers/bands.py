"""Band moves on canonical PD codes: Ribbon-v0's replay on the project's own diagram kernel.

A ``ribbon`` certificate in this vocabulary plays ``fission`` bands and the
Reidemeister moves of :mod:`.reidemeister` (``r1_add`` … ``r3``) on the
knot's PD code (:class:`.pd.PD`, canonical form); it proves the knot ribbon
when the replay ends on a crossingless diagram of ``bands + 1`` circles: the
bands and the disks those circles bound make a ribbon disk (every band joins a
component to itself coherently, so the surface is a connected, orientable
planar surface with one boundary circle and Euler characteristic 1).

``{"op": "fission", "edge": e, "side": s, "to": f, "to_side": t, "half_twists": h}``
    A band inside one face: the face on side ``s`` of edge ``e`` must be the
    face on side ``t`` of edge ``f`` (``e != f``), and both edges must belong
    to the same component. The band is a strip across that face from a point
    of ``e`` to a point of ``f``; both edges are cut there and the band's two
    long sides join them: the part of ``e`` that leaves ``e``'s tail continues
    along the band into the part of ``f`` that reaches ``f``'s head, and the
    part of ``f`` from its tail into the part of ``e`` to its head (so the
    orientation is kept and the component splits in two).

    The two band sides cross ``|h|`` times (``h`` half twists, ``|h| <=``
    :data:`MAX_HALF_TWISTS`). Picture the face so that the walk along the
    face's boundary (the face on the walker's right) goes east along ``e``
    (``e`` on top) and west along ``f`` (``f`` at the bottom): for ``h > 0``
    the band side that runs from top-left to bottom-right passes under at each
    twist crossing, for ``h < 0`` over. This is spherogram's sign:
    ``Band([X, Z], [], h)`` with ``X``, ``Z`` the east ends of ``e`` and ``f``
    is the same band (tests compare the two on random knots). A band keeps the orientation only if
    ``(s == t) == (h is even)`` (antiparallel sides of the face need an even
    number of half twists, parallel ones an odd number): anything else is
    refused. The twist crossings are appended in order from ``e`` to ``f``;
    then the code is put in canonical form (:func:`.pd._canonical`).

Every band a spherogram ``Band`` with no crossings along it describes is such
a move; one that runs under or over strands is a face band after Reidemeister
moves that drag those strands off the band's core (tests replay both and
compare the links).

Written by hand, like :mod:`.reidemeister`: no library gives exact,
replayable band moves on a PD code without an object-identity-dependent
simplification.
"""

from __future__ import annotations

from typing import Any

from .braid import _is_int, describe
from .pd import PD, InvalidPD, _canonical, _check_planar
from .reidemeister import MOVES as REIDEMEISTER_MOVES
from .reidemeister import IllegalMove, _edge, _fields, _side

#: The most half twists one band may carry (each is a crossing).
MAX_HALF_TWISTS = 16

FISSION_FIELDS = ("edge", "side", "to", "to_side", "half_twists")

#: The ops of a ribbon certificate on this kernel (the spherogram replay uses ``band`` and ``simplify``).
OPS = ("fission", *REIDEMEISTER_MOVES)


def component_of(diagram: PD) -> list[int]:
    """``comp[p]``: a number for the component through position ``p`` (the order of first appearance)."""
    comp = [-1] * len(diagram.other)
    count = 0
    for start in range(len(comp)):
        if comp[start] >= 0:
            continue
        x = start
        while comp[x] < 0:
            comp[x] = comp[diagram.other[x]] = count
            x = diagram.other[x] ^ 2
        count += 1
    return comp


def fission(diagram: PD, move: dict[str, Any]) -> PD:
    """The diagram after the band ``move`` (module docstring); :class:`IllegalMove` if it does not apply."""
    e, f = _edge(diagram, move["edge"]), _edge(diagram, move["to"])
    s, t = _side(move["side"]), _side(move["to_side"])
    h = move["half_twists"]
    if not _is_int(h) or abs(h) > MAX_HALF_TWISTS:
        raise IllegalMove(f"half_twists must be an integer in -{MAX_HALF_TWISTS}..{MAX_HALF_TWISTS}, got {describe(h)}")
    if e == f:
        raise IllegalMove("a band needs two different edges")
    d_e, d_f = diagram.dart(e, s), diagram.dart(f, t)
    if d_f not in diagram.face(d_e):
        raise IllegalMove(f"the {s} of edge {e} and the {t} of edge {f} are not on one face")
    if (s == t) != (h % 2 == 0):
        raise IllegalMove(
            f"a band between the {s} of edge {e} and the {t} of edge {f} with {h} half twists does not keep the "
            "orientation (same sides need an even number of half twists, opposite sides an odd one)"
        )
    comp = component_of(diagram)
    if comp[d_e] != comp[d_f]:
        raise IllegalMove(f"edges {e} and {f} are on different components: the band would fuse them, not split")
    return _banded(diagram, e, s, f, t, int(h))


def _banded(diagram: PD, e: int, s: str, f: int, t: str, h: int) -> PD:
    """The band surgery itself (the checks are done): relabel the four cut ends, append the twist crossings."""
    flat, out = diagram.flat, list(diagram.out)
    te, tf = diagram.tail(e), diagram.tail(f)
    he, hf = diagram.other[te], diagram.other[tf]
    # The face frame of the docstring: the walk goes east along e on top (from its dart's end), west along f.
    top_w, top_e = (te, he) if s == "right" else (he, te)
    bottom_e, bottom_w = (tf, hf) if t == "right" else (hf, tf)
    fresh = 2 * diagram.size + 1
    left = [fresh + 2 * k for k in range(abs(h) + 1)]  # the band's left column, top to bottom, between crossings
    right = [fresh + 2 * k + 1 for k in range(abs(h) + 1)]
    flat[top_w], flat[top_e] = left[0], right[0]
    flat[bottom_w], flat[bottom_e] = left[-1], right[-1]
    # the strand that starts at the top-left end runs down the band iff that end is e's tail
    down = {0: top_w == te, 1: top_w != te}  # strand 0 starts top-left, strand 1 top-right
    in_left = 0
    for k in range(1, abs(h) + 1):
        a, b = in_left, 1 - in_left  # a: north-west to south-east, b: north-east to south-west
        ccw = [left[k - 1], left[k], right[k], right[k - 1]]  # NW, SW, SE, NE
        leaves = [not down[a], down[b], down[a], not down[b]]
        under_in = (3 if down[b] else 1) if h < 0 else (0 if down[a] else 2)
        flat.extend(ccw[under_in:] + ccw[:under_in])
        out.extend(leaves[under_in:] + leaves[:under_in])
        in_left = b
    try:
        banded = _canonical(flat, out, diagram.loops)
        _check_planar(banded.size, banded.other)
    except InvalidPD as exc:  # never for a legal band: a kernel bug must not pass as a diagram
        raise IllegalMove(f"the band gives no planar, oriented diagram ({exc})") from None
    return banded


def fusion(diagram: PD, e: int, s: str, f: int, t: str, h: int) -> PD:
    """A band joining two **different** components (the inverse of a fission): not a certificate move.

    For the suite builders that make ribbon knots by fusing an unlink; same geometry and rules as
    :func:`fission` otherwise."""
    d_e, d_f = diagram.dart(e, s), diagram.dart(f, t)
    comp = component_of(diagram)
    if e == f or d_f not in diagram.face(d_e) or comp[d_e] == comp[d_f] or (s == t) != (h % 2 == 0):
        raise IllegalMove("a fusion band joins edges of two components on one face, with matching orientations")
    return _banded(diagram, e, s, f, t, h)


def apply_move(diagram: PD, move: Any) -> PD:
    """A ``fission`` band or a Reidemeister move; :class:`IllegalMove` if malformed or inapplicable."""
    if isinstance(move, dict) and move.get("op") == "fission":
        return fission(diagram, _fields(move, FISSION_FIELDS))
    from .reidemeister import apply_move as reidemeister_move

    return reidemeister_move(diagram, move)


def legal_bands(diagram: PD, max_half_twists: int = 2) -> list[dict[str, Any]]:
    """Every ``fission`` band with at most ``max_half_twists`` half twists, each pair of darts of a face once.

    For agents and tests; the kernel checks only the move it is given.
    """
    from .reidemeister import edge_side

    comp = component_of(diagram)
    moves: list[dict[str, Any]] = []
    for face in diagram.faces():
        for i, p in enumerate(face):
            e, s = edge_side(diagram, p)
            for q in face[i + 1 :]:
                f, t = edge_side(diagram, q)
                if e == f or comp[p] != comp[q]:
                    continue
                for h in range(-max_half_twists, max_half_twists + 1):
                    if (s == t) == (h % 2 == 0):
                        moves.append({"op": "fission", "edge": e, "side": s, "to": f, "to_side": t, "half_twists": h})
    return moves
