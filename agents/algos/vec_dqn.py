"""DQN on the batched vector envs, in one file in the manner of CleanRL's ``dqn.py`` (issue 19).

SB3's DQN (:mod:`.dqn`) steps one env at a time and cannot mask: its
exploration and its TD max run over every action, illegal ones included. Here
the acting runs on ``gym.make_vec(..., vectorization_mode="vector_entry_point")``
with batched torch, and the masks are used everywhere: epsilon-greedy draws
its random actions uniformly among the LEGAL actions and its greedy ones by
the masked argmax; the replay buffer keeps the next state's mask, so the TD
target is the max over the next state's legal actions only (:func:`td_target`).

Q-network: the action-score head of a :mod:`..policies.braid_heads` network
(``"mlp"``, ``"factored"``); its ``logits`` output is read as Q-values. The
value head is kept (``model.pt`` then has exactly vec_ppo's format and loader)
but unused: no loss reaches it, it stays at its initial weights.

Next-step auto-reset: the step after an episode ends only resets that env
(its action ignored, its reward 0). That transition (final observation ->
first observation of the next episode) is not stored. As in CleanRL, only a
termination stops the bootstrap; a truncated episode's last transition
bootstraps from its real final observation (which the vector env returns at
the truncating step, the reset coming one step later).

Units: ``steps``, ``learning_starts``, ``train_frequency``,
``target_network_frequency``, ``checkpoint_every`` and ``log_every`` count env
steps (summed over the envs, auto-reset steps excluded), so a run means the
same thing whatever ``num_envs`` is: one gradient step per ``train_frequency``
env steps. The replay buffer is not checkpointed (tens of MB): a resumed run
refills it for ``learning_starts`` transitions before it trains again.

Measured (UnKnot-Easy-v0, max_length 32, max_strands 4, 64 envs, 100k steps,
defaults, seed 1, a busy 2-core CPU): training solved rate 0.998 (last 1,000
episodes, epsilon 0.05), 496/500 fresh instances solved greedily, about 420
env steps/s (the gradient steps are the cost). Without double DQN the same run
overestimates (mean Q 24 where no return exceeds about 11) and collapses to a
training solved rate of 0.24 and 0/500 greedily: hence ``double_dqn=True``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from . import vec_common
from .saved import AgentCard, masked_choice
from .vec_common import (  # noqa: F401  (MODEL_FILE: vec_dqn's name before)
    MASKED,
    MODEL_FILE,
    STATE_FILE,
    Session,
    Stats,
    check_counts,
    check_model_file,
    check_net_device_out,
    check_policy,
    check_steps_left,
    episode_charts,
    load_net,
    make_envs,
    one_row,
    sampling_mask,
    save_folder,
    session,
)

if TYPE_CHECKING:
    from .common import ScalarTap  # common imports SB3: only where training starts

ALGO = "vec_dqn"


@dataclass
class Args:
    """Every knob of a run (``agent.json`` records them as ``algo_args``); counts are env steps (module doc)."""

    env_id: str = "UnKnot-v0"
    env_kwargs: dict[str, Any] = field(default_factory=dict)  # extra gym.make_vec kwargs, e.g. max_length
    num_envs: int = 64  # envs stepped at once by the vector env
    steps: int = 1_000_000  # total env steps (with resume: the total to reach, the checkpoint's included)
    lr: float = 2.5e-4
    buffer_size: int = 100_000  # transitions in the replay buffer
    gamma: float = 0.99
    tau: float = 1.0  # target update: 1.0 a hard copy, < 1 Polyak averaging
    target_network_frequency: int = 1_000  # env steps between target updates
    batch_size: int = 128  # transitions per gradient step
    start_e: float = 1.0  # epsilon at step 0
    end_e: float = 0.05  # epsilon from exploration_fraction * steps on
    exploration_fraction: float = 0.2
    learning_starts: int = 10_000  # transitions in the buffer before the first gradient step
    train_frequency: int = 4  # env steps per gradient step
    double_dqn: bool = True  # online argmax, target value: a max over hundreds of noisy Q-values overestimates
    max_grad_norm: float | None = 10.0  # None: no clipping
    log_every: int = 1_000  # env steps between TensorBoard points
    seed: int = 1
    device: str = "cpu"  # "cpu" or "cuda" ("cuda:N")
    policy: str = "mlp"  # "mlp" (flat, dense head), "factored" (per-position head, UnKnot), "gnn" (Kirby-Plumbing)
    hidden: tuple[int, ...] = (256, 256)  # mlp
    width: int = 16  # factored, gnn: channels
    depth: int = 2  # factored: residual conv layers; gnn: message-passing layers
    kernel: int = 3  # factored: conv window (odd)
    conv: str = "sage"  # gnn: the torch-geometric layer (gcn, gin, gat, sage)
    threads: int = 0  # torch intra-op threads; 0: rigorgym.threads.training_threads() (mostly 1)
    checkpoint_every: int = 0  # env steps between checkpoints in OUT/checkpoints; 0: none (Ctrl-C still saves one)
    out: Path = Path("runs/vec_dqn")
    resume: Path | None = None  # a checkpoint folder (OUT/checkpoints/step_N, or a finished OUT) to continue


def validate(args: Args) -> None:
    """Refuse bad arguments before anything is built or written (one clear ValueError)."""
    check_policy(args)
    check_counts(
        args,
        ("num_envs", "steps", "buffer_size", "batch_size", "train_frequency", "target_network_frequency", "log_every"),
    )
    if args.checkpoint_every < 0 or args.threads < 0 or args.learning_starts < 0:
        raise ValueError("checkpoint_every, threads and learning_starts must be >= 0")
    if not args.lr > 0 or not 0 <= args.gamma <= 1 or not 0 < args.tau <= 1:
        raise ValueError(f"need lr > 0, gamma in [0, 1] and tau in (0, 1], got {args.lr}, {args.gamma}, {args.tau}")
    if not 0 <= args.end_e <= args.start_e <= 1 or not 0 < args.exploration_fraction <= 1:
        raise ValueError(
            f"need 0 <= end_e <= start_e <= 1 and exploration_fraction in (0, 1], "
            f"got {args.end_e}, {args.start_e}, {args.exploration_fraction}"
        )
    if args.max_grad_norm is not None and not args.max_grad_norm > 0:
        raise ValueError(f"max_grad_norm must be > 0 (or None: no clipping), got {args.max_grad_norm}")
    check_net_device_out(args)
    if args.resume is not None:
        path = Path(args.resume) / STATE_FILE
        state = torch.load(path, weights_only=False) if path.is_file() else {}
        if state.get("algo") != ALGO:  # trainer.pt holds the target network, step count and RNGs
            raise ValueError(f"resume: {args.resume} is not a vec_dqn checkpoint folder (no vec_dqn {STATE_FILE})")
        check_steps_left(args, state["global_step"])


# -- the pieces of DQN -----------------------------------------------------------------------------


def linear_schedule(start_e: float, end_e: float, duration: float, t: int) -> float:
    """CleanRL's epsilon: ``start_e`` to ``end_e`` linearly over ``duration`` env steps, then flat."""
    return max(end_e, start_e + (end_e - start_e) * t / max(duration, 1e-9))


def select_actions(q: torch.Tensor, mask: np.ndarray, epsilon: float, rng: np.random.Generator) -> np.ndarray:
    """Epsilon-greedy over legal actions: per env, with probability ``epsilon`` a uniformly random legal action,
    else the masked argmax of ``q``. Every row of ``mask`` must have a legal action (see ``sampling_mask``)."""
    mask_t = torch.as_tensor(mask, device=q.device)
    actions = q.masked_fill(~mask_t, MASKED).argmax(1).cpu().numpy()
    explore = np.flatnonzero(rng.random(len(actions)) < epsilon)
    if explore.size:
        # argmax of uniform noise over the legal entries (illegal ones at -1, below any draw): uniform among them
        noise = rng.random((explore.size, mask.shape[1]))
        noise[~mask[explore]] = -1.0
        actions[explore] = noise.argmax(1)
    return actions


def td_target(
    next_q_target: torch.Tensor,
    next_mask: torch.Tensor,
    reward: torch.Tensor,
    done: torch.Tensor,
    gamma: float,
    next_q_online: torch.Tensor | None = None,
) -> torch.Tensor:
    """``r + gamma * max over the next state's LEGAL actions``; a terminal next state, or one with no legal
    action, contributes 0. With ``next_q_online`` (double DQN) the online net picks the action, the target
    net values it. Illegal Q-values are -inf before the max, so an illegal action can never be the best."""
    chooser = next_q_target if next_q_online is None else next_q_online
    best = chooser.masked_fill(~next_mask, MASKED).argmax(1, keepdim=True)
    value = next_q_target.gather(1, best).squeeze(1)
    bootstrap = next_mask.any(1) & ~done
    return reward + gamma * torch.where(bootstrap, value, torch.zeros_like(value))


class ReplayBuffer:
    """A ring of transitions in numpy arrays; the next state's action mask is stored bit-packed
    (a 2,293-action mask is 287 bytes instead of 2,293: on UnKnot-v0 masks would dominate the buffer)."""

    def __init__(self, capacity: int, obs_dim: int, n_actions: int, obs_dtype: Any) -> None:
        self.capacity, self.n_actions = capacity, n_actions
        self.obs = np.zeros((capacity, obs_dim), obs_dtype)
        self.next_obs = np.zeros((capacity, obs_dim), obs_dtype)
        self.actions = np.zeros(capacity, np.int64)
        self.rewards = np.zeros(capacity, np.float32)
        self.dones = np.zeros(capacity, bool)
        self.next_masks = np.zeros((capacity, (n_actions + 7) // 8), np.uint8)
        self.pos = 0
        self.size = 0

    def add(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        next_obs: np.ndarray,
        dones: np.ndarray,
        next_masks: np.ndarray,
    ) -> None:
        """Store a batch of transitions (the oldest are overwritten once full)."""
        k = len(actions)
        if k == 0:
            return
        idx = (self.pos + np.arange(k)) % self.capacity
        if k > self.capacity:  # only the newest ``capacity`` survive
            idx, sl = idx[-self.capacity :], slice(k - self.capacity, k)
        else:
            sl = slice(0, k)
        self.obs[idx], self.next_obs[idx] = obs[sl], next_obs[sl]
        self.actions[idx], self.rewards[idx], self.dones[idx] = actions[sl], rewards[sl], dones[sl]
        self.next_masks[idx] = np.packbits(np.asarray(next_masks[sl], bool), axis=1)
        self.pos = int((self.pos + k) % self.capacity)
        self.size = min(self.size + k, self.capacity)

    def sample(self, batch_size: int, rng: np.random.Generator, device: torch.device) -> dict[str, torch.Tensor]:
        """``batch_size`` transitions drawn uniformly (with replacement), as tensors on ``device``."""
        i = rng.integers(0, self.size, batch_size)
        masks = np.unpackbits(self.next_masks[i], axis=1, count=self.n_actions).astype(bool)
        as_t = lambda a: torch.as_tensor(a, device=device)  # noqa: E731
        return {
            "obs": as_t(self.obs[i]),
            "actions": as_t(self.actions[i]),
            "rewards": as_t(self.rewards[i]),
            "next_obs": as_t(self.next_obs[i]),
            "dones": as_t(self.dones[i]),
            "next_masks": as_t(masks),
        }


def q_values(net: nn.Module, obs: torch.Tensor) -> torch.Tensor:
    """The Q-values of a braid_heads network: its action-score (``logits``) output; the value head is ignored."""
    return net(obs)[0]


# -- training ----------------------------------------------------------------------------------------


def train(args: Args, on_scalar: ScalarTap | None = None) -> Path:
    """Train DQN on the vector env into ``args.out`` (agent folder, ``tb/``, ``checkpoints/``); return the folder."""
    with session(args, validate, make_envs, on_scalar) as run:
        net = run.build_net()
        target = run.build_net()
        target.load_state_dict(net.state_dict())
        optimizer = torch.optim.Adam(net.parameters(), lr=args.lr)
        rng = np.random.default_rng(args.seed)
        global_step, updates = 0, 0
        state = run.resume(net)
        if state is not None:
            target.load_state_dict(state["target"])
            optimizer.load_state_dict(state["optimizer"])
            global_step, updates = int(state["global_step"]), int(state["updates"])
            rng.bit_generator.state = state["numpy_rng"]
        return _loop(args, run, net, target, optimizer, rng, run.open_writer(), global_step, updates)


def _crossed(before: int, after: int, every: int) -> int:
    """How many multiples of ``every`` lie in ``(before, after]`` (events due as the step count moves on)."""
    return after // every - before // every


def _loop(
    args: Args,
    run: Session,
    net: nn.Module,
    target: nn.Module,
    optimizer: torch.optim.Optimizer,
    rng: np.random.Generator,
    writer: Any,
    global_step: int,
    updates: int,
) -> Path:
    out, spec, device, envs, start_wall = run.out, run.spec, run.device, run.envs, run.start_wall
    n = args.num_envs
    obs_dtype = getattr(envs.single_observation_space, "dtype", None)
    obs_dtype = np.float32 if obs_dtype is None else obs_dtype  # int8 rows on UnKnot: the buffer stays small
    buffer = ReplayBuffer(args.buffer_size, spec.obs_dim, spec.n_actions, obs_dtype)
    stats = Stats(n)
    illegal = 0  # illegal actions the env saw on real (non-reset) steps: must stay 0
    start_step, clock = global_step, time.perf_counter()
    td_loss = q_mean = float("nan")
    epsilon = args.start_e

    # a resumed run sees fresh instances (seed shifted by the steps done), still deterministic
    obs, info = envs.reset(seed=args.seed + global_step)
    mask = np.asarray(info["action_mask"], bool)
    needs_reset = np.zeros(n, bool)

    def state() -> dict[str, Any]:
        return {
            "algo": ALGO,
            "optimizer": optimizer.state_dict(),
            "target": {k: v.detach().cpu() for k, v in target.state_dict().items()},
            "global_step": global_step,
            "updates": updates,
            "numpy_rng": rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
        }

    def metrics() -> dict[str, float]:
        sps = (global_step - start_step) / max(time.perf_counter() - clock, 1e-9)
        return {**stats.metrics(), "SPS": sps, "illegal_actions": float(illegal), "wall_s": time.time() - start_wall}

    def checkpoint() -> Path:
        folder = out / "checkpoints" / f"step_{global_step:09d}"
        return run.save(folder, ALGO, net, state(), metrics())

    def learn() -> None:
        nonlocal td_loss, q_mean, updates
        b = buffer.sample(args.batch_size, rng, device)
        with torch.no_grad():
            online = q_values(net, b["next_obs"]) if args.double_dqn else None
            y = td_target(
                q_values(target, b["next_obs"]), b["next_masks"], b["rewards"], b["dones"], args.gamma, online
            )
        q = q_values(net, b["obs"]).gather(1, b["actions"][:, None]).squeeze(1)
        loss = nn.functional.smooth_l1_loss(q, y)
        optimizer.zero_grad()
        loss.backward()
        if args.max_grad_norm is not None:
            nn.utils.clip_grad_norm_(net.parameters(), args.max_grad_norm)
        optimizer.step()
        updates += 1
        td_loss, q_mean = float(loss.detach()), float(q.detach().mean())

    def log() -> None:
        m = metrics()
        scalars = {
            **episode_charts(m),
            "charts/epsilon": epsilon,
        }
        if updates:  # the losses exist once learning has started
            scalars |= {"losses/td_loss": td_loss, "losses/q_values": q_mean}
        for name, value in scalars.items():
            writer.add_scalar(name, value, global_step)

    try:
        while global_step < args.steps:
            valid = ~needs_reset
            epsilon = linear_schedule(args.start_e, args.end_e, args.exploration_fraction * args.steps, global_step)
            act_mask = sampling_mask(mask)
            with torch.no_grad():
                q = q_values(net, torch.as_tensor(obs, device=device))
            actions = select_actions(q, act_mask, epsilon, rng)
            # never an illegal action: checked on every step (not an assert, kept under -O)
            if not act_mask[np.arange(n), actions].all():
                raise RuntimeError("vec_dqn chose an illegal action (a bug in the masked epsilon-greedy)")
            next_obs, reward, term, trunc, info = envs.step(actions)
            next_mask = np.asarray(info["action_mask"], bool)
            term, trunc = np.asarray(term, bool), np.asarray(trunc, bool)
            illegal += int(np.sum(np.asarray(info.get("illegal_action", np.zeros(n, bool))) & valid))
            ended = term | trunc
            solved = np.asarray(info["_certificate"], bool) if "_certificate" in info else term
            stats.step(valid, reward, ended, solved)
            # store the real transitions only (not the auto-reset ones); termination alone stops the bootstrap
            rows = np.flatnonzero(valid)
            buffer.add(obs[rows], actions[rows], np.asarray(reward)[rows], next_obs[rows], term[rows], next_mask[rows])
            before, global_step = global_step, global_step + len(rows)
            obs, mask, needs_reset = next_obs, next_mask, ended
            # -- learning: one gradient step per train_frequency env steps, once the buffer holds learning_starts
            if buffer.size >= max(args.learning_starts, 1):
                for _ in range(_crossed(before, global_step, args.train_frequency)):
                    learn()
                if _crossed(before, global_step, args.target_network_frequency):
                    with torch.no_grad():
                        for tp, p in zip(target.parameters(), net.parameters(), strict=True):
                            tp.copy_(args.tau * p + (1.0 - args.tau) * tp)
            if _crossed(before, global_step, args.log_every) or global_step >= args.steps:
                log()
            if args.checkpoint_every and _crossed(before, global_step, args.checkpoint_every):
                checkpoint()
    except KeyboardInterrupt:
        checkpoint()  # Ctrl-C keeps the run so far, resumable (the buffer is refilled)
        raise
    return run.save(out, ALGO, net, state(), metrics())


# -- acting ------------------------------------------------------------------------------------------


class VecDQNPolicy:
    """A trained vec_dqn network as an :class:`~.saved.ActingPolicy`: masked argmax of its Q-values
    (``deterministic``), or a softmax over them (only for restarts: DQN has no stochastic policy)."""

    def __init__(self, net: nn.Module) -> None:
        self.net = net.eval()

    def act(self, obs: Any, mask: np.ndarray, deterministic: bool, rng: np.random.Generator) -> int:
        with torch.no_grad():
            q = q_values(self.net, one_row(obs))
        return masked_choice(q[0].numpy(), np.asarray(mask, bool), deterministic, rng)

    def scores(self, observations: list[Any]) -> np.ndarray:
        """The Q-values of many single-env observations in one forward pass (protocols that play many at once)."""
        with torch.no_grad():
            return q_values(self.net, torch.cat([one_row(obs) for obs in observations])).numpy()


def read_card(folder: str | Path) -> AgentCard:
    """``agent.json`` of a vec_dqn folder (read directly: ``AgentCard.read`` checks the algorithm against its list)."""
    return vec_common.read_card(folder, ALGO)


def load_policy(folder: str | Path) -> VecDQNPolicy:
    """The acting policy of a vec_dqn agent folder (``solve``, ``evaluate``, the leaderboard)."""
    card = read_card(folder)
    check_model_file(folder, card)
    net, _ = load_net(folder)  # model.pt has vec_ppo's format
    return VecDQNPolicy(net)


__all__ = [
    "ALGO",
    "Args",
    "ReplayBuffer",
    "VecDQNPolicy",
    "linear_schedule",
    "load_net",
    "load_policy",
    "select_actions",
    "td_target",
    "train",
    "validate",
]
