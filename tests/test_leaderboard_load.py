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
    return {r["phase"]: r for r in map(json.loads, done.stdout.splitlines()) if "phase" in r}


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
    (run,) = json.loads((tmp_path / "leaderboard-load.json").read_text())["runs"]
    assert [r["phase"] for r in run] == ["machine", "submit", "verify", "check"]


def test_page_keeps_one_run_per_back_end_and_rerenders(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import leaderboard_load as script

    def run(backend: str, n: int) -> list[dict]:
        machine = {"phase": "machine", "backend": backend, "cpu_count": 2, "cpu": "cpu", "loadavg": [1.0]}
        submit = {"phase": "submit", "n": n, "certificates_each": 4, "accepted": n, "refused": 0, "p50_ms": 1.0,
                  "p99_ms": 2.0, "max_ms": 3.0, "submissions_per_s": 9.0}  # fmt: skip
        verify = {"phase": "verify", "certificates_per_s": 8.0}
        check = {"phase": "check", "lost": 0, "duplicated": 0, "wrong_scores": 0, "db_exactly_once": True}
        return [machine, submit, verify, check]

    old = [run("sqlite", 5), run("postgresql", 6)]
    (tmp_path / "leaderboard-load.jsonl").write_text("".join(json.dumps(r) + "\n" for rs in old for r in rs))
    runs = script.keep_latest(script.saved_runs(tmp_path), run("sqlite", 7))
    assert [(r[0]["backend"], r[1]["n"]) for r in runs] == [("postgresql", 6), ("sqlite", 7)]
    script.write_page(script.new_page(["--db", "postgresql://secret@host/db"]), tmp_path, runs, False)
    assert script.main(["--from-json", str(tmp_path / "leaderboard-load.json"), "--out-dir", str(tmp_path)]) == 0
    text = (tmp_path / "leaderboard-load.md").read_text()
    assert "| postgresql | 6 |" in text and "| sqlite | 7 |" in text and "Re-rendered" in text
    assert "secret" not in text + (tmp_path / "leaderboard-load.json").read_text()


def test_load_on_postgresql(postgres, tmp_path: Path) -> None:  # noqa: F811
    _check(_run("--db", postgres.create_database(), "--out-dir", str(tmp_path)))
    assert "| postgresql | 50 |" in (tmp_path / "leaderboard-load.md").read_text()
