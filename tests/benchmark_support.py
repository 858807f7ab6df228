"""Running a benchmark script of benchmarks/ as a subprocess and reading its JSON lines (the smoke tests' helper)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"

#: Mark for modules that need the source checkout's benchmarks folder.
needs_benchmarks = pytest.mark.skipif(not BENCH.is_dir(), reason="no benchmarks folder (not a source checkout)")


def run_script(name: str, *args: str, timeout: float = 120) -> list[dict[str, Any]]:
    """Run ``benchmarks/NAME`` and parse every stdout line as JSON."""
    done = subprocess.run(
        [sys.executable, str(BENCH / name), *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines, "no output"
    return [json.loads(line) for line in lines]


def by_bench(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The records grouped by their ``bench`` field."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        grouped.setdefault(record["bench"], []).append(record)
    return grouped
