"""What every solving agent provides: a certificate for an instance within a budget, or nothing."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

#: The count limits of a :class:`Budget`, by the name an agent lists in ``LIMITS`` (and the CLI flag).
LIMIT_FLAGS = {"max_steps": "--max-steps", "max_expansions": "--max-expansions"}


@dataclass(frozen=True)
class Budget:
    """What one instance may cost; the attempt stops at whichever limit comes first.

    ``seconds`` is wall-clock time, so a result that it cuts short depends on
    the machine's load. ``max_steps`` (env steps or moves tried) and
    ``max_expansions`` (search node expansions) are counts: with one of them
    binding and a fixed seed, two runs give the same certificates.
    """

    seconds: float = 5.0
    max_steps: int | None = None
    max_expansions: int | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.seconds) and self.seconds > 0):
            raise ValueError(f"the budget in seconds must be finite and positive, got {self.seconds}")
        for name in LIMIT_FLAGS:
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{LIMIT_FLAGS[name]} must be an integer >= 1, got {value!r}")

    @property
    def limits(self) -> tuple[str, ...]:
        """The count limits that are set (names of :data:`LIMIT_FLAGS`)."""
        return tuple(name for name in LIMIT_FLAGS if getattr(self, name) is not None)

    def deadline(self, start: float) -> float:
        """The ``time.perf_counter()`` value at which the attempt begun at ``start`` must stop."""
        return start + self.seconds

    def steps_left(self, steps: int) -> bool:
        """Whether another env step is allowed after ``steps``."""
        return self.max_steps is None or steps < self.max_steps

    def expansions_left(self, expansions: int) -> bool:
        """Whether another node expansion is allowed after ``expansions``."""
        return self.max_expansions is None or expansions < self.max_expansions


def as_budget(budget: Budget | float) -> Budget:
    """A :class:`Budget` from a budget or plain seconds (the older call ``solve(env, inst, 2.0, seed)``)."""
    return budget if isinstance(budget, Budget) else Budget(float(budget))


class UnsupportedLimit(ValueError):
    """An agent asked to honour a count limit it has no notion of (e.g. expansions of a random walk)."""


def check_limits(agent: Any, budget: Budget) -> None:
    """Refuse a budget with a count limit that ``agent`` (its ``LIMITS``) cannot honour."""
    honoured = getattr(agent, "LIMITS", ())
    for name in budget.limits:
        if name not in honoured:
            can = " or ".join(LIMIT_FLAGS[n] for n in honoured) or "only --budget-s"
            raise UnsupportedLimit(f"agent {agent.name} cannot honour {LIMIT_FLAGS[name]} (it takes {can})")


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
    """A solver: ``solve(env, instance, budget_s, seed)`` on an env built by the caller, who verifies the result.

    ``budget_s`` is a :class:`Budget` (or plain seconds, the name's origin); ``LIMITS``
    names the count limits of a budget the agent honours (others are refused
    by :func:`check_limits` before it runs).
    """

    name: str
    LIMITS: ClassVar[tuple[str, ...]]

    def solve(self, env: Any, instance: Any, budget_s: Budget | float, seed: int) -> SolveResult: ...
