"""benchmarks/leaderboard_load.py: 50 concurrent submissions, every accepted one recorded exactly once."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.leaderboard_support import ROOT, postgres  # noqa: F401


def _run(*extra: str) -> dict[str, dict]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "leaderboard_load.py"), "--n", "50", "--workers", "1", *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return {r["phase"]: r for r in map(json.loads, done.stdout.splitlines())}


def _check(records: dict[str, dict]) -> None:
    assert records["submit"]["accepted"] == 50 and records["submit"]["refused"] == 0
    assert records["submit"]["p99_ms"] >= records["submit"]["p50_ms"] > 0
    assert records["verify"]["unverified_submissions"] == 0
    check = records["check"]
    assert check["recorded"] == 50 and check["lost"] == check["duplicated"] == check["wrong_scores"] == 0
    assert check["db_exactly_once"]


def test_load_on_sqlite() -> None:
    _check(_run())


def test_load_on_postgresql(postgres) -> None:  # noqa: F811
    _check(_run("--db", postgres.create_database()))
