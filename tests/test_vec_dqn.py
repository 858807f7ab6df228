"""The batched DQN trainer (agents/algos/vec_dqn.py).

Tiny runs (200 env steps of UnKnot-Easy-v0 on a 24 x 4 layout, a (32,) net):
folder and card, legal actions in training and at inference, the masked TD
target on a hand-made batch, determinism, metric names, the replay buffer,
auto-reset transitions kept out of it, resume, and refused arguments.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from rigorgym.agents.algos import vec_dqn
from rigorgym.agents.algos.saved import AgentCard
from rigorgym.agents.algos.vec_dqn import (
    Args,
    ReplayBuffer,
    linear_schedule,
    load_policy,
    select_actions,
    td_target,
    train,
)

from tests.vec_support import (
    CHARTS,
    ENV_KWARGS,
    assert_acts_legally,
    assert_refused,
    interrupted,
    same_weights,
    scalars,
)

METRICS = (
    *CHARTS,
    "charts/epsilon",
    "losses/td_loss",
    "losses/q_values",
)


def tiny(out: Path, **kw: Any) -> Args:
    base = Args(
        env_id="UnKnot-Easy-v0",
        env_kwargs=dict(ENV_KWARGS),
        num_envs=8,
        steps=200,
        hidden=(32,),
        buffer_size=1_000,
        batch_size=16,
        learning_starts=32,
        train_frequency=4,
        target_network_frequency=50,
        log_every=40,
        out=out,
    )
    return replace(base, **kw)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny run, shared by the tests that only read its folder."""
    return train(tiny(tmp_path_factory.mktemp("vec_dqn") / "run", checkpoint_every=100))


def test_run_writes_a_loadable_agent_folder(run: Path) -> None:
    card = json.loads((run / "agent.json").read_text())
    assert card["algo"] == "vec_dqn" and card["policy"] == "mlp" and card["model_file"] == "model.pt"
    assert card["env_id"] == "UnKnot-Easy-v0" and card["env_kwargs"] == ENV_KWARGS
    assert card["steps"] >= 200 and card["seed"] == 1 and card["policy_options"] == {"hidden": [32]}
    assert card["metrics"]["SPS"] > 0 and card["wall_s"] > 0
    assert card["metrics"]["illegal_actions"] == 0  # the env never saw an illegal action in training
    assert AgentCard(**card).algo_args["double_dqn"] is True
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["step_000000104", "step_000000200"]
    state = torch.load(run / "trainer.pt", weights_only=False)
    assert state["algo"] == "vec_dqn" and state["updates"] > 0 and state["optimizer"]["state"]

    assert_acts_legally(load_policy(run), 40)


def test_exploration_and_greedy_actions_are_legal() -> None:
    rng = np.random.default_rng(0)
    n, a = 512, 300
    mask = rng.random((n, a)) < 0.02
    mask[np.arange(n), rng.integers(0, a, n)] = True  # every row has a legal action
    q = torch.randn(n, a, generator=torch.Generator().manual_seed(0))
    q[:, 0] = 1e6  # a huge Q on a (mostly) illegal action must still lose
    greedy = select_actions(q, mask, 0.0, rng)
    best = q.masked_fill(~torch.as_tensor(mask), float("-inf")).argmax(1).numpy()
    assert (greedy == best).all() and mask[np.arange(n), greedy].all()
    for eps in (1.0, 0.5):
        for _ in range(10):
            assert mask[np.arange(n), select_actions(q, mask, eps, rng)].all()
    # random actions are uniform among the legal ones: 3 legal actions, ~1/3 each
    row = np.zeros((3000, a), bool)
    row[:, [5, 17, 250]] = True
    counts = np.bincount(select_actions(torch.zeros(3000, a), row, 1.0, rng), minlength=a)
    assert counts.sum() == counts[[5, 17, 250]].sum() and counts[[5, 17, 250]].min() > 850


def test_td_target_uses_the_best_legal_next_action() -> None:
    next_q = torch.tensor(
        [
            [10.0, 2.0, 1.0],  # the best (10) is illegal: the best legal is 2
            [10.0, 2.0, 1.0],  # terminal next state: contributes 0
            [10.0, 2.0, 1.0],  # no legal action in the next state: contributes 0
            [-5.0, -3.0, 7.0],  # all legal
        ]
    )
    mask = torch.tensor([[False, True, True], [False, True, True], [False, False, False], [True, True, True]])
    reward = torch.tensor([1.0, 1.0, 1.0, 0.0])
    done = torch.tensor([False, True, False, False])
    y = td_target(next_q, mask, reward, done, 0.5)
    assert torch.equal(y, torch.tensor([1.0 + 0.5 * 2.0, 1.0, 1.0, 0.5 * 7.0]))
    # double DQN: the online net picks among the legal actions, the target net values that pick
    online = torch.tensor([[99.0, 0.0, 5.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [9.0, 0.0, 0.0]])
    y = td_target(next_q, mask, reward, done, 0.5, online)
    assert torch.equal(y, torch.tensor([1.0 + 0.5 * 1.0, 1.0, 1.0, 0.5 * -5.0]))
    assert linear_schedule(1.0, 0.05, 100, 0) == 1.0 and linear_schedule(1.0, 0.05, 100, 200) == 0.05


def test_replay_buffer_round_trips_masks_and_wraps() -> None:
    buf = ReplayBuffer(5, 3, 11, np.int8)
    rng = np.random.default_rng(0)
    masks = rng.random((7, 11)) < 0.5
    obs = np.arange(21, dtype=np.int8).reshape(7, 3)
    buf.add(obs, np.arange(7), np.arange(7, dtype=np.float32), obs + 1, np.arange(7) % 2 == 0, masks)
    assert buf.size == 5 and buf.pos == 2
    assert sorted(buf.actions.tolist()) == [2, 3, 4, 5, 6]  # the newest five
    b = buf.sample(64, rng, torch.device("cpu"))
    for a, m, o, no, d in zip(b["actions"], b["next_masks"], b["obs"], b["next_obs"], b["dones"], strict=True):
        i = int(a)
        assert torch.equal(m, torch.as_tensor(masks[i])) and torch.equal(o, torch.as_tensor(obs[i]))
        assert torch.equal(no, torch.as_tensor(obs[i] + 1)) and bool(d) == (i % 2 == 0)


def test_auto_reset_transitions_are_not_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stored: list[np.ndarray] = []
    real_add = ReplayBuffer.add

    def spy(self: ReplayBuffer, obs: np.ndarray, actions: np.ndarray, *rest: Any) -> None:
        stored.append(rest[2].copy())  # dones
        real_add(self, obs, actions, *rest)

    monkeypatch.setattr(ReplayBuffer, "add", spy)
    kwargs = {**ENV_KWARGS, "max_episode_steps": 5}  # truncations every 5 steps, then a reset-only step
    out = train(tiny(tmp_path / "run", env_kwargs=kwargs, steps=120, learning_starts=1_000))
    card = json.loads((out / "agent.json").read_text())
    dones = np.concatenate(stored)
    assert len(dones) == card["steps"]  # one stored transition per real env step
    assert len(stored) * 8 > card["steps"]  # some vector steps were reset-only for some envs
    episodes = card["metrics"]["episodes"]
    assert episodes >= 8 * 2
    # truncation is no termination: only solved episodes end a bootstrap
    assert dones.sum() == round(card["metrics"]["solved_rate"] * episodes)


def test_same_seed_gives_identical_parameters(run: Path, tmp_path: Path) -> None:
    assert same_weights(run, train(tiny(tmp_path / "again", checkpoint_every=100)))
    assert not same_weights(run, train(tiny(tmp_path / "other", seed=2)))


def test_metric_names_in_the_event_files(run: Path) -> None:
    logged = scalars(run)
    assert set(METRICS) <= set(logged)
    assert all(np.isfinite(v) for tag in METRICS for _, v in logged[tag])
    eps = [v for _, v in logged["charts/epsilon"]]
    assert eps == sorted(eps, reverse=True) and eps[-1] < 1.0


def test_resume_continues_the_step_count(run: Path, tmp_path: Path) -> None:
    out = train(tiny(tmp_path / "more", steps=300, resume=run / "checkpoints" / "step_000000104"))
    card = json.loads((out / "agent.json").read_text())
    assert card["steps"] >= 300 and "resumed from" in card["notes"]
    with pytest.raises(ValueError, match="total to reach"):
        train(tiny(tmp_path / "none", steps=200, resume=out))


def test_ctrl_c_keeps_a_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vec_dqn, "make_envs", interrupted(vec_dqn.make_envs, at_call=10))
    with pytest.raises(KeyboardInterrupt):
        train(tiny(tmp_path / "run"))
    (saved,) = (tmp_path / "run" / "checkpoints").iterdir()
    assert json.loads((saved / "agent.json").read_text())["steps"] == 9 * 8
    load_policy(saved)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"num_envs": 0}, "num_envs must be >= 1"),
        ({"policy": "transformer"}, "unknown policy"),
        ({"steps": 0}, "steps must be >= 1"),
        ({"buffer_size": 0}, "buffer_size must be >= 1"),
        ({"train_frequency": 0}, "train_frequency must be >= 1"),
        ({"end_e": 0.5, "start_e": 0.1}, "end_e <= start_e"),
        ({"tau": 0.0}, "tau in"),
        ({"learning_starts": -1}, "learning_starts"),
        ({"device": "tpu"}, "device must be"),
        ({"resume": Path("/nonexistent")}, "not a vec_dqn checkpoint"),
    ]
    + ([({"device": "cuda"}, "no CUDA GPU")] if not torch.cuda.is_available() else []),
)
def test_bad_args_are_refused_before_anything_is_written(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    assert_refused(train, tiny(tmp_path / "run", **change), message)
