"""What every solving agent provides: a certificate for an instance within a budget, or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class SolveResult:
    """The outcome of one solve attempt; ``certificate`` is None when the agent failed."""

    certificate: dict[str, Any] | None
    seconds: float
    steps: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def solved(self) -> bool:
        return self.certificate is not None

    @property
    def moves(self) -> int | None:
        return None if self.certificate is None else len(self.certificate["moves"])


class Agent(Protocol):
    """A solver: ``solve(env, instance, budget_s, seed)`` on an env built by the caller, who verifies the result."""

    name: str

    def solve(self, env: Any, instance: Any, budget_s: float, seed: int) -> SolveResult: ...
