"""Running an agent over instances: the one loop behind `rigorgym solve`, the demo and the benchmarks.

Every certificate an agent returns is re-verified by the kernel before it is
counted; an invalid one is dropped (never an unverified claim). The budget
per instance is a :class:`~.base.Budget` (or plain seconds): with a count
limit (``max_steps``, ``max_expansions``) binding and a fixed seed, two runs
give the same certificates.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
from rigorgym.verifiers import verify

from .base import Agent, Budget, SolveResult, as_budget, check_limits
from .registry import make_agent


def make_env_for(env_id: str, instances: Sequence[Any]) -> gym.Env:
    """``gym.make(env_id)`` sized so that every instance (and some growth) fits."""
    from rigorgym.envs.games import game_of

    game = game_of(env_id)
    return gym.make(env_id, **game.fit(dict(gym.spec(env_id).kwargs), instances))


@dataclass
class InstanceOutcome:
    """One instance's result: the verified certificate (or None) and its cost."""

    index: int
    result: SolveResult
    verified: bool

    @property
    def certificate(self) -> dict[str, Any] | None:
        return self.result.certificate if self.verified else None


def checked_agent(agent_name: str, budget: Budget | float) -> Agent:
    """The agent of ``agent_name``, after refusing a count limit it cannot honour (:class:`~.base.UnsupportedLimit`)."""
    agent = make_agent(agent_name)
    check_limits(agent, as_budget(budget))
    return agent


def agent_refusal(env_id: str, instances: Sequence[Any], agent_name: str) -> str | None:
    """Why ``agent_name`` cannot play some of ``instances`` (one line, e.g. graphs larger than its network's
    board), or None; callers refuse the whole run before any work (never a silent 0-second failure)."""
    agent = make_agent(agent_name)
    refusal = getattr(agent, "refusal", None)
    if refusal is None:
        return None
    env = make_env_for(env_id, instances)
    try:
        return refusal(env, list(instances))
    finally:
        env.close()


def run_agent(
    env_id: str,
    instances: Sequence[Any],
    agent_name: str,
    budget_s: Budget | float,
    seed: int = 0,
    progress: bool | None = None,
    on_dropped: Callable[[str], None] | None = None,
) -> Iterator[InstanceOutcome]:
    """Yield one verified outcome per instance, in order (lazily, so callers can stream results).

    ``budget_s``: seconds per instance, or a :class:`~.base.Budget` with count limits too.
    """
    from tqdm import tqdm

    budget = as_budget(budget_s)
    agent = checked_agent(agent_name, budget)
    env = make_env_for(env_id, instances)
    bar = tqdm(
        instances,
        desc=f"{agent_name} on {env_id}",
        unit="inst",
        file=sys.stderr,
        disable=None if progress is None else not progress,
    )
    solved = 0
    try:
        for k, inst in enumerate(bar):
            result = agent.solve(env, inst, budget, seed + k)
            verified = False
            if result.certificate is not None:
                result.certificate["meta"].update({"agent": agent_name, "seed": seed + k})
                verdict = verify(result.certificate)
                verified = verdict.valid
                if not verified and on_dropped is not None:
                    on_dropped(f"{agent_name} produced an invalid certificate ({verdict.reason}); dropped")
            solved += verified
            bar.set_postfix(solved=solved)
            yield InstanceOutcome(k, result, verified)
    finally:
        bar.close()
        env.close()
