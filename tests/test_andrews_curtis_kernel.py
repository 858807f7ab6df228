"""The Andrews–Curtis kernel: exact move semantics, the claim, soundness on non-trivial groups, hostile input.

Independent invariants: the number of homomorphisms of the presented group to a small finite group (S3, A4)
is a group invariant, so every move must keep it, and a presentation of a group with more than one such
homomorphism can never be AC-trivialised; the determinant of the exponent-sum matrix (the abelianisation's
order) is kept up to sign.
"""

from __future__ import annotations

import itertools
import random
import time
from typing import Any

import pytest
from rigorgym.verifiers import verify
from rigorgym.verifiers.andrews_curtis import (
    SOURCE_MOVES,
    IllegalMove,
    Presentation,
    apply_move,
    cyclic_reduce,
    free_reduce,
    inverse,
    is_cyclically_reduced,
    replay,
    step,
)

X, Y = 1, 2


def cert(relators: Any, moves: list[Any], claim: str = "ac_trivial") -> dict[str, Any]:
    return {
        "format": "rigorgym-certificate/1",
        "env": "AndrewsCurtis-v0",
        "claim": claim,
        "instance": {"relators": relators},
        "moves": moves,
    }


def p(r0: list[int], r1: list[int]) -> Presentation:
    return Presentation.from_json([r0, r1], 10_000)


# -- finite groups for the invariants ---------------------------------------------------------------


def _compose(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(a[i] for i in b)  # first b, then a


def _invert(a: tuple[int, ...]) -> tuple[int, ...]:
    out = [0] * len(a)
    for i, j in enumerate(a):
        out[j] = i
    return tuple(out)


def _even(perm: tuple[int, ...]) -> bool:
    return sum(1 for i in range(len(perm)) for j in range(i) if perm[j] > perm[i]) % 2 == 0


S3 = list(itertools.permutations(range(3)))
A4 = [q for q in itertools.permutations(range(4)) if _even(q)]


def _value(word: tuple[int, ...], images: dict[int, tuple[int, ...]], n: int) -> tuple[int, ...]:
    out = tuple(range(n))
    for letter in word:
        g = images[abs(letter)]
        out = _compose(out, g if letter > 0 else _invert(g))
    return out


def homs(pres: Presentation, group: list[tuple[int, ...]]) -> int:
    """|Hom(<x, y | r0, r1>, group)|: pairs (a, b) on which both relators evaluate to the identity."""
    n = len(group[0])
    e = tuple(range(n))
    return sum(1 for a in group for b in group if all(_value(r, {X: a, Y: b}, n) == e for r in pres.relators))


def det(pres: Presentation) -> int:
    """The exponent-sum matrix's determinant (|det| is the order of the abelianisation, 0 if infinite)."""
    (a, b), (c, d) = ([sum(1 if g == s else -1 if g == -s else 0 for g in r) for s in (X, Y)] for r in pres.relators)
    return a * d - b * c


# -- exact semantics -------------------------------------------------------------------------------


def test_reductions() -> None:
    assert free_reduce((1, 2, -2, -1, 2)) == (2,)
    assert free_reduce((1, -1, 1, -1)) == ()
    assert cyclic_reduce((2, 1, 2, -1, -2)) == (2,)
    assert cyclic_reduce((-1, 2, 2, 1)) == (2, 2)
    assert cyclic_reduce((1, 2, -1)) == (2,)
    assert inverse((1, 2, -1, -2)) == (2, 1, -2, -1)
    assert is_cyclically_reduced((1, 2, -1, -2)) and not is_cyclically_reduced((1, 2, -1))
    assert not is_cyclically_reduced((1, -1)) and is_cyclically_reduced(())


def test_each_move_exactly() -> None:
    s = p([1, 2, -1, -2], [1, 1, 2])  # x y x^-1 y^-1, x x y: both cyclically reduced
    assert apply_move(s, {"op": "concat", "i": 0, "j": 1, "sign": 1}).relators == ((1, 2, -1, -2, 1, 1, 2), (1, 1, 2))
    # x y x^-1 y^-1 . y^-1 x^-1 x^-1: no cancellation at the junction; cyclic: x ... x^-1 stripped once
    assert apply_move(s, {"op": "concat", "i": 0, "j": 1, "sign": -1}).relators == ((2, -1, -2, -2, -1), (1, 1, 2))
    # x x y . y x y^-1 x^-1: free: x x y y x y^-1 x^-1, cyclic: strip x..x^-1 -> x y y x y^-1
    assert apply_move(s, {"op": "concat", "i": 1, "j": 0, "sign": -1}).relators == ((1, 2, -1, -2), (1, 2, 2, 1, -2))
    # conjugating a cyclically reduced word: a rotation when a letter cancels ...
    assert apply_move(s, {"op": "conjugate", "i": 1, "generator": 2}).relators == ((1, 2, -1, -2), (2, 1, 1))
    assert apply_move(s, {"op": "conjugate", "i": 0, "generator": -1}).relators == ((2, -1, -2, 1), (1, 1, 2))
    # ... and otherwise the same word back (g r g^-1 is cyclically reduced to r)
    assert apply_move(s, {"op": "conjugate", "i": 1, "generator": -2}).relators == s.relators
    assert apply_move(s, {"op": "invert", "i": 1}).relators == ((1, 2, -1, -2), (-2, -1, -1))
    assert apply_move(s, {"op": "swap"}).relators == ((1, 1, 2), (1, 2, -1, -2))


def test_source_moves_are_the_documented_twelve() -> None:
    r0, r1 = (1, 2, 2), (2, -1, 2)  # cyclically reduced, no cancellation with the conjugators below
    s = Presentation((r0, r1), True)
    expected = [
        (r0, free_reduce(r1 + r0)),
        (cyclic_reduce(r0 + inverse(r1)), r1),
        (r0, cyclic_reduce(r1 + inverse(r0))),
        (cyclic_reduce(r0 + r1), r1),
    ]
    assert [apply_move(s, m).relators for m in SOURCE_MOVES[:4]] == expected
    for move in SOURCE_MOVES[4:]:  # g r g^-1 then cyclic reduction
        i, g = move["i"], move["generator"]
        changed = cyclic_reduce((g, *s.relators[i], -g))
        assert apply_move(s, move).relators[i] == changed and apply_move(s, move).relators[1 - i] == s.relators[1 - i]
    assert len({(m["op"], m["i"], m.get("j"), m.get("sign"), m.get("generator")) for m in SOURCE_MOVES}) == 12


def test_junction_path_equals_reduction_from_scratch() -> None:
    """The replay's fast path (cancel at junctions) gives what free + cyclic reduction of the whole word gives."""
    rng = random.Random(3)
    moves = [*SOURCE_MOVES, {"op": "invert", "i": 0}, {"op": "invert", "i": 1}, {"op": "swap"}]
    for _ in range(3000):
        words = [cyclic_reduce(tuple(rng.choice((1, -1, 2, -2)) for _ in range(rng.randint(0, 12)))) for _ in "ab"]
        move = rng.choice(moves)
        assert step((words[0], words[1]), True, move) == step((words[0], words[1]), False, move)


def test_the_claim_needs_one_x_and_one_y() -> None:
    assert verify(cert([[1], [2]], [])).valid
    assert verify(cert([[-2], [-1]], [])).valid
    assert verify(cert([[2, 1, -2], [2]], [])).valid  # y x y^-1 is a conjugate of x
    for relators in ([[1], [1]], [[1], [-1]], [[1, 1], [2]], [[], [2]], [[1], []], [[1, 2], [2, 1]]):
        verdict = verify(cert(relators, []))
        assert not verdict.valid and not verdict.malformed, relators
    assert verify(cert([[1, 2], [2]], [{"op": "concat", "i": 0, "j": 1, "sign": -1}])).valid


# -- subtly wrong moves -----------------------------------------------------------------------------


def _mutated(rng: random.Random, move: dict[str, Any]) -> Any:
    """A move with one field broken the way a hostile or sloppy certificate would break it."""
    bad = dict(move)
    key = rng.choice(sorted(bad))
    choice = rng.random()
    if choice < 0.2:
        del bad[key]
    elif choice < 0.4:
        bad["extra"] = 0
    else:
        bad[key] = rng.choice([True, False, None, 2, -1, 3, 0, 1.0, "1", [1]])
    return bad


def test_replay_equals_step_after_step() -> None:
    """The certificate check's inlined loop gives what :func:`step` gives, move by move, refusals included."""
    rng = random.Random(11)
    pool = [*SOURCE_MOVES, {"op": "invert", "i": 0}, {"op": "invert", "i": 1}, {"op": "swap"}]
    outcomes: list[str] = []
    for trial in range(1500):
        words = [tuple(rng.choice((1, -1, 2, -2)) for _ in range(rng.randint(0, 10))) for _ in "ab"]
        start = (words[0], words[1])
        reduced = all(is_cyclically_reduced(w) for w in start)
        moves: list[Any] = [dict(rng.choice(pool)) for _ in range(rng.randint(0, 30))]
        if moves and trial % 3 == 0:
            moves[rng.randrange(len(moves))] = _mutated(rng, rng.choice(pool))
        max_length = rng.choice([8, 12, 10_000])
        state, flag, expected_done, expected_reason = start, reduced, len(moves), None
        for done, move in enumerate(moves):
            try:
                state = step(state, flag, move)
            except IllegalMove as exc:
                expected_done, expected_reason = done, str(exc)
                break
            flag = True
            if max(map(len, state)) > max_length:
                expected_done, expected_reason = done, f"a relator exceeds the limit of {max_length} letters"
                break
        relators, done, reason = replay(start, reduced, moves, max_length, 10**9)
        assert (done, reason) == (expected_done, expected_reason)
        if reason is None:
            assert relators == state
        outcomes.append("played" if reason is None else "limit" if "limit" in reason else "illegal")
    assert min(outcomes.count(kind) for kind in ("played", "limit", "illegal")) >= 100  # every branch exercised


@pytest.mark.parametrize(
    "move, words",
    [
        ({"op": "concat", "i": 0, "j": 0, "sign": 1}, "different relators"),  # r_i r_i is not an AC move
        ({"op": "concat", "i": 0, "j": 1, "sign": 0}, "sign"),
        ({"op": "concat", "i": 0, "j": 1, "sign": 2}, "sign"),
        ({"op": "concat", "i": True, "j": 1, "sign": 1}, "i must be"),
        ({"op": "concat", "i": 0, "j": 1, "sign": True}, "sign"),
        ({"op": "concat", "i": 0, "j": 1}, "exactly the fields"),
        ({"op": "concat", "i": 0, "j": 1, "sign": 1, "extra": 0}, "exactly the fields"),
        ({"op": "conjugate", "i": 0, "generator": 3}, "generator"),
        ({"op": "conjugate", "i": 0, "generator": 0}, "generator"),
        ({"op": "conjugate", "i": 0, "generator": 1.0}, "generator"),
        ({"op": "conjugate", "i": 2, "generator": 1}, "i must be"),
        ({"op": "conjugate", "i": 0}, "exactly the fields"),
        ({"op": "invert", "i": -1}, "i must be"),
        ({"op": "invert", "i": 7}, "i must be"),
        ({"op": "swap", "i": 0}, "exactly the fields"),
        ({"op": "rotate", "i": 0}, "op must be"),
        ({"op": "concat", "i": "0", "j": 1, "sign": 1}, "i must be"),
        (["concat", 0, 1, 1], "an object"),
    ],
)
def test_subtly_wrong_moves_are_rejected(move: Any, words: str) -> None:
    with pytest.raises(IllegalMove, match=words):
        apply_move(p([1, 2], [2]), move)
    verdict = verify(cert([[1, 2], [2]], [move, {"op": "concat", "i": 0, "j": 1, "sign": -1}]))
    assert not verdict.valid and verdict.moves_checked == 0 and words.split()[0] in verdict.reason


# -- invariants and soundness -----------------------------------------------------------------------


def _random_move(rng: random.Random) -> dict[str, Any]:
    kind = rng.random()
    if kind < 0.8:
        return dict(rng.choice(SOURCE_MOVES))
    return rng.choice([{"op": "invert", "i": rng.randint(0, 1)}, {"op": "swap"}])


def test_moves_keep_the_group_invariants() -> None:
    """Random play from presentations of several groups keeps |Hom(G, S3)|, |Hom(G, A4)| and |det|."""
    rng = random.Random(11)
    starts = [
        p([1, 1], [2, 2, 2]),
        p([1, 2, -1, -2], [1]),
        p([-1, 2, 1, -2, -2], [-1, 2]),
        p([1, 2, 1, -2, -1, -2], [1, 1, 1, -2, -2]),
    ]
    for start in starts:
        want = (homs(start, S3), homs(start, A4), abs(det(start)))
        state = start
        for _ in range(60):
            nxt = apply_move(state, _random_move(rng))
            if nxt.length <= 24:
                state = nxt
                assert (homs(state, S3), homs(state, A4), abs(det(state))) == want


NONTRIVIAL = [
    [[1, 1], [2, 2, 2]],  # Z2 * Z3
    [[1, 2, -1, -2], [1]],  # Z (y free)
    [[1, 1], [2]],  # Z2
    [[1, 1, 1], [1, 2, 1, 2]],  # <x, y | x^3, (xy)^2>: maps onto A4
    [[1, 1, 1], [1, 2, -1, -2]],  # Z3 x Z
    [
        [1, 2, 1, 2, 1, 2],
        [1, 1],
    ],  # <x, y | (xy)^3, x^2>: maps onto S3
]


def test_nontrivial_groups_are_never_certified() -> None:
    """Thousands of random and sloppy move lists claiming ac_trivial on presentations of non-trivial groups."""
    rng = random.Random(5)
    checked = 0
    for relators in NONTRIVIAL:
        start = p(*relators)
        assert homs(start, S3) > 1 or homs(start, A4) > 1  # the group is not trivial: no certificate may exist
        for _ in range(400):
            moves: list[Any] = []
            state = start
            for _ in range(rng.randint(1, 40)):
                move = _random_move(rng)
                if rng.random() < 0.2:  # sloppy: a wrong field value
                    key = rng.choice(sorted(move))
                    move[key] = rng.choice([0, 1, -1, 2, -2, 3, True, "x", None])
                moves.append(move)
                try:
                    nxt = apply_move(state, move)
                    state = nxt if nxt.length <= 40 else state
                except IllegalMove:
                    pass
            assert not verify(cert(relators, moves)).valid
            checked += 1
    assert checked >= 2000


# -- hostile input ----------------------------------------------------------------------------------


def test_hostile_input_gets_one_clear_verdict_fast() -> None:
    start = time.perf_counter()
    huge = verify(cert([[1] * 10**6, [2]], []))
    assert huge.malformed and "over the limit" in huge.reason
    three = verify(cert([[1, 3], [2]], []))
    assert three.malformed and "two generators" in three.reason
    assert verify(cert([[1], [2], [1]], [])).malformed
    assert verify(cert([[1, True], [2]], [])).malformed
    assert verify(cert([[1.0], [2]], [])).malformed
    assert verify(cert("x y", [])).malformed
    assert verify({**cert([[1], [2]], []), "instance": {"relators": [[1], [2]], "pd": []}}).malformed
    assert verify(cert([[1], [2]], [], claim="unknot")).malformed
    seven = verify(cert([[1, 2], [2]], [{"op": "invert", "i": 7}]))
    assert not seven.valid and "i must be 0 or 1" in seven.reason
    # doubling a relator 20 times passes the length limit quickly: rejected, not computed for minutes
    doubling = [{"op": "concat", "i": 0, "j": 1, "sign": 1}, {"op": "concat", "i": 1, "j": 0, "sign": 1}] * 40
    grown = verify(cert([[1, 2], [2, 1, 1]], doubling))
    assert not grown.valid and "exceeds" in grown.reason
    assert time.perf_counter() - start < 5


def test_the_schema_describes_the_game() -> None:
    import jsonschema
    from rigorgym.verifiers import schema

    check = jsonschema.Draft202012Validator(schema())
    good = cert([[-1, 2, 1, -2, -2], [-1, 2]], [{"op": "concat", "i": 0, "j": 1, "sign": -1}, {"op": "swap"}])
    assert check.is_valid(good)
    assert not check.is_valid(cert([[1, 3], [2]], []))
    assert not check.is_valid(cert([[1], [2]], [{"op": "conjugate", "i": 0, "generator": 5}]))
    assert not check.is_valid(cert([[1], [2]], [], claim="unknot"))
