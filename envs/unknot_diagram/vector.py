"""A batched UnKnot-Diagram-v0: B diagrams stepped at once by one numba loop.

Semantics are those of ``gymnasium.vector.SyncVectorEnv`` over
``UnKnotDiagramEnv`` with a ``TimeLimit``: same spaces, same seeding (env
``i`` is seeded with ``seed + i``), same rewards, masks and certificates, and
next-step auto-reset. Each row steps through the single env's own compiled
:func:`.core.step_row`, and every episode starts from the instance the
single env would draw (the default generator scrambles straight into the
row's arrays, from the same seed draw), so the two cannot drift;
``tests/test_unknot_diagram_vector.py`` checks them trajectory for trajectory.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space
from rigorgym.verifiers import pd_fast

from rigorgym.threads import PARALLEL_MIN_ROWS_PER_THREAD, parallel_rows

from ..injection import injected, vector_action_indices, vector_seeds, with_key_masks
from . import core
from .certificate import make_certificate
from .env import STATS, UnKnotDiagramEnv
from .generator import ScrambledUnknotGenerator
from .render import diagram_image, diagram_text
from .reward import DiagramReward, RewardFn
from .types import DiagramInstance

#: The observation keys, in the single env's order.
KEYS = ("pd", "crossing_mask", "stats")


class UnKnotDiagramVectorEnv(VectorEnv):
    """``num_envs`` copies of UnKnot-Diagram-v0 in stacked arrays (the ``vector_entry_point`` of every tier).

    The observation is the batched ``Dict`` of the single env's, each key a
    ``(num_envs, ...)`` array; ``info["action_mask"]`` is the ``(num_envs,
    n_actions)`` mask. Both are copies by default and the live buffers
    (overwritten by the next step) with ``copy=False``. ``info["certificate"]``
    is a ``(num_envs,)`` object array of whole certificate dicts (``None``
    where ``info["_certificate"]`` is False), ready for ``verify``.
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": ["ansi", "rgb_array"]}

    def __init__(
        self,
        num_envs: int = 1,
        generator: Any = None,
        max_crossings: int = 64,
        reach: int = 3,
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
        self._loader = UnKnotDiagramEnv(generator=lambda rng: None, max_crossings=max_crossings, reach=reach)
        self.layout = self._loader.layout
        self.max_crossings, self.reach = int(max_crossings), int(reach)
        self.num_envs = num_envs
        self.generator = injected("generator", generator, ScrambledUnknotGenerator)
        self.reward_fn: RewardFn = injected("reward_fn", reward_fn, DiagramReward)
        self.single_observation_space = self._loader.observation_space
        self.single_action_space = spaces.Discrete(self.layout.size)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = spaces.MultiDiscrete(np.full(num_envs, self.layout.size))
        self.max_episode_steps = max_episode_steps
        self.render_mode = render_mode
        self.copy = copy
        b, cap = num_envs, self.max_crossings + 2
        self._flat = np.zeros((b, 4 * cap), pd_fast.INDEX)
        self._out = np.zeros((b, 4 * cap), np.int8)
        self._other = np.zeros((b, 4 * cap), pd_fast.INDEX)
        self._tails = np.zeros((b, 2 * cap + 2), pd_fast.INDEX)
        self._meta = np.zeros((b, 2), np.int64)
        self._first = np.zeros((b, 2 * cap + 8), pd_fast.INDEX)
        self._scratch = np.zeros((b, 16 * cap), pd_fast.INDEX)  # as pd_fast.Buffers
        self._masks = np.zeros((b, self.layout.size), bool)
        self._obs: dict[str, np.ndarray] = {
            "pd": np.zeros((b, self.max_crossings, 4), np.int64),
            "crossing_mask": np.zeros((b, self.max_crossings), np.int8),
            "stats": np.zeros((b, len(STATS)), np.int64),
        }
        self._history = np.zeros((b, 64, 5), np.int64)
        self._n_moves = np.zeros(b, np.int64)
        self._steps = np.zeros(b, np.int64)
        self._needs_reset = np.zeros(b, bool)
        self._instances: list[DiagramInstance | None] = [None] * b
        self._seeds: list[int | None] = [None] * b
        self._rngs = [seeding.np_random()[0] for _ in range(b)]
        self._scramble_mask = np.zeros(0, bool)

    # -- Gymnasium API -------------------------------------------------------------

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Reset every env; ``options={"instance": ...}`` starts each on that diagram, as the single env does."""
        seeds = vector_seeds(seed, self.num_envs)
        given = (options or {}).get("instance")
        if given is not None and not isinstance(given, DiagramInstance):
            given = DiagramInstance.from_instance(given)
        for i, s in enumerate(seeds):
            if s is not None:
                self._rngs[i], _ = seeding.np_random(s)
                self._seeds[i] = s
            self._start(i, given)
        self._needs_reset[:] = False
        return self._observation(), self._info({})

    def step(self, actions: Any) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        actions = self._action_indices(actions)
        skip = self._needs_reset
        resetting = bool(skip.any())
        for i in np.flatnonzero(skip) if resetting else ():
            self._start(int(i), None)
        if self._n_moves.max() >= self._history.shape[1]:
            self._grow_history()
        b = self.num_envs
        before = self._meta[:, 0].copy()
        result = np.empty(b, np.int64)
        state = (self._flat, self._out, self._other, self._tails, self._meta, self._first, self._scratch)
        view = (self._obs["pd"], self._obs["crossing_mask"], self._obs["stats"])
        args = (
            state, view, self.max_crossings, self.reach, actions, skip, self._masks, self._history, self._n_moves,
            self._steps, result,
        )  # fmt: skip
        if b < 2 * PARALLEL_MIN_ROWS_PER_THREAD:  # one thread anyway: skip the thread-count switch
            core.step_batch_serial(*args, 1)
        else:
            with parallel_rows(b) as threads:  # one thread per 512 rows at most (rigorgym.threads)
                (core.step_batch if threads > 1 else core.step_batch_serial)(*args, threads)
        if (result == core.KERNEL_BUG).any():
            bad = int(np.flatnonzero(result == core.KERNEL_BUG)[0])
            raise RuntimeError(f"env {bad}: the mask allowed action {actions[bad]} but the kernel refused it (a bug)")
        legal = result == core.APPLIED
        stepped = ~skip
        solved = stepped & (self._meta[:, 0] == 0) & (self._meta[:, 1] == 1)
        rewards = np.array(
            np.broadcast_to(
                self.reward_fn(before, self._meta[:, 0], legal.astype(np.int64), solved.astype(np.int64)), b
            ),
            dtype=np.float64,
        )
        truncated = np.zeros(b, bool)
        if resetting:
            rewards[skip] = 0.0
        if self.max_episode_steps is not None:
            truncated = stepped & (self._steps >= self.max_episode_steps)
        self._needs_reset = solved | truncated
        info = self._info({"illegal_action": stepped & ~legal})
        info["_illegal_action"] = stepped  # a reset env has no such key in SyncVectorEnv
        if solved.any():
            certificates = np.full(b, None, dtype=object)
            for i in np.flatnonzero(solved):
                certificates[i] = self.certificate(int(i))
            info["certificate"], info["_certificate"] = certificates, solved.copy()
        return self._observation(), rewards, solved, truncated, info

    def render(self) -> tuple[Any, ...] | None:
        if self.render_mode == "ansi":
            return tuple(diagram_text(self.diagram(i), int(self._n_moves[i])) for i in range(self.num_envs))
        if self.render_mode == "rgb_array":
            return tuple(diagram_image(self.diagram(i), f"env {i}") for i in range(self.num_envs))
        return None

    # -- rigorgym API ----------------------------------------------------------------

    def action_masks(self) -> np.ndarray:
        """The ``(num_envs, n_actions)`` mask of legal actions (the live buffer)."""
        return self._masks

    def diagram(self, i: int) -> Any:
        """Env ``i``'s current diagram as a kernel :class:`~rigorgym.verifiers.pd.PD`."""
        return pd_fast.to_pd(self._row(i))

    def moves(self, i: int) -> list[dict[str, Any]]:
        """The kernel moves of the legal actions played in env ``i``'s episode."""
        return [pd_fast.to_json(m) for m in self._history[i, : self._n_moves[i]]]

    def certificate(self, i: int) -> dict[str, Any]:
        """Env ``i``'s certificate (valid once its episode is won)."""
        instance = self._instances[i]
        assert instance is not None
        return make_certificate(instance, self.moves(i), seed=self._seeds[i])

    def instance(self, i: int) -> DiagramInstance | None:
        return self._instances[i]

    # -- internals ---------------------------------------------------------------------

    def _action_indices(self, actions: Any) -> np.ndarray:
        return vector_action_indices(actions, self.num_envs, self.layout.size)

    def _row(self, i: int) -> pd_fast.Buffers:
        """Row ``i``'s arrays as a :class:`pd_fast.Buffers` (views: writes land in the batch)."""
        buffers = pd_fast.Buffers(0)
        buffers.cap = self.max_crossings + 2
        buffers.flat, buffers.out, buffers.other, buffers.tails = (
            self._flat[i],
            self._out[i],
            self._other[i],
            self._tails[i],
        )
        buffers.meta, buffers.first, buffers.scratch = self._meta[i], self._first[i], self._scratch[i]
        return buffers

    def _start(self, i: int, given: DiagramInstance | None) -> None:
        """Start row ``i`` on ``given`` or a drawn instance (the default generator scrambles in place)."""
        rng = self._rngs[i]
        gen = self.generator
        if given is None and type(gen) is ScrambledUnknotGenerator and gen.crossings <= self.max_crossings:
            row = self._row(i)
            gen.scramble(int(rng.integers(0, 2**63)), row)  # the draw ScrambledUnknotGenerator.__call__ makes
            n = int(self._meta[i, 0])
            flat = self._flat[i, : 4 * n].tolist()
            instance = DiagramInstance.of_kernel_diagram(tuple(tuple(flat[4 * k : 4 * k + 4]) for k in range(n)))
            pd_fast.fill_mask(
                self._flat[i], self._out[i], self._other[i], n, self.max_crossings, self.reach, self._masks[i],
                self._scratch[i], -1,
            )  # fmt: skip
        else:
            instance = gen(rng) if given is None else given
            one = self._loader
            one.load(instance)
            b = one._buffers
            size = b.flat.shape[0]
            self._flat[i, :size], self._out[i, :size], self._other[i, :size] = b.flat, b.out, b.other
            self._tails[i, : b.tails.shape[0]], self._meta[i] = b.tails, b.meta
            self._masks[i] = one._mask
        self._instances[i] = instance
        self._n_moves[i] = 0
        self._steps[i] = 0
        core.write_observation(
            self._flat[i],
            self._meta[i],
            0,
            self._obs["pd"][i],
            self._obs["crossing_mask"][i],
            self._obs["stats"][i],
            -1,
        )

    def _grow_history(self) -> None:
        """Double the per-env move records when a step could overflow them."""
        rows, length, width = self._history.shape
        grown = np.zeros((rows, 2 * length, width), np.int64)
        grown[:, :length] = self._history
        self._history = grown

    def _info(self, extra: dict[str, np.ndarray]) -> dict[str, Any]:
        """Per-env info arrays with Gymnasium's ``_key`` masks, as ``SyncVectorEnv`` gives them."""
        info: dict[str, Any] = {
            "action_mask": self._masks.copy() if self.copy else self._masks,
            "crossings": self._meta[:, 0].copy(),
            "steps": self._n_moves.copy(),
            **extra,
        }
        return with_key_masks(info, self.num_envs)

    def _observation(self) -> dict[str, np.ndarray]:
        if self.copy:
            return {key: self._obs[key].copy() for key in KEYS}
        return dict(self._obs)
