"""A3C: 2-worker runs (MLP on UnKnot-v0, GNN on Kirby-Plumbing-v0), the agent folder, determinism, resume."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from rigorgym.agents.algos.a3c import Args, load_policy, masked_logits, train
from rigorgym.agents.algos.saved import AgentCard
from rigorgym.envs.unknot import BraidInstance
from rigorgym.verifiers import verify
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import rigorgym  # noqa: F401

REQUIRED_TAGS = {
    "charts/solved_rate",
    "charts/episode_moves",
    "charts/SPS",
    "losses/policy_loss",
    "losses/value_loss",
    "losses/entropy",
}


@pytest.fixture(scope="module")
def mlp_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 spawned workers (the default start method), MLP, UnKnot-v0 cut to 30-move episodes."""
    out = tmp_path_factory.mktemp("a3c_mlp")
    args = Args(
        env_id="UnKnot-v0",
        policy="mlp",
        steps=300,
        seed=5,
        out=out,
        workers=2,
        n_steps=10,
        hidden=(32, 32),
        env_kwargs={"max_episode_steps": 30},
        checkpoint_every=100,
        progress=False,
    )
    return train(args)


@pytest.fixture(scope="module")
def gnn_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 forked workers, GIN encoder, Kirby-Plumbing-v0 cut to 20-move episodes."""
    out = tmp_path_factory.mktemp("a3c_gnn")
    args = Args(
        env_id="Kirby-Plumbing-v0",
        policy="gnn",
        steps=100,
        seed=2,
        out=out,
        workers=2,
        n_steps=10,
        conv="gin",
        depth=2,
        width=16,
        env_kwargs={"max_episode_steps": 20},
        checkpoint_every=50,
        progress=False,
        start_method="fork",
    )
    return train(args)


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, weights_only=True)


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("run", ["mlp_run", "gnn_run"])
def test_agent_folder(run: str, request: pytest.FixtureRequest) -> None:
    out: Path = request.getfixturevalue(run)
    card = AgentCard.read(out)
    assert card.algo == "a3c" and card.model_file == "model.pt"
    assert card.steps == (300 if run == "mlp_run" else 100)
    assert {"solved_rate", "episode_moves", "SPS"} <= set(card.metrics)
    assert card.metrics["SPS"] > 0 and 0.0 <= card.metrics["solved_rate"] <= 1.0
    assert card.metrics["episodes"] >= 1 and card.metrics["episode_moves"] >= 0
    assert "out" not in card.algo_args and "resume" not in card.algo_args
    assert card.algo_args["workers"] == 2
    weights = _weights(out / "model.pt")
    assert "logits.weight" in weights and "value.weight" in weights
    assert all(torch.isfinite(w).all() for w in weights.values())
    checkpoints = sorted((out / "checkpoints").glob("model_*.pt"))
    assert checkpoints, "no periodic checkpoint"
    assert _weights(checkpoints[0]).keys() == weights.keys()
    events = EventAccumulator(str(out / "tb"))
    events.Reload()
    assert REQUIRED_TAGS <= set(events.Tags()["scalars"])


@pytest.mark.parametrize("run", ["mlp_run", "gnn_run"])
def test_loaded_policy_acts_legally(run: str, request: pytest.FixtureRequest) -> None:
    out: Path = request.getfixturevalue(run)
    card = AgentCard.read(out)
    policy = load_policy(out)
    env = gym.make(card.env_id, **card.env_kwargs)
    rng = np.random.default_rng(0)
    for seed in range(3):
        obs, _ = env.reset(seed=seed)
        for _ in range(int(rng.integers(0, 8))):  # a random legal walk to a random state
            obs, *_ = env.step(int(rng.choice(np.flatnonzero(env.unwrapped.action_masks()))))
        for deterministic in (True, False):
            mask = env.unwrapped.action_masks()
            assert mask[policy.act(obs, mask, deterministic, rng)]


def test_loaded_policy_wins_verify(mlp_run: Path) -> None:
    """A loaded policy playing a tiny unknot: the certificate of the won episode verifies.

    Every other action is a uniform legal one: 300 steps of asynchronous (so not reproducible) training can
    leave a policy that all but never picks the one winning move, and whether it learned is not this test's
    question (the zoo's pages measure that); the certificate of a policy-played episode is."""
    policy = load_policy(mlp_run)
    env = gym.make("UnKnot-v0", max_episode_steps=40)
    rng = np.random.default_rng(1)
    for episode in range(100):
        obs, _ = env.reset(seed=episode, options={"instance": BraidInstance(2, (1,))})
        for step in range(40):
            mask = env.unwrapped.action_masks()
            action = policy.act(obs, mask, False, rng) if step % 2 == 0 else int(rng.choice(np.flatnonzero(mask)))
            obs, _, terminated, truncated, info = env.step(action)
            if terminated:
                verdict = verify(info["certificate"])
                assert verdict.valid, verdict.reason
                return
            if truncated:
                break
    pytest.fail("the loaded policy never unknotted a one-letter braid")


def _inline(tmp: Path, seed: int, **kw: object) -> Path:
    args = Args(
        env_id="UnKnot-v0",
        steps=60,
        seed=seed,
        out=tmp,
        workers=0,
        n_steps=10,
        hidden=(16,),
        env_kwargs={"max_episode_steps": 25},
        progress=False,
    )
    for key, value in kw.items():
        setattr(args, key, value)
    return train(args)


def test_inline_worker_is_deterministic(tmp_path: Path) -> None:
    a = _weights(_inline(tmp_path / "a", 3) / "model.pt")
    b = _weights(_inline(tmp_path / "b", 3) / "model.pt")
    c = _weights(_inline(tmp_path / "c", 4) / "model.pt")
    assert _same(a, b), "same seed, different weights"
    assert not _same(a, c)


def test_resume_from_checkpoint(tmp_path: Path) -> None:
    first = _inline(tmp_path / "first", 7, checkpoint_every=20)
    names = sorted(p.name for p in (first / "checkpoints").glob("*.pt"))
    assert names == ["model_20.pt", "model_40.pt", "model_60.pt"]
    ckpt = first / "checkpoints" / "model_20.pt"
    assert _same(_weights(first / "checkpoints" / "model_60.pt"), _weights(first / "model.pt"))
    # with lr=0 the resumed run must end exactly where it started: at the checkpoint
    frozen = _inline(tmp_path / "frozen", 7, resume=ckpt, lr=0.0, steps=20)
    assert _same(_weights(frozen / "model.pt"), _weights(ckpt))
    # with a learning rate it continues training from there (an agent folder works as well as a file)
    resumed = _inline(tmp_path / "resumed", 7, resume=frozen, steps=20)
    assert not _same(_weights(resumed / "model.pt"), _weights(ckpt))
    assert "resumed from" in AgentCard.read(resumed).notes


@pytest.mark.parametrize(
    "change, words",
    [
        ({"workers": -1}, "workers"),
        ({"steps": 0}, "steps"),
        ({"policy": "cnn"}, "unknown policy"),
        ({"policy": "gnn", "conv": "transformer"}, "GNN layer"),
        ({"n_steps": 0}, "n_steps"),
        ({"start_method": "teleport"}, "start_method"),
        ({"env_kwargs": {"generator": object()}}, "JSON"),
        ({"resume": Path("/nonexistent/model.pt")}, "resume"),
    ],
)
def test_bad_args_raise(tmp_path: Path, change: dict[str, object], words: str) -> None:
    args = Args(out=tmp_path / "never", progress=False)
    for key, value in change.items():
        setattr(args, key, value)
    with pytest.raises(ValueError, match=words):
        train(args)
    assert not (tmp_path / "never").exists()


def test_masked_loss_has_finite_gradients() -> None:
    """-inf on illegal logits: probabilities 0 there, and no NaN in the entropy's gradient."""
    logits = torch.randn(3, 5, requires_grad=True)
    mask = torch.tensor([[1, 0, 1, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]], dtype=torch.bool)
    logp = torch.log_softmax(masked_logits(logits, mask), dim=-1)
    assert torch.exp(logp)[0, 1] == 0 and torch.isclose(torch.exp(logp)[1, 4], torch.tensor(1.0))
    assert torch.isfinite(logp[2]).all()  # no legal action: left unmasked, not NaN
    safe = logp.masked_fill(~(mask | ~mask.any(-1, keepdim=True)), 0.0)
    (-(safe.exp() * safe).sum()).backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all()
