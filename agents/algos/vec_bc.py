"""Imitation of the ``guided`` search, with expert iteration (DAgger), for the batched trainers' networks (issue 19).

Why: the UnKnot policies trained by reward alone barely learn in the budgets
a CPU allows, while the ``guided`` search (:mod:`..unknot_search`) unknots
99-100% of the word suites in milliseconds. Its certificates are kernel
moves, i.e. env actions, so they teach a policy directly:

* round 0 draws fresh scrambled unknots (``ScrambleGenerator`` over
  ``strands`` x ``lengths``; never a benchmark suite's instances), solves each
  with ``guided`` (hand value, a fixed expansion budget: deterministic) and
  keeps every ``(observation, mask, action)`` of its path;
* each later round rolls the current policy out greedily (masked argmax, the
  pure-policy protocol) on fresh instances and, at every ``label_every``-th
  state it visits, asks the search for a path from *that* state and keeps
  its first ``label_horizon`` moves (DAgger: the policy learns to recover
  from its own mistakes);
* after each round the network is trained on all the data so far (masked
  cross-entropy, :func:`.masked.log_prob_and_entropy`) and the pure policy's
  solved rate on held-out fresh instances goes to ``charts/solved_rate``.

The result is an agent folder like the other batched trainers' (``algo``
``vec_bc``; ``solve``, ``evaluate``, the leaderboard and ``init_from`` of
``vec_ppo`` take it). A policy trained this way is an imitation of the
search: the cards and results pages say so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from . import vec_common
from .saved import AgentCard, masked_choice
from .vec_common import (
    VecPPOPolicy,
    check_net_device_out,
    check_policy,
    load_agent,
    log_prob_and_entropy,
)

if TYPE_CHECKING:
    from .common import ScalarTap

ALGO = "vec_bc"


@dataclass
class Args:
    """Every knob of a run (``agent.json`` records them as ``algo_args``); network names as in vec_ppo's Args."""

    env_id: str = "UnKnot-v0"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    steps: int = 200_000  # labelled (state, move) pairs to collect in all, split evenly over the rounds
    rounds: int = 4  # round 0: the search's own paths; rounds 1..: DAgger on the policy's states
    strands: tuple[int, ...] = (3, 5, 7)  # training instances: ScrambleGenerator(strands, length, mix), uniform
    lengths: tuple[int, ...] = (20, 40, 60, 96)
    mix: int = 2
    expert_expansions: int = 4000  # the search's budget per call (deterministic)
    label_every: int = 8  # DAgger: ask the search at every k-th state the policy visits
    label_horizon: int = 8  # DAgger: keep the first k moves of each such path (round 0 keeps whole paths)
    max_moves: int = 400  # the move cap of a policy rollout (DAgger and the held-out check)
    eval_instances: int = 64  # held-out fresh instances per round for charts/solved_rate
    epochs: int = 3  # passes over all the data after each round
    batch_size: int = 1024
    lr: float = 1e-3
    ent_coef: float = 0.0
    seed: int = 1
    device: str = "cpu"
    policy: str = "factored"
    hidden: tuple[int, ...] = (256, 256)  # mlp
    width: int = 32  # factored: channels
    depth: int = 4  # factored: residual conv layers
    kernel: int = 5  # factored: conv window (odd)
    conv: str = "sage"  # unused here (gnn)
    threads: int = 0
    out: Path = Path("runs/vec_bc")
    resume: Path | None = None  # not supported (a finished folder warm-starts vec_ppo via its init_from instead)


def validate(args: Args) -> None:
    """Refuse bad arguments before anything is built or written (one clear ValueError)."""
    check_policy(args)
    for name in (
        "steps",
        "rounds",
        "expert_expansions",
        "label_every",
        "label_horizon",
        "max_moves",
        "epochs",
        "batch_size",
    ):
        if getattr(args, name) < 1:
            raise ValueError(f"{name} must be >= 1, got {getattr(args, name)}")
    if args.eval_instances < 0 or args.threads < 0 or not args.lr > 0:
        raise ValueError("eval_instances, threads must be >= 0 and lr > 0")
    if not args.strands or not args.lengths or min(args.strands) < 2:
        raise ValueError(f"strands (each >= 2) and lengths must be given, got {args.strands}, {args.lengths}")
    for n in args.strands:
        for length in args.lengths:
            if length < n - 1 or (length - n + 1) % 2:
                raise ValueError(f"length {length} does not fit {n} strands (>= strands - 1, same parity)")
    if args.resume is not None:
        raise ValueError("vec_bc has no resume; warm-start vec_ppo from a finished folder with init_from")
    check_net_device_out(args)


class Expert:
    """The ``guided`` search (hand value, fixed expansions) as a labeller: the env actions of a path from a braid."""

    def __init__(self, layout: Any, expansions: int) -> None:
        from ..unknot_features import hand_value
        from ..unknot_search import SearchConfig, guided_search

        self.layout, self.search, self.value = layout, guided_search, hand_value
        self.config = SearchConfig(
            max_expansions=expansions, max_length=layout.max_length, max_strands=layout.max_strands
        )
        self.calls = self.failures = 0

    def actions(self, strands: int, word: tuple[int, ...]) -> list[int] | None:
        from rigorgym.verifiers.braid import Braid

        self.calls += 1
        outcome = self.search(Braid(strands, word), self.value, float("inf"), self.config)
        if outcome.moves is None:
            self.failures += 1
            return None
        return [self.layout.from_move(m) for m in outcome.moves]


def braid_of(obs: np.ndarray) -> tuple[int, tuple[int, ...]]:
    """``(strands, word)`` of a flat UnKnot observation row (strands, then the letters, zero-padded)."""
    letters = obs[1:]
    return int(obs[0]), tuple(int(x) for x in letters[letters != 0])


class Data:
    """The labelled pairs so far: int8 observations, bit-packed masks, actions."""

    def __init__(self, obs_dim: int, n_actions: int) -> None:
        self.obs: list[np.ndarray] = []
        self.masks: list[np.ndarray] = []
        self.actions: list[int] = []
        self.n_actions = n_actions

    def add(self, obs: np.ndarray, mask: np.ndarray, action: int) -> None:
        self.obs.append(np.asarray(obs, np.int8).copy())
        self.masks.append(np.packbits(np.asarray(mask, bool)))
        self.actions.append(int(action))

    def __len__(self) -> int:
        return len(self.actions)

    def tensors(self) -> tuple[torch.Tensor, np.ndarray, torch.Tensor]:
        return torch.as_tensor(np.stack(self.obs)), np.stack(self.masks), torch.as_tensor(self.actions)


def play_expert(env: Any, expert: Expert, data: Data, strands: int, word: tuple[int, ...], budget: int) -> int:
    """The search's path from ``(strands, word)`` replayed in ``env``, each step labelled; pairs added."""
    from rigorgym.envs.unknot.types import BraidInstance

    path = expert.actions(strands, word)
    if path is None:
        return 0
    obs, info = env.reset(options={"instance": BraidInstance.trusted(strands, word)})
    added = 0
    for action in path[:budget]:
        data.add(obs, info["action_mask"], action)
        added += 1
        obs, _, _, _, info = env.step(action)
    return added


_NO_RNG = np.random.default_rng(0)  # masked_choice's generator; unused for the argmax


def rollout(env: Any, net: nn.Module, instance: Any, max_moves: int) -> tuple[bool, list[np.ndarray]]:
    """The pure policy (masked argmax) from ``instance``: whether it unknots it, and the observations it saw."""
    obs, info = env.reset(options={"instance": instance})
    seen = []
    for _ in range(max_moves):
        seen.append(obs.copy())
        with torch.no_grad():
            logits, _ = net(torch.as_tensor(obs).reshape(1, -1))
        action = masked_choice(logits[0].numpy(), info["action_mask"], True, _NO_RNG)  # as a trained agent acts
        obs, _, terminated, _, info = env.step(action)
        if terminated:
            return True, seen
    return False, seen


def fit(net: nn.Module, optimizer: torch.optim.Optimizer, data: Data, args: Args, rng: np.random.Generator) -> float:
    """``args.epochs`` passes of masked cross-entropy over all the data; the last epoch's mean loss."""
    obs, packed, actions = data.tensors()
    n_actions = data.n_actions
    mean = float("nan")
    for _ in range(args.epochs):
        order = rng.permutation(len(data))
        losses = []
        for start in range(0, len(order), args.batch_size):
            idx = order[start : start + args.batch_size]
            mask = torch.as_tensor(np.unpackbits(packed[idx], axis=1, count=n_actions).astype(bool))
            logits, _ = net(obs[idx])
            logp, entropy = log_prob_and_entropy(logits, mask, actions[idx])
            loss = -logp.mean() - args.ent_coef * entropy.mean()
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            losses.append(float(loss.detach()))
        mean = float(np.mean(losses))
    return mean


def instances(args: Args, rng: np.random.Generator, count: int) -> list[Any]:
    from rigorgym.envs.unknot.generator import ScrambleGenerator

    out = []
    for _ in range(count):
        n, length = int(rng.choice(args.strands)), int(rng.choice(args.lengths))
        length += (length - n + 1) % 2  # keep the parity legal for any pair given
        out.append(ScrambleGenerator(n, length, args.mix)(rng))
    return out


def _spec_env(args: Args) -> gym.vector.VectorEnv:
    """One batched env: what :func:`.vec_common.session` reads the network's spec from."""
    import rigorgym  # noqa: F401  (registers the envs)

    return gym.make_vec(args.env_id, num_envs=1, vectorization_mode="vector_entry_point", **dict(args.env_kwargs))


def train(args: Args, on_scalar: ScalarTap | None = None) -> Path:
    """Imitate the search (rounds of DAgger) into ``args.out``; return the agent folder."""
    rng = np.random.default_rng(args.seed)
    with vec_common.session(args, validate, _spec_env, on_scalar) as run:
        if run.spec.game != "unknot":
            raise ValueError(f"vec_bc imitates the UnKnot guided search; {args.env_id} is not an UnKnot env")
        net = run.build_net()
        optimizer = torch.optim.Adam(net.parameters(), lr=args.lr)
        env = gym.make(args.env_id, **dict(args.env_kwargs)).unwrapped
        expert = Expert(env.layout, args.expert_expansions)
        data = Data(run.spec.obs_dim, run.spec.n_actions)
        held_out = instances(args, np.random.default_rng([args.seed, 10**6]), args.eval_instances)
        writer = run.open_writer()
        per_round = -(-args.steps // args.rounds)
        metrics: dict[str, float] = {}
        for round_ in range(args.rounds):
            target = min(args.steps, (round_ + 1) * per_round)
            while len(data) < target:
                inst = instances(args, rng, 1)[0]
                if round_ == 0:
                    play_expert(env, expert, data, inst.braid.strands, tuple(inst.braid.word), target - len(data))
                    continue
                _, seen = rollout(env, net, inst, args.max_moves)
                for obs in seen[:: args.label_every]:
                    if len(data) >= target:
                        break
                    play_expert(env, expert, data, *braid_of(obs), min(args.label_horizon, target - len(data)))
            loss = fit(net, optimizer, data, args, rng)
            solved = [rollout(env, net, inst, args.max_moves)[0] for inst in held_out]
            metrics = {
                "solved_rate": float(np.mean(solved)) if solved else 0.0,
                "loss": loss,
                "pairs": float(len(data)),
                "expert_calls": float(expert.calls),
                "expert_failures": float(expert.failures),
                "rounds": float(round_ + 1),
                "wall_s": time.time() - run.start_wall,
            }
            writer.add_scalar("charts/solved_rate", metrics["solved_rate"], len(data))
            writer.add_scalar("losses/imitation_loss", loss, len(data))
            writer.add_scalar("charts/expert_failures", expert.failures, len(data))
        state = {"algo": ALGO, "global_step": len(data), "optimizer": optimizer.state_dict()}
        return run.save(run.out, ALGO, net, state, metrics)


def read_card(folder: str | Path) -> AgentCard:
    return vec_common.read_card(folder, ALGO)


def load_policy(folder: str | Path) -> VecPPOPolicy:
    """The acting policy of a vec_bc folder (its network acts by its logits, like vec_ppo's)."""
    return load_agent(folder, ALGO)


__all__ = ["ALGO", "Args", "Expert", "braid_of", "load_policy", "train", "validate"]
