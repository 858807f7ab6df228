"""Search agents for AndrewsCurtis-v0: the source's greedy and breadth-first searches, and ``ac-search``.

All three play the kernel's moves (:mod:`rigorgym.verifiers.andrews_curtis`: after every move both relators are
freely and cyclically reduced) and return an ``ac_trivial`` certificate that the caller verifies.

``ac-greedy`` and ``ac-bfs`` follow the searches of ``ac_solver`` 0.1.0 (Shehper et al., arXiv:2408.15332,
``ac_solver/search/greedy.py`` and ``breadth_first.py``), rewritten here: the twelve AC′ moves
(:data:`~rigorgym.verifiers.andrews_curtis.SOURCE_MOVES`), a visited set of exact states, a child with a relator
over the length cap dropped, success on reaching ``<x, y | x^±1, y^±1>``. Greedy pops the state of least total
relator length (ties: fewer moves, then first pushed); BFS pops first-in first-out. The cap is the source's
padding, ``2 max(2n + 3, 8) + 2`` for MS(n, w) with ``|w| <= 7``, written for any instance as
``max(18, 2 L + 2)`` with ``L`` its longer relator. The source reduces relators freely but not cyclically in its
Miller–Schupp runs; the kernel reduces cyclically, so a conjugation here only rotates a relator (or does nothing)
and the state space is smaller than the source's.

``ac-search`` searches the same moves modulo what is free: since conjugations rotate a cyclically reduced
relator, a node is a presentation up to rotating either relator, inverting either and swapping them (the key is
the pair of least rotations of each relator or its inverse). A node's children are every product
``rot_a(r_i) · rot_b(r_j)^±1`` (a conjugate of ``r_j^±1`` inserted anywhere in ``r_i``), played as ``a`` and
``b`` single-letter conjugations and one ``concat``; ``invert`` and ``swap`` are never needed (the key ignores
them). A child in which a relator meets a generator exactly once ends the search: :func:`endgame` (in
:mod:`.andrews_curtis_moves`) finishes it by substitution. The default is a portfolio of best-first passes
(:data:`STAGES`), each with its own visited set and a share of ``max_steps``: plain total length first (the
source's greedy order), then two passes that also reward a short relator, few letters of one generator in a
relator (``once``) and few of one generator overall (``gen``), which reach presentations the plain pass misses.
With ``stages=()`` it is one best-first pass on total length plus ``depth_weight`` per product, the cap growing
on restarts when the queue empties. The budget counts children made (``max_steps``: the kernel moves tried by
greedy and BFS, the products formed here) and nodes expanded (``max_expansions``).
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rigorgym.envs.andrews_curtis.certificate import make_certificate
from rigorgym.envs.andrews_curtis.types import PresentationInstance
from rigorgym.verifiers.andrews_curtis import SOURCE_MOVES

from .andrews_curtis_moves import (
    Move,
    State,
    _binverse,
    _bkey,
    _bproduct,
    _decode,
    _encode,
    _macro_moves,
    _source_child,
    class_key,
    endgame,
    is_trivial,
    replay,
    source_cap,
)
from .base import Budget, SolveResult, as_budget, check_limits

__all__ = ["AGENT_FACTORIES", "ACSearch", "SourceBFS", "SourceGreedy", "_macro_moves", "_source_child",
           "class_key", "endgame", "replay", "solve_and_verify", "source_cap"]  # fmt: skip


#: how often (in expansions) the wall clock is read
_CLOCK_EVERY = 64


# ---------------------------------------------------------------- the agents


@dataclass
class _Run:
    """One search's counters and its budget test."""

    budget: Budget
    start: float
    steps: int = 0
    expansions: int = 0

    def out(self) -> bool:
        if not self.budget.expansions_left(self.expansions) or not self.budget.steps_left(self.steps):
            return True
        return self.expansions % _CLOCK_EVERY == 0 and time.perf_counter() - self.start >= self.budget.seconds


def _initial(instance: Any) -> tuple[PresentationInstance, State]:
    if not isinstance(instance, PresentationInstance):
        instance = PresentationInstance.from_instance(instance)
    state = instance.presentation().reduced().relators
    return instance, (tuple(state[0]), tuple(state[1]))


class _SearchAgent:
    """Shared ``solve``: build the start state, run :meth:`search`, check the path and wrap it as a certificate."""

    name: str = ""
    LIMITS: ClassVar[tuple[str, ...]] = ("max_steps", "max_expansions")
    cap: int | None = None

    def solve(self, env: Any, instance: Any, budget_s: Budget | float, seed: int) -> SolveResult:
        """``env`` is not used: the search needs the instance alone."""
        budget = as_budget(budget_s)
        check_limits(self, budget)
        run = _Run(budget, time.perf_counter())
        instance, state = _initial(instance)
        moves = [] if is_trivial(state) else self.search(state, run)
        extra = {"expansions": run.expansions}
        if moves is None:
            return SolveResult(None, time.perf_counter() - run.start, run.steps, extra)
        if not is_trivial(replay(state, moves)):
            raise AssertionError(f"{self.name}: the path found does not replay to the trivial presentation")
        cert = make_certificate(instance, moves, seed)
        cert["meta"]["agent"] = self.name
        return SolveResult(cert, time.perf_counter() - run.start, run.steps, extra)

    def search(self, state: State, run: _Run) -> list[Move] | None:
        raise NotImplementedError


def _path(parents: list[int], actions: list[int], node: int) -> list[Move]:
    out: list[int] = []
    while node > 0:
        out.append(actions[node])
        node = parents[node]
    return [dict(SOURCE_MOVES[a]) for a in reversed(out)]


def _source_search(agent: _SearchAgent, state: State, run: _Run, best_first: bool) -> list[Move] | None:
    """The source's two searches over the twelve AC′ moves: best-first on total relator length (ties: fewer
    moves, then first pushed) or first-in first-out; a visited set of exact states, children over the cap
    dropped."""
    cap = agent.cap or source_cap(state)
    parents, actions = [-1], [-1]
    seen = {state}
    heap: list[tuple[int, int, int, State]] = [(len(state[0]) + len(state[1]), 0, 0, state)]
    queue: deque[tuple[int, int, int, State]] = deque(heap)
    while (heap if best_first else queue) and not run.out():
        _, depth, node, current = heapq.heappop(heap) if best_first else queue.popleft()
        run.expansions += 1
        for action in range(12):
            child = _source_child(current, action)
            run.steps += 1
            if child in seen or len(child[0]) > cap or len(child[1]) > cap:
                continue
            seen.add(child)
            parents.append(node)
            actions.append(action)
            if is_trivial(child):
                return _path(parents, actions, len(parents) - 1)
            item = (len(child[0]) + len(child[1]), depth + 1, len(parents) - 1, child)
            if best_first:
                heapq.heappush(heap, item)
            else:
                queue.append(item)
    return None


class SourceGreedy(_SearchAgent):
    """``ac-greedy``: the source's best-first search on total relator length over the twelve AC′ moves."""

    name = "ac-greedy"

    def search(self, state: State, run: _Run) -> list[Move] | None:
        return _source_search(self, state, run, best_first=True)


class SourceBFS(_SearchAgent):
    """``ac-bfs``: the source's breadth-first search over the twelve AC′ moves."""

    name = "ac-bfs"

    def search(self, state: State, run: _Run) -> list[Move] | None:
        return _source_search(self, state, run, best_first=False)


#: ac-search's default portfolio: (share of ``max_steps``, (depth, short, once, gen weights)) per pass
STAGES: tuple[tuple[float, tuple[float, float, float, float]], ...] = (
    (0.4, (0.0, 0.0, 0.0, 0.0)),
    (0.3, (0.0, -1.0, 3.0, 0.0)),
    (0.3, (0.0, 0.0, 2.0, 1.0)),
)


@dataclass
class ACSearch(_SearchAgent):
    """``ac-search``: best-first over presentations modulo rotation, inversion and swap (see the module docstring).

    A pass ranks a node by ``total length + depth_weight * depth + short_weight * min(|r0|, |r1|) +
    once_weight * (fewest letters of one generator in one relator) + gen_weight * (fewest letters of one
    generator in both)``; ``stages`` runs one pass per ``(share, (depth, short, once, gen))`` under the source's
    cap (or ``cap``). With ``stages=()``: one pass with the fields' weights, ``cap`` grown by ``cap_growth``
    letters each time the queue empties. ``endgame`` ends a pass on a child that :func:`endgame` finishes.
    """

    name: str = "ac-search"
    depth_weight: float = 0.0
    cap: int | None = None
    cap_growth: int = 8
    endgame: bool = True
    short_weight: float = 0.0
    once_weight: float = 0.0
    gen_weight: float = 0.0
    stages: tuple[tuple[float, tuple[float, float, float, float]], ...] = STAGES

    def search(self, state: State, run: _Run) -> list[Move] | None:
        if self.stages:
            total = run.budget.max_steps or 10**12
            cap = self.cap or source_cap(state)
            for share, weights in self.stages:
                limit = run.steps + int(total * share)
                found, _ = self._search(state, run, cap, limit, weights)
                if found is not None or run.out():
                    return found
            return None
        cap = self.cap or source_cap(state)
        while not run.out():
            found, exhausted = self._search(state, run, cap)
            if found is not None:
                return found
            if not exhausted:
                return None
            cap += self.cap_growth
        return None

    def _search(
        self, state: State, run: _Run, cap: int, limit: int = 10**15, weights: tuple[float, ...] = ()
    ) -> tuple[list[Move] | None, bool]:
        """One best-first pass under ``cap``; (the path or None, whether the queue emptied)."""
        start = (_encode(state[0]), _encode(state[1]))
        states: list[tuple[bytes, bytes]] = [start]
        parents: list[int] = [-1]
        macros: list[tuple[int, int, int, int]] = [(0, 0, 0, 0)]
        k0, k1 = _bkey(start[0]), _bkey(start[1])
        seen = {(k0, k1) if k0 <= k1 else (k1, k0)}
        heap: list[tuple[float, int, int]] = [(float(len(start[0]) + len(start[1])), 0, 0)]
        weight, short_w, once_w, gen_w = weights or (
            self.depth_weight,
            self.short_weight,
            self.once_weight,
            self.gen_weight,
        )
        use_end = self.endgame
        if use_end:
            found = self._finish(states, parents, macros, 0)
            if found is not None:
                return found, False
        while heap:
            if run.out() or run.steps >= limit:
                return None, False
            _, depth, node = heapq.heappop(heap)
            run.expansions += 1
            current = states[node]
            for i in (0, 1):
                u, v = current[i], current[1 - i]
                kv = _bkey(v)
                rot_u = [u[a:] + u[:a] for a in range(len(u))] or [u]
                for sign in (1, -1):
                    for c in range(max(len(v), 1)):
                        rv = v[c:] + v[:c]
                        tail = rv if sign == 1 else _binverse(rv)
                        for a, ru in enumerate(rot_u):
                            word = _bproduct(ru, tail)
                            run.steps += 1
                            if len(word) > cap:
                                continue
                            kw = _bkey(word)
                            key = (kw, kv) if kw <= kv else (kv, kw)
                            if key in seen:
                                continue
                            seen.add(key)
                            states.append((word, rv) if i == 0 else (rv, word))
                            parents.append(node)
                            macros.append((i, a, c, sign))
                            if (
                                len(word) == 1 and len(rv) == 1 and (word[0] + rv[0]) % 2
                            ):  # x^±1 (3, 1) with y^±1 (4, 0)
                                return self._moves(states, parents, macros, len(states) - 1), False
                            if use_end and (word.count(3) + word.count(1) == 1 or word.count(4) + word.count(0) == 1):
                                found = self._finish(states, parents, macros, len(states) - 1)
                                if found is not None:
                                    return found, False
                            score = len(word) + len(rv) + weight * (depth + 1)
                            if short_w:
                                score += short_w * min(len(word), len(rv))
                            if gen_w:
                                score += gen_w * min(
                                    word.count(3) + word.count(1) + rv.count(3) + rv.count(1),
                                    word.count(4) + word.count(0) + rv.count(4) + rv.count(0),
                                )
                            if once_w:
                                score += once_w * min(
                                    word.count(3) + word.count(1),
                                    word.count(4) + word.count(0),
                                    rv.count(3) + rv.count(1),
                                    rv.count(4) + rv.count(0),
                                )
                            heapq.heappush(heap, (score, depth + 1, len(states) - 1))
        return None, True

    def _finish(
        self, states: list[tuple[bytes, bytes]], parents: list[int], macros: list[tuple[int, int, int, int]], node: int
    ) -> list[Move] | None:
        state = states[node]
        tail = endgame((_decode(state[0]), _decode(state[1])))
        return None if tail is None else self._moves(states, parents, macros, node) + tail

    @staticmethod
    def _moves(
        states: list[tuple[bytes, bytes]], parents: list[int], macros: list[tuple[int, int, int, int]], node: int
    ) -> list[Move]:
        chain: list[int] = []
        while node > 0:
            chain.append(node)
            node = parents[node]
        moves: list[Move] = []
        for child in reversed(chain):
            i, a, c, sign = macros[child]
            parent = states[parents[child]]
            moves += _macro_moves((_decode(parent[0]), _decode(parent[1])), i, a, c, sign)
        return moves


AGENT_FACTORIES: dict[str, Callable[[], _SearchAgent]] = {
    "ac-greedy": SourceGreedy,
    "ac-bfs": SourceBFS,
    "ac-search": ACSearch,
}


def solve_and_verify(agent: str, raw: dict[str, Any], budget: Budget, seed: int) -> dict[str, Any]:
    """One benchmark row: solve ``raw`` with the named agent and re-verify the certificate by the kernel."""
    from rigorgym.verifiers import verify

    result = AGENT_FACTORIES[agent]().solve(None, raw, budget, seed)
    verdict = verify(result.certificate) if result.certificate is not None else None
    return {
        "agent": agent,
        "id": raw["id"],
        "verified": bool(verdict is not None and verdict.valid),
        "reason": None if verdict is None else verdict.reason,
        "moves": result.moves,
        "steps": result.steps,
        "expansions": result.extra.get("expansions"),
        "seconds": round(result.seconds, 4),
    }
