"""vec_bc: imitation of the guided search with DAgger rounds, and warm starts of the RL trainers from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from rigorgym.agents.algos import vec_bc, vec_common, vec_ppo
from rigorgym.envs.unknot.generator import ScrambleGenerator
from rigorgym.verifiers import verify

from tests.vec_support import ENV_KWARGS, assert_acts_legally, assert_refused, same_weights, weights

NET: dict[str, Any] = {"policy": "factored", "width": 8, "depth": 1, "kernel": 3}


def tiny(out: Path, **changes: Any) -> vec_bc.Args:
    kwargs: dict[str, Any] = {"env_id": "UnKnot-Easy-v0", "env_kwargs": dict(ENV_KWARGS), "steps": 300, "rounds": 2}
    kwargs |= {"strands": (3,), "lengths": (8,), "eval_instances": 4, "max_moves": 60, "expert_expansions": 500}
    kwargs |= {"epochs": 1, "batch_size": 64, "threads": 1, "out": out, **NET}
    return vec_bc.Args(**(kwargs | changes))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return vec_bc.train(tiny(tmp_path_factory.mktemp("bc") / "agent"))


def test_imitation_writes_an_agent_that_acts_legally(run: Path) -> None:
    card = json.loads((run / "agent.json").read_text())
    assert card["algo"] == "vec_bc" and card["steps"] == 300 and card["policy"] == "factored"
    assert card["metrics"]["rounds"] == 2 and card["metrics"]["expert_calls"] >= 1
    assert 0.0 <= card["metrics"]["solved_rate"] <= 1.0
    assert_acts_legally(vec_bc.load_policy(run), 40)


def test_same_seed_gives_the_same_imitation(run: Path, tmp_path: Path) -> None:
    assert same_weights(run, vec_bc.train(tiny(tmp_path / "again")))


def test_the_expert_s_labels_replay_to_a_kernel_verified_unknotting() -> None:
    env = gym.make("UnKnot-Easy-v0", **ENV_KWARGS).unwrapped
    expert = vec_bc.Expert(env.layout, 2000)
    data = vec_bc.Data(env.observation_space.shape[0], env.action_space.n)
    rng = np.random.default_rng(0)
    for _ in range(5):
        inst = ScrambleGenerator(3, 10, 2)(rng)
        added = vec_bc.play_expert(env, expert, data, inst.strands, tuple(inst.word), 10_000)
        assert added > 0 and env.solved and verify(env.certificate()).valid
        assert vec_bc.braid_of(data.obs[-added]) == (inst.strands, tuple(inst.word))  # the path starts at the braid
    obs, packed, actions = data.tensors()
    masks = np.unpackbits(packed, axis=1, count=env.action_space.n).astype(bool)
    assert masks[np.arange(len(actions)), actions.numpy()].all()  # every label is a legal action where it was taken


def test_ppo_warm_starts_from_the_imitation(run: Path, tmp_path: Path) -> None:
    args = vec_ppo.Args(env_id="UnKnot-Easy-v0", env_kwargs=dict(ENV_KWARGS), num_envs=4, num_steps=8, steps=32,
                        threads=1, out=tmp_path / "ppo", init_from=run, lr=1e-12, **NET)  # fmt: skip
    out = vec_ppo.train(args)
    card = json.loads((out / "agent.json").read_text())
    assert card["notes"].startswith(f"warm start from {run}") and "vec_bc agent of 300 steps" in card["notes"]
    before, after = weights(run), weights(out)
    assert all(torch.allclose(before[k], after[k], atol=1e-6) for k in before)  # lr ~ 0: still the imitation's
    other = vec_ppo.Args(**{**vars(args), "out": tmp_path / "other", "width": 16})
    assert_refused(vec_ppo.train, other, "init_from: .* holds a different network")
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lengths": (9,)}, "length 9 does not fit 3 strands"),
        ({"rounds": 0}, "rounds must be >= 1"),
        ({"resume": Path("x")}, "vec_bc has no resume"),
        ({"policy": "gnn"}, "the gnn policy of the batched trainers is for Kirby-Plumbing"),
    ],
)
def test_bad_args_are_refused_before_anything_is_written(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    assert_refused(vec_bc.train, tiny(tmp_path / "never", **change), message)
    assert not (tmp_path / "never").exists()


def test_init_from_must_be_an_agent_folder(tmp_path: Path) -> None:
    args = vec_ppo.Args(env_id="UnKnot-Easy-v0", env_kwargs=dict(ENV_KWARGS), out=tmp_path / "o", init_from=tmp_path)
    assert_refused(vec_ppo.train, args, "init_from: .* is not a batched trainer's agent folder")
    assert vec_common.warm_note(args).startswith("warm start from")
