"""MetricFlow-v0 (docs/design.md §3), its step-size control, and the demo section."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env
from rich.console import Console
from rigorgym.metricflow import control
from rigorgym.metricflow.env import MetricFlowEnv

import rigorgym  # noqa: F401  (registers the ids)

torch.set_num_threads(1)


def test_check_env_is_clean_and_quick() -> None:
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(gym.make("MetricFlow-v0").unwrapped)
    assert not [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert time.perf_counter() - start < 5


def _trajectory(seed: int) -> list[tuple[np.ndarray, float]]:
    env = MetricFlowEnv()
    obs, _ = env.reset(seed=seed)
    out = [(obs, 0.0)]
    rng = np.random.default_rng(0)
    for _ in range(4):
        obs, reward, *_ = env.step(rng.uniform([-1, 0], [0, 0.2]).astype(np.float32))
        out.append((obs, reward))
    return out


def test_same_seed_same_trajectory() -> None:
    a, b, c = _trajectory(3), _trajectory(3), _trajectory(4)
    assert all(np.array_equal(x[0], y[0]) and x[1] == y[1] for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0][0], c[0][0])


def test_fixed_step_reaches_tolerance_and_reward_is_log_loss_decrease() -> None:
    env = MetricFlowEnv(step_cost=0.0)
    _, info = env.reset(seed=0)
    start, total = info["loss"], 0.0
    for _ in range(40):
        _, reward, terminated, truncated, info = env.step(env.action_for(0.08))
        total += reward
        if terminated or truncated:
            break
    assert terminated and info["is_success"] and info["loss"] < env.tol
    assert total == pytest.approx(np.log10(start) - np.log10(info["loss"]))


def test_invalid_and_unstable_actions_never_crash() -> None:
    env = MetricFlowEnv(amplitude=0.8)
    env.reset(seed=1)
    for action in ([5.0, -3.0], [np.nan, np.nan], [-7.0, 9.0], [1.0, 0.0]):
        obs, reward, *_, info = env.step(np.array(action, dtype=np.float32))
        assert env.observation_space.contains(obs)
        assert np.isfinite(reward)
    rejected = 0
    for _ in range(6):
        before = env.model.coef.detach().clone()
        _, reward, *_, info = env.step(np.array([1.0, 0.0], dtype=np.float32))
        if info["rejected"]:
            rejected += 1
            assert reward == -1.0 and torch.equal(before, env.model.coef.detach())
    assert rejected > 0  # dt_max is beyond the explicit stability limit for this bumpy metric


@pytest.mark.parametrize("mode", ["ansi", "rgb_array"])
def test_render_modes(mode: str) -> None:
    env = MetricFlowEnv(render_mode=mode)
    env.reset(seed=0)
    env.step(env.action_for(0.05))
    frame = env.render()
    if mode == "ansi":
        assert isinstance(frame, str) and "loss" in frame
    else:
        assert isinstance(frame, np.ndarray) and frame.shape == (64, 64, 3) and frame.dtype == np.uint8


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"render_mode": "human"}, "render_mode"),
        ({"grid": 4, "cutoff": 2}, "grid must exceed 2\\*cutoff"),
        ({"grid": 8.5}, "grid must be an integer >= 1, got 8.5"),
        ({"cutoff": 0}, "cutoff must be an integer >= 1 .*, got 0"),
        ({"tol": -1.0}, "tol must be positive, got -1.0"),
        ({"step_cost": -0.1}, "step_cost must be >= 0"),
        ({"max_steps": 0}, "max_steps must be an integer >= 1, got 0"),
        ({"amplitude": 2.0}, "amplitude"),
        ({"dt_min": 0.6}, "dt_min"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs: dict, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        MetricFlowEnv(**kwargs)


def test_optuna_schedule_is_no_worse_than_best_fixed_step() -> None:
    result = control.compare(
        env_factory=lambda: MetricFlowEnv(max_steps=30), seeds=(0,), heldout=(1,), fixed_grid=6, trials=5
    )
    assert result.fixed_steps <= 30  # some fixed step succeeds
    assert result.tuned_steps <= result.fixed_steps
    assert len(result.schedule) == 3 and all(env_dt > 0 for env_dt in result.schedule)


def test_demo_section(tmp_path: Path) -> None:
    console = Console(record=True, width=120)
    from rigorgym.metricflow.demo import run

    out = run(tmp_path, console)
    assert out["max_error"] < 1e-2
    assert Path(out["plot"]).is_file()
    assert "Ricci" in console.export_text()
