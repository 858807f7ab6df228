"""``rigorgym.agents.protocols.ribbon``: the KnotInfo table checks, on a handful of small knots."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("database_knotinfo")
pytest.importorskip("spherogram")

from rigorgym.agents.protocols import ribbon as protocol  # noqa: E402


def test_knotinfo_helpers() -> None:
    assert protocol.is_slice("6_1") is True and protocol.is_slice("3_1") is False
    assert protocol.crossings("8_20") == 8 and len(protocol.pd("4_1")) == 4
    assert protocol.knots(5) == ["3_1", "4_1", "5_1", "5_2"]
    assert protocol.knots(8, True) == ["6_1", "8_8", "8_9", "8_20"]
    assert protocol.normalised([0, 1, -3, 1, 0]) == [-1, 3, -1]
    assert protocol.knotinfo_alexander("t^(-1)-1+t") == [1, -1, 1]


def test_tables_agree_up_to_six_crossings() -> None:
    records = protocol.check_tables(6)
    assert [r["invariant"] for r in records] == ["signature", "determinant", "alexander", "tau"]
    assert all(r["knots"] == 7 and r["disagree"] == 0 for r in records)


def test_no_not_slice_certificate_for_6_1() -> None:
    records = protocol.check_slice(6)
    assert [r["invariant"] for r in records][-1] == "levine_tristram"
    assert all(r["slice_knots"] == 1 and r["accepted"] == 0 for r in records)
    assert records[-1]["certificates"] == sum(q - 1 for q in protocol.PRIME_POWERS)


def test_ribbon_found_verified_and_transplanted_soundly() -> None:
    records, found = protocol.check_ribbon(8)
    assert records[-1]["found"] == 4 and records[-1]["missed"] == [] and set(found) == {"6_1", "8_8", "8_9", "8_20"}
    transplant = protocol.check_transplant({"6_1": found["6_1"]}, 6)
    assert transplant["replays"] == 6 and transplant["accepted_on_non_slice"] == 0 and transplant["hung"] == []


def test_nonslice_never_reaches_the_unlink() -> None:
    record = protocol.check_nonslice(4)
    assert record["non_slice_knots"] == 2 and record["bands_tried"] > 0 and record["reached_unlink"] == 0


def test_alarm_interrupts_and_is_cancelled() -> None:
    with pytest.raises(protocol.Hang), protocol.alarm(0.05):
        time.sleep(1)
    with protocol.alarm(0.05):
        pass
    time.sleep(0.1)  # the cancelled alarm does not ring later


def test_walker_tuning_pieces() -> None:
    optuna = pytest.importorskip("optuna")
    from rigorgym.agents.ribbon_search import FEATURES

    knots = protocol.training_knots(6)
    assert [k.name for k in knots] == ["6_1", *(f"({a}#-{a})#({b}#-{b})" for a, b in protocol.COMPOSITES)]
    assert knots[1].crossings == 12
    start = {f: 0.0 for f in FEATURES} | {"descend": 0.1, "walk_steps": 50}
    params = protocol.walker_params(optuna.trial.FixedTrial(start))
    assert params["max_bands"] == 3 and set(params["weights"]) == set(FEATURES)
    result = protocol.walker_objective(params, knots[:1], seeds=1, max_cost=1000)
    assert result["solved"] == 1 and result["runs"] == 1 and result["objective"] > 0
