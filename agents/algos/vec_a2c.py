"""A2C on the batched vector envs, in one file in the manner of CleanRL (issue 19).

Synchronous advantage actor-critic, the synchronous form of A3C (Mnih et al.
2016): every ``num_steps`` steps of ``num_envs`` envs give one batch, n-step
returns (``gae_lambda=1``, the default) or GAE estimate the advantages, and
the batch makes exactly one gradient step (RMSprop, as in the paper and in
stable-baselines' A2C, or Adam) on the policy-gradient loss, an entropy bonus
and the value loss, with the gradient norm clipped. No replay, no ratio
clipping: that is what separates it from :mod:`.vec_ppo`.

The interface is vec_ppo's (``Args`` with the same common field names,
``validate``, ``train``, ``load_policy``, ``ALGO``), so the CLI dispatches by
name. The plumbing is :mod:`.vec_common`'s, shared with vec_ppo and vec_trpo:
the masked categorical, the env, seeding, the rollout buffer and GAE
(:class:`~.vec_common.Rollout`), the setup of ``train``, the agent folder.

Next-step auto-reset as in vec_ppo: the step after an episode ends only resets
that env; such steps are kept out of the loss, and the value of the final
observation bootstraps a truncated episode.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from . import vec_common
from .saved import AgentCard
from .vec_common import (  # noqa: F401  (Rollout, masked_log_probs, ...: vec_a2c's names before)
    Rollout,
    Session,
    VecPPOPolicy,
    check_model_file,
    episode_charts,
    explained_variance,
    load_agent,
    log_prob_and_entropy,
    make_envs,
    masked_entropy,
    masked_log_probs,
    save_folder,
    session,
    validate_common,
)

if TYPE_CHECKING:
    from .common import ScalarTap  # common imports SB3: only where training starts

ALGO = "vec_a2c"
OPTIMIZERS = ("rmsprop", "adam")


@dataclass
class Args:
    """Every knob of a run (``agent.json`` records them as ``algo_args``); common names as in vec_ppo's Args."""

    env_id: str = "UnKnot-v0"
    env_kwargs: dict[str, Any] = field(default_factory=dict)  # extra gym.make_vec kwargs, e.g. max_length
    num_envs: int = 256  # envs stepped at once by the vector env
    steps: int = 1_000_000  # total env steps (with resume: the total to reach, the checkpoint's included)
    num_steps: int = 8  # steps per env per rollout = the n of the n-step returns (batch = num_envs * num_steps)
    optimizer: str = "rmsprop"  # "rmsprop" (A3C's, stable-baselines') or "adam"
    lr: float = 7e-4
    rms_alpha: float = 0.99  # RMSprop's smoothing
    eps: float = 1e-5  # the optimizer's epsilon
    anneal_lr: bool = False  # linear decay to 0 at ``steps``
    gamma: float = 0.99
    gae_lambda: float = 1.0  # 1: plain n-step returns (A2C); < 1: GAE
    norm_adv: bool = False  # normalise advantages over the batch
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    seed: int = 1
    device: str = "cpu"  # "cpu" or "cuda" ("cuda:N")
    policy: str = "mlp"  # "mlp" (flat, dense head), "factored" (per-position head, UnKnot), "gnn" (Kirby-Plumbing)
    hidden: tuple[int, ...] = (256, 256)  # mlp
    width: int = 16  # factored, gnn: channels
    depth: int = 2  # factored: residual conv layers; gnn: message-passing layers
    kernel: int = 3  # factored: conv window (odd)
    conv: str = "sage"  # gnn: the torch-geometric layer (gcn, gin, gat, sage)
    threads: int = 0  # torch intra-op threads; 0: rigorgym.threads.training_threads() (mostly 1)
    checkpoint_every: int = 0  # updates between checkpoints in OUT/checkpoints; 0: none (Ctrl-C still saves one)
    out: Path = Path("runs/vec_a2c")
    resume: Path | None = None  # a checkpoint folder (OUT/checkpoints/update_N, or a finished OUT) to continue
    init_from: Path | None = None  # warm start: another vec folder's weights, same network (e.g. a vec_bc imitation)

    @property
    def batch_size(self) -> int:
        return self.num_envs * self.num_steps


def validate(args: Args) -> None:
    """Refuse bad arguments before anything is built or written (one clear ValueError)."""
    validate_common(args, ALGO)
    if args.optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {args.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    if not args.lr > 0 or not 0 < args.rms_alpha < 1 or not args.eps > 0:
        raise ValueError(f"need lr > 0, rms_alpha in (0, 1), eps > 0; got {args.lr}, {args.rms_alpha}, {args.eps}")
    if args.ent_coef < 0 or args.vf_coef < 0 or not args.max_grad_norm > 0:
        raise ValueError("need ent_coef, vf_coef >= 0 and max_grad_norm > 0")


def read_card(folder: str | Path, algo: str = ALGO) -> AgentCard:
    """``agent.json`` of an ``algo`` folder whose model file is there."""
    card = vec_common.read_card(folder, algo)
    check_model_file(folder, card)
    return card


def load_policy(folder: str | Path) -> VecPPOPolicy:
    """The acting policy of a vec_a2c agent folder (``solve``, ``evaluate``, the leaderboard)."""
    return load_agent(folder, ALGO)


# -- training ----------------------------------------------------------------------------------------


def make_optimizer(args: Args, net: nn.Module) -> torch.optim.Optimizer:
    if args.optimizer == "rmsprop":
        return torch.optim.RMSprop(net.parameters(), lr=args.lr, alpha=args.rms_alpha, eps=args.eps)
    return torch.optim.Adam(net.parameters(), lr=args.lr, eps=args.eps)


def train(args: Args, on_scalar: ScalarTap | None = None) -> Path:
    """Train A2C on the vector env into ``args.out`` (agent folder, ``tb/``, ``checkpoints/``); return the folder."""
    with session(args, validate, make_envs, on_scalar) as run:
        net = run.build_net()
        optimizer = make_optimizer(args, net)
        global_step, update = 0, 0
        state = run.resume(net)
        if state is not None:
            optimizer.load_state_dict(state["optimizer"])
            global_step, update = int(state["global_step"]), int(state["update"])
        return _loop(args, run, net, optimizer, run.open_writer(), global_step, update)


def _loop(
    args: Args,
    run: Session,
    net: nn.Module,
    optimizer: torch.optim.Optimizer,
    writer: Any,
    global_step: int,
    update: int,
) -> Path:
    out, spec, device = run.out, run.spec, run.device
    # a resumed run sees fresh instances (seed shifted by the steps done), still deterministic
    roll = Rollout(args, run.envs, spec, device, args.seed + global_step)
    start_step, clock = global_step, time.perf_counter()

    def state() -> dict[str, Any]:
        return {
            "optimizer": optimizer.state_dict(),
            "global_step": global_step,
            "update": update,
            "torch_rng": torch.get_rng_state(),
            "algo": ALGO,
        }

    def metrics() -> dict[str, float]:
        return roll.metrics(global_step - start_step, clock, run.start_wall)

    def checkpoint() -> Path:
        folder = out / "checkpoints" / f"update_{update:06d}"
        return run.save(folder, ALGO, net, state(), metrics())

    try:
        while global_step < args.steps:
            update += 1
            if args.anneal_lr:
                optimizer.param_groups[0]["lr"] = args.lr * max(1.0 - global_step / args.steps, 0.0)
            global_step += roll.collect(net)  # after the rollout, so that a checkpoint's count matches its model
            with torch.no_grad():
                next_value = net(torch.as_tensor(roll.next_obs, device=device))[1].cpu().numpy()
            adv = roll.advantages(roll.values.cpu().numpy(), next_value, args.gamma, args.gae_lambda)
            idx, b_obs, b_mask, b_act = roll.flat()
            b_adv = torch.as_tensor(adv, device=device).reshape(-1)[idx]
            b_ret = b_adv + roll.values.reshape(-1)[idx]
            if args.norm_adv and len(idx) > 1:
                b_adv = (b_adv - b_adv.mean()) / (b_adv.std() + 1e-8)
            # -- the one gradient step of this batch
            logits, value = net(b_obs)
            logp, entropies = log_prob_and_entropy(logits, b_mask, b_act)
            entropy = entropies.mean()
            pg_loss = -(b_adv * logp).mean()
            v_loss = 0.5 * ((value - b_ret) ** 2).mean()
            loss = pg_loss - args.ent_coef * entropy + args.vf_coef * v_loss
            optimizer.zero_grad()
            loss.backward()
            grad_norm = nn.utils.clip_grad_norm_(net.parameters(), args.max_grad_norm)
            optimizer.step()
            # -- the fixed metric names
            m = metrics()
            scalars = {
                **episode_charts(m),
                "charts/learning_rate": optimizer.param_groups[0]["lr"],
                "losses/policy_loss": float(pg_loss.detach()),
                "losses/value_loss": float(v_loss.detach()),
                "losses/entropy": float(entropy.detach()),
                "losses/explained_variance": explained_variance(value.detach(), b_ret),
                "losses/grad_norm": float(grad_norm),
            }
            for name, val in scalars.items():
                writer.add_scalar(name, val, global_step)
            if args.checkpoint_every and update % args.checkpoint_every == 0:
                checkpoint()
    except KeyboardInterrupt:
        checkpoint()  # Ctrl-C keeps the run so far, resumable
        raise
    return run.save(out, ALGO, net, state(), metrics())


__all__ = ["ALGO", "Args", "Rollout", "load_policy", "read_card", "train", "validate"]
