"""The baseline agents: certificates that verify, or nothing within the budget."""

from __future__ import annotations

import gymnasium as gym
import pytest
from rigorgym.agents import AGENTS, SolveResult, make_agent
from rigorgym.agents.registry import UnknownAgent, agent_supports
from rigorgym.envs.games import GAMES
from rigorgym.envs.suites import load_suite
from rigorgym.envs.unknot import BraidInstance, knot_instance
from rigorgym.verifiers import verify

import rigorgym  # noqa: F401


def test_registry() -> None:
    assert {"random", "greedy"} <= set(AGENTS)
    for name in AGENTS:
        agent = make_agent(name)
        assert agent.name == name
        games = [game.env for game in GAMES]
        assert any(agent_supports(name, env) for env in games)
    assert agent_supports("normal-form", "Kirby-Plumbing-RiPutrov-v0")
    assert not agent_supports("normal-form", "UnKnot-v0")
    # tiers belong to their game: the braid agents do not play the diagram game, whose id also starts "UnKnot"
    assert agent_supports("guided", "UnKnot-Hard-v0") and not agent_supports("guided", "UnKnot-Diagram-v0")
    assert agent_supports("diagram-search", "UnKnot-Diagram-Medium-v0")
    with pytest.raises(UnknownAgent, match="greedy"):
        make_agent("nobody")


def test_greedy_solves_most_of_unknot_random_l20() -> None:
    suite = load_suite("unknot-random-L20")
    env = gym.make("UnKnot-v0")
    agent = make_agent("greedy")
    solved = 0
    for k, raw in enumerate(suite.instances[:20]):
        inst = BraidInstance.from_instance(raw)
        result = agent.solve(env, inst, 1.0, k)
        assert isinstance(result, SolveResult)
        if result.certificate is None:
            continue
        verdict = verify(result.certificate)
        assert verdict.valid, (raw["id"], verdict.reason)
        assert result.certificate["instance"] == {"braid": raw["braid"]}
        assert result.certificate["meta"]["instance_id"] == raw["id"]
        assert result.certificate["meta"]["agent"] == "greedy"
        assert result.solved and result.moves == len(result.certificate["moves"])
        solved += 1
    assert solved >= 18, f"greedy solved {solved}/20"


def test_greedy_accepts_instance_dicts() -> None:
    env = gym.make("UnKnot-v0")
    result = make_agent("greedy").solve(env, {"id": "x", "braid": {"strands": 3, "word": [2, -1, 2, -2]}}, 1.0, 0)
    assert result.certificate is not None and verify(result.certificate).valid
    assert result.certificate["meta"]["instance_id"] == "x"


def test_greedy_on_the_trivial_braid() -> None:
    """Already the unknot: a certificate with no moves (which the kernel accepts), not an exception."""
    env = gym.make("UnKnot-v0")
    trivial = make_agent("greedy").solve(env, BraidInstance(1, ()), 1.0, 0)
    assert trivial.certificate is not None and verify(trivial.certificate).valid
    assert trivial.certificate["moves"] == []


def test_random_walker_solves_a_tiny_instance() -> None:
    env = gym.make("UnKnot-v0")
    inst = BraidInstance(3, (1, 2), "tiny")
    result = make_agent("random").solve(env, inst, 10.0, 0)
    assert result.certificate is not None, f"no win in {result.steps} steps"
    verdict = verify(result.certificate)
    assert verdict.valid, verdict.reason
    assert result.certificate["instance"] == inst.to_instance()
    assert result.certificate["meta"]["instance_id"] == "tiny"
    assert result.certificate["meta"]["agent"] == "random"
    assert result.steps >= len(result.certificate["moves"]) >= 2
    # seeded: the same seed gives the same certificate
    again = make_agent("random").solve(env, inst, 10.0, 0)
    assert again.certificate == result.certificate


@pytest.mark.parametrize("name", ["greedy", "random"])
def test_nontrivial_knot_gives_no_certificate_within_budget(name: str) -> None:
    env = gym.make("UnKnot-v0")
    trefoil = knot_instance("3_1")
    budget = 0.3
    result = make_agent(name).solve(env, trefoil, budget, 0)
    assert isinstance(result, SolveResult)
    assert result.certificate is None and not result.solved and result.moves is None
    assert result.seconds <= budget + 1.0
