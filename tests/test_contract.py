"""Every fixed kernel case of tests/data/contract/ must get exactly its expected verdict."""

from __future__ import annotations

import pytest
from rigorgym.verifiers import verify

from .conftest import contract_cases

BRAID_CASES = contract_cases("braid_cases.jsonl")


@pytest.mark.parametrize("case", BRAID_CASES, ids=[f"{i}-{c['note'][:40]}" for i, c in enumerate(BRAID_CASES)])
def test_braid_contract_case(case: dict) -> None:
    verdict = verify(case["certificate"])
    assert verdict.valid == case["valid"], verdict.reason
    assert verdict.moves_checked == case["moves_checked"], verdict.reason


def test_braid_contract_is_not_empty() -> None:
    assert len(BRAID_CASES) >= 70


PLUMBING_CASES = contract_cases("plumbing_cases.jsonl")


@pytest.mark.parametrize("case", PLUMBING_CASES, ids=[f"{i}-{c['note'][:40]}" for i, c in enumerate(PLUMBING_CASES)])
def test_plumbing_contract_case(case: dict) -> None:
    verdict = verify(case["certificate"])
    assert verdict.valid == case["valid"], verdict.reason
    assert verdict.moves_checked == case["moves_checked"], verdict.reason


def test_plumbing_contract_is_not_empty() -> None:
    assert len(PLUMBING_CASES) >= 30
