"""``rigorgym train ENV --backend rllib``: PPO, APPO, IMPALA and DQN on RLlib's new API stack.

One typed :class:`Args` (CleanRL style), one :func:`train`. RLlib runs the
env runners and learners (locally, or on a Ray cluster given ``address``);
this file builds the algorithm config around the zoo's RLModules
(:mod:`.modules`), and writes the agent folder every algorithm writes
(``agent.json`` and ``model.pt``, playable by ``rigorgym solve --agent DIR``)
plus RLlib's own checkpoints (``checkpoint/``, ``checkpoints/step_N/``, each
with ``rigorgym.json`` naming its env, for ``--resume``). Metrics keep the
SB3 path's names in TensorBoard (``OUT/tb``) and W&B: ``charts/solved_rate``,
``charts/episode_moves``, ``charts/episodic_return``, ``charts/SPS``,
``losses/*``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..algos.saved import RLLIB_ALGOS, AgentCard

CHECKPOINT_META = "rigorgym.json"
SOLVED_WINDOW = 100  # episodes behind charts/solved_rate, as in the SB3 path


@dataclass
class Args:
    """Everything one RLlib run needs; ``rigorgym train --set KEY=VALUE`` reaches any field."""

    env_id: str = "UnKnot-v0"
    algo: str = "ppo"  # ppo, appo, impala, dqn
    policy: str = "mlp"  # mlp, gnn
    steps: int = 100_000  # env steps sampled, all env runners together
    time_budget_s: float | None = None  # also stop (and save) after this many seconds of training
    seed: int = 1
    out: Path = Path("runs/rllib")
    address: str | None = None  # None: a local Ray; "auto" or HOST:PORT: that cluster
    resume: Path | None = None  # an RLlib checkpoint folder of the same env
    num_env_runners: int = 0  # 0: sample in the driver process
    num_envs_per_env_runner: int = 1
    num_learners: int = 0  # 0: learn in the driver process
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    hidden: tuple[int, ...] | None = None  # MLP sizes (default: the zoo's)
    conv: str | None = None  # GNN options (defaults: the zoo's)
    depth: int | None = None
    width: int | None = None
    lr: float = 3e-4
    gamma: float = 0.99
    train_batch_size: int | None = None  # per learner (default: 2000 for PPO, APPO, IMPALA; 32 for DQN)
    minibatch_size: int = 128  # PPO
    num_epochs: int = 4  # PPO
    entropy_coeff: float = 0.01  # PPO, APPO, IMPALA
    checkpoint_every: int = 50_000  # env steps
    wandb_project: str | None = None
    progress: bool = True
    threads: int | None = None  # torch threads of every process that builds the module (default 1)


def policy_options(args: Args) -> dict[str, Any]:
    if args.policy == "mlp":
        return {"hidden": list(args.hidden)} if args.hidden else {}
    return {k: v for k, v in (("conv", args.conv), ("depth", args.depth), ("width", args.width)) if v is not None}


# -- checks (ValueError: the CLI turns them into exit 2) -------------------------------------------


def check_address(address: str) -> None:
    """Fail fast on an unreachable ``HOST:PORT`` (Ray itself would retry for a minute)."""
    if address == "auto":
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--address must be auto or HOST:PORT, got {address!r}")
    try:
        with socket.create_connection((host, int(port)), timeout=3):
            pass
    except OSError as exc:
        raise ValueError(
            f"no Ray cluster at {address} ({exc.strerror or exc}); start one with `ray start --head`"
        ) from None


def checkpoint_env(path: Path) -> str:
    meta = Path(path) / CHECKPOINT_META
    if not meta.is_file():
        raise ValueError(f"--resume {path}: not an RLlib checkpoint of rigorgym train (no {CHECKPOINT_META})")
    return str(json.loads(meta.read_text())["env_id"])


def validate(args: Args) -> None:
    import gymnasium as gym

    import rigorgym  # noqa: F401

    from ..policies import POLICIES

    if args.algo not in RLLIB_ALGOS:
        raise ValueError(f"unknown RLlib algorithm {args.algo!r}; choose one of {', '.join(RLLIB_ALGOS)}")
    spec = gym.registry.get(args.env_id)
    if spec is None or not str(spec.entry_point).startswith("rigorgym."):
        raise ValueError(f"unknown env {args.env_id!r} (see `rigorgym list envs`)")
    if args.policy not in POLICIES:
        raise ValueError(f"unknown policy {args.policy!r}; choose one of {', '.join(POLICIES)}")
    if args.steps < 1:
        raise ValueError(f"--steps must be >= 1, got {args.steps}")
    if args.num_env_runners < 0 or args.num_learners < 0:
        raise ValueError("--num-env-runners and num_learners must be >= 0")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder")
    if args.resume is None and out.is_dir() and any(out.iterdir()):
        raise ValueError(f"--out {out} exists and is not empty; choose a new folder (or --resume a checkpoint)")
    if args.resume is not None:
        if not Path(args.resume).is_dir():
            raise ValueError(f"--resume {args.resume}: no such checkpoint folder")
        theirs = checkpoint_env(Path(args.resume))
        from ..learned import game_name

        if game_name(theirs) != game_name(args.env_id):
            raise ValueError(f"--resume {args.resume}: a checkpoint of {theirs}, not of {args.env_id}")
    from ..train import check_spaces

    check_spaces(args.env_id, f"RLlib {args.algo}", args.policy, dict(args.env_kwargs), discrete=True)
    if args.address is not None:
        check_address(args.address)
    check_steps(args)


def check_steps(args: Args) -> None:
    """Refuse ``steps`` below one training batch: RLlib samples whole batches, so it would run a batch anyway.

    (DQN samples fragments of 16 steps; past ``steps`` a run stops at the end of its iteration, and
    :func:`train` says how many steps it sampled.)
    """
    if args.algo != "dqn" and args.resume is None and args.steps < batch_size(args):
        raise ValueError(
            f"--steps {args.steps} is less than one RLlib {args.algo} training batch of {batch_size(args)} env steps; "
            f"give --steps >= {batch_size(args)} or --set train_batch_size={args.steps}"
        )


# -- the RLlib config ------------------------------------------------------------------------------


def _callbacks() -> type:
    from ray.rllib.callbacks.callbacks import RLlibCallback

    class SolvedMetrics(RLlibCallback):
        """``solved_rate`` and ``solved_moves`` per episode: solved when the last info holds a certificate."""

        def on_episode_end(self, *, episode: Any, metrics_logger: Any = None, **kwargs: Any) -> None:
            infos = episode.get_infos()
            solved = bool(len(infos)) and "certificate" in infos[-1]
            metrics_logger.log_value("solved_rate", float(solved), reduce="mean", window=SOLVED_WINDOW)
            if solved:
                metrics_logger.log_value("solved_moves", float(len(episode)), reduce="mean", window=SOLVED_WINDOW)

    return SolvedMetrics


def batch_size(args: Args) -> int:
    return args.train_batch_size or (32 if args.algo == "dqn" else 2000)


def build_config(args: Args, env_name: str) -> Any:
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec

    from .modules import ZooActorCriticModule, ZooQModule

    model_config: dict[str, Any] = {
        "policy": args.policy,
        "options": policy_options(args),
        "torch_threads": args.threads or 1,
    }
    if args.algo == "ppo":
        from ray.rllib.algorithms.ppo import PPOConfig

        config = PPOConfig().training(
            num_epochs=args.num_epochs, minibatch_size=args.minibatch_size, entropy_coeff=args.entropy_coeff
        )
    elif args.algo == "appo":
        from ray.rllib.algorithms.appo import APPOConfig

        config = APPOConfig().training(entropy_coeff=args.entropy_coeff)
    elif args.algo == "impala":
        from ray.rllib.algorithms.impala import IMPALAConfig

        config = IMPALAConfig().training(entropy_coeff=args.entropy_coeff)
    else:
        from ray.rllib.algorithms.dqn import DQNConfig

        # a uniform episode buffer and fragments of 16 steps: prioritized replay with one-step fragments
        # trains 20x slower per env step on 2 cores
        config = DQNConfig().training(
            replay_buffer_config={"type": "EpisodeReplayBuffer", "capacity": 50_000},
            num_steps_sampled_before_learning_starts=min(1000, max(1, args.steps // 10)),
        )
        config = config.env_runners(rollout_fragment_length=16)
        model_config.update(double_q=True, epsilon=[(0, 1.0), (max(1, args.steps // 2), 0.05)])
    module = ZooQModule if args.algo == "dqn" else ZooActorCriticModule
    config = (
        config.environment(env_name, env_config={"env_id": args.env_id, "env_kwargs": args.env_kwargs})
        .framework("torch")
        .training(lr=args.lr, gamma=args.gamma, train_batch_size_per_learner=batch_size(args))
        .env_runners(num_env_runners=args.num_env_runners, num_envs_per_env_runner=args.num_envs_per_env_runner)
        .learners(num_learners=args.num_learners)
        .rl_module(rl_module_spec=RLModuleSpec(module_class=module, model_config=model_config))
        .callbacks(_callbacks())
        .debugging(seed=args.seed, log_level="ERROR")
        .reporting(metrics_num_episodes_for_smoothing=SOLVED_WINDOW)
    )
    return config


# -- metrics ---------------------------------------------------------------------------------------

#: RLlib learner stats -> the SB3 path's names
LOSS_NAMES = {
    "policy_loss": "losses/policy_loss",
    "vf_loss": "losses/value_loss",
    "entropy": "losses/entropy",
    "mean_kl_loss": "losses/approx_kl",
    "total_loss": "losses/loss",
    "qf_loss": "losses/q_loss",
    "qf_mean": "losses/q_values",
}


def scalars(result: dict[str, Any], sps: float) -> dict[str, float]:
    """One training iteration's result as the fixed metric names."""
    runners = result.get("env_runners", {})
    out = {
        "charts/solved_rate": runners.get("solved_rate"),
        "charts/episode_moves": runners.get("solved_moves"),
        "charts/episodic_return": runners.get("episode_return_mean"),
        "charts/episodic_length": runners.get("episode_len_mean"),
        "charts/SPS": sps,
    }
    learner = result.get("learners", {}).get("default_policy", {})
    for key, name in LOSS_NAMES.items():
        if key in learner:
            out[name] = learner[key]
    return {k: float(v) for k, v in out.items() if v is not None and np.isfinite(v)}


def sampled_steps(result: dict[str, Any]) -> int:
    runners = result.get("env_runners", {})
    return int(runners.get("num_env_steps_sampled_lifetime") or result.get("num_env_steps_sampled_lifetime") or 0)


# -- training --------------------------------------------------------------------------------------


def out_of_time(args: Args, start: float, last_iteration_s: float = 0.0) -> bool:
    """Whether another iteration (as long as the last one) would end past ``time_budget_s``."""
    if args.time_budget_s is None:
        return False
    return time.perf_counter() - start + last_iteration_s >= args.time_budget_s


def agent_card(args: Args, steps: int, metrics: dict[str, float], wall_s: float) -> AgentCard:
    """The ``agent.json`` of an RLlib run (the final folder and every checkpoint)."""
    import ray

    return AgentCard(
        env_id=args.env_id,
        algo=f"rllib_{args.algo}",
        policy=args.policy,
        steps=steps,
        seed=args.seed,
        model_file="model.pt",
        env_kwargs=dict(args.env_kwargs),
        policy_options=policy_options(args),
        algo_args={k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(args).items()},
        metrics={k.split("/", 1)[1]: v for k, v in metrics.items() if k.startswith("charts/")},
        wall_s=wall_s,
        notes=f"Ray RLlib {ray.__version__} ({args.algo}, new API stack); RLlib checkpoint in checkpoint/",
    )


def _save_checkpoint(algo: Any, path: Path, args: Args, steps: int, metrics: dict[str, float], wall_s: float) -> Path:
    """RLlib's checkpoint (for ``--resume``), plus ``model.pt`` and ``agent.json``: every checkpoint plays too."""
    import torch

    path = Path(path)
    if path.exists():
        shutil.rmtree(path)
    algo.save_to_path(str(path.resolve()))
    (path / CHECKPOINT_META).write_text(json.dumps({"env_id": args.env_id, "algo": args.algo, "steps": steps}) + "\n")
    torch.save(_acting_state(algo, args), path / "model.pt")
    agent_card(args, steps, metrics, wall_s).write(path)
    return path


def _acting_state(algo: Any, args: Args) -> dict[str, Any]:
    """The ``state_dict`` of the acting network (:mod:`.policy`'s layout) of the trained module."""
    module = algo.get_module()
    if args.algo == "dqn":
        encoder = {f"encoder.{k}": v for k, v in module.encoder.net.state_dict().items()}
        head = {f"head.{k}": v for k, v in module.af.state_dict().items()}
        return {k: v.detach().cpu().clone() for k, v in {**encoder, **head}.items()}
    return {k: v.detach().cpu().clone() for k, v in module.net.state_dict().items()}


def _start_ray(args: Args) -> bool:
    """Join ``args.address`` or start a local Ray; False when Ray was already up (the caller keeps it)."""
    import ray

    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    if ray.is_initialized():
        return False
    if args.address is not None:
        try:
            ray.init(address=args.address, logging_level="ERROR", log_to_driver=False)
        except (ConnectionError, RuntimeError) as exc:
            raise ValueError(f"cannot join the Ray cluster at {args.address}: {exc}") from None
        return True
    cpus = max(2, args.num_env_runners + args.num_learners + 1)
    ray.init(num_cpus=cpus, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    return True


def train(args: Args) -> Path:
    """Train, checkpoint and write the agent folder; returns it. Raises ValueError on bad input."""
    import ray
    import torch
    from torch.utils.tensorboard import SummaryWriter
    from tqdm import tqdm

    from ..algos.common import torch_threads, wandb_run
    from .envs import register

    validate(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = _start_ray(args)
    env_name = register(args.env_id)
    start = time.perf_counter()
    metrics: dict[str, float] = {}
    steps = 0
    try:
        with torch_threads(args.threads or 1):
            config = build_config(args, env_name)
            algo = config.build_algo()
            if args.resume is not None:
                algo.restore_from_path(str(Path(args.resume).resolve()))
            config_json = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(args).items()}
            with wandb_run(args.wandb_project, out, config_json):
                writer = SummaryWriter(str(out / "tb"))
                bar = tqdm(total=args.steps, unit="step", disable=not args.progress, desc=f"rllib {args.algo}")
                first = None
                next_checkpoint = args.checkpoint_every
                try:
                    iteration_s = 0.0
                    while steps < args.steps and not out_of_time(args, start, iteration_s):
                        began = time.perf_counter()
                        result = algo.train()
                        iteration_s = time.perf_counter() - began
                        steps = sampled_steps(result)
                        if first is None:
                            first = (steps, time.perf_counter())  # SPS from the first iteration on
                        elapsed = max(time.perf_counter() - first[1], 1e-9)
                        sps = (
                            (steps - first[0]) / elapsed if steps > first[0] else steps / (time.perf_counter() - start)
                        )
                        metrics = scalars(result, sps)
                        for name, value in metrics.items():
                            writer.add_scalar(name, value, steps)
                        bar.n = min(steps, args.steps)
                        bar.set_postfix(solved=f"{metrics.get('charts/solved_rate', 0.0):.2f}")
                        bar.refresh()
                        if args.checkpoint_every and steps >= next_checkpoint and steps < args.steps:
                            _save_checkpoint(
                                algo, out / "checkpoints" / f"step_{steps}", args, steps, metrics,
                                time.perf_counter() - start,
                            )  # fmt: skip
                            next_checkpoint = steps + args.checkpoint_every
                finally:
                    bar.close()
                    writer.close()
            _save_checkpoint(algo, out / "checkpoint", args, steps, metrics, time.perf_counter() - start)
            torch.save(_acting_state(algo, args), out / "model.pt")
            algo.stop()
    finally:
        if started:
            ray.shutdown()
    if steps > args.steps:
        print(
            f"rigorgym: warning: RLlib samples whole iterations: {steps} env steps in all (asked for {args.steps}); "
            f"agent.json records {steps}",
            file=sys.stderr,
        )
    agent_card(args, steps, metrics, time.perf_counter() - start).write(out)
    return out
