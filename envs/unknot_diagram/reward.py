"""The default reward of UnKnot-Diagram-v0: crossings removed, success, illegal actions.

Arithmetic only, so that one function serves Python scalars and numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class RewardFn(Protocol):
    """An injectable reward: crossings before/after, legality, success."""

    def __call__(self, prev_crossings: Any, crossings: Any, legal: Any, solved: Any) -> Any: ...


@dataclass(frozen=True)
class DiagramReward:
    """``-step_cost`` per step, ``+crossing_bonus`` per crossing removed (``-`` per crossing added),
    ``+success_bonus`` on reaching the crossingless circle, ``-illegal_penalty`` for an illegal (no-op) action.

    The crossing term is a difference of one function of the state
    (potential-based shaping), so it does not change which policies are
    optimal; hard unknots need crossings *added* first, which it only delays.
    """

    step_cost: float = 0.01
    crossing_bonus: float = 0.1
    success_bonus: float = 10.0
    illegal_penalty: float = 1.0

    def __call__(self, prev_crossings: Any, crossings: Any, legal: Any, solved: Any) -> Any:
        return (
            -self.step_cost
            + self.crossing_bonus * (prev_crossings - crossings)
            + self.success_bonus * solved
            - self.illegal_penalty * (1 - legal)
        )
