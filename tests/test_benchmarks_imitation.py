"""Smoke run of ``benchmarks/unknot_imitation.py``: imitation rounds, the pure-policy protocol on suites, the page."""

from __future__ import annotations

import json
from pathlib import Path

from tests.benchmark_support import needs_benchmarks, run_main, run_script

pytestmark = needs_benchmarks


def test_unknot_imitation_quick(tmp_path: Path) -> None:
    records = run_script(
        "unknot_imitation.py", "--quick", "--keep", str(tmp_path / "agent"), "--out-dir", str(tmp_path)
    )
    rounds = [r for r in records if r.get("bench") == "imitation_round"]
    assert [r["pairs"] for r in rounds] == [1000, 2000]
    evaluated = [r for r in records if r.get("bench") == "pure_policy"]
    assert [r["suite"] for r in evaluated] == ["unknot-words-n3-L20", "unknot-words-n3-L40"]
    assert all(r["instances"] == 3 and r["verified"] == r["solved"] and r["move_cap"] == 100 for r in evaluated)
    card = json.loads((tmp_path / "agent" / "agent.json").read_text())
    assert card["algo"] == "vec_bc" and card["steps"] == 2000
    page = (tmp_path / "unknot-imitation.md").read_text()
    assert "imitation of the `guided` search" in page and "| unknot-words-n3-L20 | 3 |" in page
    assert (tmp_path / "unknot-imitation.png").stat().st_size > 0
    again = run_script("unknot_imitation.py", "--quick", "--agent-dir", str(tmp_path / "agent"))  # evaluate only
    assert not [r for r in again if r.get("bench") == "imitation_round"]
    assert [r["solved"] for r in again if r.get("bench") == "pure_policy"] == [r["solved"] for r in evaluated]


def test_unknot_imitation_refuses_a_folder_without_an_agent(tmp_path: Path) -> None:
    done = run_main("unknot_imitation.py", "--agent-dir", str(tmp_path), "--out-dir", str(tmp_path))
    assert done.returncode == 2 and "not a trained agent folder" in done.stderr
    assert not list(tmp_path.iterdir())
