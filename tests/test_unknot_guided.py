"""The ``guided`` UnKnot agent: macros that replay through the kernel, certificates that verify, the value net."""

from __future__ import annotations

import random
from pathlib import Path

import gymnasium as gym
import pytest
from rigorgym.agents import make_agent
from rigorgym.agents.unknot_search import (
    GuidedSearch,
    SearchConfig,
    Tape,
    apply_macro,
    exchange,
    guided_search,
    hand_value,
    handles,
    normalize,
    shift_down,
    to_kernel,
)
from rigorgym.agents.unknot_value import PRETRAINED, BadValueWeights, ValueNet, load_value
from rigorgym.envs.suites import load_suite
from rigorgym.envs.unknot import BraidInstance
from rigorgym.verifiers import verify
from rigorgym.verifiers.braid import Braid, apply_move

import rigorgym  # noqa: F401


def _replays(n: int, word: tuple[int, ...], tape: Tape) -> bool:
    """Whether the moves the tape recorded take ``(n, word)`` through the kernel to the tape's braid."""
    braid = Braid(n, word)
    for op in tape.ops:
        braid = apply_move(braid, to_kernel(op))
    return braid == Braid(tape.n, tuple(tape.w))


def test_macros_replay_through_the_kernel() -> None:
    """Every macro is a run of legal kernel moves ending on the braid the search believes in."""
    rng = random.Random(7)
    for _ in range(300):
        n = rng.randint(3, 6)
        letters = [s * g for g in range(1, n) for s in (1, -1)]
        word = tuple(rng.choice(letters) for _ in range(rng.randint(2, 14)))
        for macro in list(handles(n, word, 4)) + [("conjugate", 0, 0, -2)]:
            tape = Tape(n, word)
            apply_macro(tape, macro)
            normalize(tape)
            assert _replays(n, word, tape), (n, word, macro)
        low = [s * g for g in range(1, n - 1) for s in (1, -1)]
        e = rng.choice((1, -1))
        top = (e * (n - 1),) + tuple(rng.choice(low) for _ in range(3)) + (-e * (n - 1),) + (rng.choice(low),)
        tape = Tape(n, top)
        exchange(tape, 0)
        assert _replays(n, top, tape) and tape.n == n
        high = [s * g for g in range(2, n) for s in (1, -1)]
        bottom = tuple(rng.choice(high) for _ in range(5)) + (e,)
        tape = Tape(n, bottom)
        shift_down(tape)
        assert _replays(n, bottom, tape) and tape.n == n - 1


@pytest.mark.parametrize("value", ["learned", "hand"])
def test_solves_words_and_certificates_verify(value: str) -> None:
    """Five 5-strand words (greedy solves about half of these) and one 7-strand word: all verified."""
    raw = load_suite("unknot-words-n5-L20").instances[:5] + load_suite("unknot-words-n7-L40").instances[:1]
    env = gym.make("UnKnot-v0")
    agent = GuidedSearch(value=value) if value == "hand" else make_agent("guided")
    for k, item in enumerate(raw):
        result = agent.solve(env, BraidInstance.from_instance(item), 5.0, k)
        assert result.certificate is not None, item["id"]
        verdict = verify(result.certificate)
        assert verdict.valid, (item["id"], verdict.reason)
        assert result.certificate["instance"] == {"braid": item["braid"]}
        assert result.certificate["meta"]["agent"] == agent.name
        assert result.extra["value"] == value


def test_trivial_braid_and_instance_dicts() -> None:
    env = gym.make("UnKnot-v0")
    agent = GuidedSearch(value="hand")
    trivial = agent.solve(env, BraidInstance(1, ()), 1.0, 0)
    assert trivial.certificate is not None and trivial.certificate["moves"] == []
    result = agent.solve(env, {"id": "x", "braid": {"strands": 3, "word": [2, -1, 2, -2]}}, 1.0, 0)
    assert result.certificate is not None and verify(result.certificate).valid


def test_deterministic_given_a_seed() -> None:
    """With an expansion cap (not the clock) the search, and so the certificate, is the same every time."""
    word = Braid.from_json(load_suite("unknot-words-n7-L40").instances[3]["braid"])
    cfg = SearchConfig(max_expansions=200)
    scorer = load_value().score
    runs = [guided_search(word, scorer, 30.0, cfg) for _ in range(2)]
    assert runs[0].moves == runs[1].moves and runs[0].expansions == runs[1].expansions
    hand = [guided_search(word, hand_value, 30.0, cfg) for _ in range(2)]
    assert hand[0].moves == hand[1].moves


def test_value_net_loads_and_is_small() -> None:
    net = load_value()
    assert isinstance(net, ValueNet)
    assert (PRETRAINED / "value.pt").stat().st_size < 1_000_000
    assert net.card.get("parameters", 0) == sum(p.numel() for p in net.model.parameters())
    scores = net.score([(1, ()), (3, (1, 2)), (7, tuple([1, 2, 3, 4, 5, 6] * 6))])
    assert scores[0] == 0.0 and all(isinstance(s, float) for s in scores)
    assert net.score([]) == []


def test_bad_input_gives_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'learned' or 'hand'"):
        GuidedSearch(value="oracle")
    with pytest.raises(BadValueWeights, match="no value-net weights"):
        load_value(tmp_path)
    (tmp_path / "value.pt").write_bytes(b"not a torch file")
    with pytest.raises(BadValueWeights, match="cannot load"):
        load_value(tmp_path)
    env = gym.make("UnKnot-v0")
    with pytest.raises(ValueError, match="not a generator"):
        GuidedSearch(value="hand").solve(env, {"braid": {"strands": 3, "word": [3]}}, 1.0, 0)
    with pytest.raises(ValueError, match="'braid' key"):
        GuidedSearch(value="hand").solve(env, {"strands": 3}, 1.0, 0)


def test_not_an_unknot_is_not_claimed() -> None:
    """The trefoil has no certificate: the search ends (quickly) with nothing."""
    env = gym.make("UnKnot-v0")
    result = GuidedSearch(value="hand").solve(env, BraidInstance(2, (1, 1, 1)), 1.0, 0)
    assert result.certificate is None


#: Three unknot braids of 4-6 strands (rows 54, 363 and 369 of very_hard_unknots.csv, Alexander polynomial 1,
#: turned into braids by SnapPy's braid_word(); the suite unknot-hard once held them).
SMALL_UNKNOTS = {
    54: (4, (-1, 2, -2, -2, 1, -3, 1, -3, 2, 2, -1, 3, -2, -2, -2, 1, -3, 2, 2, 2, 3)),
    363: (4, (1, 1, 2, 2, -2, -1, 3, -2, -2, 1, -3, -2, 2, 1, 3, -2, 2, -3, -3)),
    369: (6, (-1, 2, 3, -4, 3, -2, 2, -3, 4, 4, 3, -5, -2, -4, 1, 3, -2, 3, -4, 5, 4, -3, 2)),
}


def test_solves_small_hard_unknots_in_the_default_env() -> None:
    """Three small unknot braids (4-6 strands): exchange moves stay inside the env's strands."""
    env = gym.make("UnKnot-v0")
    for k, (strands, word) in SMALL_UNKNOTS.items():
        result = GuidedSearch(value="hand").solve(env, BraidInstance(strands, word), 5.0, k)
        assert result.certificate is not None and verify(result.certificate).valid, k


def test_batched_features_and_numpy_net_equal_the_one_state_reference() -> None:
    """The search's fast scorer (bincount features, numpy forward) equals ``features`` and the torch net."""
    import random

    import numpy as np
    import torch
    from rigorgym.agents.unknot_value import batch_features, features, learned_scores

    rng = random.Random(7)
    states: list[tuple[int, tuple[int, ...]]] = [(1, ()), (2, ()), (12, (11, -11, 1, -1))]
    for _ in range(200):
        n = rng.randint(2, 24)
        states.append((n, tuple(rng.choice((1, -1)) * rng.randint(1, n - 1) for _ in range(rng.randint(0, 90)))))
    x, hand = batch_features(states)
    assert x.shape == (len(states), len(features(3, (1,))))
    assert np.array_equal(x, np.array([features(n, w) for n, w in states], np.float32))
    assert np.array_equal(hand, np.array(hand_value(states)))
    net = load_value()
    with torch.inference_mode():
        reference = learned_scores(net.model, states).numpy()
    got = net.score(states)
    assert got[0] == 0.0  # the trivial braid
    assert np.allclose(got[1:], reference[1:], rtol=1e-5, atol=1e-3)


def test_expert_iteration_pieces() -> None:
    """The pool is a function of the index; the pooled search finds and returns a path the labels learn from."""
    from rigorgym.agents.protocols.unknot_expert import pool_instance, solve_all
    from rigorgym.agents.protocols.unknot_training import Labels

    first = pool_instance(0)  # the smallest maps: the fastest to draw
    assert first == pool_instance(0) and first[0] >= 5 and len(first[1]) <= 256
    word = Braid.from_json(load_suite("unknot-words-n5-L20").instances[0]["braid"])
    braids = [(3, (1, 2, -1, 2)), (word.strands, tuple(word.word))]
    results = solve_all(braids, None, 2000, 1)
    assert [path is not None for path, _, _ in results] == [True, True]
    labels = Labels()
    for path, _, _ in results:
        labels.add_path(path, SearchConfig())
    assert labels.steps
