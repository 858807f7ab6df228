"""``diagram-search`` and the strand pickup compiled into Reidemeister moves (``agents/strand_pickup.py``)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import knot_floer_homology
import numpy as np
import pytest
import spherogram
from rigorgym.agents.base import Budget
from rigorgym.agents.diagram_search import DiagramSearch, Tape
from rigorgym.agents.strand_pickup import OVER, UNDER, Rest, reroute, strands
from rigorgym.envs.suites import load_suite
from rigorgym.envs.unknot_diagram import DiagramInstance, ScrambledUnknotGenerator
from rigorgym.verifiers import verify
from rigorgym.verifiers.pd import PD
from rigorgym.verifiers.reidemeister import apply_move

HARD = Path(__file__).resolve().parents[1] / "envs" / "suites" / "data" / "sources" / "hard_unknots_50.jsonl"


def hfk_rank(pd: list[list[int]]) -> int:
    link = spherogram.Link(pd)
    link.simplify("basic")
    return 1 if not link.crossings else int(knot_floer_homology.pd_to_hfk(link.PD_code())["total_rank"])


def test_reroutes_reach_the_shorter_route_by_legal_moves() -> None:
    state = random.getstate()
    random.seed(3)
    try:
        links = [
            spherogram.random_link(30, num_components=1, simplify=None, initial_map_gives_link=True) for _ in range(12)
        ]
    finally:
        random.setstate(state)
    done = 0
    for link in links:
        tape = Tape(PD.from_pd(link.PD_code()))
        tape.basic()
        rank = hfk_rank(tape.d.to_json())
        for kind in (OVER, UNDER):
            for strand in strands(tape.d, kind):
                path = Rest(tape.d, strand).shortest(tape.d)
                if path is None or len(path) >= strand.length:
                    continue
                start, before = tape.d, len(tape.moves)
                assert reroute(tape, strand)
                assert tape.d.size <= start.size - strand.length + len(path)
                replay = start
                for move in tape.moves[before:]:
                    replay = apply_move(replay, move)
                assert replay == tape.d
                assert hfk_rank(tape.d.to_json()) == rank
                done += 1
                break
    assert done >= 5


def test_knotted_diagrams_get_the_alexander_certificate() -> None:
    trefoil = DiagramInstance(((1, 5, 2, 4), (3, 1, 4, 6), (5, 3, 6, 2)))
    result = DiagramSearch().solve(None, trefoil, Budget(5), 0)
    assert result.certificate is not None and result.certificate["claim"] == "knotted"
    assert verify(result.certificate).valid


def test_scrambled_unknots_are_untangled_and_verified() -> None:
    gen = ScrambledUnknotGenerator(16, 40)
    rng = np.random.default_rng(0)
    for k in range(4):
        result = DiagramSearch().solve(None, gen(rng), Budget(20), k)
        assert result.certificate is not None and verify(result.certificate).valid


@pytest.mark.parametrize("row", [15, 21])
def test_hard_unknots_fall_with_fixed_steps_and_replay(row: int) -> None:
    data = next(json.loads(line) for line in HARD.read_text().splitlines() if json.loads(line)["row"] == row)
    instance = DiagramInstance(tuple(tuple(x) for x in data["pd"]), id=f"unknot-diagram-hard/{row:03d}")
    budget = Budget(60, max_steps=20_000)
    first = DiagramSearch().solve(None, instance, budget, 0)
    assert first.certificate is not None
    verdict = verify(first.certificate)
    assert verdict.valid, verdict.reason
    again = DiagramSearch().solve(None, instance, budget, 0)
    assert again.certificate is not None and again.certificate["moves"] == first.certificate["moves"]


def unknot_43() -> DiagramInstance:
    raw = next(x for x in load_suite("unknot-diagram-classic").instances if x["name"] == "unknot_43")
    return DiagramInstance.from_instance(raw)


def test_winding_reroutes_are_compiled_with_a_kink() -> None:
    # unknot_43's short routes all wind around an end of their strand: none lies beside it
    tape = Tape(unknot_43().diagram())
    tape.basic()
    done = 0
    for kind in (OVER, UNDER):
        for strand in strands(tape.d, kind):
            rest = Rest(tape.d, strand)
            path = rest.shortest(tape.d)
            distance = rest.free_distance(tape.d)
            assert distance is not None
            if distance >= strand.length:
                continue
            assert path is not None and len(path) >= strand.length
            trial = tape.copy()
            assert reroute(trial, strand)
            assert trial.d.size <= tape.d.size - strand.length + distance
            assert any(m["op"] == "r1_add" for m in trial.moves[len(tape.moves) :])
            replay = tape.d
            for move in trial.moves[len(tape.moves) :]:
                replay = apply_move(replay, move)
            assert replay == trial.d  # the kernel accepts every move (HFK is too slow on unknot_43 to check)
            done += 1
    assert done >= 3


def test_unknot_43_is_untangled_and_verified() -> None:
    result = DiagramSearch().solve(None, unknot_43(), Budget(30, max_steps=20_000), 0)
    assert result.certificate is not None
    verdict = verify(result.certificate)
    assert verdict.valid and result.certificate["claim"] == "unknot", verdict.reason
