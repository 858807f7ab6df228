"""The flat ``Discrete`` action layout of UnKnot-Diagram-v0 over a board of ``N`` crossings.

A face is named by an edge and a side (the kernel's convention, docs/certificates.md); ``name = 2 (e - 1) + side``
with ``side`` 0 for left, 1 for right, so there are ``4N`` names. Blocks, in order:

=============  ============  ====================================================================
block          size          action
=============  ============  ====================================================================
r1_remove      ``N``         crossing ``i``
r1_add         ``8N``        edge ``e``, side, first pass (0 over, 1 under): ``4 (e - 1) + 2 side + first``
r2_remove      ``4N``        the face named (a bigon)
r3             ``4N``        the face named (a triangle)
r2_add         ``8 K N``     name ``d``, reach ``k`` in ``1..K``, role: the edge-side ``k`` darts further
                             along ``d``'s face is the partner; role 0 pushes ``d``'s edge over it, 1 under
=============  ============  ====================================================================

Every face move is reachable from each of its darts (aliases), so the mask
has several indices for one move; R2 additions are limited to partners at
most ``K`` steps apart along a face (``reach``, default 3), which keeps the
layout linear in ``N``. The mask refuses growth past ``N`` crossings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from rigorgym.verifiers.pd import PD
from rigorgym.verifiers.reidemeister import edge_side

SIDES = ("left", "right")
FIRST = ("over", "under")


def name_of(diagram: PD, dart: int) -> int:
    """The face name ``2 (e - 1) + side`` of the edge-side that ``dart`` walks."""
    return 2 * (diagram.crossings[dart >> 2][dart & 3] - 1) + (1 if diagram.out[dart] else 0)


@dataclass(frozen=True)
class ActionLayout:
    """Offsets of the blocks for ``max_crossings`` crossings and R2 reach ``reach``."""

    max_crossings: int
    reach: int = 3

    @property
    def names(self) -> int:
        return 4 * self.max_crossings

    @property
    def r1_add(self) -> int:
        return self.max_crossings

    @property
    def r2_remove(self) -> int:
        return 9 * self.max_crossings

    @property
    def r3(self) -> int:
        return 13 * self.max_crossings

    @property
    def r2_add(self) -> int:
        return 17 * self.max_crossings

    @property
    def size(self) -> int:
        return self.r2_add + self.names * 2 * self.reach

    def decode(self, index: int, diagram: PD) -> dict[str, Any] | None:
        """The kernel move of ``index`` on ``diagram`` (None if it names nothing there); legality is the kernel's."""
        n, edges = self.max_crossings, 2 * diagram.size
        if index < 0 or index >= self.size:
            return None
        if index < self.r1_add:
            return {"op": "r1_remove", "crossing": index} if index < diagram.size else None
        if index < self.r2_remove:
            e, rest = divmod(index - self.r1_add, 4)
            if e >= edges:
                return None
            return {"op": "r1_add", "edge": e + 1, "side": SIDES[rest >> 1], "first": FIRST[rest & 1]}
        if index < self.r2_add:
            op = "r2_remove" if index < self.r3 else "r3"
            e, side = divmod(index - (self.r2_remove if op == "r2_remove" else self.r3), 2)
            return {"op": op, "edge": e + 1, "side": SIDES[side]} if e < edges else None
        name, rest = divmod(index - self.r2_add, 2 * self.reach)
        e, side = divmod(name, 2)
        k, role = divmod(rest, 2)
        if e >= edges or n == 0:
            return None
        face = diagram.face(diagram.dart(e + 1, SIDES[side]))
        if k + 1 >= len(face):
            return None
        f, t = edge_side(diagram, face[k + 1])
        if f == e + 1:
            return None
        mine = (e + 1, SIDES[side])
        over, under = (mine, (f, t)) if role == 0 else ((f, t), mine)
        return {"op": "r2_add", "over": over[0], "over_side": over[1], "under": under[0], "under_side": under[1]}

    def mask(self, diagram: PD) -> np.ndarray:
        """Legal actions (the kernel's conditions, computed from the faces once per state)."""
        mask = np.zeros(self.size, bool)
        size, other = diagram.size, diagram.other
        for i, c in enumerate(diagram.crossings):
            if any(c[s] == c[(s + 1) & 3] for s in range(4)):
                mask[i] = True
        if size + 1 <= self.max_crossings:
            mask[self.r1_add : self.r1_add + 8 * size] = True
        grow = size + 2 <= self.max_crossings
        for face in diagram.faces():
            names = [name_of(diagram, d) for d in face]
            length = len(face)
            corners = len({d >> 2 for d in face})
            if length == 2 and corners == 2 and (face[0] & 1) == (other[face[0]] & 1):
                mask[[self.r2_remove + x for x in names]] = True
            if length == 3 and corners == 3 and any((d & 1) and (other[d] & 1) for d in face):
                mask[[self.r3 + x for x in names]] = True
            if not grow:
                continue
            for j, x in enumerate(names):
                for k in range(1, min(self.reach, length - 1) + 1):
                    if names[(j + k) % length] >> 1 != x >> 1:
                        base = self.r2_add + x * 2 * self.reach + 2 * (k - 1)
                        mask[base : base + 2] = True
        return mask
