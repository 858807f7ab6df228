"""``ribbon-pd``: ribbon certificates on the project's own PD kernel (fission bands and Reidemeister moves).

No spherogram anywhere: the search, the screen and the certificate all use the kernel's canonical PD code
(:mod:`rigorgym.verifiers.bands`, :mod:`rigorgym.verifiers.reidemeister`).

Candidates
    A band is a ``fission`` move inside a face. A band whose core would cross strands on its way is the same
    band after Reidemeister II moves that push a finger of its first edge across those strands
    (docs/certificates.md): ``reach`` = 1 tries, for every face and every ordered pair of its edges, the
    finger of one pushed across the other (over or under) and then every band from the finger's tip;
    ``reach`` = 2 pushes each such tip across one more strand of a face it borders (tried last: it is the
    largest set).
    Half twists in ``-max_half_twists .. max_half_twists``.

The screen (cheap, exact, sound only as a filter)
    A band can end in an unlink only if every component of the result is an unknot (its own diagram, the
    crossings with the other components dropped, has Alexander polynomial 1: :mod:`rigorgym.verifiers.
    pd_alexander`) and every pairwise linking number is 0. Results are deduplicated by their canonical PD
    code, and tried in order of crossings.

Reduction
    First the knot's diagram goes down to the smallest one ``diagram-search``'s passes reach (removals, R3
    levelling, strand pickup, backtracking; ``reduce_steps`` moves): a diagram grown by Reidemeister moves has
    far more faces, hence bands, than it needs. Those moves open the certificate.

Untangling
    A candidate that passes goes to ``diagram-search``'s untangler (R1/R2 removals, random R3, strand pickup,
    backtracking) with ``untangle_steps`` moves (``max_steps`` in all). With ``max_bands`` = 2, after the
    one-band candidates of reach 0 and 1 (before those of reach 2): two face bands, the first one leaving linking number 0 (linking numbers add up under
    fission, so an unlink needs it), the pairs screened and untangled as above.

Reshuffles
    When every candidate fails, the reduced diagram is redrawn by 2-8 random R3 moves (strands move across
    faces, so other bands lie in faces) and the candidates of reach 0 and 1 and the band pairs are tried
    again, up to ``reshuffles`` times; the R3 moves open the certificate.

Deterministic for a given seed when ``max_steps`` binds (the wall clock stops it too).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from rigorgym.envs.ribbon import KnotInstance, make_certificate
from rigorgym.verifiers import verify
from rigorgym.verifiers.bands import apply_move as kernel_move
from rigorgym.verifiers.bands import component_of, legal_bands
from rigorgym.verifiers.pd import PD
from rigorgym.verifiers.pd_alexander import is_alexander_trivial
from rigorgym.verifiers.reidemeister import IllegalMove, edge_side

from .base import Budget, SolveResult, as_budget
from .diagram_search import DiagramSearch, r3_moves
from .slice_obstruction import find_obstruction

Move = dict[str, Any]


def component_codes(d: PD) -> dict[int, list[tuple[int, int, int, int]]]:
    """Each component's own PD code: its self-crossings, the crossings with other components dropped."""
    comp = component_of(d)
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    kept: dict[int, list[int]] = {}
    for i, c in enumerate(d.crossings):
        under, over = comp[4 * i], comp[4 * i + 1]
        if under == over:
            kept.setdefault(under, []).append(i)
            continue
        # the component passing here keeps going: its two edges become one
        for a, b in ((c[0], c[2]), (c[1], c[3])):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb
    codes: dict[int, list[tuple[int, int, int, int]]] = {k: [] for k in set(comp)}
    for k, crossings in kept.items():
        codes[k] = [tuple(find(x) for x in d.crossings[i]) for i in crossings]  # type: ignore[misc]
    return codes


def linking_numbers_vanish(d: PD) -> bool:
    """Every pairwise linking number is 0 (half the signed count of the crossings between two components)."""
    comp = component_of(d)
    total: dict[tuple[int, int], int] = {}
    for i in range(d.size):
        a, b = comp[4 * i], comp[4 * i + 1]
        if a != b:
            key = (min(a, b), max(a, b))
            total[key] = total.get(key, 0) + (1 if d.out[4 * i + 1] else -1)  # over strand leaves by b: positive
    return not any(total.values())


def may_be_unlink(d: PD) -> bool:
    """The screen: linking numbers 0 and every component Alexander-trivial (necessary for an unlink)."""
    if not linking_numbers_vanish(d):
        return False
    return all(not code or is_alexander_trivial([list(c) for c in code]) for code in component_codes(d).values())


def finger_tips(d: PD, only: int | None = None) -> Iterator[tuple[Move, PD, int]]:
    """(an R2 finger move, the diagram after it, the edge of the pushed strand between the two new crossings).

    ``only``: push only that edge (the tip of an earlier finger, to reach one strand further)."""
    seen: set[tuple[int, str, int, str]] = set()
    for face in d.faces():
        named = [edge_side(d, p) for p in face]
        for e, s in named:
            if only is not None and e != only:
                continue
            for f, t in named:
                if e == f or (e, s, f, t) in seen:
                    continue
                seen.add((e, s, f, t))
                for pushed_over in (True, False):
                    move = (
                        {"op": "r2_add", "over": e, "over_side": s, "under": f, "under_side": t}
                        if pushed_over
                        else {"op": "r2_add", "over": f, "over_side": t, "under": e, "under_side": s}
                    )
                    try:
                        after = kernel_move(d, move)
                    except IllegalMove:
                        continue
                    # e's piece between the two new crossings (n, n + 1): over slots if e went over, else under
                    n = d.size
                    slots = (1, 3) if pushed_over else (0, 2)
                    tip = next(
                        after.crossings[n][s_]
                        for s_ in slots
                        if after.crossings[n][s_] in {after.crossings[n + 1][u] for u in slots}
                    )
                    yield move, after, tip


@dataclass
class RibbonPD:
    """The agent (module docstring)."""

    name: str = "ribbon-pd"
    max_half_twists: int = 2
    reach: int = 2
    max_bands: int = 2
    reduce_steps: int = 5_000
    reshuffles: int = 30
    untangle_steps: int = 400
    obstruct: bool = True
    LIMITS: ClassVar[tuple[str, ...]] = ("max_steps",)

    def solve(self, env: Any, instance: Any, budget_s: Budget | float, seed: int) -> SolveResult:
        budget = as_budget(budget_s)
        start = time.perf_counter()
        if not isinstance(instance, KnotInstance):
            instance = KnotInstance.from_instance(instance)
        if self.obstruct:
            found = find_obstruction(instance.diagram())
            if found is not None:
                cert = make_certificate(instance, [found], claim="not_slice", seed=seed)
                return SolveResult(self._checked(cert), time.perf_counter() - start, 0)
        knot = PD.from_pd([list(c) for c in instance.pd])
        moves = self.search(knot, budget, seed, start)
        cert = None if moves is None else self._checked(make_certificate(instance, moves, seed=seed))
        return SolveResult(cert, time.perf_counter() - start, self.steps)

    steps: int = 0

    def candidates(self, knot: PD) -> Iterator[tuple[list[Move], PD]]:
        """(moves, diagram) for every band reachable with ``reach`` fingers, screened, each result once."""
        seen: set[tuple[tuple[int, ...], ...]] = set()

        def fresh(prefix: list[Move], d: PD, only_edge: int | None) -> Iterator[tuple[list[Move], PD]]:
            for band in legal_bands(d, self.max_half_twists):
                if only_edge is not None and only_edge not in (band["edge"], band["to"]):
                    continue
                after = kernel_move(d, band)
                if after.crossings in seen:
                    continue
                seen.add(after.crossings)
                if may_be_unlink(after):
                    yield [*prefix, band], after

        batch = sorted(fresh([], knot, None), key=lambda item: item[1].size)
        yield from batch
        if self.reach >= 1:
            for finger, d1, tip in finger_tips(knot):
                yield from sorted(fresh([finger], d1, tip), key=lambda item: item[1].size)
        if self.max_bands >= 2:  # two face bands: the first must leave linking number 0 (fission adds them up)
            firsts = []
            for band in legal_bands(knot, self.max_half_twists):
                after = kernel_move(knot, band)
                if linking_numbers_vanish(after):
                    firsts.append((after.size, band, after))
            for _, band, after in sorted(firsts, key=lambda item: item[0]):
                yield from sorted(fresh([band], after, None), key=lambda item: item[1].size)
        if self.reach >= 2:  # a finger across two strands: push the first finger's tip once more
            for finger, d1, tip in finger_tips(knot):
                for finger2, d2, tip2 in finger_tips(d1, only=tip):
                    yield from sorted(fresh([finger, finger2], d2, tip2), key=lambda item: item[1].size)

    def search(self, knot: PD, budget: Budget, seed: int, start: float) -> list[Move] | None:
        self.steps = 0
        untangler = DiagramSearch()
        # a grown diagram first goes down to the smallest one the untangler's passes reach (moves kept)
        reduced = untangler.reduce(knot, Budget(max(budget.seconds / 4, 0.1), max_steps=self.reduce_steps), seed)
        self.steps += len(reduced.moves)
        rng = random.Random(seed)
        start_moves, diagram = list(reduced.moves), reduced.d
        for attempt in range(self.reshuffles + 1):
            if attempt:  # the same knot drawn differently: R3 moves move strands across faces, so new face bands
                diagram, start_moves = reduced.d, list(reduced.moves)
                for _ in range(rng.randint(2, 8)):
                    flips = r3_moves(diagram)
                    if not flips:
                        break
                    move = rng.choice(flips)
                    diagram = kernel_move(diagram, move)
                    start_moves.append(move)
            found = self._try(untangler, diagram, start_moves, budget, seed, start, full=attempt == 0)
            if found is not None or found is None and self._out(budget, start):
                return found
        return None

    def _out(self, budget: Budget, start: float) -> bool:
        return time.perf_counter() - start >= budget.seconds or not budget.steps_left(self.steps)

    def _try(
        self, untangler: DiagramSearch, diagram: PD, start_moves: list[Move], budget: Budget, seed: int, start: float,
        full: bool,
    ) -> list[Move] | None:  # fmt: skip
        """The candidates of ``diagram`` (all of them, or without reach 2 on a reshuffled drawing), untangled."""
        reach = self.reach
        if not full:
            self.reach = min(self.reach, 1)
        try:
            for prefix, banded in self.candidates(diagram):
                if self._out(budget, start):
                    return None
                steps = self.untangle_steps
                if budget.max_steps is not None:
                    steps = min(steps, budget.max_steps - self.steps)
                left = budget.seconds - (time.perf_counter() - start)
                rest = untangler.untangle(banded, Budget(left, max_steps=steps), seed)
                self.steps += untangler.steps + len(prefix)
                if rest is not None:
                    return [*start_moves, *prefix, *rest]
            return None
        finally:
            self.reach = reach

    def _checked(self, cert: dict[str, Any]) -> dict[str, Any] | None:
        cert["meta"]["agent"] = self.name
        return cert if verify(cert).valid else None
