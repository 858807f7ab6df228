"""The `normal-form` solver of Kirby-Plumbing-v0: Neumann's reduction, then isomorphism.

Neumann ("A calculus for plumbing applied to the topology of complex surface
singularities and degenerating complex curves", Trans. AMS 268, 1981) shows
that every plumbing graph reduces to a normal form, unique up to
isomorphism for the manifolds it covers. For forests of genus-0 vertices the
reduction that the ops of docs/design.md §2.3 can carry out is:

1. blow down every ±1 vertex of degree <= 2 (R1);
2. absorb every 0-vertex of degree 2 (R3);
3. split at every 0-weight leaf (R6);
4. make every chain vertex (degree <= 2) weigh <= -2: a vertex of weight
   ``w >= 2`` becomes a chain of ``w - 1`` vertices of weight -2 and its
   neighbours lose 1 (``w - 1`` edge blow-ups with -1, then a blow-down of the
   vertex, which by then weighs +1; for an isolated vertex a -1 leaf first).

Steps 1-3 come first, in increasing node id; step 4 runs only when none
applies, and as one block, so that step 1 cannot undo it. The result has no
±1 or 0 vertex of degree <= 2 other than isolated 0-vertices (S^1 x S^2
summands) and every chain weight <= -2: Neumann's normal form for graphs
without the configurations that need his other moves (R4, R5, R7, R8:
non-orientable or higher-genus pieces, which these forests never contain).
Neumann's uniqueness theorem then makes the reduced forms of two
homeomorphic graphs isomorphic, apart from his listed exceptions (chains, i.e.
lens spaces, and a few small Seifert graphs), where two normal forms can
describe one manifold; outside that class the solver reports failure and
never guesses. docs/envs/kirby-plumbing.md records how complete it is on each
suite.

For a pair whose first homology groups differ it emits a ``distinct``
certificate instead (no moves; the kernel recomputes H_1).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from rigorgym.verifiers.plumbing import PlumbingGraph, apply_move, isomorphic
from rigorgym.verifiers.plumbing_invariants import InvariantTooCostly, first_homology

from .base import Budget, SolveResult, as_budget

#: A guard against a reduction that does not terminate (it always has, on every suite).
MAX_REDUCTION_MOVES = 100_000


class ReductionLimit(RuntimeError):
    """The reduction ran past :data:`MAX_REDUCTION_MOVES`."""


def _reducible(graph: PlumbingGraph) -> dict[str, Any] | None:
    """The first R1/R3/R6 reduction in increasing node id, or None."""
    for v in sorted(graph.weights):
        w, degree = graph.weights[v], len(graph.adj[v])
        if degree > 2:
            continue
        if w in (1, -1):
            return {"op": "blowdown", "v": v}
        if w == 0 and degree == 2:
            return {"op": "absorb_zero", "v": v}
        if w == 0 and degree == 1:
            return {"op": "split_zero_leaf", "v": v}
    return None


def _positive_chain_vertex(graph: PlumbingGraph) -> int | None:
    for v in sorted(graph.weights):
        if graph.weights[v] >= 2 and len(graph.adj[v]) <= 2:
            return v
    return None


def _negate_chain_vertex(graph: PlumbingGraph, v: int) -> list[dict[str, Any]]:
    """Step 4 on vertex ``v`` (weight w >= 2, degree <= 2): w - 1 edge blow-ups with -1, then blow ``v`` down."""
    moves: list[dict[str, Any]] = []
    if not graph.adj[v]:
        moves.append({"op": "blowup_vertex", "v": v, "sign": -1})
        apply_move(graph, moves[-1])
    toward = min(graph.adj[v])
    while graph.weights[v] > 1:
        moves.append({"op": "blowup_edge", "u": v, "v": toward, "sign": -1})
        apply_move(graph, moves[-1])
        toward = graph.new_id() - 1  # the vertex just created sits between v and the old neighbour
    moves.append({"op": "blowdown", "v": v})
    apply_move(graph, moves[-1])
    return moves


def reduce_to_normal_form(
    graph: PlumbingGraph, index: int, max_moves: int = MAX_REDUCTION_MOVES
) -> list[dict[str, Any]]:
    """Reduce ``graph`` in place; return the kernel moves (each tagged with ``"graph": index``)."""
    moves: list[dict[str, Any]] = []
    while len(moves) <= max_moves:
        move = _reducible(graph)
        if move is not None:
            apply_move(graph, move)
            moves.append(move)
            continue
        v = _positive_chain_vertex(graph)
        if v is None:
            for m in moves:
                m["graph"] = index
            return moves
        moves.extend(_negate_chain_vertex(graph, v))
    raise ReductionLimit(f"graph {index}: no normal form after {max_moves} moves")


def normal_form(graph: PlumbingGraph) -> PlumbingGraph:
    """A reduced copy of ``graph`` (the input is left as it is)."""
    out = graph.copy()
    reduce_to_normal_form(out, 0)
    return out


def _homology_differs(g: PlumbingGraph, h: PlumbingGraph) -> bool:
    """Whether H_1 tells the graphs apart (False when the kernel would not compute it)."""
    try:
        return first_homology(g) != first_homology(h)
    except InvariantTooCostly:
        return False


def certify_pair(instance: Any, max_moves: int = MAX_REDUCTION_MOVES) -> tuple[str, list[dict[str, Any]]] | None:
    """``("distinct", [])`` or ``("homeomorphic", moves)`` for a :class:`PlumbingInstance`, or None if neither.

    ``max_moves`` bounds the reduction moves of both graphs together (``--max-steps``).
    """
    g, h = instance.kernel_graphs()
    if _homology_differs(g, h):
        return "distinct", []
    try:
        first = reduce_to_normal_form(g, 0, max_moves)
        moves = first + reduce_to_normal_form(h, 1, max_moves - len(first))
    except ReductionLimit:
        return None
    return ("homeomorphic", moves) if isomorphic(g, h) else None


class NormalFormSolver:
    """``normal-form``: certify a plumbing pair by invariants (distinct) or by Neumann reduction (homeomorphic).

    Deterministic and not limited by the clock; ``budget.max_steps`` caps its reduction moves.
    """

    name = "normal-form"
    LIMITS: ClassVar[tuple[str, ...]] = ("max_steps",)

    def solve(self, env: Any, instance: Any, budget_s: Budget | float, seed: int) -> SolveResult:
        start = time.perf_counter()
        max_moves = as_budget(budget_s).max_steps
        found = certify_pair(instance, MAX_REDUCTION_MOVES if max_moves is None else max_moves)
        seconds = time.perf_counter() - start
        if found is None:
            return SolveResult(None, seconds)
        claim, moves = found
        base = env.unwrapped if hasattr(env, "unwrapped") else env
        certificate = base.make_certificate(instance, moves, claim=claim)
        return SolveResult(certificate, seconds, steps=len(moves))
