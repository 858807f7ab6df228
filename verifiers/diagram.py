"""Knot diagrams and band moves (docs/design.md §2.2), replayed exactly through spherogram.

State
    A :class:`Diagram` is a PD code (spherogram's conventions) plus the number
    of crossingless, unlinked unknot components that simplification split off
    (a PD code cannot show them). After every move the diagram is rebuilt as
    ``spherogram.Link(pd)`` and read back with ``PD_code()``: crossing ``i`` of
    the state is entry ``i`` of its PD code, strand ``s`` of that crossing is
    spherogram's strand index ``s`` (0..3). Bands name crossings this way.

Moves
    ``{"op": "band", "band": "<spec>"}``: spherogram's band (Dunfield-Gong,
    ``spherogram.links.bands``) in its compressed notation
    ``"<crossing strands, hex>_<over/under bits, hex>_<twists>"``, attached
    with ``add_one_band``. Legal when the spec parses, names crossings and
    strands of the current diagram, the result is a planar diagram, and it
    has exactly one component more: the band joins a component to itself
    with matching orientations (an oriented fission band).

    ``{"op": "simplify", "seed": s}``: ``Link.simplify('global')`` with
    Python's ``random`` seeded by ``s`` (the global state is restored
    afterwards). Any sequence of Reidemeister moves is an isotopy, so this
    step is sound whatever it does; the seed only makes replay exact.

Exact replay
    spherogram iterates over Python sets of ``Crossing`` objects, whose
    default hash is the memory address: the same seeded simplification can
    give different diagrams in the same process. :func:`_deterministic_hashes`
    gives every ``Crossing`` a hash drawn from a counter that each kernel
    operation resets before rebuilding its link from the PD code, so every
    operation is a pure function of (PD code, move). Equality stays identity;
    only set iteration order becomes reproducible. The replay depends on the
    spherogram version, pinned in :data:`SPHEROGRAM_VERSION` and in the
    kernel version string.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import spherogram
from spherogram.links import links_base
from spherogram.links.bands.core import Band, add_one_band, normalize_crossing_labels
from spherogram.links.links_base import CrossingStrand

from .braid import _is_int, describe

#: The spherogram release whose band and simplification code replays certificates.
SPHEROGRAM_VERSION = "2.4.1"

#: Bounds that keep a hostile certificate from hanging the verifier.
MAX_CROSSINGS = 400
MAX_TWISTS = 16
MAX_SEED = 2**63 - 1

_serials = itertools.count()


class InvalidDiagram(ValueError):
    """A PD code that is not a diagram the kernel accepts."""


class IllegalMove(ValueError):
    """A move whose preconditions fail on the current diagram."""


def _install_hashes() -> None:
    # Hand-written because spherogram has no deterministic mode (see the module docstring).
    if getattr(links_base.Crossing, "_rigorgym_hash", False):
        return
    original_init = links_base.Crossing.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self._rigorgym_serial = next(_serials)

    def hash_(self: Any) -> int:
        # Crossings built before this module was imported keep the default hash.
        serial = self.__dict__.get("_rigorgym_serial")
        return object.__hash__(self) if serial is None else serial

    links_base.Crossing.__init__ = init
    links_base.Crossing.__hash__ = hash_
    links_base.Crossing._rigorgym_hash = True


_install_hashes()


_LOCK = threading.RLock()


@contextmanager
def _deterministic_hashes() -> Iterator[None]:
    """Restart the crossing counter so that links built inside hash the same way on every run.

    Holds a lock, so kernel operations in several threads run one at a time
    and never share a counter.
    """
    global _serials
    with _LOCK:
        _serials = itertools.count()
        yield


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


def _link(pd: tuple[tuple[int, int, int, int], ...]) -> spherogram.Link:
    link = spherogram.Link([list(x) for x in pd])
    normalize_crossing_labels(link)
    return link


def _pd_of(link: spherogram.Link) -> tuple[tuple[int, int, int, int], ...]:
    return cast("tuple[tuple[int, int, int, int], ...]", tuple(tuple(int(v) for v in x) for x in link.PD_code()))


@dataclass(frozen=True)
class Diagram:
    """A link diagram: its PD code and the split-off crossingless unknots."""

    pd: tuple[tuple[int, int, int, int], ...]
    free_unknots: int = 0

    @classmethod
    def from_pd(cls, data: Any) -> Diagram:
        """Validate a PD code (a list of 4-lists of labels, each label on exactly two crossing slots)."""
        if not isinstance(data, list):
            raise InvalidDiagram("a PD code is a list of [a, b, c, d] crossings")
        if len(data) > MAX_CROSSINGS:
            raise InvalidDiagram(f"{len(data)} crossings exceed the limit of {MAX_CROSSINGS}")
        counts: dict[int, int] = {}
        for x in data:
            if not isinstance(x, list) or len(x) != 4 or not all(map(_is_int, x)):
                raise InvalidDiagram(f"a crossing is [a, b, c, d] with integer labels, got {describe(x)}")
            for v in x:
                if v < 0 or v > 4 * MAX_CROSSINGS:
                    raise InvalidDiagram(f"PD label {v} is out of range")
                counts[v] = counts.get(v, 0) + 1
        odd = [v for v, n in counts.items() if n != 2]
        if odd:
            raise InvalidDiagram(f"PD label {odd[0]} appears {counts[odd[0]]} time(s), not twice")
        pd = tuple(tuple(x) for x in data)
        with _deterministic_hashes():
            try:
                link = _link(pd)
            except Exception as exc:  # spherogram's own checks: planarity, consistency
                raise InvalidDiagram(f"spherogram rejects the PD code ({type(exc).__name__}: {exc})") from None
        return cls(_pd_of(link), link.unlinked_unknot_components)

    @property
    def crossings(self) -> int:
        return len(self.pd)

    @property
    def components(self) -> int:
        """Components of the link, the split-off crossingless unknots included."""
        with _deterministic_hashes():
            return len(_link(self.pd).link_components) + self.free_unknots

    @property
    def is_trivial_unlink_diagram(self) -> bool:
        """Zero crossings: a crossingless diagram of ``free_unknots`` unknots."""
        return not self.pd

    def to_json(self) -> list[list[int]]:
        return [list(x) for x in self.pd]


def parse_band(spec: Any, diagram: Diagram) -> Band:
    """The band of ``spec`` on ``diagram``, or IllegalMove if it cannot name a band there."""
    if not isinstance(spec, str) or len(spec) > 4 * MAX_CROSSINGS + 40:
        raise IllegalMove(f"a band is spherogram's compressed spec string, got {describe(spec)}")
    parts = spec.split("_")
    if len(parts) != 3 or not parts[0] or not parts[1] or not parts[2]:
        raise IllegalMove(f"band spec {spec!r} is not '<hex>_<hex>_<twists>'")
    try:
        twists = int(parts[2])
        band = Band(spec)
    except Exception:  # the spec's own parser: bad hex, wrong lengths
        raise IllegalMove(f"band spec {spec!r} does not parse") from None
    if band.compressed_spec() != spec:  # one spelling per band, so certificates compare exactly
        raise IllegalMove(f"band spec {spec!r} is not in spherogram's canonical form {band.compressed_spec()!r}")
    if abs(twists) > MAX_TWISTS:
        raise IllegalMove(f"band twists {twists} exceed the limit of {MAX_TWISTS}")
    if int(parts[1], 16) >> max(len(band.cs_along_top) - 2, 0):
        raise IllegalMove(f"band spec {spec!r} has more over/under bits than crossed arcs")
    if len(band.cs_along_top) < 2:  # checked here too: spherogram only asserts it, and asserts vanish under -O
        raise IllegalMove(f"band spec {spec!r} names fewer than two crossing strands")
    for c, s in band.cs_along_top:
        if not 0 <= c < diagram.crossings or s not in (0, 1, 2, 3):
            raise IllegalMove(f"band spec {spec!r} names crossing strand ({c}, {s}), not in the diagram")
    return band


def _meets_an_edge_twice(diagram: Diagram, band: Band) -> bool:
    # Each crossing strand names one edge of the diagram (with its other end); a band meets every edge at
    # most once. spherogram's add_one_band loops forever on some specs that name an edge twice.
    with _deterministic_hashes():
        link = _link(diagram.pd)
        edges = []
        for c, s in band.cs_along_top:
            end = CrossingStrand(link.crossings[c], s).opposite()
            edges.append(frozenset({(c, s), (end.crossing.label, end.strand_index)}))
    return len(set(edges)) != len(edges)


def apply_band(diagram: Diagram, spec: Any) -> Diagram:
    """Attach the band ``spec``; legal only if the result is planar with one component more."""
    band = parse_band(spec, diagram)
    if _meets_an_edge_twice(diagram, band):
        raise IllegalMove(f"band spec {spec!r} meets one edge of the diagram twice")
    with _deterministic_hashes():
        link = _link(diagram.pd)
        before = len(link.link_components)
        try:
            banded = add_one_band(link, band)
        except Exception:  # add_one_band asserts planarity; any failure means the band does not fit
            raise IllegalMove(f"band {spec!r} does not fit the diagram (not a planar band)") from None
        if not banded.is_planar():
            raise IllegalMove(f"band {spec!r} gives a non-planar diagram")
        after = len(banded.link_components)
        if after != before + 1:
            raise IllegalMove(
                f"band {spec!r} gives {after} components from {before}: a band must join a component to itself "
                "with matching orientations"
            )
        normalize_crossing_labels(banded)
        rebuilt = _link(_pd_of(banded))
        return Diagram(_pd_of(rebuilt), diagram.free_unknots + rebuilt.unlinked_unknot_components)


def simplify(diagram: Diagram, seed: Any) -> Diagram:
    """``simplify('global')`` with ``random`` seeded by ``seed``: an isotopy, replayed exactly."""
    if not _is_int(seed) or not 0 <= seed <= MAX_SEED:
        raise IllegalMove(f"field 'seed' must be an integer in [0, 2^63), got {describe(seed)}")
    if not diagram.pd:
        return diagram
    with _deterministic_hashes():
        link = _link(diagram.pd)
        with _seeded(seed):
            link.simplify("global")
        split_off = link.unlinked_unknot_components
        rebuilt = _link(_pd_of(link))
        return Diagram(_pd_of(rebuilt), diagram.free_unknots + split_off + rebuilt.unlinked_unknot_components)


OPS = ("band", "simplify")


def apply_move(diagram: Diagram, move: Any) -> Diagram:
    """The diagram after ``move`` (a new value; ``diagram`` is unchanged), or IllegalMove."""
    if not isinstance(move, dict):
        raise IllegalMove(f"a move is an object, got {describe(move)}")
    op = move.get("op")
    if op == "band":
        return apply_band(diagram, move.get("band"))
    if op == "simplify":
        return simplify(diagram, move.get("seed"))
    raise IllegalMove(f"unknown op {describe(op)} (known: {', '.join(OPS)})")
