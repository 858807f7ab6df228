"""A3C: Asynchronous Advantage Actor-Critic (Mnih et al. 2016), as in "Learning to unknot" and Ri–Putrov.

No maintained library provides A3C (stable-baselines3, sb3-contrib, CleanRL and
RLlib all dropped or never had it), which is why it is implemented here, in one
readable file (CleanRL style).

How it runs: ``workers`` processes (``torch.multiprocessing``), each with its own
env copy, seeded ``seed + worker``, and its own local actor-critic. A worker
copies the global weights, plays ``n_steps`` moves, computes n-step returns
(bootstrapped from its value head unless the episode terminated), and applies
the gradient of ``policy_loss + value_coef * value_loss - entropy_coef *
entropy`` (clipped to ``max_grad_norm``) to the global model, Hogwild-style (no
lock), through :class:`SharedAdam`, whose moment estimates live in shared
memory too. Illegal actions (the env's ``action_masks()``) get logit ``-inf``
before the softmax, in acting and in the loss.

Start method: ``"spawn"`` by default. Each worker then imports torch,
torch-geometric and rigorgym afresh (about 5 s), but nothing is inherited
from the parent: ``fork`` copies torch's OpenMP/intra-op thread pools and
numba's state into the child, which can deadlock once the parent has run a
parallel op. ``start_method="fork"`` is accepted (workers use one thread
each, which sidesteps the known OpenMP hang) for fast starts on Linux.

Only the main process writes: workers send step counts, finished episodes,
losses and errors through a ``multiprocessing.Queue``; the main process draws
the progress bar, writes TensorBoard (``charts/solved_rate``,
``charts/episode_moves``, ``charts/SPS``, ``losses/policy_loss``,
``losses/value_loss``, ``losses/entropy``), periodic checkpoints and the
agent folder (see :mod:`.saved`).

``workers=0`` runs one worker synchronously in the main process: the same
seed then gives bit-identical weights (with processes, the interleaving of
Hogwild updates is up to the OS scheduler).

Curriculum (optional, ``Args.curriculum``): a list of levels, each a dict of
dotted attribute paths on the unwrapped env and their values (e.g.
``{"generator.scramble_moves": 4}``). Each worker starts at level 0 and moves
to the next level once its own solved rate over its last
``curriculum_window`` episodes reaches ``curriculum_threshold``
(:class:`Curriculum`). Ri and Putrov trained on growing scrambles this way;
levels are plain JSON, so they go into ``agent.json`` with the other knobs,
and the main process logs ``charts/curriculum_level`` (the lowest level of any
worker).
"""

from __future__ import annotations

import json
import queue as queue_mod
import random
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import torch.multiprocessing as mp
from gymnasium import spaces
from torch import nn

from ..policies import CONVS, POLICIES
from ..policies.actor_critic import ActorCritic, masked_logits, to_tensor
from .saved import AgentCard, masked_choice

MODEL_FILE = "model.pt"
STATS_WINDOW = 100  # finished episodes behind charts/solved_rate and the card's metrics
LOG_EVERY = 1000  # env steps between TensorBoard points of the losses and SPS


@dataclass
class Args:
    """Every knob of an A3C run (CleanRL style: one typed dataclass, written into ``agent.json``)."""

    env_id: str = "UnKnot-v0"
    policy: str = "mlp"
    steps: int = 100_000  # total env steps, all workers together
    seed: int = 1
    out: Path = Path("runs/a3c")
    workers: int = 2  # 0: one synchronous worker in this process (deterministic)
    n_steps: int = 20  # rollout length per update (n-step returns)
    lr: float = 3e-4
    gamma: float = 0.99
    entropy_coef: float = 0.01
    value_coef: float = 0.5
    max_grad_norm: float = 40.0
    conv: str = "gcn"  # gnn only
    depth: int = 3  # gnn only
    width: int = 64  # gnn only
    hidden: tuple[int, ...] = (256, 256)  # mlp only
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    checkpoint_every: int = 0  # env steps between checkpoints; 0: none
    progress: bool = True
    resume: Path | None = None  # a checkpoint (or an agent folder) whose state_dict to start from
    start_method: str = "spawn"
    curriculum: list[dict[str, Any]] = field(default_factory=list)  # levels of env attributes; see Curriculum
    curriculum_threshold: float = 0.8  # a worker's solved rate that moves it to the next level
    curriculum_window: int = 50  # episodes behind that rate (counted from the start of the level)


def validate(args: Args) -> None:
    """Refuse bad arguments before any process starts (a worker's error is harder to read)."""
    if args.policy not in POLICIES:
        raise ValueError(f"unknown policy {args.policy!r}; choose one of {', '.join(POLICIES)}")
    if args.workers < 0:
        raise ValueError(f"workers must be >= 0 (0: one synchronous worker), got {args.workers}")
    if args.steps < 1:
        raise ValueError(f"steps must be >= 1, got {args.steps}")
    if args.n_steps < 1:
        raise ValueError(f"n_steps must be >= 1, got {args.n_steps}")
    if not 0.0 <= args.gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {args.gamma}")
    if args.lr < 0 or args.entropy_coef < 0 or args.value_coef < 0 or args.max_grad_norm <= 0:
        raise ValueError("lr, entropy_coef, value_coef must be >= 0 and max_grad_norm > 0")
    if args.checkpoint_every < 0:
        raise ValueError(f"checkpoint_every must be >= 0 (0: no checkpoints), got {args.checkpoint_every}")
    if args.policy == "gnn" and args.conv not in CONVS:
        raise ValueError(f"unknown GNN layer {args.conv!r}; choose one of {', '.join(CONVS)}")
    if args.start_method not in mp.get_all_start_methods():
        raise ValueError(f"start_method must be one of {mp.get_all_start_methods()}, got {args.start_method!r}")
    try:
        json.dumps(args.env_kwargs)
    except TypeError as exc:
        raise ValueError(f"env_kwargs must be JSON-serialisable (they go into agent.json): {exc}") from None
    if args.curriculum:
        if not all(isinstance(level, dict) and level for level in args.curriculum):
            raise ValueError("curriculum: each level is a non-empty dict of env attribute paths and values")
        try:
            json.dumps(args.curriculum)
        except TypeError as exc:
            raise ValueError(f"curriculum levels must be JSON-serialisable (they go into agent.json): {exc}") from None
        if not 0.0 < args.curriculum_threshold <= 1.0 or args.curriculum_window < 1:
            raise ValueError("curriculum_threshold must be in (0, 1] and curriculum_window >= 1")
    if args.resume is not None and not _resume_file(Path(args.resume)).is_file():
        raise ValueError(f"resume: no checkpoint at {args.resume}")


def policy_options(args: Args) -> dict[str, Any]:
    """The ``make_encoder`` options of this run (what ``agent.json`` records to rebuild the model)."""
    if args.policy == "mlp":
        return {"hidden": [int(h) for h in args.hidden]}
    return {"conv": args.conv, "depth": args.depth, "width": args.width}


# -- model -----------------------------------------------------------------------------------------


def build_model(env: gym.Env[Any, Any], policy: str, options: dict[str, Any]) -> ActorCritic:
    if not isinstance(env.action_space, spaces.Discrete):
        raise ValueError(f"A3C needs a Discrete action space, got {env.action_space}")
    return ActorCritic(policy, env.observation_space, int(env.action_space.n), **dict(options))


class SharedAdam(torch.optim.Adam):
    """Adam whose step counts and moment estimates sit in shared memory, so all workers update one set."""

    def __init__(self, params: Any, lr: float = 1e-4, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, lr=lr, betas=betas, eps=eps, foreach=False)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = torch.tensor(0.0)  # initialised here, not lazily: then it can be shared
                state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)

    def share_memory(self) -> SharedAdam:
        for group in self.param_groups:
            for p in group["params"]:
                for value in self.state[p].values():
                    value.share_memory_()
        return self


# -- curriculum ------------------------------------------------------------------------------------


def set_path(obj: Any, path: str, value: Any) -> None:
    """``setattr`` along a dotted path (``"generator.scramble_moves"``); an unknown attribute is an error."""
    *parents, name = path.split(".")
    for part in parents:
        obj = getattr(obj, part)
    if not hasattr(obj, name):
        raise AttributeError(f"curriculum: {type(obj).__name__} has no attribute {name!r} (path {path!r})")
    setattr(obj, name, value)


class Curriculum:
    """One worker's difficulty schedule: apply level 0, then step up when the recent solved rate is high enough.

    Why per worker and on episode results: a worker only ever sees its own
    episodes, and the levels change the instances its env generates (for
    example a generator's scramble depth), so each worker moves on when *it*
    solves its current instances, without any cross-process state.
    """

    def __init__(self, levels: list[dict[str, Any]], threshold: float = 0.8, window: int = 50) -> None:
        self.levels = [dict(level) for level in levels]
        self.threshold = threshold
        self.window = window
        self.level = 0
        self.results: deque[bool] = deque(maxlen=window)

    def apply(self, env: Any) -> None:
        """Set the current level's attributes on ``env`` (unwrapped first)."""
        target = env.unwrapped if hasattr(env, "unwrapped") else env
        for path, value in self.levels[self.level].items():
            set_path(target, path, value)

    def record(self, solved: bool, env: Any) -> bool:
        """Count one finished episode; return True (after applying it) when this moves to the next level."""
        self.results.append(bool(solved))
        last = self.level + 1 >= len(self.levels)
        if last or len(self.results) < self.window or np.mean(self.results) < self.threshold:
            return False
        self.level += 1
        self.results.clear()
        self.apply(env)
        return True


# -- workers ---------------------------------------------------------------------------------------


def make_env(args: Args) -> gym.Env[Any, Any]:
    import rigorgym  # noqa: F401  (registers the envs in a spawned worker)

    return gym.make(args.env_id, **args.env_kwargs)


def _seed_everything(seed: int) -> None:
    """The fixed seeding header (CleanRL): Python, NumPy and torch."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _reserve(counter: Any, total: int, n_steps: int) -> int:
    """Claim up to ``n_steps`` of the step budget, so that all workers together play exactly ``total``."""
    with counter.get_lock():
        take = min(n_steps, total - counter.value)
        if take > 0:
            counter.value += take
        return max(take, 0)


def run_worker(
    rank: int,
    args: Args,
    global_model: ActorCritic,
    optimizer: SharedAdam,
    counter: Any,
    report: Callable[[tuple[Any, ...]], None],
) -> None:
    """One A3C learner: sync weights, play ``n_steps``, push the n-step actor-critic gradient to the global model."""
    seed = args.seed + rank
    _seed_everything(seed)
    rng = np.random.default_rng(seed)
    env = make_env(args)
    env.action_space.seed(seed)
    space = env.observation_space
    local = build_model(env, args.policy, policy_options(args))
    curriculum = Curriculum(args.curriculum, args.curriculum_threshold, args.curriculum_window)
    if args.curriculum:
        curriculum.apply(env)
    obs, _ = env.reset(seed=seed)
    report(("ready", rank))
    moves = 0
    try:
        while (take := _reserve(counter, args.steps, args.n_steps)) > 0:
            local.load_state_dict(global_model.state_dict())
            batch_obs: list[Any] = []
            masks: list[np.ndarray] = []
            actions: list[int] = []
            rewards: list[float] = []
            ended: list[bool] = []
            cut_values: list[float] = []  # V(final obs) where an episode was truncated, else 0
            for _ in range(take):
                mask = env.unwrapped.action_masks()
                with torch.no_grad():
                    logits, _ = local(to_tensor([obs], space))
                action = masked_choice(logits[0].numpy(), mask, False, rng)
                next_obs, reward, terminated, truncated, info = env.step(action)
                moves += 1
                batch_obs.append(obs)
                masks.append(mask)
                actions.append(action)
                rewards.append(float(reward))
                ended.append(terminated or truncated)
                cut = 0.0
                if truncated and not terminated:
                    with torch.no_grad():
                        cut = float(local(to_tensor([next_obs], space))[1][0])
                cut_values.append(cut)
                if terminated or truncated:
                    solved = bool(terminated and "certificate" in info)
                    report(("episode", rank, solved, moves))
                    if args.curriculum and curriculum.record(solved, env):
                        report(("level", rank, curriculum.level))
                    moves = 0
                    next_obs, _ = env.reset()
                obs = next_obs
            if ended[-1]:
                ret = 0.0
            else:
                with torch.no_grad():
                    ret = float(local(to_tensor([obs], space))[1][0])
            returns = np.zeros(take, np.float32)
            for t in reversed(range(take)):
                if ended[t]:
                    ret = cut_values[t]
                ret = rewards[t] + args.gamma * ret
                returns[t] = ret

            logits, values = local(to_tensor(batch_obs, space))
            mask_t = torch.as_tensor(np.stack(masks), dtype=torch.bool)
            logp = torch.log_softmax(masked_logits(logits, mask_t), dim=-1)
            act_logp = logp.gather(1, torch.as_tensor(actions).unsqueeze(1)).squeeze(1)
            safe_logp = logp.masked_fill(~mask_t, 0.0)  # 0 * -inf would make NaN gradients
            entropy = -(safe_logp.exp() * safe_logp).sum(-1).mean()
            advantage = torch.as_tensor(returns) - values
            policy_loss = -(act_logp * advantage.detach()).mean()
            value_loss = 0.5 * advantage.pow(2).mean()
            loss = policy_loss + args.value_coef * value_loss - args.entropy_coef * entropy

            optimizer.zero_grad(set_to_none=True)
            local.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(local.parameters(), args.max_grad_norm)
            for gp, lp in zip(global_model.parameters(), local.parameters(), strict=True):
                gp.grad = lp.grad  # Hogwild: no lock around the shared update
            optimizer.step()
            report(("update", rank, take, policy_loss.item(), value_loss.item(), entropy.item()))
    finally:
        env.close()


def _process_worker(
    rank: int, args: Args, global_model: ActorCritic, optimizer: SharedAdam, counter: Any, queue: Any
) -> None:
    """A worker process: one torch thread (the workers are the parallelism); errors go to the main process."""
    torch.set_num_threads(1)
    try:
        run_worker(rank, args, global_model, optimizer, counter, queue.put)
        queue.put(("done", rank))
    except BaseException:  # noqa: BLE001  (the main process re-raises it with the traceback)
        queue.put(("error", rank, traceback.format_exc()))


# -- main process ----------------------------------------------------------------------------------


class _Recorder:
    """The main process's view of the run: progress bar, TensorBoard, checkpoints, final metrics."""

    def __init__(self, args: Args, model: ActorCritic) -> None:
        from torch.utils.tensorboard import SummaryWriter
        from tqdm import tqdm

        self.args = args
        self.model = model
        self.writer = SummaryWriter(str(Path(args.out) / "tb"))
        self.writer.add_text("hyperparameters", json.dumps(asdict(args), default=str, indent=1))
        self.bar = tqdm(total=args.steps, disable=not args.progress, unit="step", desc=f"a3c {args.env_id}")
        self.clock: float | None = None
        self.last = 0.0
        self.steps = 0
        self.solved: deque[bool] = deque(maxlen=STATS_WINDOW)
        self.moves: deque[int] = deque(maxlen=STATS_WINDOW)  # lengths of solved episodes (as the SB3 path)
        self.episodes = 0
        self.losses: list[tuple[float, float, float]] = []
        self.next_log = LOG_EVERY
        self.next_checkpoint = args.checkpoint_every or None
        self.levels = dict.fromkeys(range(max(args.workers, 1)), 0)  # curriculum level of each worker

    def __call__(self, msg: tuple[Any, ...]) -> None:
        kind = msg[0]
        if kind == "ready":
            if self.clock is None:
                self.clock = time.time()  # SPS counts from the first ready worker, not from the process starts
        elif kind == "episode":
            _, _, solved, moves = msg
            self.episodes += 1
            self.solved.append(solved)
            self.writer.add_scalar("charts/solved_rate", self.solved_rate, self.steps)
            if solved:
                self.moves.append(moves)
                self.writer.add_scalar("charts/episode_moves", float(np.mean(self.moves)), self.steps)
        elif kind == "level":
            _, rank, level = msg
            self.levels[rank] = level
            self.writer.add_scalar("charts/curriculum_level", min(self.levels.values()), self.steps)
        elif kind == "update":
            _, _, take, pl, vl, ent = msg
            self.steps += take
            self.last = time.time()
            self.bar.update(take)
            self.losses.append((pl, vl, ent))
            if self.steps >= self.next_log:
                self.flush()
                self.next_log = (self.steps // LOG_EVERY + 1) * LOG_EVERY
            if self.next_checkpoint is not None and self.steps >= self.next_checkpoint:
                self.checkpoint()
                every = self.args.checkpoint_every
                self.next_checkpoint = (self.steps // every + 1) * every

    @property
    def solved_rate(self) -> float:
        return float(np.mean(self.solved)) if self.solved else 0.0

    @property
    def sps(self) -> float:
        if self.clock is None:
            return 0.0
        return self.steps / max(self.last - self.clock, 1e-9)

    def flush(self) -> None:
        """Mean losses since the last point, SPS, and (if no episode has ended yet) a solved rate of 0."""
        if self.losses:
            pl, vl, ent = np.mean(self.losses, axis=0)
            self.writer.add_scalar("losses/policy_loss", pl, self.steps)
            self.writer.add_scalar("losses/value_loss", vl, self.steps)
            self.writer.add_scalar("losses/entropy", ent, self.steps)
            self.losses.clear()
        if not self.episodes:
            self.writer.add_scalar("charts/solved_rate", 0.0, self.steps)
        if not self.moves:  # as the SB3 path: 0 until an episode is solved
            self.writer.add_scalar("charts/episode_moves", 0.0, self.steps)
        self.writer.add_scalar("charts/SPS", self.sps, self.steps)
        self.bar.set_postfix(solved=f"{self.solved_rate:.2f}", episodes=self.episodes)

    def checkpoint(self) -> Path:
        folder = Path(self.args.out) / "checkpoints"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"model_{self.steps}.pt"
        torch.save(_state(self.model), path)
        return path

    def metrics(self) -> dict[str, float]:
        out = {
            "solved_rate": self.solved_rate,
            "episode_moves": float(np.mean(self.moves)) if self.moves else 0.0,
            "SPS": self.sps,
            "episodes": float(self.episodes),
        }
        if self.args.curriculum:
            out["curriculum_level"] = float(min(self.levels.values()))
        return out

    def close(self) -> None:
        self.flush()
        self.writer.close()
        self.bar.close()


def _state(model: nn.Module) -> dict[str, torch.Tensor]:
    """A plain (not shared-memory) copy of the weights, safe to save while workers keep writing."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _resume_file(path: Path) -> Path:
    return path / MODEL_FILE if path.is_dir() else path


def train(args: Args) -> Path:
    """Train A3C; write ``model.pt``, ``agent.json``, ``tb/`` and ``checkpoints/`` into ``args.out``; return it."""
    validate(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.time()
    _seed_everything(args.seed)
    env = make_env(args)
    global_model = build_model(env, args.policy, policy_options(args))
    env.close()
    if args.resume is not None:
        global_model.load_state_dict(torch.load(_resume_file(Path(args.resume)), weights_only=True))
    optimizer = SharedAdam(global_model.parameters(), lr=args.lr)
    recorder = _Recorder(args, global_model)
    try:
        if args.workers == 0:
            _train_inline(args, global_model, optimizer, recorder)
        else:
            _train_processes(args, global_model, optimizer, recorder)
    finally:
        recorder.close()
    torch.save(_state(global_model), out / MODEL_FILE)
    algo_args = {k: v for k, v in asdict(args).items() if k not in ("out", "resume")}
    algo_args["hidden"] = list(args.hidden)
    AgentCard(
        env_id=args.env_id,
        algo="a3c",
        policy=args.policy,
        steps=args.steps,
        seed=args.seed,
        model_file=MODEL_FILE,
        env_kwargs=dict(args.env_kwargs),
        policy_options=policy_options(args),
        algo_args=algo_args,
        metrics=recorder.metrics(),
        wall_s=time.time() - start,
        notes=f"resumed from {args.resume}" if args.resume is not None else "",
    ).write(out)
    return out


def _train_inline(args: Args, model: ActorCritic, optimizer: SharedAdam, recorder: _Recorder) -> None:
    """``workers=0``: one worker in this process, one torch thread (so the result is bit-reproducible)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        counter = mp.get_context("spawn").Value("q", 0)
        run_worker(0, args, model, optimizer, counter, recorder)
    finally:
        torch.set_num_threads(threads)


def _train_processes(args: Args, model: ActorCritic, optimizer: SharedAdam, recorder: _Recorder) -> None:
    """K worker processes on the shared model; the main process only listens to the queue."""
    ctx = mp.get_context(args.start_method)
    model.share_memory()
    optimizer.share_memory()
    counter = ctx.Value("q", 0)
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_process_worker, args=(rank, args, model, optimizer, counter, queue), daemon=True)
        for rank in range(args.workers)
    ]
    for p in procs:
        p.start()
    running = set(range(args.workers))
    try:
        while running:
            try:
                msg = queue.get(timeout=1.0)
            except queue_mod.Empty:
                dead = [r for r in running if not procs[r].is_alive() and procs[r].exitcode not in (0, None)]
                if dead:
                    raise RuntimeError(f"A3C worker {dead[0]} died (exit code {procs[dead[0]].exitcode})") from None
                continue
            if msg[0] == "done":
                running.discard(msg[1])
            elif msg[0] == "error":
                raise RuntimeError(f"A3C worker {msg[1]} failed:\n{msg[2]}")
            else:
                recorder(msg)
        for p in procs:
            p.join()
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
                p.join()


# -- inference -------------------------------------------------------------------------------------


class A3CPolicy:
    """A trained A3C actor (an :class:`~.saved.ActingPolicy`): masked argmax or sample of the logits."""

    def __init__(self, model: ActorCritic, observation_space: spaces.Space[Any]) -> None:
        self.model = model.eval()
        self.observation_space = observation_space

    def act(self, obs: Any, mask: np.ndarray, deterministic: bool, rng: np.random.Generator) -> int:
        with torch.no_grad():
            logits, _ = self.model(to_tensor([obs], self.observation_space))
        return masked_choice(logits[0].numpy(), mask, deterministic, rng)


def load_policy(folder: Path) -> A3CPolicy:
    """Rebuild the actor-critic of an A3C agent folder from its ``agent.json`` and ``model.pt``."""
    import rigorgym  # noqa: F401  (registers the envs)

    folder = Path(folder)
    card = AgentCard.read(folder)
    if card.algo != "a3c":
        raise ValueError(f"{folder}: an {card.algo} agent, not an A3C one")
    env = gym.make(card.env_id, **card.env_kwargs)
    try:
        model = build_model(env, card.policy, card.policy_options)
        space = env.observation_space
    finally:
        env.close()
    model.load_state_dict(torch.load(folder / card.model_file, weights_only=True))
    return A3CPolicy(model, space)


__all__ = [
    "A3CPolicy",
    "ActorCritic",
    "Args",
    "Curriculum",
    "SharedAdam",
    "load_policy",
    "masked_logits",
    "train",
    "validate",
]
