"""The random walker of "Learning to unknot": uniform over legal moves, restarted at each truncation."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from .base import Budget, SolveResult, as_budget


@dataclass
class RandomWalker:
    """Plays uniformly random legal actions in the env until it wins or the budget runs out.

    Each walk lasts the env's ``max_episode_steps`` (or ``walk_steps``); walks
    restart from the instance until ``budget.seconds`` have passed or, with
    ``budget.max_steps``, that many env steps (all walks together) were played.
    """

    name: str = "random"
    walk_steps: int | None = None
    LIMITS: ClassVar[tuple[str, ...]] = ("max_steps",)

    def solve(self, env: gym.Env, instance: Any, budget_s: Budget | float, seed: int) -> SolveResult:
        budget = as_budget(budget_s)
        if self.walk_steps:
            env = gym.wrappers.TimeLimit(env.unwrapped, self.walk_steps)
        rng = np.random.default_rng(seed)
        start = time.perf_counter()
        steps = 0
        first = True
        while time.perf_counter() - start < budget.seconds and budget.steps_left(steps):
            _, info = env.reset(seed=seed if first else None, options={"instance": instance})
            first = False
            if env.unwrapped.solved:  # the trivial braid: a certificate with no moves
                return SolveResult(self._certificate(env.unwrapped.certificate()), time.perf_counter() - start, 0)
            done = False
            while not done and budget.steps_left(steps):
                legal = np.flatnonzero(info["action_mask"])
                action = legal[rng.integers(len(legal))] if len(legal) else 0
                _, _, terminated, truncated, info = env.step(action)
                steps += 1
                if terminated and "certificate" in info:
                    return SolveResult(self._certificate(info["certificate"]), time.perf_counter() - start, steps)
                done = terminated or truncated
                if steps % 256 == 0 and time.perf_counter() - start >= budget.seconds:
                    break
        return SolveResult(None, time.perf_counter() - start, steps)

    def _certificate(self, cert: dict[str, Any]) -> dict[str, Any]:
        cert["meta"]["agent"] = self.name
        return cert
