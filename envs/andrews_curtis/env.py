"""AndrewsCurtis-v0: trivialise a balanced presentation of the trivial group by AC′ moves."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from rigorgym.verifiers.andrews_curtis import SOURCE_MOVES, is_cyclically_reduced

from ..injection import action_index, injected, reset_instance, whole
from . import core
from .certificate import make_certificate
from .generator import ScrambledTrivialGenerator
from .render import presentation_image, presentation_text
from .reward import ACReward, RewardFn
from .types import PresentationInstance


class AndrewsCurtisEnv(gym.Env[np.ndarray, np.int64]):
    """Prove a balanced presentation ``<x, y | r0, r1>`` AC-trivial by Andrews–Curtis moves (the game of
    Shehper et al., arXiv:2408.15332, and its ``ac_solver`` env), on rigorgym's own kernel.

    ## Description
    The state is two relators, words in ``x = 1``, ``y = 2`` (negative: the
    inverse), both freely and cyclically reduced after every move
    (:mod:`rigorgym.verifiers.andrews_curtis`). The game is won when the
    presentation is ``<x, y | x^±1, y^±1>`` (either order), **as the kernel
    decides**; ``info["certificate"]`` then holds an ``ac_trivial`` certificate
    of exactly the moves played, which ``rigorgym.verifiers.verify`` replays.
    Winning proves the starting presentation AC-trivial (so it presents the
    trivial group); the Andrews–Curtis conjecture says every balanced
    presentation of the trivial group is.

    ## Action Space
    ``Discrete(12)``: action ``k`` is the kernel move ``SOURCE_MOVES[k]``, the
    source's action ids. 0-3: ``r1 <- r1 r0``, ``r0 <- r0 r1^-1``,
    ``r1 <- r1 r0^-1``, ``r0 <- r0 r1``; 4-11: conjugate ``r_i <- g r_i g^-1``
    for ``(i, g)`` = (1, x^-1), (0, y^-1), (1, y^-1), (0, x), (1, x), (0, y),
    (1, y), (0, x^-1). An action is legal iff both relators of the result have
    at most ``L`` letters; the mask (``action_masks()``,
    ``info["action_mask"]``) is exact. An illegal action (masked out, out of
    range, of the wrong type) is a no-op with ``info["illegal_action"] =
    True``, never an exception.

    ## Observation Space
    ``Box(-2, 2, (2 L,), int8)`` for ``L = max_relator_length``: ``r0`` then
    ``r1``, each padded with zeros to ``L`` letters (the source's layout).

    ## Rewards
    :class:`ACReward` by default, the source's: ``-(|r0| + |r1|)`` after every
    step that does not solve (an illegal no-op included), ``+horizon * L * 2``
    on the step that does.

    ## Starting State
    A presentation from the injected ``generator`` with the env's seeded
    ``np_random`` (default ``ScrambledTrivialGenerator(moves=30, max_relator_length=L)``), or
    ``options={"instance": {"relators": [[...], [...]]}}`` at reset. A relator
    given unreduced is shown as given and reduced by the first move (as the
    kernel does), so such an instance is won on a move even if it reduces to
    the trivial presentation.

    ## Episode End
    Terminated on success; truncated by ``max_episode_steps`` (per
    registration). Growth past ``L`` letters is masked out.

    ## Arguments
    ``generator``, ``max_relator_length=36``, ``horizon=1000`` (the default
    reward's success bonus only), ``reward_fn=None``, ``render_mode`` in
    ``{"ansi"}``.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        generator: Any = None,
        max_relator_length: int = 36,
        horizon: int = 1000,
        reward_fn: RewardFn | None = None,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        if whole("max_relator_length", max_relator_length) < 1:
            raise ValueError("max_relator_length must be at least 1")
        if whole("horizon", horizon) < 1:
            raise ValueError("horizon must be at least 1")
        length = int(max_relator_length)
        self.max_relator_length = length
        self.horizon = int(horizon)
        self.generator = injected("generator", generator, lambda: ScrambledTrivialGenerator(max_relator_length=length))
        self.reward_fn: RewardFn = injected("reward_fn", reward_fn, lambda: ACReward.source(self.horizon, length))
        self.render_mode = render_mode
        self.observation_space = spaces.Box(-2, 2, (2 * length,), np.int8)
        self.action_space = spaces.Discrete(core.N_ACTIONS)
        self._rel = np.zeros(2 * length, np.int8)
        self._meta = np.zeros(3, np.int32)
        self._mask = np.zeros(core.N_ACTIONS, bool)
        self._buf = np.zeros(2 * length + 2, np.int8)
        self._instance: PresentationInstance | None = None
        self._actions: list[int] = []
        self._seed: int | None = None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        if seed is not None:
            self._seed = seed
        instance = reset_instance(options, self.generator, self.np_random, PresentationInstance)
        self.load(instance)
        return self._rel.copy(), self._info()

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self._instance is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        a = action_index(action, core.N_ACTIONS)
        meta = self._meta
        before = int(meta[0] + meta[1])
        legal = core.step_row(self._rel, meta, self.max_relator_length, a, self._mask, self._buf) == core.APPLIED
        solved = False
        if legal:
            self._actions.append(a)
            solved = bool(core.is_trivial(self._rel, meta, self.max_relator_length))
        reward = float(self.reward_fn(before, int(meta[0] + meta[1]), int(legal), int(solved)))
        info = self._info()
        info["illegal_action"] = not legal
        if solved:
            info["certificate"] = self.certificate()
        return self._rel.copy(), reward, solved, False, info

    def render(self) -> str | np.ndarray | None:  # type: ignore[override]  # gymnasium: an unbound TypeVar
        if self._instance is None or self.render_mode is None:
            return None
        if self.render_mode == "rgb_array":
            return presentation_image(self.relators, self.max_relator_length)
        return presentation_text(self.relators, len(self._actions), self._instance.name)

    def load(self, instance: PresentationInstance) -> None:
        """Start an episode on ``instance`` (what ``reset`` does after drawing it)."""
        length = self.max_relator_length
        r0, r1 = instance.relators
        if len(r0) > length or len(r1) > length:
            raise ValueError(
                f"the instance has relators of {len(r0)} and {len(r1)} letters; this env holds "
                f"max_relator_length={length}"
            )
        self._instance = instance
        self._actions = []
        self._rel[:] = 0
        self._rel[: len(r0)] = r0
        self._rel[length : length + len(r1)] = r1
        self._meta[:] = (len(r0), len(r1), int(is_cyclically_reduced(r0) and is_cyclically_reduced(r1)))
        core.fill_mask(self._rel, self._meta, length, self._mask, self._buf)

    def action_masks(self) -> np.ndarray:
        """The legal actions (sb3-contrib's MaskablePPO calls this)."""
        return self._mask.copy()

    @staticmethod
    def action_move(action: int) -> dict[str, Any]:
        """The kernel move of an action (the same in every state)."""
        return dict(SOURCE_MOVES[action])

    @property
    def relators(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The current relators (as shown: unreduced until the first move if the instance was)."""
        length = self.max_relator_length
        rel, meta = self._rel.tolist(), self._meta
        return tuple(rel[: meta[0]]), tuple(rel[length : length + meta[1]])

    @property
    def solved(self) -> bool:
        return (
            self._instance is not None
            and bool(self._actions)
            and core.is_trivial(self._rel, self._meta, self.max_relator_length)
        )

    @property
    def instance(self) -> PresentationInstance | None:
        return self._instance

    @property
    def actions(self) -> list[int]:
        """The legal actions played this episode, in order."""
        return list(self._actions)

    @property
    def moves(self) -> list[dict[str, Any]]:
        """The kernel moves of the legal actions played this episode."""
        return [dict(SOURCE_MOVES[a]) for a in self._actions]

    def certificate(self) -> dict[str, Any]:
        """The ``ac_trivial`` certificate of the moves so far (valid once solved)."""
        assert self._instance is not None
        return make_certificate(self._instance, self.moves, seed=self._seed)

    def _info(self) -> dict[str, Any]:
        return {
            "action_mask": self._mask.copy(),
            "length": int(self._meta[0] + self._meta[1]),
            "steps": len(self._actions),
        }
