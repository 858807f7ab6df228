"""A batched UnKnot-v0: B braids stepped at once by one numba loop.

Semantics are those of ``gymnasium.vector.SyncVectorEnv`` over ``UnKnotEnv``
with a ``TimeLimit``: same spaces, same seeding (env ``i`` is seeded with
``seed + i``), same rewards and masks, and next-step auto-reset. Tests
check this trajectory for trajectory.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rigorgym.threads import parallel_rows

from ..injection import vector_seeds
from . import core
from .actions import ActionLayout
from .env import ObservationMode, action_index, make_certificate, observation_space, write_row
from .generator import ScrambleGenerator
from .render import braid_text
from .reward import RewardFn, UnknotReward
from .types import BraidInstance


class UnKnotVectorEnv(VectorEnv):
    """``num_envs`` copies of UnKnot-v0 in shared arrays (the ``vector_entry_point`` of every UnKnot id).

    ``info["action_mask"]`` is the ``(num_envs, n_actions)`` mask, and the
    observation the ``(num_envs, max_length + 1)`` rows: copies by default,
    the live buffers (overwritten by the next step) with ``copy=False``, as in
    Gymnasium's vector envs.

    ``info["certificate"]`` differs from ``SyncVectorEnv`` on purpose: here it
    is a ``(num_envs,)`` object array whose entry ``i`` is env ``i``'s whole
    certificate dict (``None`` where ``info["_certificate"]`` is False), so
    ``verify(info["certificate"][i])`` works as is. ``SyncVectorEnv`` merges
    dict-valued infos key by key into a nested dict of arrays
    (``info["certificate"]["moves"][i]``, ``["instance"]["braid"]["word"][i]``,
    ``["meta"]["seed"][i]``, each level with its own ``_key`` masks), from
    which a certificate must be rebuilt. Only the key ``"certificate"`` and
    its mask ``"_certificate"`` (set only at a step where some env won) are
    shared; ``tests/test_cli_edges.py`` pins both shapes.
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": ["ansi"]}

    def __init__(
        self,
        num_envs: int = 1,
        generator: Any = None,
        max_length: int = 128,
        max_strands: int = 8,
        observation: ObservationMode = "flat",
        reward_fn: RewardFn | None = None,
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
        copy: bool = True,
    ) -> None:
        if num_envs < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        self.num_envs = num_envs
        self.generator = generator if generator is not None else ScrambleGenerator()
        self.layout = ActionLayout(max_length, max_strands)
        self.observation_mode = observation
        self.single_observation_space = observation_space(max_length, max_strands, observation)
        self.single_action_space = spaces.Discrete(self.layout.n_actions)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = spaces.MultiDiscrete(np.full(num_envs, self.layout.n_actions))
        self.reward_fn: RewardFn = reward_fn if reward_fn is not None else UnknotReward()
        self.max_episode_steps = max_episode_steps
        self.render_mode = render_mode
        self.copy = copy
        self._rows = np.zeros((num_envs, max_length + 1), np.int8)
        self._lengths = np.zeros(num_envs, np.int64)
        self._steps = np.zeros(num_envs, np.int64)
        self._masks = np.zeros((num_envs, self.layout.n_actions), bool)
        self._needs_reset = np.zeros(num_envs, bool)
        self._history = np.zeros((num_envs, 64), np.int32)
        self._instances: list[BraidInstance | None] = [None] * num_envs
        self._seeds: list[int | None] = [None] * num_envs
        self._rngs = [seeding.np_random()[0] for _ in range(num_envs)]

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        seeds = vector_seeds(seed, self.num_envs)
        for i, s in enumerate(seeds):
            if s is not None:
                self._rngs[i], _ = seeding.np_random(s)
                self._seeds[i] = s
            self._reset_one(i)
        self._needs_reset[:] = False
        for i in range(self.num_envs):
            core.fill_mask(
                self._rows[i], int(self._lengths[i]), self.layout.max_length, self.layout.max_strands, self._masks[i]
            )
        return self._observation(), self._info(self._masks.copy() if self.copy else self._masks, {})

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        actions = self._action_indices(actions)
        skip = self._needs_reset.copy()
        self._reset_many(np.flatnonzero(skip).tolist())
        prev_lengths = self._lengths.copy()
        prev_strands = self._rows[:, 0].copy()
        legal = np.zeros(self.num_envs, bool)
        kind, pos, gen = self.layout.tables
        masks = np.empty_like(self._masks) if self.copy else self._masks
        self._grow_history()
        with parallel_rows(self.num_envs):  # one thread below 512 rows per thread (rigorgym.threads)
            core.step_batch(
                self._rows, self._lengths, actions, skip, kind, pos, gen,
                self.layout.max_length, self.layout.max_strands, legal, self._masks, masks, self.copy,
                self._steps, self._history,
            )  # fmt: skip
        strands = self._rows[:, 0]
        solved = (strands == 1) & (self._lengths == 0) & ~skip
        rewards = np.asarray(
            self.reward_fn(
                prev_lengths, prev_strands, self._lengths, strands, legal.astype(np.int64), solved.astype(np.int64)
            ),
            dtype=np.float64,
        )
        rewards[skip] = 0.0
        stepped = ~skip
        terminated = solved
        truncated = np.zeros(self.num_envs, bool)
        if self.max_episode_steps is not None:
            truncated = stepped & (self._steps >= self.max_episode_steps)
        self._needs_reset = terminated | truncated
        info = self._info(masks, {"illegal_action": stepped & ~legal})
        if solved.any():
            certificates = np.full(self.num_envs, None, dtype=object)
            for i in np.flatnonzero(solved):
                certificates[i] = self.certificate(int(i))
            info["certificate"], info["_certificate"] = certificates, solved.copy()
        return self._observation(), rewards, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """The ``(num_envs, n_actions)`` mask of legal actions."""
        return self._masks

    def render(self) -> tuple[str, ...] | None:  # type: ignore[override]  # gymnasium: an unbound TypeVar
        if self.render_mode == "ansi":
            return tuple(braid_text(*self.braid(i)) for i in range(self.num_envs))
        return None

    def braid(self, i: int) -> tuple[int, tuple[int, ...]]:
        """The current ``(strands, word)`` of env ``i``."""
        return int(self._rows[i, 0]), tuple(int(x) for x in self._rows[i, 1 : 1 + self._lengths[i]])

    def moves(self, i: int) -> list[dict[str, Any]]:
        """The kernel moves played so far in env ``i``'s episode."""
        played = self._history[i, : self._steps[i]]
        return [self.layout.to_move(int(a)) for a in played if a >= 0]

    def certificate(self, i: int) -> dict[str, Any]:
        instance = self._instances[i]
        assert instance is not None
        return make_certificate(instance, self.moves(i), self._seeds[i])

    # -- internals ---------------------------------------------------------------------

    def _action_indices(self, actions: Any) -> np.ndarray:
        """Integer actions as int64; anything that is not an in-range integer becomes -1 (an illegal no-op)."""
        arr = np.asarray(actions) if not isinstance(actions, np.ndarray) else actions
        if arr.shape != (self.num_envs,):
            raise ValueError(f"expected {self.num_envs} actions, got an array of shape {arr.shape}")
        n = self.layout.n_actions
        if arr.dtype.kind in "iu":
            out = arr.astype(np.int64)  # uint64 values past 2**63 wrap negative: still illegal
            out[(out < 0) | (out >= n)] = -1
            return out
        return np.array([action_index(x, n) for x in arr.tolist()], np.int64)

    def _reset_one(self, i: int) -> None:
        self._start(i, self.generator(self._rngs[i]))

    def _reset_many(self, envs: list[int]) -> None:
        """Reset several envs; a generator with a ``batch`` method draws their instances in one call."""
        if len(envs) > 1 and hasattr(self.generator, "batch"):
            for i, instance in zip(envs, self.generator.batch([self._rngs[i] for i in envs]), strict=True):
                self._start(i, instance)
        else:
            for i in envs:
                self._reset_one(i)

    def _start(self, i: int, instance: BraidInstance) -> None:
        self._lengths[i] = write_row(self._rows[i], instance, self.layout)
        self._instances[i] = instance
        self._steps[i] = 0

    def _info(self, masks: np.ndarray, extra: dict[str, np.ndarray]) -> dict[str, Any]:
        """Per-env info arrays with Gymnasium's ``_key`` masks, as ``SyncVectorEnv`` gives them."""
        every = np.ones(self.num_envs, bool)
        info: dict[str, Any] = {
            "action_mask": masks,
            "length": self._lengths.copy(),
            "strands": self._rows[:, 0].astype(np.int64),
            **extra,
        }
        for key in list(info):
            info[f"_{key}"] = every
        return info

    def _grow_history(self) -> None:
        """Double the per-env action history when a step could overflow it."""
        if self._steps.max(initial=0) >= self._history.shape[1]:
            grown = np.zeros((self.num_envs, 2 * self._history.shape[1]), np.int32)
            grown[:, : self._history.shape[1]] = self._history
            self._history = grown

    def _observation(self) -> Any:
        if self.observation_mode == "flat":
            return self._rows.copy() if self.copy else self._rows
        return {
            "strands": self._rows[:, :1].copy(),
            "length": self._lengths[:, None].astype(np.int32),
            "word": self._rows[:, 1:].copy(),
        }
