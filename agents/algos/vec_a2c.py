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
name; the pieces are vec_ppo's, imported: the masked categorical
(``masked_log_probs``, ``masked_entropy``, Gumbel-max ``sample``), the env,
seeding, episode ``Stats``, the networks of :mod:`..policies.braid_heads`. The
rollout and the agent folder live in vec_ppo's training loop and in a
``save_folder`` bound to vec_ppo's name, so the minimum of them is here
(:class:`Rollout`, :func:`save_agent`, :func:`read_card`), shared with
:mod:`.vec_trpo`.

Next-step auto-reset as in vec_ppo: the step after an episode ends only resets
that env; such steps are kept out of the loss, and the value of the final
observation bootstraps a truncated episode.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from ..policies.braid_heads import POLICIES, NetSpec, build_net, spec_of
from . import vec_ppo
from .saved import AgentCard, BadAgentDir

if TYPE_CHECKING:
    from .common import ScalarTap  # common imports SB3: only where training starts
from .vec_ppo import (
    MODEL_FILE,
    STATE_FILE,
    Stats,
    VecPPOPolicy,
    load_net,
    masked_entropy,
    masked_log_probs,
    policy_options,
    sample,
    sampling_mask,
    seed_everything,
)

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
    policy: str = "mlp"  # "mlp" (flat, dense head) or "factored" (per-position head, UnKnot)
    hidden: tuple[int, ...] = (256, 256)  # mlp
    width: int = 16  # factored: channels
    depth: int = 2  # factored: residual conv layers
    kernel: int = 3  # factored: conv window (odd)
    threads: int = 0  # torch intra-op threads; 0: rigorgym.threads.training_threads() (mostly 1)
    checkpoint_every: int = 0  # updates between checkpoints in OUT/checkpoints; 0: none (Ctrl-C still saves one)
    out: Path = Path("runs/vec_a2c")
    resume: Path | None = None  # a checkpoint folder (OUT/checkpoints/update_N, or a finished OUT) to continue

    @property
    def batch_size(self) -> int:
        return self.num_envs * self.num_steps


def validate_common(args: Any, algo: str) -> None:
    """The checks every vec_* trainer shares (vec_ppo's ``validate`` less its PPO fields and its name)."""
    if args.policy not in POLICIES:
        raise ValueError(f"unknown policy {args.policy!r}; choose one of {', '.join(POLICIES)}")
    for name in ("num_envs", "steps", "num_steps"):
        if getattr(args, name) < 1:
            raise ValueError(f"{name} must be >= 1, got {getattr(args, name)}")
    if args.checkpoint_every < 0 or args.threads < 0:
        raise ValueError("checkpoint_every and threads must be >= 0 (0: none / rigorgym's default)")
    if not 0 <= args.gamma <= 1 or not 0 <= args.gae_lambda <= 1:
        raise ValueError(f"need gamma, gae_lambda in [0, 1], got {args.gamma}, {args.gae_lambda}")
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
            raise ValueError(f"resume: {args.resume} is not a {algo} checkpoint folder (no {STATE_FILE})")
        saved = torch.load(state, weights_only=False)
        if saved.get("algo") != algo:
            raise ValueError(f"resume: {args.resume} is a {saved.get('algo', 'vec_ppo')} checkpoint, not a {algo} one")
        if int(saved["global_step"]) >= args.steps:
            raise ValueError(
                f"resume: the checkpoint has {saved['global_step']} steps already; steps is the total to reach"
            )


def validate(args: Args) -> None:
    """Refuse bad arguments before anything is built or written (one clear ValueError)."""
    validate_common(args, ALGO)
    if args.optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {args.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    if not args.lr > 0 or not 0 < args.rms_alpha < 1 or not args.eps > 0:
        raise ValueError(f"need lr > 0, rms_alpha in (0, 1), eps > 0; got {args.lr}, {args.rms_alpha}, {args.eps}")
    if args.ent_coef < 0 or args.vf_coef < 0 or not args.max_grad_norm > 0:
        raise ValueError("need ent_coef, vf_coef >= 0 and max_grad_norm > 0")


def make_envs(args: Any) -> gym.vector.VectorEnv:
    """vec_ppo's env (looked up at call time, so that a test can patch this module's name)."""
    return vec_ppo.make_envs(args)


# -- the rollout (vec_ppo's, out of its loop) ----------------------------------------------------------


class Rollout:
    """``num_steps`` steps of every env with the masked sampler, and the episode statistics across rollouts.

    Copied from vec_ppo's ``_loop`` (where it is inlined): buffers, the
    next-step auto-reset bookkeeping (``valid``), the illegal-action count.
    """

    def __init__(self, args: Any, envs: gym.vector.VectorEnv, spec: NetSpec, device: torch.device, seed: int) -> None:
        n, t_len, a_n = args.num_envs, args.num_steps, spec.n_actions
        self.envs, self.device, self.spec = envs, device, spec
        self.obs = torch.zeros((t_len, n, spec.obs_dim), dtype=torch.int8, device=device)
        self.mask = torch.zeros((t_len, n, a_n), dtype=torch.bool, device=device)
        self.actions = torch.zeros((t_len, n), dtype=torch.long, device=device)
        self.logprobs = torch.zeros((t_len, n), device=device)
        self.values = torch.zeros((t_len, n), device=device)
        self.rewards = np.zeros((t_len, n), np.float32)
        self.terminated = np.zeros((t_len, n), bool)
        self.ended = np.zeros((t_len, n), bool)
        self.valid = np.zeros((t_len, n), bool)
        self.stats = Stats(n)
        self.illegal = 0  # illegal actions the env saw on real (non-reset) steps: must stay 0
        self.next_obs, info = envs.reset(seed=seed)
        self.next_mask = np.asarray(info["action_mask"], bool)
        self.needs_reset = np.zeros(n, bool)

    def collect(self, net: nn.Module) -> int:
        """Fill the buffers with ``net``'s actions and values; return the env steps taken (reset-only ones not)."""
        n, taken = self.valid.shape[1], 0
        for step in range(self.valid.shape[0]):
            self.valid[step] = ~self.needs_reset
            obs_t = torch.as_tensor(self.next_obs, device=self.device)
            mask_t = torch.as_tensor(sampling_mask(self.next_mask), device=self.device)
            self.obs[step], self.mask[step] = obs_t, mask_t
            with torch.no_grad():
                logits, value = net(obs_t)
                log_probs = masked_log_probs(logits, mask_t)
                action = sample(log_probs)
            # never an illegal action: checked on every step (not an assert, kept under -O)
            if not bool(mask_t.gather(1, action[:, None]).all()):
                raise RuntimeError("sampled an illegal action (a bug in the masked sampler)")
            self.actions[step], self.values[step] = action, value
            self.logprobs[step] = log_probs.gather(1, action[:, None]).squeeze(1)
            self.next_obs, reward, term, trunc, info = self.envs.step(action.cpu().numpy())
            self.next_mask = np.asarray(info["action_mask"], bool)
            self.illegal += int(np.sum(np.asarray(info.get("illegal_action", np.zeros(n, bool))) & self.valid[step]))
            self.rewards[step], self.terminated[step] = reward, term
            self.ended[step] = term | trunc
            solved = np.asarray(info["_certificate"], bool) if "_certificate" in info else term
            self.stats.step(self.valid[step], reward, self.ended[step], solved)
            self.needs_reset = self.ended[step].copy()
            taken += int(self.valid[step].sum())
        return taken

    def advantages(self, values: np.ndarray, next_value: np.ndarray, gamma: float, lam: float) -> np.ndarray:
        """GAE (``lam=1``: n-step returns less the value); reset-only steps get 0 and ended episodes pass none back."""
        t_len, n = self.valid.shape
        adv = np.zeros((t_len, n), np.float32)
        last = np.zeros(n, np.float32)
        for t in reversed(range(t_len)):
            nv = next_value if t == t_len - 1 else values[t + 1]
            delta = self.rewards[t] + gamma * nv * (1.0 - self.terminated[t]) - values[t]
            last = np.where(self.valid[t], delta + gamma * lam * (1.0 - self.ended[t]) * last, 0.0)
            adv[t] = last
        return adv

    def flat(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The real (non-reset) steps as one batch: indices into the flat buffers, obs, masks, actions."""
        idx = torch.as_tensor(np.flatnonzero(self.valid.reshape(-1)), device=self.device)
        obs = self.obs.reshape(-1, self.spec.obs_dim)[idx]
        return idx, obs, self.mask.reshape(-1, self.spec.n_actions)[idx], self.actions.reshape(-1)[idx]


def explained_variance(pred: torch.Tensor, target: torch.Tensor) -> float:
    """1 - Var(target - pred) / Var(target): how much of the returns the value predicts (NaN-free)."""
    var = float(target.var()) if len(target) > 1 else 0.0
    return 0.0 if var == 0 else 1.0 - float((target - pred).var()) / var


# -- the agent folder (vec_ppo's save_folder and read_card, with the algorithm's name a parameter) ------


def save_agent(
    folder: Path,
    args: Any,
    algo: str,
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
    torch.save({**state, "algo": algo}, folder / STATE_FILE)
    algo_args = {k: v for k, v in json.loads(json.dumps(vars(args), default=str)).items() if k not in ("out", "resume")}
    AgentCard(
        env_id=args.env_id,
        algo=algo,
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


def read_card(folder: str | Path, algo: str = ALGO) -> AgentCard:
    """``agent.json`` of an ``algo`` folder (read directly: ``AgentCard.read`` checks its list of algorithms)."""
    path = Path(folder) / "agent.json"
    try:
        card = AgentCard(**json.loads(path.read_text()))
    except (OSError, json.JSONDecodeError, TypeError) as exc:
        raise BadAgentDir(f"{folder}: not a trained agent ({exc})") from None
    if card.algo != algo:
        raise BadAgentDir(f"{folder}: an {card.algo} agent, not a {algo} one")
    if not (Path(folder) / card.model_file).is_file():
        raise BadAgentDir(f"{folder}: the model file {card.model_file!r} named in agent.json is missing")
    return card


def load_agent(folder: str | Path, algo: str) -> VecPPOPolicy:
    """The acting policy of an ``algo`` folder (vec_ppo's: masked argmax or sample of the network's logits)."""
    read_card(folder, algo)
    net, _ = load_net(folder)
    return VecPPOPolicy(net)


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
            optimizer = make_optimizer(args, net)
            global_step, update = 0, 0
            if args.resume is not None:
                net.load_state_dict(torch.load(Path(args.resume) / MODEL_FILE, weights_only=False)["state_dict"])
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
    # a resumed run sees fresh instances (seed shifted by the steps done), still deterministic
    roll = Rollout(args, envs, spec, device, args.seed + global_step)
    start_step, clock = global_step, time.perf_counter()

    def state() -> dict[str, Any]:
        return {
            "optimizer": optimizer.state_dict(),
            "global_step": global_step,
            "update": update,
            "torch_rng": torch.get_rng_state(),
        }

    def metrics() -> dict[str, float]:
        sps = (global_step - start_step) / max(time.perf_counter() - clock, 1e-9)
        extra = {"SPS": sps, "illegal_actions": float(roll.illegal), "wall_s": time.time() - start_wall}
        return {**roll.stats.metrics(), **extra}

    def checkpoint() -> Path:
        folder = out / "checkpoints" / f"update_{update:06d}"
        return save_agent(folder, args, ALGO, net, spec, state(), metrics(), time.time() - start_wall)

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
            log_probs = masked_log_probs(logits, b_mask)
            logp = log_probs.gather(1, b_act[:, None]).squeeze(1)
            entropy = masked_entropy(log_probs, b_mask).mean()
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
                "charts/SPS": m["SPS"],
                "charts/episodic_return": m["episodic_return"],
                "charts/episodic_length": m["episodic_length"],
                "charts/solved_rate": m["solved_rate"],
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
    return save_agent(out, args, ALGO, net, spec, state(), metrics(), time.time() - start_wall)


__all__ = ["ALGO", "Args", "Rollout", "load_policy", "read_card", "save_agent", "train", "validate"]
