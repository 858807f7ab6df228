"""Run whole scramble-solve games with two policies and collect what happened (self-play, tests, exports).

Policies: :func:`random_policy` (uniform over the legal actions) and
:func:`kernel_policy` (a solver that plays a list of kernel moves, such as a
search agent's certificate, as the game's action indices).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from pettingzoo import AECEnv

from .scramble_solve import SCRAMBLER, SOLVER

#: A policy: ``(observation_dict, agent) -> action``, the observation being ``{"observation", "action_mask"}``.
Policy = Callable[[dict[str, Any], str], Any]
#: A solver in kernel moves: ``instance -> moves`` (a certificate's instance object in, its move list out) or None.
MoveSolver = Callable[[dict[str, Any]], list[dict[str, Any]] | None]


@dataclass
class GameStats:
    """One finished game: sizes, outcome, the scrambled instance and the proofs that came with it.

    ``scramble_length`` counts the scrambler's legal moves, ``solver_moves``
    the solver's turns (legal or not). ``scramble`` is ``{"start", "moves"}``:
    the start instance and the kernel moves that turned it into ``instance``.
    ``certificate`` is the solver's, when it won. ``to_record``/``from_record``
    turn it into JSON and back (self-play logs feed the exporter).
    """

    game: str
    seed: int | None
    scramble_length: int
    solved: bool
    solver_moves: int
    instance: dict[str, Any]
    scramble: dict[str, Any]
    certificate: dict[str, Any] | None
    returns: dict[str, float]

    def to_record(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> GameStats:
        return cls(**record)


def random_policy(seed: int | None = None) -> Policy:
    """A uniformly random legal action (by the observation's mask), from its own seeded generator."""
    rng = np.random.default_rng(seed)

    def act(observation: dict[str, Any], agent: str) -> int:
        legal = np.flatnonzero(observation["action_mask"])
        return int(rng.choice(legal)) if legal.size else 0

    return act


def kernel_policy(
    game_env: AECEnv[str, dict[str, Any], Any], solve: MoveSolver, fallback: Policy | None = None
) -> Policy:
    """A solver policy that plays kernel moves: ``solve(instance)`` once per game, then its moves one per turn.

    At the solver's first turn of a game, ``solve`` gets the scrambled
    instance (``infos["solver"]["instance"]``) and returns kernel moves, for
    example those of a search agent's ``unknot`` certificate. Each turn
    then plays the next planned move as the action index the game's rules
    give it (``rules.action_of``; UnKnot-Diagram-v0 has it), so the env
    records exactly the planned moves and a win's certificate is theirs.
    A turn with nothing to play from the plan (``solve`` returned None, the
    plan is spent, a fallback move left it, or the layout has no action for
    the move) goes to ``fallback`` (default: a random legal
    action), as do the scrambler's turns. ``game_env`` is the AEC env the
    policy plays in (wrapped or raw).
    """
    raw = game_env.unwrapped
    if not hasattr(raw.rules, "action_of"):
        raise ValueError(f"kernel_policy needs a game whose rules map kernel moves to actions, not {raw.game}")
    other = fallback if fallback is not None else random_policy(0)
    plan: dict[str, Any] = {"key": None, "moves": None}

    def act(observation: dict[str, Any], agent: str) -> Any:
        instance = raw.instance
        if agent != SOLVER or instance is None:
            return other(observation, agent)
        key = json.dumps(instance, sort_keys=True)
        if plan["key"] != key:
            plan["key"], plan["moves"] = key, solve(instance)
        moves, done = plan["moves"], raw.inner.moves
        if moves is None or len(done) >= len(moves) or moves[: len(done)] != done:
            return other(observation, agent)
        action = raw.rules.action_of(raw.inner, moves[len(done)])
        return other(observation, agent) if action is None else action

    return act


def play(
    game_env: AECEnv[str, dict[str, Any], Any],
    scrambler_policy: Policy,
    solver_policy: Policy,
    episodes: int = 1,
    seed: int | None = 0,
) -> list[GameStats]:
    """Play ``episodes`` games on an AEC scramble-solve env (game ``e`` reset with ``seed + e``)."""
    policies = {SCRAMBLER: scrambler_policy, SOLVER: solver_policy}
    out: list[GameStats] = []
    for e in range(episodes):
        game_seed = None if seed is None else seed + e
        game_env.reset(seed=game_seed)
        returns = dict.fromkeys(policies, 0.0)
        final: dict[str, Any] = {}
        for agent in game_env.agent_iter():
            observation, reward, terminated, truncated, info = game_env.last()
            returns[agent] += float(reward)
            if terminated or truncated:
                if agent == SOLVER:
                    final = info
                game_env.step(None)
            else:
                game_env.step(policies[agent](observation, agent))
        out.append(
            GameStats(
                game=game_env.unwrapped.game,
                seed=game_seed,
                scramble_length=final["scramble_length"],
                solved=final["winner"] == SOLVER,
                solver_moves=final["solver_moves"],
                instance=final["instance"],
                scramble=final["scramble"],
                certificate=final.get("certificate"),
                returns=returns,
            )
        )
    return out
