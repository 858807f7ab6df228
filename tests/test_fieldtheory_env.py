"""NNFieldTheory-v0: Gymnasium contract, seeding, smoothness of the common-random-number estimate, optuna recovery."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env
from rigorgym.fieldtheory.env import KNOBS, NNFieldTheoryEnv, from_unit, to_unit
from rigorgym.fieldtheory.inverse import recover

import rigorgym  # noqa: F401  (registers the ids)

torch.set_num_threads(1)


@pytest.mark.parametrize("render_mode", [None, "ansi", "rgb_array"])
def test_check_env_passes_without_warnings(render_mode: str | None) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(gym.make("NNFieldTheory-v0", render_mode=render_mode).unwrapped)
    assert not [w for w in caught if issubclass(w.category, UserWarning) and "spec" not in str(w.message)]


def test_same_seed_same_trajectory_and_renders() -> None:
    runs = []
    for _ in range(2):
        env = NNFieldTheoryEnv(render_mode="ansi")
        obs, _ = env.reset(seed=11)
        env.action_space.seed(3)
        trace = [obs]
        for _ in range(5):
            trace.append(env.step(env.action_space.sample())[0])
        runs.append(np.stack(trace))
        assert "distance" in env.render()
    np.testing.assert_array_equal(runs[0], runs[1])
    env = NNFieldTheoryEnv(render_mode="rgb_array")
    env.reset(seed=0)
    img = env.render()
    assert img.shape == (120, 200, 3) and img.dtype == np.uint8 and (img != 255).any()


def test_invalid_actions_are_clipped_and_bad_arguments_raise() -> None:
    env = NNFieldTheoryEnv()
    env.reset(seed=0)
    obs, reward, *_ = env.step(np.array([50.0, -50.0, np.nan, 3.0, -9.0], dtype=np.float32))
    assert env.observation_space.contains(obs) and np.isfinite(reward)
    for name, value in env.values.items():
        lo, hi, _ = KNOBS[name]
        assert lo - 1e-9 <= value <= hi + 1e-9
    with pytest.raises(ValueError, match="nope"):
        NNFieldTheoryEnv(knobs=("mass", "nope"))
    with pytest.raises(ValueError, match="99"):
        NNFieldTheoryEnv(target={"mass": 99.0})
    with pytest.raises(ValueError, match="-4"):
        NNFieldTheoryEnv(n_networks=-4)


def test_target_knobs_are_a_zero_distance_solution_and_the_estimate_is_smooth() -> None:
    env = NNFieldTheoryEnv(knobs=("mass",), action_mode="absolute", target={"mass": 1.2})
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step(np.array([to_unit("mass", 1.2)], dtype=np.float32))
    assert info["distance"] < 1e-6 and terminated and reward == pytest.approx(0.0, abs=1e-6)
    masses = np.linspace(1.0, 1.4, 9)
    curves = np.stack([env.correlators({**env.values, "mass": m}) for m in masses])
    second = np.abs(np.diff(curves, 2, axis=0)).max()
    first = np.abs(np.diff(curves, 1, axis=0)).max()
    assert second < 0.1 * first  # common random numbers: no Monte-Carlo jitter between neighbouring knobs
    assert from_unit("mass", to_unit("mass", 0.77)) == pytest.approx(0.77)


def test_free_propagator_target_matches_the_cutoff_kernel() -> None:
    env = NNFieldTheoryEnv(n_networks=4000, knobs=("mass",), target={"mass": 1.0, "width": 16.0})
    env.reset(seed=2)
    from rigorgym.fieldtheory import CosNet

    exact = CosNet(1, 16, 1.0, 5.0).kernel([0.0], env.probes)[0]
    assert np.max(np.abs(env.target - exact)) < 4 * 0.45 * np.sqrt(2 / 4000)


@pytest.mark.parametrize("seed", [0, 3])
def test_optuna_recovers_the_target_mass_within_5_percent(seed: int) -> None:
    result = recover(NNFieldTheoryEnv(knobs=("sigma", "mass")), n_trials=300, seed=seed)
    assert result.relative_error("mass") < 0.05, result


def test_demo_section_prints_tables_and_writes_a_plot(tmp_path) -> None:
    import io

    from rich.console import Console
    from rigorgym.fieldtheory.demo import run

    buffer = io.StringIO()
    out = run(tmp_path, Console(file=buffer, width=120), scale=0.05)
    assert (tmp_path / "fieldtheory-demo.png").stat().st_size > 1000
    assert "cutoff propagator" in buffer.getvalue() and "slope" in buffer.getvalue()
    assert out["g2_max_abs_z"] < 4 and abs(out["g4_slope"] + 1) < 5 * out["g4_slope_err"] + 0.05
