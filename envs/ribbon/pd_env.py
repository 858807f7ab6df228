"""Ribbon-v0's game on the project's own PD kernel: band moves and Reidemeister moves, no spherogram."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from rigorgym.verifiers.bands import MAX_HALF_TWISTS
from rigorgym.verifiers.diagram import Diagram
from rigorgym.verifiers.pd import PD
from rigorgym.verifiers.reidemeister import IllegalMove

from ..injection import action_index, injected, reset_instance
from . import pd_core, pd_logic
from .certificate import make_certificate
from .generator import RandomRibbonGenerator
from .render import diagram_image
from .reward import RewardFn, RibbonReward
from .types import KnotInstance

#: Entries of ``obs["stats"]``.
STATS = ("crossings", "components", "free_loops", "bands_used", "bands_left")
#: The action blocks, in order (``RibbonPDEnv.layout`` gives their offsets).
BLOCKS = ("reduce", "r3", "finger", "band")
_BIG = 2**31 - 1


def observation_space(max_crossings: int, max_r3: int, max_fingers: int, max_bands: int) -> spaces.Dict:
    """The padded ``Dict`` observation: labels ``1..2n`` of the canonical PD code and each candidate's names."""
    n, label = max_crossings, 2 * max_crossings
    actions = 1 + max_r3 + max_fingers + max_bands
    band_high = np.tile(np.array([label, 1, label, 1, MAX_HALF_TWISTS], np.int64), (max_bands, 1))
    return spaces.Dict(
        {
            "pd": spaces.Box(0, label, (n, 4), np.int64),
            "crossing_mask": spaces.MultiBinary(n),
            "signs": spaces.Box(-1, 1, (n,), np.int64),
            "r3": spaces.Box(0, np.array([[label, 1]] * max_r3, np.int64), dtype=np.int64),
            "fingers": spaces.Box(0, np.array([[label, 1, label, 1]] * max_fingers, np.int64), dtype=np.int64),
            "bands": spaces.Box(-band_high * np.array([0, 0, 0, 0, 1]), band_high, dtype=np.int64),
            "action_mask": spaces.MultiBinary(actions),
            "stats": spaces.Box(0, _BIG, (len(STATS),), np.int64),
        }
    )


class RibbonPDEnv(gym.Env[dict[str, np.ndarray], np.int64]):
    """Prove that a knot is ribbon by band moves, on rigorgym's own PD kernel (``Ribbon-PD-v0``).

    ## Description
    The game of ``Ribbon-v0`` (Gukov, Halverson, Manolescu & Ruehle, "Searching for ribbons with machine
    learning", 2023) played on :class:`rigorgym.verifiers.pd.PD`, the canonical PD code of the project's
    Reidemeister kernel, with the kernel's exact ``fission`` band (docs/certificates.md). A knot bounds a
    ribbon disk if ``b`` bands turn it into an unlink of ``b + 1`` components; the game is won when the
    diagram has **no crossings and ``bands + 1`` components**. Every action is one or more kernel moves
    (:mod:`.pd_logic`, pure functions), recorded as played, so the episode is a ``ribbon`` certificate of
    env ``Ribbon-v0`` whose replay needs neither spherogram nor a hash shim; nothing is random inside a
    step. Where ``Ribbon-v0`` (spherogram's bands and ``simplify``) takes 30-60 ms a step, this takes
    well under one (``benchmarks/ribbon_throughput.py``).

    ## Action Space
    ``Discrete(1 + max_r3 + max_fingers + max_bands)`` (577 by default), four blocks in order:

    * ``0``, **reduce**: R1 and R2 removals, the first that applies in a fixed order, until none does
      (:func:`.pd_logic.reduce`).
    * ``1 .. max_r3``, **r3**: the R3 move on the ``k``-th triangle face that allows one
      (:func:`.pd_logic.r3_moves`): the knot redrawn, so other bands come to lie in faces.
    * next ``max_fingers``, **finger**: the R2 addition pushing one edge of a face over the other edge of
      that face (:func:`.pd_logic.finger_moves`): how a band whose core would cross a strand becomes a
      face band.
    * last ``max_bands``, **band**: a ``fission`` band inside a face with at most ``max_half_twists`` half
      twists (:func:`.pd_logic.band_moves`); with ``reduce_after_band`` (default) followed in the same step
      by the reduce action's removals.

    Each list is recomputed after every step in the kernel's fixed order and cut at its block's size;
    ``obs["r3"]``, ``obs["fingers"]`` and ``obs["bands"]`` name each entry. The mask
    (``action_masks()``, ``obs["action_mask"]``, ``info["action_mask"]``) allows reduce when a removal
    applies, the listed R3 moves, the fingers while two more crossings fit ``max_crossings``, and the
    bands while bands are left (``max_band_moves``) and their twist crossings fit. An illegal action
    (masked out, out of range, of the wrong type) is a no-op with a penalty and
    ``info["illegal_action"] = True``, never an exception.

    ## Observation Space
    A ``Dict`` of padded int64 arrays (``N = max_crossings``): ``"pd"`` ``(N, 4)`` the canonical code
    (labels ``1..2c``, 0 padding), ``"crossing_mask"`` ``(N,)``, ``"signs"`` ``(N,)`` (+1/-1),
    ``"r3"`` ``(max_r3, 2)`` = ``[edge, side]``, ``"fingers"`` ``(max_fingers, 4)`` = ``[over, over_side,
    under, under_side]``, ``"bands"`` ``(max_bands, 5)`` = ``[edge, side, to, to_side, half_twists]``
    (side: 0 left, 1 right), ``"action_mask"`` (int8), ``"stats"`` = ``[crossings, components,
    free_loops, bands_used, bands_left]``.

    ## Rewards
    ``RibbonReward`` (as ``Ribbon-v0``): -0.05 per step, +0.05 per crossing removed (- per crossing added),
    +0.5 per crossingless circle split off, +10 on success, -1 for an illegal action; injectable.

    ## Starting State
    A knot from the injected ``generator`` (default ``RandomRibbonGenerator(8, 2)``, as ``Ribbon-v0``) or
    ``options={"instance": {"pd": [...], "name": ...}}`` (or a ``KnotInstance``) at reset.

    ## Episode End
    Terminated on success (``info["certificate"]`` holds the certificate). Truncated when the diagram
    exceeds ``max_crossings`` (the mask keeps it from happening) and by ``max_episode_steps``.

    ## Arguments
    ``generator``, ``max_crossings=64``, ``max_r3=64``, ``max_fingers=256``, ``max_bands=256``,
    ``max_half_twists=1``, ``max_band_moves=3``, ``reduce_after_band=True``, ``reward_fn=None``,
    ``render_mode`` in ``{"ansi", "rgb_array"}``.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 2}

    def __init__(
        self,
        generator: Any = None,
        max_crossings: int = 64,
        max_r3: int = 64,
        max_fingers: int = 256,
        max_bands: int = 256,
        max_half_twists: int = 1,
        max_band_moves: int = 3,
        reduce_after_band: bool = True,
        reward_fn: RewardFn | None = None,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        for name, value, low in (
            ("max_crossings", max_crossings, 1), ("max_r3", max_r3, 0), ("max_fingers", max_fingers, 0),
            ("max_bands", max_bands, 1), ("max_band_moves", max_band_moves, 0),
        ):  # fmt: skip
            if not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if not 0 <= max_half_twists <= MAX_HALF_TWISTS:
            raise ValueError(f"max_half_twists must be in [0, {MAX_HALF_TWISTS}] (the kernel's limit)")
        self.generator = injected("generator", generator, lambda: RandomRibbonGenerator(8, 2))
        self.max_crossings = max_crossings
        self.max_r3, self.max_fingers, self.max_bands = max_r3, max_fingers, max_bands
        self.max_half_twists = max_half_twists
        self.max_band_moves = max_band_moves
        self.reduce_after_band = reduce_after_band
        self.reward_fn: RewardFn = injected("reward_fn", reward_fn, RibbonReward)
        self.render_mode = render_mode
        self.observation_space = observation_space(max_crossings, max_r3, max_fingers, max_bands)
        self.layout = {"reduce": 0, "r3": 1, "finger": 1 + max_r3, "band": 1 + max_r3 + max_fingers}
        self._n_actions = 1 + max_r3 + max_fingers + max_bands
        self.action_space = spaces.Discrete(self._n_actions)
        self._mask = np.zeros(self._n_actions, bool)
        self._d: PD | None = None
        self._tables: dict[str, np.ndarray] = {}
        self._counts: dict[str, int] = {}
        self._scratch = np.zeros(0, np.int32)
        self._moves: list[dict[str, Any]] = []
        self._bands = 0
        self._components = 0
        self._instance: KnotInstance | None = None
        self._seed: int | None = None
        self._pd_cache: dict[KnotInstance, PD] = {}

    # -- Gymnasium API -------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        super().reset(seed=seed)
        if seed is not None:
            self._seed = seed
        instance = reset_instance(options, self.generator, self.np_random, KnotInstance)
        self.load(instance)
        return self._observation(), self._info()

    def step(self, action: Any) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        if self._d is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        a = action_index(action, self._n_actions)
        before, free_before = self._d.size, self._d.loops
        legal = a >= 0 and bool(self._mask[a]) and self._play(a)
        d = self._d
        solved = self.solved
        truncated = not solved and d.size > self.max_crossings
        reward = float(self.reward_fn(before, d.size, free_before, d.loops, int(legal), int(solved)))
        info = self._info()
        info["illegal_action"] = not legal
        if solved:
            info["certificate"] = self.certificate()
        return self._observation(), reward, solved, truncated, info

    def render(self) -> str | np.ndarray | None:  # type: ignore[override]  # gymnasium: an unbound TypeVar
        if self._d is None or self.render_mode is None:
            return None
        d = self._d
        name = self._instance.name if self._instance is not None else None
        counts = (
            f"{name + ': ' if name else ''}crossings={d.size} components={self._components} "
            f"(free loops {d.loops}) bands={self._bands}/{self.max_band_moves}"
        )
        if self.render_mode == "ansi":
            return f"{counts}\nPD {d.to_json()}"
        return diagram_image(Diagram(d.crossings, d.loops), counts)  # a drawing only: no validation needed

    # -- rigorgym API ----------------------------------------------------------------

    def load(self, instance: KnotInstance) -> None:
        """Start an episode on ``instance`` (ValueError if it does not fit the env)."""
        if instance.crossings > self.max_crossings:
            raise ValueError(
                f"the instance has {instance.crossings} crossings; this env has max_crossings={self.max_crossings}"
            )
        knot = self._pd_cache.get(instance)
        if knot is None:
            knot = PD.from_pd([list(c) for c in instance.pd])
            if len(self._pd_cache) < 4096:
                self._pd_cache[instance] = knot
        self._instance = instance
        self._moves = []
        self._bands = 0
        self._set(knot)

    def action_masks(self) -> np.ndarray:
        """Boolean mask of the legal actions (sb3-contrib's MaskablePPO calls this)."""
        return self._mask.copy()

    def action_moves(self, action: int) -> list[dict[str, Any]]:
        """The kernel move(s) action ``action`` would play now (empty if it is not listed)."""
        block, k = self._block(action_index(action, self._n_actions))
        if block == "reduce":
            return pd_logic.reduce(self._d)[1] if self._d is not None else []
        entries = self._entries(block)
        return [pd_logic.to_move(block, entries[k])] if 0 <= k < len(entries) else []

    @property
    def diagram(self) -> PD | None:
        """The current canonical PD diagram."""
        return self._d

    @property
    def bands_used(self) -> int:
        return self._bands

    @property
    def solved(self) -> bool:
        """No crossings and ``bands + 1`` components (the kernel's ribbon condition)."""
        return self._d is not None and pd_logic.solved(self._d, self._bands)

    @property
    def instance(self) -> KnotInstance | None:
        return self._instance

    @property
    def moves(self) -> list[dict[str, Any]]:
        """The kernel moves played this episode (a fresh list)."""
        return [dict(m) for m in self._moves]

    def certificate(self) -> dict[str, Any]:
        """The ``ribbon`` certificate of the episode so far (valid once it is won)."""
        assert self._instance is not None
        return make_certificate(self._instance, self.moves, "ribbon", self._seed)

    # -- internals -------------------------------------------------------------------

    def _block(self, a: int) -> tuple[str, int]:
        if a < 0:
            return "none", -1
        for block in reversed(BLOCKS):
            if a >= self.layout[block]:
                return block, a - self.layout[block]
        return "none", -1

    def _entries(self, block: str) -> list[tuple[int, ...]]:
        """The listed candidates of ``block`` as tuples (``r3``, ``finger``, ``band``; empty otherwise)."""
        if block not in self._counts:
            return []
        return [tuple(int(v) for v in row) for row in self._tables[block][: self._counts[block]]]

    def _play(self, a: int) -> bool:
        """Apply legal-by-mask action ``a`` through the kernel; False if the kernel refuses (a no-op)."""
        d = self._d
        assert d is not None
        block, k = self._block(a)
        try:
            if block == "reduce":
                d, played = pd_logic.reduce(d)
            else:
                row = self._tables[block][k]
                played = [pd_logic.to_move(block, tuple(int(v) for v in row))]
                d = pd_logic.apply_move(d, played[0])
                if block == "band":
                    self._bands += 1
                    if self.reduce_after_band:
                        d, removals = pd_logic.reduce(d)
                        played += removals
        except IllegalMove:  # never for a listed move (tests); the kernel has the last word all the same
            self._mask[a] = False
            return False
        self._moves.extend(played)
        self._set(d)
        return True

    def _set(self, d: PD) -> None:
        """Make ``d`` the state and recompute the candidate lists (compiled: :mod:`.pd_core`) and the mask."""
        self._d = d
        room = self.max_crossings - d.size
        labels, out, other = pd_core.arrays(d)
        if len(self._scratch) < 3 * len(labels):
            self._scratch = np.zeros(3 * len(labels) + 64, np.int32)
        r3 = np.zeros((self.max_r3, 2), np.int64)
        fingers = np.zeros((self.max_fingers, 4), np.int64)
        bands = np.zeros((self.max_bands, 5), np.int64)
        can_reduce, n_r3, n_f, n_b, through = pd_core.fill(
            labels, out, other,
            self.max_r3,
            self.max_fingers if room >= 2 else 0,
            self.max_bands if self._bands < self.max_band_moves and d.size else 0,
            min(self.max_half_twists, max(room, 0)),  # twist crossings must fit too
            r3, fingers, bands, self._scratch,
        )  # fmt: skip
        self._components = through + d.loops
        self._tables = {"r3": r3, "finger": fingers, "band": bands}
        self._counts = {"r3": n_r3, "finger": n_f, "band": n_b}
        mask = self._mask
        mask[:] = False
        mask[0] = can_reduce
        for block in BLOCKS[1:]:
            lo = self.layout[block]
            mask[lo : lo + self._counts[block]] = True

    def _observation(self) -> dict[str, np.ndarray]:
        d = self._d
        assert d is not None
        n = self.max_crossings
        c = min(d.size, n)
        pd = np.zeros((n, 4), np.int64)
        signs = np.zeros(n, np.int64)
        crossing_mask = np.zeros(n, np.int8)
        if c:
            pd[:c] = np.minimum(np.asarray(d.labels[: 4 * c], np.int64).reshape(c, 4), 2 * n)
            over_out = np.asarray(d.out[: 4 * c], bool).reshape(c, 4)[:, 1]  # the over strand leaves by slot 1
            signs[:c] = np.where(over_out, 1, -1)
            crossing_mask[:c] = 1
        r3, fingers, bands = (self._tables[b].copy() for b in BLOCKS[1:])
        stats = np.array(
            [d.size, self._components, d.loops, self._bands, max(self.max_band_moves - self._bands, 0)], np.int64
        )
        return {
            "pd": pd,
            "crossing_mask": crossing_mask,
            "signs": signs,
            "r3": r3,
            "fingers": fingers,
            "bands": bands,
            "action_mask": self._mask.astype(np.int8),
            "stats": stats,
        }

    def _info(self) -> dict[str, Any]:
        d = self._d
        assert d is not None
        return {
            "action_mask": self._mask.copy(),
            "crossings": d.size,
            "components": self._components,
            "free_loops": d.loops,
            "bands_used": self._bands,
            "moves": len(self._moves),
        }
