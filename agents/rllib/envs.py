"""rigorgym envs for RLlib: the action mask moved into the observation, and registration with Ray Tune.

RLlib's RLModules see only observations, so :class:`MaskedObservation` puts
the env's ``info["action_mask"]`` next to the observation (the layout of
RLlib's action-masking example: ``{"observations": ..., "action_mask": ...}``).
Env runners on other nodes build the env from its registered name, so the
creator imports rigorgym itself.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

OBS = "observations"
MASK = "action_mask"


class MaskedObservation(gym.Wrapper[dict[str, Any], int, Any, int]):
    """Observation ``{"observations": obs, "action_mask": int8 mask}``; actions and rewards unchanged."""

    def __init__(self, env: gym.Env[Any, int]) -> None:
        super().__init__(env)
        if not isinstance(env.action_space, spaces.Discrete):
            raise ValueError(f"RLlib training needs a Discrete action space, got {env.action_space}")
        n = int(env.action_space.n)
        self.observation_space = spaces.Dict(
            {OBS: env.observation_space, MASK: spaces.Box(0, 1, shape=(n,), dtype=np.int8)}
        )

    def _mask(self, info: dict[str, Any]) -> np.ndarray:
        mask = info.get(MASK)
        if mask is None:
            mask = self.env.unwrapped.action_masks()  # type: ignore[attr-defined]
        return np.asarray(mask, dtype=np.int8)

    def reset(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        obs, info = self.env.reset(**kwargs)
        return {OBS: obs, MASK: self._mask(info)}, info

    def step(self, action: int) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        return {OBS: obs, MASK: self._mask(info)}, float(reward), terminated, truncated, info


def make_masked_env(config: dict[str, Any]) -> gym.Env[Any, int]:
    """The creator Ray Tune calls on every env runner: ``config`` holds ``env_id`` and ``env_kwargs``."""
    import rigorgym  # noqa: F401  (registers the envs in this worker process)

    return MaskedObservation(gym.make(config["env_id"], **dict(config.get("env_kwargs") or {})))


def tune_name(env_id: str) -> str:
    """The name under which ``env_id`` is registered with Ray Tune."""
    return f"rigorgym/{env_id}"


def register(env_id: str) -> str:
    """Register ``env_id`` (masked) with ``ray.tune.registry``; returns the name to put in ``config.environment``."""
    from ray.tune.registry import register_env

    name = tune_name(env_id)
    register_env(name, make_masked_env)
    return name
