"""The plumbing-graph moves of DESIGN.md §2.3, written plainly.

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
from typing import Any

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


def _is_int(x: Any) -> bool:
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
    """An exact isomorphism invariant of a weighted forest (AHU codes rooted at tree centres).

    Two weighted forests are isomorphic exactly when their canonical forms are
    equal (Aho-Hopcroft-Ullman); the kernel still confirms equality with
    networkx before it accepts, so one bug cannot turn into acceptance.
    """
    seen: set[int] = set()
    codes = []
    for start in sorted(graph.weights):
        if start in seen:
            continue
        tree = _component(graph, start)
        seen.update(tree)
        codes.append(min(_rooted_code(graph, c) for c in _centres(graph, tree)))
    return tuple(sorted(codes))


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


def _rooted_code(graph: PlumbingGraph, root: int) -> str:
    """AHU code of the tree rooted at ``root``, iteratively (trees may be long paths)."""
    parent = {root: root}
    order = [root]
    for v in order:
        for u in graph.adj[v]:
            if u not in parent:
                parent[u] = v
                order.append(u)
    children: dict[int, list[str]] = {v: [] for v in order}
    code = ""
    for v in reversed(order):
        code = "(" + str(graph.weights[v]) + "".join(sorted(children[v])) + ")"
        if v != root:
            children[parent[v]].append(code)
    return code


def isomorphic(g: PlumbingGraph, h: PlumbingGraph) -> bool:
    """Weighted isomorphism: equal canonical forms, confirmed by networkx's VF2++ with weight matching."""
    if len(g) != len(h) or sorted(g.weights.values()) != sorted(h.weights.values()):
        return False
    if canonical_form(g) != canonical_form(h):
        return False
    import networkx as nx

    return bool(nx.vf2pp_is_isomorphic(_to_networkx(g), _to_networkx(h), node_label="weight"))


def _to_networkx(graph: PlumbingGraph) -> Any:
    import networkx as nx

    out = nx.Graph()
    out.add_nodes_from((v, {"weight": w}) for v, w in graph.weights.items())
    out.add_edges_from((u, v) for u in graph.adj for v in graph.adj[u] if u < v)
    return out
