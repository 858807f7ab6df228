"""The discrete action layout of UnKnot-v0 and its translation to kernel moves.

With ``Lmax = max_length`` and ``G = 2 * (max_strands - 1)`` generator choices
(``g = +1, -1, +2, -2, ...``), the action index ``a`` means:

==========================================  ===================================
index range                                  move (docs/design.md §2.1)
==========================================  ===================================
``[0, Lmax)``                                ``cancel`` at ``i = a``
``[Lmax, 2 Lmax)``                           ``commute`` at ``i = a - Lmax``
``[2 Lmax, 3 Lmax)``                         ``braid`` at ``i = a - 2 Lmax``
``[3 Lmax, 4 Lmax)``                         ``rotate`` by ``k = a - 3 Lmax`` (k = 0 always masked)
``[4 Lmax, 4 Lmax + G (Lmax - 1))``          ``insert`` of ``g = ±(c // 2 + 1)`` at ``i = r % (Lmax - 1)``, with ``r`` the offset and ``c = r // (Lmax - 1)`` (sign ``+`` when ``c`` is even)
next two                                     ``stabilize`` with ``sign = +1``, then ``-1``
last                                         ``destabilize``
==========================================  ===================================

Inserts are generator-major, so that the legal inserts of a state are a few
contiguous runs (one per usable generator), which the fast core fills at
memset speed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ..injection import whole

CANCEL, COMMUTE, BRAID, ROTATE, INSERT, STABILIZE, DESTABILIZE = range(7)
OP_NAMES = ("cancel", "commute", "braid", "rotate", "insert", "stabilize", "destabilize")


@dataclass(frozen=True)
class ActionLayout:
    """Decodes action indices for a given ``max_length`` and ``max_strands``."""

    max_length: int
    max_strands: int

    def __post_init__(self) -> None:
        whole("max_length", self.max_length)
        whole("max_strands", self.max_strands)
        if self.max_length < 3:
            raise ValueError(f"max_length must be >= 3, got {self.max_length}")
        if not 2 <= self.max_strands <= 127:
            # states are int8 rows (compact, so that batches stay in cache)
            raise ValueError(f"max_strands must be in 2..127, got {self.max_strands}")

    @property
    def n_generators(self) -> int:
        return 2 * (self.max_strands - 1)

    @property
    def insert_base(self) -> int:
        return 4 * self.max_length

    @property
    def stabilize_base(self) -> int:
        return self.insert_base + (self.max_length - 1) * self.n_generators

    @property
    def n_actions(self) -> int:
        return self.stabilize_base + 3

    @cached_property
    def tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Arrays ``(kind, pos, gen)`` indexed by action, read by the fast core."""
        n = self.n_actions
        kind = np.empty(n, np.int32)
        pos = np.zeros(n, np.int32)
        gen = np.zeros(n, np.int32)
        lmax = self.max_length
        for block, k in enumerate((CANCEL, COMMUTE, BRAID, ROTATE)):
            kind[block * lmax : (block + 1) * lmax] = k
            pos[block * lmax : (block + 1) * lmax] = np.arange(lmax)
        r = np.arange(self.stabilize_base - self.insert_base)
        kind[self.insert_base : self.stabilize_base] = INSERT
        pos[self.insert_base : self.stabilize_base] = r % (lmax - 1)
        c = r // (lmax - 1)
        gen[self.insert_base : self.stabilize_base] = np.where(c % 2 == 0, 1, -1) * (c // 2 + 1)
        kind[self.stabilize_base : self.stabilize_base + 2] = STABILIZE
        gen[self.stabilize_base : self.stabilize_base + 2] = (1, -1)
        kind[-1] = DESTABILIZE
        return kind, pos, gen

    def to_move(self, action: int) -> dict[str, Any]:
        """The kernel move (§2.1 JSON) of an action index."""
        kind, pos, gen = self.tables
        k, p, g = int(kind[action]), int(pos[action]), int(gen[action])
        if k in (CANCEL, COMMUTE, BRAID):
            return {"op": OP_NAMES[k], "i": p}
        if k == ROTATE:
            return {"op": "rotate", "k": p}
        if k == INSERT:
            return {"op": "insert", "i": p, "g": g}
        if k == STABILIZE:
            return {"op": "stabilize", "sign": g}
        return {"op": "destabilize"}

    def from_move(self, move: dict[str, Any]) -> int:
        """The action index of a kernel move (inverse of :meth:`to_move`)."""
        op, lmax = move["op"], self.max_length
        if op in ("cancel", "commute", "braid", "rotate"):
            key = "k" if op == "rotate" else "i"
            return OP_NAMES.index(op) * lmax + int(move[key])
        if op == "insert":
            g = int(move["g"])
            offset = 2 * (abs(g) - 1) + (0 if g > 0 else 1)
            return self.insert_base + offset * (lmax - 1) + int(move["i"])
        if op == "stabilize":
            return self.stabilize_base + (0 if move["sign"] == 1 else 1)
        if op == "destabilize":
            return self.stabilize_base + 2
        raise ValueError(f"unknown op {op!r}")
