"""Smoke runs of ``benchmarks/ribbon_results.py``: a suite, then ``--update`` with another one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"

pytestmark = pytest.mark.skipif(not BENCH.is_dir(), reason="no benchmarks folder (not a source checkout)")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH / "ribbon_results.py"), "--workers", "1", "--budget-s", "10", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


def test_update_keeps_the_other_suites(tmp_path: Path) -> None:
    first = _run("--suites", "ribbon-knotinfo-12", "--limit", "2", "--out-dir", str(tmp_path))
    assert first.returncode == 0, first.stderr[-2000:]
    second = _run("--suites", "notslice-knotinfo-12", "--limit", "2", "--out-dir", str(tmp_path), "--update")
    assert second.returncode == 0, second.stderr[-2000:]
    saved = json.loads((tmp_path / "ribbon.json").read_text())
    assert list(saved["suites"]) == ["ribbon-knotinfo-12", "notslice-knotinfo-12"]  # the order of SUITES
    assert all(s["summary"]["certified"] == 2 for s in saved["suites"].values())
    assert "updated" in saved["date"]
    text = (tmp_path / "ribbon.md").read_text()
    assert "ribbon-knotinfo-12" in text and "notslice-knotinfo-12" in text


def test_update_refuses_another_budget(tmp_path: Path) -> None:
    first = _run("--suites", "ribbon-knotinfo-12", "--limit", "1", "--out-dir", str(tmp_path))
    assert first.returncode == 0, first.stderr[-2000:]
    before = (tmp_path / "ribbon.json").read_text()
    done = subprocess.run(
        [sys.executable, str(BENCH / "ribbon_results.py"), "--budget-s", "5", "--suites", "notslice-knotinfo-12",
         "--limit", "1", "--out-dir", str(tmp_path), "--update"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 2 and "another agent or budget" in done.stderr
    assert (tmp_path / "ribbon.json").read_text() == before
