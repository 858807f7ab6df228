"""Instance generators for Ribbon-v0, injected into the env (Jumanji style).

A generator is any callable ``gen(rng: numpy.random.Generator) -> KnotInstance``;
the env calls it on every reset with its own seeded ``np_random``.

* :class:`KnotListGenerator`: knots given by the user (names from SnapPy's
  tables, PD codes, §2.4 instance objects or :class:`KnotInstance`).
* :class:`SuiteGenerator`: the instances of a frozen benchmark suite
  (``ribbon-knotinfo-12``, ``ribbon-knotinfo-13``, ``ribbon-doubles-30``, ...).
* :class:`RandomRibbonGenerator`: random ribbon knots ``K # -K`` (``K`` from
  Rolfsen's table, ``-K`` its reversed mirror image), optionally scrambled by
  spherogram's ``backtrack`` (random Reidemeister moves that add crossings).
  ``K # -K`` always bounds a ribbon disk, so every instance can be won.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

import numpy as np
import spherogram
from rigorgym.verifiers.diagram import _deterministic_hashes, _link, _seeded

from ..injection import copy_sharing_instances
from .types import KnotInstance

#: Number of prime knots in Rolfsen's table by crossing number (3..10); their names are ``f"{n}_{i}"``.
ROLFSEN_COUNTS = {3: 1, 4: 1, 5: 2, 6: 3, 7: 7, 8: 21, 9: 49, 10: 165}


def rolfsen_names(min_crossings: int = 3, max_crossings: int = 8) -> tuple[str, ...]:
    """Names of the prime knots of Rolfsen's table with ``min_crossings..max_crossings`` crossings, in order."""
    if not 3 <= min_crossings <= max_crossings <= max(ROLFSEN_COUNTS):
        raise ValueError(f"crossing numbers must satisfy 3 <= min <= max <= {max(ROLFSEN_COUNTS)}")
    return tuple(f"{n}_{i}" for n in range(min_crossings, max_crossings + 1) for i in range(1, ROLFSEN_COUNTS[n] + 1))


def reverse_pd(pd: Sequence[Sequence[int]]) -> list[list[int]]:
    """The PD code of the knot with the opposite orientation.

    Valid for a knot whose labels are ``0..2n-1`` in the order of the
    orientation, as spherogram's ``PD_code()`` writes them: the map ``x -> -x
    mod 2n`` runs the labels backwards, and spherogram orients a component
    from its smallest label towards the smaller neighbouring label.
    """
    n = 2 * len(pd)
    labels = sorted(v for x in pd for v in x)
    if labels != sorted(2 * list(range(n))):
        raise ValueError("reverse_pd needs a knot PD code labelled 0..2n-1")
    return [[(-v) % n for v in x] for x in pd]


@lru_cache(maxsize=512)
def _table_pd(name: str) -> tuple[tuple[int, ...], ...]:
    return KnotInstance.from_name(name).pd


def _pd(link: spherogram.Link) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(int(v) for v in x) for x in link.PD_code())


def ribbon_double(pd: Sequence[Sequence[int]], scramble_steps: int = 0, seed: int = 0) -> tuple[tuple[int, ...], ...]:
    """The PD code of ``K # -K`` for the knot ``K`` of ``pd``, scrambled by ``backtrack(scramble_steps)``.

    ``-K`` is the mirror image with the orientation reversed, so the sum is
    a ribbon knot. spherogram's ``connected_sum`` joins the two diagrams at
    strand 0 of their first crossings (the incoming under-strand), which
    keeps both orientations. The scramble seeds Python's ``random`` with
    ``seed`` (the global state is restored) and runs with the kernel's
    deterministic crossing hashes, so the result is a pure function of the
    arguments.
    """
    with _deterministic_hashes():
        knot = _link(cast("tuple[tuple[int, int, int, int], ...]", tuple(tuple(x) for x in pd)))
        minus = spherogram.Link(reverse_pd(_pd(knot.mirror())))
        total = knot.connected_sum(minus)
        if scramble_steps > 0:
            with _seeded(seed):
                total.backtrack(steps=scramble_steps)
        return _pd(total)


@dataclass(frozen=True)
class RandomRibbonGenerator:
    """Random ribbon knots ``K # -K``, ``K`` uniform among Rolfsen's prime knots of
    ``min_crossings..max_crossings`` crossings (3..8: 35 knots), the diagram scrambled by
    ``scramble_steps`` of spherogram's ``backtrack`` (Reidemeister I/II/III moves that never
    remove crossings; 0 keeps spherogram's connected-sum diagram of ``2 c(K)`` crossings).

    ``knots`` overrides the table with a list of names. The instance is named
    ``"K#-K"`` (e.g. ``"6_1#-6_1"``).
    """

    max_crossings: int = 8
    scramble_steps: int = 0
    min_crossings: int = 3
    knots: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.scramble_steps < 0:
            raise ValueError("scramble_steps must be >= 0")
        names = self.names()
        if not names:
            raise ValueError("RandomRibbonGenerator needs at least one knot")
        if self.knots is not None:
            for name in names:
                _table_pd(name)  # a clear ValueError for an unknown name, now rather than at reset

    def names(self) -> tuple[str, ...]:
        if self.knots is not None:
            return tuple(self.knots)
        return rolfsen_names(self.min_crossings, self.max_crossings)

    def __call__(self, rng: np.random.Generator) -> KnotInstance:
        names = self.names()
        name = names[int(rng.integers(len(names)))]
        seed = int(rng.integers(0, 2**31))
        pd = ribbon_double(_table_pd(name), self.scramble_steps, seed)
        return KnotInstance(pd, f"{name}#-{name}")


def _knot(item: Any) -> KnotInstance:
    if isinstance(item, KnotInstance):
        return item
    if isinstance(item, str):
        return KnotInstance.from_name(item)
    if isinstance(item, dict):
        return KnotInstance.from_instance(item)
    if isinstance(item, (list, tuple)):
        return KnotInstance.from_instance({"pd": [list(x) if isinstance(x, (list, tuple)) else x for x in item]})
    raise ValueError(f"a knot is a name, a PD code, an instance object or a KnotInstance, got {type(item).__name__}")


@dataclass
class KnotListGenerator:
    """User-given knots: names (``"6_1"``, ``"K12n553"``), PD codes, §2.4 instance objects or
    :class:`KnotInstance` values; uniform draws, or in order (cycling) when ``shuffle`` is False."""

    knots: Sequence[Any]
    shuffle: bool = True
    _next: int = field(default=0, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.knots, (str, dict)):
            self.knots = [self.knots]
        self.knots = tuple(_knot(x) for x in self.knots)
        if not self.knots:
            raise ValueError("KnotListGenerator needs at least one knot")

    @property
    def instances(self) -> tuple[KnotInstance, ...]:
        return tuple(self.knots)

    def __call__(self, rng: np.random.Generator) -> KnotInstance:
        if self.shuffle:
            return self.knots[int(rng.integers(len(self.knots)))]
        instance = self.knots[self._next % len(self.knots)]
        self._next += 1
        return instance


@dataclass
class SuiteGenerator:
    """Instances of a frozen Ribbon-v0 benchmark suite (``rigorgym list suites``), loaded on first use.

    Uniform draws, or the suite in order (cycling) when ``shuffle`` is False.
    A suite that is not shipped, or not a Ribbon-v0 suite, is a ValueError.
    """

    suite: str
    shuffle: bool = True
    _loaded: list[KnotListGenerator] = field(default_factory=list, compare=False, repr=False)

    def __deepcopy__(self, memo: dict[int, Any]) -> SuiteGenerator:
        return copy_sharing_instances(self)  # gym.make copies kwargs: share the loaded suite, not copy it

    def load(self) -> KnotListGenerator:
        if not self._loaded:
            from rigorgym.envs.suites import list_suites, load_suite

            if self.suite not in list_suites():
                shipped = ", ".join(list_suites("Ribbon-v0")) or "none yet"
                raise ValueError(f"suite {self.suite!r} is not shipped (Ribbon-v0 suites: {shipped})")
            suite = load_suite(self.suite)
            if suite.env != "Ribbon-v0":
                raise ValueError(f"suite {self.suite} is a {suite.env} suite, not a Ribbon-v0 one")
            self._loaded.append(
                KnotListGenerator([KnotInstance.from_instance(x) for x in suite.instances], self.shuffle)
            )
        return self._loaded[0]

    @property
    def instances(self) -> tuple[KnotInstance, ...]:
        return self.load().instances

    def __call__(self, rng: np.random.Generator) -> KnotInstance:
        return self.load()(rng)


__all__ = [
    "KnotListGenerator",
    "RandomRibbonGenerator",
    "SuiteGenerator",
    "reverse_pd",
    "ribbon_double",
    "rolfsen_names",
]
