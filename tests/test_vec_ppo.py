"""The batched PPO trainer (agents/algos/vec_ppo.py) and its networks (agents/policies/braid_heads.py).

Tiny runs (a few hundred env steps of UnKnot-Easy-v0 on a 24 x 4 layout):
folder and card, legal actions in training and at inference, determinism,
metric names, checkpoints, resume, and refused arguments.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from rigorgym.agents.algos import vec_ppo
from rigorgym.agents.algos.saved import AgentCard
from rigorgym.agents.algos.vec_ppo import Args, load_policy, masked_entropy, masked_log_probs, sample_masked, train
from rigorgym.agents.policies.braid_heads import build_net, factored_columns, spec_of

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
    "losses/policy_loss",
    "losses/value_loss",
    "losses/entropy",
    "losses/approx_kl",
    "losses/clipfrac",
)


def tiny(out: Path, policy: str = "mlp", **kw: Any) -> Args:
    base = Args(
        env_id="UnKnot-Easy-v0",
        env_kwargs=dict(ENV_KWARGS),
        num_envs=8,
        num_steps=16,
        steps=256,
        num_minibatches=2,
        update_epochs=2,
        policy=policy,
        hidden=(32, 32),
        width=8,
        out=out,
    )
    return replace(base, **kw)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One tiny run per policy, shared by the tests that only read its folder."""
    root = tmp_path_factory.mktemp("vec_ppo")
    return {p: train(tiny(root / p, p, checkpoint_every=1)) for p in ("mlp", "factored")}


@pytest.mark.parametrize("policy", ["mlp", "factored"])
def test_run_writes_a_loadable_agent_folder(runs: dict[str, Path], policy: str) -> None:
    out = runs[policy]
    card = json.loads((out / "agent.json").read_text())
    assert card["algo"] == "vec_ppo" and card["policy"] == policy and card["model_file"] == "model.pt"
    assert card["env_id"] == "UnKnot-Easy-v0" and card["env_kwargs"] == ENV_KWARGS
    assert card["steps"] >= 256 and card["seed"] == 1
    assert card["metrics"]["SPS"] > 0 and card["wall_s"] > 0
    assert card["metrics"]["illegal_actions"] == 0  # the env never saw an illegal action in training
    assert AgentCard(**card).policy_options == card["policy_options"]
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["update_000001", "update_000002"]

    assert_acts_legally(load_policy(out), 40)


def test_sampling_never_picks_an_illegal_action() -> None:
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(512, 300, generator=gen) * 20
    mask = torch.rand(512, 300, generator=gen) < 0.02
    mask[torch.arange(512), torch.randint(0, 300, (512,), generator=gen)] = True  # every row has a legal action
    logits[:, 0] = 1e6  # a huge logit on a (mostly) illegal action must still lose
    logits.requires_grad_(True)
    log_probs = masked_log_probs(logits, mask)
    assert torch.isfinite(log_probs[mask]).all()
    assert torch.allclose(log_probs.exp().sum(1), torch.ones(512))
    assert (log_probs.exp()[~mask] == 0).all()
    for _ in range(20):
        action, _ = sample_masked(logits.detach(), mask)
        assert mask.gather(1, action[:, None]).all()
    entropy = masked_entropy(log_probs, mask)
    assert torch.isfinite(entropy).all() and (entropy >= 0).all()
    (entropy.sum() + log_probs.gather(1, action[:, None]).sum()).backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all()  # no 0 * -inf in the gradient
    assert (logits.grad[~mask] == 0).all()


def test_same_seed_gives_identical_parameters(runs: dict[str, Path], tmp_path: Path) -> None:
    assert same_weights(runs["mlp"], train(tiny(tmp_path / "again", "mlp", checkpoint_every=1)))
    assert not same_weights(runs["mlp"], train(tiny(tmp_path / "other", "mlp", seed=2)))


@pytest.mark.parametrize("policy", ["mlp", "factored"])
def test_metric_names_in_the_event_files(runs: dict[str, Path], policy: str) -> None:
    logged = scalars(runs[policy])
    assert set(METRICS) <= set(logged)
    assert all(np.isfinite(v) for tag in METRICS for _, v in logged[tag])


def test_resume_continues_the_step_count(runs: dict[str, Path], tmp_path: Path) -> None:
    first = runs["factored"]
    done = json.loads((first / "agent.json").read_text())["steps"]
    out = train(tiny(tmp_path / "more", "factored", steps=512, resume=first / "checkpoints" / "update_000002"))
    card = json.loads((out / "agent.json").read_text())
    assert card["steps"] >= 512 and "resumed from" in card["notes"]
    steps = [s for s, _ in scalars(out)["charts/SPS"]]
    assert min(steps) > done  # the step axis goes on from the checkpoint
    state = torch.load(out / "trainer.pt", weights_only=False)
    assert state["update"] > 2 and state["optimizer"]["state"]  # Adam's moments came along
    with pytest.raises(ValueError, match="total to reach"):
        train(tiny(tmp_path / "none", "factored", steps=256, resume=out))


def test_ctrl_c_keeps_a_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vec_ppo, "make_envs", interrupted(vec_ppo.make_envs, at_call=20))
    with pytest.raises(KeyboardInterrupt):
        train(tiny(tmp_path / "run"))
    (saved,) = (tmp_path / "run" / "checkpoints").iterdir()
    assert (saved / "trainer.pt").is_file()
    assert 0 < json.loads((saved / "agent.json").read_text())["steps"] <= 16 * 8  # the one update done
    load_policy(saved)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"num_envs": 0}, "num_envs must be >= 1"),
        ({"policy": "transformer"}, "unknown policy"),
        ({"steps": 0}, "steps must be >= 1"),
        ({"device": "tpu"}, "device must be"),
    ]
    + ([({"device": "cuda"}, "no CUDA GPU")] if not torch.cuda.is_available() else []),
)
def test_bad_args_are_refused_before_anything_is_written(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    assert_refused(train, tiny(tmp_path / "run", **change), message)


def test_factored_head_follows_the_layout_and_its_window() -> None:
    env = gym.make_vec("UnKnot-v0", num_envs=64, vectorization_mode="vector_entry_point")
    spec = spec_of(env)
    column, position = factored_columns(spec.max_length, spec.max_strands)
    assert len(set(zip(column.tolist(), position.tolist(), strict=True))) == spec.n_actions  # one slot per action
    torch.manual_seed(0)
    net = build_net("factored", spec, {"width": 8})
    obs, _ = env.reset(seed=0)
    for _ in range(5):  # longer words too
        obs, *_ = env.step(np.random.default_rng(0).integers(0, spec.n_actions, 64))
    o = torch.as_tensor(obs)
    short, v1 = net(o)
    full, v2 = net(o, window=spec.max_length)  # the trunk on every position: the same logits
    assert short.shape == (64, spec.n_actions)
    assert torch.allclose(short, full, atol=1e-6) and torch.allclose(v1, v2, atol=1e-6)
