"""Unit tests of the trusted kernel: the moves of docs/design.md §2.1, certificates of §2.4, file reading.

Every op is checked for its effect and for each of its preconditions failing;
``verify`` is fed malformed certificates of every kind and must answer with a
Verdict, never an exception; resource limits and ``read_certificates`` are
checked on small inputs; certificates built from scrambles validate against
the shipped JSON Schema.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import numpy as np
import pytest
from rigorgym.envs.unknot import ScrambleGenerator
from rigorgym.envs.unknot.generator import invert_moves
from rigorgym.verifiers import FORMAT, Limits, UnreadableInput, Verdict, read_certificates, schema, verify
from rigorgym.verifiers.braid import Braid, IllegalMove, InvalidBraid, apply_move

from .conftest import contract_cases

# ---------------------------------------------------------------------------------------------
# helpers


def B(strands: int, *word: int) -> Braid:
    return Braid.checked(strands, list(word))


def cert(strands: int, word: list[Any], moves: list[Any], **extra: Any) -> dict[str, Any]:
    c = {
        "format": FORMAT,
        "env": "UnKnot-v0",
        "claim": "unknot",
        "instance": {"braid": {"strands": strands, "word": word}},
        "moves": moves,
        "meta": {},
    }
    c.update(extra)
    return c


#: A certificate that is valid: (2, [1, -1, 1]) -> cancel -> (2, [1]) -> destabilize -> (1, []).
VALID = cert(2, [1, -1, 1], [{"op": "cancel", "i": 0}, {"op": "destabilize"}])


def deep(depth: int, leaf: Any = 0) -> Any:
    """A list nested ``depth`` levels deep, built without recursion."""
    x = leaf
    for _ in range(depth):
        x = [x]
    return x


def assert_malformed(verdict: Any) -> None:
    assert isinstance(verdict, Verdict)
    assert verdict.valid is False
    assert verdict.malformed is True, verdict
    assert verdict.moves_checked == 0
    assert verdict.reason


def test_valid_reference_certificate() -> None:
    v = verify(copy.deepcopy(VALID))
    assert v == Verdict(True, v.reason, 2, False)


# ---------------------------------------------------------------------------------------------
# §2.1: effects of each op


@pytest.mark.parametrize(
    ("before", "move", "after"),
    [
        # cancel
        (B(3, 1, -1, 2), {"op": "cancel", "i": 0}, B(3, 2)),
        (B(3, 2, 1, -1), {"op": "cancel", "i": 1}, B(3, 2)),
        (B(3, 2, -2, 1, 2), {"op": "cancel", "i": 0}, B(3, 1, 2)),
        (B(3, -1, 2, 2, 1), {"op": "cancel", "i": 3}, B(3, 2, 2)),  # cyclic: w[3], w[0]
        (B(2, 1, -1), {"op": "cancel", "i": 0}, B(2)),  # L = 2, i = 0
        (B(2, 1, -1), {"op": "cancel", "i": 1}, B(2)),  # L = 2, i = 1: the pair (w[1], w[0])
        (B(2, -1, 1), {"op": "cancel", "i": 1}, B(2)),
        # commute
        (B(4, 1, 3), {"op": "commute", "i": 0}, B(4, 3, 1)),
        (B(4, 1, 3), {"op": "commute", "i": 1}, B(4, 3, 1)),  # L = 2 cyclic
        (B(4, 3, 2, -1), {"op": "commute", "i": 2}, B(4, -1, 2, 3)),  # cyclic: w[2], w[0]
        (B(5, 2, -4, 1), {"op": "commute", "i": 0}, B(5, -4, 2, 1)),
        (B(5, 2, 1, -4), {"op": "commute", "i": 2}, B(5, -4, 1, 2)),
        # braid
        (B(3, 1, 2, 1), {"op": "braid", "i": 0}, B(3, 2, 1, 2)),
        (B(3, 2, 1, 2), {"op": "braid", "i": 0}, B(3, 1, 2, 1)),
        (B(3, -1, -2, -1), {"op": "braid", "i": 0}, B(3, -2, -1, -2)),
        (B(4, 3, 2, 3, 1), {"op": "braid", "i": 0}, B(4, 2, 3, 2, 1)),
        (B(4, 1, 3, 2, 3), {"op": "braid", "i": 1}, B(4, 1, 2, 3, 2)),
        (B(3, 1, 1, 2), {"op": "braid", "i": 1}, B(3, 2, 2, 1)),  # cyclic: positions 1, 2, 0
        (B(3, 2, 1, 1), {"op": "braid", "i": 2}, B(3, 1, 2, 2)),  # cyclic: positions 2, 0, 1
        (B(4, -2, 3, -2, -3), {"op": "braid", "i": 2}, B(4, -3, 3, -3, -2)),  # positions 2, 3, 0
        # insert
        (B(3), {"op": "insert", "i": 0, "g": 2}, B(3, 2, -2)),
        (B(3, 1, 2), {"op": "insert", "i": 0, "g": -1}, B(3, -1, 1, 1, 2)),
        (B(3, 1, 2), {"op": "insert", "i": 1, "g": 2}, B(3, 1, 2, -2, 2)),
        (B(3, 1, 2), {"op": "insert", "i": 2, "g": -2}, B(3, 1, 2, -2, 2)),  # i = L: at the end
        # rotate
        (B(3, 1, 2, -1), {"op": "rotate", "k": 0}, B(3, 1, 2, -1)),
        (B(3, 1, 2, -1), {"op": "rotate", "k": 1}, B(3, 2, -1, 1)),
        (B(3, 1, 2, -1), {"op": "rotate", "k": 2}, B(3, -1, 1, 2)),  # k = L - 1
        (B(2, 1), {"op": "rotate", "k": 0}, B(2, 1)),
        # stabilize
        (B(1), {"op": "stabilize", "sign": 1}, B(2, 1)),
        (B(1), {"op": "stabilize", "sign": -1}, B(2, -1)),
        (B(3, 1, 2), {"op": "stabilize", "sign": -1}, B(4, 1, 2, -3)),
        (B(3), {"op": "stabilize", "sign": 1}, B(4, 3)),
        # destabilize
        (B(2, 1), {"op": "destabilize"}, B(1)),
        (B(2, -1), {"op": "destabilize"}, B(1)),
        (B(3, 1, -2), {"op": "destabilize"}, B(2, 1)),
        (B(4, 1, -1, 2, 3), {"op": "destabilize"}, B(3, 1, -1, 2)),
        (B(4, 1, -1, 2, -3), {"op": "destabilize"}, B(3, 1, -1, 2)),
    ],
)
def test_op_effect(before: Braid, move: dict[str, Any], after: Braid) -> None:
    original = dict(move)
    got = apply_move(before, move)
    assert got == after
    assert isinstance(got.word, tuple)
    assert move == original  # the move is not mutated


def test_apply_move_returns_valid_braids() -> None:
    # the result of a legal move passes Braid.checked again
    b = B(3, 1, 2, 1)
    for m in [{"op": "braid", "i": 0}, {"op": "stabilize", "sign": 1}, {"op": "insert", "i": 3, "g": -2}]:
        b = apply_move(b, m)
        assert Braid.checked(b.strands, list(b.word)) == b


# ---------------------------------------------------------------------------------------------
# §2.1: each precondition failing


@pytest.mark.parametrize(
    ("before", "move"),
    [
        # cancel: L >= 2
        (B(1), {"op": "cancel", "i": 0}),
        (B(2, 1), {"op": "cancel", "i": 0}),
        # cancel: letters not inverse
        (B(2, 1, 1), {"op": "cancel", "i": 0}),
        (B(3, 1, -2), {"op": "cancel", "i": 0}),
        (B(3, 1, -1, 2), {"op": "cancel", "i": 2}),  # cyclic pair (2, 1)
        (B(3, 1, -1, 2), {"op": "cancel", "i": 1}),  # (-1, 2)
        # cancel: i out of range
        (B(2, 1, -1), {"op": "cancel", "i": 2}),
        (B(2, 1, -1), {"op": "cancel", "i": -1}),
        (B(2, 1, -1), {"op": "cancel", "i": 10**30}),
        # commute: L >= 2
        (B(4, 1), {"op": "commute", "i": 0}),
        (B(4), {"op": "commute", "i": 0}),
        # commute: adjacent or equal generators
        (B(4, 1, 2), {"op": "commute", "i": 0}),
        (B(4, 2, -1), {"op": "commute", "i": 0}),
        (B(4, 1, 1), {"op": "commute", "i": 0}),
        (B(4, 1, -1), {"op": "commute", "i": 0}),
        (B(4, 1, 3, 2), {"op": "commute", "i": 2}),  # cyclic pair (2, 1)
        # commute: i out of range
        (B(4, 1, 3), {"op": "commute", "i": 2}),
        (B(4, 1, 3), {"op": "commute", "i": -1}),
        # braid: L >= 3
        (B(3, 1, 2), {"op": "braid", "i": 0}),
        (B(3, 1), {"op": "braid", "i": 0}),
        # braid: not (a, b, a)
        (B(3, 1, 2, 2), {"op": "braid", "i": 0}),
        (B(3, 1, 1, 1), {"op": "braid", "i": 0}),
        # braid: mixed signs
        (B(3, 1, -2, 1), {"op": "braid", "i": 0}),
        (B(3, -1, 2, -1), {"op": "braid", "i": 0}),
        (B(3, 1, 2, -1), {"op": "braid", "i": 0}),
        # braid: |a| and |b| not adjacent
        (B(4, 1, 3, 1), {"op": "braid", "i": 0}),
        # braid: cyclic windows that are not (a, b, a)
        (B(3, 1, 2, 1), {"op": "braid", "i": 1}),  # (2, 1, 1)
        (B(3, 1, 2, 1), {"op": "braid", "i": 2}),  # (1, 1, 2)
        # braid: i out of range
        (B(3, 1, 2, 1), {"op": "braid", "i": 3}),
        (B(3, 1, 2, 1), {"op": "braid", "i": -3}),
        # insert: i out of 0..L
        (B(3, 1, 2), {"op": "insert", "i": 3, "g": 1}),
        (B(3, 1, 2), {"op": "insert", "i": -1, "g": 1}),
        (B(3), {"op": "insert", "i": 1, "g": 1}),
        # insert: g out of ±1..±(n-1)
        (B(3, 1, 2), {"op": "insert", "i": 0, "g": 0}),
        (B(3, 1, 2), {"op": "insert", "i": 0, "g": 3}),
        (B(3, 1, 2), {"op": "insert", "i": 0, "g": -3}),
        (B(1), {"op": "insert", "i": 0, "g": 1}),  # no generator on one strand
        (B(1), {"op": "insert", "i": 0, "g": -1}),
        # rotate: k out of 0..L-1
        (B(3, 1, 2), {"op": "rotate", "k": 2}),
        (B(3, 1, 2), {"op": "rotate", "k": -1}),
        (B(1), {"op": "rotate", "k": 0}),  # L = 0: no k at all
        (B(3), {"op": "rotate", "k": 0}),
        # stabilize: sign not ±1
        (B(2, 1), {"op": "stabilize", "sign": 0}),
        (B(2, 1), {"op": "stabilize", "sign": 2}),
        (B(2, 1), {"op": "stabilize", "sign": -2}),
        # destabilize: n >= 2
        (B(1), {"op": "destabilize"}),
        # destabilize: last letter is ±(n-1)
        (B(2), {"op": "destabilize"}),  # empty word: no last letter
        (B(3), {"op": "destabilize"}),
        (B(3, 2, 1), {"op": "destabilize"}),
        (B(4, 3, 2), {"op": "destabilize"}),
        # destabilize: no other letter with |x| = n-1
        (B(2, 1, 1), {"op": "destabilize"}),
        (B(2, 1, -1, 1), {"op": "destabilize"}),
        (B(3, 2, 1, 2), {"op": "destabilize"}),
        (B(3, -2, 1, 2), {"op": "destabilize"}),
        (B(3, 1, 2, -2), {"op": "destabilize"}),
    ],
)
def test_precondition_fails(before: Braid, move: dict[str, Any]) -> None:
    with pytest.raises(IllegalMove):
        apply_move(before, move)


@pytest.mark.parametrize(
    "move",
    [
        None,
        [],
        ["cancel", 0],
        "cancel",
        3,
        {},
        {"i": 0},
        {"op": None, "i": 0},
        {"op": 1, "i": 0},
        {"op": ["cancel"], "i": 0},
        {"op": "twist"},
        {"op": "Cancel", "i": 0},
        {"op": " cancel", "i": 0},
        {"op": ""},
    ],
)
def test_not_a_move(move: Any) -> None:
    with pytest.raises(IllegalMove):
        apply_move(B(2, 1, -1), move)


# Braid (2 strands, 1 -1) accepts: cancel i in {0, 1}, insert i in 0..2 with g = ±1, rotate k in {0, 1},
# stabilize, but a legal value must be an int and not a bool.
FIELD_CASES = [
    ("cancel", {}, "i", 0),
    ("commute", {}, "i", 0),
    ("braid", {}, "i", 0),
    ("insert", {"g": 1}, "i", 0),
    ("insert", {"i": 0}, "g", 1),
    ("rotate", {}, "k", 1),
    ("stabilize", {}, "sign", 1),
]


def _field_base(op: str) -> Braid:
    return {"commute": B(4, 1, 3), "braid": B(3, 1, 2, 1)}.get(op, B(2, 1, -1))


@pytest.mark.parametrize(("op", "others", "field", "good"), FIELD_CASES)
def test_field_good_value_is_legal(op: str, others: dict[str, Any], field: str, good: int) -> None:
    apply_move(_field_base(op), {"op": op, **others, field: good})


@pytest.mark.parametrize(("op", "others", "field", "good"), FIELD_CASES)
@pytest.mark.parametrize("bad", [True, False, 1.0, 0.0, "0", "1", None, [0], [1], {"v": 1}])
def test_field_wrong_type_rejected(op: str, others: dict[str, Any], field: str, good: int, bad: Any) -> None:
    # booleans are JSON true/false, never integers; floats, strings and containers are not either
    with pytest.raises(IllegalMove):
        apply_move(_field_base(op), {"op": op, **others, field: bad})


@pytest.mark.parametrize(("op", "others", "field", "good"), FIELD_CASES)
def test_field_missing_rejected(op: str, others: dict[str, Any], field: str, good: int) -> None:
    move = {"op": op, **others}
    move.pop(field, None)
    with pytest.raises(IllegalMove):
        apply_move(_field_base(op), move)


@pytest.mark.parametrize(
    ("before", "move", "after"),
    [
        (B(2, 1, -1), {"op": "cancel", "i": 0, "g": "junk", "k": None, "sign": 7, "note": [1, 2]}, B(2)),
        (B(4, 1, 3), {"op": "commute", "i": 0, "k": 5}, B(4, 3, 1)),
        (B(3, 1, 2, 1), {"op": "braid", "i": 0, "g": 9}, B(3, 2, 1, 2)),
        (B(3), {"op": "insert", "i": 0, "g": 1, "k": -4, "sign": "x"}, B(3, 1, -1)),
        (B(3, 1, 2), {"op": "rotate", "k": 1, "i": 99}, B(3, 2, 1)),
        (B(1), {"op": "stabilize", "sign": -1, "i": True}, B(2, -1)),
        (B(2, 1), {"op": "destabilize", "i": 1, "k": 0, "sign": "no"}, B(1)),
        (B(2, 1), {"op": "destabilize", "extra": {"deep": [1, 2, 3]}}, B(1)),
    ],
)
def test_extra_fields_ignored(before: Braid, move: dict[str, Any], after: Braid) -> None:
    assert apply_move(before, move) == after


# ---------------------------------------------------------------------------------------------
# Braid construction


@pytest.mark.parametrize(
    ("strands", "word"),
    [(1, []), (2, [1, -1]), (3, [2, -2, 1]), (5, [4, -4, 3, 2, 1])],
)
def test_braid_checked_accepts(strands: int, word: list[int]) -> None:
    b = Braid.checked(strands, word)
    assert b == Braid(strands, tuple(word))
    assert Braid.from_json({"strands": strands, "word": word}) == b
    assert b.to_json() == {"strands": strands, "word": word}


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        [2, [1]],
        {"strands": 2},
        {"word": [1]},
        {"strands": 2, "word": [1], "id": "x"},
        {"strands": 0, "word": []},
        {"strands": -1, "word": []},
        {"strands": True, "word": []},
        {"strands": 2.0, "word": [1]},
        {"strands": "2", "word": [1]},
        {"strands": 2, "word": [2]},
        {"strands": 2, "word": [-2]},
        {"strands": 2, "word": [0]},
        {"strands": 1, "word": [1]},
        {"strands": 3, "word": [1, True]},
        {"strands": 3, "word": [1.0]},
        {"strands": 3, "word": ["1"]},
        {"strands": 3, "word": [[1]]},
        {"strands": 3, "word": None},
        {"strands": 3, "word": "1 2"},
        {"strands": 3, "word": (1, 2)},
        {"strands": 3, "word": {"0": 1}},
    ],
)
def test_braid_from_json_rejects(data: Any) -> None:
    with pytest.raises(InvalidBraid):
        Braid.from_json(data)


def test_trivial_knot() -> None:
    assert B(1).is_trivial_knot
    assert not B(2).is_trivial_knot
    assert not B(2, 1).is_trivial_knot


# ---------------------------------------------------------------------------------------------
# verify: malformed certificates


NOT_DICTS = [None, [], [copy.deepcopy(VALID)], "certificate", json.dumps(VALID), 3, 2.5, True, b"{}"]


@pytest.mark.parametrize("value", NOT_DICTS, ids=[type(v).__name__ for v in NOT_DICTS])
def test_verify_not_a_dict(value: Any) -> None:
    assert_malformed(verify(value))


@pytest.mark.parametrize("field", ["format", "env", "claim", "instance", "moves"])
def test_verify_missing_top_level_field(field: str) -> None:
    c = copy.deepcopy(VALID)
    del c[field]
    assert_malformed(verify(c))


def test_verify_meta_is_optional() -> None:
    c = copy.deepcopy(VALID)
    del c["meta"]
    assert verify(c).valid is True


@pytest.mark.parametrize("field", ["extra", "id", "Format", "certificate", ""])
def test_verify_unknown_top_level_field(field: str) -> None:
    c = copy.deepcopy(VALID)
    c[field] = 1
    assert_malformed(verify(c))


def _set(path: tuple[Any, ...], value: Any, delete: bool = False) -> dict[str, Any]:
    c = copy.deepcopy(VALID)
    target = c
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return c


MALFORMED = {
    # envelope
    "format 2": _set(("format",), "rigorgym-certificate/2"),
    "format empty": _set(("format",), ""),
    "format none": _set(("format",), None),
    "format case": _set(("format",), FORMAT.upper()),
    "format list": _set(("format",), [FORMAT]),
    "env unknown": _set(("env",), "Foo-v0"),
    "env other known": _set(("env",), "Ribbon-v0"),
    "env lowercase": _set(("env",), "unknot-v0"),
    "env not string": _set(("env",), 1),
    "env none": _set(("env",), None),
    "claim unknown": _set(("claim",), "trivial"),
    "claim none": _set(("claim",), None),
    "claim list": _set(("claim",), ["unknot"]),
    "claim mismatch ribbon": _set(("claim",), "ribbon"),
    "claim mismatch homeomorphic": _set(("claim",), "homeomorphic"),
    "claim mismatch not_slice": _set(("claim",), "not_slice"),
    "instance list": _set(("instance",), [{"braid": {"strands": 2, "word": [1]}}]),
    "instance none": _set(("instance",), None),
    "instance string": _set(("instance",), "braid"),
    "moves dict": _set(("moves",), {"0": {"op": "destabilize"}}),
    "moves none": _set(("moves",), None),
    "moves string": _set(("moves",), "destabilize"),
    "moves single move": _set(("moves",), {"op": "destabilize"}),
    "meta list": _set(("meta",), []),
    "meta string": _set(("meta",), "ppo"),
    # instance
    "instance empty": _set(("instance",), {}),
    "instance extra key": _set(("instance", "name"), "3_1"),
    "instance id": _set(("instance", "id"), "abc"),
    "instance pd": _set(("instance",), {"pd": [[1, 2, 3, 4]]}),
    "braid missing": _set(("instance", "braid"), None, delete=True),
    "braid none": _set(("instance", "braid"), None),
    "braid list": _set(("instance", "braid"), [2, [1, -1, 1]]),
    "braid extra": _set(("instance", "braid", "name"), "x"),
    "strands missing": _set(("instance", "braid", "strands"), None, delete=True),
    "word missing": _set(("instance", "braid", "word"), None, delete=True),
    "strands 0": _set(("instance", "braid"), {"strands": 0, "word": []}),
    "strands negative": _set(("instance", "braid"), {"strands": -2, "word": []}),
    "strands bool": _set(("instance", "braid"), {"strands": True, "word": []}),
    "strands float": _set(("instance", "braid", "strands"), 2.0),
    "strands string": _set(("instance", "braid", "strands"), "2"),
    "strands none": _set(("instance", "braid", "strands"), None),
    "letter too big": _set(("instance", "braid", "word"), [1, 2]),
    "letter too small": _set(("instance", "braid", "word"), [-2, 1]),
    "letter zero": _set(("instance", "braid", "word"), [1, 0, 1]),
    "letter bool": _set(("instance", "braid", "word"), [True]),
    "letter false": _set(("instance", "braid", "word"), [1, False]),
    "letter float": _set(("instance", "braid", "word"), [1.0]),
    "letter string": _set(("instance", "braid", "word"), ["1"]),
    "letter none": _set(("instance", "braid", "word"), [None]),
    "letter list": _set(("instance", "braid", "word"), [[1]]),
    "word string": _set(("instance", "braid", "word"), "1 -1 1"),
    "word dict": _set(("instance", "braid", "word"), {"0": 1}),
    "word int": _set(("instance", "braid", "word"), 1),
    "word none": _set(("instance", "braid", "word"), None),
    "word tuple": _set(("instance", "braid", "word"), (1, -1, 1)),
    "one strand with letter": _set(("instance", "braid"), {"strands": 1, "word": [1]}),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_verify_malformed(name: str) -> None:
    assert_malformed(verify(MALFORMED[name]))


@pytest.mark.parametrize(
    ("bad_move", "index"),
    [
        (None, 0),
        (["cancel", 0], 0),
        ("destabilize", 0),
        (7, 0),
        ({}, 0),
        ({"op": "twist"}, 0),
        ({"op": "cancel"}, 0),
        ({"op": "cancel", "i": True}, 0),
        (None, 1),
        ({"op": "cancel", "i": 0}, 1),  # cancel on (2, [1]) after the first cancel: L < 2
        ({"op": "cancel", "i": "0"}, 1),
    ],
)
def test_verify_bad_move_is_invalid_not_a_crash(bad_move: Any, index: int) -> None:
    c = copy.deepcopy(VALID)
    moves = [{"op": "cancel", "i": 0}, {"op": "destabilize"}]
    moves.insert(index, bad_move)
    c["moves"] = moves
    v = verify(c)
    assert isinstance(v, Verdict)
    assert v.valid is False
    assert v.moves_checked == index
    assert v.malformed is False
    assert f"move {index}" in v.reason


def test_verify_legal_moves_not_reaching_unknot() -> None:
    v = verify(cert(2, [1, -1, 1], [{"op": "cancel", "i": 0}]))
    assert (v.valid, v.moves_checked, v.malformed) == (False, 1, False)
    v = verify(cert(2, [1, 1, 1], []))
    assert (v.valid, v.moves_checked, v.malformed) == (False, 0, False)
    v = verify(cert(3, [], []))  # an unlink of three circles
    assert (v.valid, v.moves_checked, v.malformed) == (False, 0, False)


def test_verify_does_not_mutate_certificate() -> None:
    c = copy.deepcopy(VALID)
    before = copy.deepcopy(c)
    verify(c)
    assert c == before


def test_verify_meta_is_never_trusted() -> None:
    c = copy.deepcopy(VALID)
    c["meta"] = {"valid": True, "agent": None, "anything": [1, {"x": 2}]}
    assert verify(c).valid is True
    bad = cert(2, [1, 1, 1], [{"op": "destabilize"}], meta={"valid": True})
    assert verify(bad).valid is False


DEPTH = 100_000


@pytest.mark.parametrize(
    "where",
    [
        ("format",),
        ("env",),
        ("claim",),
        ("instance",),
        ("meta",),
        ("instance", "braid"),
        ("instance", "braid", "word"),
        ("instance", "braid", "strands"),
    ],
)
def test_verify_deeply_nested_envelope_or_instance(where: tuple[str, ...]) -> None:
    c = _set(where, deep(DEPTH))
    assert_malformed(verify(c))


def test_verify_deeply_nested_letter() -> None:
    c = _set(("instance", "braid", "word"), [1, deep(DEPTH, 1), 1])
    assert_malformed(verify(c))


def test_verify_deeply_nested_dicts() -> None:
    x: Any = {}
    for _ in range(DEPTH):
        x = {"a": x}
    assert_malformed(verify(_set(("instance", "braid"), x)))
    assert_malformed(verify(x))
    c = copy.deepcopy(VALID)
    c["meta"] = x  # meta is never read: a deep meta does not spoil a valid certificate
    v = verify(c)
    assert isinstance(v, Verdict)
    assert v.valid is True


def test_verify_deeply_nested_ignored_move_field() -> None:
    c = copy.deepcopy(VALID)
    c["moves"][1]["note"] = deep(DEPTH)
    assert verify(c).valid is True


def test_verify_deeply_nested_whole_move() -> None:
    c = copy.deepcopy(VALID)
    c["moves"].insert(1, deep(DEPTH))
    v = verify(c)
    assert isinstance(v, Verdict)
    assert (v.valid, v.moves_checked) == (False, 1)


@pytest.mark.parametrize(
    "bad_move",
    [
        {"op": "cancel", "i": "DEEP"},
        {"op": "insert", "i": 0, "g": "DEEP"},
        {"op": "stabilize", "sign": "DEEP"},
        {"op": "DEEP"},
    ],
)
def test_verify_deeply_nested_move_field_is_an_illegal_move(bad_move: dict[str, Any]) -> None:
    """A move whose field is a deeply nested list is an illegal move like any other non-integer.

    ``moves_checked`` must count the legal move before it (docs/design.md §2.4), as it
    does for a shallow list (``test_verify_bad_move_is_invalid_not_a_crash``).
    """
    move = {k: (deep(DEPTH) if v == "DEEP" else v) for k, v in bad_move.items()}
    shallow = {k: ([0] if v == "DEEP" else v) for k, v in bad_move.items()}
    c = copy.deepcopy(VALID)
    c["moves"].insert(1, move)
    v = verify(c)
    assert isinstance(v, Verdict)
    assert v.valid is False
    c_shallow = copy.deepcopy(VALID)
    c_shallow["moves"].insert(1, shallow)
    v_shallow = verify(c_shallow)
    assert (v_shallow.valid, v_shallow.moves_checked, v_shallow.malformed) == (False, 1, False)
    assert (v.moves_checked, v.malformed) == (1, False), v


@pytest.mark.parametrize(
    "name",
    [
        "huge move position",
        "huge insert generator",
        "huge stabilize sign",
        "huge letter",
        "huge strands",
        "huge negative strands",
        "huge format",
        "huge claim",
        "non-string top-level key",
        "non-string key only",
    ],
)
def test_verify_never_raises_on_python_values(name: str) -> None:
    """``verify`` is documented to return a Verdict "whatever it is given" (certificate.py).

    Python callers (the leaderboard, agents) may pass values no JSON file holds
    with the default int limits: integers of more than 4300 digits, whose
    str() raises ValueError, and non-string keys.
    """
    huge = 10**5000
    c = copy.deepcopy(VALID)
    if name == "huge move position":
        c["moves"][0]["i"] = huge
    elif name == "huge insert generator":
        c["moves"].insert(0, {"op": "insert", "i": 0, "g": huge})
    elif name == "huge stabilize sign":
        c["moves"].insert(0, {"op": "stabilize", "sign": huge})
    elif name == "huge letter":
        c["instance"]["braid"]["word"] = [1, huge]
    elif name == "huge strands":
        c["instance"]["braid"]["strands"] = huge  # beyond max_strands: malformed
    elif name == "huge negative strands":
        c["instance"]["braid"]["strands"] = -huge
    elif name == "huge format":
        c["format"] = huge
    elif name == "huge claim":
        c["claim"] = huge
    elif name == "non-string top-level key":
        c[1] = "x"
    else:
        c = {1: "x"}
    try:
        v = verify(c)
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"verify raised {type(exc).__name__}: {str(exc)[:120]}")
    assert isinstance(v, Verdict)
    assert v.valid is False


# ---------------------------------------------------------------------------------------------
# resource limits


def test_limits_too_many_moves_is_malformed() -> None:
    moves = [{"op": "stabilize", "sign": 1}, {"op": "destabilize"}] * 2  # 4 legal moves
    c = cert(1, [], moves)
    assert verify(c).valid is True
    assert verify(c, Limits(max_moves=4)).valid is True
    assert_malformed(verify(c, Limits(max_moves=3)))
    assert_malformed(verify(cert(1, [], [{"op": "nonsense"}] * 4), Limits(max_moves=3)))


def test_limits_word_growing_past_max_length_is_invalid() -> None:
    inserts = [{"op": "insert", "i": 0, "g": 1}] * 3
    undo = [{"op": "cancel", "i": 0}] * 5 + [{"op": "destabilize"}]
    c = cert(2, [1, -1, 1, -1, 1], inserts + undo)  # length 5 -> 7 -> 9 -> 11, then down to (1, [])
    assert verify(c).valid is True
    assert verify(c, Limits(max_word_length=11)).valid is True
    for max_len, checked in [(10, 2), (9, 2), (8, 1), (7, 1), (6, 0), (5, 0)]:
        v = verify(c, Limits(max_word_length=max_len))
        assert (v.valid, v.malformed) == (False, False), (max_len, v)
        assert v.moves_checked == checked, (max_len, v)
    # an instance that is already too long is malformed
    assert_malformed(verify(c, Limits(max_word_length=4)))


def test_limits_strands_growing_past_max_strands_is_invalid() -> None:
    moves = [{"op": "stabilize", "sign": 1}] * 3 + [{"op": "destabilize"}] * 4
    c = cert(2, [1], moves)  # 2 -> 3 -> 4 -> 5 strands, then back to 1
    assert verify(c).valid is True
    assert verify(c, Limits(max_strands=5)).valid is True
    v = verify(c, Limits(max_strands=3))
    assert (v.valid, v.malformed, v.moves_checked) == (False, False, 1)
    v = verify(c, Limits(max_strands=2))
    assert (v.valid, v.malformed, v.moves_checked) == (False, False, 0)
    assert_malformed(verify(c, Limits(max_strands=1)))


def test_limits_default_accepts_moderate_input() -> None:
    moves = [{"op": "insert", "i": 0, "g": 1}] * 500 + [{"op": "cancel", "i": 0}] * 500 + [{"op": "destabilize"}]
    assert verify(cert(2, [1], moves)).valid is True


def test_verdict_to_json() -> None:
    v = verify(copy.deepcopy(VALID))
    assert v.to_json() == {"valid": True, "reason": v.reason, "moves_checked": 2, "malformed": False}
    json.dumps(verify(None).to_json())


# ---------------------------------------------------------------------------------------------
# read_certificates


def test_read_single_object(tmp_path: Any) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(VALID, indent=2))
    entries = read_certificates(str(path))
    assert len(entries) == 1
    assert entries[0].certificate == VALID
    assert entries[0].where == str(path)
    assert verify(entries[0].certificate).valid


def test_read_single_line(tmp_path: Any) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(VALID) + "\n")
    entries = read_certificates(str(path))
    assert [e.certificate for e in entries] == [VALID]


def test_read_jsonl(tmp_path: Any) -> None:
    bad = cert(2, [1, 1, 1], [{"op": "destabilize"}])
    path = tmp_path / "many.jsonl"
    path.write_text(json.dumps(VALID) + "\n\n" + json.dumps(bad) + "\n   \n" + json.dumps(VALID) + "\n")
    entries = read_certificates(str(path))
    assert [e.certificate for e in entries] == [VALID, bad, VALID]
    assert [e.where for e in entries] == [f"{path}:1", f"{path}:3", f"{path}:5"]
    assert [verify(e.certificate).valid for e in entries] == [True, False, True]


def test_read_jsonl_crlf(tmp_path: Any) -> None:
    path = tmp_path / "crlf.jsonl"
    path.write_bytes((json.dumps(VALID) + "\r\n" + json.dumps(VALID) + "\r\n").encode())
    assert [e.certificate for e in read_certificates(str(path))] == [VALID, VALID]


def test_read_jsonl_with_non_object_lines(tmp_path: Any) -> None:
    # valid JSON that is not a certificate is read, and verify calls it malformed
    path = tmp_path / "odd.jsonl"
    path.write_text('1\n[2]\n"x"\n')
    entries = read_certificates(str(path))
    assert [e.certificate for e in entries] == [1, [2], "x"]
    for e in entries:
        assert_malformed(verify(e.certificate))


@pytest.mark.parametrize("content", [b"", b"\n", b"   \n\t\n  "])
def test_read_empty_file(tmp_path: Any, content: bytes) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    assert read_certificates(str(path)) == []  # what `rigorgym solve` writes when it solves nothing


@pytest.mark.parametrize(
    "content",
    [
        "{not json}",
        json.dumps(VALID) + '\n{"format": \n' + json.dumps(VALID),
        json.dumps(VALID) + "\n" + json.dumps(VALID)[:-1] + "\n",
        json.dumps(VALID) + "\nNaN-ish garbage\n",
        "[" * 3 + "]",
    ],
)
def test_read_invalid_json(tmp_path: Any, content: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(UnreadableInput):
        read_certificates(str(path))


def test_read_invalid_json_line_names_the_line(tmp_path: Any) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(VALID) + "\n" + json.dumps(VALID) + "\n{oops\n")
    with pytest.raises(UnreadableInput, match=r":3"):
        read_certificates(str(path))


@pytest.mark.parametrize("content", [b"\xff\xfe{}", b'{"format": "\xe9"}', json.dumps(VALID).encode() + b"\n\x80\n"])
def test_read_non_utf8(tmp_path: Any, content: bytes) -> None:
    path = tmp_path / "latin.json"
    path.write_bytes(content)
    with pytest.raises(UnreadableInput):
        read_certificates(str(path))


def test_read_over_max_bytes(tmp_path: Any) -> None:
    path = tmp_path / "big.json"
    text = json.dumps(VALID)
    path.write_text(text)
    size = len(text.encode())
    assert len(read_certificates(str(path), max_bytes=size)) == 1
    with pytest.raises(UnreadableInput):
        read_certificates(str(path), max_bytes=size - 1)
    with pytest.raises(UnreadableInput):
        read_certificates(str(path), max_bytes=10)


def test_read_missing_file(tmp_path: Any) -> None:
    with pytest.raises(UnreadableInput):
        read_certificates(str(tmp_path / "nope.json"))


def test_read_directory(tmp_path: Any) -> None:
    with pytest.raises(UnreadableInput):
        read_certificates(str(tmp_path))


def test_read_deeply_nested(tmp_path: Any) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * DEPTH + "]" * DEPTH)
    with pytest.raises(UnreadableInput):
        read_certificates(str(path))


def test_read_huge_integer(tmp_path: Any) -> None:
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(VALID).replace('"i": 0', '"i": ' + "9" * 5000))
    with pytest.raises(UnreadableInput):
        read_certificates(str(path))


# ---------------------------------------------------------------------------------------------
# JSON Schema


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    s = schema()
    jsonschema.Draft202012Validator.check_schema(s)
    return jsonschema.Draft202012Validator(s)


def _scramble_certificates() -> list[dict[str, Any]]:
    out = []
    rng = np.random.default_rng(20240601)
    for strands, length, mix in [(2, 1, 0), (2, 5, 1), (3, 10, 2), (4, 15, 3), (5, 24, 2), (6, 41, 1), (7, 60, 4)]:
        gen = ScrambleGenerator(strands, length, mix)
        for _ in range(8):
            instance, forward = gen.scramble(rng)
            moves = invert_moves(0, forward)
            out.append(
                {
                    "format": FORMAT,
                    "env": "UnKnot-v0",
                    "claim": "unknot",
                    "instance": instance.to_instance(),
                    "moves": moves,
                    "meta": {"agent": "scramble", "seed": 20240601},
                }
            )
    return out


SCRAMBLES = _scramble_certificates()


def test_scramble_forward_moves_build_the_instance() -> None:
    rng = np.random.default_rng(7)
    for strands, length, mix in [(2, 3, 1), (3, 10, 2), (5, 30, 3)]:
        instance, forward = ScrambleGenerator(strands, length, mix).scramble(rng)
        b = Braid(1, ())
        for m in forward:
            b = apply_move(b, m)
        assert b == instance.braid


@pytest.mark.parametrize("index", range(len(SCRAMBLES)))
def test_scramble_certificate_is_valid_and_matches_schema(validator: Any, index: int) -> None:
    c = SCRAMBLES[index]
    v = verify(c)
    assert v.valid, v.reason
    assert v.moves_checked == len(c["moves"])
    errors = list(validator.iter_errors(c))
    assert not errors, [e.message for e in errors[:3]]


def test_contract_valid_certificates_match_schema(validator: Any) -> None:
    for case in contract_cases("braid_cases.jsonl"):
        if case["valid"]:
            errors = list(validator.iter_errors(case["certificate"]))
            assert not errors, (case["note"], [e.message for e in errors[:3]])


@pytest.mark.parametrize(
    "name",
    [
        "format 2",
        "env unknown",
        "claim mismatch ribbon",
        "instance id",
        "braid extra",
        "strands 0",
        "letter zero",
        "letter bool",
        "word string",
        "moves dict",
        "meta list",
    ],
)
def test_schema_rejects_malformed(validator: Any, name: str) -> None:
    assert not validator.is_valid(MALFORMED[name])


def test_schema_move_shapes(validator: Any) -> None:
    for move in [
        {"op": "cancel", "i": 0},
        {"op": "insert", "i": 2, "g": -3},
        {"op": "rotate", "k": 1},
        {"op": "stabilize", "sign": -1},
        {"op": "destabilize"},
        {"op": "braid", "i": 1, "note": "x"},
    ]:
        assert validator.is_valid(_set(("moves",), [move])), move
    for move in [
        {"op": "cancel"},
        {"op": "cancel", "i": True},
        {"op": "insert", "i": 0, "g": 0},
        {"op": "stabilize", "sign": 2},
        {"op": "twist"},
        "destabilize",
    ]:
        assert not validator.is_valid(_set(("moves",), [move])), move
