"""PPO on the batched vector envs, in one file in the manner of CleanRL's ``ppo.py`` (issue 19).

SB3 steps one env at a time (100-1,400 env steps/s on UnKnot-v0), while
``gym.make_vec(..., vectorization_mode="vector_entry_point")`` steps millions:
here rollouts run on the vector env with batched torch, so the network is the
cost, not the env. PPO is in this file: the typed :class:`Args`, the loop
(rollout, GAE, epochs of the clipped PPO loss over minibatches), the fixed
TensorBoard names (``charts/*``, ``losses/*``), checkpoints and resume. The
plumbing it shares with the other batched trainers is in :mod:`.vec_common`:
the env and the seeding header, the masked sampler, the rollout buffer with
action masks and GAE (:class:`~.vec_common.Rollout`), the setup of ``train``
and the agent folder of :mod:`.saved` (``agent.json`` + ``model.pt``).

Next-step auto-reset: the step after an episode ends only resets that env (its
action is ignored, its reward is 0). Such steps are kept out of the loss; the
value of the final observation, computed at that step, bootstraps truncated
episodes (a terminated one does not bootstrap).

Networks: :mod:`..policies.braid_heads` (``"mlp"``, ``"factored"``) and
:mod:`..policies.plumbing_heads` (``"gnn"``). The graph network on CPU takes
the legal-only path (:func:`.vec_common.has_legal_path`): the rollout samples
from the logits of each row's legal actions (:func:`.masked.ragged_sample`),
and the update scores each minibatch's legal actions only
(``legal_logits``, its node classes found once per update by ``prepare``)
with the ragged categorical (:func:`.masked.ragged_log_prob_entropy`): the
same loss and gradients as the dense masked categorical, without a
``(batch, n_actions)`` tensor (issue 19: Kirby-Plumbing-RiPutrov-v0 has 6,016
actions, a few hundred legal).

Defaults: the MLP (64, 64) at lr 3e-3. Measured on the 2-core CPU (seed 1,
64 envs): on UnKnot-Easy-v0 (max_length 32, 4 strands) it reaches a 0.995 /
0.994 solved rate (seeds 1, 2) in 100k env steps, as (256, 256) at lr 1e-3
does (0.991; at 1e-3 the small MLP gets 0.68 / 0.955); on UnKnot-v0, 1M env
steps, both then play alone (masked argmax, 400 moves) 100/100 of
unknot-random-L20 and 82 vs 85 of unknot-words-n3-L20, and the small MLP
steps 2.3x faster (docs/results/training-throughput.md). The other
networks were trained at 1e-4 to 1e-3: give ``lr`` with them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from . import vec_common
from .masked import ragged_log_prob_entropy, take_rows
from .saved import AgentCard
from .vec_common import (  # noqa: F401  (MASKED ... sampling_mask, Stats: re-exported, vec_ppo's names before)
    MASKED,
    MODEL_FILE,
    STATE_FILE,
    Rollout,
    Session,
    Stats,
    VecPPOPolicy,
    check_counts,
    check_net_device_out,
    check_policy,
    check_resume,
    episode_charts,
    has_legal_path,
    load_agent,
    load_net,
    log_prob_and_entropy,
    make_envs,
    masked_entropy,
    masked_log_probs,
    policy_options,
    sample_masked,
    sampling_mask,
    save_folder,
    seed_everything,
    session,
)

if TYPE_CHECKING:
    from .common import ScalarTap  # common imports SB3: only where training starts

ALGO = "vec_ppo"


@dataclass
class Args:
    """Every knob of a run (``agent.json`` records them as ``algo_args``)."""

    env_id: str = "UnKnot-v0"
    env_kwargs: dict[str, Any] = field(default_factory=dict)  # extra gym.make_vec kwargs, e.g. max_length
    num_envs: int = 256  # envs stepped at once by the vector env
    steps: int = 1_000_000  # total env steps (with resume: the total to reach, the checkpoint's included)
    num_steps: int = 32  # steps per env per rollout (batch = num_envs * num_steps)
    lr: float = 3e-3  # with the default MLP (64, 64): as good per env step as (256, 256) at 1e-3, measured (below)
    anneal_lr: bool = True  # linear decay to 0 at ``steps``
    gamma: float = 0.99
    reward_scale: float = 1.0  # the learner's rewards are the env's times this (the reported returns are the env's)
    gae_lambda: float = 0.95
    num_minibatches: int = 4
    update_epochs: int = 4
    norm_adv: bool = True
    clip_coef: float = 0.2
    clip_vloss: bool = True
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    target_kl: float | None = None  # stop an update's epochs early past this approx KL; None: never
    seed: int = 1
    device: str = "cpu"  # "cpu" or "cuda" ("cuda:N")
    policy: str = "mlp"  # "mlp" (flat, dense head), "factored" (per-position head, UnKnot), "gnn" (Kirby-Plumbing)
    hidden: tuple[int, ...] = (64, 64)  # mlp: SB3's default size; the paper's (256, 256) steps 2.3x slower
    width: int = 16  # factored, gnn: channels (16: on par with the MLP at full-length words, measured)
    depth: int = 2  # factored: residual conv layers; gnn: message-passing layers
    kernel: int = 3  # factored: conv window (odd)
    conv: str = "sage"  # gnn: the torch-geometric layer (gcn, gin, gat, sage)
    threads: int = 0  # torch intra-op threads; 0: rigorgym.threads.training_threads() (mostly 1)
    checkpoint_every: int = 0  # updates between checkpoints in OUT/checkpoints; 0: none (Ctrl-C still saves one)
    out: Path = Path("runs/vec_ppo")
    resume: Path | None = None  # a checkpoint folder (OUT/checkpoints/update_N, or a finished OUT) to continue
    init_from: Path | None = None  # warm start: another vec folder's weights, same network (e.g. a vec_bc imitation)

    @property
    def batch_size(self) -> int:
        return self.num_envs * self.num_steps


def validate(args: Args) -> None:
    """Refuse bad arguments before anything is built or written (one clear ValueError)."""
    check_policy(args)
    check_counts(args, ("num_envs", "steps", "num_steps", "num_minibatches", "update_epochs"))
    if args.checkpoint_every < 0 or args.threads < 0:
        raise ValueError("checkpoint_every and threads must be >= 0 (0: none / rigorgym's default)")
    if not args.lr > 0 or not 0 <= args.gamma <= 1 or not 0 <= args.gae_lambda <= 1:
        raise ValueError(f"need lr > 0 and gamma, gae_lambda in [0, 1], got {args.lr}, {args.gamma}, {args.gae_lambda}")
    check_net_device_out(args)
    if args.resume is not None:
        check_resume(args, ALGO, tagged=False)  # vec_ppo's trainer.pt does not name its algorithm


# -- training ----------------------------------------------------------------------------------------


def train(args: Args, on_scalar: ScalarTap | None = None) -> Path:
    """Train PPO on the vector env into ``args.out`` (agent folder, ``tb/``, ``checkpoints/``); return the folder."""
    with session(args, validate, make_envs, on_scalar) as run:
        net = run.build_net()
        optimizer = torch.optim.Adam(net.parameters(), lr=args.lr, eps=1e-5)
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
    legal = has_legal_path(net, device)  # the graph network: logits of the legal actions only, no dense tensor
    roll = Rollout(args, run.envs, spec, device, args.seed + global_step, name=ALGO, legal=legal)
    start_step, clock = global_step, time.perf_counter()

    def state() -> dict[str, Any]:
        return {
            "optimizer": optimizer.state_dict(),
            "global_step": global_step,
            "update": update,
            "torch_rng": torch.get_rng_state(),
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
            # -- rollout (global_step moves on after it, so that a checkpoint's count matches its model)
            global_step += roll.collect(net)
            # -- GAE (reset-only steps carry no advantage; ended episodes do not pass theirs back)
            with torch.no_grad():
                next_obs = torch.as_tensor(roll.next_obs, device=device)
                next_value = (net.legal_logits(next_obs, None) if legal else net(next_obs))[1].cpu().numpy()
            values = roll.values
            advantages = torch.as_tensor(
                roll.advantages(values.cpu().numpy(), next_value, args.gamma, args.gae_lambda), device=device
            )
            returns = advantages + values
            # -- PPO update over the real steps only
            idx = roll.real_steps()
            b_obs, b_mask = roll.obs.reshape(-1, spec.obs_dim), roll.mask.reshape(-1, spec.n_actions)
            b_act, b_logp = roll.actions.reshape(-1), roll.logprobs.reshape(-1)
            b_adv, b_ret, b_val = advantages.reshape(-1), returns.reshape(-1), values.reshape(-1)
            if legal:  # the rollout's legal lists, and its graphs' node classes (found once for the 4 epochs)
                b_legal, b_pos = roll.legal_batch()
                b_prepared = net.prepare(b_obs, b_legal)
            mb_size = max(1, math.ceil(len(idx) / args.num_minibatches))
            clipfracs: list[float] = []
            pg_loss = v_loss = entropy = approx_kl = torch.zeros(())
            for _epoch in range(args.update_epochs):
                order = idx[torch.randperm(len(idx), device=device)]
                for start in range(0, len(order), mb_size):
                    mb = order[start : start + mb_size]
                    if legal:
                        rows = mb.numpy()
                        sub = take_rows(b_legal, rows)
                        z, new_value = net.legal_logits(b_obs[mb], sub, b_prepared, rows)
                        new_logp, entropies = ragged_log_prob_entropy(z, sub.rowptr, b_pos[rows])
                    else:
                        logits, new_value = net(b_obs[mb])
                        new_logp, entropies = log_prob_and_entropy(logits, b_mask[mb], b_act[mb])
                    entropy = entropies.mean()
                    logratio = new_logp - b_logp[mb]
                    ratio = logratio.exp()
                    with torch.no_grad():
                        approx_kl = ((ratio - 1) - logratio).mean()
                        clipfracs.append(float(((ratio - 1.0).abs() > args.clip_coef).float().mean()))
                    mb_adv = b_adv[mb]
                    if args.norm_adv and len(mb) > 1:
                        mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
                    pg_loss = torch.max(
                        -mb_adv * ratio, -mb_adv * torch.clamp(ratio, 1 - args.clip_coef, 1 + args.clip_coef)
                    ).mean()
                    if args.clip_vloss:
                        v_clipped = b_val[mb] + torch.clamp(new_value - b_val[mb], -args.clip_coef, args.clip_coef)
                        v_loss = 0.5 * torch.max((new_value - b_ret[mb]) ** 2, (v_clipped - b_ret[mb]) ** 2).mean()
                    else:
                        v_loss = 0.5 * ((new_value - b_ret[mb]) ** 2).mean()
                    loss = pg_loss - args.ent_coef * entropy + args.vf_coef * v_loss
                    optimizer.zero_grad()
                    loss.backward()
                    nn.utils.clip_grad_norm_(net.parameters(), args.max_grad_norm)
                    optimizer.step()
                if args.target_kl is not None and float(approx_kl) > args.target_kl:
                    break
            # -- the fixed metric names
            m = metrics()
            scalars = {
                **episode_charts(m),
                "charts/learning_rate": optimizer.param_groups[0]["lr"],
                "losses/policy_loss": float(pg_loss.detach()),
                "losses/value_loss": float(v_loss.detach()),
                "losses/entropy": float(entropy.detach()),
                "losses/approx_kl": float(approx_kl),
                "losses/clipfrac": float(np.mean(clipfracs)) if clipfracs else 0.0,
            }
            for name, value in scalars.items():
                writer.add_scalar(name, value, global_step)
            if args.checkpoint_every and update % args.checkpoint_every == 0:
                checkpoint()
    except KeyboardInterrupt:
        checkpoint()  # Ctrl-C keeps the run so far, resumable
        raise
    return run.save(out, ALGO, net, state(), metrics())


# -- acting ------------------------------------------------------------------------------------------


def read_card(folder: str | Path) -> AgentCard:
    """``agent.json`` of a vec_ppo folder (read directly: ``AgentCard.read`` checks the algorithm against its list)."""
    return vec_common.read_card(folder, ALGO)


def load_policy(folder: str | Path) -> VecPPOPolicy:
    """The acting policy of a vec_ppo agent folder (``solve``, ``evaluate``, the leaderboard)."""
    return load_agent(folder, ALGO)


__all__ = [
    "ALGO",
    "Args",
    "VecPPOPolicy",
    "load_net",
    "load_policy",
    "masked_entropy",
    "masked_log_probs",
    "sample_masked",
    "train",
    "validate",
]
