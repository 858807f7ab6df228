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
them). Best-first on total length plus ``depth_weight`` per product, the cap growing on restarts when the queue
empties. The budget counts children made (``max_steps``: the kernel moves tried by greedy and BFS, the products
formed here) and nodes expanded (``max_expansions``).
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
from rigorgym.verifiers.andrews_curtis import step as kernel_step

from .base import Budget, SolveResult, as_budget, check_limits

Word = tuple[int, ...]
State = tuple[Word, Word]
Move = dict[str, Any]

#: how often (in expansions) the wall clock is read
_CLOCK_EVERY = 64


# ---------------------------------------------------------------- the kernel's step, specialised


def _inverse(w: Word) -> Word:
    return tuple(-a for a in reversed(w))


def _product(u: Word, v: Word) -> Word:
    """``cyclic_reduce(u v)`` for cyclically reduced ``u`` and ``v`` (cancellation at the junctions only)."""
    k, top = 0, min(len(u), len(v))
    while k < top and u[-1 - k] == -v[k]:
        k += 1
    w = u[: len(u) - k] + v[k:] if k else u + v
    lo, hi = 0, len(w)
    while hi - lo >= 2 and w[lo] == -w[hi - 1]:
        lo += 1
        hi -= 1
    return w[lo:hi] if lo else w


def _conjugate(w: Word, g: int) -> Word:
    """``cyclic_reduce(g w g^-1)`` for cyclically reduced ``w``: a rotation by one letter, or ``w`` itself."""
    if not w:
        return w
    if w[0] == -g:
        return w[1:] + (w[0],) if len(w) > 1 else w
    if w[-1] == g:
        return (w[-1],) + w[:-1] if len(w) > 1 else w
    return w


def _source_child(state: State, action: int) -> State:
    """The kernel's step of ``SOURCE_MOVES[action]`` on a reduced state (checked against the kernel in the tests)."""
    move = SOURCE_MOVES[action]
    i = move["i"]
    if move["op"] == "concat":
        other = state[move["j"]]
        word = _product(state[i], other if move["sign"] == 1 else _inverse(other))
    else:
        word = _conjugate(state[i], move["generator"])
    return (word, state[1]) if i == 0 else (state[0], word)


def is_trivial(state: State) -> bool:
    a, b = state
    return len(a) == 1 and len(b) == 1 and abs(a[0]) != abs(b[0])


def source_cap(state: State) -> int:
    """The source's relator length cap (its padding), ``max(18, 2 L + 2)`` for ``L`` the longer relator."""
    return max(18, 2 * max(len(state[0]), len(state[1])) + 2)


def replay(relators: State, moves: list[Move]) -> State:
    """The relators after ``moves`` by the kernel's own step (a path's check before it becomes a certificate)."""
    for move in moves:
        relators = kernel_step(relators, True, move)
    return relators


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


class SourceGreedy(_SearchAgent):
    """``ac-greedy``: the source's best-first search on total relator length over the twelve AC′ moves."""

    name = "ac-greedy"

    def search(self, state: State, run: _Run) -> list[Move] | None:
        cap = self.cap or source_cap(state)
        parents, actions = [-1], [-1]
        seen = {state}
        heap: list[tuple[int, int, int, State]] = [(len(state[0]) + len(state[1]), 0, 0, state)]
        while heap and not run.out():
            _, depth, node, current = heapq.heappop(heap)
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
                heapq.heappush(heap, (len(child[0]) + len(child[1]), depth + 1, len(parents) - 1, child))
        return None


class SourceBFS(_SearchAgent):
    """``ac-bfs``: the source's breadth-first search over the twelve AC′ moves."""

    name = "ac-bfs"

    def search(self, state: State, run: _Run) -> list[Move] | None:
        cap = self.cap or source_cap(state)
        parents, actions = [-1], [-1]
        seen = {state}
        queue: deque[tuple[int, State]] = deque([(0, state)])
        while queue and not run.out():
            node, current = queue.popleft()
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
                queue.append((len(parents) - 1, child))
        return None


# ---------------------------------------------------------------- ac-search

# ac-search keeps words as bytes (letter l -> l + 2, so the inverse letter is 4 - code): rotations, inverses and
# comparisons then run in C, which matters because every child's class key looks at all its rotations.
_INV = bytes((4 - c) % 256 for c in range(256))


def _encode(w: Word) -> bytes:
    return bytes(a + 2 for a in w)


def _decode(b: bytes) -> Word:
    return tuple(c - 2 for c in b)


def _binverse(b: bytes) -> bytes:
    return b[::-1].translate(_INV)


def _bproduct(u: bytes, v: bytes) -> bytes:
    """:func:`_product` on encoded words."""
    k, top = 0, min(len(u), len(v))
    while k < top and u[-1 - k] + v[k] == 4:
        k += 1
    w = u[: len(u) - k] + v[k:] if k else u + v
    lo, hi = 0, len(w)
    while hi - lo >= 2 and w[lo] + w[hi - 1] == 4:
        lo += 1
        hi -= 1
    return w[lo:hi] if lo else w


def _bkey(w: bytes) -> bytes:
    """The least rotation of ``w`` or of its inverse: equal for words one conjugation/inversion apart."""
    n = len(w)
    d, e = w + w, _binverse(w) * 2
    return min([d[k : k + n] for k in range(n)] + [e[k : k + n] for k in range(n)], default=w)


def class_key(state: State) -> tuple[bytes, bytes]:
    """A presentation up to rotating or inverting either relator and swapping them."""
    a, b = _bkey(_encode(state[0])), _bkey(_encode(state[1]))
    return (a, b) if a <= b else (b, a)


def _rotations(i: int, w: Word, k: int) -> list[Move]:
    """Kernel conjugations that rotate relator ``i`` (cyclically reduced ``w``) left by ``k`` letters, the short way."""
    n = len(w)
    k %= max(n, 1)
    if k <= n - k:
        return [{"op": "conjugate", "i": i, "generator": -w[t]} for t in range(k)]
    return [{"op": "conjugate", "i": i, "generator": w[n - 1 - t]} for t in range(n - k)]


def _macro_moves(state: State, i: int, a: int, c: int, sign: int) -> list[Move]:
    """Rotate ``r_i`` left by ``a``, ``r_j`` left by ``c``, then ``r_i <- r_i r_j^sign`` (kernel moves)."""
    j = 1 - i
    return [
        *_rotations(i, state[i], a),
        *_rotations(j, state[j], c),
        {"op": "concat", "i": i, "j": j, "sign": sign},
    ]


@dataclass
class ACSearch(_SearchAgent):
    """``ac-search``: best-first over presentations modulo rotation, inversion and swap (see the module docstring).

    ``depth_weight`` adds to a node's priority per product on its path (0: pure greedy on length); ``cap`` is
    the starting relator cap (default the source's), grown by ``cap_growth`` letters each time the queue empties.
    """

    name: str = "ac-search"
    depth_weight: float = 0.0
    cap: int | None = None
    cap_growth: int = 8

    def search(self, state: State, run: _Run) -> list[Move] | None:
        cap = self.cap or source_cap(state)
        while not run.out():
            found, exhausted = self._search(state, run, cap)
            if found is not None:
                return found
            if not exhausted:
                return None
            cap += self.cap_growth
        return None

    def _search(self, state: State, run: _Run, cap: int) -> tuple[list[Move] | None, bool]:
        """One best-first pass under ``cap``; (the path or None, whether the queue emptied)."""
        start = (_encode(state[0]), _encode(state[1]))
        states: list[tuple[bytes, bytes]] = [start]
        parents: list[int] = [-1]
        macros: list[tuple[int, int, int, int]] = [(0, 0, 0, 0)]
        k0, k1 = _bkey(start[0]), _bkey(start[1])
        seen = {(k0, k1) if k0 <= k1 else (k1, k0)}
        heap: list[tuple[float, int, int]] = [(float(len(start[0]) + len(start[1])), 0, 0)]
        weight = self.depth_weight
        while heap:
            if run.out():
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
                            score = len(word) + len(rv) + weight * (depth + 1)
                            heapq.heappush(heap, (score, depth + 1, len(states) - 1))
        return None, True

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
