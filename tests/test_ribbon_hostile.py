"""Hostile ribbon certificates (#22): bands on edges that do not exist, bands onto themselves or across faces,
absurd twists, a ``not_slice`` naming an invariant the kernel does not know. Each gets one clear verdict from
``rigorgym verify`` and from the leaderboard, and none is counted or written anywhere."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rigorgym.agents.ribbon_pd import RibbonPD
from rigorgym.envs.ribbon import KnotInstance
from rigorgym.envs.suites import load_suite
from rigorgym.leaderboard.app import create_app
from rigorgym.leaderboard.config import Settings
from rigorgym.verifiers import verify
from rigorgym.verifiers.pd import PD

from rigorgym.cli import main
from tests.leaderboard_support import sqlite_url, wait_for

SUITE = "ribbon-knotinfo-12"


@pytest.fixture(scope="module")
def good() -> dict[str, Any]:
    """A valid ribbon certificate in the PD kernel's vocabulary for the suite's first knot (6_1)."""
    raw = load_suite(SUITE).instances[0]
    cert = RibbonPD(obstruct=False).solve(None, KnotInstance.from_instance(raw), 20, 0).certificate
    assert cert is not None and verify(cert).valid
    return cert


def _hostile(good: dict[str, Any]) -> dict[str, tuple[dict[str, Any], str]]:
    """(certificate, words its verdict must contain) for each way of lying."""
    band = good["moves"][0]
    assert band["op"] == "fission"
    d = PD.from_pd(good["instance"]["pd"])
    # an edge whose face on the band's side is not the face of the band's first edge
    face = set(d.face(d.dart(band["edge"], band["side"])))
    far = next(e for e in range(1, 2 * d.size + 1) if d.dart(e, band["side"]) not in face)

    def with_first(**change: Any) -> dict[str, Any]:
        cert = copy.deepcopy(good)
        cert["moves"][0] = {**band, **change}
        return cert

    not_slice = copy.deepcopy(good)
    not_slice.update(claim="not_slice", moves=[{"op": "invariant", "name": "arf"}])
    return {
        "edge that does not exist": (with_first(to=10**6), "no edge"),
        "band onto its own edge": (with_first(to=band["edge"]), "two different edges"),
        "band across two faces": (with_first(to=far, to_side=band["side"], half_twists=0), "not on one face"),
        "a million half twists": (with_first(half_twists=10**6), "half_twists must be an integer"),
        "unknown invariant": (not_slice, "unknown invariant"),
    }


def test_each_hostile_certificate_gets_one_clear_verdict(
    good: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = _hostile(good)
    path = tmp_path / "hostile.jsonl"
    path.write_text("".join(json.dumps(cert) + "\n" for cert, _ in hostile.values()))
    capsys.readouterr()
    code = main(["verify", str(path)])
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert code != 0 and len(lines) == len(hostile) and "Traceback" not in err
    for line, (what, (_, words)) in zip(lines, hostile.items(), strict=True):
        assert line.startswith("INVALID") and words in line, (what, line)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.jsonl"]  # nothing written beside it


def test_the_leaderboard_counts_none_of_them(good: dict[str, Any], tmp_path: Path) -> None:
    hostile = _hostile(good)
    settings = Settings(db_url=sqlite_url(tmp_path), workers=1, poll_s=0.1)
    with TestClient(create_app(settings)) as client:
        store = client.app.state.store
        for k, (what, (cert, words)) in enumerate(hostile.items()):  # one certificate per instance and submission
            headers = {"Authorization": f"Bearer {store.create_token(f'mallory-{k}')}"}
            body = {"suite": SUITE, "agent": f"liar-{k}", "certificates": [cert]}
            answer = client.post("/api/submissions", json=body, headers=headers)
            assert answer.status_code == 202, answer.text  # well-formed JSON for the suite: kept, then re-verified
            sid = answer.json()["id"]
            entry = wait_for(
                lambda sid=sid: (e := client.get(f"/api/submissions/{sid}").json())["status"] == "verified" and e
            )
            assert entry["solved"] == 0, what
            [verdict] = entry["verdicts"]
            assert not verdict["valid"] and words in verdict["reason"], (what, verdict)
        board = client.get(f"/api/leaderboard/{SUITE}").json()
        assert len(board) == len(hostile) and all(e["solved"] == 0 for e in board)
