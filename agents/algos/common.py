"""What every stable-baselines3 / sb3-contrib training run shares (CleanRL style, one place).

The algorithm files (:mod:`.ppo`, :mod:`.dqn`, :mod:`.trpo`, :mod:`.maskable_ppo`)
each hold one typed ``Args`` dataclass (a subclass of :class:`TrainArgs`) and a
short ``train(args)`` that builds the SB3 model with its hyper-parameters
written out; everything else lives here, so that all of them log, seed,
checkpoint and save the same way:

* the fixed seeding header (:func:`seed_everything`, :func:`torch_determinism`);
* the env factory (:func:`make_env`: ``gym.make`` in a ``DummyVecEnv`` with
  ``Monitor``, plus sb3-contrib's ``ActionMasker`` for MaskablePPO);
* the fixed metric names: :class:`MetricsCallback` logs ``charts/solved_rate``,
  ``charts/episode_moves`` and ``charts/SPS``; :class:`MetricLogger` renames
  SB3's ``train/*`` scalars to CleanRL's ``losses/*``;
* TensorBoard in ``OUT/tb``, W&B (offline unless the user is logged in) in
  ``OUT/wandb``, checkpoints in ``OUT/checkpoints``, SB3's progress bar;
* the agent folder of :mod:`.saved` (``model.zip`` and ``agent.json``).
"""

from __future__ import annotations

import json
import os
import random
import time
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CallbackList, CheckpointCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import Logger, TensorBoardOutputFormat
from stable_baselines3.common.vec_env import DummyVecEnv, VecEnv

from ..policies import CONVS, POLICIES, policy_kwargs
from .saved import AgentCard

#: ``(tag, value, global_step)`` of one logged scalar
ScalarTap = Callable[[str, float, int], None]

MODEL_FILE = "model.zip"
STATS_WINDOW = 100  # finished episodes behind charts/solved_rate and the card's metrics

#: SB3 scalar -> (CleanRL name, factor). Other ``train/X`` become ``losses/X``.
LOSS_NAMES: dict[str, tuple[str, float]] = {
    "train/policy_gradient_loss": ("losses/policy_loss", 1.0),
    "train/entropy_loss": ("losses/entropy", -1.0),  # SB3 logs -entropy; CleanRL logs the entropy
    "train/clip_fraction": ("losses/clipfrac", 1.0),
    "train/learning_rate": ("charts/learning_rate", 1.0),
}


@dataclass
class TrainArgs:
    """The knobs every SB3 algorithm shares; each algorithm's ``Args`` adds its hyper-parameters."""

    env_id: str = "UnKnot-v0"
    policy: str = "mlp"  # "mlp" or "gnn"
    steps: int = 100_000  # total env steps (with --resume: the total to reach, checkpoint's steps included)
    seed: int = 1
    out: Path = Path("runs/agent")
    conv: str = "gcn"  # gnn only: gcn, gin, gat, sage
    depth: int = 3  # gnn only
    width: int = 64  # gnn only
    hidden: tuple[int, ...] = (256, 256)  # mlp only
    net_arch: tuple[int, ...] = (64,)  # the heads on top of the features extractor
    n_envs: int = 1  # envs stepped in lockstep (DummyVecEnv)
    checkpoint_every: int = 0  # env steps between checkpoints; 0: none
    wandb_project: str | None = None  # None: no W&B
    resume: Path | None = None  # a checkpoint .zip (or an agent folder) to continue from
    progress: bool = True  # SB3's progress bar
    env_kwargs: dict[str, Any] = field(default_factory=dict)  # extra gym.make kwargs, e.g. max_episode_steps
    device: str = "auto"
    torch_deterministic: bool = True  # torch.use_deterministic_algorithms (warn only) during training
    threads: int = 0  # torch intra-op threads during training; 0: rigorgym.threads.training_threads() (mostly 1)


def validate(args: TrainArgs) -> None:
    """Refuse bad arguments before building anything (one clear ValueError)."""
    if args.policy not in POLICIES:
        raise ValueError(f"unknown policy {args.policy!r}; choose one of {', '.join(POLICIES)}")
    if args.steps < 1:
        raise ValueError(f"steps must be >= 1, got {args.steps}")
    if args.n_envs < 1:
        raise ValueError(f"n_envs must be >= 1, got {args.n_envs}")
    if args.checkpoint_every < 0:
        raise ValueError(f"checkpoint_every must be >= 0 (0: no checkpoints), got {args.checkpoint_every}")
    if args.threads < 0:
        raise ValueError(f"threads must be >= 0 (0: rigorgym's default), got {args.threads}")
    if args.policy == "gnn" and args.conv not in CONVS:
        raise ValueError(f"unknown GNN layer {args.conv!r}; choose one of {', '.join(CONVS)}")
    if args.depth < 1 or args.width < 1 or not args.hidden or min(args.hidden) < 1:
        raise ValueError("depth, width and hidden sizes must be >= 1")
    try:
        json.dumps(args.env_kwargs)
    except TypeError as exc:
        raise ValueError(f"env_kwargs must be JSON-serialisable (they go into agent.json): {exc}") from None
    check_out(Path(args.out), args.resume)
    if args.resume is not None:
        done = checkpoint_steps(resume_file(Path(args.resume)))
        if done >= args.steps:
            raise ValueError(f"resume: the checkpoint has {done} steps already; --steps is the total to reach")


def checkpoint_steps(path: Path) -> int:
    """The env steps an SB3 checkpoint has trained (read from its ``data`` entry, without loading the model)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return int(json.loads(archive.read("data"))["num_timesteps"])
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ValueError(f"resume: {path} is not a stable-baselines3 checkpoint ({exc})") from None


def check_out(out: Path, resume: Path | None) -> None:
    """Never overwrite a finished run: a non-empty ``out`` is only allowed when resuming."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder")
    if resume is None and out.is_dir() and any(out.iterdir()):
        raise ValueError(f"--out {out} exists and is not empty; choose a new folder (or --resume a checkpoint)")


def resume_file(path: Path) -> Path:
    """A checkpoint file, or an agent folder's model."""
    return path / MODEL_FILE if path.is_dir() else path


def policy_options(args: TrainArgs) -> dict[str, Any]:
    """The encoder options of this run (``agent.json`` records them)."""
    if args.policy == "mlp":
        return {"hidden": [int(h) for h in args.hidden]}
    return {"conv": args.conv, "depth": args.depth, "width": args.width}


def sb3_policy_kwargs(args: TrainArgs) -> dict[str, Any]:
    options = policy_options(args)
    return policy_kwargs(args.policy, net_arch=list(args.net_arch), **options)


def sb3_policy_name(space: spaces.Space[Any]) -> str:
    """SB3's policy class name for an observation space (``MultiInputPolicy`` for ``Dict``)."""
    return "MultiInputPolicy" if isinstance(space, spaces.Dict) else "MlpPolicy"


# -- seeding -----------------------------------------------------------------------------------------


def seed_everything(seed: int) -> None:
    """The fixed seeding header (CleanRL): Python, NumPy and torch; envs are seeded by SB3's ``seed=``."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class TappedWriter:
    """A TensorBoard writer that also hands every scalar to ``tap(tag, value, step)``.

    The batched trainers (``vec_*.py``) write their fixed metrics through it, so
    that a caller (the CLI's progress lines) sees them as they are logged
    without reading the event files.
    """

    def __init__(self, writer: Any, tap: ScalarTap | None) -> None:
        self.writer = writer
        self.tap = tap

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        self.writer.add_scalar(tag, value, step)
        if self.tap is not None:
            self.tap(tag, float(value), int(step))

    def close(self) -> None:
        self.writer.close()


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """``threads`` intra-op threads for the run, restored afterwards; 0: rigorgym's default.

    The default (:func:`rigorgym.threads.training_threads`) is ``RIGORGYM_THREADS``,
    else the user's own torch setting (``OMP_NUM_THREADS``, ``torch.set_num_threads``),
    else one thread: these small networks train as fast on one thread on a quiet
    CPU and many times faster on a busy one (docs/performance.md).
    """
    from rigorgym.threads import training_threads

    before = torch.get_num_threads()
    torch.set_num_threads(training_threads(threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextmanager
def torch_determinism(enabled: bool) -> Iterator[None]:
    """Deterministic torch kernels for the run, restored afterwards (it is a process-wide switch).

    ``warn_only``: a kernel with no deterministic version (some CUDA scatters
    of torch-geometric) warns instead of failing the run.
    """
    before = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled())
    cudnn = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    if enabled:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # needed by deterministic cuBLAS
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before[0], warn_only=before[1])
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn


# -- envs --------------------------------------------------------------------------------------------


def env_action_masks(env: gym.Env[Any, Any]) -> np.ndarray:
    """The legal actions of the wrapped rigorgym env (what ``ActionMasker`` asks for)."""
    return env.unwrapped.action_masks()  # type: ignore[attr-defined]


def make_env(args: TrainArgs, masked: bool = False) -> VecEnv:
    """``n_envs`` copies of ``gym.make(env_id, **env_kwargs)``, each in ``Monitor``, in a ``DummyVecEnv``.

    ``masked``: also wrap in sb3-contrib's ``ActionMasker`` (outermost, where
    MaskablePPO looks for ``action_masks()``).
    """
    from sb3_contrib.common.wrappers import ActionMasker

    import rigorgym  # noqa: F401  (registers the envs)

    return make_vec_env(
        args.env_id,
        n_envs=args.n_envs,
        seed=args.seed,
        env_kwargs=dict(args.env_kwargs),
        vec_env_cls=DummyVecEnv,
        wrapper_class=ActionMasker if masked else None,
        wrapper_kwargs={"action_mask_fn": env_action_masks} if masked else None,
    )


# -- logging -----------------------------------------------------------------------------------------


class MetricLogger(Logger):
    """SB3's logger with CleanRL's names: ``train/*`` scalars are recorded as ``losses/*``.

    Renaming at ``record`` time (rather than in one output format) gives every
    output (TensorBoard, W&B's TensorBoard sync) the same names.
    """

    def __init__(self, folder: str | None, output_formats: list[Any], renames: dict[str, tuple[str, float]]) -> None:
        super().__init__(folder, output_formats)
        self.renames = {**LOSS_NAMES, **renames}

    def _rename(self, key: str, value: Any) -> tuple[str, Any]:
        if key in self.renames:
            name, factor = self.renames[key]
            return name, value if factor == 1.0 else value * factor
        if key.startswith("train/"):
            return "losses/" + key.removeprefix("train/"), value
        return key, value

    def record(self, key: str, value: Any, exclude: str | tuple[str, ...] | None = None) -> None:
        super().record(*self._rename(key, value), exclude)

    def record_mean(self, key: str, value: float | None, exclude: str | tuple[str, ...] | None = None) -> None:
        super().record_mean(*self._rename(key, value), exclude)


class MetricsCallback(BaseCallback):
    """``charts/solved_rate``, ``charts/episode_moves`` and ``charts/SPS``, recorded after every rollout.

    An episode is solved when its last ``info`` holds a ``certificate`` (the
    envs' only success signal); ``episode_moves`` is the mean length (env
    steps, from ``Monitor``) of the solved episodes in the window.
    """

    def __init__(self, window: int = STATS_WINDOW) -> None:
        super().__init__()
        self.solved: deque[bool] = deque(maxlen=window)
        self.solved_moves: deque[int] = deque(maxlen=window)
        self.episodes = 0
        self.clock = 0.0
        self.start_steps = 0

    def _on_training_start(self) -> None:
        self.clock = time.perf_counter()
        self.start_steps = self.num_timesteps

    def _on_step(self) -> bool:
        for done, info in zip(self.locals["dones"], self.locals["infos"], strict=True):
            if done:
                ok = "certificate" in info
                self.episodes += 1
                self.solved.append(ok)
                if ok:
                    self.solved_moves.append(int(info["episode"]["l"]) if "episode" in info else 0)
        return True

    def metrics(self) -> dict[str, float]:
        elapsed = max(time.perf_counter() - self.clock, 1e-9)
        return {
            "solved_rate": float(np.mean(self.solved)) if self.solved else 0.0,
            "episode_moves": float(np.mean(self.solved_moves)) if self.solved_moves else 0.0,
            "SPS": (self.num_timesteps - self.start_steps) / elapsed,
            "episodes": float(self.episodes),
        }

    def _record(self) -> None:
        m = self.metrics()
        self.logger.record("charts/solved_rate", m["solved_rate"])
        self.logger.record("charts/episode_moves", m["episode_moves"])
        self.logger.record("charts/SPS", m["SPS"])

    def _on_rollout_end(self) -> None:
        self._record()

    def _on_training_end(self) -> None:
        self._record()
        self.logger.dump(self.num_timesteps)  # SB3 dumps before train(): flush the last losses too


def wandb_logged_in() -> bool:
    """Whether W&B has credentials (without prompting and without the network)."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    try:
        import wandb

        return bool(wandb.login(prompt=False, verify=False))
    except Exception:  # noqa: BLE001  (no wandb, a broken settings file: then offline)
        return False


@contextmanager
def wandb_run(project: str | None, out: Path, config: dict[str, Any]) -> Iterator[Any]:
    """A W&B run mirroring TensorBoard (``sync_tensorboard``), offline unless the user is logged in.

    Must be entered before the TensorBoard writer is created (W&B patches it).
    ``WANDB_MODE`` in the environment wins over the automatic choice.
    """
    if not project:
        yield None
        return
    import wandb

    mode = os.environ.get("WANDB_MODE") or ("online" if wandb_logged_in() else "offline")
    folder = out / "wandb"
    folder.mkdir(parents=True, exist_ok=True)
    run = wandb.init(
        project=project,
        dir=str(folder),
        mode=mode,  # type: ignore[arg-type]
        config=config,
        name=out.name,
        sync_tensorboard=True,
    )
    try:
        yield run
    finally:
        run.finish()


def jsonable(args: Any) -> dict[str, Any]:
    """A dataclass of arguments as JSON values (paths as strings, tuples as lists), for ``agent.json`` and W&B."""
    return json.loads(json.dumps(asdict(args), default=str))


# -- the run -----------------------------------------------------------------------------------------


class Session:
    """One training run: out folder, seeds, W&B, env; then :meth:`learn` trains, saves and writes the card.

    Used as ``with Session(args, "ppo") as s: return s.learn(s.resumed(PPO) or PPO(...))``.
    """

    def __init__(self, args: TrainArgs, algo: str, renames: dict[str, tuple[str, float]] | None = None) -> None:
        validate(args)
        self.args = args
        self.algo = algo
        self.out = Path(args.out)
        self.renames = renames or {}
        self.start = time.time()
        self._stack = ExitStack()

    def __enter__(self) -> Session:
        args = self.args
        with ExitStack() as stack:  # undone at once if a later step fails
            self.out.mkdir(parents=True, exist_ok=True)
            seed_everything(args.seed)
            stack.enter_context(torch_determinism(args.torch_deterministic))
            stack.enter_context(torch_threads(args.threads))
            stack.enter_context(wandb_run(args.wandb_project, self.out, jsonable(args)))
            self.env = make_env(args, masked=self.algo == "maskable_ppo")
            stack.callback(self.env.close)
            self.policy_name = sb3_policy_name(self.env.observation_space)
            self.policy_kwargs = sb3_policy_kwargs(args)
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def resumed(self, cls: type[BaseAlgorithm]) -> BaseAlgorithm | None:
        """The checkpoint of ``--resume`` loaded onto this run's env, or None for a fresh run."""
        if self.args.resume is None:
            return None
        return cls.load(resume_file(Path(self.args.resume)), env=self.env, device=self.args.device)

    def learn(self, model: BaseAlgorithm) -> Path:
        """Train to ``args.steps`` env steps, then write ``model.zip`` and ``agent.json``; return the folder."""
        args = self.args
        logger = MetricLogger(str(self.out), [TensorBoardOutputFormat(str(self.out / "tb"))], self.renames)
        model.set_logger(logger)
        metrics = MetricsCallback()
        callbacks: list[BaseCallback] = [metrics]
        if args.checkpoint_every:
            callbacks.append(
                CheckpointCallback(
                    save_freq=max(args.checkpoint_every // args.n_envs, 1),
                    save_path=str(self.out / "checkpoints"),
                    name_prefix="model",
                )
            )
        resuming = args.resume is not None
        try:
            model.learn(
                total_timesteps=args.steps - (model.num_timesteps if resuming else 0),
                callback=CallbackList(callbacks),
                progress_bar=args.progress,
                reset_num_timesteps=not resuming,
            )
        finally:
            logger.close()
        model.save(self.out / MODEL_FILE)
        algo_args = {k: v for k, v in jsonable(args).items() if k not in ("out", "resume")}
        AgentCard(
            env_id=args.env_id,
            algo=self.algo,
            policy=args.policy,
            steps=int(model.num_timesteps),
            seed=args.seed,
            model_file=MODEL_FILE,
            env_kwargs=dict(args.env_kwargs),
            policy_options=policy_options(args),
            algo_args=algo_args,
            metrics=metrics.metrics(),
            wall_s=time.time() - self.start,
            notes=f"resumed from {args.resume}" if resuming else "",
        ).write(self.out)
        return self.out
