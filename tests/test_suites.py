"""The shipped benchmark suites: frozen, hashed, with unique ids and valid instances (docs/design.md §3)."""

from __future__ import annotations

import re

import pytest
from rigorgym.envs.games import GAMES
from rigorgym.envs.suites import UnknownSuite, content_hash, list_suites, load_suite, suite_info
from rigorgym.envs.unknot.generator import closure_is_knot
from rigorgym.envs.unknot.types import BraidInstance

SUITES = list_suites()
SCRAMBLE_LENGTHS = list(range(10, 101, 10))
SCRAMBLE = re.compile(r"^unknot-random-L(\d+)$")
WORDS = re.compile(r"^unknot-words-n(\d+)-L(\d+)$")


def test_scramble_suites_are_shipped() -> None:
    for length in SCRAMBLE_LENGTHS:
        assert f"unknot-random-L{length}" in SUITES


def test_list_suites_by_env() -> None:
    assert list_suites() == sorted(list_suites())
    assert set(list_suites("UnKnot-v0")) <= set(SUITES)
    assert "unknot-random-L10" in list_suites("UnKnot-v0")
    assert list_suites("No-Such-Env-v0") == []


@pytest.mark.parametrize("name", SUITES)
def test_suite_loads_with_matching_hash_and_info(name: str) -> None:
    suite = load_suite(name)
    info = suite_info(name)
    assert suite.name == name
    assert suite.env == info["env"]
    assert suite.description == info["description"] and suite.description
    assert len(suite) == info["size"] == len(suite.instances) > 0
    assert suite.hash == info["hash"] == content_hash(list(suite.instances))
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", suite.hash)


@pytest.mark.parametrize("name", SUITES)
def test_suite_instances_are_valid_with_unique_ids(name: str) -> None:
    suite = load_suite(name)
    ids = [x.get("id") for x in suite.instances]
    assert all(isinstance(i, str) and i for i in ids)
    assert len(set(ids)) == len(ids)
    assert set(suite.by_id()) == set(ids)
    info = suite_info(name)
    if suite.env != "UnKnot-v0":
        return
    instances = [BraidInstance.from_instance(x) for x in suite.instances]
    assert [i.id for i in instances] == ids
    for raw, inst in zip(suite.instances, instances, strict=True):
        assert set(raw) == {"id", "braid"}
        assert inst.to_instance() == {"braid": raw["braid"]}
        assert closure_is_knot(inst.strands, inst.word), raw["id"]
    assert info["max_length"] == max(len(i.word) for i in instances)
    assert info["max_strands"] == max(i.strands for i in instances)


def test_suite_info_fields() -> None:
    for name in SUITES:
        info = suite_info(name)
        assert {"env", "description", "size", "hash"} <= set(info)
        assert isinstance(info["size"], int) and info["size"] > 0
        assert info["env"] in {game.env for game in GAMES}  # a game of the games table
    info = suite_info("unknot-random-L10")
    info["size"] = -1  # a copy: the index is not mutated
    assert suite_info("unknot-random-L10")["size"] == 100


@pytest.mark.parametrize("length", SCRAMBLE_LENGTHS)
def test_scramble_suite_shape(length: int) -> None:
    from rigorgym.envs.suites.build_unknot import scramble_strands

    name = f"unknot-random-L{length}"
    suite = load_suite(name)
    assert suite.env == "UnKnot-v0"
    assert len(suite) == 100
    assert [x["id"] for x in suite.instances] == [f"{name}/{i:03d}" for i in range(100)]
    for x in suite.instances:
        assert len(x["braid"]["word"]) == length
        assert x["braid"]["strands"] == scramble_strands(length)
    assert len({tuple(x["braid"]["word"]) for x in suite.instances}) >= 95  # almost all distinct


def test_scramble_suite_rebuilds_exactly() -> None:
    """The committed build script reproduces a shipped suite byte for byte (hash included)."""
    from rigorgym.envs.suites.build_unknot import build_scramble

    for name, length in (("unknot-random-L10", 10), ("unknot-random-L40", 40)):
        rebuilt = build_scramble(name, length)
        assert content_hash(rebuilt) == load_suite(name).hash


@pytest.mark.parametrize("name", [n for n in SUITES if WORDS.match(n)])
def test_word_suite_shape(name: str) -> None:
    strands, length = map(int, WORDS.match(name).groups())
    suite = load_suite(name)
    assert len(suite) == 100
    for x in suite.instances:
        assert x["braid"]["strands"] == strands
        assert len(x["braid"]["word"]) == length
    assert len({tuple(x["braid"]["word"]) for x in suite.instances}) == len(suite)


def test_unknown_suite() -> None:
    with pytest.raises(UnknownSuite) as exc:
        load_suite("unknot-nope")
    message = str(exc.value)
    assert "unknot-nope" in message
    for name in SUITES:
        assert name in message
    with pytest.raises(UnknownSuite):
        suite_info("unknot-nope")
    with pytest.raises(KeyError):  # UnknownSuite is a KeyError
        load_suite("")


def test_suite_is_frozen() -> None:
    suite = load_suite("unknot-random-L20")
    with pytest.raises(AttributeError):
        suite.name = "other"  # type: ignore[misc]
    assert isinstance(suite.instances, list)


def test_mutating_a_loaded_suite_does_not_change_the_next_load() -> None:
    first = load_suite("unknot-random-L20")
    original = first.instances[0]["braid"]["word"][:]
    first.instances[0]["braid"]["word"].append(99)
    first.instances.clear()
    second = load_suite("unknot-random-L20")
    assert len(second) == 100
    assert second.instances[0]["braid"]["word"] == original
    assert content_hash(second.instances) == second.hash


def test_a_copied_suite_generator_shares_the_instances_and_keeps_its_own_cursor() -> None:
    """``gym.make`` deep-copies kwargs: a loaded suite is shared (1.7 s per copy of 1,000 pairs otherwise)."""
    import copy

    import numpy as np
    from rigorgym.envs.andrews_curtis.generator import SuiteGenerator

    generator = SuiteGenerator("ac-akbulut-kirby", shuffle=False)
    rng = np.random.default_rng(0)
    first = generator(rng)
    clone = copy.deepcopy(generator)
    assert clone._loaded[0].instances is generator._loaded[0].instances
    assert clone(rng) == generator(rng) != first  # both continue from the second instance, independently
