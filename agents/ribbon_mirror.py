"""Mirror structure of a PD diagram: a visible connected sum ``D1 # D2`` and the maps of ``D1`` onto a mirror of ``D2``.

For ``ribbon-pd`` (:mod:`.ribbon_pd`): a knot ``K # -K`` is ribbon, and its standard ribbon disk is made of
bands that join a point of one summand to its mirror point on the other. Nothing here reads a name: the sum
and the maps are found on the PD code alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from rigorgym.verifiers.pd import PD


def edge_faces(d: PD) -> tuple[list[int], list[int]]:
    """``(right, left)``: the face index on each side of every edge (index ``e`` for edge ``e``)."""
    face_of = [0] * len(d.other)
    for k, darts in enumerate(d.faces()):
        for x in darts:
            face_of[x] = k
    right = [0] * (d.size * 2 + 1)
    left = [0] * (d.size * 2 + 1)
    for e in range(1, 2 * d.size + 1):
        tail = d.tails[e]
        right[e], left[e] = face_of[tail], face_of[d.other[tail]]
    return right, left


def summand_sides(d: PD, min_side: int = 3) -> tuple[list[int], tuple[int, int]] | None:
    """``(side of each crossing (0/1), the two edges the sum circle cuts)`` of a visible connected sum, or None.

    A connected sum shows as two faces that share two edges; cutting those edges splits the crossings in two.
    Only sides of at least ``min_side`` crossings count (smaller ones are kinks or clasps, not summands); the
    most balanced split wins (``K # -K`` has two summands of the same size)."""
    if d.size < 2 * min_side:
        return None
    right, left = edge_faces(d)
    shared: dict[tuple[int, int], list[int]] = {}
    for e in range(1, 2 * d.size + 1):
        a, b = right[e], left[e]
        if a != b:
            shared.setdefault((min(a, b), max(a, b)), []).append(e)
    best: tuple[int, list[int], tuple[int, int]] | None = None
    for edges in shared.values():
        if len(edges) != 2:
            continue
        cut = {d.tails[e] for e in edges} | {d.other[d.tails[e]] for e in edges}
        side = [-1] * d.size
        side[0] = 0
        stack = [0]
        while stack:
            i = stack.pop()
            for p in range(4 * i, 4 * i + 4):
                if p in cut:
                    continue
                j = d.other[p] >> 2
                if side[j] < 0:
                    side[j] = 0
                    stack.append(j)
        small = min(side.count(0), d.size - side.count(0))
        if small >= min_side and (best is None or small > best[0]):
            best = (small, [0 if s == 0 else 1 for s in side], (edges[0], edges[1]))
    return None if best is None else (best[1], best[2])


#: A closed summand: ``glue[p]`` for every position ``p`` on that side (the sum's two loose ends glued together).
Glue = dict[int, int]


def closed_summands(d: PD, side: list[int], cut: tuple[int, int]) -> tuple[Glue, Glue, tuple[int, int]]:
    """Each side as a closed diagram, and (for each side) the position where its closing edge starts."""
    closed: tuple[Glue, Glue] = ({}, {})
    loose: tuple[list[int], list[int]] = ([], [])
    for p, q in enumerate(d.other):
        if side[p >> 2] == side[q >> 2]:
            closed[side[p >> 2]][p] = q
        else:
            loose[side[p >> 2]].append(p)
    for k in (0, 1):
        a, b = loose[k]
        closed[k][a], closed[k][b] = b, a
    return closed[0], closed[1], (loose[0][0], loose[1][0])


def _image(kind: str, r: int, s: int) -> int:
    return (s + r) % 4 if kind == "rot" else (r - s) % 4


@dataclass(frozen=True)
class MirrorMap:
    """A map of side 0's closed diagram onto side 1's that takes it to a mirror image.

    ``kind`` "rot": the same plane, every crossing changed (slot ``s`` goes to ``s + r``, ``r`` odd); "ref":
    the planar reflection, crossings kept (slot ``s`` to ``r - s``, ``r`` even). ``pos`` maps every position
    of side 0 to its image."""

    kind: str
    pos: dict[int, int]


def mirror_maps(first: Glue, second: Glue) -> list[MirrorMap]:
    """Every isomorphism of the closed diagram ``first`` onto a mirror image of ``second``.

    A map is fixed by the image of one crossing and its slot shift, and then propagates along the gluings
    (the diagram is connected), so trying every start costs O(n^2)."""
    crossings = sorted({p >> 2 for p in first})
    targets = sorted({p >> 2 for p in second})
    if not crossings or len(crossings) != len(targets):
        return []
    found: list[MirrorMap] = []
    for kind, starts in (("rot", (1, 3)), ("ref", (0, 2))):
        parity = 1 if kind == "rot" else 0
        for target in targets:
            for r0 in starts:
                phi = {crossings[0]: (target, r0)}
                used, stack, ok = {target}, [crossings[0]], True
                while stack and ok:
                    c = stack.pop()
                    image, r = phi[c]
                    for s in range(4):
                        q = first[4 * c + s]
                        dd, j = q >> 2, q & 3
                        q2 = second[4 * image + _image(kind, r, s)]
                        e, k = q2 >> 2, q2 & 3
                        rd = (k - j) % 4 if kind == "rot" else (k + j) % 4
                        if rd % 2 != parity:
                            ok = False
                        elif dd in phi:
                            ok = phi[dd] == (e, rd)
                        elif e in used:
                            ok = False
                        else:
                            phi[dd] = (e, rd)
                            used.add(e)
                            stack.append(dd)
                        if not ok:
                            break
                if ok and len(phi) == len(crossings):
                    pos = {4 * c + s: 4 * im + _image(kind, r, s) for c, (im, r) in phi.items() for s in range(4)}
                    found.append(MirrorMap(kind, pos))
    return found


@dataclass(frozen=True)
class SumShape:
    """Where a band's feet lie on a visible connected sum: the side of each edge and the mirror-edge pairs."""

    edge_side: dict[int, int]  # edge -> 0 or 1 (the two edges the sum circle cuts are left out)
    mirror: frozenset[tuple[int, int]]  # (edge on side 0, its image on side 1) under some mirror map

    def rank(self, e: int | None, f: int | None) -> int:
        """0: a band joining an edge to its mirror edge, 1: joining the two summands, 2: anything else."""
        if e is None or f is None:
            return 2
        a, b = self.edge_side.get(e), self.edge_side.get(f)
        if a is None or b is None or a == b:
            return 2
        pair = (e, f) if a == 0 else (f, e)
        return 0 if pair in self.mirror else 1


def sum_shape(d: PD) -> SumShape | None:
    """The :class:`SumShape` of ``d``, or None when no connected sum shows."""
    found = summand_sides(d)
    if found is None:
        return None
    side, cut = found
    first, second, _ = closed_summands(d, side, cut)
    edge_side = {e: side[d.tails[e] >> 2] for e in range(1, 2 * d.size + 1) if e not in cut}
    pairs: set[tuple[int, int]] = set()
    for m in mirror_maps(first, second):
        for p, q in m.pos.items():
            e, f = d.labels[p], d.labels[q]
            if e not in cut and f not in cut:
                pairs.add((e, f))
    return SumShape(edge_side, frozenset(pairs))
