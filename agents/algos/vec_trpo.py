"""TRPO on the batched vector envs, in one file in the manner of CleanRL (issue 19).

Trust-region policy optimisation (Schulman et al. 2015), the algorithm that
did best in "Learning to unknot" (Gukov, Halverson, Ruehle, Sulkowski 2020),
here with the action masks in the policy. Per batch of ``num_envs *
num_steps`` steps:

1. GAE advantages from a *separate* value network (normalised);
2. the natural-gradient direction ``s = F^-1 g`` by conjugate gradient, where
   ``g`` is the gradient of the surrogate ``E[pi/pi_old * A]`` and ``F v`` the
   Hessian-vector product of the mean KL(pi_old || pi) of the masked
   categorical (illegal actions have probability 0 in both, and add 0);
3. the step ``sqrt(2 max_kl / s^T F s) * s``, backtracked until the surrogate
   improves with the mean KL within ``max_kl`` (no accepted fraction: no step);
4. a few Adam epochs of value regression on the batch's returns.

Two networks, as in the paper's (stable-baselines) TRPO: the vec_ppo
actor-critics share a trunk, and a value regression through a shared trunk
would move the policy after the trust-region step and break its KL bound. The
policy network (``model.pt``, loaded by :func:`load_policy`; its own value
head is unused and untrained) and a value network of the same kind (kept in
``trainer.pt`` for resume). The rollout buffer and GAE, the masked
categorical, the checks shared with A2C, the setup of ``train`` and the agent
folder come from :mod:`.vec_common`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from .vec_common import (
    Rollout,
    Session,
    VecPPOPolicy,
    episode_charts,
    explained_variance,
    load_agent,
    make_envs,
    masked_entropy,
    masked_log_probs,
    session,
    validate_common,
)

if TYPE_CHECKING:
    from .common import ScalarTap  # common imports SB3: only where training starts

ALGO = "vec_trpo"


@dataclass
class Args:
    """Every knob of a run (``agent.json`` records them as ``algo_args``); common names as in vec_ppo's Args."""

    env_id: str = "UnKnot-v0"
    env_kwargs: dict[str, Any] = field(default_factory=dict)  # extra gym.make_vec kwargs, e.g. max_length
    num_envs: int = 256  # envs stepped at once by the vector env
    steps: int = 1_000_000  # total env steps (with resume: the total to reach, the checkpoint's included)
    num_steps: int = 16  # steps per env per rollout (batch = num_envs * num_steps: one trust-region step)
    gamma: float = 0.99
    gae_lambda: float = 0.95
    norm_adv: bool = True
    max_kl: float = 0.01  # the trust region: mean KL(pi_old || pi) of an accepted step
    cg_iters: int = 10  # conjugate-gradient iterations
    cg_damping: float = 0.01  # F + damping * I: keeps CG stable where the Fisher is near singular
    fvp_subsample: int = 4  # Fisher-vector products on every k-th row of the batch (1: all); the KL check uses all
    line_search_steps: int = 10  # backtracking tries: fractions 1, shrink, shrink^2, ...
    line_search_shrink: float = 0.8
    ent_coef: float = 0.0  # entropy bonus in the surrogate (0 in the paper's TRPO)
    vf_lr: float = 1e-3  # the value network's Adam
    vf_epochs: int = 5  # value-regression epochs per batch
    vf_minibatches: int = 4
    max_grad_norm: float = 0.5  # the value regression's gradient clip
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
    out: Path = Path("runs/vec_trpo")
    resume: Path | None = None  # a checkpoint folder (OUT/checkpoints/update_N, or a finished OUT) to continue
    init_from: Path | None = None  # warm start: another vec folder's weights, same network (e.g. a vec_bc imitation)

    @property
    def batch_size(self) -> int:
        return self.num_envs * self.num_steps


def validate(args: Args) -> None:
    """Refuse bad arguments before anything is built or written (one clear ValueError)."""
    validate_common(args, ALGO)
    if not args.max_kl > 0 or not args.cg_damping >= 0 or not 0 < args.line_search_shrink < 1:
        raise ValueError(
            f"need max_kl > 0, cg_damping >= 0, line_search_shrink in (0, 1); "
            f"got {args.max_kl}, {args.cg_damping}, {args.line_search_shrink}"
        )
    for name in ("cg_iters", "fvp_subsample", "line_search_steps", "vf_epochs", "vf_minibatches"):
        if getattr(args, name) < 1:
            raise ValueError(f"{name} must be >= 1, got {getattr(args, name)}")
    if not args.vf_lr > 0 or args.ent_coef < 0 or not args.max_grad_norm > 0:
        raise ValueError(f"need vf_lr > 0, ent_coef >= 0, max_grad_norm > 0; got {args.vf_lr}, {args.ent_coef}")


# -- the trust-region step ---------------------------------------------------------------------------


def flat_grad(y: torch.Tensor, params: Sequence[torch.Tensor], **kw: Any) -> torch.Tensor:
    """d y / d params as one vector (zeros for parameters ``y`` does not depend on)."""
    grads = torch.autograd.grad(y, list(params), allow_unused=True, **kw)
    return torch.cat(
        [(torch.zeros_like(p) if g is None else g).reshape(-1) for g, p in zip(grads, params, strict=True)]
    )


def conjugate_gradient(fvp: Callable[[torch.Tensor], torch.Tensor], b: torch.Tensor, iters: int) -> torch.Tensor:
    """An approximate solution of ``F x = b`` from Fisher-vector products only (F is never formed)."""
    x = torch.zeros_like(b)
    r, p = b.clone(), b.clone()
    rr = r @ r
    for _ in range(iters):
        if float(rr) < 1e-10:
            break
        fp = fvp(p)
        alpha = rr / (p @ fp + 1e-12)
        x += alpha * p
        r -= alpha * fp
        rr_new = r @ r
        p = r + (rr_new / rr) * p
        rr = rr_new
    return x


def masked_kl(old_log_probs: torch.Tensor, log_probs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean KL(old || new) of masked categoricals (illegal actions, -inf in both, add exactly 0)."""
    diff = (old_log_probs - log_probs).masked_fill(~mask, 0.0)
    return (old_log_probs.exp() * diff).sum(-1).mean()


def trpo_step(
    net: nn.Module,
    obs: torch.Tensor,
    mask: torch.Tensor,
    actions: torch.Tensor,
    adv: torch.Tensor,
    args: Args,
) -> dict[str, float]:
    """One natural-gradient step of ``net``'s policy on a batch, kept only if it improves within ``max_kl``.

    Returns the step's statistics: ``kl`` (the accepted step's mean KL; 0 if
    none was), ``surrogate`` (before), ``improvement``, ``expected_improvement``
    (first order), ``step_fraction`` (0 if rejected), ``entropy``.
    """
    with torch.no_grad():
        old_lp = masked_log_probs(net(obs)[0], mask)
    old_logp_a = old_lp.gather(1, actions[:, None]).squeeze(1)

    def surrogate(lp: torch.Tensor) -> torch.Tensor:
        ratio = torch.exp(lp.gather(1, actions[:, None]).squeeze(1) - old_logp_a)
        bonus = args.ent_coef * masked_entropy(lp, mask).mean() if args.ent_coef else 0.0
        return (ratio * adv).mean() + bonus

    lp = masked_log_probs(net(obs)[0], mask)
    loss = surrogate(lp)
    every = [p for p in net.parameters() if p.requires_grad]
    grads = torch.autograd.grad(loss, every, allow_unused=True, retain_graph=True)
    params = [p for p, d in zip(every, grads, strict=True) if d is not None]  # not the unused value head
    g = torch.cat([d.reshape(-1) for d in grads if d is not None])
    # the Fisher on every ``fvp_subsample``-th row (OpenAI baselines' trick): its products are most of the step's cost
    sub = slice(None, None, args.fvp_subsample)
    sub_lp = masked_log_probs(net(obs[sub])[0], mask[sub])
    grad_kl = flat_grad(masked_kl(old_lp[sub], sub_lp, mask[sub]), params, create_graph=True)

    def fvp(v: torch.Tensor) -> torch.Tensor:
        return flat_grad(grad_kl @ v, params, retain_graph=True) + args.cg_damping * v

    direction = conjugate_gradient(fvp, g, args.cg_iters)
    # the step's scale from the undamped s^T F s: damping steadies CG, it is not meant to shrink the step
    # (measured: with it, accepted steps had a mean KL of a third of max_kl); the line search keeps the bound
    damped = float(direction @ fvp(direction))
    shs = damped - args.cg_damping * float(direction @ direction)
    if not shs > 1e-3 * damped:  # F all but flat along s (or rounding): the damped curvature, not a wild step
        shs = damped
    full = direction * math.sqrt(2.0 * args.max_kl / max(shs, 1e-12))
    expected = float(g @ full)
    old = nn.utils.parameters_to_vector(params).detach()
    before = float(loss.detach())
    stats = {"surrogate": before, "expected_improvement": expected, "kl": 0.0, "improvement": 0.0}
    stats |= {"step_fraction": 0.0, "entropy": float(masked_entropy(lp.detach(), mask).mean())}
    if not math.isfinite(shs) or not expected > 0:
        return stats  # a zero (or broken) gradient: nothing to step along
    fraction = 1.0
    for _ in range(args.line_search_steps):
        nn.utils.vector_to_parameters(old + fraction * full, params)
        with torch.no_grad():
            new_lp = masked_log_probs(net(obs)[0], mask)
            kl, after = float(masked_kl(old_lp, new_lp, mask)), float(surrogate(new_lp))
        if math.isfinite(after) and after > before and kl <= args.max_kl:
            entropy = float(masked_entropy(new_lp, mask).mean())
            return stats | {"kl": kl, "improvement": after - before, "step_fraction": fraction, "entropy": entropy}
        fraction *= args.line_search_shrink
    nn.utils.vector_to_parameters(old, params)  # no acceptable step: the policy stays as it was
    return stats


def value_regression(
    value_net: nn.Module, optimizer: torch.optim.Optimizer, obs: torch.Tensor, returns: torch.Tensor, args: Args
) -> float:
    """``vf_epochs`` Adam epochs of 0.5 * (V - return)^2 over the batch in ``vf_minibatches``; the last loss."""
    size = max(1, math.ceil(len(obs) / args.vf_minibatches))
    loss = torch.zeros(())
    for _ in range(args.vf_epochs):
        order = torch.randperm(len(obs), device=obs.device)
        for start in range(0, len(order), size):
            mb = order[start : start + size]
            loss = 0.5 * ((value_net(obs[mb])[1] - returns[mb]) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(value_net.parameters(), args.max_grad_norm)
            optimizer.step()
    return float(loss.detach())


# -- training ----------------------------------------------------------------------------------------


def train(args: Args, on_scalar: ScalarTap | None = None) -> Path:
    """Train TRPO on the vector env into ``args.out`` (agent folder, ``tb/``, ``checkpoints/``); return the folder."""
    with session(args, validate, make_envs, on_scalar) as run:
        net = run.build_net()
        value_net = run.build_net()
        vf_optimizer = torch.optim.Adam(value_net.parameters(), lr=args.vf_lr, eps=1e-5)
        global_step, update = 0, 0
        state = run.resume(net)
        if state is not None:
            value_net.load_state_dict(state["value_net"])
            vf_optimizer.load_state_dict(state["vf_optimizer"])
            global_step, update = int(state["global_step"]), int(state["update"])
        return _loop(args, run, net, value_net, vf_optimizer, run.open_writer(), global_step, update)


def _loop(
    args: Args,
    run: Session,
    net: nn.Module,
    value_net: nn.Module,
    vf_optimizer: torch.optim.Optimizer,
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
            "value_net": {k: v.detach().cpu() for k, v in value_net.state_dict().items()},
            "vf_optimizer": vf_optimizer.state_dict(),
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
            global_step += roll.collect(net)  # after the rollout, so that a checkpoint's count matches its model
            # the values of the value network, in one batch (the policy network's value head is unused)
            with torch.no_grad():
                t_len, n = roll.valid.shape
                values = value_net(roll.obs.reshape(t_len * n, -1))[1].reshape(t_len, n)
                next_value = value_net(torch.as_tensor(roll.next_obs, device=device))[1]
            adv = roll.advantages(values.cpu().numpy(), next_value.cpu().numpy(), args.gamma, args.gae_lambda)
            idx, b_obs, b_mask, b_act = roll.flat()
            b_adv = torch.as_tensor(adv, device=device).reshape(-1)[idx]
            b_val = values.reshape(-1)[idx]
            b_ret = b_adv + b_val
            if args.norm_adv and len(idx) > 1:
                b_adv = (b_adv - b_adv.mean()) / (b_adv.std() + 1e-8)
            step = trpo_step(net, b_obs, b_mask, b_act, b_adv, args)
            v_loss = value_regression(value_net, vf_optimizer, b_obs, b_ret, args)
            # -- the fixed metric names
            m = metrics()
            scalars = {
                **episode_charts(m),
                "losses/policy_loss": -(step["surrogate"] + step["improvement"]),  # the surrogate after the step
                "losses/value_loss": v_loss,
                "losses/entropy": step["entropy"],
                "losses/approx_kl": step["kl"],
                "losses/explained_variance": explained_variance(b_val, b_ret),
                "losses/improvement": step["improvement"],
                "losses/expected_improvement": step["expected_improvement"],
                "losses/step_fraction": step["step_fraction"],
            }
            for name, val in scalars.items():
                writer.add_scalar(name, val, global_step)
            if args.checkpoint_every and update % args.checkpoint_every == 0:
                checkpoint()
    except KeyboardInterrupt:
        checkpoint()  # Ctrl-C keeps the run so far, resumable
        raise
    return run.save(out, ALGO, net, state(), metrics())


def load_policy(folder: str | Path) -> VecPPOPolicy:
    """The acting policy of a vec_trpo agent folder (``solve``, ``evaluate``, the leaderboard)."""
    return load_agent(folder, ALGO)


__all__ = ["ALGO", "Args", "conjugate_gradient", "load_policy", "masked_kl", "train", "trpo_step", "validate"]
