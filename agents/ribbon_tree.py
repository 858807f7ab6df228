"""A best-first tree over band sequences on the PD kernel: ``ribbon-pd``'s search for ribbon disks of several bands.

Why a tree: a knot whose ribbon disks all need two or three bands (``K # -K`` for a 3- or 4-bridge ``K``, some
12-13 crossing knots) rarely shows its second band in the first band's diagram as drawn; it shows after the
diagram left by the first band has been reduced by Reidemeister moves. So a node is a diagram reached by
bands, each followed by ``diagram-search``'s reduction (the moves kept), and a node's candidates are its bands
of reach 0 and 1 (a face band, or a finger pushed across one strand first: :func:`bands_of`; at the
root, with ``reach`` = 2, also across two strands).

Order
    A candidate with a nonzero linking number is dropped (linking numbers add up under fission, so no further
    band reaches an unlink). One that passes ``ribbon-pd``'s unlink screen is untangled at once; the others,
    below ``max_bands`` bands, become children, ranked by

    1. :func:`~.ribbon_screen.slice_penalty`: after the right first band of a two-band disk the link is
       strongly slice (determinant 0) and one component is an unknot; most children fail one or both;
    2. :meth:`SumShape.rank`: on a visible connected sum, first the bands that join an edge to its mirror
       edge, then those joining the two summands (the standard ribbon disk of ``K # -K`` is made of such
       bands; these children, if their penalty is 0, are reduced at once, since the right one drops far);
    3. crossings after R1/R2 removals and a short R3 levelling.

    Diagrams already expanded (same canonical PD code) are skipped. With ``reach`` = 2 the root's bands
    across two strands are expanded as a node of their own, ranked after the promising children of size at
    most the root's + 2 (they are many; the KnotInfo knots whose first band crosses two strands need them).

Nothing here reads an instance name; every certificate is replayed by :func:`rigorgym.verifiers.verify`.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from rigorgym.verifiers.bands import apply_move as kernel_move
from rigorgym.verifiers.bands import legal_bands
from rigorgym.verifiers.pd import PD
from rigorgym.verifiers.reidemeister import IllegalMove, edge_side

from .base import Budget
from .diagram_search import DiagramSearch, Tape, r3_moves
from .ribbon_mirror import SumShape, sum_shape
from .ribbon_screen import slice_penalty

Move = dict[str, Any]


def source_edge(before: PD, after: PD, edge: int) -> int | None:
    """The edge of ``before`` that ``edge`` of ``after`` is (a piece of), when moves only appended crossings.

    Moves keep old crossings at their index and slots, so an end of ``edge`` at an old position names it."""
    tail = after.tails[edge]
    for p in (tail, after.other[tail]):
        if p < 4 * before.size:
            return before.labels[p]
    return None


def fingers(d: PD, only: int | None = None) -> Iterator[tuple[Move, PD, int, int]]:
    """(an R2 finger move, the diagram after it, the pushed edge, the edge of the finger's tip).

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
                    finger = (
                        {"op": "r2_add", "over": e, "over_side": s, "under": f, "under_side": t}
                        if pushed_over
                        else {"op": "r2_add", "over": f, "over_side": t, "under": e, "under_side": s}
                    )
                    try:
                        d1 = kernel_move(d, finger)
                    except IllegalMove:
                        continue
                    n = d.size
                    slots = (1, 3) if pushed_over else (0, 2)
                    tip = next(
                        d1.crossings[n][x]
                        for x in slots
                        if d1.crossings[n][x] in {d1.crossings[n + 1][u] for u in slots}
                    )
                    yield finger, d1, e, tip


def _tip_bands(d: PD, d1: PD, tip: int, max_half_twists: int) -> Iterator[tuple[Move, PD, int | None]]:
    for band in legal_bands(d1, max_half_twists):
        if tip not in (band["edge"], band["to"]):
            continue
        other = band["to"] if band["edge"] == tip else band["edge"]
        try:
            yield band, kernel_move(d1, band), source_edge(d, d1, other)
        except IllegalMove:
            continue


def bands_of(
    d: PD, max_half_twists: int, reach: int, lowest: int = 0
) -> Iterator[tuple[list[Move], PD, int | None, int | None]]:
    """(moves, diagram after them, the band's two feet as edges of ``d``) for every band of reach ``lowest`` ..
    ``reach``."""
    if lowest <= 0:
        for band in legal_bands(d, max_half_twists):
            try:
                yield [band], kernel_move(d, band), band["edge"], band["to"]
            except IllegalMove:
                continue
    if lowest <= 1 <= reach:
        for finger, d1, e, tip in fingers(d):
            for band, after, f in _tip_bands(d, d1, tip, max_half_twists):
                yield [finger, band], after, e, f
    if reach < 2:
        return
    for finger, d1, e, tip in fingers(d):
        for finger2, d2, _, tip2 in fingers(d1, only=tip):
            for band, after, f in _tip_bands(d, d2, tip2, max_half_twists):
                yield [finger, finger2, band], after, e, f


def quick_size(d: PD, rng: random.Random, tries: int) -> int:
    """Crossings after R1/R2 removals and up to ``tries`` R3 moves that remove nothing: a cheap rank."""
    tape = Tape(d)
    tape.basic()
    failures = 0
    while failures < tries and tape.d.size:
        flips = r3_moves(tape.d)
        if not flips:
            break
        tape.play(rng.choice(flips))
        failures = 0 if tape.basic() else failures + 1
    return tape.d.size


@dataclass
class BandTree:
    """The search (module docstring); ``screen`` and ``untangle`` come from ``ribbon-pd``."""

    max_bands: int = 3
    reach: int = 1
    max_half_twists: int = 2
    untangle_steps: int = 400
    reduce_steps: int = 2_000
    child_reduce_steps: int = 500
    child_reach: int = 1
    expansions: int = 0  # diagrams expanded by the last search (for tests and diagnostics)
    level_tries: int = 8

    def search(
        self,
        root: PD,
        root_moves: list[Move],
        budget: Budget,
        seed: int,
        out: Callable[[], bool],
        screen: Callable[[PD], bool],
        linked: Callable[[PD], bool],
        untangle: Callable[[PD, int], list[Move] | None],
        tried: set[tuple[tuple[int, ...], ...]],
    ) -> list[Move] | None:
        """Moves from ``root`` (after ``root_moves``) to an unlink, or None when ``out()`` says stop."""
        rng = random.Random(seed)
        reducer = DiagramSearch()
        order = itertools.count()
        # (slice penalty, rank, crossings, bands, order, diagram, moves to it, reduced yet, lowest reach)
        heap: list[tuple[int, int, int, int, int, PD, list[Move], bool, int]] = [
            (0, 0, 0, 0, 0, root, list(root_moves), True, 0)
        ]
        if self.reach >= 2:  # the root's bands across two strands: many, so after the promising children
            heap.append((0, 2, root.size + 2, 0, 1, root, list(root_moves), True, 2))
        next(order)
        next(order)
        expanded: set[tuple[tuple[tuple[int, ...], ...], int]] = set()
        left = max(budget.seconds / 20, 0.05)
        while heap and not out():
            _, _, _, bands, _, d, moves, reduced, lowest = heapq.heappop(heap)
            if not reduced:  # a child of the unranked kind is reduced only when its turn comes
                tape = reducer.reduce(d, Budget(left, max_steps=self.reduce_steps), seed, stall=1)
                d, moves = tape.d, [*moves, *tape.moves]
            if (d.crossings, lowest) in expanded:
                continue
            expanded.add((d.crossings, lowest))
            self.expansions += 1
            shape: SumShape | None = sum_shape(d)
            reach = min(self.reach, 1) if bands == 0 and lowest == 0 else self.reach if bands == 0 else self.child_reach
            for prefix, after, e, f in bands_of(d, self.max_half_twists, reach, lowest):
                if out():
                    return None
                if linked(after):
                    continue
                if after.crossings not in tried and screen(after):
                    tried.add(after.crossings)
                    rest = untangle(after, self.untangle_steps)
                    if rest is not None:
                        return [*moves, *prefix, *rest]
                elif bands + 1 < self.max_bands:
                    rank = 2 if shape is None else shape.rank(e, f)
                    penalty = slice_penalty(after)
                    if rank < 2 and penalty == 0:  # few of them, and the right one drops far: reduce now
                        tape = reducer.reduce(after, Budget(left, max_steps=self.child_reduce_steps), seed, stall=1)
                        key = (penalty, rank, tape.d.size, bands + 1, next(order))
                        heapq.heappush(heap, (*key, tape.d, [*moves, *prefix, *tape.moves], True, 0))
                    else:  # R1/R2 removals and a few R3 moves rank the promising ones; the rest by size
                        size = quick_size(after, rng, self.level_tries) if penalty == 0 else after.size
                        key = (penalty, rank, size, bands + 1, next(order))
                        heapq.heappush(heap, (*key, after, [*moves, *prefix], False, 0))
        return None
