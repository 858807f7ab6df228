"""Smoke run of `make demo`'s job at a tiny scale: every row runs, pretrained agents included; the UnKnot-Diagram
rows in full."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.slow  # the whole `make demo` job: every row, a leaderboard, two simulators
def test_demo_runs_at_small_scale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """In this process (``make demo`` runs the same ``main``; a subprocess would add its imports)."""
    from rigorgym.demo import main

    assert main(["--scale", "0.01", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "Traceback" not in captured.err
    for row in (
        "unknot-random-L20",
        "plumbing-ri-putrov-10",
        "ribbon-knotinfo-12",
        "notslice-knotinfo-12",
        "unknot-diagram-hard",
        "unknot-diagram-decoys",
        "ac-miller-schupp",
        "ac-akbulut-kirby",
    ):
        assert row in out
    assert "knotted 1" in out  # the decoy, answered by its Alexander polynomial
    assert "pretrained" in out and "no pretrained agent" not in out
    # the demo ends with a local leaderboard that re-verified greedy's certificates, ranked them and stopped
    assert "leaderboard unknot-random-L20:" in out and "greedy (make demo)" in out
    assert "valid, kernel" in out and "page: http://127.0.0.1:" in out
    # then the two simulators, each with its plot
    assert "Neural-network field theory" in out and "Neural-network metric flow" in out
    assert (tmp_path / "fieldtheory-demo.png").is_file() and (tmp_path / "metricflow-demo.png").is_file()


def test_demo_unknot_diagram_rows() -> None:
    """The demo's UnKnot-Diagram rows as `make demo` runs them: hard unknots untangled, a decoy proved knotted."""
    from rigorgym.demo import PLAN, run_row

    rows = {suite: run_row(suite, count, agent, budget) for suite, count, agent, budget in PLAN if "diagram" in suite}
    cells, certs = rows["unknot-diagram-hard"]
    assert cells[1:2] + cells[3:5] + cells[6:7] == ("diagram-search", "3/3", "unknot 3", "3/3")
    assert float(cells[7]) <= 15.0  # a quick section: about 2 s on 2 cores
    cells, certs = rows["unknot-diagram-decoys"]
    assert cells[3:5] + cells[6:7] == ("1/1", "knotted 1", "1/1")
    assert certs[0]["moves"] == [{"op": "invariant", "name": "alexander"}]
