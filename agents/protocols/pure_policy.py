"""The papers' evaluation protocol: a learned policy alone, at most K episodes per instance, no search.

"Learning to unknot" (Gukov, Halverson, Ruehle, Sułkowski 2021) and Ri–Putrov
(2023) report what a trained policy does *by itself*: one episode per
instance under a fixed move cap, no search, no restarts, no wall clock.
:class:`~rigorgym.agents.learned.LearnedAgent`'s ``solve`` is a solver
instead (a greedy episode, then sampled restarts until a certificate verifies
or the budget ends), so its solved fraction is not the papers' figure.

:func:`play` runs the protocol on one instance: ``attempts`` episodes at
most (the first greedy when ``deterministic``, sampled otherwise; every later
one sampled from the policy's masked softmax), each of at most ``max_moves``
moves (default: the env's ``max_episode_steps``). An instance counts as solved
only when the kernel (:func:`rigorgym.verifiers.verify`) accepts the
certificate an episode ends in. Nothing depends on the clock, so a fixed seed
gives the same result on any machine. :func:`evaluate_policy` plays a list of
instances and summarises them; ``rigorgym evaluate --attempts K`` prints it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Protocol:
    """How the policy plays alone: episodes per instance, argmax or sampled first episode, move cap per episode."""

    attempts: int = 1
    deterministic: bool = True
    max_moves: int | None = None  # per episode; None: the env's max_episode_steps

    def __post_init__(self) -> None:
        for name, value in (("attempts", self.attempts), ("max_moves", self.max_moves)):
            if value is None and name == "max_moves":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


@dataclass
class PolicyOutcome:
    """One instance under the protocol: the kernel-accepted certificate (or None) and what it took."""

    certificate: dict[str, Any] | None
    episodes: int  # episodes played (<= attempts)
    steps: int  # moves played over all episodes
    rejected: int = 0  # certificates the env handed out that the kernel refused (never counted)
    reason: str | None = None  # why nothing was played (e.g. the instance does not fit the agent's env)
    seconds: float = 0.0

    @property
    def solved(self) -> bool:
        return self.certificate is not None

    @property
    def moves(self) -> int | None:
        """Moves of the accepted certificate (None when unsolved)."""
        return None if self.certificate is None else len(self.certificate["moves"])


def move_cap(agent: Any, env: Any, protocol: Protocol) -> tuple[int, str]:
    """The per-episode move cap in force and where it comes from (``--max-steps`` or the env's episode length)."""
    if protocol.max_moves is not None:
        return protocol.max_moves, "max_moves"
    env_id = env.spec.id if env.spec is not None else agent.card.env_id
    return agent.episode_limit(env), f"{env_id} max_episode_steps"


def play(agent: Any, env: Any, instance: Any, protocol: Protocol, seed: int) -> PolicyOutcome:
    """The protocol on one instance with a :class:`~rigorgym.agents.learned.LearnedAgent` (its policy alone).

    Episode 1 resets the board with ``seed``; the sampling generator is
    ``default_rng(seed)``. The policy is loaded (and warmed up) before the clock
    starts; ``seconds`` is only reported, it never ends an episode.
    """
    start = time.perf_counter()
    board = agent.board_for(env)
    policy = agent.policy
    cap, _ = move_cap(agent, env, protocol)
    rng = np.random.default_rng(seed)
    steps = episodes = rejected = 0

    def done(cert: dict[str, Any] | None, reason: str | None = None) -> PolicyOutcome:
        return PolicyOutcome(cert, episodes, steps, rejected, reason, time.perf_counter() - start)

    def accepted(cert: dict[str, Any]) -> bool:
        cert["meta"]["seed"] = seed
        return bool(agent.accepts(cert))

    while episodes < protocol.attempts:
        deterministic = protocol.deterministic and episodes == 0
        try:
            obs, info = board.reset(seed=seed if episodes == 0 else None, options={"instance": instance})
        except ValueError as exc:  # the instance does not fit the env the agent plays on
            return done(None, f"the instance does not fit the env {agent.card.env_id} was trained on: {exc}")
        episodes += 1
        if hasattr(policy, "reset"):  # a policy with a move in progress (the macro policy) starts afresh
            policy.reset()
        if board.solved:  # solved before any move: the certificate has no moves
            cert = board.certificate()
            if accepted(cert):
                return done(cert)
            rejected += 1
            continue
        for _ in range(cap):
            action = policy.act(obs, info["action_mask"], deterministic, rng)
            obs, _, terminated, truncated, info = board.step(action)
            steps += 1
            if "certificate" in info:
                if accepted(info["certificate"]):
                    return done(info["certificate"])
                rejected += 1  # an env bug: never counted
            if terminated or truncated:
                break
    return done(None)


@dataclass
class PolicyEvaluation:
    """The outcomes of :func:`evaluate_policy`, in instance order, and the protocol they were played under."""

    protocol: Protocol
    cap: int
    cap_source: str
    outcomes: list[PolicyOutcome] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Solved of instances, verified of claimed, mean moves of solved, episodes used, and the protocol."""
        solved = [o for o in self.outcomes if o.solved]
        moves = [o.moves for o in solved if o.moves is not None]
        episodes = [o.episodes for o in self.outcomes]
        n = len(self.outcomes)
        return {
            "instances": n,
            "solved": len(solved),
            "solved_fraction": len(solved) / n if n else 0.0,
            "verified": len(solved),
            "claimed": len(solved) + sum(o.rejected for o in self.outcomes),
            "mean_moves": statistics.fmean(moves) if moves else None,
            "median_moves": statistics.median(moves) if moves else None,
            "mean_episodes": statistics.fmean(episodes) if episodes else None,
            "mean_episodes_solved": statistics.fmean(o.episodes for o in solved) if solved else None,
            "max_episodes": max(episodes, default=0),
            "episodes": episodes,
            "unfit": sum(o.reason is not None for o in self.outcomes),
            "steps": sum(o.steps for o in self.outcomes),
            "protocol": {
                "name": "pure-policy",
                "attempts": self.protocol.attempts,
                "deterministic": self.protocol.deterministic,
                "move_cap": self.cap,
                "move_cap_source": self.cap_source,
            },
        }


def load_protocol_agent(folder: str | Path, env_id: str) -> Any:
    """The agent a folder plays the protocol as: a value folder as the macro policy, any other as its policy.

    Raises :class:`~rigorgym.agents.algos.saved.BadAgentDir` for another folder or an agent of another game.
    """
    from rigorgym.agents.learned import LearnedAgent, check_game, is_value_folder

    agent: Any
    if is_value_folder(folder):  # a value net plays as the macro policy (rigorgym.agents.macro_policy)
        from rigorgym.agents.macro_policy import MacroAgent

        agent = MacroAgent(Path(folder))
    else:
        agent = LearnedAgent(Path(folder))
    check_game(agent.card, env_id, folder)
    return agent


def evaluate_policy(
    env_id: str,
    instances: Sequence[Any],
    folder: str | Path | Any,
    protocol: Protocol,
    seed: int = 0,
    on_outcome: Callable[[int, PolicyOutcome], None] | None = None,
) -> PolicyEvaluation:
    """The protocol on every instance (instance k with seed ``seed + k``), on an env of ``env_id`` sized to fit.

    ``folder`` is an agent folder of ``rigorgym train`` (or a shipped one, or a
    value folder: :func:`load_protocol_agent`), or an agent object already
    loaded (one with ``board_for``, ``policy`` and ``accepts``).
    """
    from rigorgym.agents.runner import make_env_for

    agent = folder if hasattr(folder, "board_for") else load_protocol_agent(folder, env_id)
    env = make_env_for(env_id, instances)
    try:
        out = PolicyEvaluation(protocol, *move_cap(agent, env, protocol))
        for k, instance in enumerate(instances):
            outcome = play(agent, env, instance, protocol, seed + k)
            out.outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(k, outcome)
    finally:
        env.close()
    return out


__all__ = [
    "PolicyEvaluation",
    "PolicyOutcome",
    "Protocol",
    "evaluate_policy",
    "load_protocol_agent",
    "move_cap",
    "play",
]
