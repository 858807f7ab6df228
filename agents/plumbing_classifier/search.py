"""Ranking Neumann moves by the classifier, and a greedy search that plays a move order until isomorphic."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from rigorgym.envs.kirby_plumbing.generator import down_moves
from rigorgym.envs.kirby_plumbing.types import PlumbingInstance
from rigorgym.verifiers.plumbing import IllegalMove, apply_move, canonical_form, isomorphic

from .model import PairClassifier, collate_graphs, graph_tensors
from .pairs import Move, Pair
from .training import as_pair, torch_threads

# -- ranking moves ----------------------------------------------------------------------


def _base_env(state: Any) -> Any:
    return state.unwrapped if hasattr(state, "unwrapped") else state


def _state_pair(state: Any) -> Pair:
    """The current pair of ``state``: an env (its live graphs), a PlumbingInstance, a LabelledPair or ``(g, h)``."""
    base = _base_env(state)
    if hasattr(base, "graphs") and callable(base.graphs):
        g, h = base.graphs()
        return g, h
    g, h = as_pair(state)
    return g.copy(), h.copy()


def _decode_actions(state: Any, actions: Sequence[Any]) -> list[Move | None]:
    """Kernel moves (with ``"graph"``) for env action indices or move dicts; None where illegal.

    An index is played on one scratch env of ``state``'s layout, reloaded with
    the current pair each time, so ``state`` itself is never touched.
    """
    out: list[Move | None] = [dict(a) if isinstance(a, dict) else None for a in actions]
    indices = [i for i, a in enumerate(actions) if not isinstance(a, dict)]
    if not indices:
        return out
    base = _base_env(state)
    if not hasattr(base, "action_masks"):
        raise TypeError("action indices need a Kirby-Plumbing-v0 env as the state; pass kernel move dicts otherwise")
    from rigorgym.envs.kirby_plumbing.env import KirbyPlumbingEnv

    mask = base.action_masks()
    lay = base.layout
    scratch = KirbyPlumbingEnv(
        max_nodes=lay.max_nodes,
        extrude_d=lay.extrude_d,
        extrude_neighbours=lay.extrude_neighbours,
        weight_limit=base.weight_limit,
    )
    current = PlumbingInstance.from_graphs(*base.graphs())
    for i in indices:
        action = int(actions[i])
        if not 0 <= action < len(mask) or not mask[action]:
            continue
        scratch.load(current)
        _, _, _, _, info = scratch.step(action)
        if not info["illegal_action"]:
            out[i] = scratch.moves[-1]
    return out


def action_to_move(state: Any, action: int) -> Move | None:
    """The kernel move of env action ``action`` in ``state``'s current position, or None if illegal."""
    return _decode_actions(state, [action])[0]


def apply_to_copy(pair: Pair, move: Move) -> Pair | None:
    """The pair after the kernel move ``move`` (its ``"graph"`` field picks the side; the other side is the
    same object as in ``pair``), or None if illegal."""
    side = move.get("graph", 0)
    if side not in (0, 1):
        return None
    graph = pair[side].copy()
    try:
        apply_move(graph, move)
    except IllegalMove:
        return None
    return (graph, pair[1]) if side == 0 else (pair[0], graph)


def score_children(model: PairClassifier, pair: Pair, children: Sequence[Pair | None]) -> list[float]:
    """P(same) of each child pair (``-inf`` for None). A child shares one side with ``pair`` (by identity, as
    :func:`apply_to_copy` makes them), so each graph is embedded once: the search's hot path."""
    graphs = [graph_tensors(pair[0]), graph_tensors(pair[1])]
    left: list[int] = []
    right: list[int] = []
    for child in children:
        if child is None:
            continue
        index = []
        for side in (0, 1):
            if child[side] is pair[side]:
                index.append(side)
            else:
                graphs.append(graph_tensors(child[side]))
                index.append(len(graphs) - 1)
        left.append(index[0])
        right.append(index[1])
    if not left:
        return [-math.inf] * len(children)
    model.eval()
    with torch.no_grad(), torch_threads(1):
        e = model.graph_embeddings(collate_graphs(graphs))
        probs = iter(torch.sigmoid(model.compare(e[left], e[right])).tolist())
    return [-math.inf if c is None else next(probs) for c in children]


def score_moves(model: PairClassifier, state: Any, candidate_actions: Sequence[Any]) -> list[float]:
    """P(same) of the pair after each candidate (env action index or kernel move dict); ``-inf`` if illegal."""
    pair = _state_pair(state)
    moves = _decode_actions(state, candidate_actions)
    return score_children(model, pair, [None if m is None else apply_to_copy(pair, m) for m in moves])


def rank_moves(model: PairClassifier, state: Any, candidate_actions: Sequence[Any]) -> list[Any]:
    """The candidates sorted best first: highest "same manifold" probability of the pair they lead to.

    ``state`` is a Kirby-Plumbing-v0 env (then candidates may be action
    indices, decoded against its current position) or a pair of graphs
    (``PlumbingInstance``, ``(g, h)``); kernel move dicts with a ``"graph"``
    field work with either. Illegal candidates go last; ties keep input order.
    The result is a permutation of ``candidate_actions``.
    """
    scores = score_moves(model, state, candidate_actions)
    order = sorted(range(len(candidate_actions)), key=lambda i: -scores[i])
    return [candidate_actions[i] for i in order]


# -- a greedy search guided by a move order ---------------------------------------------


def candidate_moves(pair: Pair) -> list[Move]:
    """The moves a greedy search tries: every down move (blow-down, 0-absorption, 0-leaf split) and every
    ±1 blow-up at a vertex or an edge, on both graphs. Extrusions and disjoint blow-ups are left out: they
    multiply the branching without being needed by Neumann's reduction of these forests."""
    out: list[Move] = []
    for side, graph in enumerate(pair):
        out += [{**m, "graph": side} for m in down_moves(graph)]
        nodes = sorted(graph.weights)
        for v in nodes:
            out += [{"op": "blowup_vertex", "graph": side, "v": v, "sign": s} for s in (1, -1)]
        for u in nodes:
            for v in sorted(graph.adj[u]):
                if u < v:
                    out += [{"op": "blowup_edge", "graph": side, "u": u, "v": v, "sign": s} for s in (1, -1)]
    return out


def complexity(pair: Pair) -> int:
    """Ri-Putrov's complexity of a pair: 5 * nodes + sum |w| over both graphs."""
    return sum(5 * len(g) + sum(abs(w) for w in g.weights.values()) for g in pair)


@dataclass
class SearchResult:
    """A greedy search's outcome: the kernel moves of a win (None if none within the budget)."""

    moves: list[Move] | None
    steps: int
    seconds: float


def greedy_search(
    pair: Pair,
    order: Callable[[Pair, list[Move]], list[Move]],
    max_moves: int,
    max_seconds: float | None = None,
) -> SearchResult:
    """Play, from ``pair``, the first move in ``order`` that reaches a pair not seen before, until the graphs are
    isomorphic, ``max_moves`` are played, ``max_seconds`` pass or every move leads back (a dead end).

    ``order(pair, candidates)`` returns the candidates best first, e.g. by
    :func:`rank_moves` or at random. The moves returned, with ``"graph"``
    fields, are a ``homeomorphic`` certificate's moves for the pair.
    """
    start = time.perf_counter()
    current: Pair = (pair[0].copy(), pair[1].copy())
    if isomorphic(*current):
        return SearchResult([], 0, time.perf_counter() - start)
    seen = {(canonical_form(current[0]), canonical_form(current[1]))}
    played: list[Move] = []
    for step in range(max_moves):
        if max_seconds is not None and time.perf_counter() - start > max_seconds:
            return SearchResult(None, step, time.perf_counter() - start)
        chosen: tuple[Move, Pair] | None = None
        for move in order(current, candidate_moves(current)):
            child = apply_to_copy(current, move)
            if child is None:
                continue
            key = (canonical_form(child[0]), canonical_form(child[1]))
            if key not in seen:
                seen.add(key)
                chosen = move, child
                break
        if chosen is None:
            return SearchResult(None, step, time.perf_counter() - start)
        played.append(chosen[0])
        current = chosen[1]
        if isomorphic(*current):
            return SearchResult(played, step + 1, time.perf_counter() - start)
    return SearchResult(None, max_moves, time.perf_counter() - start)


def classifier_order(model: PairClassifier) -> Callable[[Pair, list[Move]], list[Move]]:
    """A :func:`greedy_search` order: :func:`rank_moves` with ``model``."""

    def order(pair: Pair, candidates: list[Move]) -> list[Move]:
        scores = score_children(model, pair, [apply_to_copy(pair, m) for m in candidates])
        ranked = sorted(range(len(candidates)), key=lambda i: -scores[i])
        return [candidates[i] for i in ranked]

    return order


def random_order(seed: int) -> Callable[[Pair, list[Move]], list[Move]]:
    """A :func:`greedy_search` order: uniformly random (the baseline a learned order must beat)."""
    rng = np.random.default_rng(seed)

    def order(pair: Pair, candidates: list[Move]) -> list[Move]:
        return [candidates[i] for i in rng.permutation(len(candidates))]

    return order


def complexity_order(seed: int) -> Callable[[Pair, list[Move]], list[Move]]:
    """A :func:`greedy_search` order: lowest Ri-Putrov complexity of the result first, ties at random."""
    rng = np.random.default_rng(seed)

    def order(pair: Pair, candidates: list[Move]) -> list[Move]:
        keys = []
        for i in rng.permutation(len(candidates)):
            child = apply_to_copy(pair, candidates[i])
            keys.append((math.inf if child is None else complexity(child), len(keys), int(i)))
        return [candidates[i] for _, _, i in sorted(keys)]

    return order


def complexity_classifier_order(model: PairClassifier) -> Callable[[Pair, list[Move]], list[Move]]:
    """A :func:`greedy_search` order: lowest complexity first, ties broken by the classifier's P(same) (the
    ablation that asks whether the classifier adds anything to the hand-made heuristic)."""

    def order(pair: Pair, candidates: list[Move]) -> list[Move]:
        children = [apply_to_copy(pair, m) for m in candidates]
        scores = score_children(model, pair, children)
        keys = [(math.inf if c is None else complexity(c), -scores[i], i) for i, c in enumerate(children)]
        return [candidates[i] for _, _, i in sorted(keys)]

    return order
