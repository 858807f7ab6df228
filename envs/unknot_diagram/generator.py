"""Instance generators of UnKnot-Diagram-v0: scrambled unknot diagrams, named knots, and frozen suites."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rigorgym.verifiers import pd_fast
from rigorgym.verifiers.pd import PD

from ..injection import ListGenerator, copy_sharing_instances
from . import core
from .actions import ActionLayout
from .types import DiagramInstance

#: The one-crossing diagram of the unknot (a kink), where every scramble starts.
KINK = ((1, 1, 2, 2),)
_KINK = PD.from_pd([list(c) for c in KINK])
_KINK_FLAT, _KINK_OUT = list(_KINK.labels), [int(x) for x in _KINK.out]


@dataclass(frozen=True)
class ScrambledUnknotGenerator:
    """Unknot diagrams by construction: a kink grown by random R2 additions, then shuffled by R3 moves.

    From the one-crossing kink, R2 additions chosen uniformly among the legal
    ones (the mask of :class:`.actions.ActionLayout` for ``crossings + 2``
    crossings and reach ``reach``) until the diagram has ``crossings``
    crossings (an R1 addition when no R2 fits), then ``shuffles`` R3 moves
    uniform among the legal ones (fewer if none is legal). Every step is a
    kernel move, so each instance is the unknot by construction. The draws
    come from a splitmix64 stream seeded by one 63-bit integer drawn from the
    env's ``np_random`` (:func:`.core.scramble`, compiled: the vector env
    generates thousands of these per second).
    """

    crossings: int = 10
    shuffles: int = 20
    reach: int = 3

    def __call__(self, rng: np.random.Generator) -> DiagramInstance:
        buffers = self.scramble(int(rng.integers(0, 2**63)))
        n = int(buffers.meta[0])
        flat = buffers.flat[: 4 * n].tolist()
        return DiagramInstance(tuple(tuple(flat[4 * i : 4 * i + 4]) for i in range(n)))

    def scramble(self, seed: int, buffers: pd_fast.Buffers | None = None) -> pd_fast.Buffers:
        """The scrambled diagram of ``seed`` in ``buffers`` (fresh ones of capacity ``crossings + 2`` by default)."""
        if self.crossings < 1:
            raise ValueError(f"crossings must be at least 1, got {self.crossings}")
        cap = self.crossings + 2
        buffers = buffers if buffers is not None else pd_fast.Buffers(cap)
        buffers.load(_KINK_FLAT, _KINK_OUT, 0)
        mask = np.zeros(ActionLayout(cap, self.reach).size, bool)
        status = core.scramble(*buffers.args(), self.crossings, self.shuffles, self.reach, seed, mask)
        if status != pd_fast.OK:
            raise RuntimeError(f"scramble of seed {seed} hit kernel status {status} (a bug)")
        return buffers


@dataclass
class SuiteGenerator:
    """Instances of a frozen UnKnot-Diagram-v0 suite (``rigorgym list suites``), loaded on first use."""

    suite: str
    shuffle: bool = True
    _loaded: list[ListGenerator[DiagramInstance]] = field(default_factory=list, compare=False, repr=False)

    def __deepcopy__(self, memo: dict[int, Any]) -> SuiteGenerator:
        return copy_sharing_instances(self)  # gym.make copies kwargs: share the loaded suite, not copy it

    def load(self) -> ListGenerator[DiagramInstance]:
        if not self._loaded:
            from rigorgym.envs.suites import list_suites, load_suite

            if self.suite not in list_suites():
                shipped = ", ".join(list_suites("UnKnot-Diagram-v0")) or "none yet"
                raise ValueError(f"suite {self.suite!r} is not shipped (UnKnot-Diagram-v0 suites: {shipped})")
            suite = load_suite(self.suite)
            if suite.env != "UnKnot-Diagram-v0":
                raise ValueError(f"suite {self.suite} is a {suite.env} suite, not an UnKnot-Diagram-v0 one")
            self._loaded.append(
                ListGenerator(tuple(DiagramInstance.from_instance(x) for x in suite.instances), self.shuffle)
            )
        return self._loaded[0]

    @property
    def instances(self) -> tuple[DiagramInstance, ...]:
        return self.load().instances

    def __call__(self, rng: np.random.Generator) -> DiagramInstance:
        return self.load()(rng)
