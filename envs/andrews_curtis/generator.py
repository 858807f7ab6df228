"""Instance generators of AndrewsCurtis-v0: scrambled trivial presentations, fixed lists, and frozen suites."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..injection import ListGenerator, copy_sharing_instances
from . import core
from .types import PresentationInstance

#: The trivial presentation ``<x, y | x, y>``, where every scramble starts.
TRIVIAL = ((1,), (2,))
#: Extra moves a scramble may draw when its ``moves`` moves land on a trivial presentation again.
EXTRA_MOVES = 256


@dataclass(frozen=True)
class ScrambledTrivialGenerator:
    """AC-trivial presentations by construction: ``<x, y | x, y>`` scrambled by random AC′ moves.

    From ``<x, y | x, y>``, ``moves`` actions each drawn uniformly among the
    legal ones of the twelve source moves (``SOURCE_MOVES``, legal: both
    relators at most ``max_relator_length`` letters after the kernel's
    reduction; conjugations that leave the presentation unchanged count),
    then more drawn the same way while the result is still trivial (up to
    :data:`EXTRA_MOVES`). Every move is a kernel move, so each instance is
    AC-trivial by construction. The draws come from a splitmix64 stream
    seeded by one 63-bit integer drawn from the env's ``np_random``
    (:func:`.core.scramble`, compiled: the vector env resets thousands of
    rows per second).
    """

    moves: int = 30
    max_relator_length: int = 36

    def __call__(self, rng: np.random.Generator) -> PresentationInstance:
        rel, meta, _ = self.scramble(int(rng.integers(0, 2**63)))
        return _instance(rel, meta, self.max_relator_length)

    def scramble(
        self,
        seed: int,
        rel: np.ndarray | None = None,
        meta: np.ndarray | None = None,
        mask: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """The scramble of ``seed`` in ``rel``/``meta`` (fresh ones by default) and the actions it played."""
        if self.moves < 0:
            raise ValueError(f"moves must be >= 0, got {self.moves}")
        if self.max_relator_length < 1:
            raise ValueError(f"max_relator_length must be at least 1, got {self.max_relator_length}")
        length = self.max_relator_length
        rel = np.zeros(2 * length, np.int8) if rel is None else rel
        meta = np.zeros(3, np.int32) if meta is None else meta
        mask = np.zeros(core.N_ACTIONS, bool) if mask is None else mask
        played = np.zeros(self.moves + EXTRA_MOVES, np.int64)
        buf = np.zeros(2 * length + 2, np.int8)
        done = core.scramble(rel, meta, length, self.moves, seed, mask, buf, played)
        if done < 0:
            raise RuntimeError(f"the scramble of seed {seed} is still trivial after {played.size} moves")
        return rel, meta, played[:done].tolist()


def _instance(rel: np.ndarray, meta: np.ndarray, length: int) -> PresentationInstance:
    r0 = tuple(int(x) for x in rel[: meta[0]])
    r1 = tuple(int(x) for x in rel[length : length + meta[1]])
    return PresentationInstance((r0, r1))


#: The instance fields the env reads from a suite line (suites may annotate more: source, greedy results...).
_FIELDS = ("relators", "id", "name")


@dataclass
class SuiteGenerator:
    """Instances of a frozen AndrewsCurtis-v0 suite (``rigorgym list suites``), loaded on first use."""

    suite: str
    shuffle: bool = True
    _loaded: list[ListGenerator[PresentationInstance]] = field(default_factory=list, compare=False, repr=False)

    def __deepcopy__(self, memo: dict[int, Any]) -> SuiteGenerator:
        return copy_sharing_instances(self)  # gym.make copies kwargs: share the loaded suite, not copy it

    def load(self) -> ListGenerator[PresentationInstance]:
        if not self._loaded:
            from rigorgym.envs.suites import list_suites, load_suite

            if self.suite not in list_suites():
                shipped = ", ".join(list_suites("AndrewsCurtis-v0")) or "none yet"
                raise ValueError(f"suite {self.suite!r} is not shipped (AndrewsCurtis-v0 suites: {shipped})")
            suite = load_suite(self.suite)
            if suite.env != "AndrewsCurtis-v0":
                raise ValueError(f"suite {self.suite} is a {suite.env} suite, not an AndrewsCurtis-v0 one")
            instances = tuple(
                PresentationInstance.from_instance({k: x[k] for k in _FIELDS if k in x}) for x in suite.instances
            )
            self._loaded.append(ListGenerator(instances, self.shuffle))
        return self._loaded[0]

    @property
    def instances(self) -> tuple[PresentationInstance, ...]:
        return self.load().instances

    def __call__(self, rng: np.random.Generator) -> PresentationInstance:
        return self.load()(rng)
