"""The default reward of Ribbon-v0, shaped by crossings removed and unknots split off.

Written with arithmetic only, so that the same function serves Python scalars
and numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class RewardFn(Protocol):
    """Signature of an injectable reward: crossings and split-off unknots before/after, legality, success."""

    def __call__(
        self, prev_crossings: Any, crossings: Any, prev_free: Any, free: Any, legal: Any, solved: Any
    ) -> Any: ...


@dataclass(frozen=True)
class RibbonReward:
    """``-step_cost`` per step, ``+crossing_bonus`` per crossing removed (``-`` per crossing added),
    ``+split_bonus`` per component split off as a crossingless unknot, ``+success_bonus`` on winning,
    ``-illegal_penalty`` for an illegal (no-op) action.

    Every legal band adds exactly one component (the kernel checks it), so
    the raw component count carries no signal; what measures progress is
    how many components have come apart as crossingless unknots (the
    diagram's ``free_unknots``), and how many crossings are left. Both terms
    are differences of one function of the state (potential-based shaping),
    so they do not change which policies are optimal.
    """

    step_cost: float = 0.05
    crossing_bonus: float = 0.05
    split_bonus: float = 0.5
    success_bonus: float = 10.0
    illegal_penalty: float = 1.0

    def __call__(self, prev_crossings: Any, crossings: Any, prev_free: Any, free: Any, legal: Any, solved: Any) -> Any:
        return (
            -self.step_cost
            + self.crossing_bonus * (prev_crossings - crossings)
            + self.split_bonus * (free - prev_free)
            + self.success_bonus * solved
            - self.illegal_penalty * (1 - legal)
        )
