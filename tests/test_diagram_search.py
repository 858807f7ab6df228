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
