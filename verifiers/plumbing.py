"""The plumbing-graph moves of docs/design.md §2.3, written plainly.

This module is part of the trusted kernel: a ``Kirby-Plumbing-v0``
certificate is replayed by :func:`apply_move` one move at a time. Nothing here
is clever on purpose; speed lives in ``rigorgym.envs.kirby_plumbing`` and is
checked against this code by tests.

A plumbing graph is a forest of genus-0 vertices, each with an integer Euler
weight; every edge has sign +1 (on a forest R0 makes every sign +1). Node ids
are integers. A move that creates a node gives it ``max(existing ids) + 1``
(``0`` in an empty graph).

Unlike :mod:`braid`, a :class:`PlumbingGraph` is mutable: replaying a
certificate on 70-node trees at tens of thousands of moves per second rules
out copying the graph on every move. :func:`apply_move` checks every
precondition before it changes anything, so an illegal move leaves the graph
as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeGuard

from .braid import describe

#: The op names and the fields each one reads (besides "op" and "graph").
MOVE_FIELDS: dict[str, frozenset[str]] = {
    "blowup_vertex": frozenset({"v", "sign"}),
    "blowup_edge": frozenset({"u", "v", "sign"}),
    "blowup_disjoint": frozenset({"sign"}),
    "blowdown": frozenset({"v"}),
    "absorb_zero": frozenset({"v"}),
    "extrude_zero": frozenset({"v", "d", "moved"}),
    "split_zero_leaf": frozenset({"v"}),
}

#: Bounds on sizes and weights; a hostile certificate must not make replay slow.
MAX_NODES = 100_000
MAX_ABS_WEIGHT = 10**12


class IllegalMove(ValueError):
    """A move that is malformed or whose precondition fails."""


class InvalidGraph(ValueError):
    """A plumbing graph that breaks the rules of §2.3 (not a forest, bad ids or weights)."""


def _is_int(x: Any) -> TypeGuard[int]:
    # JSON booleans are Python ints; they are not ids or weights.
    return isinstance(x, int) and not isinstance(x, bool)


class PlumbingGraph:
    """A weighted forest: ``weights[id]`` and ``adj[id]`` (the set of neighbour ids)."""

    __slots__ = ("weights", "adj")

    def __init__(self, weights: dict[int, int], adj: dict[int, set[int]]) -> None:
        self.weights = weights
        self.adj = adj

    @classmethod
    def from_json(cls, data: Any) -> PlumbingGraph:
        """Build and validate a graph from ``{"nodes": [[id, weight], ...], "edges": [[u, v], ...]}``."""
        if not isinstance(data, Mapping):
            raise InvalidGraph("a graph is an object with 'nodes' and 'edges'")
        extra = set(data) - {"nodes", "edges"}
        if extra:
            raise InvalidGraph(f"unknown graph field(s): {sorted(map(describe, extra))}")
        nodes, edges = data.get("nodes"), data.get("edges")
        if not isinstance(nodes, list) or not isinstance(edges, list):
            raise InvalidGraph("a graph needs lists 'nodes' and 'edges'")
        if len(nodes) > MAX_NODES:
            raise InvalidGraph(f"{len(nodes)} nodes exceed the limit of {MAX_NODES}")
        weights: dict[int, int] = {}
        for node in nodes:
            if not isinstance(node, list) or len(node) != 2 or not all(map(_is_int, node)):
                raise InvalidGraph(f"a node is [id, weight] with integers, got {describe(node)}")
            node_id, weight = node
            if node_id in weights:
                raise InvalidGraph(f"node id {describe(node_id)} appears twice")
            if abs(node_id) > MAX_ABS_WEIGHT or abs(weight) > MAX_ABS_WEIGHT:
                raise InvalidGraph("a node id or weight exceeds the size limit")
            weights[node_id] = weight
        adj: dict[int, set[int]] = {v: set() for v in weights}
        root = {v: v for v in weights}  # union-find: an edge inside one tree would close a cycle

        def find(v: int) -> int:
            while root[v] != v:
                root[v] = root[root[v]]
                v = root[v]
            return v

        for edge in edges:
            if not isinstance(edge, list) or len(edge) != 2 or not all(map(_is_int, edge)):
                raise InvalidGraph(f"an edge is [u, v] with integer ids, got {describe(edge)}")
            u, v = edge
            if u not in weights or v not in weights:
                raise InvalidGraph(f"edge [{describe(u)}, {describe(v)}] names a node that does not exist")
            if u == v:
                raise InvalidGraph(f"edge [{u}, {v}] is a loop")
            ru, rv = find(u), find(v)
            if ru == rv:
                raise InvalidGraph(f"edge [{u}, {v}] closes a cycle (or repeats an edge): a plumbing graph is a forest")
            root[ru] = rv
            adj[u].add(v)
            adj[v].add(u)
        return cls(weights, adj)

    def to_json(self) -> dict[str, Any]:
        """The §2.4 form, nodes sorted by id and each edge listed once as ``[smaller, larger]``."""
        return {
            "nodes": [[v, self.weights[v]] for v in sorted(self.weights)],
            "edges": sorted([u, v] for u in self.adj for v in self.adj[u] if u < v),
        }

    def copy(self) -> PlumbingGraph:
        return PlumbingGraph(dict(self.weights), {v: set(n) for v, n in self.adj.items()})

    def new_id(self) -> int:
        return max(self.weights) + 1 if self.weights else 0

    def _add(self, weight: int) -> int:
        v = self.new_id()
        self.weights[v] = weight
        self.adj[v] = set()
        return v

    def _link(self, u: int, v: int) -> None:
        self.adj[u].add(v)
        self.adj[v].add(u)

    def _unlink(self, u: int, v: int) -> None:
        self.adj[u].discard(v)
        self.adj[v].discard(u)

    def _delete(self, v: int) -> None:
        for u in self.adj.pop(v):
            self.adj[u].discard(v)
        del self.weights[v]

    def __len__(self) -> int:
        return len(self.weights)

    def __repr__(self) -> str:
        return f"PlumbingGraph({self.to_json()})"


def _node(graph: PlumbingGraph, move: Mapping[str, Any], name: str) -> int:
    v = move[name]
    if not _is_int(v):
        raise IllegalMove(f"field {name!r} must be a node id, got {describe(v)}")
    if v not in graph.weights:
        raise IllegalMove(f"node {describe(v)} does not exist")
    return v


def _sign(move: Mapping[str, Any]) -> int:
    sign = move["sign"]
    if not _is_int(sign) or sign not in (1, -1):
        raise IllegalMove(f"sign must be 1 or -1, got {describe(sign)}")
    return sign


def _bounded(value: int) -> int:
    if abs(value) > MAX_ABS_WEIGHT:
        raise IllegalMove(f"a weight would exceed the limit of {MAX_ABS_WEIGHT}")
    return value


def check_move(move: Any) -> str:
    """Check a move's envelope (an object with a known op and the fields it reads); return the op."""
    if not isinstance(move, dict):
        raise IllegalMove("a move must be an object with an 'op' field")
    op = move.get("op")
    if not isinstance(op, str) or op not in MOVE_FIELDS:
        raise IllegalMove(f"unknown op {describe(op)}")
    # Fields beyond those the op reads are ignored, as for braids.
    for name in MOVE_FIELDS[op]:
        if name not in move:
            raise IllegalMove(f"op {op!r} needs the field {name!r}")
    return op


def apply_move(graph: PlumbingGraph, move: Mapping[str, Any]) -> None:
    """Apply one §2.3 op (without its ``graph`` field) in place; raise :class:`IllegalMove` first if illegal."""
    op = check_move(move)
    w = graph.weights

    if op == "blowup_vertex":
        v, sign = _node(graph, move, "v"), _sign(move)
        if len(w) >= MAX_NODES:
            raise IllegalMove("the graph would exceed the node limit")
        w[v] = _bounded(w[v] + sign)
        graph._link(v, graph._add(sign))
        return

    if op == "blowup_edge":
        u, v, sign = _node(graph, move, "u"), _node(graph, move, "v"), _sign(move)
        if v not in graph.adj[u]:
            raise IllegalMove(f"blowup_edge: there is no edge {u}-{v}")
        if len(w) >= MAX_NODES:
            raise IllegalMove("the graph would exceed the node limit")
        new_u, new_v = _bounded(w[u] + sign), _bounded(w[v] + sign)
        w[u], w[v] = new_u, new_v
        x = graph._add(sign)
        graph._unlink(u, v)
        graph._link(u, x)
        graph._link(x, v)
        return

    if op == "blowup_disjoint":
        sign = _sign(move)
        if len(w) >= MAX_NODES:
            raise IllegalMove("the graph would exceed the node limit")
        graph._add(sign)
        return

    if op == "blowdown":
        v = _node(graph, move, "v")
        sign = w[v]
        if sign not in (1, -1):
            raise IllegalMove(f"blowdown: node {v} has weight {sign}, not ±1")
        neighbours = graph.adj[v]
        if len(neighbours) > 2:
            raise IllegalMove(f"blowdown: node {v} has degree {len(neighbours)} > 2")
        new = {u: _bounded(w[u] - sign) for u in neighbours}
        graph._delete(v)
        w.update(new)
        if len(new) == 2:
            a, b = new
            graph._link(a, b)
        return

    if op == "absorb_zero":
        v = _node(graph, move, "v")
        if w[v] != 0:
            raise IllegalMove(f"absorb_zero: node {v} has weight {w[v]}, not 0")
        if len(graph.adj[v]) != 2:
            raise IllegalMove(f"absorb_zero: node {v} has degree {len(graph.adj[v])}, not 2")
        a, b = sorted(graph.adj[v])  # distinct: a forest has no multiple edges
        merged = _bounded(w[a] + w[b])
        graph._delete(v)
        for x in list(graph.adj[b]):
            graph._unlink(b, x)
            graph._link(a, x)
        graph._delete(b)
        w[a] = merged
        return

    if op == "extrude_zero":
        v = _node(graph, move, "v")
        d, moved = move["d"], move["moved"]
        if not _is_int(d):
            raise IllegalMove(f"extrude_zero: d must be an integer, got {describe(d)}")
        if not isinstance(moved, list) or not all(map(_is_int, moved)):
            raise IllegalMove("extrude_zero: moved must be a list of node ids")
        if len(set(moved)) != len(moved):
            raise IllegalMove("extrude_zero: moved lists a node twice")
        if not set(moved) <= graph.adj[v]:
            raise IllegalMove(f"extrude_zero: moved must be neighbours of node {v}")
        if len(w) + 2 > MAX_NODES:
            raise IllegalMove("the graph would exceed the node limit")
        _bounded(d)
        w[v] = _bounded(w[v] - d)
        zero = graph._add(0)
        far = graph._add(d)
        graph._link(v, zero)
        graph._link(zero, far)
        for x in moved:
            graph._unlink(v, x)
            graph._link(far, x)
        return

    # op == "split_zero_leaf"
    v = _node(graph, move, "v")
    if w[v] != 0 or len(graph.adj[v]) != 1:
        raise IllegalMove(f"split_zero_leaf: node {v} is not a 0-weight leaf")
    (u,) = graph.adj[v]
    graph._delete(v)
    graph._delete(u)


def canonical_form(graph: PlumbingGraph) -> tuple[str, ...]:
    """An isomorphism invariant of a weighted forest: the sorted AHU codes of its trees, rooted at centres.

    Equal forms mean isomorphic forests (Aho-Hopcroft-Ullman); the kernel
    does not rely on that theorem alone: :func:`isomorphic` builds the
    isomorphism from the codes and checks it edge by edge.
    """
    return tuple(sorted(code for code, _, _ in _trees(graph)))


def _trees(graph: PlumbingGraph) -> list[tuple[str, int, dict[int, str]]]:
    """``(code, root, subtree codes)`` of each tree, rooted at the centre with the smaller code."""
    seen: set[int] = set()
    out = []
    for start in sorted(graph.weights):
        if start in seen:
            continue
        tree = _component(graph, start)
        seen.update(tree)
        rooted = [(codes[c], c, codes) for c in _centres(graph, tree) for codes in [_rooted_codes(graph, c)]]
        out.append(min(rooted, key=lambda t: (t[0], t[1])))
    return out


def _component(graph: PlumbingGraph, start: int) -> list[int]:
    order, stack, seen = [], [start], {start}
    while stack:
        v = stack.pop()
        order.append(v)
        for u in graph.adj[v]:
            if u not in seen:
                seen.add(u)
                stack.append(u)
    return order


def _centres(graph: PlumbingGraph, tree: list[int]) -> list[int]:
    """The one or two centres of a tree, by peeling leaves."""
    degree = {v: len(graph.adj[v]) for v in tree}
    layer = [v for v in tree if degree[v] <= 1]
    remaining = len(tree)
    while remaining > 2:
        remaining -= len(layer)
        nxt = []
        for v in layer:
            for u in graph.adj[v]:
                degree[u] -= 1
                if degree[u] == 1:
                    nxt.append(u)
        layer = nxt
    return layer


def _rooted_codes(graph: PlumbingGraph, root: int) -> dict[int, str]:
    """AHU code of every subtree of the tree rooted at ``root``, iteratively (trees may be long paths)."""
    parent = {root: root}
    order = [root]
    for v in order:
        for u in graph.adj[v]:
            if u not in parent:
                parent[u] = v
                order.append(u)
    children: dict[int, list[str]] = {v: [] for v in order}
    codes: dict[int, str] = {}
    for v in reversed(order):
        codes[v] = "(" + str(graph.weights[v]) + "".join(sorted(children[v])) + ")"
        if v != root:
            children[parent[v]].append(codes[v])
    return codes


def find_isomorphism(g: PlumbingGraph, h: PlumbingGraph) -> dict[int, int] | None:
    """A candidate weighted isomorphism ``g -> h`` built from the AHU codes, or None if the forms differ."""
    if len(g) != len(h):
        return None
    trees_g = sorted(_trees(g), key=lambda t: t[0])
    trees_h = sorted(_trees(h), key=lambda t: t[0])
    if [t[0] for t in trees_g] != [t[0] for t in trees_h]:
        return None
    mapping: dict[int, int] = {}
    used: set[int] = set()
    for (_, root_g, codes_g), (_, root_h, codes_h) in zip(trees_g, trees_h, strict=True):
        stack = [(root_g, root_h)]
        mapping[root_g] = root_h
        used.add(root_h)
        while stack:
            v, w = stack.pop()
            # children: the neighbours not mapped yet (the parent is); equal codes pair up in sorted order
            kids_v = sorted((codes_g[u], u) for u in g.adj[v] if u not in mapping)
            kids_w = sorted((codes_h[u], u) for u in h.adj[w] if u not in used)
            for (_, a), (_, b) in zip(kids_v, kids_w, strict=False):
                mapping[a] = b
                used.add(b)
                stack.append((a, b))
    return mapping


def is_isomorphism(g: PlumbingGraph, h: PlumbingGraph, mapping: dict[int, int]) -> bool:
    """Whether ``mapping`` is a bijection ``g -> h`` that keeps every weight and maps edges onto edges."""
    if len(mapping) != len(g) or len(g) != len(h) or set(mapping) != set(g.weights):
        return False
    if set(mapping.values()) != set(h.weights):
        return False
    for v, w in mapping.items():
        if g.weights[v] != h.weights[w] or {mapping[u] for u in g.adj[v]} != h.adj[w]:
            return False
    return True


def isomorphic(g: PlumbingGraph, h: PlumbingGraph) -> bool:
    """Weighted isomorphism of two forests: an isomorphism is built from the canonical codes, then checked."""
    if len(g) != len(h) or sorted(g.weights.values()) != sorted(h.weights.values()):
        return False
    mapping = find_isomorphism(g, h)
    return mapping is not None and is_isomorphism(g, h, mapping)
