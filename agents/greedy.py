"""A bounded best-first search on braid words that never grows the word.

Successors of a braid are its cancellations, far commutations, braid
relations and destabilizations (a rotation that brings the only letter
±(n-1) to the end, then a destabilization). States are ranked by
``length + strands - 1`` (0 exactly at the unknot), ties first-come. The
search runs on the kernel's own ``Braid``; the path found is then played
through the env, which writes the certificate. Written by hand: no library
searches braid words.
"""

from __future__ import annotations

import heapq
import itertools
import time
from dataclasses import dataclass
from typing import Any, ClassVar

import gymnasium as gym
from rigorgym.envs.unknot.types import BraidInstance
from rigorgym.verifiers.braid import Braid, apply_move

from .base import Budget, SolveResult, as_budget

Move = dict[str, Any]


def successors(b: Braid) -> list[tuple[list[Move], Braid]]:
    """Non-growing moves (as kernel move lists) and the braids they lead to."""
    n, w = b.strands, b.word
    length = len(w)
    out: list[list[Move]] = []
    if length >= 2:
        for i in range(length):
            a, c = w[i], w[(i + 1) % length]
            if a == -c:
                out.append([{"op": "cancel", "i": i}])
            elif abs(abs(a) - abs(c)) >= 2:
                out.append([{"op": "commute", "i": i}])
            elif length >= 3 and a == w[(i + 2) % length] and (a > 0) == (c > 0) and abs(abs(a) - abs(c)) == 1:
                out.append([{"op": "braid", "i": i}])
    top = [p for p, x in enumerate(w) if abs(x) == n - 1]
    if n >= 2 and len(top) == 1:
        k = (top[0] + 1) % length
        out.append(([{"op": "rotate", "k": k}] if k else []) + [{"op": "destabilize"}])
    result = []
    for moves in out:
        state = b
        for m in moves:
            state = apply_move(state, m)
        result.append((moves, state))
    return result


def best_first(
    start: Braid, budget_s: float, max_nodes: int = 2_000_000, max_expansions: int | None = None
) -> list[Move] | None:
    """Kernel moves from ``start`` to the trivial braid, or None within the budget.

    ``max_expansions`` caps the states expanded (a deterministic budget: the clock may still stop it first).
    """
    deadline = time.perf_counter() + budget_s
    tie = itertools.count()
    parent: dict[Braid, tuple[Braid | None, list[Move]]] = {start: (None, [])}
    heap = [(len(start.word) + start.strands - 1, next(tie), start)]
    expansions = 0
    while heap and len(parent) < max_nodes:
        _, _, state = heapq.heappop(heap)
        if state.is_trivial_knot:
            path: list[Move] = []
            node: Braid | None = state
            while node is not None:
                prev, moves = parent[node]
                path[:0] = moves
                node = prev
            return path
        if time.perf_counter() > deadline or (max_expansions is not None and expansions >= max_expansions):
            return None
        expansions += 1
        for moves, nxt in successors(state):
            if nxt not in parent:
                parent[nxt] = (state, moves)
                heapq.heappush(heap, (len(nxt.word) + nxt.strands - 1, next(tie), nxt))
    return None


@dataclass
class GreedySearch:
    """``greedy``: best-first search on word length and strands, then replay through the env."""

    name: str = "greedy"
    max_nodes: int = 2_000_000
    LIMITS: ClassVar[tuple[str, ...]] = ("max_expansions",)

    def solve(self, env: gym.Env, instance: Any, budget_s: Budget | float, seed: int) -> SolveResult:
        start = time.perf_counter()
        budget = as_budget(budget_s)
        inst = instance if isinstance(instance, BraidInstance) else BraidInstance.from_instance(instance)
        path = best_first(inst.braid, budget.seconds, self.max_nodes, budget.max_expansions)
        if path is None:
            return SolveResult(None, time.perf_counter() - start)
        # Replay on the unwrapped env: the path may be longer than a TimeLimit allows.
        game = env.unwrapped
        game.reset(seed=seed, options={"instance": inst})
        for move in path:
            game.step(game.layout.from_move(move))
        if not game.solved:
            return SolveResult(None, time.perf_counter() - start, len(path))
        cert = game.certificate()
        cert["meta"]["agent"] = self.name
        return SolveResult(cert, time.perf_counter() - start, len(path))
