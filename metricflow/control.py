"""Step-size control of MetricFlow-v0: the best fixed step against a cyclic schedule tuned by optuna.

An explicit flow step damps a Fourier mode of rate λ by |1 − dt·λ|; one fixed dt must be small enough for the
fastest mode and is then slow on the slowest. Alternating large and small steps (as in Chebyshev/super time
stepping) damps all of them faster; optuna searches such a cycle of ``period`` step sizes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import optuna

from .env import MetricFlowEnv


def steps_to_tol(env: MetricFlowEnv, schedule: Sequence[float], seed: int, alpha: float = 0.0) -> int:
    """Steps the cyclic ``schedule`` of step sizes needs to reach the env's tolerance (``max_steps + 1`` if never)."""
    _, info = env.reset(seed=seed)
    start = info["loss"]
    for step in range(env.max_steps):
        _, _, terminated, _, info = env.step(env.action_for(schedule[step % len(schedule)], alpha))
        if terminated:
            return step + 1
        if info["loss"] > 1e3 * start:  # diverging: it will not come back within the budget
            break
    return env.max_steps + 1


def mean_steps(env: MetricFlowEnv, schedule: Sequence[float], seeds: Sequence[int]) -> float:
    return float(np.mean([steps_to_tol(env, schedule, s) for s in seeds]))


@dataclass
class ControlResult:
    """Best fixed step and tuned schedule, with their mean steps on the tuning and on held-out seeds."""

    fixed_dt: float
    fixed_steps: float
    fixed_heldout: float
    schedule: list[float]
    tuned_steps: float
    tuned_heldout: float
    scan: list[tuple[float, float]]
    trials: int


def compare(
    env_factory: Callable[[], MetricFlowEnv] = lambda: MetricFlowEnv(max_steps=40),
    seeds: Sequence[int] = (0, 1, 2),
    heldout: Sequence[int] = (100, 101, 102, 103, 104),
    fixed_grid: int = 24,
    trials: int = 60,
    period: int = 3,
    seed: int = 0,
    progress: Callable[[], None] | None = None,
) -> ControlResult:
    """Scan fixed steps on a log grid, then let optuna (TPE, seeded) tune a cycle of ``period`` steps.

    The best fixed step is enqueued as optuna's first trial, so the tuned schedule is never worse on the tuning seeds.
    """
    env = env_factory()
    scan = []
    for dt in np.geomspace(env.dt_min * 10, env.dt_max, fixed_grid):
        scan.append((float(dt), mean_steps(env, [float(dt)], seeds)))
        if progress is not None:
            progress()
    fixed_dt, fixed_steps = min(scan, key=lambda item: (item[1], -item[0]))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.enqueue_trial({f"dt{i}": fixed_dt for i in range(period)})

    def objective(trial: optuna.Trial) -> float:
        schedule = [trial.suggest_float(f"dt{i}", env.dt_min * 10, env.dt_max, log=True) for i in range(period)]
        value = mean_steps(env, schedule, seeds)
        if progress is not None:
            progress()
        return value

    study.optimize(objective, n_trials=trials)
    schedule = [float(study.best_params[f"dt{i}"]) for i in range(period)]
    return ControlResult(
        fixed_dt=fixed_dt,
        fixed_steps=fixed_steps,
        fixed_heldout=mean_steps(env, [fixed_dt], heldout),
        schedule=schedule,
        tuned_steps=float(study.best_value),
        tuned_heldout=mean_steps(env, schedule, heldout),
        scan=scan,
        trials=trials,
    )
