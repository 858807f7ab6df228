"""DQN (Mnih et al. 2015) from stable-baselines3, with a replay buffer and a target network.

Action masks: SB3's DQN cannot mask during training (its epsilon-greedy
exploration and its max over next-state Q-values run over all actions), so
illegal actions are tried and penalised by the envs (a no-op with a penalty).
At inference (:mod:`rigorgym.agents.learned`) the masks are honoured: the
argmax runs over the legal actions only.

The replay buffer is not part of a checkpoint: a resumed run refills it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stable_baselines3 import DQN

from .common import Session, TrainArgs

RENAMES = {"train/loss": ("losses/td_loss", 1.0)}  # CleanRL's name for DQN's (Huber) TD loss


@dataclass
class Args(TrainArgs):
    """DQN's hyper-parameters (SB3 names), with small defaults that suit these envs on a CPU."""

    out: Path = Path("runs/dqn")
    learning_rate: float = 1e-4
    buffer_size: int = 20_000  # transitions; the Dict observations of Ribbon are a few kB each
    learning_starts: int = 1_000
    batch_size: int = 64
    tau: float = 1.0
    gamma: float = 0.99
    train_freq: int = 4
    gradient_steps: int = 1
    target_update_interval: int = 1_000
    exploration_fraction: float = 0.2
    exploration_initial_eps: float = 1.0
    exploration_final_eps: float = 0.05
    max_grad_norm: float = 10.0


def train(args: Args) -> Path:
    """Train DQN; write the agent folder; return it."""
    with Session(args, "dqn", RENAMES) as s:
        model = s.resumed(DQN) or DQN(
            s.policy_name,
            s.env,
            learning_rate=args.learning_rate,
            buffer_size=args.buffer_size,
            learning_starts=args.learning_starts,
            batch_size=args.batch_size,
            tau=args.tau,
            gamma=args.gamma,
            train_freq=args.train_freq,
            gradient_steps=args.gradient_steps,
            target_update_interval=args.target_update_interval,
            exploration_fraction=args.exploration_fraction,
            exploration_initial_eps=args.exploration_initial_eps,
            exploration_final_eps=args.exploration_final_eps,
            max_grad_norm=args.max_grad_norm,
            policy_kwargs=s.policy_kwargs,
            seed=args.seed,
            device=args.device,
            verbose=0,
        )
        return s.learn(model)
