"""What the scramble-solve game needs from each single-agent game: scramble moves, starts and instances.

The moves themselves are never re-implemented here: both players act through
the single-agent env (its ``step``, ``action_masks`` and move records); a
game's rules only say which of its actions count as *scrambling* moves (the
inverse direction of the moves a solver simplifies with), what a trivial start
is, and how to read the env's current state back as an instance (and, for
UnKnot-Diagram-v0, which action index plays a given kernel move, so that a
search agent's moves can be played as actions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from rigorgym.envs.andrews_curtis import AndrewsCurtisEnv, PresentationInstance
from rigorgym.envs.kirby_plumbing.actions import BLOWUP_DISJOINT, BLOWUP_EDGE, BLOWUP_VERTEX, EXTRUDE_ZERO
from rigorgym.envs.kirby_plumbing.env import KirbyPlumbingEnv
from rigorgym.envs.kirby_plumbing.generator import random_tree
from rigorgym.envs.kirby_plumbing.types import PlumbingInstance
from rigorgym.envs.unknot.actions import BRAID, COMMUTE, INSERT, ROTATE, STABILIZE
from rigorgym.envs.unknot.env import UnKnotEnv
from rigorgym.envs.unknot.types import BraidInstance
from rigorgym.envs.unknot_diagram import DiagramInstance, UnKnotDiagramEnv
from rigorgym.verifiers.andrews_curtis import SOURCE_MOVES
from rigorgym.verifiers.reidemeister import edge_side

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


#: The one-crossing kink, the smallest diagram of the unknot (an instance has at least one crossing); the
#: scrambles of UnKnot-Diagram-v0's own ``ScrambledUnknotGenerator`` start from it too.
KINK = ((1, 1, 2, 2),)
_SIDES, _FIRST = ("left", "right"), ("over", "under")


@dataclass(frozen=True)
class DiagramRules:
    """UnKnot-Diagram-v0: scramble the one-crossing kink by R1 and R2 additions and R3 moves.

    The scrambling actions are the env's ``r1_add``, ``r3`` and ``r2_add``
    blocks (the inverses of the R1 and R2 removals a solver simplifies with,
    and the symmetric R3); the blocks are those of the env's documented flat
    layout (``env.layout``, docs/envs/unknot-diagram.md).
    """

    def scramble_allowed(self, env: UnKnotDiagramEnv) -> np.ndarray:
        layout = env.layout
        allowed = np.zeros(layout.size, bool)
        allowed[layout.r1_add : layout.r2_remove] = True  # R1 additions
        allowed[layout.r3 : layout.size] = True  # R3 moves, then R2 additions
        return allowed

    def trivial_start(self, env: UnKnotDiagramEnv, rng: np.random.Generator) -> DiagramInstance:
        return DiagramInstance(KINK, "kink")

    def current(self, env: UnKnotDiagramEnv) -> DiagramInstance:
        diagram = env.diagram
        assert diagram is not None, "reset the env first"
        return DiagramInstance(tuple(tuple(int(x) for x in c) for c in diagram.crossings))

    def action_of(self, env: UnKnotDiagramEnv, move: Any) -> int | None:
        """The index of the env's action that plays kernel ``move`` now (one of its aliases), or None.

        None when the move is malformed or illegal in the current state, or
        when the layout has no action for it: an R2 addition between two
        edge-sides more than ``reach`` steps apart along their face, which the
        kernel allows and the env's layout leaves out.
        """
        diagram, layout = env.diagram, env.layout
        if diagram is None or not isinstance(move, dict):
            return None
        edges = 2 * diagram.size
        op = move.get("op")
        index: int | None = None
        try:
            if op == "r1_remove" and move["crossing"] in range(diagram.size):
                index = int(move["crossing"])
            elif op == "r1_add" and move["edge"] in range(1, edges + 1):
                side, first = _SIDES.index(move["side"]), _FIRST.index(move["first"])
                index = layout.r1_add + 4 * (int(move["edge"]) - 1) + 2 * side + first
            elif op in ("r2_remove", "r3") and move["edge"] in range(1, edges + 1):
                base = layout.r2_remove if op == "r2_remove" else layout.r3
                index = base + 2 * (int(move["edge"]) - 1) + _SIDES.index(move["side"])
            elif op == "r2_add":
                over = (int(move["over"]), str(move["over_side"]))
                under = (int(move["under"]), str(move["under_side"]))
                # the named edge-side first, its partner k steps further along the face; role 0: named over
                for role, (named, partner) in enumerate(((over, under), (under, over))):
                    face = diagram.face(diagram.dart(*named))
                    for k in range(1, min(layout.reach, len(face) - 1) + 1):
                        if edge_side(diagram, face[k]) == partner:
                            name = 2 * (named[0] - 1) + _SIDES.index(named[1])
                            index = layout.r2_add + name * 2 * layout.reach + 2 * (k - 1) + role
                            break
                    if index is not None:
                        break
        except (KeyError, ValueError, TypeError, IndexError):
            return None
        if index is None or not bool(env.action_masks()[index]):
            return None
        return index


@dataclass(frozen=True)
class PresentationRules:
    """AndrewsCurtis-v0: scramble the trivial presentation <x, y | x, y> by AC moves.

    Every one of the twelve AC′ moves may scramble: each has an inverse among them up to the relators'
    cyclic reduction (a product by r_j^-1 undoes one by r_j; a conjugation is undone by the opposite one).
    """

    def scramble_allowed(self, env: AndrewsCurtisEnv) -> np.ndarray:
        return np.ones(len(SOURCE_MOVES), bool)

    def trivial_start(self, env: AndrewsCurtisEnv, rng: np.random.Generator) -> PresentationInstance:
        return PresentationInstance(((1,), (2,)), name="trivial")

    def current(self, env: AndrewsCurtisEnv) -> PresentationInstance:
        r0, r1 = env.relators
        return PresentationInstance((tuple(int(x) for x in r0), tuple(int(x) for x in r1)))

    def action_of(self, env: AndrewsCurtisEnv, move: Any) -> int | None:
        """The action that plays kernel ``move`` now (one of the twelve AC′ moves, legal here), or None."""
        if move not in SOURCE_MOVES:
            return None
        index = SOURCE_MOVES.index(move)
        return index if bool(env.action_masks()[index]) else None


Rules = BraidRules | PlumbingRules | DiagramRules | PresentationRules


def make_game_env(game: str, render_mode: str | None, **env_kwargs: Any) -> tuple[gym.Env[Any, Any], Rules]:
    """The unwrapped single-agent env of a registered id (tiers included) and its scramble rules."""
    import rigorgym  # noqa: F401  (registers the games)

    env = gym.make(game, disable_env_checker=True, render_mode=render_mode, **env_kwargs).unwrapped
    if isinstance(env, UnKnotEnv):
        return env, BraidRules()
    if isinstance(env, KirbyPlumbingEnv):
        return env, PlumbingRules()
    if isinstance(env, UnKnotDiagramEnv):
        return env, DiagramRules()
    if isinstance(env, AndrewsCurtisEnv):
        return env, PresentationRules()
    raise ValueError(
        "scramble-solve supports the UnKnot-v0, Kirby-Plumbing-v0, UnKnot-Diagram-v0 and AndrewsCurtis-v0 games, "
        f"not {game!r}"
    )


def draw_start(start: Start, env: Any, rules: Rules, rng: np.random.Generator) -> Any:
    """The instance the scrambler starts from."""
    if start == "trivial":
        return rules.trivial_start(env, rng)
    if start == "generator":
        return env.generator(rng)
    if callable(start):
        return start(rng)
    raise ValueError(f"start must be 'trivial', 'generator' or a callable, got {start!r}")
