"""Smoke run of ``benchmarks/training_throughput.py``: it runs, prints JSON lines and writes its table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"

pytestmark = pytest.mark.skipif(not BENCH.is_dir(), reason="no benchmarks folder (not a source checkout)")


def test_training_throughput_quick(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "training_throughput.py"),
            "--quick",
            "--algos",
            "ppo,dqn",
            "--policies",
            "mlp",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    records = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    env = [r for r in records if r["bench"] == "env"]
    train = [r for r in records if r["bench"] == "train"]
    assert len(env) == 1 and env[0]["steps_per_s"] > 0
    assert {(r["algo"], r["policy"]) for r in train} == {("ppo", "mlp"), ("dqn", "mlp")}
    assert all(r["steps"] >= 256 and r["steps_per_s"] > 0 for r in train)
    table = (tmp_path / "training-throughput.md").read_text()
    assert "| UnKnot-v0 | ppo | mlp |" in table and "ratio" in table
    assert len((tmp_path / "training-throughput.jsonl").read_text().splitlines()) == len(records)
