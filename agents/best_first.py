"""``best-first``: a priority search over band sequences, ranked by crossings and components.

A node is a kernel diagram reached by band moves, each followed by the
kernel's ``simplify`` (seed 0); its moves are the certificate so far.
Expanding a node screens its candidate bands (:mod:`.ribbon_search`: spherogram's
shortest-path bands with up to ``max_twists`` half twists, in a fixed prior
order) one by one:

* a band whose result has a nonzero linking number is dropped (no further
  bands can reach an unlink);
* a band that the screen takes to zero crossings is replayed in the kernel
  (band, then ``simplify`` with seeds 0, 1, ...): if the kernel reaches zero
  crossings with ``bands + 1`` components, the search is over;
* otherwise, below ``max_bands`` bands, the band becomes a child, ranked by
  the screened crossings (fewer first), then components (more first).

On a visible connected sum (:func:`~.ribbon_search.summand_sides`) the bands joining the two
summands come first, and among them, when one summand is a mirror image of the other
(:func:`~.ribbon_search.mirror_pairs`, as simplification often leaves ``K # -K``), the bands
joining an edge to its mirror edge: the standard ribbon disk of ``K # -K`` is made of such bands.
The other joining bands wait until the children of these with fewer crossings than the node are
tried; the bands that do not join the summands wait longer.

When a ``K # -K`` root with a mirror map is not solved within a quarter of the budget
(``mirror_fallback_at``), :func:`mirror_fallback` tries once two-band disks whose first band joins
mirror edges along a longer path than spherogram's shortest ones (the standard band often has to go
around a summand); then the search goes on where it stopped.

Children are computed lazily: the kernel simplifies a child only when it is
popped, and states already seen (same PD code) are skipped. The prior order
puts first the band shapes that most often untie a slice knot in one move
(measured on KnotInfo's slice knots: no half twist and short, or one half
twist and two crossed strands; two half twists only on longer bands). The search is deterministic; the
seed only names the certificate, and the budget only decides when it stops (``max_expansions``: after
that many diagrams expanded, the same on every run; the mirror fallback then comes after a quarter of them).
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rigorgym.envs.ribbon import BandSpec, candidate_bands
from rigorgym.verifiers.diagram import Diagram

from .base import Budget
from .ribbon_search import (
    MirrorPairs,
    Move,
    RibbonSolver,
    Screen,
    Screened,
    SearchOutcome,
    child_penalty,
    confirm_unlink,
    joins_summands,
    kernel_child,
    mirror_pairs,
    mirror_path_bands,
    root_simplification,
    summand_sides,
    trivial_moves,
)

#: Prior rank of a band shape (crossed arcs, |twists|): lower is tried first.
#: From the fraction of such bands that untie a slice knot <= 12 crossings in one move.
_SHAPE_RANK = {(1, 0): 0, (0, 0): 1, (0, 1): 2, (2, 0): 3, (2, 1): 4, (1, 1): 5}


def prior_order(bands: tuple[BandSpec, ...], sides: dict[int, int] | None = None) -> list[BandSpec]:
    """Candidate bands in the order the search screens them (stable within a shape).

    On a visible connected sum (``sides``, from :func:`summand_sides`) the bands joining the two
    summands come first: for K # -K they include the bands of the standard ribbon disk.
    """

    def key(b: BandSpec) -> tuple[int, int, int, int]:
        shape = (b.crossed, abs(b.twists))
        rank = _SHAPE_RANK.get(shape, 6 + b.crossed + 2 * abs(b.twists))
        return (0 if sides is None or joins_summands(b, sides) else 1, rank, b.crossed, abs(b.twists))

    return sorted(bands, key=key)


@dataclass
class _Node:
    diagram: Diagram
    moves: list[Move]
    bands: int


def mirror_fallback(node: _Node, mirror: MirrorPairs, deadline: float, stats: dict[str, int]) -> list[Move] | None:
    """Two bands on a ``K # -K`` root: a longer band between mirror edges, then a shortest band to the unlink.

    Screens the bands of :func:`mirror_path_bands` (paths up to two faces longer than the shortest) in
    chunks of :data:`FALLBACK_CHUNK`. After each chunk, the results that keep the linking numbers 0 and
    do not grow the diagram are ranked: the :data:`FALLBACK_RANKED` with the fewest crossings by
    :func:`child_penalty`, then crossings; the first :data:`FALLBACK_TRIED` children with penalty 0 are
    simplified in the kernel and screened for one more band to the unlink. On the doubles that the
    shortest-band search missed, the child ranked first over all bands was the one (measured on four of
    them), and the one-band finish came within a second; screening all the bands is what costs.
    """
    screen = Screen(node.diagram)
    bands = mirror_path_bands(node.diagram, mirror)
    pool: list[Screened] = []  # a chunk's results that keep the linking numbers 0 and do not grow the diagram

    def keep(result: Screened) -> None:
        if result.crossings <= node.diagram.crossings:
            pool.append(result)

    for first in range(0, len(bands), FALLBACK_CHUNK):
        pool.clear()
        found = screen_bands(node, screen, bands[first : first + FALLBACK_CHUNK], deadline, stats, keep)
        if found is not None:
            return found
        pool.sort(key=lambda r: (r.crossings, r.spec))
        ranked = []
        for result in pool[:FALLBACK_RANKED]:
            if time.perf_counter() > deadline:
                return None
            penalty = child_penalty(screen.links[result.spec], 1)
            if penalty == 0:
                ranked.append((result.crossings, result.spec))
        for _, spec in sorted(ranked)[:FALLBACK_TRIED]:
            found = _finish_with_one_band(node, spec, deadline, stats)
            if found is not None:
                return found
    return None


def _finish_with_one_band(node: _Node, spec: str, deadline: float, stats: dict[str, int]) -> list[Move] | None:
    """Kernel moves: the band ``spec`` on ``node``, simplify, then one shortest band to the unlink, or None."""
    stats["kernel_calls"] += 1
    child = kernel_child(node.diagram, spec, 0)
    if child is None:
        return None
    moves = [*node.moves, {"op": "band", "band": spec}, {"op": "simplify", "seed": 0}]
    if not child.pd:
        return moves
    last = _Node(child, moves, node.bands + 1)
    return screen_bands(last, Screen(child), prior_order(candidate_bands(child, 2)), deadline, stats, lambda _: None)


def screen_bands(
    node: _Node,
    screen: Screen,
    bands: list[BandSpec],
    deadline: float,
    stats: dict[str, int],
    keep: Callable[[Screened], None],
) -> list[Move] | None:
    """Screen ``bands`` on ``node`` until the deadline; the kernel moves to the unlink of the first band the
    kernel confirms, or None. Every other band that keeps the linking numbers 0 goes to ``keep``."""
    for k, band in enumerate(bands):
        if k % 16 == 0 and time.perf_counter() > deadline:
            return None
        result = screen(band.spec)
        stats["screened"] += 1
        if not result.unlinked:
            continue
        if result.crossings == 0:
            stats["kernel_calls"] += 1
            moves = confirm_unlink(node.diagram, band.spec)
            if moves is not None:
                return node.moves + moves
        else:
            keep(result)
    return None


#: Bands of the mirror fallback screened before their children are ranked.
FALLBACK_CHUNK = 1024
#: Children of a chunk ranked by their penalty (the ones with the fewest crossings).
FALLBACK_RANKED = 64
#: Children of a chunk with penalty 0 tried for a one-band finish.
FALLBACK_TRIED = 2


class BestFirst(RibbonSolver):
    """``best-first``: see the module docstring."""

    name = "best-first"
    LIMITS = ("max_expansions",)  # diagrams whose candidate bands were screened

    def __init__(
        self, max_bands: int = 3, max_twists: int = 2, max_growth: int = 6, mirror_fallback_at: float = 0.25
    ) -> None:
        self.max_bands = max_bands
        self.max_twists = max_twists
        self.max_growth = max_growth  # children with more screened crossings than the root + this are dropped
        self.mirror_fallback_at = mirror_fallback_at  # fraction of the budget after which longer mirror bands are tried

    def search(self, diagram: Diagram, deadline: float, seed: int, budget: Budget | None = None) -> SearchOutcome:
        cap = budget.max_expansions if budget is not None else None  # the clock is ``deadline``
        trivial = trivial_moves(diagram)
        if trivial is not None:
            return SearchOutcome(trivial)
        tie = itertools.count()
        # (key, tie, parent, band, screened link or None once ranked); the key's first entry is the
        # penalty, 0 (a lower bound) until the entry is popped once and ranked. An entry without a
        # band holds the deferred rest of a node's candidate bands (see ``prior_order``).
        heap: list[tuple[tuple[int, int, int], int, _Node, str | None, Any]] = []
        seen = {diagram.pd}
        stats = {"screened": 0, "expanded": 0, "ranked": 0, "kernel_calls": 0}
        limit = diagram.crossings + self.max_growth

        def expand(node: _Node) -> list[Move] | None:
            stats["expanded"] += 1
            bands = candidate_bands(node.diagram, self.max_twists)
            sides = summand_sides(node.diagram)
            ordered = prior_order(bands, sides)
            if sides is not None:
                # bands joining the summands now; the others only once the children of these are tried
                first = [b for b in ordered if joins_summands(b, sides)]
                rest = ordered[len(first) :]
                if rest:
                    heapq.heappush(heap, ((1, node.bands, 1 << 30), next(tie), node, None, rest))
                ordered = first
                mirror = mirror_pairs(node.diagram, sides)
                if mirror is not None:
                    # bands joining an edge to its mirror image first; the other joining bands once the
                    # children of these with fewer crossings than the node are tried
                    first = [b for b in ordered if mirror.joins_mirror_edges(b, sides)]
                    others = [b for b in ordered if not mirror.joins_mirror_edges(b, sides)]
                    if others:
                        key = (0, node.bands, node.diagram.crossings)
                        heapq.heappush(heap, (key, next(tie), node, None, others))
                    ordered = first
            return screen_node(node, ordered)

        def screen_node(node: _Node, bands: list[BandSpec]) -> list[Move] | None:
            screen = Screen(node.diagram)

            def keep(result: Screened) -> None:  # a child, ranked by its screened crossings
                if node.bands + 1 < self.max_bands and result.crossings <= limit:
                    key = (0, node.bands, result.crossings)
                    heapq.heappush(heap, (key, next(tie), node, result.spec, screen.links.pop(result.spec)))

            return screen_bands(node, screen, bands, deadline, stats, keep)

        root, root_moves = root_simplification(diagram)
        if not root.pd:
            return SearchOutcome(root_moves)
        seen.add(root.pd)
        start = time.perf_counter()
        fallback_at = start + self.mirror_fallback_at * (deadline - start)

        def fallback_due() -> bool:
            if cap is not None:  # deterministic: after a share of the expansions
                return stats["expanded"] >= self.mirror_fallback_at * cap
            return time.perf_counter() > fallback_at

        root_node = _Node(root, root_moves, 0)
        sides = summand_sides(root)
        mirror = mirror_pairs(root, sides) if sides is not None else None
        found = expand(root_node)
        while found is None and heap and time.perf_counter() < deadline and (cap is None or stats["expanded"] < cap):
            if mirror is not None and fallback_due():
                stats["mirror_fallback"] = 1
                found = mirror_fallback(root_node, mirror, deadline, stats)
                mirror = None  # once; then the search goes on where it stopped
                continue
            key, _, parent, spec, link = heapq.heappop(heap)
            if spec is None:  # the deferred rest of a node's bands
                found = screen_node(parent, link)
                continue
            if link is not None:
                # ranked as if one more band had to finish: children that could be one band from an unlink first
                stats["ranked"] += 1
                penalty = child_penalty(link, 1)
                if penalty:
                    heapq.heappush(heap, ((penalty, *key[1:]), next(tie), parent, spec, None))
                    continue
            stats["kernel_calls"] += 1
            child = kernel_child(parent.diagram, spec, 0)
            if child is None or child.pd in seen:
                continue
            seen.add(child.pd)
            moves = [*parent.moves, {"op": "band", "band": spec}, {"op": "simplify", "seed": 0}]
            if not child.pd:
                found = moves
                break
            found = expand(_Node(child, moves, parent.bands + 1))
        return SearchOutcome(found, stats["screened"], stats)
