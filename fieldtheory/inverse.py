"""The inverse problem with a black-box optimiser: optuna's TPE sampler drives NNFieldTheory-v0's knobs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import optuna

from ._validate import positive_int
from .env import NNFieldTheoryEnv, from_unit


@dataclass(frozen=True)
class Recovery:
    """The best knob values optuna found, the target's, and the distance reached."""

    knobs: dict[str, float]
    target: dict[str, float]
    distance: float
    n_trials: int

    def relative_error(self, name: str) -> float:
        return abs(self.knobs[name] - self.target[name]) / self.target[name]


def recover(env: NNFieldTheoryEnv, n_trials: int = 200, seed: int = 0) -> Recovery:
    """Minimise the env's distance over the knob coordinates; each trial is one absolute-mode step.

    The env is reset once with ``seed`` (fixing the target and the base draws), so every trial sees the
    same smooth landscape: the common random numbers are what make a sample-efficient optimiser work.
    """
    n_trials = positive_int("n_trials", n_trials)
    env.action_mode = "absolute"
    env.reset(seed=seed)
    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, n_startup_trials=30)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=sampler)

    def objective(trial: optuna.Trial) -> float:
        action = np.array([trial.suggest_float(k, -1.0, 1.0) for k in env.knobs], dtype=np.float32)
        _, reward, *_ = env.step(action)
        return -float(reward)

    study.optimize(objective, n_trials=n_trials)
    best = {**env.values, **{k: from_unit(k, v) for k, v in study.best_params.items()}}
    return Recovery(best, dict(env.target_values), float(study.best_value), n_trials)
