"""``diagram-search``: untangle a knot diagram by Reidemeister moves on the kernel's PD code, or prove it knotted.

The strategy of SnapPy's ``simplify('global')`` with random backtracking
(spherogram's ``Link.backtrack``), the method behind the hard-unknot anchors,
written over the kernel's own moves so that every step is a certificate move:

1. **knotted first**: if the Alexander polynomial (computed exactly by the
   kernel's :mod:`rigorgym.verifiers.pd_alexander`) is not 1, the answer is a
   ``knotted`` certificate with one move;
2. **basic**: R1 and R2 removals while any applies;
3. **level**: random R3 moves (uniform among the legal ones), each followed
   by basic; stops after ``level_failures`` R3 moves in a row that removed
   nothing;
4. **pickup** (:mod:`.strand_pickup`): an over- or under-strand rerouted along
   a shortest path of the dual graph, compiled into R2 and R3 moves (and an
   R1 kink when the path winds around an end of the strand);
5. **backtrack** when stuck: ``backtrack_steps`` random growth moves (R1
   additions with probability 0.3, R2 additions 0.3, R3 otherwise), from the
   best diagram seen so far or, with probability ``restart_p``, from the
   instance.

Seeded and deterministic for a given ``max_steps`` (moves played, all tries
together); the wall clock stops it too. Written by hand: no library plays
Reidemeister moves on an exact, replayable PD code.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any, ClassVar

import gymnasium as gym
from rigorgym.envs.unknot_diagram.certificate import ALEXANDER, make_certificate
from rigorgym.envs.unknot_diagram.types import DiagramInstance
from rigorgym.verifiers.pd import PD
from rigorgym.verifiers.pd_alexander import is_alexander_trivial
from rigorgym.verifiers.reidemeister import apply_move, edge_side, legal_moves

from .base import Budget, SolveResult, as_budget

Move = dict[str, Any]


def removal(d: PD) -> Move | None:
    """An R1 or R2 removal on ``d`` (the first in crossing and face order), or None."""
    for i, c in enumerate(d.crossings):
        if c[0] == c[1] or c[1] == c[2] or c[2] == c[3] or c[3] == c[0]:
            return {"op": "r1_remove", "crossing": i}
    other = d.other
    for face in d.faces():
        if len(face) == 2 and face[0] >> 2 != face[1] >> 2 and (face[0] & 1) == (other[face[0]] & 1):
            edge, side = edge_side(d, face[0])
            return {"op": "r2_remove", "edge": edge, "side": side}
    return None


def r3_moves(d: PD) -> list[Move]:
    """Every legal R3 move, one per triangle."""
    moves = []
    other = d.other
    for face in d.faces():
        if len(face) == 3 and len({x >> 2 for x in face}) == 3 and any((x & 1) and (other[x] & 1) for x in face):
            edge, side = edge_side(d, face[0])
            moves.append({"op": "r3", "edge": edge, "side": side})
    return moves


class Tape:
    """A diagram and the moves that led to it (the certificate's move list)."""

    __slots__ = ("d", "moves")

    def __init__(self, d: PD, moves: list[Move] | None = None) -> None:
        self.d = d
        self.moves = moves if moves is not None else []

    def play(self, move: Move) -> None:
        self.d = apply_move(self.d, move)
        self.moves.append(move)

    def basic(self) -> bool:
        """R1/R2 removals until none applies; whether any was made."""
        changed = False
        while (move := removal(self.d)) is not None:
            self.play(move)
            changed = True
        return changed

    def copy(self) -> Tape:
        return Tape(self.d, list(self.moves))


@dataclass
class DiagramSearch:
    """The agent (see the module docstring); the knobs are spherogram's defaults where it has them."""

    name: str = "diagram-search"
    level_failures: int = 100
    backtrack_steps: int = 10
    restart_p: float = 0.1
    pickup: bool = True
    LIMITS: ClassVar[tuple[str, ...]] = ("max_steps",)

    def solve(self, env: gym.Env, instance: Any, budget_s: Budget | float, seed: int) -> SolveResult:
        budget = as_budget(budget_s)
        start = time.perf_counter()
        if not isinstance(instance, DiagramInstance):
            instance = DiagramInstance.from_instance(instance)
        if not is_alexander_trivial([list(c) for c in instance.pd]):
            cert = make_certificate(instance, [dict(ALEXANDER)], claim="knotted", seed=seed)
            return SolveResult(self._tag(cert), time.perf_counter() - start, 0)
        moves = self.untangle(instance.diagram(), budget, seed, start)
        cert = None if moves is None else make_certificate(instance, moves, seed=seed)
        return SolveResult(None if cert is None else self._tag(cert), time.perf_counter() - start, self.steps)

    def untangle(self, diagram: PD, budget: Budget, seed: int, start: float | None = None) -> list[Move] | None:
        """Kernel moves from ``diagram`` to a crossingless diagram (the circle, for a knot; circles, for the
        links a band splits off), or None when the budget runs out."""
        from .strand_pickup import pickup_pass

        start = time.perf_counter() if start is None else start
        rng = random.Random(seed)
        origin = Tape(diagram)
        origin.basic()
        best = origin.copy()
        tape = origin.copy()
        self.steps = 0

        def out_of_budget() -> bool:
            return time.perf_counter() - start >= budget.seconds or not budget.steps_left(self.steps)

        while not out_of_budget():
            played = len(tape.moves)
            self._level(tape, rng, out_of_budget)
            if self.pickup and tape.d.size:
                while tape.d.size and pickup_pass(tape, rng) and not out_of_budget():
                    tape.basic()
                    self._level(tape, rng, out_of_budget)
            self.steps += len(tape.moves) - played
            if not tape.d.size:
                return tape.moves
            if tape.d.size < best.d.size:
                best = tape.copy()
            tape = origin.copy() if rng.random() < self.restart_p else best.copy()
            played = len(tape.moves)
            self._backtrack(tape, rng)
            self.steps += len(tape.moves) - played
        return None

    def reduce(self, diagram: PD, budget: Budget, seed: int, stall: int = 3) -> Tape:
        """The smallest diagram the untangler's passes reach from ``diagram`` (with the moves to it).

        For a knot that is not the unknot (a ribbon knot before its bands are searched): removals, R3
        levelling and strand pickup, then backtracking from the best, until ``stall`` rounds in a row find
        nothing smaller or the budget runs out."""
        from .strand_pickup import pickup_pass

        start = time.perf_counter()
        rng = random.Random(seed)
        tape = Tape(diagram)
        best = tape.copy()
        played = failures = 0

        def out_of_budget() -> bool:
            return time.perf_counter() - start >= budget.seconds or not budget.steps_left(played)

        while failures < stall and not out_of_budget():
            before = len(tape.moves)
            self._level(tape, rng, out_of_budget)
            while tape.d.size and pickup_pass(tape, rng) and not out_of_budget():
                self._level(tape, rng, out_of_budget)
            played += len(tape.moves) - before
            if tape.d.size < best.d.size:
                best, failures = tape.copy(), 0
            else:
                failures += 1
            tape = best.copy()
            before = len(tape.moves)
            self._backtrack(tape, rng)
            played += len(tape.moves) - before
        return best

    def _level(self, tape: Tape, rng: random.Random, out_of_budget: Any) -> None:
        tape.basic()
        failures = 0
        while failures < self.level_failures and tape.d.size:
            flips = r3_moves(tape.d)
            if not flips:
                return
            tape.play(rng.choice(flips))
            failures = 0 if tape.basic() else failures + 1
            if failures % 16 == 0 and out_of_budget():
                return

    def _backtrack(self, tape: Tape, rng: random.Random) -> None:
        for _ in range(self.backtrack_steps):
            x = rng.random()
            if x < 0.6:
                grow = [m for m in legal_moves(tape.d) if m["op"] == ("r1_add" if x < 0.3 else "r2_add")]
                if grow:
                    tape.play(rng.choice(grow))
            else:
                flips = r3_moves(tape.d)
                if flips:
                    tape.play(rng.choice(flips))

    def _tag(self, cert: dict[str, Any]) -> dict[str, Any]:
        cert["meta"]["agent"] = self.name
        return cert

    steps: int = 0
