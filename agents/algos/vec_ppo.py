"""PPO on the batched vector envs, in one file in the manner of CleanRL's ``ppo.py`` (issue 19).

SB3 steps one env at a time (100-1,400 env steps/s on UnKnot-v0), while
``gym.make_vec(..., vectorization_mode="vector_entry_point")`` steps millions:
here rollouts run on the vector env with batched torch, so the network is the
cost, not the env. Everything is in this file: the typed :class:`Args`, the
seeding header, rollouts with action masks, GAE, the clipped PPO loss, fixed
TensorBoard names (``charts/*``, ``losses/*``), checkpoints, resume and the
agent folder of :mod:`.saved` (``agent.json`` + ``model.pt``).

Next-step auto-reset: the step after an episode ends only resets that env (its
action is ignored, its reward is 0). Such steps are kept out of the loss; the
value of the final observation, computed at that step, bootstraps truncated
episodes (a terminated one does not bootstrap).

Networks: :mod:`..policies.braid_heads` (``"mlp"``, ``"factored"``).
"""

from __future__ import annotations

import json
import math
import random
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from ..policies.braid_heads import POLICIES, NetSpec, build_net, default_options, spec_of
from .saved import AgentCard, BadAgentDir, masked_choice

if TYPE_CHECKING:
    from .common import ScalarTap  # common imports SB3: only where training starts

ALGO = "vec_ppo"
MODEL_FILE = "model.pt"
STATE_FILE = "trainer.pt"  # optimizer, step count and RNG: what ``resume`` needs beyond the model
#: the logit of an illegal action. -inf, not a large negative number: exp() of a very negative float takes
#: a slow path on CPU (measured: 50 ms against 13 ms for a 2,048 x 2,293 batch), -inf does not;
#: :func:`masked_entropy` keeps 0 * -inf out of the entropy and its gradient
MASKED = float("-inf")
STATS_WINDOW = 1000  # finished episodes behind charts/solved_rate and the card's metrics


@dataclass
class Args:
    """Every knob of a run (``agent.json`` records them as ``algo_args``)."""

    env_id: str = "UnKnot-v0"
    env_kwargs: dict[str, Any] = field(default_factory=dict)  # extra gym.make_vec kwargs, e.g. max_length
    num_envs: int = 256  # envs stepped at once by the vector env
    steps: int = 1_000_000  # total env steps (with resume: the total to reach, the checkpoint's included)
    num_steps: int = 32  # steps per env per rollout (batch = num_envs * num_steps)
    lr: float = 2.5e-4
    anneal_lr: bool = True  # linear decay to 0 at ``steps``
    gamma: float = 0.99
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
    policy: str = "mlp"  # "mlp" (flat, dense head) or "factored" (per-position head, UnKnot)
    hidden: tuple[int, ...] = (256, 256)  # mlp
    width: int = 16  # factored: channels (16: on par with the MLP at full-length words, measured)
    depth: int = 2  # factored: residual conv layers
    kernel: int = 3  # factored: conv window (odd)
    threads: int = 0  # torch intra-op threads; 0: rigorgym.threads.training_threads() (mostly 1)
    checkpoint_every: int = 0  # updates between checkpoints in OUT/checkpoints; 0: none (Ctrl-C still saves one)
    out: Path = Path("runs/vec_ppo")
    resume: Path | None = None  # a checkpoint folder (OUT/checkpoints/update_N, or a finished OUT) to continue

    @property
    def batch_size(self) -> int:
        return self.num_envs * self.num_steps


def policy_options(args: Args) -> dict[str, Any]:
    """The network options of this run (``agent.json``'s ``policy_options``, ``model.pt``'s ``options``)."""
    if args.policy == "mlp":
        return {"hidden": [int(h) for h in args.hidden]}
    return {"width": args.width, "depth": args.depth, "kernel": args.kernel}


def validate(args: Args) -> None:
    """Refuse bad arguments before anything is built or written (one clear ValueError)."""
    if args.policy not in POLICIES:
        raise ValueError(f"unknown policy {args.policy!r}; choose one of {', '.join(POLICIES)}")
    for name in ("num_envs", "steps", "num_steps", "num_minibatches", "update_epochs"):
        if getattr(args, name) < 1:
            raise ValueError(f"{name} must be >= 1, got {getattr(args, name)}")
    if args.checkpoint_every < 0 or args.threads < 0:
        raise ValueError("checkpoint_every and threads must be >= 0 (0: none / rigorgym's default)")
    if not args.lr > 0 or not 0 <= args.gamma <= 1 or not 0 <= args.gae_lambda <= 1:
        raise ValueError(f"need lr > 0 and gamma, gae_lambda in [0, 1], got {args.lr}, {args.gamma}, {args.gae_lambda}")
    if args.policy == "mlp" and (not args.hidden or min(args.hidden) < 1):
        raise ValueError(f"hidden sizes must be >= 1, got {args.hidden}")
    if args.policy == "factored" and (args.width < 1 or args.depth < 0 or args.kernel < 1 or args.kernel % 2 == 0):
        raise ValueError(f"factored: width >= 1, depth >= 0, odd kernel; got {args.width}, {args.depth}, {args.kernel}")
    device = str(args.device)
    if device != "cpu" and not device.startswith("cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asked for, but torch sees no CUDA GPU here; use device='cpu'")
    try:
        json.dumps(args.env_kwargs)
    except TypeError as exc:
        raise ValueError(f"env_kwargs must be JSON-serialisable (they go into agent.json): {exc}") from None
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out {out} exists and is not a folder")
    if args.resume is None and out.is_dir() and any(out.iterdir()):
        raise ValueError(f"out {out} exists and is not empty; choose a new folder (or resume a checkpoint)")
    if args.resume is not None:
        state = Path(args.resume) / STATE_FILE
        if not state.is_file():
            raise ValueError(f"resume: {args.resume} is not a vec_ppo checkpoint folder (no {STATE_FILE})")
        done = int(torch.load(state, weights_only=False)["global_step"])
        if done >= args.steps:
            raise ValueError(f"resume: the checkpoint has {done} steps already; steps is the total to reach")


# -- the env -----------------------------------------------------------------------------------------


def make_envs(args: Args) -> gym.vector.VectorEnv:
    """``num_envs`` copies of ``env_id`` as its batched ``vector_entry_point`` env."""
    import rigorgym  # noqa: F401  (registers the envs)

    return gym.make_vec(
        args.env_id, num_envs=args.num_envs, vectorization_mode="vector_entry_point", **dict(args.env_kwargs)
    )


def seed_everything(seed: int) -> None:
    """The seeding header (CleanRL): Python, NumPy and torch; the env is seeded at reset."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


# -- masked categorical --------------------------------------------------------------------------


def masked_log_probs(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Log-probabilities with illegal actions at probability exactly 0 (``mask`` rows have a legal action)."""
    return torch.log_softmax(logits.masked_fill(~mask, MASKED), dim=-1)


def masked_entropy(log_probs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The entropy of each row over its legal actions (illegal ones add exactly 0, and no NaN to the gradient)."""
    return -(log_probs.exp() * log_probs.masked_fill(~mask, 0.0)).sum(-1)


def sample(log_probs: torch.Tensor) -> torch.Tensor:
    """One action per row by the Gumbel-max trick (an illegal action's MASKED logit can never win)."""
    u = torch.rand_like(log_probs).clamp_(1e-20, 1.0)
    return torch.argmax(log_probs - torch.log(-torch.log(u)), dim=-1)


def sampling_mask(mask: np.ndarray) -> np.ndarray:
    """The mask with action 0 allowed in rows with no legal action (ended episodes, whose action is ignored)."""
    empty = ~mask.any(1)
    if empty.any():
        mask = mask.copy()
        mask[empty, 0] = True
    return mask


# -- checkpoints and the agent folder ---------------------------------------------------------------


def save_folder(
    folder: Path,
    args: Args,
    net: nn.Module,
    spec: NetSpec,
    state: dict[str, Any],
    metrics: dict[str, float],
    wall_s: float,
) -> Path:
    """An agent folder (``agent.json``, ``model.pt``) plus ``trainer.pt``: loadable as a policy and resumable."""
    folder.mkdir(parents=True, exist_ok=True)
    options = policy_options(args)
    weights = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    torch.save(
        {"policy": args.policy, "spec": spec.to_dict(), "options": options, "state_dict": weights}, folder / MODEL_FILE
    )
    torch.save(state, folder / STATE_FILE)
    algo_args = {k: v for k, v in json.loads(json.dumps(vars(args), default=str)).items() if k not in ("out", "resume")}
    AgentCard(
        env_id=args.env_id,
        algo=ALGO,
        policy=args.policy,
        steps=int(state["global_step"]),
        seed=args.seed,
        model_file=MODEL_FILE,
        env_kwargs=dict(args.env_kwargs),
        policy_options=options,
        algo_args=algo_args,
        metrics=metrics,
        wall_s=wall_s,
        notes=f"resumed from {args.resume}" if args.resume is not None else "",
    ).write(folder)
    return folder


class Stats:
    """Episode bookkeeping for ``charts/*`` and the card's metrics (the vector env has no episode wrapper)."""

    def __init__(self, num_envs: int) -> None:
        self.ret = np.zeros(num_envs)
        self.len = np.zeros(num_envs, np.int64)
        self.returns: deque[float] = deque(maxlen=STATS_WINDOW)
        self.lengths: deque[int] = deque(maxlen=STATS_WINDOW)
        self.solved: deque[bool] = deque(maxlen=STATS_WINDOW)
        self.episodes = 0

    def step(self, valid: np.ndarray, reward: np.ndarray, ended: np.ndarray, solved: np.ndarray) -> None:
        self.ret += np.where(valid, reward, 0.0)
        self.len += valid
        for i in np.flatnonzero(ended & valid):
            self.returns.append(float(self.ret[i]))
            self.lengths.append(int(self.len[i]))
            self.solved.append(bool(solved[i]))
            self.episodes += 1
        self.ret[ended] = 0.0
        self.len[ended] = 0

    def metrics(self) -> dict[str, float]:
        mean = lambda xs: float(np.mean(xs)) if xs else 0.0  # noqa: E731
        return {
            "episodic_return": mean(self.returns),
            "episodic_length": mean(self.lengths),
            "solved_rate": mean(self.solved),
            "episodes": float(self.episodes),
        }


# -- training ----------------------------------------------------------------------------------------


def train(args: Args, on_scalar: ScalarTap | None = None) -> Path:
    """Train PPO on the vector env into ``args.out`` (agent folder, ``tb/``, ``checkpoints/``); return the folder."""
    from torch.utils.tensorboard import SummaryWriter

    from .common import TappedWriter, torch_threads

    validate(args)
    out = Path(args.out)
    start_wall = time.time()
    device = torch.device(args.device)
    seed_everything(args.seed)
    with torch_threads(args.threads):
        envs = make_envs(args)
        try:
            spec = spec_of(envs)
            net = build_net(args.policy, spec, policy_options(args)).to(device)
            optimizer = torch.optim.Adam(net.parameters(), lr=args.lr, eps=1e-5)
            global_step, update = 0, 0
            if args.resume is not None:
                model = torch.load(Path(args.resume) / MODEL_FILE, weights_only=False)
                net.load_state_dict(model["state_dict"])
                state = torch.load(Path(args.resume) / STATE_FILE, weights_only=False)
                optimizer.load_state_dict(state["optimizer"])
                global_step, update = int(state["global_step"]), int(state["update"])
                torch.set_rng_state(state["torch_rng"])
            out.mkdir(parents=True, exist_ok=True)
            writer = TappedWriter(SummaryWriter(str(out / "tb")), on_scalar)  # on_scalar: e.g. progress
            try:
                return _loop(args, envs, net, spec, optimizer, writer, device, global_step, update, start_wall)
            finally:
                writer.close()
        finally:
            envs.close()


def _loop(
    args: Args,
    envs: gym.vector.VectorEnv,
    net: nn.Module,
    spec: NetSpec,
    optimizer: torch.optim.Optimizer,
    writer: Any,
    device: torch.device,
    global_step: int,
    update: int,
    start_wall: float,
) -> Path:
    out = Path(args.out)
    n, t_len, a_n = args.num_envs, args.num_steps, spec.n_actions
    obs_buf = torch.zeros((t_len, n, spec.obs_dim), dtype=torch.int8, device=device)
    mask_buf = torch.zeros((t_len, n, a_n), dtype=torch.bool, device=device)
    actions = torch.zeros((t_len, n), dtype=torch.long, device=device)
    logprobs = torch.zeros((t_len, n), device=device)
    values = torch.zeros((t_len, n), device=device)
    rewards = np.zeros((t_len, n), np.float32)
    terminated = np.zeros((t_len, n), bool)
    ended = np.zeros((t_len, n), bool)
    valid = np.zeros((t_len, n), bool)
    stats = Stats(n)
    illegal = 0  # illegal actions the env saw on real (non-reset) steps: must stay 0
    start_step, clock = global_step, time.perf_counter()

    # a resumed run sees fresh instances (seed shifted by the steps done), still deterministic
    next_obs, info = envs.reset(seed=args.seed + global_step)
    next_mask = np.asarray(info["action_mask"], bool)
    needs_reset = np.zeros(n, bool)

    def state() -> dict[str, Any]:
        return {
            "optimizer": optimizer.state_dict(),
            "global_step": global_step,
            "update": update,
            "torch_rng": torch.get_rng_state(),
        }

    def metrics() -> dict[str, float]:
        sps = (global_step - start_step) / max(time.perf_counter() - clock, 1e-9)
        return {**stats.metrics(), "SPS": sps, "illegal_actions": float(illegal), "wall_s": time.time() - start_wall}

    def checkpoint() -> Path:
        return save_folder(
            out / "checkpoints" / f"update_{update:06d}", args, net, spec, state(), metrics(), time.time() - start_wall
        )

    try:
        while global_step < args.steps:
            update += 1
            if args.anneal_lr:
                optimizer.param_groups[0]["lr"] = args.lr * max(1.0 - global_step / args.steps, 0.0)
            # -- rollout (global_step moves on after it, so that a checkpoint's count matches its model)
            rollout_steps = 0
            for step in range(t_len):
                valid[step] = ~needs_reset
                obs_t = torch.as_tensor(next_obs, device=device)
                mask_t = torch.as_tensor(sampling_mask(next_mask), device=device)
                obs_buf[step], mask_buf[step] = obs_t, mask_t
                with torch.no_grad():
                    logits, value = net(obs_t)
                    log_probs = masked_log_probs(logits, mask_t)
                    action = sample(log_probs)
                # never an illegal action: checked on every step (cheap next to the network; not an assert, kept under -O)
                if not bool(mask_t.gather(1, action[:, None]).all()):
                    raise RuntimeError("vec_ppo sampled an illegal action (a bug in the masked sampler)")
                actions[step], values[step] = action, value
                logprobs[step] = log_probs.gather(1, action[:, None]).squeeze(1)
                next_obs, reward, term, trunc, info = envs.step(action.cpu().numpy())
                next_mask = np.asarray(info["action_mask"], bool)
                illegal += int(np.sum(np.asarray(info.get("illegal_action", np.zeros(n, bool))) & valid[step]))
                rewards[step], terminated[step] = reward, term
                ended[step] = term | trunc
                solved = np.asarray(info["_certificate"], bool) if "_certificate" in info else term
                stats.step(valid[step], reward, ended[step], solved)
                needs_reset = ended[step].copy()
                rollout_steps += int(valid[step].sum())  # reset-only steps are no env steps
            global_step += rollout_steps
            # -- GAE (reset-only steps carry no advantage; ended episodes do not pass theirs back)
            with torch.no_grad():
                next_value = net(torch.as_tensor(next_obs, device=device))[1].cpu().numpy()
            vals = values.cpu().numpy()
            adv = np.zeros((t_len, n), np.float32)
            last = np.zeros(n, np.float32)
            for t in reversed(range(t_len)):
                nv = next_value if t == t_len - 1 else vals[t + 1]
                delta = rewards[t] + args.gamma * nv * (1.0 - terminated[t]) - vals[t]
                last = np.where(valid[t], delta + args.gamma * args.gae_lambda * (1.0 - ended[t]) * last, 0.0)
                adv[t] = last
            advantages = torch.as_tensor(adv, device=device)
            returns = advantages + values
            # -- PPO update over the real steps only
            idx = torch.as_tensor(np.flatnonzero(valid.reshape(-1)), device=device)
            b_obs, b_mask = obs_buf.reshape(-1, spec.obs_dim), mask_buf.reshape(-1, a_n)
            b_act, b_logp = actions.reshape(-1), logprobs.reshape(-1)
            b_adv, b_ret, b_val = advantages.reshape(-1), returns.reshape(-1), values.reshape(-1)
            mb_size = max(1, math.ceil(len(idx) / args.num_minibatches))
            clipfracs: list[float] = []
            pg_loss = v_loss = entropy = approx_kl = torch.zeros(())
            for _epoch in range(args.update_epochs):
                order = idx[torch.randperm(len(idx), device=device)]
                for start in range(0, len(order), mb_size):
                    mb = order[start : start + mb_size]
                    logits, new_value = net(b_obs[mb])
                    log_probs = masked_log_probs(logits, b_mask[mb])
                    new_logp = log_probs.gather(1, b_act[mb, None]).squeeze(1)
                    entropy = masked_entropy(log_probs, b_mask[mb]).mean()
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
                "charts/SPS": m["SPS"],
                "charts/episodic_return": m["episodic_return"],
                "charts/episodic_length": m["episodic_length"],
                "charts/solved_rate": m["solved_rate"],
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
    return save_folder(out, args, net, spec, state(), metrics(), time.time() - start_wall)


# -- acting ------------------------------------------------------------------------------------------


class VecPPOPolicy:
    """A trained vec_ppo network as an :class:`~.saved.ActingPolicy`: masked argmax or sample of its logits."""

    def __init__(self, net: nn.Module) -> None:
        self.net = net.eval()

    def act(self, obs: Any, mask: np.ndarray, deterministic: bool, rng: np.random.Generator) -> int:
        with torch.no_grad():
            logits, _ = self.net(torch.as_tensor(np.asarray(obs)).reshape(1, -1))
        return masked_choice(logits[0].numpy(), np.asarray(mask, bool), deterministic, rng)


def load_net(folder: str | Path) -> tuple[nn.Module, str]:
    """The network of a vec_ppo folder (``model.pt`` holds its spec and options: no env is built)."""
    model = torch.load(Path(folder) / MODEL_FILE, map_location="cpu", weights_only=False)
    net = build_net(model["policy"], NetSpec(**model["spec"]), {**default_options(model["policy"]), **model["options"]})
    net.load_state_dict(model["state_dict"])
    return net, model["policy"]


def read_card(folder: str | Path) -> AgentCard:
    """``agent.json`` of a vec_ppo folder (read directly: ``AgentCard.read`` checks the algorithm against its list)."""
    path = Path(folder) / "agent.json"
    try:
        card = AgentCard(**json.loads(path.read_text()))
    except (OSError, json.JSONDecodeError, TypeError) as exc:
        raise BadAgentDir(f"{folder}: not a trained agent ({exc})") from None
    if card.algo != ALGO:
        raise BadAgentDir(f"{folder}: an {card.algo} agent, not a {ALGO} one")
    return card


def load_policy(folder: str | Path) -> VecPPOPolicy:
    """The acting policy of a vec_ppo agent folder (``solve``, ``evaluate``, the leaderboard)."""
    card = read_card(folder)
    if not (Path(folder) / card.model_file).is_file():
        raise BadAgentDir(f"{folder}: the model file {card.model_file!r} named in agent.json is missing")
    net, _ = load_net(folder)
    return VecPPOPolicy(net)


__all__ = [
    "ALGO",
    "Args",
    "VecPPOPolicy",
    "load_net",
    "load_policy",
    "masked_entropy",
    "masked_log_probs",
    "sample",
    "train",
    "validate",
]
