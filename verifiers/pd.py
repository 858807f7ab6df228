"""Link diagrams as PD codes, the state of UnKnot-Diagram-v0 (docs/certificates.md, "UnKnot-Diagram-v0").

Convention (KnotTheory's and spherogram's)
    A crossing is ``(a, b, c, d)``: ``a`` is the edge on which the under strand
    comes *in*, then the other three edges counter-clockwise around the
    crossing; the under strand runs ``a → c``, the over strand joins ``b`` and
    ``d``. Every edge label occurs exactly twice. Crossing ``i`` slot ``s``
    (``0..3``) is *position* ``4 i + s``.

Orientation
    The strand through slot ``s`` leaves by slot ``s ^ 2``. A component is
    oriented by its first under slot in crossing order (slot 0: coming in,
    slot 2: going out); one that only passes over leaves through its first
    position. A code whose tuples disagree with every orientation (a crossing
    change written as a rotation by one place does that) is read as the
    unoriented diagram it draws: a crossing whose under strand goes out by
    slot 0 is written ``(c, d, a, b)``, the same crossing turned half way.
    The canonical form always starts each crossing at its incoming under edge.

Canonical form (what :meth:`PD.from_pd` and every move return)
    Crossings keep their order (moves delete crossings or append new ones).
    Edges are renumbered ``1..2n``: scanning positions ``0, 1, 2, ...``, the
    first position of a component not yet numbered gives its edge the next
    free label, and the following edges *along the orientation* take the next
    labels, so labels increase along each component. Crossingless components
    (unknotted circles a move split off) are counted in ``loops``.

Faces
    The dart at position ``p`` leaves crossing ``p // 4`` along its edge; it
    arrives at the other end ``q`` and the walk turns to the next slot
    counter-clockwise, ``rot(q)``. The orbits of ``p ↦ rot(other(p))`` are the
    faces (the face lies on the walker's right). A diagram is planar iff every
    connected piece with ``k`` crossings has ``k + 2`` faces (Euler's formula
    on the sphere). The face on the *right* of edge ``e`` (looking along its
    orientation) is the orbit of ``e``'s tail position, the face on its
    *left* the orbit of its head position.

Written by hand: no library gives exact, replayable Reidemeister moves on a
PD code (spherogram's are in-place, randomised, and keyed by object identity).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .braid import _is_int, describe

#: Largest diagram :meth:`PD.from_pd` will read (a hostile 10⁵-crossing code is refused before any work).
MAX_CROSSINGS = 5_000

Crossing = tuple[int, int, int, int]


class InvalidPD(ValueError):
    """Input that is not the PD code of a planar link diagram."""


def rot(p: int) -> int:
    """The next position counter-clockwise around the same crossing."""
    return (p & ~3) | ((p + 1) & 3)


def _partners(flat: Sequence[int]) -> list[int]:
    """``other[p]``: the position holding the same label as ``p`` (each label occurs twice)."""
    size = len(flat)
    other = [-1] * size
    if flat and min(flat) >= 0 and max(flat) <= 4 * size:  # small labels (every move's output): a list
        first = [-1] * (max(flat) + 1)
        for p, label in enumerate(flat):
            q = first[label]
            if q == -1:
                first[label] = p
            elif q == -2:
                raise InvalidPD(f"edge label {label} occurs more than twice")
            else:
                other[p] = q
                other[q] = p
                first[label] = -2
        if -1 in other:
            label = flat[other.index(-1)]
            raise InvalidPD(f"edge label {label} occurs once (every label must occur exactly twice)")
        return other
    seen: dict[int, int] = {}
    for p, label in enumerate(flat):
        q = seen.pop(label, -1)
        if q == -1:
            seen[label] = p
        else:
            other[p], other[q] = q, p
    if seen:
        label = next(iter(seen))
        raise InvalidPD(f"edge label {label} occurs once (every label must occur exactly twice)")
    return other


@dataclass(frozen=True)
class PD:
    """A link diagram in canonical form: crossings, crossingless unknotted ``loops``, edge directions."""

    crossings: tuple[Crossing, ...]
    loops: int = 0
    #: ``out[p]``: position ``p`` is its edge's tail (the strand leaves the crossing there)
    out: tuple[bool, ...] = field(default=(), compare=False, repr=False)
    #: ``other[p]``: the other position of ``p``'s edge
    other: tuple[int, ...] = field(default=(), compare=False, repr=False)
    #: the labels by position, and ``tails[e]``: the position where edge ``e`` leaves its crossing
    labels: tuple[int, ...] = field(default=(), compare=False, repr=False)
    tails: tuple[int, ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def from_pd(cls, data: Any, loops: int = 0, max_crossings: int = MAX_CROSSINGS) -> PD:
        """Validate a PD code (a list of 4-lists of ints) and return its canonical form."""
        if not isinstance(data, (list, tuple)):
            raise InvalidPD(f"a PD code is a list of crossings, got {describe(data)}")
        if len(data) > max_crossings:
            raise InvalidPD(f"{len(data)} crossings exceed the limit of {max_crossings}")
        flat: list[int] = []
        for i, crossing in enumerate(data):
            if not isinstance(crossing, (list, tuple)) or len(crossing) != 4:
                raise InvalidPD(f"crossing {i} is not a list of 4 edge labels: {describe(crossing)}")
            for label in crossing:
                if not _is_int(label):
                    raise InvalidPD(f"crossing {i} has a label that is not an integer: {describe(label)}")
            flat.extend(int(x) for x in crossing)
        if not _is_int(loops) or loops < 0:
            raise InvalidPD(f"loops must be a non-negative integer, got {describe(loops)}")
        other = _partners(flat)
        _check_planar(len(data), other)
        out = _orient(flat, other)
        _turn_crossings(flat, out)
        return _canonical(flat, out, loops)

    @property
    def size(self) -> int:
        """Number of crossings."""
        return len(self.crossings)

    @property
    def flat(self) -> list[int]:
        """The labels by position (a fresh list)."""
        return list(self.labels)

    def components(self) -> int:
        """Components of the link: those through crossings plus the crossingless loops."""
        seen = [False] * len(self.out)
        count = 0
        for p in range(len(self.out)):
            if seen[p]:
                continue
            count += 1
            x = p
            while not seen[x]:
                seen[x] = seen[self.other[x]] = True
                x = self.other[x] ^ 2
        return count + self.loops

    def is_unknot_diagram(self) -> bool:
        """No crossings and exactly one component: the trivial diagram of the unknot."""
        return not self.crossings and self.loops == 1

    def tail(self, edge: int) -> int:
        """The position where ``edge`` leaves its crossing (labels are ``1..2n`` in canonical form)."""
        if not _is_int(edge) or not 1 <= edge <= 2 * len(self.crossings):
            raise KeyError(f"no edge {describe(edge)} (edges are 1..{2 * len(self.crossings)})")
        return self.tails[edge]

    def dart(self, edge: int, side: str) -> int:
        """The dart that walks the face on ``side`` (``"left"``/``"right"``) of ``edge``."""
        tail = self.tail(edge)
        if side == "right":
            return tail
        if side == "left":
            return self.other[tail]
        raise KeyError(f"side must be 'left' or 'right', got {describe(side)}")

    def face(self, dart: int) -> list[int]:
        """The darts of the face that ``dart`` walks, starting with it."""
        darts = [dart]
        x = rot(self.other[dart])
        while x != dart:
            darts.append(x)
            x = rot(self.other[x])
        return darts

    def faces(self) -> list[list[int]]:
        """Every face, each as its darts (the first is the face's smallest position)."""
        seen = [False] * len(self.other)
        result = []
        for p in range(len(self.other)):
            if not seen[p]:
                darts = self.face(p)
                for x in darts:
                    seen[x] = True
                result.append(darts)
        return result

    def to_json(self) -> list[list[int]]:
        """The PD code as JSON lists (``loops`` is not part of it)."""
        return [list(c) for c in self.crossings]


def _orient(flat: Sequence[int], other: Sequence[int]) -> list[bool]:
    """``out[p]`` for every position (see "Orientation" in the module docstring)."""
    out = [False] * len(flat)
    done = [False] * len(flat)
    for start in range(len(flat)):
        if done[start]:
            continue
        tails: list[int] = []  # positions left by the walk that leaves through ``start``
        x = start
        while True:
            tails.append(x)
            done[x] = done[other[x]] = True
            x = other[x] ^ 2
            if x == start:
                break
        under = [p for t in tails for p in (t, other[t]) if not p & 1]
        # the first under slot in crossing order decides: a tail there iff it is slot 2
        first = min(under, default=start)
        backward = (first in tails) != (first & 3 != 0)
        for t in tails:
            out[other[t] if backward else t] = True
    return out


def _turn_crossings(flat: list[int], out: list[bool]) -> None:
    """Rewrite ``(a, b, c, d)`` as ``(c, d, a, b)`` where the under strand leaves by slot 0 (in place).

    The same crossing turned half way: the under strand stays on slots 0 and 2,
    the order stays counter-clockwise; afterwards slot 0 is always a head.
    """
    for base in range(0, len(flat), 4):
        if out[base]:
            flat[base : base + 4] = flat[base + 2 : base + 4] + flat[base : base + 2]
            out[base : base + 4] = out[base + 2 : base + 4] + out[base : base + 2]


def _check_planar(n: int, other: Sequence[int]) -> None:
    """Every connected piece with ``k`` crossings has ``k + 2`` faces, or the code is not planar."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for p, q in enumerate(other):
        a, b = find(p >> 2), find(q >> 2)
        if a != b:
            parent[a] = b
    crossings: dict[int, int] = {}
    for i in range(n):
        crossings[find(i)] = crossings.get(find(i), 0) + 1
    faces: dict[int, int] = {}
    seen = [False] * len(other)
    for p in range(len(other)):
        if seen[p]:
            continue
        faces[find(p >> 2)] = faces.get(find(p >> 2), 0) + 1
        x = p
        while not seen[x]:
            seen[x] = True
            x = rot(other[x])
    for piece, k in crossings.items():
        if faces.get(piece, 0) != k + 2:
            raise InvalidPD(
                f"not planar: a connected piece with {k} crossings has {faces.get(piece, 0)} faces, not {k + 2}"
            )


def _canonical(flat: Sequence[int], out: Sequence[bool], loops: int, other: Sequence[int] | None = None) -> PD:
    """Renumber the edges (module docstring) given each position's direction; ``flat`` may use any labels."""
    if other is None:
        other = _partners(flat)
    size = len(flat)
    label = [0] * size
    tails = [0] * (size // 2 + 1)
    following = 1
    for start in range(size):
        if label[start]:
            continue
        tail = start if out[start] else other[start]
        x = tail
        while True:
            head = other[x]
            if not out[x] or out[head]:
                raise InvalidPD(f"edge directions disagree at position {x}")  # a kernel bug, never user input
            label[x] = label[head] = following
            tails[following] = x
            following += 1
            x = head ^ 2
            if x == tail:
                break
    crossings = tuple(zip(label[0::4], label[1::4], label[2::4], label[3::4], strict=True))
    return PD(crossings, loops, tuple(out), tuple(other), tuple(label), tuple(tails))
