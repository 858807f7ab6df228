"""The action layout of Kirby-Plumbing-v0: one ``Discrete`` index per (graph, place, op, parameter).

Nodes are addressed by **slot**: the graph's nodes sorted by id (new nodes
always get the largest id, so they take the next slot). Edges are addressed
by their rank in the sorted list of ``(slot_u, slot_v)`` pairs with
``slot_u < slot_v``. With ``N = max_nodes`` slots per graph, ``D =
extrude_d`` and ``K = extrude_neighbours``, each graph has the blocks

=====================  ===================  ===========================================
block                  size                 index within the block
=====================  ===================  ===========================================
``blowup_vertex``      ``2 N``              ``2 slot + (sign == -1)``
``blowup_edge``        ``2 (N - 1)``        ``2 edge + (sign == -1)``
``blowup_disjoint``    ``2``                ``(sign == -1)``
``blowdown``           ``N``                ``slot``
``absorb_zero``        ``N``                ``slot``
``split_zero_leaf``    ``N``                ``slot``
``extrude_zero``       ``N (2D + 1) 2^K``   ``(slot (2D + 1) + d + D) 2^K + subset``
=====================  ===================  ===========================================

and graph 1's blocks follow graph 0's. ``extrude_zero`` takes ``d`` in
``[-D, D]`` and moves the neighbours picked by the bits of ``subset``: bit
``j`` is the ``j``-th neighbour in slot order, so only the first ``K``
neighbours of a node can be moved by one action, and a subset naming a
neighbour that does not exist is illegal (each legal action has one meaning).
"""

from __future__ import annotations

from dataclasses import dataclass

# op codes shared with core.py
BLOWUP_VERTEX, BLOWUP_EDGE, BLOWUP_DISJOINT, BLOWDOWN, ABSORB_ZERO, SPLIT_ZERO_LEAF, EXTRUDE_ZERO = range(7)
OP_NAMES = (
    "blowup_vertex",
    "blowup_edge",
    "blowup_disjoint",
    "blowdown",
    "absorb_zero",
    "split_zero_leaf",
    "extrude_zero",
)


@dataclass(frozen=True)
class Decoded:
    """An action index taken apart: graph, op code, slot (or edge rank), sign or ``d``, neighbour subset."""

    graph: int
    op: int
    place: int
    param: int
    subset: int


@dataclass(frozen=True)
class ActionLayout:
    """Block offsets of the action space (see the module docstring)."""

    max_nodes: int = 32
    extrude_d: int = 2
    extrude_neighbours: int = 3

    def __post_init__(self) -> None:
        if self.max_nodes < 2:
            raise ValueError("max_nodes must be at least 2")
        if not 0 <= self.extrude_d <= 64 or not 0 <= self.extrude_neighbours <= 8:
            raise ValueError("extrude_d must be in [0, 64] and extrude_neighbours in [0, 8]")

    @property
    def extrude_block(self) -> int:
        """Actions per node in the ``extrude_zero`` block."""
        return (2 * self.extrude_d + 1) << self.extrude_neighbours

    @property
    def offsets(self) -> tuple[int, ...]:
        """Start of each op's block within one graph, in op-code order, then the per-graph size."""
        n = self.max_nodes
        sizes = (2 * n, 2 * (n - 1), 2, n, n, n, n * self.extrude_block)
        starts = [0]
        for size in sizes:
            starts.append(starts[-1] + size)
        return tuple(starts)

    @property
    def per_graph(self) -> int:
        return self.offsets[-1]

    @property
    def n_actions(self) -> int:
        return 2 * self.per_graph

    def decode(self, action: int) -> Decoded:
        """Take an index in ``[0, n_actions)`` apart."""
        if not 0 <= action < self.n_actions:
            raise ValueError(f"action {action} outside [0, {self.n_actions})")
        graph, r = divmod(action, self.per_graph)
        offsets = self.offsets
        op = max(k for k in range(7) if offsets[k] <= r)
        r -= offsets[op]
        if op in (BLOWUP_VERTEX, BLOWUP_EDGE):
            return Decoded(graph, op, r // 2, -1 if r % 2 else 1, 0)
        if op == BLOWUP_DISJOINT:
            return Decoded(graph, op, 0, -1 if r else 1, 0)
        if op == EXTRUDE_ZERO:
            rest, subset = divmod(r, 1 << self.extrude_neighbours)
            slot, d = divmod(rest, 2 * self.extrude_d + 1)
            return Decoded(graph, op, slot, d - self.extrude_d, subset)
        return Decoded(graph, op, r, 0, 0)

    def encode(self, graph: int, op: int, place: int = 0, param: int = 0, subset: int = 0) -> int:
        """The index of an action (the inverse of :meth:`decode`)."""
        base = graph * self.per_graph + self.offsets[op]
        if op in (BLOWUP_VERTEX, BLOWUP_EDGE):
            return base + 2 * place + (param == -1)
        if op == BLOWUP_DISJOINT:
            return base + (param == -1)
        if op == EXTRUDE_ZERO:
            return (
                base + ((place * (2 * self.extrude_d + 1) + param + self.extrude_d) << self.extrude_neighbours) + subset
            )
        return base + place
