"""benchmarks/leaderboard_load.py: 50 concurrent submissions, every accepted one recorded exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.leaderboard_support import ROOT, postgres  # noqa: F401


def _run(*extra: str) -> dict[str, dict]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "leaderboard_load.py"), "--n", "50", "--workers", "1", *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return {r["phase"]: r for r in map(json.loads, done.stdout.splitlines()) if r["phase"] != "wrote"}


def _check(records: dict[str, dict]) -> None:
    assert records["submit"]["accepted"] == 50 and records["submit"]["refused"] == 0
    assert records["submit"]["p99_ms"] >= records["submit"]["p50_ms"] > 0
    assert records["verify"]["unverified_submissions"] == 0
    check = records["check"]
    assert check["recorded"] == 50 and check["lost"] == check["duplicated"] == check["wrong_scores"] == 0
    assert check["db_exactly_once"]


def test_load_on_sqlite(tmp_path: Path) -> None:
    _check(_run("--out-dir", str(tmp_path)))
    text = (tmp_path / "leaderboard-load.md").read_text()
    assert "| sqlite | 50 | 4 | 50 | 0 |" in text
    assert len((tmp_path / "leaderboard-load.jsonl").read_text().splitlines()) >= 4


def test_load_on_postgresql(postgres, tmp_path: Path) -> None:  # noqa: F811
    _check(_run("--db", postgres.create_database(), "--out-dir", str(tmp_path)))
    assert "| postgresql | 50 |" in (tmp_path / "leaderboard-load.md").read_text()
