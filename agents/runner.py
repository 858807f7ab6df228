"""Running an agent over instances: the one loop behind `rigorgym solve`, the demo and the benchmarks.

Every certificate an agent returns is re-verified by the kernel before it is
counted; an invalid one is dropped (never an unverified claim).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
from rigorgym.verifiers import verify

from .base import SolveResult
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


def run_agent(
    env_id: str,
    instances: Sequence[Any],
    agent_name: str,
    budget_s: float,
    seed: int = 0,
    progress: bool | None = None,
    on_dropped: Callable[[str], None] | None = None,
) -> Iterator[InstanceOutcome]:
    """Yield one verified outcome per instance, in order (lazily, so callers can stream results)."""
    from tqdm import tqdm

    agent = make_agent(agent_name)
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
            result = agent.solve(env, inst, budget_s, seed + k)
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
