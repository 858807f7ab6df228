"""Checks shared by the topology envs: injected generators and reward functions, integer sizes, vector-env seeds."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

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


def vector_action_indices(actions: Any, num_envs: int, n_actions: int) -> np.ndarray:
    """A vector env's actions as int64 indices: integer arrays pass as they are (the compiled step refuses
    out-of-range ones; uint64 values past 2**63 wrap negative, still out of range), anything else element by
    element through :func:`action_index` (-1: an illegal no-op). A wrong shape is a ValueError."""
    arr = actions if isinstance(actions, np.ndarray) else np.asarray(actions)
    if arr.shape != (num_envs,):
        raise ValueError(f"expected {num_envs} actions, got an array of shape {arr.shape}")
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    return np.array([action_index(x, n_actions) for x in arr.tolist()], np.int64)


def with_key_masks(info: dict[str, Any], num_envs: int) -> dict[str, Any]:
    """Gymnasium's ``_key`` masks (every env has every key), as ``SyncVectorEnv`` gives them."""
    every = np.ones(num_envs, bool)
    for key in list(info):
        info[f"_{key}"] = every
    return info


def action_index(action: Any, n_actions: int) -> int:
    """The action as an index in ``[0, n_actions)``, or -1 (an illegal no-op) for anything else."""
    if isinstance(action, np.ndarray) and action.size == 1:
        action = action.reshape(()).item() if action.dtype.kind in "iu" else None
    if isinstance(action, (int, np.integer)) and not isinstance(action, bool):
        return int(action) if 0 <= action < n_actions else -1
    return -1


Instance = TypeVar("Instance")


def reset_instance(
    options: dict[str, Any] | None, generator: Callable[[np.random.Generator], Any], rng: np.random.Generator,
    instance_type: type[Instance],
) -> Instance:  # fmt: skip
    """The instance an env's ``reset`` plays: ``options["instance"]`` (an ``instance_type`` or its §2.4
    object, read by ``instance_type.from_instance``) or else a draw from the injected ``generator``."""
    given = (options or {}).get("instance")
    if given is None:
        return generator(rng)
    if isinstance(given, instance_type):
        return given
    return instance_type.from_instance(given)  # type: ignore[attr-defined]


@dataclass
class ListGenerator(Generic[Instance]):
    """Uniform draws from a fixed list of instances, or the list in order (cycling) when ``shuffle`` is False."""

    instances: tuple[Instance, ...]
    shuffle: bool = True
    _next: int = 0

    def __call__(self, rng: np.random.Generator) -> Instance:
        if self.shuffle:
            return self.instances[int(rng.integers(len(self.instances)))]
        instance = self.instances[self._next % len(self.instances)]
        self._next += 1
        return instance


def copy_sharing_instances(generator: Any) -> Any:
    """A copy of a suite generator whose loaded instance tuples are shared, not copied.

    ``gym.make`` deep-copies a registration's kwargs for every env; a suite generator that has loaded its
    suite would copy every instance each time (1.7 s for the 1,000 plumbing pairs). The instances are never
    mutated, so the copy shares them and gets its own cursor (``_next``, for draws in order).
    """
    clone = copy.copy(generator)
    object.__setattr__(clone, "_loaded", [copy.copy(loaded) for loaded in generator._loaded])
    return clone
