"""The pure game logic of Ribbon-v0 on the project's own PD kernel (no spherogram, no hidden state).

Every function takes a canonical :class:`~rigorgym.verifiers.pd.PD` and returns kernel moves (the dicts
a certificate holds) or the diagram they give, so an env, a search or a test can share them and every
trajectory replays through :func:`rigorgym.verifiers.bands.apply_move` exactly (Pgx's split: a thin env
over pure functions).

The candidates of a diagram come in four blocks, each a list in a fixed order (:class:`Candidates`):

* **reduce**: the R1 and R2 removals, the first that applies in a fixed order, until none is left
  (:func:`reduce`); deterministic, never adds a crossing.
* **r3**: the R3 moves, one per triangle face that allows one: the knot drawn differently, so strands
  move across faces and other bands come to lie in faces.
* **finger**: the R2 additions pushing one edge of a face over another edge of that face: how a band
  whose core would cross a strand becomes a face band.
* **band**: the ``fission`` bands inside a face (:func:`rigorgym.verifiers.bands.legal_bands`'s order).

Candidates are kept as tuples of ints (side 0 = left, 1 = right) and become move dicts only when one is
played (:func:`to_move`): a step lists hundreds of them and plays one. The faces are walked once per
diagram. The legality conditions for R2 removal and R3 repeat the kernel's; tests check that every
listed move is one the kernel plays and that the lists equal the kernel's own enumerations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rigorgym.verifiers.bands import apply_move, component_of
from rigorgym.verifiers.pd import PD

Move = dict[str, Any]
SIDES = ("left", "right")

__all__ = ["Candidates", "Move", "apply_move", "candidates", "components", "first_removal", "reduce", "solved"]


def faces(d: PD) -> list[list[int]]:
    """Every face as its darts (the same faces, in the same order, as :meth:`PD.faces`)."""
    other = d.other
    seen = bytearray(len(other))
    result = []
    for p in range(len(other)):
        if seen[p]:
            continue
        darts = []
        x = p
        while not seen[x]:
            seen[x] = 1
            darts.append(x)
            q = other[x]
            x = (q & ~3) | ((q + 1) & 3)  # rot: the next slot counter-clockwise
        result.append(darts)
    return result


def first_removal(d: PD, walked: list[list[int]] | None = None) -> Move | None:
    """The first R1 removal (by crossing) or else the first R2 removal (by face) that applies, or None."""
    for i, c in enumerate(d.crossings):
        if c[0] == c[1] or c[1] == c[2] or c[2] == c[3] or c[3] == c[0]:
            return {"op": "r1_remove", "crossing": i}
    other = d.other
    for face in faces(d) if walked is None else walked:
        if len(face) != 2:
            continue
        a, b = face
        if a >> 2 == b >> 2 or (a & 1) != (other[a] & 1):  # the kernel's r2_remove conditions
            continue
        return {"op": "r2_remove", "edge": d.crossings[a >> 2][a & 3], "side": SIDES[d.out[a]]}
    return None


def reduce(d: PD, limit: int = 10_000) -> tuple[PD, list[Move]]:
    """Removals until none applies (at most ``limit``): the diagram reached and the moves, in order."""
    moves: list[Move] = []
    while len(moves) < limit:
        move = first_removal(d)
        if move is None:
            break
        d = apply_move(d, move)
        moves.append(move)
    return d, moves


@dataclass(frozen=True)
class Candidates:
    """The lists of one diagram: ``r3`` ``(edge, side)``, ``finger`` ``(over, side, under, side)``,
    ``band`` ``(edge, side, to, to_side, half_twists)``, and whether a removal applies."""

    can_reduce: bool
    r3: list[tuple[int, int]]
    finger: list[tuple[int, int, int, int]]
    band: list[tuple[int, int, int, int, int]]


def candidates(
    d: PD, max_r3: int, max_fingers: int, max_bands: int, max_half_twists: int
) -> Candidates:  # fmt: skip
    """Every block's first entries (at most ``max_*`` each) from one walk of the faces."""
    walked = faces(d)
    can_reduce = first_removal(d, walked) is not None
    other, crossings, out = d.other, d.crossings, d.out
    named_faces = [[(crossings[p >> 2][p & 3], int(out[p])) for p in face] for face in walked]
    r3: list[tuple[int, int]] = []
    if max_r3:
        for face, named in zip(walked, named_faces, strict=True):
            if len(face) != 3 or len({p >> 2 for p in face}) != 3:
                continue
            if any((p & 1) and (other[p] & 1) for p in face):  # the kernel's r3 condition
                r3.append(named[0])
                if len(r3) >= max_r3:
                    break
    finger: list[tuple[int, int, int, int]] = []
    if max_fingers:
        for named in named_faces:
            finger.extend((e, s, f, t) for e, s in named for f, t in named if e != f)
            if len(finger) >= max_fingers:
                del finger[max_fingers:]
                break
    band: list[tuple[int, int, int, int, int]] = []
    if max_bands and crossings:
        comp = component_of(d)
        h_max = max_half_twists
        even = range(-h_max + (h_max & 1), h_max + 1, 2)
        odd = range(-h_max + 1 - (h_max & 1), h_max + 1, 2)
        for face, named in zip(walked, named_faces, strict=True):
            for i, (e, s) in enumerate(named):
                c = comp[face[i]]
                for j in range(i + 1, len(named)):
                    f, t = named[j]
                    if e != f and comp[face[j]] == c:
                        band.extend((e, s, f, t, h) for h in (even if s == t else odd))
            if len(band) >= max_bands:
                del band[max_bands:]
                break
    return Candidates(can_reduce, r3, finger, band)


def to_move(block: str, entry: tuple[int, ...]) -> Move:
    """The kernel move of a candidate tuple (``block`` in ``r3``, ``finger``, ``band``)."""
    if block == "r3":
        return {"op": "r3", "edge": entry[0], "side": SIDES[entry[1]]}
    if block == "finger":
        e, s, f, t = entry
        return {"op": "r2_add", "over": e, "over_side": SIDES[s], "under": f, "under_side": SIDES[t]}
    e, s, f, t, h = entry
    return {"op": "fission", "edge": e, "side": SIDES[s], "to": f, "to_side": SIDES[t], "half_twists": h}


def solved(d: PD, bands: int) -> bool:
    """The ribbon end: no crossings and ``bands + 1`` components (the kernel's condition)."""
    return not d.crossings and d.loops == bands + 1


def components(d: PD) -> int:
    """Components of the link (through crossings, plus the crossingless loops)."""
    return (max(component_of(d)) + 1 if d.crossings else 0) + d.loops
