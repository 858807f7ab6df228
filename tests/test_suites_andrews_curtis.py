"""The shipped AndrewsCurtis-v0 suites (built by ``python -m rigorgym.envs.suites.build_andrews_curtis``)."""

from __future__ import annotations

import random

import pytest
from rigorgym.envs.andrews_curtis.types import PresentationInstance
from rigorgym.envs.suites import content_hash, list_suites, load_suite, suite_info
from rigorgym.envs.suites.build_andrews_curtis import (
    AK,
    MS,
    SCRAMBLE_CAP,
    SCRAMBLE_MOVES,
    UNSOLVED,
    _seed,
    abelian_det,
    check_sources,
    ms_instances,
    scramble,
)
from rigorgym.verifiers.andrews_curtis import SOURCE_MOVES, is_cyclically_reduced, step

ENV = "AndrewsCurtis-v0"
SIZES = {MS: 1190, UNSOLVED: 657, AK: 5, **{f"ac-scramble-{k}": 200 for k in SCRAMBLE_MOVES}}


def test_the_suites_are_listed_under_their_env() -> None:
    assert set(SIZES) == set(list_suites(ENV))


@pytest.mark.parametrize("name", sorted(SIZES))
def test_suite_loads_with_size_hash_and_readable_instances(name: str) -> None:
    suite = load_suite(name)
    info = suite_info(name)
    assert suite.env == info["env"] == ENV
    assert len(suite) == info["size"] == SIZES[name]
    assert suite.hash == info["hash"] == content_hash(suite.instances)
    ids = [x["id"] for x in suite.instances]
    assert len(set(ids)) == len(ids)
    pairs = {(tuple(x["relators"][0]), tuple(x["relators"][1])) for x in suite.instances}
    assert len(pairs) == len(suite)  # no presentation twice
    for x in suite.instances:
        assert set(x) <= {"id", "relators", "name"}
        inst = PresentationInstance.from_instance(x)
        assert inst.id == x["id"]
        r0, r1 = inst.relators
        assert is_cyclically_reduced(r0) and is_cyclically_reduced(r1)
        assert abs(abelian_det(r0, r1)) == 1  # trivial abelianisation: necessary for the trivial group
        assert not (len(r0) == 1 and len(r1) == 1)  # not already trivial


def test_the_source_files_pass_their_checks() -> None:
    report = check_sources()
    assert report["lines"] == {
        "miller_schupp_all.txt": 1190,
        "miller_schupp_greedy_solved.txt": 533,
        "miller_schupp_bfs_solved.txt": 278,
    }
    assert report["per_n"] == {n: 170 for n in range(1, 8)}
    assert report["greedy_unsolved"] == 657


def test_miller_schupp_ids_names_and_the_unsolved_split() -> None:
    suite = load_suite(MS).instances
    assert suite == ms_instances()[0]
    assert suite[0] == {"id": "ms-1-0", "relators": [[-1, 2, 1, -2, -2], [-1, 2]], "name": "MS(1, y)"}
    for x in suite:
        n = int(x["id"].split("-")[1])
        assert x["relators"][0] == [-1, *[2] * n, 1, *[-2] * (n + 1)]
        assert x["relators"][1][0] == -1 and len(x["relators"][1]) <= 8
        assert x["name"].startswith(f"MS({n}, ")
    info = suite_info(MS)
    assert len(info["greedy_solved"]) == 533 and len(info["bfs_solved"]) == 278
    assert set(info["bfs_solved"]) <= set(info["greedy_solved"])
    unsolved = {x["id"] for x in load_suite(UNSOLVED).instances}
    assert unsolved == {x["id"] for x in suite} - set(info["greedy_solved"])


def test_akbulut_kirby_is_the_standard_definition() -> None:
    for x in load_suite(AK).instances:
        n = int(x["id"].split("-")[1])
        assert x["name"] == f"AK({n})"
        assert x["relators"] == [[1] * n + [-2] * (n + 1), [1, 2, 1, -2, -1, -2]]  # x^n = y^(n+1), xyx = yxy
    assert [x["id"] for x in load_suite(AK).instances] == [f"ak-{n}" for n in range(2, 7)]


@pytest.mark.parametrize("k", SCRAMBLE_MOVES)
def test_scrambles_are_reproducible_and_undo_to_the_trivial_presentation(k: int) -> None:
    name = f"ac-scramble-{k}"
    for x in load_suite(name).instances[:5]:
        index = int(x["id"].split("/")[1])
        state, actions = scramble(k, random.Random(_seed(name, index)))
        assert [list(state[0]), list(state[1])] == x["relators"]
        assert len(actions) == k
        assert max(len(state[0]), len(state[1])) <= SCRAMBLE_CAP
        # each AC' move has an inverse among the moves (its reverse sign / opposite conjugation), so undoing is
        # possible; here: replaying the same draws from the trivial presentation gives the instance
        moves = [*SOURCE_MOVES, {"op": "invert", "i": 0}, {"op": "invert", "i": 1}]
        replay: tuple[tuple[int, ...], tuple[int, ...]] = ((1,), (2,))
        for a in actions:
            replay = step(replay, True, moves[a])
        assert replay == state
