"""Instance generators for Kirby-Plumbing-v0, injected into the env (Jumanji style).

A generator is any callable ``gen(rng: numpy.random.Generator) -> PlumbingInstance``;
the env calls it on every reset with its own seeded ``np_random``.

The Ri-Putrov protocol ("Graph neural networks and 3-dimensional topology",
2023): a random tree on ``n`` nodes (node ``i`` attached to a uniform
``j < i``), weights uniform in ``[-20, 20]``; two copies, each scrambled by
``k`` random moves in both directions (:func:`scramble`). The two graphs are
homeomorphic by construction, and the scramble moves are kernel moves, so the
pair carries its own proof (which agents never see).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rigorgym.verifiers.plumbing import PlumbingGraph, apply_move, isomorphic
from rigorgym.verifiers.plumbing_invariants import first_homology

from ..injection import copy_sharing_instances
from .types import PlumbingInstance

UP_OPS = ("blowup_vertex", "blowup_edge", "blowup_disjoint", "extrude_zero")


def random_tree(rng: np.random.Generator, nodes: int, weight_range: int = 20) -> PlumbingGraph:
    """Ri-Putrov's random tree: node ``i >= 1`` joins a uniform ``j < i``; weights uniform in ``[-R, R]``."""
    if nodes < 1:
        raise ValueError("a tree needs at least one node")
    weights = {i: int(w) for i, w in enumerate(rng.integers(-weight_range, weight_range + 1, size=nodes))}
    adj: dict[int, set[int]] = {i: set() for i in range(nodes)}
    for i in range(1, nodes):
        j = int(rng.integers(0, i))
        adj[i].add(j)
        adj[j].add(i)
    return PlumbingGraph(weights, adj)


def down_moves(graph: PlumbingGraph) -> list[dict[str, Any]]:
    """Every legal move that removes nodes: blowdowns, 0-chain absorptions and 0-leaf splits."""
    moves: list[dict[str, Any]] = []
    for v in sorted(graph.weights):
        w, degree = graph.weights[v], len(graph.adj[v])
        if w in (1, -1) and degree <= 2:
            moves.append({"op": "blowdown", "v": v})
        elif w == 0 and degree == 2:
            moves.append({"op": "absorb_zero", "v": v})
        elif w == 0 and degree == 1:
            moves.append({"op": "split_zero_leaf", "v": v})
    return moves


def random_up_move(graph: PlumbingGraph, rng: np.random.Generator, extrude_d: int = 2) -> dict[str, Any]:
    """A random move that adds nodes: an op uniform among those that apply, then a uniform place."""
    nodes = sorted(graph.weights)
    edges = [(u, v) for u in nodes for v in sorted(graph.adj[u]) if u < v]
    ops = [op for op in UP_OPS if (op != "blowup_edge" or edges) and (op == "blowup_disjoint" or nodes)]
    op = ops[int(rng.integers(len(ops)))]
    sign = 1 if rng.random() < 0.5 else -1
    if op == "blowup_disjoint":
        return {"op": op, "sign": sign}
    if op == "blowup_edge":
        u, v = edges[int(rng.integers(len(edges)))]
        return {"op": op, "u": u, "v": v, "sign": sign}
    v = nodes[int(rng.integers(len(nodes)))]
    if op == "blowup_vertex":
        return {"op": op, "v": v, "sign": sign}
    moved = [u for u in sorted(graph.adj[v]) if rng.random() < 0.5]
    return {"op": op, "v": v, "d": int(rng.integers(-extrude_d, extrude_d + 1)), "moved": moved}


def scramble(
    graph: PlumbingGraph, rng: np.random.Generator, moves: int, max_nodes: int = 64, extrude_d: int = 2
) -> list[dict[str, Any]]:
    """Apply ``moves`` random kernel moves in place and return them.

    Each step goes up (a blow-up or an extrusion, :func:`random_up_move`) or
    down (uniform among :func:`down_moves`) with probability 1/2; it goes up
    when no down move is legal and down when the graph has ``max_nodes - 2``
    nodes or more, so the graph never outgrows an env of ``max_nodes`` slots.
    """
    done: list[dict[str, Any]] = []
    for _ in range(moves):
        down = down_moves(graph)
        full = len(graph) + 2 > max_nodes
        if down and (full or rng.random() < 0.5):
            move = down[int(rng.integers(len(down)))]
        elif not full:
            move = random_up_move(graph, rng, extrude_d)
        else:
            break
        apply_move(graph, move)
        done.append(move)
    return done


#: Scrambles drawn before accepting an isomorphic pair (tiny trees may admit no other).
_MAX_REDRAWS = 100


@dataclass
class RiPutrovGenerator:
    """Homeomorphic pairs by the Ri-Putrov protocol: a random tree and two independently scrambled copies.

    ``nodes`` (n) and ``scramble_moves`` (k) as in the paper; ``max_nodes``
    caps each graph so that it fits the env. ``weight_limit`` (None: no
    limit, the paper's protocol) redraws any pair with a weight beyond it, so
    that every pair fits an env of that ``weight_limit`` (the env refuses a
    pair that does not, and an RL worker would stop on it); the draws are then
    those of the unlimited generator with the few outliers skipped.
    """

    nodes: int = 10
    scramble_moves: int = 100
    weight_range: int = 20
    max_nodes: int = 64
    extrude_d: int = 2
    weight_limit: int | None = None

    def pair(self, rng: np.random.Generator) -> tuple[PlumbingGraph, PlumbingGraph]:
        tree = random_tree(rng, self.nodes, self.weight_range)
        for _ in range(_MAX_REDRAWS):
            copies = tree.copy(), tree.copy()
            for graph in copies:
                scramble(graph, rng, self.scramble_moves, self.max_nodes, self.extrude_d)
            # A pair that is already isomorphic is won before the first move: scramble again.
            if self.scramble_moves == 0 or not isomorphic(*copies):
                break
        return copies

    def __call__(self, rng: np.random.Generator) -> PlumbingInstance:
        while True:
            pair = self.pair(rng)
            limit = self.weight_limit
            if limit is None or all(abs(w) <= limit for graph in pair for w in graph.weights.values()):
                return PlumbingInstance.from_graphs(*pair)


#: Move types of the published protocol's random attempts (blow-up / blow-down 1, 2, 3).
PAPER_MOVE_TYPES = (1, 2, 3)


def paper_attempt(graph: PlumbingGraph, rng: np.random.Generator, d_range: int = 20) -> dict[str, Any] | None:
    """One random move attempt of the published protocol (songjin91/LearningPlumbings), or None if it is illegal.

    A vertex ``v`` uniform among the graph's; a type uniform in {1, 2, 3};
    up or down and a sign ``s = ±1`` uniform. As kernel moves:

    * up 1: a vertex of weight ``s`` on an edge ``v``–``u``, ``u`` a uniform
      neighbour (``blowup_edge``; both ends gain ``s``; illegal at an isolated ``v``);
    * up 2: a leaf of weight ``s`` at ``v``, which gains ``s`` (``blowup_vertex``);
    * up 3: ``d`` uniform in ``{-R, ..., R - 1}``; a 0-vertex next to ``v`` and a
      ``d``-vertex next to it, ``v`` loses ``d``; if ``v`` has two or more
      neighbours they are shuffled, a split point ``k`` is uniform in ``{1, ...,
      deg - 1}``, and the neighbours after ``k`` move to the ``d``-vertex
      (``extrude_zero``);
    * down 1 / down 2: a ±1 vertex of degree 2 / 1 is blown down (``blowdown``);
    * down 3: a 0-vertex of degree 2 is merged with its two neighbours (``absorb_zero``).

    The sign is drawn for every attempt, as the published code does, and used by up 1 and up 2 only.
    """
    nodes = sorted(graph.weights)
    v = nodes[int(rng.integers(len(nodes)))]
    kind = PAPER_MOVE_TYPES[int(rng.integers(3))]
    up = bool(rng.random() < 0.5)
    sign = 1 if rng.random() < 0.5 else -1
    neighbours = sorted(graph.adj[v])
    weight, degree = graph.weights[v], len(neighbours)
    if up:
        if kind == 1:
            if not neighbours:
                return None
            return {"op": "blowup_edge", "u": v, "v": neighbours[int(rng.integers(degree))], "sign": sign}
        if kind == 2:
            return {"op": "blowup_vertex", "v": v, "sign": sign}
        d = int(rng.integers(-d_range, d_range))
        moved: list[int] = []
        if degree >= 2:
            order = [neighbours[i] for i in rng.permutation(degree)]
            moved = sorted(order[int(rng.integers(1, degree)) :])
        return {"op": "extrude_zero", "v": v, "d": d, "moved": moved}
    if kind in (1, 2) and weight in (1, -1) and degree == 3 - kind:
        return {"op": "blowdown", "v": v}
    if kind == 3 and weight == 0 and degree == 2:
        return {"op": "absorb_zero", "v": v}
    return None


def paper_scramble(
    graph: PlumbingGraph, rng: np.random.Generator, attempts: int = 100, d_range: int = 20
) -> list[dict[str, Any]]:
    """``attempts`` random move attempts of the published protocol, applied in place; the legal ones, returned.

    An illegal attempt does nothing but counts (so a graph gets fewer than ``attempts`` moves).
    """
    done: list[dict[str, Any]] = []
    for _ in range(attempts):
        move = paper_attempt(graph, rng, d_range)
        if move is not None:
            apply_move(graph, move)
            done.append(move)
    return done


@dataclass
class RiPutrovPaperGenerator:
    """Homeomorphic pairs exactly as the published protocol draws them (``test.py``/``utils.py`` of
    songjin91/LearningPlumbings): a random tree on ``nodes`` vertices (weights uniform in ``[-R, R]``,
    vertex ``i`` attached to a uniform earlier one), and each of two copies given its own ``attempts``
    random move attempts (:func:`paper_attempt`). No cap on the size: the graphs have about 40–100
    vertices (42–95, mean 68, in the published run).

    ``max_nodes`` (None: the protocol) redraws a pair in which a graph has more
    than ``max_nodes`` vertices, so that every pair fits an env of that size;
    the pairs are then those of the protocol with the rare outliers skipped.
    Unlike :class:`RiPutrovGenerator`, a pair is not redrawn when it is already
    isomorphic (the protocol does not; with 100 attempts it does not happen in practice).
    """

    nodes: int = 10
    attempts: int = 100
    weight_range: int = 20
    d_range: int = 20
    max_nodes: int | None = None

    def __post_init__(self) -> None:
        if self.nodes < 1 or self.attempts < 0 or self.weight_range < 0 or self.d_range < 1:
            raise ValueError("nodes >= 1, attempts >= 0, weight_range >= 0 and d_range >= 1 are needed")
        if self.max_nodes is not None and self.max_nodes < self.nodes:
            raise ValueError(f"max_nodes ({self.max_nodes}) is below the tree's {self.nodes} nodes")

    def pair(self, rng: np.random.Generator) -> tuple[PlumbingGraph, PlumbingGraph]:
        while True:
            tree = random_tree(rng, self.nodes, self.weight_range)
            copies = tree.copy(), tree.copy()
            for graph in copies:
                paper_scramble(graph, rng, self.attempts, self.d_range)
            if self.max_nodes is None or max(map(len, copies)) <= self.max_nodes:
                return copies

    def __call__(self, rng: np.random.Generator) -> PlumbingInstance:
        return PlumbingInstance.from_graphs(*self.pair(rng))


@dataclass
class DistinctPairGenerator:
    """Pairs that are *not* homeomorphic: a random tree and a copy with one weight perturbed so that H_1 differs.

    Both are then scrambled as in :class:`RiPutrovGenerator`. The
    perturbation is redrawn until the first homology groups differ, so every
    pair has a ``distinct`` certificate.
    """

    nodes: int = 10
    scramble_moves: int = 100
    weight_range: int = 20
    max_nodes: int = 64
    extrude_d: int = 2

    def pair(self, rng: np.random.Generator) -> tuple[PlumbingGraph, PlumbingGraph]:
        tree = random_tree(rng, self.nodes, self.weight_range)
        base = first_homology(tree)
        while True:
            other = tree.copy()
            v = int(rng.integers(self.nodes))
            delta = int(rng.choice([-2, -1, 1, 2]))
            other.weights[v] += delta
            if first_homology(other) != base:
                break
        copies = tree, other
        for graph in copies:
            scramble(graph, rng, self.scramble_moves, self.max_nodes, self.extrude_d)
        return copies

    def __call__(self, rng: np.random.Generator) -> PlumbingInstance:
        return PlumbingInstance.from_graphs(*self.pair(rng))


@dataclass
class InstanceListGenerator:
    """User-given pairs (or a suite): uniform draws, or in order when ``shuffle`` is False."""

    instances: Sequence[PlumbingInstance]
    shuffle: bool = True
    _next: int = field(default=0, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.instances:
            raise ValueError("InstanceListGenerator needs at least one instance")

    def __call__(self, rng: np.random.Generator) -> PlumbingInstance:
        if self.shuffle:
            return self.instances[int(rng.integers(len(self.instances)))]
        instance = self.instances[self._next % len(self.instances)]
        self._next += 1
        return instance


@dataclass
class SuiteGenerator:
    """Instances of a frozen benchmark suite (``rigorgym list suites``), loaded on first use."""

    suite: str
    shuffle: bool = True
    _loaded: list[InstanceListGenerator] = field(default_factory=list, compare=False, repr=False)

    def __deepcopy__(self, memo: dict[int, Any]) -> SuiteGenerator:
        return copy_sharing_instances(self)  # gym.make copies kwargs: share the loaded suite, not copy it

    def __call__(self, rng: np.random.Generator) -> PlumbingInstance:
        if not self._loaded:
            from rigorgym.envs.suites import load_suite

            suite = load_suite(self.suite)
            if suite.env != "Kirby-Plumbing-v0":
                raise ValueError(f"suite {self.suite} is not a Kirby-Plumbing-v0 suite")
            instances = tuple(PlumbingInstance.from_instance(x) for x in suite.instances)
            self._loaded.append(InstanceListGenerator(instances, self.shuffle))
        return self._loaded[0](rng)


def graphs_generator(graphs: Sequence[Any]) -> InstanceListGenerator:
    """A generator that always returns one user-given pair (two §2.4 graph objects)."""
    return InstanceListGenerator((PlumbingInstance.from_instance({"graphs": list(graphs)}),), shuffle=False)
