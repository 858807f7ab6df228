"""UnKnot-Diagram-v0's ``Dict`` observation as the flat int16 rows the batched trainers' networks take.

The env observes ``{"pd": (N, 4), "crossing_mask": (N,), "stats": (2,)}``
(:mod:`rigorgym.envs.unknot_diagram.env`); the batched trainers
(:mod:`..algos.vec_common`) take one flat row per env, as Kirby-Plumbing's
:class:`~.plumbing_heads.FlatPlumbingObservation` gives them. A row is
:data:`KEYS` in order: the ``4N`` PD labels (``0..2N``, 0 past the
crossings), the ``N`` crossing flags, then ``[crossings, steps]`` with the
step count clipped to ``2N``, so that every entry lies in ``[0, 2N]`` and the
MLP's single input scale (the largest bound, ``2N``) stays that of the labels
rather than of an unbounded counter. Length ``5N + 2``.

:func:`flatten_diagram` serves a batch and one env's observation alike (it is
what a trained agent's ``act`` does with a single env's ``Dict``, through
:func:`..algos.vec_common.one_row`).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import VectorObservationWrapper

#: the ``Dict`` keys in the order of the flat row
KEYS = ("pd", "crossing_mask", "stats")


def flat_size(max_crossings: int) -> int:
    """Length of a flat row: ``4N`` labels, ``N`` crossing flags, 2 stats."""
    return 5 * max_crossings + 2


def flatten_diagram(obs: dict[str, np.ndarray]) -> np.ndarray:
    """The ``Dict`` observation (one env's, or a batch's) as int16 rows, :data:`KEYS` in order (steps clipped to ``2N``)."""
    pd = np.asarray(obs["pd"])
    batch, n = pd.shape[:-2], pd.shape[-2]
    stats = np.asarray(obs["stats"]).reshape(*batch, -1).copy()
    np.clip(stats, 0, 2 * n, out=stats)
    parts = [pd.reshape(*batch, -1), np.asarray(obs["crossing_mask"]).reshape(*batch, -1), stats]
    return np.concatenate(parts, axis=-1).astype(np.int16)


def flat_space(space: spaces.Dict) -> spaces.Box:
    """The Box of :func:`flatten_diagram` rows for a single env's ``Dict`` space."""
    n = int(space["pd"].shape[0])
    if 2 * n > np.iinfo(np.int16).max:
        raise ValueError(f"max_crossings {n} is beyond the int16 rows of the flat observation")
    size = flat_size(n)
    high = np.full(size, 2 * n, np.int16)
    high[4 * n : 5 * n] = 1  # the crossing flags
    high[5 * n] = n  # crossings
    return spaces.Box(np.zeros(size, np.int16), high, dtype=np.int16)


def is_diagram_space(space: Any) -> bool:
    return isinstance(space, spaces.Dict) and set(space.spaces) == set(KEYS)


def is_diagram_observation(obs: Any) -> bool:
    """Whether ``obs`` (one env's, or a batch's) is UnKnot-Diagram's ``Dict``."""
    return isinstance(obs, dict) and set(obs) == set(KEYS)


class FlatDiagramObservation(VectorObservationWrapper):
    """An UnKnot-Diagram vector env with :func:`flatten_diagram` rows as its observations (int16 Box)."""

    def __init__(self, env: gym.vector.VectorEnv) -> None:
        super().__init__(env)
        if not is_diagram_space(env.single_observation_space):
            raise ValueError(f"not an UnKnot-Diagram observation space: {env.single_observation_space}")
        self.single_observation_space = flat_space(env.single_observation_space)
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space, env.num_envs)

    def observations(self, observations: Any) -> Any:
        return flatten_diagram(observations)


__all__ = [
    "KEYS",
    "FlatDiagramObservation",
    "flat_size",
    "flat_space",
    "flatten_diagram",
    "is_diagram_observation",
    "is_diagram_space",
]
