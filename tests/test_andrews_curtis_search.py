"""The AndrewsCurtis-v0 search agents: ac-greedy, ac-bfs and ac-search give kernel-verified certificates."""

from __future__ import annotations

import random
import time

import pytest
from rigorgym.agents.andrews_curtis_moves import is_trivial
from rigorgym.agents.andrews_curtis_search import (
    AGENT_FACTORIES,
    ACSearch,
    _macro_moves,
    _source_child,
    class_key,
    endgame,
    replay,
    source_cap,
)
from rigorgym.agents.base import Budget, UnsupportedLimit
from rigorgym.agents.registry import AGENTS, agent_supports, make_agent
from rigorgym.envs.suites import load_suite
from rigorgym.verifiers import verify
from rigorgym.verifiers.andrews_curtis import SOURCE_MOVES, cyclic_reduce, step

NAMES = sorted(AGENT_FACTORIES)
EASY = ("ms-1-0", "ms-1-2", "ms-2-170")  # in the source BFS solved list


def _random_state(rng: random.Random) -> tuple[tuple[int, ...], tuple[int, ...]]:
    words = [cyclic_reduce(tuple(rng.choice((1, -1, 2, -2)) for _ in range(rng.randint(1, 12)))) for _ in range(2)]
    return words[0] or (1,), words[1] or (2,)


def test_the_fast_step_is_the_kernels() -> None:
    rng = random.Random(0)
    for _ in range(300):
        state = _random_state(rng)
        for action, move in enumerate(SOURCE_MOVES):
            assert _source_child(state, action) == step(state, True, move)


def test_a_macro_replays_to_its_product_and_keys_ignore_rotation() -> None:
    rng = random.Random(1)
    for _ in range(100):
        state = _random_state(rng)
        i, sign = rng.randint(0, 1), rng.choice((1, -1))
        a, c = rng.randrange(len(state[i])), rng.randrange(len(state[1 - i]))
        after = replay(state, _macro_moves(state, i, a, c, sign))
        u, v = state[i], state[1 - i]
        rv = v[c:] + v[:c]
        tail = rv if sign == 1 else tuple(-x for x in reversed(rv))
        assert after[i] == cyclic_reduce(u[a:] + u[:a] + tail) and after[1 - i] == rv
        assert class_key(state) == class_key((state[1][1:] + state[1][:1], tuple(-x for x in reversed(state[0]))))


def test_the_cap_is_the_sources_padding() -> None:
    for x in load_suite("ac-miller-schupp").instances[::170]:
        n = int(x["id"].split("-")[1])
        assert source_cap((tuple(x["relators"][0]), tuple(x["relators"][1]))) == 2 * max(2 * n + 3, 8) + 2


def test_the_endgame_substitutes_a_generator_met_once() -> None:
    ms = load_suite("ac-miller-schupp").instances
    done = 0
    for x in ms[::5]:
        state = (tuple(x["relators"][0]), tuple(x["relators"][1]))
        moves = endgame(state)
        once = any(sum(1 for a in r if abs(a) == g) == 1 for r in state for g in (1, 2))
        assert (moves is not None) == once, x["id"]
        if moves is not None:
            assert is_trivial(replay(state, moves))
            done += 1
    assert done >= 10
    assert endgame(((1, 1, 2), (2, 2, 1))) is None  # y = x^-2 turns y^2 x into x^-3: Z/3, not trivial
    assert endgame(((1, 1, 1), (2,))) is None  # x met thrice; y once but x^3 leaves Z/3


def test_single_pass_search_still_solves() -> None:
    x = load_suite("ac-miller-schupp").by_id()["ms-2-170"]
    for agent in (ACSearch(stages=()), ACSearch(stages=(), endgame=False, depth_weight=0.5)):
        result = agent.solve(None, x, Budget(10.0, max_expansions=5_000), 0)
        assert result.solved and verify(result.certificate).valid


@pytest.mark.parametrize("name", NAMES)
def test_agent_solves_easy_presentations_with_valid_certificates(name: str) -> None:
    ms = load_suite("ac-miller-schupp").by_id()
    cases = [ms[i] for i in EASY] + load_suite("ac-scramble-10").instances[:2]
    agent = make_agent(name)
    for k, x in enumerate(cases):
        result = agent.solve(None, x, Budget(10.0, max_expansions=20_000), k)
        assert result.solved, (name, x["id"])
        verdict = verify(result.certificate)
        assert verdict.valid, (name, x["id"], verdict.reason)
        assert result.certificate["meta"]["instance_id"] == x["id"]


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_and_budgets_honoured(name: str) -> None:
    x = load_suite("ac-ms-greedy-unsolved").instances[0]  # out of reach of these budgets
    agent = make_agent(name)
    runs = [agent.solve(None, x, Budget(30.0, max_expansions=40), 0) for _ in range(2)]
    assert not runs[0].solved and runs[0].extra["expansions"] == runs[1].extra["expansions"] == 40
    assert runs[0].steps == runs[1].steps
    steps = agent.solve(None, x, Budget(30.0, max_steps=500), 0)
    assert not steps.solved and steps.steps <= 500 + 1_000  # checked per child (a child batch may finish)
    easy = load_suite("ac-miller-schupp").by_id()["ms-1-2"]
    a, b = (agent.solve(None, easy, Budget(30.0, max_expansions=5_000), s) for s in (0, 1))
    assert a.certificate is not None and b.certificate is not None
    assert a.certificate["moves"] == b.certificate["moves"]
    start = time.perf_counter()
    agent.solve(None, x, Budget(0.2), 0)
    assert time.perf_counter() - start < 2.0


def test_registered_for_the_game_only() -> None:
    for name in NAMES:
        assert name in AGENTS and agent_supports(name, "AndrewsCurtis-v0")
        assert not agent_supports(name, "UnKnot-v0")
    with pytest.raises(UnsupportedLimit):
        from rigorgym.agents.base import check_limits

        check_limits(type("A", (), {"name": "x", "LIMITS": ()})(), Budget(1.0, max_steps=3))
