"""Smoke run of ``benchmarks/training_throughput.py``: it runs, prints JSON lines and writes its table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.benchmark_support import needs_benchmarks, run_main, run_script

pytestmark = needs_benchmarks


def _run(*args: str) -> list[dict[str, Any]]:
    return run_script("training_throughput.py", *args)


def test_training_throughput_quick(tmp_path: Path) -> None:
    """Every part in one run: the matrix (one algorithm here) and issue #18's key figures (GCN step, MaskablePPO +
    GNN, the README's command), issue #19's vec PPO against SB3's PPO, the quiet phase only: a busy neighbour would take a core from the other test
    worker; ``--with-load`` is exercised by the unknot test."""
    records = _run("--quick", "--algos", "ppo", "--policies", "mlp", "--out-dir", str(tmp_path))
    env = [r for r in records if r.get("bench") == "env"]
    train = [r for r in records if r.get("bench") == "train"]
    assert len(env) == 1 and env[0]["steps_per_s"] > 0
    assert {(r["algo"], r["policy"]) for r in train} == {("ppo", "mlp")}
    assert all(r["steps"] >= 256 and r["steps_per_s"] > 0 for r in train)
    phases = {(r["bench"], r["phase"]) for r in records if "phase" in r}
    assert phases == {(b, "quiet") for b in ("gcn_step", "train_key", "cli_example")}
    assert all(r["ms"] > 0 for r in records if r.get("bench") == "gcn_step")
    assert all(r["steps"] >= 64 and r["steps_per_s"] > 0 for r in records if r.get("bench") == "cli_example")
    page = (tmp_path / "training-throughput.md").read_text()
    assert "| UnKnot-v0 | ppo | mlp |" in page and "ratio" in page
    assert str(tmp_path) not in page  # the local folder stays out of the quoted command
    assert len(json.loads((tmp_path / "training-throughput.json").read_text())["records"]) == len(records) - 1
    assert "| quiet |" in page  # the acceptance table needs the loaded phase too, so a quiet run has none
    assert "rigorgym train UnKnot-v0 --algo maskable_ppo --policy gnn" in page
    vec = [r for r in records if r.get("bench") == "vec_speed"]  # issue #19: vec PPO beside SB3's PPO
    assert [r["trainer"] for r in vec] == ["SB3 PPO", "vec PPO"] and all(r["steps_per_s"] > 0 for r in vec)
    assert vec[1]["ratio"] == pytest.approx(vec[1]["steps_per_s"] / vec[0]["steps_per_s"], rel=1e-3)
    assert "the batched trainer against SB3's PPO" in page


def test_ribbon_rl_vs_bo_quick(tmp_path: Path) -> None:
    """Both agents run on the same knots at the same budget; the files the docs quote are written."""
    records = run_script("ribbon_rl_vs_bo.py", "--quick", "--out-dir", str(tmp_path))
    summaries = {r["agent"]: r for r in records if r.get("bench") == "ribbon_rl_vs_bo"}
    assert set(summaries) == {"maskable-ppo-gnn", "bo-walker"}
    assert all(s["knots"] == 2 and s["budget_s"] == 1.0 for s in summaries.values())
    saved = json.loads((tmp_path / "ribbon-rl.json").read_text())
    assert [r["id"] for r in saved["agents"]["bo-walker"]["rows"]] == saved["config"]["ids"]
    assert (tmp_path / "ribbon-rl.png").stat().st_size > 0
    assert "bo-walker" in (tmp_path / "ribbon-rl.md").read_text()


def test_ribbon_rl_vs_bo_rejects_a_folder_without_an_agent(tmp_path: Path) -> None:
    done = run_main("ribbon_rl_vs_bo.py", "--agent-dir", str(tmp_path), "--out-dir", str(tmp_path))
    assert done.returncode == 2
    assert "not a trained agent folder" in done.stderr
    assert not (tmp_path / "ribbon-rl.json").exists()


def test_unknot_zoo_quick(tmp_path: Path) -> None:
    """Trains a tiny agent, runs it beside the baselines on the same instances, writes the figure (every algorithm
    trains in tests/test_training.py; here the protocol: spawned evaluation workers, the page)."""
    records = run_script("unknot_zoo.py", "--quick", "--algos", "ppo", "--policies", "mlp", "--out-dir", str(tmp_path))
    trained = {r["agent"] for r in records if r.get("bench") == "unknot_zoo_train"}
    assert trained == {"ppo-mlp"}
    evaluated = {(r["agent"], r["suite"]) for r in records if r.get("bench") == "unknot_zoo"}
    assert len(evaluated) == 3 * 2  # random, greedy and the trained agent on two suites
    greedy = [r for r in records if r.get("agent") == "greedy" and r["bench"] == "unknot_zoo"]
    assert all(r["solved"] == r["instances"] for r in greedy)  # short scrambles: greedy always unknots them
    report = json.loads((tmp_path / "unknot-zoo.json").read_text())
    assert report["config"]["agents"][:2] == ["random", "greedy"]
    assert (tmp_path / "unknot-zoo.png").stat().st_size > 0


def test_unknot_zoo_rejects_unknown_agents_before_training(tmp_path: Path) -> None:
    done = run_main("unknot_zoo.py", "--extra-agents", "nope", "--out-dir", str(tmp_path))
    assert done.returncode == 2 and "unknown agents" in done.stderr
    assert not list(tmp_path.iterdir())
