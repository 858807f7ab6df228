"""PPO (Schulman et al. 2017) from stable-baselines3, on any rigorgym game (CleanRL-style file).

Action masks: SB3's PPO cannot mask during training (its categorical
distribution has no mask input), so illegal actions are sampled now and then;
the envs make them a no-op with a penalty, which the agent learns to avoid. At
inference (:mod:`rigorgym.agents.learned`) the masks are honoured: the policy
only ever picks legal actions. Use ``maskable_ppo`` to mask during training.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stable_baselines3 import PPO

from .common import Session, TrainArgs


@dataclass
class Args(TrainArgs):
    """PPO's hyper-parameters (SB3 names), with small defaults that suit these envs on a CPU."""

    out: Path = Path("runs/ppo")
    learning_rate: float = 3e-4
    n_steps: int = 256  # rollout length per env; one update per n_steps * n_envs env steps
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
    """Train PPO; write the agent folder (``model.zip``, ``agent.json``, ``tb/``, ``checkpoints/``); return it."""
    with Session(args, "ppo") as s:
        model = s.resumed(PPO) or PPO(
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
