"""Checks shared by the topology envs: injected generators and reward functions, integer sizes, vector-env seeds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def injected(name: str, value: Any, default: Callable[[], Any]) -> Any:
    """``value`` if it is callable (a generator ``rng -> instance`` or a reward function), ``default()`` if None.

    Why here: an env calls its generator only at ``reset``; checking at construction turns a late
    "'str' object is not callable" into an error that names the argument.
    """
    if value is None:
        return default()
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {value!r}")
    return value


def whole(name: str, value: Any) -> int:
    """An integer size (bools and floats refused, numpy integers accepted)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return int(value)


def vector_seeds(seed: int | list[int | None] | None, num_envs: int) -> list[int | None]:
    """One seed per env of a batched env's ``reset``, as ``SyncVectorEnv`` takes them (an int ``s``: env ``i`` gets ``s + i``)."""
    if seed is None:
        return [None] * num_envs
    if isinstance(seed, int):
        return [seed + i for i in range(num_envs)]
    seeds = list(seed)
    if len(seeds) != num_envs:
        raise ValueError(f"got {len(seeds)} seeds for {num_envs} envs")
    return seeds


def action_index(action: Any, n_actions: int) -> int:
    """The action as an index in ``[0, n_actions)``, or -1 (an illegal no-op) for anything else."""
    if isinstance(action, np.ndarray) and action.size == 1:
        action = action.reshape(()).item() if action.dtype.kind in "iu" else None
    if isinstance(action, (int, np.integer)) and not isinstance(action, bool):
        return int(action) if 0 <= action < n_actions else -1
    return -1
