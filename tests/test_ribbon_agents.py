"""The Ribbon-v0 solvers: slice obstructions first, then kernel-verified ribbon certificates, or nothing."""

from __future__ import annotations

import time

import pytest
from rigorgym.agents import AGENTS, make_agent
from rigorgym.agents.bo_walker import BoWalker, load_params
from rigorgym.agents.registry import agent_supports
from rigorgym.agents.ribbon_search import FEATURES
from rigorgym.agents.slice_obstruction import find_obstruction
from rigorgym.envs.ribbon import KnotInstance
from rigorgym.envs.suites import load_suite
from rigorgym.verifiers import verify
from rigorgym.verifiers.slice_obstructions import check_obstruction

SOLVERS = ("best-first", "bo-walker")


def knot(name: str) -> KnotInstance:
    return KnotInstance.from_name(name)


@pytest.mark.parametrize(("name", "invariant"), [("3_1", "signature"), ("4_1", "determinant")])
def test_obstruction_found(name: str, invariant: str) -> None:
    diagram = knot(name).diagram()
    move = find_obstruction(diagram)
    assert move == {"op": "invariant", "name": invariant}
    assert "!= 0" in check_obstruction(diagram, move) or "not a square" in check_obstruction(diagram, move)


def test_levine_tristram_obstruction() -> None:
    """A knot with signature 0 and a square determinant that a Levine-Tristram signature obstructs."""
    raw = next(x for x in load_suite("notslice-knotinfo-12").instances if x["name"] == "11n_143")
    inst = KnotInstance.from_instance(raw)
    move = find_obstruction(inst.diagram())
    assert move == {"op": "invariant", "name": "levine_tristram", "q": 4, "j": 1}
    assert check_obstruction(inst.diagram(), move)


@pytest.mark.parametrize("name", ["6_1", "8_20", "K12n553"])
def test_no_obstruction_for_slice_knots(name: str) -> None:
    assert find_obstruction(knot(name).diagram()) is None


def test_registered() -> None:
    for name in SOLVERS:
        assert name in AGENTS
        assert make_agent(name).name == name
        assert agent_supports(name, "Ribbon-v0") and not agent_supports(name, "UnKnot-v0")


def test_shipped_weights() -> None:
    params = load_params()
    assert set(params["weights"]) == set(FEATURES)
    card = params.get("card", {})
    assert card.get("training_knots"), "the weights file carries a card naming its training knots"
    assert not any(k.startswith("12") or k.startswith("13") for k in card["training_knots"])
    assert BoWalker().walk_steps == int(params["walk_steps"])


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name", ["6_1", "8_20"])
def test_ribbon_certificate(solver: str, name: str) -> None:
    inst = knot(name)
    result = make_agent(solver).solve(None, inst, 30.0, 0)
    cert = result.certificate
    assert cert is not None, result.extra
    verdict = verify(cert)
    assert verdict.valid, verdict.reason
    assert cert["claim"] == "ribbon" and cert["env"] == "Ribbon-v0"
    assert cert["instance"] == inst.to_instance()
    assert cert["meta"]["agent"] == solver
    assert {m["op"] for m in cert["moves"]} <= {"band", "simplify"}
    assert sum(m["op"] == "band" for m in cert["moves"]) == 1


@pytest.mark.parametrize("solver", SOLVERS)
def test_not_slice_certificate(solver: str) -> None:
    raw = {"id": "t/0", "pd": [list(x) for x in knot("3_1").pd], "name": "3_1"}
    result = make_agent(solver).solve(None, raw, 5.0, 0)
    cert = result.certificate
    assert cert is not None and verify(cert).valid
    assert cert["claim"] == "not_slice" and cert["moves"] == [{"op": "invariant", "name": "signature"}]
    assert cert["meta"]["instance_id"] == "t/0" and "id" not in cert["instance"]


def test_best_first_two_bands() -> None:
    """K12n553 (12n_553) needs two bands with these candidates: the search goes one level deeper."""
    result = make_agent("best-first").solve(None, knot("K12n553"), 60.0, 0)
    assert result.certificate is not None and verify(result.certificate).valid
    assert sum(m["op"] == "band" for m in result.certificate["moves"]) == 2


@pytest.mark.parametrize("solver", SOLVERS)
def test_budget_is_honoured(solver: str) -> None:
    """12a_631 takes either solver seconds (two bands); a 0.5 s budget ends with nothing, promptly."""
    inst = KnotInstance.from_name("K12a631")
    find_obstruction(inst.diagram())  # warm the imports
    start = time.perf_counter()
    result = make_agent(solver).solve(None, inst, 0.5, 0)
    elapsed = time.perf_counter() - start
    assert result.certificate is None
    assert elapsed < 0.5 + 2.0, elapsed


@pytest.mark.parametrize("solver", SOLVERS)
def test_deterministic(solver: str) -> None:
    inst = knot("8_20")
    first = make_agent(solver).solve(None, inst, 30.0, 3).certificate
    again = make_agent(solver).solve(None, inst, 30.0, 3).certificate
    assert first is not None and first == again


def test_trivial_diagram() -> None:
    """A diagram of the unknot: no obstruction, and a certificate without bands."""
    inst = KnotInstance(((1, 2, 2, 1),), "kink")
    for solver in SOLVERS:
        cert = make_agent(solver).solve(None, inst, 5.0, 0).certificate
        assert cert is not None and verify(cert).valid
        assert all(m["op"] == "simplify" for m in cert["moves"])
