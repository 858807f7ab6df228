"""Training on a Ray cluster with RLlib's new API stack: env registration, RLModules over the zoo encoders, checkpoints.

``train(env_id, algo, policy, steps, seed, out, address=None, **options)`` is
what ``rigorgym train ENV --backend rllib`` calls; ``options`` are fields of
:class:`.train.Args` (unknown ones are a ValueError). Acting with a trained
folder needs no Ray (:mod:`.policy`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..algos.saved import RLLIB_ALGOS
from . import train as _train_module  # noqa: F401  (loaded now: see below)

# The submodule .train shares its name with the function train below. Python sets a package's attribute to a
# submodule when the submodule is first imported: loaded lazily (by make_args), it would replace the function,
# and a later `from rigorgym.agents.rllib import train` would get the module. Loaded here, before the def, the
# function wins for good (the module is light: Ray and torch load only when a run starts).

#: CLI option names of the SB3 path that mean something else here
_RENAMED = {"n_envs": "num_envs_per_env_runner"}


def make_args(
    env_id: str,
    algo: str,
    policy: str,
    steps: int,
    seed: int,
    out: str | Path,
    address: str | None = None,
    **options: Any,
) -> Any:
    """The checked :class:`.train.Args` for these inputs (ValueError on bad input, nothing started or written)."""
    from .train import Args, validate

    names = {f.name for f in dataclasses.fields(Args)}
    kwargs: dict[str, Any] = {}
    for key, value in options.items():
        key = _RENAMED.get(key, key)
        if key == "workers":
            raise ValueError("--workers is A3C's; RLlib scales with --num-env-runners")
        if key not in names:
            raise ValueError(f"unknown option {key!r} for --backend rllib (known: {', '.join(sorted(names))})")
        kwargs[key] = tuple(value) if key == "hidden" and value is not None else value
    if kwargs.get("resume") is not None:
        kwargs["resume"] = Path(kwargs["resume"])
    args = Args(
        env_id=env_id,
        algo=algo,
        policy=policy,
        steps=int(steps),
        seed=int(seed),
        out=Path(out),
        address=address,
        **kwargs,
    )
    validate(args)
    return args


def train(
    env_id: str,
    algo: str,
    policy: str,
    steps: int,
    seed: int,
    out: str | Path,
    address: str | None = None,
    **options: Any,
) -> Path:
    """Train with RLlib and write the agent folder (see :mod:`.train`); returns it."""
    from .train import train as run

    return run(make_args(env_id, algo, policy, steps, seed, out, address, **options))


__all__ = ["RLLIB_ALGOS", "make_args", "train"]
