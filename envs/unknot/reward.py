"""The default reward of UnKnot-v0, in the spirit of "Learning to unknot".

The same function serves the single env (Python scalars) and the vector env
(numpy arrays): it is written with arithmetic only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class RewardFn(Protocol):
    """Signature of an injectable reward: states before/after, legality, success."""

    def __call__(
        self, prev_length: Any, prev_strands: Any, length: Any, strands: Any, legal: Any, solved: Any
    ) -> Any: ...


@dataclass(frozen=True)
class UnknotReward:
    """``-step_cost`` per move, ``+shaping`` per unit of complexity removed, ``+success_bonus`` on winning,
    ``-illegal_penalty`` for an illegal (no-op) action.

    Complexity is ``word length + strands - 1``: it is 0 exactly at the unknot,
    and a destabilization lowers it by 2. The shaping is potential-based, so
    it does not change which policies are optimal.
    """

    step_cost: float = 0.05
    shaping: float = 0.1
    success_bonus: float = 10.0
    illegal_penalty: float = 1.0

    def __call__(self, prev_length: Any, prev_strands: Any, length: Any, strands: Any, legal: Any, solved: Any) -> Any:
        removed = (prev_length + prev_strands) - (length + strands)
        return (
            -self.step_cost
            + self.shaping * removed
            + self.success_bonus * solved
            - (self.illegal_penalty + 0.0) * (1 - legal)
        )
