"""Instance generators of UnKnot-Diagram-v0: scrambled unknot diagrams, named knots, and frozen suites."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from rigorgym.verifiers.pd import PD
from rigorgym.verifiers.reidemeister import apply_move

from .actions import ActionLayout
from .types import DiagramInstance

#: The one-crossing diagram of the unknot (a kink), where every scramble starts.
KINK = ((1, 1, 2, 2),)


@dataclass(frozen=True)
class ScrambledUnknotGenerator:
    """Unknot diagrams by construction: a kink grown by random R2 additions, then shuffled by R3 moves.

    From the one-crossing kink, R2 additions chosen uniformly among the legal
    ones (reach ``reach``) until the diagram has ``crossings`` crossings (an
    R1 addition when no R2 fits), then ``shuffles`` R3 moves uniform among the
    legal ones (fewer if none is legal), and as many uniform R1/R2 removals
    as ``cancel`` says are tried in between (none by default). Every step is
    a kernel move, so each instance is the unknot by construction.
    """

    crossings: int = 10
    shuffles: int = 20
    reach: int = 3

    def __call__(self, rng: np.random.Generator) -> DiagramInstance:
        layout = ActionLayout(self.crossings + 2, self.reach)
        d = PD.from_pd([list(c) for c in KINK])
        while d.size < self.crossings:
            mask = layout.mask(d)
            adds = np.flatnonzero(mask[layout.r2_add :]) + layout.r2_add
            if d.size + 2 > self.crossings or not len(adds):
                adds = np.flatnonzero(mask[layout.r1_add : layout.r2_remove]) + layout.r1_add
            move = layout.decode(int(rng.choice(adds)), d)
            assert move is not None
            d = apply_move(d, move)
        for _ in range(self.shuffles):
            flips = np.flatnonzero(layout.mask(d)[layout.r3 : layout.r2_add])
            if not len(flips):
                break
            move = layout.decode(int(rng.choice(flips)) + layout.r3, d)
            assert move is not None
            d = apply_move(d, move)
        return DiagramInstance(tuple(d.crossings))


@dataclass
class ListGenerator:
    """Uniform draws from a fixed list of instances, or the list in order (cycling) when ``shuffle`` is False."""

    instances: tuple[DiagramInstance, ...]
    shuffle: bool = True
    _next: int = 0

    def __call__(self, rng: np.random.Generator) -> DiagramInstance:
        if self.shuffle:
            return self.instances[int(rng.integers(len(self.instances)))]
        instance = self.instances[self._next % len(self.instances)]
        self._next += 1
        return instance


@dataclass
class SuiteGenerator:
    """Instances of a frozen UnKnot-Diagram-v0 suite (``rigorgym list suites``), loaded on first use."""

    suite: str
    shuffle: bool = True
    _loaded: list[ListGenerator] = field(default_factory=list, compare=False, repr=False)

    def load(self) -> ListGenerator:
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
