"""The compiled Reidemeister kernel (verifiers/pd_fast.py) against the plain one (pd.py, reidemeister.py).

The fast path may only ever accept what the plain kernel accepts: every move of random and sloppy play
gives the same legality and the same canonical diagram, the env's mask and decoding are the layout's,
and ``verify`` gives the same verdict with and without the fast path.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
import spherogram
from rigorgym.envs.unknot_diagram.actions import ActionLayout
from rigorgym.envs.unknot_diagram.generator import ScrambledUnknotGenerator
from rigorgym.verifiers import certificate, pd_fast, verify
from rigorgym.verifiers.pd import PD
from rigorgym.verifiers.reidemeister import IllegalMove, apply_move, legal_moves

from tests.test_pd_kernel import TREFOIL, cert, greedy_unknot, knotted_diagrams, subtly_wrong


def same_state(buffers: pd_fast.Buffers, d: PD) -> bool:
    n = d.size
    return (
        int(buffers.meta[0]) == n
        and int(buffers.meta[1]) == d.loops
        and buffers.flat[: 4 * n].tolist() == list(d.labels)
        and buffers.out[: 4 * n].tolist() == [int(x) for x in d.out]
        and buffers.other[: 4 * n].tolist() == list(d.other)
        and buffers.tails[1 : 2 * n + 1].tolist() == list(d.tails[1:])
    )


def fast_apply(buffers: pd_fast.Buffers, move: dict[str, Any]) -> int:
    rows = pd_fast.encode([move])
    if rows is None:
        return -1
    return int(pd_fast.apply(*buffers.args(), *(int(x) for x in rows[0])))


def load(d: PD, cap: int = 40) -> pd_fast.Buffers:
    buffers = pd_fast.Buffers(cap)
    buffers.load(d.labels, [int(x) for x in d.out], d.loops)
    return buffers


@pytest.mark.parametrize("seed", range(2))
def test_every_move_of_sloppy_play_agrees(seed: int) -> None:
    """Legal moves and near misses of them: same legality, same canonical diagram after each."""
    rng = random.Random(seed)
    pds = [TREFOIL, spherogram.Link("K6a1").PD_code(), spherogram.Link("L7n1").PD_code(), *knotted_diagrams()[3:5]]
    checked = 0
    for pd in pds:
        d = PD.from_pd(pd)
        buffers = load(d, 80)
        for _ in range(60):
            legal = legal_moves(d)
            move = rng.choice([m for m in legal if m["op"] != "r1_add"] or legal)
            if rng.random() < 0.4:
                move = subtly_wrong(d, move, rng)
            try:
                after = apply_move(d, move)
            except IllegalMove:
                after = None
            if after is not None and after.size + 2 > buffers.cap:
                continue
            status = fast_apply(buffers, move)
            assert (status == pd_fast.OK) == (after is not None), (move, status)
            if after is not None:
                d = after
            assert same_state(buffers, d), move
            checked += 1
    assert checked >= 200


def test_mask_and_decoding_are_the_layouts() -> None:
    rng = np.random.default_rng(3)
    layout = ActionLayout(16, 3)
    mask, move = np.zeros(layout.size, bool), np.zeros(5, np.int64)
    for _ in range(12):
        d = ScrambledUnknotGenerator(8, 10)(rng).diagram()
        buffers = load(d, 18)
        for _ in range(40):
            pd_fast.fill_mask(buffers.flat, buffers.out, buffers.other, d.size, 16, 3, mask, buffers.scratch, -1)
            assert np.array_equal(mask, layout.mask(d))
            for a in rng.integers(0, layout.size, 20).tolist() + [int(rng.choice(np.flatnonzero(mask)))]:
                ok = pd_fast.decode(buffers.flat, buffers.out, buffers.other, buffers.tails, d.size, 16, 3, a, move)
                expected = layout.decode(a, d)
                assert (pd_fast.to_json(move) if ok else None) == expected
            a = int(rng.choice(np.flatnonzero(mask)))
            chosen = layout.decode(a, d)
            assert chosen is not None
            d = apply_move(d, chosen)
            assert fast_apply(buffers, chosen) == pd_fast.OK and same_state(buffers, d)


def test_encode_refuses_what_the_plain_kernel_refuses_before_looking() -> None:
    good = {"op": "r2_add", "over": 1, "over_side": "left", "under": 2, "under_side": "right"}
    rows = pd_fast.encode([good, {"op": "r1_add", "edge": 3, "side": "right", "first": "under"}])
    assert rows is not None and rows.tolist() == [[3, 1, 0, 2, 1], [1, 3, 1, 1, 0]]
    for bad in (
        {"op": "r1_remove", "crossing": True},
        {"op": "r1_remove", "crossing": 0, "extra": 1},
        {"op": "r1_remove"},
        {"op": "r3", "edge": 1.0, "side": "left"},
        {"op": "r3", "edge": 1, "side": "up"},
        {"op": "r1_add", "edge": 1, "side": "left", "first": "sideways"},
        {"op": "r2_remove", "edge": 2**70, "side": "left"},
        {"op": "twist"},
        {"op": ["r3"], "edge": 1, "side": "left"},
        "r1_remove",
    ):
        assert pd_fast.encode([good, bad]) is None, bad


def plain_verdict(c: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as m:
        m.setattr(certificate, "_fast_unknot_replay", lambda *args: None)
        return verify(c)


def test_verify_agrees_with_the_plain_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    """Valid certificates, and the same cut, extended and perturbed: one verdict either way."""
    rng = random.Random(11)
    gen, nrng = ScrambledUnknotGenerator(10, 20), np.random.default_rng(11)
    accepted = 0
    for _ in range(25):
        instance = gen(nrng)
        moves = greedy_unknot(instance.diagram(), rng)
        if moves is None:
            continue
        pd = [list(c) for c in instance.pd]
        variants = [moves, moves[:-1], [*moves, {"op": "r1_add", "edge": 1, "side": "left", "first": "over"}]]
        for _ in range(4):
            wrong = list(moves)
            k = rng.randrange(len(wrong))
            d = PD.from_pd(pd)
            for m in wrong[:k]:
                d = apply_move(d, m)
            wrong[k] = subtly_wrong(d, wrong[k], rng)
            variants.append(wrong)
        for v in variants:
            c = cert(pd, v)
            fast = verify(c)
            assert fast == plain_verdict(c, monkeypatch)  # the same verdict, reason and move index
            accepted += fast.valid
    assert accepted >= 20


def test_limits_stop_the_fast_replay_as_the_plain_one(monkeypatch: pytest.MonkeyPatch) -> None:
    d = PD.from_pd([[1, 1, 2, 2]])
    grow = [{"op": "r1_add", "edge": 1, "side": "left", "first": "over"}] * 30
    rows = pd_fast.encode(grow)
    assert rows is not None
    buffers = load(d, 50)
    status, done = pd_fast.replay(rows, *buffers.args(), 10**9, 20)
    assert status == pd_fast.FULL and done == 19  # the 20th addition leaves 21 crossings
    buffers = load(d, 50)
    status, done = pd_fast.replay(rows, *buffers.args(), 50, 400)
    assert status == pd_fast.WORK and done < 30
    for limits in (certificate.Limits(max_crossings=20), certificate.Limits(max_reidemeister_work=50)):
        c = cert([[1, 1, 2, 2]], grow)
        fast = verify(c, limits)
        with monkeypatch.context() as m:
            m.setattr(certificate, "_fast_unknot_replay", lambda *args: None)
            assert fast == verify(c, limits) and not fast.valid
