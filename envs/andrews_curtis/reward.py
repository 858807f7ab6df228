"""The default reward of AndrewsCurtis-v0: the source's (Shehper et al., arXiv:2408.15332), injectable.

Arithmetic only, so that one function serves Python scalars and numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class RewardFn(Protocol):
    """An injectable reward: total relator length before/after the step, legality, success."""

    def __call__(self, prev_length: Any, length: Any, legal: Any, solved: Any) -> Any: ...


@dataclass(frozen=True)
class ACReward:
    """The source env's reward: ``-length_cost * (|r0| + |r1|)`` after every unsolved step (an illegal no-op
    included, less ``illegal_penalty``), ``+success_bonus`` instead on the step that reaches ``<x, y | x, y>``.

    ``ac_solver``'s ``ACEnv`` pays ``horizon * L * 2`` on success (``max_reward``: more than any episode can lose
    by lengths, so that solving always pays) and treats an illegal move as a no-op without penalty; the env builds
    its default as :meth:`source` of its ``horizon`` and ``max_relator_length``.
    """

    success_bonus: float = 1000 * 36 * 2
    length_cost: float = 1.0
    illegal_penalty: float = 0.0

    @classmethod
    def source(cls, horizon: int, max_relator_length: int) -> ACReward:
        """The source's reward for episodes of ``horizon`` steps on relators of at most ``max_relator_length``."""
        return cls(success_bonus=float(horizon * max_relator_length * 2))

    def __call__(self, prev_length: Any, length: Any, legal: Any, solved: Any) -> Any:
        return (
            self.success_bonus * solved - self.length_cost * length * (1 - solved) - self.illegal_penalty * (1 - legal)
        )
