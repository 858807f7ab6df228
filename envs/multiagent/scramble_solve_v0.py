"""``scramble_solve_v0``: the scramble-solve game in PettingZoo's usual module form (``env``, ``raw_env``, ``parallel_env``).

    from rigorgym.envs.multiagent import scramble_solve_v0
    aec = scramble_solve_v0.env(game="UnKnot-v0", scramble_moves=10)
    par = scramble_solve_v0.parallel_env(game="Kirby-Plumbing-v0")
    knots = scramble_solve_v0.env(game="UnKnot-Diagram-v0")  # the kink scrambled by R1/R2 additions and R3 moves

Spec sheet: ``docs/envs/scramble-solve.md``.
"""

from __future__ import annotations

from typing import Any

from pettingzoo import AECEnv, ParallelEnv
from pettingzoo.utils import wrappers
from pettingzoo.utils.conversions import turn_based_aec_to_parallel

from .scramble_solve import SCRAMBLER, SOLVER, ScrambleSolveEnv

raw_env = ScrambleSolveEnv


def env(game: str = "UnKnot-v0", **kwargs: Any) -> AECEnv[str, dict[str, Any], Any]:
    """The AEC game with PettingZoo's order check.

    ``AssertOutOfBoundsWrapper`` and ``TerminateIllegalWrapper`` are left
    out on purpose: as in the single-agent envs, an illegal or out-of-range
    action is a no-op with a penalty, never an error or the end of the game.
    """
    return wrappers.OrderEnforcingWrapper(raw_env(game=game, **kwargs))


def parallel_env(game: str = "UnKnot-v0", **kwargs: Any) -> ParallelEnv[str, dict[str, Any], Any]:
    """The same game as a turn-based parallel env: each step reads only the action of the player whose turn it is.

    ``infos[agent]["active_agent"]`` names that player after every step (the
    one whose mask is not all zeros).
    """
    return turn_based_aec_to_parallel(raw_env(game=game, **kwargs))


__all__ = ["SCRAMBLER", "SOLVER", "env", "parallel_env", "raw_env"]
