"""What the scramble-solve game needs from each single-agent game: scramble moves, starts and instances.

The moves themselves are never re-implemented here: both players act through
the single-agent env (its ``step``, ``action_masks`` and move records); a
game's rules only say which of its actions count as *scrambling* moves (the
inverse direction of the moves a solver simplifies with), what a trivial start
is, and how to read the env's current state back as an instance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from rigorgym.envs.kirby_plumbing.actions import BLOWUP_DISJOINT, BLOWUP_EDGE, BLOWUP_VERTEX, EXTRUDE_ZERO
from rigorgym.envs.kirby_plumbing.env import KirbyPlumbingEnv
from rigorgym.envs.kirby_plumbing.generator import random_tree
from rigorgym.envs.kirby_plumbing.types import PlumbingInstance
from rigorgym.envs.unknot.actions import BRAID, COMMUTE, INSERT, ROTATE, STABILIZE
from rigorgym.envs.unknot.env import UnKnotEnv
from rigorgym.envs.unknot.types import BraidInstance

#: A start: ``"trivial"``, ``"generator"`` (the env's own instance generator) or ``rng -> instance``.
Start = str | Callable[[np.random.Generator], Any]

#: UnKnot-v0 ops that grow or mix a braid (the inverses of cancel and destabilize, and the symmetric moves).
BRAID_SCRAMBLE_KINDS = (INSERT, COMMUTE, BRAID, ROTATE, STABILIZE)
#: Kirby-Plumbing-v0 ops that add nodes (the inverses of blowdown and absorb_zero).
PLUMBING_SCRAMBLE_OPS = (BLOWUP_VERTEX, BLOWUP_EDGE, BLOWUP_DISJOINT, EXTRUDE_ZERO)


@dataclass(frozen=True)
class BraidRules:
    """UnKnot-v0: scramble the 1-strand empty braid (the unknot) by growing and mixing moves."""

    def scramble_allowed(self, env: UnKnotEnv) -> np.ndarray:
        return np.isin(env.layout.tables[0], BRAID_SCRAMBLE_KINDS)

    def trivial_start(self, env: UnKnotEnv, rng: np.random.Generator) -> BraidInstance:
        return BraidInstance(1, ())

    def current(self, env: UnKnotEnv) -> BraidInstance:
        strands, word = env.braid
        return BraidInstance(strands, word)


@dataclass(frozen=True)
class PlumbingRules:
    """Kirby-Plumbing-v0: scramble a pair of identical random trees by blow-ups and 0-chain extrusions.

    The tree is drawn like the env's generator draws it (its ``nodes`` and
    ``weight_range`` when it has them, Ri-Putrov's 6 and 20 otherwise).
    """

    def scramble_allowed(self, env: KirbyPlumbingEnv) -> np.ndarray:
        offsets = env.layout.offsets
        ops = np.repeat(np.arange(7), np.diff(offsets))
        return np.isin(np.concatenate([ops, ops]), PLUMBING_SCRAMBLE_OPS)

    def trivial_start(self, env: KirbyPlumbingEnv, rng: np.random.Generator) -> PlumbingInstance:
        nodes = int(getattr(env.generator, "nodes", 6))
        tree = random_tree(rng, nodes, int(getattr(env.generator, "weight_range", 20)))
        return PlumbingInstance.from_graphs(tree, tree.copy())

    def current(self, env: KirbyPlumbingEnv) -> PlumbingInstance:
        return PlumbingInstance.from_graphs(*env.graphs())


Rules = BraidRules | PlumbingRules


def make_game_env(game: str, render_mode: str | None, **env_kwargs: Any) -> tuple[gym.Env[Any, Any], Rules]:
    """The unwrapped single-agent env of a registered id (tiers included) and its scramble rules."""
    import rigorgym  # noqa: F401  (registers the games)

    env = gym.make(game, disable_env_checker=True, render_mode=render_mode, **env_kwargs).unwrapped
    if isinstance(env, UnKnotEnv):
        return env, BraidRules()
    if isinstance(env, KirbyPlumbingEnv):
        return env, PlumbingRules()
    raise ValueError(f"scramble-solve supports the UnKnot-v0 and Kirby-Plumbing-v0 games, not {game!r}")


def draw_start(start: Start, env: Any, rules: Rules, rng: np.random.Generator) -> Any:
    """The instance the scrambler starts from."""
    if start == "trivial":
        return rules.trivial_start(env, rng)
    if start == "generator":
        return env.generator(rng)
    if callable(start):
        return start(rng)
    raise ValueError(f"start must be 'trivial', 'generator' or a callable, got {start!r}")
