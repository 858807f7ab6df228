"""TRPO (Schulman et al. 2015) from sb3-contrib: the algorithm that did best in "Learning to unknot".

Action masks: sb3-contrib's TRPO cannot mask during training (no masked
distribution, unlike MaskablePPO), so illegal actions stay possible: the envs
make them a no-op with a penalty. At inference (:mod:`rigorgym.agents.learned`)
the masks are honoured.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sb3_contrib import TRPO

from .common import Session, TrainArgs

#: TRPO maximises a surrogate objective: logged as a loss (its negative), and its KL as CleanRL's approx_kl
RENAMES = {
    "train/policy_objective": ("losses/policy_loss", -1.0),
    "train/kl_divergence_loss": ("losses/approx_kl", 1.0),
}


@dataclass
class Args(TrainArgs):
    """TRPO's hyper-parameters (sb3-contrib names), with small defaults that suit these envs on a CPU."""

    out: Path = Path("runs/trpo")
    learning_rate: float = 1e-3  # the value function's optimiser (the policy step is the trust-region step)
    n_steps: int = 512  # rollout length per env
    batch_size: int = 128
    gamma: float = 0.99
    gae_lambda: float = 0.95
    cg_max_steps: int = 15
    cg_damping: float = 0.1
    line_search_shrinking_factor: float = 0.8
    line_search_max_iter: int = 10
    n_critic_updates: int = 10
    target_kl: float = 0.01  # the trust region
    normalize_advantage: bool = True
    sub_sampling_factor: int = 1


def train(args: Args) -> Path:
    """Train TRPO; write the agent folder; return it."""
    with Session(args, "trpo", RENAMES) as s:
        model = s.resumed(TRPO) or TRPO(
            s.policy_name,
            s.env,
            learning_rate=args.learning_rate,
            n_steps=args.n_steps,
            batch_size=args.batch_size,
            gamma=args.gamma,
            gae_lambda=args.gae_lambda,
            cg_max_steps=args.cg_max_steps,
            cg_damping=args.cg_damping,
            line_search_shrinking_factor=args.line_search_shrinking_factor,
            line_search_max_iter=args.line_search_max_iter,
            n_critic_updates=args.n_critic_updates,
            target_kl=args.target_kl,
            normalize_advantage=args.normalize_advantage,
            sub_sampling_factor=args.sub_sampling_factor,
            policy_kwargs=s.policy_kwargs,
            seed=args.seed,
            device=args.device,
            verbose=0,
        )
        return s.learn(model)
