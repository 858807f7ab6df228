"""MaskablePPO (Huang & Ontañón 2020) from sb3-contrib: PPO that never samples an illegal action.

Action masks: honoured in training and at inference. The env factory wraps
each env in sb3-contrib's ``ActionMasker`` reading the env's
``action_masks()``; MaskablePPO sets the logits of illegal actions to -inf
when it samples rollouts and when it computes the loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sb3_contrib import MaskablePPO

from .common import Session, TrainArgs


@dataclass
class Args(TrainArgs):
    """MaskablePPO's hyper-parameters (SB3 names), with small defaults that suit these envs on a CPU."""

    out: Path = Path("runs/maskable_ppo")
    learning_rate: float = 3e-4
    n_steps: int = 256  # rollout length per env
    batch_size: int = 64
    n_epochs: int = 4
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip_range: float = 0.2
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    target_kl: float | None = None


def train(args: Args) -> Path:
    """Train MaskablePPO; write the agent folder; return it."""
    with Session(args, "maskable_ppo") as s:
        model = s.resumed(MaskablePPO) or MaskablePPO(
            s.policy_name,
            s.env,
            learning_rate=args.learning_rate,
            n_steps=args.n_steps,
            batch_size=args.batch_size,
            n_epochs=args.n_epochs,
            gamma=args.gamma,
            gae_lambda=args.gae_lambda,
            clip_range=args.clip_range,
            ent_coef=args.ent_coef,
            vf_coef=args.vf_coef,
            max_grad_norm=args.max_grad_norm,
            target_kl=args.target_kl,
            policy_kwargs=s.policy_kwargs,
            seed=args.seed,
            device=args.device,
            verbose=0,
        )
        return s.learn(model)
