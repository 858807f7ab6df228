"""The learned search on UnKnot: a beam search ordered by a trained policy (agents/policy_search.py)."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import pytest
from rigorgym.agents.base import Budget
from rigorgym.agents.policy_search import BeamConfig, PolicyBeamSearch
from rigorgym.envs.unknot.types import BraidInstance
from rigorgym.verifiers import verify

import rigorgym  # noqa: F401


@pytest.fixture(scope="module")
def agent_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A (barely) trained batched-PPO UnKnot agent: the search must work with any prior."""
    from rigorgym.agents.algos import vec_ppo

    out = tmp_path_factory.mktemp("beam") / "agent"
    return vec_ppo.train(vec_ppo.Args(env_id="UnKnot-Easy-v0", num_envs=4, num_steps=8, steps=32, out=out))


def test_full_branching_solves_short_unknots_with_verified_certificates(agent_dir: Path) -> None:
    search = PolicyBeamSearch(agent_dir, BeamConfig(width=8, branch=10_000, max_depth=12))
    env = gym.make("UnKnot-v0")
    for inst in (BraidInstance(2, (1,)), BraidInstance(3, (1, -2)), BraidInstance(2, (1, 1, -1)), BraidInstance(1, ())):
        result = search.solve(env, inst, 10.0, seed=0)
        assert result.certificate is not None and verify(result.certificate).valid
        assert result.certificate["instance"]["braid"]["word"] == list(inst.word)


def test_a_knot_is_never_certified(agent_dir: Path) -> None:
    """The trefoil is not the unknot: the search ends at its budget with no certificate."""
    search = PolicyBeamSearch(agent_dir, BeamConfig(width=16, branch=8, max_depth=30))
    result = search.solve(gym.make("UnKnot-v0"), BraidInstance(2, (1, 1, 1)), Budget(10.0, max_steps=3000), seed=0)
    assert result.certificate is None and result.extra["passes"] >= 1 and result.steps <= 3000 + 16 * 8


def test_the_search_is_deterministic(agent_dir: Path) -> None:
    inst = BraidInstance(3, (1, 2, -1, -2, 1))
    budget = Budget(120.0, max_steps=600)  # a count budget: the same moves tried, however busy the machine
    runs = [PolicyBeamSearch(agent_dir, BeamConfig(width=4, branch=3)).solve(gym.make("UnKnot-v0"), inst, budget, 0)
            for _ in range(2)]  # fmt: skip
    assert [r.steps for r in runs] == [runs[0].steps] * 2
    assert (runs[0].certificate is None) == (runs[1].certificate is None)
    if runs[0].certificate is not None:
        assert runs[0].certificate["moves"] == runs[1].certificate["moves"]


def test_an_instance_that_does_not_fit_is_a_reason_not_a_crash(agent_dir: Path) -> None:
    result = PolicyBeamSearch(agent_dir).solve(gym.make("UnKnot-v0"), BraidInstance(9, (1, 8)), 1.0, 0)
    assert result.certificate is None and "does not fit" in result.extra["reason"]


def test_bad_settings_and_foreign_folders_are_refused(agent_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        BeamConfig(width=0)
    with pytest.raises(ValueError):
        BeamConfig(widen=1)
    card = json.loads((agent_dir / "agent.json").read_text())
    (tmp_path / "agent.json").write_text(json.dumps({**card, "algo": "ppo"}))
    with pytest.raises(ValueError, match="vec_"):
        PolicyBeamSearch(tmp_path)
