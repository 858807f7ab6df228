"""Random unknot words of the word suites' kind (issue 19): the Alexander prefilter, the generator, the vec_bc hook."""

from __future__ import annotations

import numpy as np
import pytest
from rigorgym.agents.protocols.unknot import alexander_unit
from rigorgym.agents.protocols.unknot_words import (
    WORD_PAIRS,
    WordMixGenerator,
    alexander_units,
    imitating_words,
    suite_words,
    unknot_words,
)
from rigorgym.envs.suites import load_suite
from rigorgym.envs.unknot.generator import closure_is_knot
from rigorgym.verifiers.braid import Braid

from tests.benchmark_support import needs_benchmarks, run_main


@pytest.mark.parametrize("suite", ["unknot-words-n5-L40", "unknot-words-n7-L40", "unknot-words-L96"])
def test_every_suite_word_passes_the_prefilter(suite: str) -> None:
    rows = load_suite(suite).instances
    words = np.array([x["braid"]["word"] for x in rows])
    assert alexander_units(rows[0]["braid"]["strands"], words).all()


def test_the_prefilter_rejects_knots_and_agrees_with_the_exact_test() -> None:
    trefoil, figure_eight = [1, 1, 1], [1, -2, 1, -2]
    assert not alexander_units(2, np.array([[1, 1, 1]]))[0] and not alexander_units(3, np.array([figure_eight]))[0]
    assert not alexander_unit(2, trefoil)
    rng = np.random.default_rng(3)
    words = (rng.choice([1, 2, 3, 4], (300, 20)) * rng.choice([-1, 1], (300, 20))).tolist()
    knots = [w for w in words if closure_is_knot(5, w)]
    fast = alexander_units(5, np.array(knots))
    assert fast.tolist() == [alexander_unit(5, w) for w in knots]
    assert 0 < fast.sum() < len(knots)  # some pass, most do not


def test_unknot_words_are_certified_unknots_the_hand_search_solves() -> None:
    from rigorgym.agents.unknot_features import hand_value
    from rigorgym.agents.unknot_search import SearchConfig, guided_search
    from rigorgym.verifiers.braid import apply_move

    for strands, length in ((3, 20), (5, 20)):
        words = unknot_words(np.random.default_rng([7, strands]), strands, length, 3)
        assert len(words) == 3 and all(len(w) == length and closure_is_knot(strands, w) for w in words)
        for w in words:
            found = guided_search(Braid(strands, w), hand_value, 10.0, SearchConfig(max_expansions=4000)).moves
            assert found is not None
            end = Braid(strands, w)
            for move in found:  # the kernel replays the certificate: a proof that the closure is the unknot
                end = apply_move(end, move)
            assert end.strands == 1 and not end.word


def test_the_mix_draws_every_kind_reproducibly_and_never_a_suite_word() -> None:
    gen = WordMixGenerator()
    assert gen.kinds == (*WORD_PAIRS, (5, 96))
    a = [gen(np.random.default_rng([11, k])) for k in range(14)]
    b = [WordMixGenerator()(np.random.default_rng([11, k])) for k in range(14)]
    assert [(x.strands, x.word) for x in a] == [(x.strands, x.word) for x in b]
    assert {(x.strands, len(x.word)) for x in a} <= set(gen.kinds)
    assert not {(x.strands, tuple(x.word)) for x in a} & suite_words()


def test_a_suite_word_is_drawn_again() -> None:
    first = WordMixGenerator(((3, 20),), grown=False)(np.random.default_rng(5))
    gen = WordMixGenerator(((3, 20),), grown=False)
    gen._state["forbidden"] = frozenset({(3, tuple(first.word))})  # as if the suite held the first word drawn
    again = gen(np.random.default_rng(5))
    assert gen.skipped == 1 and again.word != first.word and len(again.word) == 20


def test_bad_pairs_are_refused() -> None:
    with pytest.raises(ValueError, match="parity"):
        WordMixGenerator(((3, 21),))


def test_imitating_words_feeds_vec_bc_and_restores_it() -> None:
    from rigorgym.agents.algos import vec_bc

    original = vec_bc.instances
    gen = WordMixGenerator(((5, 20),), grown=False)
    with imitating_words(gen):
        drawn = vec_bc.instances(vec_bc.Args(), np.random.default_rng(1), 2)
    assert vec_bc.instances is original
    assert [(x.strands, len(x.word)) for x in drawn] == [(5, 20), (5, 20)]


@needs_benchmarks
def test_the_benchmark_refuses_an_unknown_generator() -> None:
    done = run_main("unknot_imitation.py", "--generator", "knots")
    assert done.returncode == 2 and "invalid choice" in done.stderr
    done = run_main("unknot_imitation.py", "--teacher", "plan-table")  # the plan table labels words only
    assert done.returncode == 2 and "needs --generator words" in done.stderr and not done.stdout


def test_the_plan_table_answers_chain_along_its_first_plan() -> None:
    import gymnasium as gym
    from rigorgym.agents.protocols.unknot_words import PlanTable
    from rigorgym.envs.unknot.types import BraidInstance

    import rigorgym  # noqa: F401  (registers the envs)

    env = gym.make("UnKnot-v0").unwrapped
    teacher = PlanTable(env.layout, 4000)
    x = WordMixGenerator(((5, 20),), grown=False)(np.random.default_rng(2))
    path = teacher.actions(x.strands, tuple(x.word))
    assert path and teacher.searches == 1
    obs, info = env.reset(options={"instance": BraidInstance.trusted(x.strands, tuple(x.word))})
    for k, action in enumerate(path):
        assert info["action_mask"][action]
        if k == len(path) // 2:  # from the middle of the plan: the rest of it, no new search
            assert teacher.actions(int(obs[0]), tuple(int(c) for c in obs[1:] if c)) == path[k:]
        obs, _, terminated, _, info = env.step(action)
    assert terminated and teacher.searches == 1 and teacher.failures == 0


def _layout() -> object:
    import gymnasium as gym

    import rigorgym  # noqa: F401  (registers the envs)

    return gym.make("UnKnot-v0").unwrapped.layout


def test_consistent_teacher_swaps_vec_bc_expert_and_restores_it() -> None:
    from rigorgym.agents.algos import vec_bc
    from rigorgym.agents.protocols.unknot_words import PlanTable, consistent_teacher

    original = vec_bc.Expert
    with consistent_teacher(rotations=False):
        teacher = vec_bc.Expert(_layout(), 100)
        assert isinstance(teacher, PlanTable) and not teacher.rotations
    assert vec_bc.Expert is original


def test_derotated_plans_replay_to_the_trivial_braid_with_few_rotations() -> None:
    from rigorgym.agents.protocols.unknot_words import derotate
    from rigorgym.agents.unknot_features import hand_value
    from rigorgym.agents.unknot_search import SearchConfig, guided_search
    from rigorgym.verifiers.braid import apply_move

    gen, rotations = WordMixGenerator(), [0, 0]
    for k in range(7):
        x = gen(np.random.default_rng([77, k]))
        plan = guided_search(Braid(x.strands, x.word), hand_value, 10.0, SearchConfig(max_expansions=4000)).moves
        flat = derotate(x.strands, x.word, plan)
        end = Braid(x.strands, tuple(x.word))
        for move in flat:
            end = apply_move(end, move)  # the kernel: every move legal
        assert end.strands == 1 and not end.word
        assert [m["op"] for m in flat if m["op"] != "rotate"] == [m["op"] for m in plan if m["op"] != "rotate"]
        rotations[0] += sum(m["op"] == "rotate" for m in plan)
        rotations[1] += sum(m["op"] == "rotate" for m in flat)
        destabilizations = sum(m["op"] == "destabilize" for m in plan)
        assert sum(m["op"] == "rotate" for m in flat) <= destabilizations + sum(m["op"] == "stabilize" for m in plan)
    assert rotations[1] < rotations[0] / 3
