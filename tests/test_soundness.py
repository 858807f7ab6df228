"""Soundness: no certificate proves that a nontrivial knot is the unknot.

For knots given as braids by SnapPy (``knot_instance``), thousands of random
move lists (legal moves that grow and shrink the braid, destabilizations when
legal, random garbage moves, and "sloppy" reductions that reach the trivial
braid only by breaking one precondition of docs/design.md §2.1) are offered to the
kernel as ``unknot`` certificates; every one must be rejected. The greedy
search must not find a path either.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from rigorgym.agents.greedy import best_first
from rigorgym.envs.unknot import ScrambleGenerator, knot_instance
from rigorgym.envs.unknot.generator import invert_moves
from rigorgym.verifiers import FORMAT, verify
from rigorgym.verifiers.braid import Braid, IllegalMove, apply_move

KNOTS = ["3_1", "4_1", "5_1", "5_2", "6_1", "6_2", "6_3", "7_1", "7_4", "8_19", "8_20"]
RANDOM_PER_KNOT = 480  # 11 knots: 5,280 random move lists
SLOPPY_PER_KNOT = 60  # and 660 sloppy reductions
MAX_LENGTH = 30
MAX_STRANDS = 6

STATS: Counter[str] = Counter()


def certificate(instance: Braid, moves: list[Any]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "env": "UnKnot-v0",
        "claim": "unknot",
        "instance": {"braid": instance.to_json()},
        "moves": moves,
        "meta": {"agent": "soundness-test"},
    }


# ---------------------------------------------------------------------------------------------
# random legal moves, chosen quickly (one scan of the word per step)


def _legal_by_op(n: int, w: list[int], rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    L = len(w)
    out: dict[str, list[dict[str, Any]]] = {}
    if L >= 2:
        cancel, commute, braid = [], [], []
        for i in range(L):
            a, b = w[i], w[(i + 1) % L]
            if a == -b:
                cancel.append(i)
            elif abs(abs(a) - abs(b)) >= 2:
                commute.append(i)
            elif L >= 3 and a == w[(i + 2) % L] and (a > 0) == (b > 0) and abs(abs(a) - abs(b)) == 1:
                braid.append(i)
        if cancel:
            out["cancel"] = [{"op": "cancel", "i": i} for i in cancel]
        if commute:
            out["commute"] = [{"op": "commute", "i": i} for i in commute]
        if braid:
            out["braid"] = [{"op": "braid", "i": i} for i in braid]
        out["rotate"] = [{"op": "rotate", "k": rng.randrange(1, L)}]
    if n >= 2 and L + 2 <= MAX_LENGTH:
        g = rng.randrange(1, n) * rng.choice((1, -1))
        out["insert"] = [{"op": "insert", "i": rng.randrange(L + 1), "g": g}]
    if n < MAX_STRANDS and L + 1 <= MAX_LENGTH:
        out["stabilize"] = [{"op": "stabilize", "sign": rng.choice((1, -1))}]
    if n >= 2 and L and abs(w[-1]) == n - 1 and all(abs(x) != n - 1 for x in w[:-1]):
        out["destabilize"] = [{"op": "destabilize"}]
    top = [p for p, x in enumerate(w) if abs(x) == n - 1]
    if n >= 2 and len(top) == 1 and top[0] != L - 1:
        # bring the only top letter to the end, so that a destabilization follows
        out.setdefault("rotate", []).append({"op": "rotate", "k": (top[0] + 1) % L})
    return out


#: Weights that favour shrinking moves, so the lists reach small braids and destabilize.
WEIGHTS = {"cancel": 6, "destabilize": 8, "braid": 3, "commute": 2, "rotate": 2, "insert": 1.5, "stabilize": 0.7}


def garbage_move(rng: random.Random, n: int, L: int) -> Any:
    """A random move dict, usually illegal: fields out of range, wrong types, unknown ops."""
    r = rng.random()
    if r < 0.05:
        return rng.choice([None, [], "destabilize", 0, {"i": 0}])
    op = rng.choice(["cancel", "commute", "braid", "insert", "rotate", "stabilize", "destabilize", "twist", "unknot"])
    move: dict[str, Any] = {"op": op}

    def value() -> Any:
        return rng.choice([rng.randrange(-2, L + 3), rng.randrange(-2, L + 3), True, False, 1.0, "1", None, [0]])

    for name in ("i", "g", "k", "sign"):
        if rng.random() < 0.7:
            move[name] = value()
    if op == "insert" and rng.random() < 0.5:
        move["g"] = rng.choice([0, n, -n, n + 1])
    if op == "stabilize" and rng.random() < 0.5:
        move["sign"] = rng.choice([0, 2, -2, True])
    return move


def random_move_list(rng: random.Random, start: Braid, steps: int, garbage_rate: float) -> tuple[list[Any], bool]:
    """Random moves from ``start``; returns the moves and whether all of them are legal."""
    state = start
    moves: list[Any] = []
    all_legal = True
    for _ in range(steps):
        if rng.random() < garbage_rate:
            move = garbage_move(rng, state.strands, len(state.word))
            try:
                state = apply_move(state, move)
            except IllegalMove:
                all_legal = False
            moves.append(move)
            continue
        options = _legal_by_op(state.strands, list(state.word), rng)
        ops = sorted(options)
        op = rng.choices(ops, [WEIGHTS[o] for o in ops])[0]
        move = rng.choice(options[op])
        state = apply_move(state, move)  # legal by construction: IllegalMove here is a test failure
        STATS[op] += 1
        moves.append(move)
    return moves, all_legal


# ---------------------------------------------------------------------------------------------
# sloppy reductions: each reaches (1, []) by ignoring one precondition somewhere


def sloppy_reduction(rng: random.Random, start: Braid) -> list[dict[str, Any]]:
    """Moves that reach the trivial braid if the kernel checked preconditions loosely.

    The sloppy rules: cancel two neighbours of equal |x| (any signs), commute or
    "braid" any neighbours, destabilize whenever the last letter is ±(n-1) (even
    with others), or drop a strand no letter touches.
    """
    n, w = start.strands, list(start.word)
    moves: list[dict[str, Any]] = []
    for _ in range(400):
        if n == 1 and not w:
            return moves
        L = len(w)
        choices: list[tuple[str, Any]] = []
        if L >= 2:
            for i in range(L):
                if abs(w[i]) == abs(w[(i + 1) % L]):
                    choices.append(("cancel", i))
        if n >= 2 and (not w or abs(w[-1]) == n - 1 or all(abs(x) != n - 1 for x in w)):
            choices.append(("destabilize", None))
        if n >= 2 and L >= 2 and any(abs(x) == n - 1 for x in w) and abs(w[-1]) != n - 1:
            k = max(p for p, x in enumerate(w) if abs(x) == n - 1) + 1
            choices.append(("rotate", k % L))
        if L >= 2:
            choices.append(("commute", rng.randrange(L)))
        kind, arg = rng.choice(choices) if rng.random() < 0.8 or len(choices) == 1 else rng.choice(choices[:1])
        if kind == "cancel":
            i = arg
            j = (i + 1) % L
            w = [x for p, x in enumerate(w) if p not in (i, j)]
            moves.append({"op": "cancel", "i": i})
        elif kind == "destabilize":
            if w and abs(w[-1]) == n - 1:
                w = w[:-1]
            w = [x for x in w if abs(x) != n - 1]  # sloppy: forget the other top letters too
            n -= 1
            moves.append({"op": "destabilize"})
        elif kind == "rotate":
            w = w[arg:] + w[:arg]
            moves.append({"op": "rotate", "k": arg})
        else:
            i = arg
            j = (i + 1) % L
            w[i], w[j] = w[j], w[i]
            moves.append({"op": "commute", "i": i})
    raise AssertionError("the sloppy reduction did not finish")


# ---------------------------------------------------------------------------------------------
# the tests


@pytest.fixture(scope="module")
def knots() -> dict[str, Braid]:
    return {name: knot_instance(name=name).braid for name in KNOTS}


@pytest.mark.parametrize("name", KNOTS)
def test_random_move_lists_never_certify_a_knot(knots: dict[str, Braid], name: str) -> None:
    start = knots[name]
    rng = random.Random(f"soundness-{name}")
    legal_lists = 0
    for k in range(RANDOM_PER_KNOT):
        garbage_rate = (0.0, 0.0, 0.02, 0.1, 0.3)[k % 5]
        steps = rng.randrange(0, 80)
        moves, all_legal = random_move_list(rng, start, steps, garbage_rate)
        cert = certificate(start, moves)
        v = verify(cert)
        assert v.valid is False, (name, moves, v.reason)
        assert v.malformed is False
        if all_legal:
            legal_lists += 1
            # every move was legal: the kernel replays them all and ends on a nontrivial braid
            assert v.moves_checked == len(moves), (name, moves, v.reason)
        else:
            assert v.moves_checked < len(moves)
        STATS["certificates"] += 1
    assert legal_lists >= RANDOM_PER_KNOT // 3


@pytest.mark.parametrize("name", KNOTS)
def test_sloppy_reductions_are_rejected(knots: dict[str, Braid], name: str) -> None:
    start = knots[name]
    rng = random.Random(f"sloppy-{name}")
    for _ in range(SLOPPY_PER_KNOT):
        prefix, _ = random_move_list(rng, start, rng.randrange(0, 20), 0.0)
        state = start
        for m in prefix:
            state = apply_move(state, m)
        moves = prefix + sloppy_reduction(rng, state)
        v = verify(certificate(start, moves))
        assert v.valid is False, (name, moves)
        assert len(prefix) <= v.moves_checked < len(moves)
        STATS["certificates"] += 1


def test_enough_certificates_and_destabilizations() -> None:
    # runs after the parametrized tests above (file order); guards the size of the search
    if STATS["certificates"] < 5_000:
        pytest.skip("run together with the random move list tests")
    assert STATS["destabilize"] > 500
    assert STATS["cancel"] > 1_000
    assert STATS["braid"] > 100 and STATS["commute"] > 100
    assert STATS["insert"] > 100 and STATS["stabilize"] > 100


def test_sloppy_reduction_is_a_real_attack() -> None:
    """The sloppy reductions finish, and the kernel rejects them on the trefoil."""
    for seed in range(20):
        trefoil = Braid(2, (-1, -1, -1))
        moves = sloppy_reduction(random.Random(seed), trefoil)
        assert moves  # it reaches (1, []) under the sloppy rules, through some illegal step
        v = verify(certificate(trefoil, moves))
        assert v.valid is False and v.moves_checked < len(moves)
        unknot = Braid(3, (1, -1, 2))  # here the same kind of reduction can be legal
        v = verify(certificate(unknot, sloppy_reduction(random.Random(seed), unknot)))
        assert v.malformed is False


@pytest.mark.parametrize("name", KNOTS)
def test_greedy_search_finds_no_path(knots: dict[str, Braid], name: str) -> None:
    assert best_first(knots[name], budget_s=0.2) is None


def test_greedy_search_does_find_paths_for_unknots() -> None:
    """The None above is meaningful: the same search solves small scrambled unknots, with valid paths."""
    import numpy as np

    rng = np.random.default_rng(3)
    solved = 0
    for _ in range(6):
        instance, forward = ScrambleGenerator(3, 8, 1).scramble(rng)
        assert verify(certificate(instance.braid, invert_moves(0, forward))).valid
        path = best_first(instance.braid, budget_s=0.2)
        if path is not None:
            solved += 1
            assert verify(certificate(instance.braid, path)).valid
    assert solved >= 3
