"""The batched A2C and TRPO trainers (agents/algos/vec_a2c.py, vec_trpo.py).

Tiny runs (128 env steps of UnKnot-Easy-v0 on a 24 x 4 layout, a 32-unit
MLP): the agent folder and its card, legal actions in training and at
inference, determinism, metric names, resume, refused arguments.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from rigorgym.agents.algos import vec_a2c, vec_common, vec_trpo
from rigorgym.agents.algos.vec_common import masked_log_probs, sample_masked, sampling_mask
from rigorgym.agents.policies.braid_heads import build_net, spec_of

from tests.vec_support import CHARTS, ENV_KWARGS, assert_acts_legally, assert_refused, same_weights, scalars

MODULES: dict[str, ModuleType] = {"vec_a2c": vec_a2c, "vec_trpo": vec_trpo}
COMMON = (
    *CHARTS,
    "losses/policy_loss",
    "losses/value_loss",
    "losses/entropy",
    "losses/explained_variance",
)
METRICS = {
    "vec_a2c": (*COMMON, "charts/learning_rate", "losses/grad_norm"),
    "vec_trpo": (*COMMON, "losses/approx_kl", "losses/improvement", "losses/step_fraction"),
}


def tiny(algo: str, out: Path, **kw: Any) -> Any:
    base = MODULES[algo].Args(
        env_id="UnKnot-Easy-v0",
        env_kwargs=dict(ENV_KWARGS),
        num_envs=8,
        num_steps=8,
        steps=128,
        hidden=(32,),
        out=out,
    )
    return replace(base, **kw)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One tiny run per algorithm, shared by the tests that only read its folder."""
    root = tmp_path_factory.mktemp("vec_a2c_trpo")
    return {algo: MODULES[algo].train(tiny(algo, root / algo, checkpoint_every=1)) for algo in MODULES}


@pytest.mark.parametrize("algo", MODULES)
def test_run_writes_a_folder_that_acts_legally(runs: dict[str, Path], algo: str) -> None:
    out = runs[algo]
    card = json.loads((out / "agent.json").read_text())
    assert card["algo"] == algo == MODULES[algo].ALGO and card["policy"] == "mlp" and card["model_file"] == "model.pt"
    assert card["env_id"] == "UnKnot-Easy-v0" and card["env_kwargs"] == ENV_KWARGS and card["steps"] >= 128
    assert card["metrics"]["illegal_actions"] == 0  # the env never saw an illegal action in training
    assert card["metrics"]["SPS"] > 0 and len(list((out / "checkpoints").iterdir())) >= 2

    assert_acts_legally(MODULES[algo].load_policy(out), 30)


@pytest.mark.parametrize("algo", MODULES)
def test_an_illegal_sample_stops_the_run(algo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The legality check runs on every rollout step: a sampler that picks a masked action is caught at once."""

    def worst(logits: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        action = torch.argmin(mask.to(torch.int8), dim=-1)  # an illegal action wherever one exists
        return action, torch.zeros(len(action))

    monkeypatch.setattr(vec_common, "sample_masked", worst)  # the rollout's sampler, shared by A2C and TRPO
    with pytest.raises(RuntimeError, match="illegal action"):
        MODULES[algo].train(tiny(algo, tmp_path / "run"))


@pytest.mark.parametrize("algo", MODULES)
def test_same_seed_gives_identical_parameters(runs: dict[str, Path], algo: str, tmp_path: Path) -> None:
    assert same_weights(runs[algo], MODULES[algo].train(tiny(algo, tmp_path / "again")))
    assert not same_weights(runs[algo], MODULES[algo].train(tiny(algo, tmp_path / "other", seed=2)))


@pytest.mark.parametrize("algo", MODULES)
def test_metric_names_in_the_event_files(runs: dict[str, Path], algo: str) -> None:
    logged = scalars(runs[algo])
    assert set(METRICS[algo]) <= set(logged)
    assert all(np.isfinite(v) for tag in METRICS[algo] for _, v in logged[tag])


@pytest.mark.parametrize("algo", MODULES)
def test_resume_continues_the_step_count(runs: dict[str, Path], algo: str, tmp_path: Path) -> None:
    first = runs[algo] / "checkpoints" / "update_000001"
    done = json.loads((first / "agent.json").read_text())["steps"]
    out = MODULES[algo].train(tiny(algo, tmp_path / "more", steps=done + 64, resume=first))
    card = json.loads((out / "agent.json").read_text())
    assert card["steps"] >= done + 64 and "resumed from" in card["notes"]
    assert min(s for s, _ in scalars(out)["charts/SPS"]) > done
    other = "vec_trpo" if algo == "vec_a2c" else "vec_a2c"
    with pytest.raises(ValueError, match=f"not a {other} one"):  # a checkpoint resumes with its own algorithm only
        MODULES[other].validate(tiny(other, tmp_path / "wrong", steps=10_000, resume=first))


@pytest.mark.parametrize("algo", MODULES)
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"num_envs": 0}, "num_envs must be >= 1"),
        ({"policy": "transformer"}, "unknown policy"),
        ({"num_steps": 0}, "num_steps must be >= 1"),
        ({"device": "tpu"}, "device must be"),
        ({"gamma": 1.5}, "gamma"),
    ],
)
def test_bad_args_are_refused_before_anything_is_written(
    algo: str, change: dict[str, Any], message: str, tmp_path: Path
) -> None:
    assert_refused(MODULES[algo].train, tiny(algo, tmp_path / "run", **change), message)


def test_a2c_refuses_an_unknown_optimizer(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown optimizer"):
        vec_a2c.train(tiny("vec_a2c", tmp_path / "run", optimizer="sgd"))
    assert not (tmp_path / "run").exists()


def _batch(seed: int) -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """A tiny policy and a batch of real UnKnot-Easy observations with masks, its own sampled actions, advantages."""
    envs = gym.make_vec("UnKnot-Easy-v0", num_envs=64, vectorization_mode="vector_entry_point", **ENV_KWARGS)
    torch.manual_seed(seed)
    net = build_net("mlp", spec_of(envs), {"hidden": [32]})
    obs, info = envs.reset(seed=seed)
    obs_t, mask = torch.as_tensor(obs), torch.as_tensor(sampling_mask(np.asarray(info["action_mask"], bool)))
    with torch.no_grad():
        actions, _ = sample_masked(net(obs_t)[0], mask)
    return net, obs_t, mask, actions, torch.randn(64, generator=torch.Generator().manual_seed(seed))


def test_trpo_accepts_a_step_only_within_max_kl(monkeypatch: pytest.MonkeyPatch) -> None:
    net, obs, mask, actions, adv = _batch(0)
    args = vec_trpo.Args(max_kl=0.01)
    with torch.no_grad():
        before = masked_log_probs(net(obs)[0], mask)
    step = vec_trpo.trpo_step(net, obs, mask, actions, adv, args)
    with torch.no_grad():
        after = masked_log_probs(net(obs)[0], mask)
    kl = float(vec_trpo.masked_kl(before, after, mask))
    assert step["step_fraction"] > 0 and step["improvement"] > 0  # a step was taken, and it improved the surrogate
    assert 0 < kl <= args.max_kl and kl == pytest.approx(step["kl"], rel=1e-5)  # the reported KL is the step's
    assert torch.isfinite(after[mask]).all() and (after.exp()[~mask] == 0).all()  # still masked

    # every tried fraction past the trust region (the KL shifted by a constant: the same Fisher, a larger value):
    # the step is refused and the policy does not move
    net, obs, mask, actions, adv = _batch(1)
    weights = [p.detach().clone() for p in net.parameters()]
    real = vec_trpo.masked_kl
    monkeypatch.setattr(vec_trpo, "masked_kl", lambda *a: real(*a) + 1.0)
    refused = vec_trpo.trpo_step(net, obs, mask, actions, adv, args)
    assert refused["kl"] == 0 and refused["step_fraction"] == 0 and refused["expected_improvement"] > 0
    assert all(torch.equal(w, p) for w, p in zip(weights, net.parameters(), strict=True))


def test_trpo_steps_in_training_stay_within_max_kl(runs: dict[str, Path]) -> None:
    kls = [v for _, v in scalars(runs["vec_trpo"])["losses/approx_kl"]]
    assert kls and all(v <= vec_trpo.Args().max_kl for v in kls) and max(kls) > 0


def test_trpo_refuses_a_bad_trust_region(tmp_path: Path) -> None:
    for change in ({"max_kl": 0.0}, {"line_search_shrink": 1.0}, {"cg_iters": 0}):
        with pytest.raises(ValueError):
            vec_trpo.train(tiny("vec_trpo", tmp_path / "run", **change))
    assert not (tmp_path / "run").exists()
