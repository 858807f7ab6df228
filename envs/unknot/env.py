"""UnKnot-v0: reduce a braid whose closure is the unknot to the trivial braid."""

from __future__ import annotations

from typing import Any, Literal

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from rigorgym.verifiers.certificate import FORMAT

from rigorgym._version import __version__

from ..injection import injected, reset_instance
from . import core
from .actions import ActionLayout
from .generator import ScrambleGenerator
from .render import braid_image, braid_text
from .reward import RewardFn, UnknotReward
from .types import BraidInstance

ObservationMode = Literal["flat", "dict"]


def observation_space(max_length: int, max_strands: int, mode: ObservationMode) -> spaces.Space[Any]:
    """The observation space of one env (shared with the vector env)."""
    g = max_strands - 1
    if mode == "flat":
        low = np.full(max_length + 1, -g, np.int8)
        high = np.full(max_length + 1, g, np.int8)
        low[0], high[0] = 1, max_strands
        return spaces.Box(low, high, dtype=np.int8)
    if mode == "dict":
        return spaces.Dict(
            {
                "strands": spaces.Box(1, max_strands, (1,), np.int8),
                "length": spaces.Box(0, max_length, (1,), np.int32),
                "word": spaces.Box(-g, g, (max_length,), np.int8),
            }
        )
    raise ValueError(f"observation must be 'flat' or 'dict', got {mode!r}")


def make_certificate(instance: BraidInstance, moves: list[dict[str, Any]], seed: int | None) -> dict[str, Any]:
    """The §2.4 certificate of a won episode."""
    meta: dict[str, Any] = {"rigorgym": __version__, "seed": seed}
    if instance.id is not None:
        meta["instance_id"] = instance.id
    return {
        "format": FORMAT,
        "env": "UnKnot-v0",
        "claim": "unknot",
        "instance": instance.to_instance(),
        "moves": moves,
        "meta": meta,
    }


def action_index(action: Any, n_actions: int) -> int:
    """The action as an index in ``[0, n_actions)``, or -1 (an illegal no-op) for anything else.

    Only integers count: a float, a string or a bool is not an action index.
    """
    if isinstance(action, np.ndarray) and action.size == 1:
        action = action.reshape(()).item() if action.dtype.kind in "iu" else None
    if isinstance(action, (int, np.integer)) and not isinstance(action, bool):
        return int(action) if 0 <= action < n_actions else -1
    return -1


def write_row(row: np.ndarray, instance: BraidInstance, layout: ActionLayout) -> int:
    """Write ``instance`` into a state row ``[n, word..., 0...]``; return its length.

    Raises ValueError if it does not fit ``layout`` (shared by the single and the vector env).
    """
    if instance.strands > layout.max_strands or len(instance.word) > layout.max_length:
        raise ValueError(
            f"instance with {instance.strands} strands and length {len(instance.word)} does not fit "
            f"max_strands={layout.max_strands}, max_length={layout.max_length}"
        )
    row[:] = 0
    row[0] = instance.strands
    row[1 : 1 + len(instance.word)] = instance.word
    return len(instance.word)


class UnKnotEnv(gym.Env[Any, np.int64]):
    """Prove that a braid closes to the unknot by Markov moves ("Learning to unknot", 2021).

    ## Description
    The state is a braid ``(n, w)``. Every action is a move of docs/design.md §2.1
    (cancel, commute, braid relation, insert, rotate, stabilize,
    destabilize), each of which keeps the knot type of the closure. The game
    is won on the trivial braid on one strand; the legal moves played are then
    a certificate, checked by ``rigorgym.verifiers.verify``.

    ## Action Space
    ``Discrete(4 L + 2 (L - 1)(N - 1) + 3)`` with ``L = max_length`` and
    ``N = max_strands`` (2293 by default); the index layout is documented in
    ``rigorgym.envs.unknot.actions``. Illegal actions are masked
    (``action_masks()``, ``info["action_mask"]``); taken anyway, they are a
    no-op with a penalty.

    ## Observation Space
    ``"flat"`` (default): ``Box(int8, (L + 1,))``, ``[n, w_0, ..., w_{L-1}]``
    with the word padded by zeros. ``"dict"``: ``{"strands": (1,), "length":
    (1,), "word": (L,)}`` for SB3's ``MultiInputPolicy``.

    ## Rewards
    ``UnknotReward`` by default: -0.05 per step, +0.1 per unit of
    ``length + strands`` removed, +10 on success, -1 for an illegal action.
    Any callable with the ``RewardFn`` signature may be injected.

    ## Starting State
    An instance drawn from the injected ``generator`` with the env's seeded
    ``np_random`` (default ``ScrambleGenerator(strands=3, length=20)``), or
    ``options={"instance": ...}`` at reset.

    ## Episode End
    Terminated on the trivial braid (``info["certificate"]`` is set);
    truncated by ``max_episode_steps`` (set per registration).

    ## Arguments
    ``generator``, ``max_length=128``, ``max_strands=8``,
    ``observation="flat"``, ``reward_fn=None``, ``render_mode`` in
    ``{"ansi", "rgb_array"}``.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        generator: Any = None,
        max_length: int = 128,
        max_strands: int = 8,
        observation: ObservationMode = "flat",
        reward_fn: RewardFn | None = None,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.generator = injected("generator", generator, ScrambleGenerator)
        self.layout = ActionLayout(max_length, max_strands)
        self.observation_mode = observation
        self.observation_space = observation_space(max_length, max_strands, observation)
        self._flat = observation == "flat"
        self.action_space = spaces.Discrete(self.layout.n_actions)
        self.reward_fn: RewardFn = injected("reward_fn", reward_fn, UnknotReward)
        self.render_mode = render_mode
        # Hot-path constants, read once (step() runs ~10^5 times a second).
        self._n_actions = self.layout.n_actions
        self._kind, self._pos, self._gen = self.layout.tables
        self._lmax, self._nmax = max_length, max_strands
        self._row = np.zeros(max_length + 1, np.int8)
        self._row[0] = 1
        self._length = 0
        self._mask = np.zeros(self.layout.n_actions, bool)
        self._actions: list[int] = []
        self._instance: BraidInstance | None = None
        self._seed: int | None = None

    # -- Gymnasium API -------------------------------------------------------------

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        super().reset(seed=seed)
        if seed is not None:
            self._seed = seed
        instance = reset_instance(options, self.generator, self.np_random, BraidInstance)
        self.load(instance)
        return self._observation(), self._info()

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        if self._instance is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        a = action_index(action, self._n_actions)
        row = self._row
        prev_length, prev_strands = self._length, int(row[0])
        mask = self._mask  # updated in place by the core; info gets a copy
        length, legal = core.step_one(
            row, prev_length, a, self._kind, self._pos, self._gen, self._lmax, self._nmax, mask
        )
        self._length = length
        if legal:
            self._actions.append(a)
        strands = int(row[0])
        solved = strands == 1 and length == 0
        reward = float(self.reward_fn(prev_length, prev_strands, length, strands, int(legal), int(solved)))
        info = {"action_mask": mask.copy(), "length": length, "strands": strands, "illegal_action": not legal}
        if solved:
            info["certificate"] = self.certificate()
        return self._observation(), reward, solved, False, info

    def render(self) -> str | np.ndarray | None:  # type: ignore[override]  # gymnasium: an unbound TypeVar
        if self.render_mode == "ansi":
            return braid_text(*self.braid)
        if self.render_mode == "rgb_array":
            return braid_image(*self.braid)
        return None

    # -- rigorgym API ----------------------------------------------------------------

    def load(self, instance: BraidInstance) -> None:
        """Start an episode on ``instance`` (raises ValueError if it does not fit the env)."""
        self._length = write_row(self._row, instance, self.layout)
        self._instance = instance
        self._actions = []
        core.fill_mask(self._row, self._length, self.layout.max_length, self.layout.max_strands, self._mask)

    def action_masks(self) -> np.ndarray:
        """Boolean mask of the legal actions (sb3-contrib's MaskablePPO calls this)."""
        return self._mask.copy()

    @property
    def braid(self) -> tuple[int, tuple[int, ...]]:
        """The current ``(strands, word)``."""
        return int(self._row[0]), tuple(int(x) for x in self._row[1 : 1 + self._length])

    @property
    def solved(self) -> bool:
        """Whether the current braid is the trivial braid on one strand."""
        return self._instance is not None and self._row[0] == 1 and self._length == 0

    @property
    def instance(self) -> BraidInstance | None:
        return self._instance

    @property
    def moves(self) -> list[dict[str, Any]]:
        """The kernel moves of the legal actions played this episode."""
        return [self.layout.to_move(a) for a in self._actions]

    def certificate(self) -> dict[str, Any]:
        """The certificate of the current episode (valid once the episode is won)."""
        assert self._instance is not None
        return make_certificate(self._instance, self.moves, self._seed)

    def _observation(self) -> Any:
        if self._flat:
            return self._row.copy()
        return {
            "strands": self._row[:1].copy(),
            "length": np.array([self._length], np.int32),
            "word": self._row[1:].copy(),
        }

    def _info(self) -> dict[str, Any]:
        return {"action_mask": self._mask.copy(), "length": self._length, "strands": int(self._row[0])}
