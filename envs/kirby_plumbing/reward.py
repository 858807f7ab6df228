"""The default reward of Kirby-Plumbing-v0, shaped by Ri-Putrov's complexity.

Written with arithmetic only, so that the same function serves Python scalars
and numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class RewardFn(Protocol):
    """Signature of an injectable reward: complexity before/after, legality, success."""

    def __call__(self, prev_complexity: Any, complexity: Any, legal: Any, solved: Any) -> Any: ...


@dataclass(frozen=True)
class PlumbingReward:
    """``-step_cost`` per move, ``+shaping`` per unit of complexity removed, ``+success_bonus`` on winning,
    ``-illegal_penalty`` for an illegal (no-op) action.

    Complexity is Ri-Putrov's ``c = 5 #nodes + sum |w|`` summed over both
    graphs. The shaping is potential-based (a difference of one function of
    the state), so it does not change which policies are optimal; it rewards
    simplifying both graphs, which is what the normal-form strategy does.
    """

    step_cost: float = 0.02
    shaping: float = 0.01
    success_bonus: float = 10.0
    illegal_penalty: float = 1.0

    def __call__(self, prev_complexity: Any, complexity: Any, legal: Any, solved: Any) -> Any:
        return (
            -self.step_cost
            + self.shaping * (prev_complexity - complexity)
            + self.success_bonus * solved
            - self.illegal_penalty * (1 - legal)
        )
