"""A batched Kirby-Plumbing-v0: B graph pairs stepped at once by one numba loop.

Semantics are those of ``gymnasium.vector.SyncVectorEnv`` over
``KirbyPlumbingEnv`` with a ``TimeLimit``: same spaces, same seeding (env
``i`` is seeded with ``seed + i``), same rewards, masks and certificates, and
next-step auto-reset. Each row runs the single env's own numba ``core.step``
(through ``core.step_batch``) and each reset the single env's own ``load``, so
the two cannot drift; ``tests/test_plumbing_vector.py`` checks them
trajectory for trajectory.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space
from rigorgym.verifiers.plumbing import PlumbingGraph, isomorphic

from rigorgym.threads import PARALLEL_MIN_ROWS_PER_THREAD, parallel_rows

from ..injection import injected, vector_action_indices, vector_seeds, with_key_masks
from . import core
from .actions import ActionLayout
from .env import KirbyPlumbingEnv, make_certificate, observation_space, record_to_move
from .generator import RiPutrovGenerator
from .render import pair_image, pair_text
from .reward import PlumbingReward, RewardFn
from .types import PlumbingInstance

#: The observation keys, in the single env's order.
KEYS = ("nodes", "edges", "node_mask", "edge_mask")


class KirbyPlumbingVectorEnv(VectorEnv):
    """``num_envs`` copies of Kirby-Plumbing-v0 in stacked arrays (the ``vector_entry_point`` of every tier).

    The observation is the batched ``Dict`` (``batch_space`` of the single
    env's), each key a ``(num_envs, ...)`` array; ``info["action_mask"]`` is
    the ``(num_envs, n_actions)`` mask. Both are copies by default and the
    live buffers (overwritten by the next step) with ``copy=False``.

    Two infos differ in shape from ``SyncVectorEnv`` on purpose:
    ``info["certificate"]`` is a ``(num_envs,)`` object array of whole
    certificate dicts (``None`` where ``info["_certificate"]`` is False),
    ready for ``verify``, where ``SyncVectorEnv`` merges them key by key into
    a nested dict of arrays; and ``info["nodes"]`` is a ``(num_envs, 2)``
    int64 array where ``SyncVectorEnv`` gives an object array of tuples.
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": ["ansi", "rgb_array"]}

    def __init__(
        self,
        num_envs: int = 1,
        generator: Any = None,
        max_nodes: int = 32,
        extrude_d: int = 2,
        extrude_neighbours: int = 3,
        weight_limit: int = 10_000,
        reward_fn: RewardFn | None = None,
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
        copy: bool = True,
    ) -> None:
        if num_envs < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        # The single env loads every instance (validation, slot order, mask, observation): one code path.
        self._loader = KirbyPlumbingEnv(
            generator=lambda rng: None, max_nodes=max_nodes, extrude_d=extrude_d,
            extrude_neighbours=extrude_neighbours, weight_limit=weight_limit,
        )  # fmt: skip
        self.num_envs = num_envs
        self.layout: ActionLayout = self._loader.layout
        self._n_actions = self.layout.n_actions
        self.generator = injected(
            "generator", generator, lambda: RiPutrovGenerator(6, 10, max_nodes=min(max_nodes, 32))
        )
        self.weight_limit = weight_limit
        self.reward_fn: RewardFn = injected("reward_fn", reward_fn, PlumbingReward)
        self.single_observation_space = observation_space(max_nodes, weight_limit)
        self.single_action_space = spaces.Discrete(self.layout.n_actions)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = spaces.MultiDiscrete(np.full(num_envs, self.layout.n_actions))
        self.max_episode_steps = max_episode_steps
        self.render_mode = render_mode
        self.copy = copy
        n, b = max_nodes, num_envs
        self._consts = (n, extrude_d, extrude_neighbours, weight_limit)
        self._ids = np.zeros((b, 2, n), np.int64)
        self._weights = np.zeros((b, 2, n), np.int64)
        self._degree = np.zeros((b, 2, n), np.int64)
        self._adj = np.zeros((b, 2, n, n), np.int8)
        self._count = np.zeros((b, 2), np.int64)
        self._masks = np.zeros((b, self.layout.n_actions), bool)
        self._obs: dict[str, np.ndarray] = {  # the single env's buffers with a batch axis
            "nodes": np.zeros((b, 2 * n, 3), np.float32),
            "edges": np.zeros((b, 2 * (n - 1), 2), np.int64),
            "node_mask": np.zeros((b, 2 * n), np.int8),
            "edge_mask": np.zeros((b, 2 * (n - 1)), np.int8),
        }
        # the records of each env's legal moves (core.record: 6 fields, then up to K moved neighbours)
        self._history = np.zeros((b, 32, 6 + extrude_neighbours), np.int64)
        self._n_moves = np.zeros(b, np.int64)
        self._steps = np.zeros(b, np.int64)
        self._complexity = np.zeros(b, np.int64)
        self._solved = np.zeros(b, bool)
        self._needs_reset = np.zeros(b, bool)
        self._instances: list[PlumbingInstance | None] = [None] * b
        self._seeds: list[int | None] = [None] * b
        self._rngs = [seeding.np_random()[0] for _ in range(b)]

    # -- Gymnasium API -------------------------------------------------------------

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Reset every env; ``options={"instance": ...}`` starts each on that pair, as the single env does."""
        seeds = vector_seeds(seed, self.num_envs)
        given = (options or {}).get("instance")
        if given is not None and not isinstance(given, PlumbingInstance):
            given = PlumbingInstance.from_instance(given)
        for i, s in enumerate(seeds):
            if s is not None:
                self._rngs[i], _ = seeding.np_random(s)
                self._seeds[i] = s
            self._start(i, given)
        self._needs_reset[:] = False
        return self._observation(), self._info(self._masks.copy() if self.copy else self._masks, {})

    def step(self, actions: Any) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        actions = self._action_indices(actions)
        skip = self._needs_reset
        resetting = bool(skip.any())
        for i in np.flatnonzero(skip) if resetting else ():
            self._start(int(i), None)
        if self._n_moves.max() >= self._history.shape[1]:
            self._grow_history()
        b = self.num_envs
        legal, totals, maybe = np.empty(b, bool), np.empty(b, np.int64), np.empty(b, bool)
        args = (
            self._ids, self._weights, self._degree, self._adj, self._count, actions, skip, *self._consts,
            self._masks, self._obs["nodes"], self._obs["edges"], self._obs["node_mask"], self._obs["edge_mask"],
            self._history, self._n_moves, legal, totals, maybe,
        )  # fmt: skip
        if b < 2 * PARALLEL_MIN_ROWS_PER_THREAD:  # one thread anyway: skip the thread-count switch
            core.step_batch_serial(*args)
        else:
            with parallel_rows(b) as threads:  # one thread per 512 rows at most (rigorgym.threads)
                (core.step_batch if threads > 1 else core.step_batch_serial)(*args)
        before, self._complexity = self._complexity, totals
        self._solved &= ~legal  # a legal move re-decides; an illegal one keeps the verdict, as in the single env
        for i in np.flatnonzero(maybe):
            self._solved[i] = isomorphic(*self.graphs(int(i)))
        stepped = ~skip
        solved = self._solved & stepped
        rewards = np.array(
            np.broadcast_to(self.reward_fn(before, totals, legal.astype(np.int64), solved.astype(np.int64)), b),
            dtype=np.float64,
        )
        self._steps += stepped
        truncated = np.zeros(b, bool)
        if resetting:
            rewards[skip] = 0.0
        if self.max_episode_steps is not None:
            truncated = stepped & (self._steps >= self.max_episode_steps)
        self._needs_reset = solved | truncated
        info = self._info(self._masks.copy() if self.copy else self._masks, {"illegal_action": stepped & ~legal})
        info["_illegal_action"] = stepped  # a reset env has no such key in SyncVectorEnv
        if solved.any():
            certificates = np.full(b, None, dtype=object)
            for i in np.flatnonzero(solved):
                certificates[i] = self.certificate(int(i))
            info["certificate"], info["_certificate"] = certificates, solved.copy()
        return self._observation(), rewards, solved, truncated, info

    def render(self) -> tuple[Any, ...] | None:
        if self.render_mode == "ansi":
            return tuple(pair_text(*self.graphs(i)) for i in range(self.num_envs))
        if self.render_mode == "rgb_array":
            return tuple(pair_image(*self.graphs(i)) for i in range(self.num_envs))
        return None

    # -- rigorgym API ----------------------------------------------------------------

    def action_masks(self) -> np.ndarray:
        """The ``(num_envs, n_actions)`` mask of legal actions (the live buffer)."""
        return self._masks

    def graphs(self, i: int) -> tuple[PlumbingGraph, PlumbingGraph]:
        """Env ``i``'s two current graphs as kernel objects (fresh copies)."""
        out = []
        for g in range(2):
            c = int(self._count[i, g])
            ids = [int(x) for x in self._ids[i, g, :c]]
            weights = {ids[s]: int(self._weights[i, g, s]) for s in range(c)}
            adj = {ids[s]: {ids[t] for t in np.flatnonzero(self._adj[i, g, s, :c])} for s in range(c)}
            out.append(PlumbingGraph(weights, adj))
        return out[0], out[1]

    def moves(self, i: int) -> list[dict[str, Any]]:
        """The kernel moves of the legal actions played in env ``i``'s episode."""
        return [record_to_move(r) for r in self._history[i, : self._n_moves[i]]]

    def certificate(self, i: int) -> dict[str, Any]:
        """Env ``i``'s certificate (valid once its episode is won)."""
        instance = self._instances[i]
        assert instance is not None
        return make_certificate(instance, self.moves(i), seed=self._seeds[i])

    def instance(self, i: int) -> PlumbingInstance | None:
        return self._instances[i]

    @property
    def solved(self) -> np.ndarray:
        """Whether each env's two current graphs are weighted-isomorphic."""
        return self._solved.copy()

    # -- internals ---------------------------------------------------------------------

    def _action_indices(self, actions: Any) -> np.ndarray:
        return vector_action_indices(actions, self.num_envs, self._n_actions)

    def _start(self, i: int, given: PlumbingInstance | None) -> None:
        """Load a pair into row ``i`` through the single env's ``load`` (raises ValueError if it does not fit)."""
        instance = self.generator(self._rngs[i]) if given is None else given
        one = self._loader
        one.load(instance)
        self._ids[i], self._weights[i], self._degree[i] = one._ids, one._weights, one._degree
        self._adj[i], self._count[i], self._masks[i] = one._adj, one._count, one._mask
        self._obs["nodes"][i], self._obs["edges"][i] = one._nodes, one._edges
        self._obs["node_mask"][i], self._obs["edge_mask"][i] = one._node_mask, one._edge_mask
        self._complexity[i] = one.complexity
        self._solved[i] = one.solved
        self._instances[i] = instance
        self._n_moves[i] = 0
        self._steps[i] = 0

    def _grow_history(self) -> None:
        """Double the per-env move records when a step could overflow them."""
        rows, length, width = self._history.shape
        grown = np.zeros((rows, 2 * length, width), np.int64)
        grown[:, :length] = self._history
        self._history = grown

    def _info(self, masks: np.ndarray, extra: dict[str, np.ndarray]) -> dict[str, Any]:
        """Per-env info arrays with Gymnasium's ``_key`` masks, as ``SyncVectorEnv`` gives them."""
        info: dict[str, Any] = {
            "action_mask": masks,
            "complexity": self._complexity.copy(),
            "nodes": self._count.copy(),
            **extra,
        }
        return with_key_masks(info, self.num_envs)

    def _observation(self) -> dict[str, np.ndarray]:
        if self.copy:
            return {key: self._obs[key].copy() for key in KEYS}
        return dict(self._obs)
