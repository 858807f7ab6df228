"""UnKnot-Diagram-v0: untangle a knot diagram by Reidemeister moves on its PD code."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from rigorgym.verifiers import pd_fast
from rigorgym.verifiers.pd import PD

from ..injection import action_index, injected, reset_instance, whole
from . import core
from .actions import ActionLayout
from .certificate import make_certificate
from .generator import ScrambledUnknotGenerator
from .render import diagram_image, diagram_text
from .reward import DiagramReward, RewardFn
from .types import DiagramInstance

#: Entries of ``obs["stats"]``.
STATS = ("crossings", "steps")
_BIG = 2**31 - 1


class UnKnotDiagramEnv(gym.Env[dict[str, np.ndarray], np.int64]):
    """Prove that a knot diagram is the unknot by Reidemeister moves (the hard-unknot game of Applebaum et al.,
    arXiv:2409.09032, and Dranowski, Kabkov & Tubbenhauer, arXiv:2603.07955), on rigorgym's own kernel.

    ## Description
    The state is the kernel's canonical PD code (:class:`rigorgym.verifiers.pd.PD`,
    docs/certificates.md "UnKnot-Diagram-v0"). An action is one Reidemeister
    move (R1, R2 remove or add, R3). The game is won when the diagram is a
    crossingless circle, **as the kernel decides**; ``info["certificate"]``
    then holds an ``unknot`` certificate that replays through the kernel.
    Hard unknots need crossings added before they can be removed.

    ## Action Space
    ``Discrete(17 N + 8 K N)`` for ``N = max_crossings`` and R2 reach ``K``
    (:class:`ActionLayout`: R1 remove per crossing, R1 add per edge, side and
    first pass, R2 remove and R3 per face name, R2 add per face name, reach
    and role). The mask (``action_masks()``, ``info["action_mask"]``) is
    exact: a masked-in action is legal for the kernel. An illegal action
    (masked out, out of range, of the wrong type) is a no-op with a penalty
    and ``info["illegal_action"] = True``, never an exception.

    ## Observation Space
    A ``Dict`` of padded int64 arrays: ``"pd"`` ``(N, 4)`` the canonical PD
    code (edges ``1..2c``, rows past the ``c`` crossings 0), ``"crossing_mask"``
    ``(N,)`` (int8), ``"stats"`` ``(2,)`` = ``[crossings, steps]``.

    ## Rewards
    ``DiagramReward`` by default: -0.01 per step, +0.1 per crossing removed
    (-0.1 per crossing added), +10 on success, -1 for an illegal action.

    ## Starting State
    A knot from the injected ``generator`` with the env's seeded
    ``np_random`` (default ``ScrambledUnknotGenerator(crossings=10,
    shuffles=20)``), or ``options={"instance": {"pd": [...]}}`` at reset.

    ## Episode End
    Terminated on success; truncated by ``max_episode_steps`` (per
    registration). Growth past ``N`` crossings is masked out.

    ## Arguments
    ``generator``, ``max_crossings=64``, ``reach=3``, ``reward_fn=None``, ``render_mode`` in ``{"ansi", "rgb_array"}``.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 2}

    def __init__(
        self,
        generator: Any = None,
        max_crossings: int = 64,
        reach: int = 3,
        reward_fn: RewardFn | None = None,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        if whole("max_crossings", max_crossings) < 1:
            raise ValueError("max_crossings must be at least 1")
        if whole("reach", reach) < 1:
            raise ValueError("reach must be at least 1")
        self.generator = injected("generator", generator, ScrambledUnknotGenerator)
        self.layout = ActionLayout(int(max_crossings), int(reach))
        self.max_crossings = int(max_crossings)
        self.reward_fn: RewardFn = injected("reward_fn", reward_fn, DiagramReward)
        self.render_mode = render_mode
        n = self.max_crossings
        self.observation_space = spaces.Dict(
            {
                "pd": spaces.Box(0, 2 * n, (n, 4), np.int64),
                "crossing_mask": spaces.MultiBinary(n),
                "stats": spaces.Box(0, _BIG, (len(STATS),), np.int64),
            }
        )
        self.action_space = spaces.Discrete(self.layout.size)
        self._mask = np.zeros(self.layout.size, bool)
        self._buffers = pd_fast.Buffers(n + 2)
        self._move = np.zeros(5, np.int64)
        self._diagram: PD | None = None  # the kernel object of the state, built on demand
        self._instance: DiagramInstance | None = None
        self._moves: list[np.ndarray] = []
        self._seed: int | None = None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        super().reset(seed=seed)
        if seed is not None:
            self._seed = seed
        instance = reset_instance(options, self.generator, self.np_random, DiagramInstance)
        self.load(instance)
        return self._observation(), self._info()

    def step(self, action: Any) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        if self._instance is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        a = action_index(action, self.layout.size)
        before = int(self._buffers.meta[0])
        result = core.step_row(
            *self._buffers.args(), self.max_crossings, self.layout.reach, a, self._mask, self._move
        )  # fmt: skip
        if result == core.KERNEL_BUG:
            raise RuntimeError(f"the mask allowed action {a} but the kernel refused it: a bug, please report it")
        legal = result == core.APPLIED
        if legal:
            self._moves.append(self._move.copy())
            self._diagram = None
        solved = self.solved
        reward = float(self.reward_fn(before, int(self._buffers.meta[0]), int(legal), int(solved)))
        info = self._info()
        info["illegal_action"] = not legal
        if solved:
            info["certificate"] = self.certificate()
        return self._observation(), reward, solved, False, info

    def render(self) -> str | np.ndarray | None:  # type: ignore[override]  # gymnasium: an unbound TypeVar
        if self._instance is None or self.render_mode is None:
            return None
        name = self._instance.name if self._instance is not None else None
        if self.render_mode == "ansi":
            return diagram_text(self.current, len(self._moves), name)
        return diagram_image(self.current, f"{name or 'knot'}: {self.current.size} crossings, step {len(self._moves)}")

    def load(self, instance: DiagramInstance) -> None:
        """Start an episode on ``instance`` (what ``reset`` does after drawing it)."""
        diagram = instance.diagram()
        if diagram.size > self.max_crossings:
            raise ValueError(
                f"the instance has {diagram.size} crossings; this env's board holds max_crossings={self.max_crossings}"
            )
        self._instance = instance
        self._moves = []
        self._diagram = diagram
        self._buffers.load(diagram.labels, diagram.out, diagram.loops)
        pd_fast.fill_mask(
            self._buffers.flat, self._buffers.out, self._buffers.other, diagram.size, self.max_crossings,
            self.layout.reach, self._mask, self._buffers.scratch, -1,
        )  # fmt: skip

    def action_masks(self) -> np.ndarray:
        """The legal actions (sb3-contrib's MaskablePPO calls this)."""
        return self._mask.copy()

    def action_move(self, action: int) -> dict[str, Any] | None:
        """The kernel move an action index means in the current state."""
        return None if self._instance is None else self.layout.decode(action, self.current)

    @property
    def diagram(self) -> PD | None:
        """The current diagram as a kernel object (None before the first reset)."""
        return None if self._instance is None else self.current

    @property
    def current(self) -> PD:
        """The current diagram (built from the compiled state on first use after a move)."""
        if self._diagram is None:
            self._diagram = pd_fast.to_pd(self._buffers)
        return self._diagram

    @property
    def solved(self) -> bool:
        return self._instance is not None and self._buffers.meta[0] == 0 and self._buffers.meta[1] == 1

    @property
    def instance(self) -> DiagramInstance | None:
        return self._instance

    @property
    def moves(self) -> list[dict[str, Any]]:
        return [pd_fast.to_json(m) for m in self._moves]

    def certificate(self) -> dict[str, Any]:
        """The ``unknot`` certificate of the moves so far (valid once solved)."""
        assert self._instance is not None
        return make_certificate(self._instance, self.moves, seed=self._seed)

    def _observation(self) -> dict[str, np.ndarray]:
        obs: dict[str, np.ndarray] = {
            "pd": np.zeros((self.max_crossings, 4), np.int64),
            "crossing_mask": np.zeros(self.max_crossings, np.int8),
            "stats": np.zeros(len(STATS), np.int64),
        }
        core.write_observation(
            self._buffers.flat, self._buffers.meta, len(self._moves), obs["pd"], obs["crossing_mask"], obs["stats"], -1
        )
        return obs

    def _info(self) -> dict[str, Any]:
        assert self._instance is not None
        return {
            "action_mask": self._mask.copy(),
            "crossings": int(self._buffers.meta[0]),
            "components": self.current.components() if self._diagram is not None else self._components(),
            "steps": len(self._moves),
        }

    def _components(self) -> int:
        """Components of the current diagram from the compiled state (cheap: no PD object)."""
        return int(pd_fast.components(self._buffers.other, int(self._buffers.meta[0]), self._buffers.scratch)) + int(
            self._buffers.meta[1]
        )
