"""Ribbon-v0: prove that a knot bounds a ribbon disk by band moves and simplification."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from rigorgym.verifiers.diagram import MAX_SEED, Diagram, IllegalMove, apply_band, simplify
from spherogram.links.bands.core import hex_to_crossing_strands

from ..injection import action_index, injected, reset_instance
from .bands import BandSpec, candidate_bands
from .certificate import make_certificate
from .generator import RandomRibbonGenerator
from .graph_view import crossing_graph
from .render import diagram_image, diagram_text
from .reward import RewardFn, RibbonReward
from .types import KnotInstance

#: Columns of ``obs["bands"]``: first crossing, its strand, last crossing, its strand, twists, arcs crossed.
BAND_FEATURES = ("first_crossing", "first_strand", "last_crossing", "last_strand", "twists", "crossed")
#: Entries of ``obs["stats"]``.
STATS = ("crossings", "components", "free_unknots", "bands_used", "bands_left")
#: Simplification seeds are drawn uniformly from ``[0, SEED_RANGE)`` (kernel limit: 2^63 - 1).
SEED_RANGE = 2**31
_BIG = 2**31 - 1


def observation_space(max_crossings: int, max_bands: int, max_twists: int) -> spaces.Dict:
    """The padded ``Dict`` observation (shared by every consumer: SB3, the agents)."""
    n, m = max_crossings, max_bands
    band_low = np.zeros((m, 6), np.int64)
    band_high = np.zeros((m, 6), np.int64)
    band_high[:, 0] = band_high[:, 2] = n - 1
    band_high[:, 1] = band_high[:, 3] = 3
    band_low[:, 4], band_high[:, 4] = -max_twists, max_twists
    band_high[:, 5] = 2 * n
    return spaces.Dict(
        {
            "pd": spaces.Box(-1, 2 * n - 1, (n, 4), np.int64),
            "crossing_mask": spaces.MultiBinary(n),
            "signs": spaces.Box(-1, 1, (n,), np.int64),
            "bands": spaces.Box(band_low, band_high, dtype=np.int64),
            "band_mask": spaces.MultiBinary(m),
            "stats": spaces.Box(0, _BIG, (len(STATS),), np.int64),
        }
    )


def band_features(band: BandSpec) -> tuple[int, int, int, int, int, int]:
    """The ``obs["bands"]`` row of a candidate (see :data:`BAND_FEATURES`)."""
    along = hex_to_crossing_strands(band.spec.split("_")[0])
    (c0, s0), (c1, s1) = along[0], along[-1]
    return c0, s0, c1, s1, band.twists, band.crossed


class RibbonEnv(gym.Env[dict[str, np.ndarray], np.int64]):
    """Prove that a knot is ribbon by band moves (Gukov, Halverson, Manolescu & Ruehle, "Searching for
    ribbons with machine learning", 2023).

    ## Description
    The state is a knot or link diagram: a PD code (spherogram's conventions)
    plus the crossingless unknots split off from it, held as the trusted
    kernel's :class:`rigorgym.verifiers.diagram.Diagram`. An action attaches a
    band to the diagram (an oriented fission band: the link gains one
    component) or simplifies it by Reidemeister moves. A knot bounds a
    ribbon disk if ``b`` bands turn it into an unlink of ``b + 1``
    components; the game is won when the diagram has **zero crossings and
    ``bands + 1`` components, as the kernel decides** (docs/design.md §2.2). The
    moves played are then a ``ribbon`` certificate, checked by
    ``rigorgym.verifiers.verify``.

    The env changes its state only through the kernel's ``apply_band`` and
    ``simplify`` and records each call as a kernel move
    (``{"op": "band", "band": spec}``, ``{"op": "simplify", "seed": s}``), so
    every trajectory replays exactly through ``rigorgym.verifiers.diagram.apply_move``.

    ## Action Space
    ``Discrete(max_bands + 1)`` (257 by default):

    * ``0``: simplify, ``simplify(diagram, seed)`` (spherogram's
      ``simplify('global')``) with a seed drawn from the env's seeded
      ``np_random`` in ``[0, 2^31)``.
    * ``k >= 1``: the band ``candidate_bands(diagram, max_twists,
      max_band_len)[k - 1]``: spherogram's ``min_len_bands`` on the current
      diagram (shortest paths in the dual graph between two edges of one
      component, every over/under choice, twists up to ``max_twists`` of the
      parity that makes a fission band), sorted by spherogram's order: band
      length (crossing strands along the band), then spec. When a diagram has
      more than ``max_bands`` candidates only the first ``max_bands`` (the
      shortest) are exposed. The list, and so the meaning of ``k``, is
      recomputed after every move; ``obs["bands"]`` describes each entry.
      If ``simplify_after_band`` (default), a band is followed in the same
      step by a seeded simplification, recorded as its own move.

    The mask (``action_masks()``, ``info["action_mask"]``) allows simplify
    while the diagram has crossings, and the exposed candidates while bands
    are left (``max_band_moves``) and the diagram fits ``max_crossings``.
    An illegal action (masked out, out of range, of the wrong type, or a band
    the kernel rejects) is a no-op with a penalty and
    ``info["illegal_action"] = True``, never an exception.

    ## Observation Space
    A ``Dict`` of padded int64 arrays for SB3's ``MultiInputPolicy``
    (``N = max_crossings``, ``M = max_bands``):

    * ``"pd"`` ``(N, 4)``: the kernel's PD code (labels ``0..2c-1``), rows
      past the ``c`` crossings are ``-1``.
    * ``"crossing_mask"`` ``(N,)`` (int8): 1 for the live rows.
    * ``"signs"`` ``(N,)``: ``+1``/``-1`` per crossing, 0 padding.
    * ``"bands"`` ``(M, 6)``: per exposed candidate (row ``k - 1`` for action
      ``k``) ``[first crossing, first strand, last crossing, last strand,
      twists, arcs crossed]``, zero padding.
    * ``"band_mask"`` ``(M,)`` (int8): the band part of the action mask.
    * ``"stats"`` ``(5,)``: ``[crossings, components, free_unknots,
      bands_used, bands_left]``.

    On the step that truncates because the diagram outgrew ``N`` crossings,
    ``"pd"`` and ``"signs"`` show its first ``N`` crossings (labels clipped)
    while ``"stats"`` holds the true counts.
    ``rigorgym.envs.ribbon.to_pyg(env.diagram)`` (or ``env.graph_data()``)
    gives the crossing graph as a torch-geometric ``Data`` for GNN agents.

    ## Rewards
    ``RibbonReward`` by default: -0.05 per step, +0.05 per crossing removed
    (-0.05 per crossing added), +0.5 per component split off as a
    crossingless unknot, +10 on success, -1 for an illegal action. Any
    callable with the ``RewardFn`` signature may be injected.

    ## Starting State
    A knot drawn from the injected ``generator`` with the env's seeded
    ``np_random`` (default ``RandomRibbonGenerator(max_crossings=8,
    scramble_steps=2)``: ``K # -K`` for a prime knot ``K`` of 3 to 8
    crossings, scrambled by two steps of spherogram's ``backtrack``), or
    ``options={"instance": {"pd": [...], "name": ...}}`` at reset
    (a §2.4 instance object or a ``KnotInstance``).

    ## Episode End
    Terminated on success (``info["certificate"]`` holds the ``ribbon``
    certificate). Truncated when the diagram exceeds ``max_crossings``, or
    when the band budget is spent and a simplification since the last band
    has left crossings (with ``simplify_after_band`` that is the step of the
    last band); also by ``max_episode_steps`` (set per registration).

    ## Arguments
    ``generator``, ``max_bands=256``, ``max_twists=1``, ``max_band_len=None``,
    ``max_band_moves=3``, ``max_crossings=64``, ``simplify_after_band=True``,
    ``reward_fn=None``, ``render_mode`` in ``{"ansi", "rgb_array"}``.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 2}

    def __init__(
        self,
        generator: Any = None,
        max_bands: int = 256,
        max_twists: int = 1,
        max_band_len: int | None = None,
        max_band_moves: int = 3,
        max_crossings: int = 64,
        simplify_after_band: bool = True,
        reward_fn: RewardFn | None = None,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        if max_bands < 1:
            raise ValueError("max_bands must be at least 1")
        if not 0 <= max_twists <= 16:
            raise ValueError("max_twists must be in [0, 16] (the kernel's limit)")
        if max_band_len is not None and max_band_len < 2:
            raise ValueError("max_band_len must be at least 2 (or None)")
        if max_band_moves < 0:
            raise ValueError("max_band_moves must be >= 0")
        if max_crossings < 1:
            raise ValueError("max_crossings must be at least 1")
        self.generator = injected("generator", generator, lambda: RandomRibbonGenerator(8, 2))
        self.max_bands = max_bands
        self.max_twists = max_twists
        self.max_band_len = max_band_len
        self.max_band_moves = max_band_moves
        self.max_crossings = max_crossings
        self.simplify_after_band = simplify_after_band
        self.reward_fn: RewardFn = injected("reward_fn", reward_fn, RibbonReward)
        self.render_mode = render_mode
        self.observation_space = observation_space(max_crossings, max_bands, max_twists)
        self.action_space = spaces.Discrete(max_bands + 1)
        self._n_actions = max_bands + 1
        self._mask = np.zeros(self._n_actions, bool)
        self._diagram: Diagram | None = None
        self._components = 0
        self._candidates: tuple[BandSpec, ...] = ()
        self._moves: list[dict[str, Any]] = []
        self._bands = 0
        self._simplified = False  # a simplification since the last band
        self._instance: KnotInstance | None = None
        self._seed: int | None = None

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
        if self._diagram is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        a = action_index(action, self._n_actions)
        before = self._diagram
        legal = a >= 0 and bool(self._mask[a])
        if legal:
            legal = self._play(a)
        after = self._diagram
        solved = self.solved
        truncated = not solved and (
            after.crossings > self.max_crossings or (self._bands >= self.max_band_moves and self._simplified)
        )
        reward = float(
            self.reward_fn(
                before.crossings, after.crossings, before.free_unknots, after.free_unknots, int(legal), int(solved)
            )
        )
        info = self._info()
        info["illegal_action"] = not legal
        if solved:
            info["certificate"] = self.certificate()
        return self._observation(), reward, solved, truncated, info

    def render(self) -> str | np.ndarray | None:  # type: ignore[override]  # gymnasium: an unbound TypeVar
        if self._diagram is None or self.render_mode is None:
            return None
        name = self._instance.name if self._instance is not None else None
        if self.render_mode == "ansi":
            return diagram_text(self._diagram, self._bands, self.max_band_moves, name)
        title = f"{name or 'knot'}: {self._diagram.crossings} crossings, {self._components} components"
        return diagram_image(self._diagram, f"{title}, bands {self._bands}/{self.max_band_moves}")

    # -- rigorgym API ----------------------------------------------------------------

    def load(self, instance: KnotInstance) -> None:
        """Start an episode on ``instance`` (raises ValueError if it does not fit the env)."""
        if instance.crossings > self.max_crossings:
            raise ValueError(
                f"the instance has {instance.crossings} crossings; this env has max_crossings={self.max_crossings}"
            )
        self._instance = instance
        self._moves = []
        self._bands = 0
        self._simplified = False
        self._set(instance.diagram())

    def action_masks(self) -> np.ndarray:
        """Boolean mask of the legal actions (sb3-contrib's MaskablePPO calls this)."""
        return self._mask.copy()

    def action_move(self, action: int) -> dict[str, Any] | None:
        """The kernel band move of band action ``action`` on the current diagram (None for 0 or no candidate)."""
        k = action_index(action, self._n_actions) - 1
        return self._candidates[k].move if 0 <= k < len(self._candidates) else None

    @property
    def diagram(self) -> Diagram | None:
        """The current kernel diagram."""
        return self._diagram

    @property
    def candidates(self) -> tuple[BandSpec, ...]:
        """The exposed candidate bands: action ``k`` is ``candidates[k - 1]`` (empty when bands are masked)."""
        return self._candidates

    @property
    def bands_used(self) -> int:
        return self._bands

    @property
    def solved(self) -> bool:
        """Zero crossings and ``bands + 1`` components (the kernel's ribbon condition)."""
        d = self._diagram
        return d is not None and d.crossings == 0 and self._components == self._bands + 1

    @property
    def instance(self) -> KnotInstance | None:
        return self._instance

    @property
    def moves(self) -> list[dict[str, Any]]:
        """The kernel moves played this episode (a fresh list)."""
        return [dict(m) for m in self._moves]

    def certificate(self) -> dict[str, Any]:
        """The ``ribbon`` certificate of the current episode (valid once the episode is won)."""
        assert self._instance is not None
        return make_certificate(self._instance, self.moves, "ribbon", self._seed)

    def make_certificate(
        self, instance: KnotInstance, moves: list[dict[str, Any]], claim: str = "ribbon"
    ) -> dict[str, Any]:
        """A certificate for ``instance`` built from kernel moves (used by search agents)."""
        return make_certificate(instance, moves, claim, self._seed)

    def graph_data(self) -> Any:
        """The current diagram as a torch-geometric ``Data`` graph (see :func:`to_pyg`)."""
        from .graph_view import to_pyg

        assert self._diagram is not None
        return to_pyg(self._diagram)

    # -- internals -------------------------------------------------------------------

    def _seed_draw(self) -> int:
        return int(self.np_random.integers(0, min(SEED_RANGE, MAX_SEED)))

    def _play(self, a: int) -> bool:
        """Apply legal-by-mask action ``a`` through the kernel; False if the kernel rejects it (no-op)."""
        diagram = self._diagram
        assert diagram is not None
        if a == 0:
            seed = self._seed_draw()
            self._moves.append({"op": "simplify", "seed": seed})
            self._simplified = True
            self._set(simplify(diagram, seed))
            return True
        spec = self._candidates[a - 1].spec
        try:
            banded = apply_band(diagram, spec)
        except IllegalMove:
            # spherogram offered a band the kernel refuses: never offer it again on this diagram
            self._mask[a] = False
            return False
        self._moves.append({"op": "band", "band": spec})
        self._bands += 1
        self._simplified = False
        if self.simplify_after_band and banded.crossings:
            seed = self._seed_draw()
            self._moves.append({"op": "simplify", "seed": seed})
            self._simplified = True
            banded = simplify(banded, seed)
        elif self.simplify_after_band:
            self._simplified = True
        self._set(banded)
        return True

    def _set(self, diagram: Diagram) -> None:
        """Make ``diagram`` the state and recompute the candidates and the mask."""
        self._diagram = diagram
        self._components = diagram.components
        fits = diagram.crossings <= self.max_crossings
        if diagram.pd and fits and self._bands < self.max_band_moves:
            self._candidates = candidate_bands(diagram, self.max_twists, self.max_band_len)[: self.max_bands]
        else:
            self._candidates = ()
        self._mask[:] = False
        self._mask[0] = diagram.crossings > 0
        self._mask[1 : 1 + len(self._candidates)] = True

    def _observation(self) -> dict[str, np.ndarray]:
        n, m = self.max_crossings, self.max_bands
        d = self._diagram
        assert d is not None
        c = min(d.crossings, n)
        pd = np.full((n, 4), -1, np.int64)
        signs = np.zeros(n, np.int64)
        crossing_mask = np.zeros(n, np.int8)
        if c:
            pd[:c] = np.minimum(np.asarray(d.pd[:c], np.int64), 2 * n - 1)
            signs[:c] = crossing_graph(d).signs[:c]
            crossing_mask[:c] = 1
        bands = np.zeros((m, 6), np.int64)
        if self._candidates:
            bands[: len(self._candidates)] = [band_features(b) for b in self._candidates]
        stats = np.array(
            [d.crossings, self._components, d.free_unknots, self._bands, max(self.max_band_moves - self._bands, 0)],
            np.int64,
        )
        return {
            "pd": pd,
            "crossing_mask": crossing_mask,
            "signs": signs,
            "bands": bands,
            "band_mask": self._mask[1:].astype(np.int8),
            "stats": stats,
        }

    def _info(self) -> dict[str, Any]:
        d = self._diagram
        assert d is not None
        return {
            "action_mask": self._mask.copy(),
            "crossings": d.crossings,
            "components": self._components,
            "free_unknots": d.free_unknots,
            "bands_used": self._bands,
            "moves": len(self._moves),
        }
