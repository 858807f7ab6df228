"""A batched AndrewsCurtis-v0: B presentations stepped at once by one numba loop.

Semantics are those of ``gymnasium.vector.SyncVectorEnv`` over
``AndrewsCurtisEnv`` with a ``TimeLimit``: same spaces, same seeding (env
``i`` is seeded with ``seed + i``), same rewards, masks and certificates, and
next-step auto-reset. Each row steps through the single env's own compiled
:func:`.core.step_row`, and every episode starts from the instance the single
env would draw (the default generator scrambles straight into the row, from
the same seed draw), so the two cannot drift;
``tests/test_andrews_curtis_vector.py`` checks them trajectory for trajectory.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space
from rigorgym.verifiers.andrews_curtis import SOURCE_MOVES

from rigorgym.threads import PARALLEL_MIN_ROWS_PER_THREAD, parallel_rows

from ..injection import injected, vector_action_indices, vector_seeds, with_key_masks
from . import core
from .certificate import make_certificate
from .env import AndrewsCurtisEnv
from .generator import ScrambledTrivialGenerator, _instance
from .render import presentation_image, presentation_text
from .reward import ACReward, RewardFn
from .types import PresentationInstance


class AndrewsCurtisVectorEnv(VectorEnv):
    """``num_envs`` copies of AndrewsCurtis-v0 in stacked arrays (the ``vector_entry_point`` of every tier).

    The observation is ``(num_envs, 2 L)`` int8, the single env's stacked;
    ``info["action_mask"]`` is the ``(num_envs, 12)`` mask. Both are copies by
    default and the live buffers (overwritten by the next step) with
    ``copy=False``. ``info["certificate"]`` is a ``(num_envs,)`` object array of
    whole certificate dicts (``None`` where ``info["_certificate"]`` is False),
    ready for ``verify``.
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": ["ansi", "rgb_array"]}

    def __init__(
        self,
        num_envs: int = 1,
        generator: Any = None,
        max_relator_length: int = 36,
        horizon: int = 1000,
        reward_fn: RewardFn | None = None,
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
        copy: bool = True,
    ) -> None:
        if num_envs < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        # The single env validates and loads every instance that is not scrambled in place: one code path.
        self._loader = AndrewsCurtisEnv(lambda rng: None, max_relator_length=max_relator_length, horizon=horizon)
        length = self.max_relator_length = self._loader.max_relator_length
        self.horizon = self._loader.horizon
        self.num_envs = num_envs
        self.generator = injected("generator", generator, lambda: ScrambledTrivialGenerator(max_relator_length=length))
        self.reward_fn: RewardFn = injected("reward_fn", reward_fn, lambda: ACReward.source(self.horizon, length))
        self.single_observation_space = self._loader.observation_space
        self.single_action_space = spaces.Discrete(core.N_ACTIONS)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = spaces.MultiDiscrete(np.full(num_envs, core.N_ACTIONS))
        self.max_episode_steps = max_episode_steps
        self.render_mode = render_mode
        self.copy = copy
        b = num_envs
        self._rel = np.zeros((b, 2 * length), np.int8)
        self._meta = np.zeros((b, 3), np.int32)
        self._masks = np.zeros((b, core.N_ACTIONS), bool)
        self._history = np.zeros((b, 64), np.int8)
        self._n_moves = np.zeros(b, np.int64)
        self._steps = np.zeros(b, np.int64)
        self._needs_reset = np.zeros(b, bool)
        self._result = np.zeros(b, np.int64)
        self._solved = np.zeros(b, bool)
        self._lengths = np.zeros(b, np.int64)
        self._instances: list[PresentationInstance | None] = [None] * b
        self._seeds: list[int | None] = [None] * b
        self._rngs = [seeding.np_random()[0] for _ in range(b)]

    # -- Gymnasium API -------------------------------------------------------------

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every env; ``options={"instance": ...}`` starts each on that presentation, as the single env does."""
        seeds = vector_seeds(seed, self.num_envs)
        given = (options or {}).get("instance")
        if given is not None and not isinstance(given, PresentationInstance):
            given = PresentationInstance.from_instance(given)
        for i, s in enumerate(seeds):
            if s is not None:
                self._rngs[i], _ = seeding.np_random(s)
                self._seeds[i] = s
            self._start(i, given)
        self._needs_reset[:] = False
        return self._observation(), self._info({})

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        actions = self._action_indices(actions)
        skip = self._needs_reset
        resetting = bool(skip.any())
        for i in np.flatnonzero(skip) if resetting else ():
            self._start(int(i), None)
        if self._n_moves.max() >= self._history.shape[1]:
            self._grow_history()
        b = self.num_envs
        before = self._meta[:, 0] + self._meta[:, 1]
        result, solved, lengths = self._result, self._solved, self._lengths
        args = (
            self._rel, self._meta, self.max_relator_length, actions, skip, self._masks, self._history, self._n_moves,
            self._steps, result, solved, lengths,
        )  # fmt: skip
        if b < 2 * PARALLEL_MIN_ROWS_PER_THREAD:  # one thread anyway: skip the thread-count switch
            core.step_batch_serial(*args, 1)
        else:
            with parallel_rows(b) as threads:  # one thread per 512 rows at most (rigorgym.threads)
                (core.step_batch if threads > 1 else core.step_batch_serial)(*args, threads)
        legal = result == core.APPLIED
        stepped = ~skip
        rewards = np.array(
            np.broadcast_to(self.reward_fn(before, lengths, legal.astype(np.int64), solved.astype(np.int64)), b),
            dtype=np.float64,
        )
        truncated = np.zeros(b, bool)
        if resetting:
            rewards[skip] = 0.0
        if self.max_episode_steps is not None:
            truncated = stepped & (self._steps >= self.max_episode_steps)
        terminated = solved.copy()
        self._needs_reset = terminated | truncated
        info = self._info({"illegal_action": stepped & ~legal})
        info["_illegal_action"] = stepped  # a reset env has no such key in SyncVectorEnv
        if terminated.any():
            certificates = np.full(b, None, dtype=object)
            for i in np.flatnonzero(terminated):
                certificates[i] = self.certificate(int(i))
            info["certificate"], info["_certificate"] = certificates, terminated.copy()
        return self._observation(), rewards, terminated, truncated, info

    def render(self) -> tuple[Any, ...] | None:
        if self.render_mode == "ansi":
            return tuple(
                presentation_text(self.relators(i), int(self._n_moves[i]), f"env {i}") for i in range(self.num_envs)
            )
        if self.render_mode == "rgb_array":
            return tuple(presentation_image(self.relators(i), self.max_relator_length) for i in range(self.num_envs))
        return None

    # -- rigorgym API ----------------------------------------------------------------

    def action_masks(self) -> np.ndarray:
        """The ``(num_envs, 12)`` mask of legal actions (the live buffer)."""
        return self._masks

    def relators(self, i: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Env ``i``'s current relators."""
        length, meta = self.max_relator_length, self._meta[i]
        row = self._rel[i].tolist()
        return tuple(row[: meta[0]]), tuple(row[length : length + meta[1]])

    def actions(self, i: int) -> list[int]:
        """The legal actions played in env ``i``'s episode."""
        return [int(a) for a in self._history[i, : self._n_moves[i]]]

    def moves(self, i: int) -> list[dict[str, Any]]:
        """The kernel moves of the legal actions played in env ``i``'s episode."""
        return [dict(SOURCE_MOVES[a]) for a in self.actions(i)]

    def certificate(self, i: int) -> dict[str, Any]:
        """Env ``i``'s certificate (valid once its episode is won)."""
        instance = self._instances[i]
        assert instance is not None
        return make_certificate(instance, self.moves(i), seed=self._seeds[i])

    def instance(self, i: int) -> PresentationInstance | None:
        return self._instances[i]

    # -- internals ---------------------------------------------------------------------

    def _action_indices(self, actions: Any) -> np.ndarray:
        return vector_action_indices(actions, self.num_envs, core.N_ACTIONS)

    def _start(self, i: int, given: PresentationInstance | None) -> None:
        """Start row ``i`` on ``given`` or a drawn instance (the default generator scrambles in place)."""
        rng = self._rngs[i]
        gen = self.generator
        length = self.max_relator_length
        if given is None and type(gen) is ScrambledTrivialGenerator and gen.max_relator_length == length:
            # the draw ScrambledTrivialGenerator.__call__ makes, scrambled straight into the row
            gen.scramble(int(rng.integers(0, 2**63)), self._rel[i], self._meta[i], self._masks[i])
            instance = _instance(self._rel[i], self._meta[i], length)
        else:
            instance = gen(rng) if given is None else given
            one = self._loader
            one.load(instance)
            self._rel[i], self._meta[i], self._masks[i] = one._rel, one._meta, one._mask
        self._instances[i] = instance
        self._n_moves[i] = 0
        self._steps[i] = 0

    def _grow_history(self) -> None:
        """Double the per-env action records when a step could overflow them."""
        rows, length = self._history.shape
        grown = np.zeros((rows, 2 * length), np.int8)
        grown[:, :length] = self._history
        self._history = grown

    def _info(self, extra: dict[str, np.ndarray]) -> dict[str, Any]:
        """Per-env info arrays with Gymnasium's ``_key`` masks, as ``SyncVectorEnv`` gives them."""
        info: dict[str, Any] = {
            "action_mask": self._masks.copy() if self.copy else self._masks,
            "length": (self._meta[:, 0] + self._meta[:, 1]).astype(np.int64),
            "steps": self._n_moves.copy(),
            **extra,
        }
        return with_key_masks(info, self.num_envs)

    def _observation(self) -> np.ndarray:
        return self._rel.copy() if self.copy else self._rel
