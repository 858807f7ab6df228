"""Helpers shared by the tests of the batched trainers (test_vec_ppo, test_vec_dqn, test_vec_a2c_trpo)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

import rigorgym  # noqa: F401  (registers the envs)

#: the small UnKnot-Easy layout of every tiny run
ENV_KWARGS: dict[str, Any] = {"max_length": 24, "max_strands": 4}
#: the episode charts every batched trainer logs
CHARTS = ("charts/SPS", "charts/episodic_return", "charts/episodic_length", "charts/solved_rate")


def weights(folder: Path) -> dict[str, torch.Tensor]:
    """The network weights of an agent folder (``model.pt``'s state dict)."""
    return torch.load(folder / "model.pt", weights_only=False)["state_dict"]


def same_weights(a: Path, b: Path) -> bool:
    """Whether two agent folders hold bit-identical networks."""
    x, y = weights(a), weights(b)
    return x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)


def scalars(out: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar of a run's ``tb/`` event files: tag -> [(step, value)]."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(out / "tb"))
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def assert_acts_legally(
    policy: Any, steps: int, env_id: str = "UnKnot-Easy-v0", env_kwargs: dict[str, Any] | None = None
) -> None:
    """``steps`` actions of ``policy`` on ``env_id`` (UnKnot-Easy), greedy and sampled in turn: every one legal."""
    env = gym.make(env_id, **(ENV_KWARGS if env_kwargs is None else env_kwargs))
    obs, info = env.reset(seed=3)
    rng = np.random.default_rng(0)
    for i in range(steps):
        mask = info["action_mask"]
        action = policy.act(obs, mask, deterministic=i % 2 == 0, rng=rng)
        assert mask[action], f"illegal action {action}"
        obs, _, term, trunc, info = env.step(action)
        assert not info["illegal_action"]
        if term or trunc:
            obs, info = env.reset()


def interrupted(make_envs: Callable[[Any], Any], at_call: int) -> Callable[[Any], Any]:
    """``make_envs`` whose envs raise KeyboardInterrupt (Ctrl-C) at the ``at_call``-th ``step``."""

    def make(args: Any) -> Any:
        envs = make_envs(args)
        step, calls = envs.step, [0]

        def step_then_stop(actions: Any) -> Any:
            calls[0] += 1
            if calls[0] == at_call:
                raise KeyboardInterrupt
            return step(actions)

        envs.step = step_then_stop
        return envs

    return make


def assert_refused(train: Callable[[Any], Any], args: Any, message: str) -> None:
    """``train(args)`` refuses with one line matching ``message``, before anything is written."""
    with pytest.raises(ValueError, match=message) as err:
        train(args)
    assert "\n" not in str(err.value)
    assert not Path(args.out).exists()
