"""``rigorgym train``: one entry point over the algorithm files of :mod:`.algos`.

:func:`train` checks its inputs (one clear ``ValueError`` each), builds the
algorithm's typed ``Args`` from the common arguments and any of its own
hyper-parameters passed as ``options``, and runs it. A3C is imported only
when asked for (it is its own file, with its own process pool).
"""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path
from typing import Any

from .algos.saved import ALGOS

#: options every algorithm takes through :func:`train` (A3C: no n_envs, its parallelism is ``workers``)
COMMON = ("env_id", "policy", "steps", "seed", "out", "resume")

#: Algorithms that choose among finitely many actions (the simulators' Box actions need ppo or trpo).
DISCRETE_ONLY = ("dqn", "maskable_ppo", "a3c")


def algo_module(algo: str) -> Any:
    """The module of one algorithm (``Args`` and ``train``), imported on demand."""
    if algo not in ALGOS:
        raise ValueError(f"unknown algorithm {algo!r}; choose one of {', '.join(ALGOS)}")
    return importlib.import_module(f"{__package__}.algos.{algo}")


def algo_options(algo: str) -> list[str]:
    """The option names ``train(..., **options)`` accepts for ``algo``."""
    names = [f.name for f in dataclasses.fields(algo_module(algo).Args) if f.name not in COMMON]
    return names + (["wandb_project"] if algo == "a3c" and "wandb_project" not in names else [])


def _check_env(env_id: str) -> None:
    import gymnasium as gym

    import rigorgym  # noqa: F401  (registers the envs)

    spec = gym.registry.get(env_id)
    if spec is None or not str(spec.entry_point).startswith("rigorgym."):
        raise ValueError(f"unknown env {env_id!r} (see `rigorgym list envs`)")


def check_spaces(env_id: str, algo: str, policy: str, env_kwargs: dict[str, Any], discrete: bool) -> None:
    """Refuse an algorithm or policy that cannot read this env's spaces, before anything is built or written.

    ``discrete``: the algorithm needs a Discrete action space (the simulators' Box actions need ppo or trpo).
    """
    import gymnasium as gym
    from gymnasium import spaces
    from rigorgym.envs.games import game_of

    from .policies.graphs import GRAPH_GAMES, game_of_space

    try:
        env = gym.make(env_id, **env_kwargs)
    except TypeError as exc:
        raise ValueError(f"env_kwargs for {env_id}: {exc}") from None
    try:
        if discrete and not isinstance(env.action_space, spaces.Discrete):
            hint = " (use --algo ppo or trpo on the sb3 backend)"
            raise ValueError(f"{algo} needs a Discrete action space; {env_id} has {env.action_space}{hint}")
        if policy == "gnn":
            try:
                if (
                    game_of(env_id).agent_family not in GRAPH_GAMES
                ):  # AndrewsCurtis-v0's flat int Box looks like a braid's
                    raise ValueError(env_id)
                game_of_space(env.observation_space)
            except ValueError:
                raise ValueError(
                    f"the gnn policy reads the graph of a topology game (UnKnot, Kirby-Plumbing, Ribbon); {env_id} "
                    f"observes {type(env.observation_space).__name__}{env.observation_space.shape}: use --policy mlp"
                ) from None
    finally:
        env.close()


def _coerce(value: Any, default: Any) -> Any:
    """Tuples stay tuples (``hidden=[64, 64]`` from JSON or the CLI), paths stay paths."""
    if isinstance(default, tuple) and isinstance(value, list):
        return tuple(value)
    if isinstance(default, Path) and isinstance(value, str):
        return Path(value)
    return value


def make_args(
    env_id: str,
    algo: str,
    policy: str,
    steps: int,
    seed: int,
    out: str | Path,
    resume: str | Path | None = None,
    **options: Any,
) -> Any:
    """The algorithm's ``Args`` for these inputs, after every check (ValueError), before anything is written."""
    from .policies import POLICIES

    module = algo_module(algo)
    _check_env(env_id)
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; choose one of {', '.join(POLICIES)}")
    if int(steps) < 1:
        raise ValueError(f"--steps must be >= 1, got {steps}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder")
    if resume is None and out.is_dir() and any(out.iterdir()):
        raise ValueError(f"--out {out} exists and is not empty; choose a new folder (or --resume a checkpoint)")
    if resume is not None and not Path(resume).exists():
        raise ValueError(f"--resume {resume}: no such checkpoint")
    fields = {f.name for f in dataclasses.fields(module.Args)}
    unknown = sorted(set(options) - fields - {"wandb_project"})
    if unknown:
        raise ValueError(f"{algo} has no option {unknown[0]!r}; its options: {', '.join(algo_options(algo))}")
    defaults = module.Args()
    values = {k: _coerce(v, getattr(defaults, k)) for k, v in options.items() if k in fields}
    try:
        args = module.Args(
            env_id=env_id,
            policy=policy,
            steps=int(steps),
            seed=int(seed),
            out=out,
            resume=None if resume is None else Path(resume),
            **values,
        )
    except TypeError as exc:
        raise ValueError(str(exc)) from None
    check_spaces(env_id, algo, policy, dict(args.env_kwargs), discrete=algo in DISCRETE_ONLY)
    if algo == "a3c":
        module.validate(args)
    else:
        from .algos.common import validate

        validate(args)
    return args


def run(algo: str, args: Any, wandb_project: str | None = None) -> Path:
    """Run a checked ``Args`` (from :func:`make_args`); return the agent folder."""
    module = algo_module(algo)
    if algo == "a3c":
        # A3C writes TensorBoard itself; W&B mirrors it as it does for the SB3 algorithms.
        from .algos.common import jsonable, wandb_run

        with wandb_run(wandb_project, Path(args.out), jsonable(args)):
            return Path(module.train(args))
    return Path(module.train(args))


def train(
    env_id: str,
    algo: str,
    policy: str,
    steps: int,
    seed: int,
    out: str | Path,
    resume: str | Path | None = None,
    **options: Any,
) -> Path:
    """Train ``algo`` with ``policy`` on ``env_id`` for ``steps`` env steps into the new folder ``out``; return it.

    ``options`` are fields of the algorithm's ``Args`` (e.g. ``conv``,
    ``depth``, ``width``, ``n_envs``, ``checkpoint_every``, ``wandb_project``,
    ``progress``, ``env_kwargs``, ``learning_rate``; see :func:`algo_options`).
    Raises ValueError on bad input, before anything is written; ``out`` must
    be new or empty unless resuming (a finished run is never overwritten).
    """
    args = make_args(env_id, algo, policy, steps, seed, out, resume, **options)
    return run(algo, args, options.get("wandb_project"))
