"""``ribbon-pd``: ribbon certificates on the project's own PD kernel (fission bands and Reidemeister moves).

No spherogram anywhere: the search, the screen and the certificate all use the kernel's canonical PD code
(:mod:`rigorgym.verifiers.bands`, :mod:`rigorgym.verifiers.reidemeister`).

Candidates
    A band is a ``fission`` move inside a face. A band whose core would cross strands on its way is the same
    band after Reidemeister II moves that push a finger of its first edge across those strands
    (docs/certificates.md): ``reach`` = 1 tries, for every face and every ordered pair of its edges, the
    finger of one pushed across the other (over or under) and then every band from the finger's tip;
    ``reach`` = 2 pushes each such tip across one more strand of a face it borders (stage 2 below: it is the
    largest set).
    Half twists in ``-max_half_twists .. max_half_twists``.

The screen (cheap, sound only as a filter)
    A band can end in an unlink only if every component of the result is an unknot (its own diagram, the
    crossings with the other components dropped, has Alexander polynomial 1: :mod:`rigorgym.verifiers.
    pd_alexander`), every pairwise linking number is 0 and the link's determinant is 0 (a split link's is:
    :func:`determinant_vanishes`; without it most of the untangling went to non-split links whose
    components are unknots, and the step cap ran out before the right band). Results are deduplicated by
    their canonical PD code (across all stages: a result is untangled once), and tried in order of crossings.

Reduction
    First the knot's diagram goes down to the smallest one ``diagram-search``'s passes reach (removals, R3
    levelling, strand pickup, backtracking; ``reduce_steps`` moves): a diagram grown by Reidemeister moves has
    far more faces, hence bands, than it needs. Those moves open the certificate.

Stages (each candidate that passes the screen goes to ``diagram-search``'s untangler, ``untangle_steps``
moves, ``max_steps`` in all)
    1. the one-band candidates of reach 0 and 1, then (``max_bands`` = 2) two face bands, the first leaving
       linking number 0 (linking numbers add up under fission, so an unlink needs it);
    2. the candidates of reach 2, until ``reach2_share`` of the budget has passed (on a 20-30 crossing
       diagram they are too many to finish, and the stages below need the time);
    3. reshuffles, until ``reshuffle_share`` of the budget: the reduced diagram redrawn by 2-8 random R3
       moves (strands move across faces, so other bands lie in faces) and stage 1 again, up to
       ``reshuffles`` times; the R3 moves open the certificate;
    4. the rest of the budget: :class:`~.ribbon_tree.BandTree`, up to ``tree_bands`` bands with a reduction
       after each, for disks whose second band only shows once the first band's diagram is redrawn (on a
       visible connected sum, mirror-edge and cross-summand bands first: ``K # -K``).

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
from rigorgym.verifiers.bands import legal_bands
from rigorgym.verifiers.pd import PD

from .base import Budget, SolveResult, as_budget
from .diagram_search import DiagramSearch, r3_moves
from .ribbon_screen import component_codes, determinant_vanishes, linking_numbers_vanish, may_be_unlink
from .ribbon_tree import BandTree, fingers
from .slice_obstruction import find_obstruction

Move = dict[str, Any]

__all__ = [
    "RibbonPD",
    "component_codes",
    "determinant_vanishes",
    "finger_tips",
    "linking_numbers_vanish",
    "may_be_unlink",
]


def finger_tips(d: PD, only: int | None = None) -> Iterator[tuple[Move, PD, int]]:
    """(an R2 finger move, the diagram after it, the edge of the pushed strand between the two new crossings).

    ``only``: push only that edge (the tip of an earlier finger, to reach one strand further)."""

    for move, after, _, tip in fingers(d, only):
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
    tree_bands: int = 3
    reach2_share: float = 0.25
    reshuffle_share: float = 0.35
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

    def candidates(self, knot: PD, reach: int = 1) -> Iterator[tuple[list[Move], PD]]:
        """(moves, diagram) for the screened bands of one stage, each result once: ``reach`` 1 is the bands
        of reach 0 and 1 and the face-band pairs (``max_bands`` >= 2), ``reach`` 2 the fingers across two
        strands."""
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

        if reach >= 2:  # a finger across two strands: push the first finger's tip once more
            for finger, d1, tip in finger_tips(knot):
                for finger2, d2, tip2 in finger_tips(d1, only=tip):
                    yield from sorted(fresh([finger, finger2], d2, tip2), key=lambda item: item[1].size)
            return
        yield from sorted(fresh([], knot, None), key=lambda item: item[1].size)
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

    def search(self, knot: PD, budget: Budget, seed: int, start: float) -> list[Move] | None:
        self.steps = 0
        untangler = DiagramSearch()
        # a grown diagram first goes down to the smallest one the untangler's passes reach (moves kept)
        reduced = untangler.reduce(knot, Budget(max(budget.seconds / 4, 0.1), max_steps=self.reduce_steps), seed)
        self.steps += len(reduced.moves)
        tried: set[tuple[tuple[int, ...], ...]] = set()
        moves = list(reduced.moves)
        # the one-band candidates of reach 0 and 1 and the face-band pairs: most knots end here
        found = self._try(untangler, reduced.d, moves, budget, seed, start, 1, tried, 1.0)
        if found is None and self.reach >= 2 and not self._out(budget, start):
            found = self._try(untangler, reduced.d, moves, budget, seed, start, 2, tried, self.reach2_share)
        rng = random.Random(seed)
        for _ in range(self.reshuffles):
            if found is not None or self._out(budget, start, self.reshuffle_share):
                break
            # the same knot drawn differently: R3 moves move strands across faces, so new face bands
            diagram, start_moves = reduced.d, list(reduced.moves)
            for _ in range(rng.randint(2, 8)):
                flips = r3_moves(diagram)
                if not flips:
                    break
                move = rng.choice(flips)
                diagram = kernel_move(diagram, move)
                start_moves.append(move)
            found = self._try(untangler, diagram, start_moves, budget, seed, start, 1, tried, self.reshuffle_share)
        if found is None and self.tree_bands >= 2 and not self._out(budget, start):
            found = self._tree(untangler, reduced.d, moves, budget, seed, start, tried)
        return found

    def _tree(
        self, untangler: DiagramSearch, diagram: PD, start_moves: list[Move], budget: Budget, seed: int, start: float,
        tried: set[tuple[tuple[int, ...], ...]],
    ) -> list[Move] | None:  # fmt: skip
        """:class:`~.ribbon_tree.BandTree` with the rest of the budget."""
        stop = start + budget.seconds

        def out() -> bool:
            return time.perf_counter() >= stop or self._out(budget, start)

        def untangle(banded: PD, steps: int) -> list[Move] | None:
            if budget.max_steps is not None:
                steps = min(steps, budget.max_steps - self.steps)
            rest = untangler.untangle(banded, Budget(stop - time.perf_counter(), max_steps=steps), seed)
            self.steps += untangler.steps
            return rest

        tree = BandTree(
            max_bands=self.tree_bands, reach=self.reach, max_half_twists=self.max_half_twists,
            untangle_steps=self.untangle_steps,
        )  # fmt: skip
        return tree.search(
            diagram,
            start_moves,
            budget,
            seed,
            out,
            may_be_unlink,
            lambda d: not linking_numbers_vanish(d),
            untangle,
            tried,
        )

    def _out(self, budget: Budget, start: float, share: float = 1.0) -> bool:
        """The budget is spent (or ``share`` of its seconds, for a stage that must leave time to the next)."""
        return time.perf_counter() - start >= budget.seconds * share or not budget.steps_left(self.steps)

    def _try(
        self, untangler: DiagramSearch, diagram: PD, start_moves: list[Move], budget: Budget, seed: int, start: float,
        reach: int, tried: set[tuple[tuple[int, ...], ...]], share: float,
    ) -> list[Move] | None:  # fmt: skip
        """The candidates of ``diagram`` of reach ``reach`` (1: also the face-band pairs), untangled, until
        ``share`` of the budget has passed."""
        for prefix, banded in self.candidates(diagram, reach):
            if self._out(budget, start, share):
                return None
            if banded.crossings in tried:
                continue
            tried.add(banded.crossings)
            steps = self.untangle_steps
            if budget.max_steps is not None:
                steps = min(steps, budget.max_steps - self.steps)
            left = budget.seconds - (time.perf_counter() - start)
            rest = untangler.untangle(banded, Budget(left, max_steps=steps), seed)
            self.steps += untangler.steps + len(prefix)
            if rest is not None:
                return [*start_moves, *prefix, *rest]
        return None

    def _checked(self, cert: dict[str, Any]) -> dict[str, Any] | None:
        cert["meta"]["agent"] = self.name
        return cert if verify(cert).valid else None
