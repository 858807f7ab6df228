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
    """Trains two tiny agents on the curriculum (a batched trainer and SB3's MaskablePPO), plays them and the random
    walker alone on two suites under the move cap, writes the page; then re-evaluates the folders and re-renders."""
    agents, out = tmp_path / "agents", tmp_path / "out"
    records = run_script("unknot_zoo.py", "--quick", "--steps", "trpo=256,maskable_ppo=64", "--agents-dir", str(agents),
                         "--out-dir", str(out))  # fmt: skip
    trained = {r["agent"]: r for r in records if r.get("bench") == "unknot_zoo_train"}
    assert set(trained) == {"trpo-mlp", "maskable-ppo-mlp"}
    assert all(r["steps"] >= r["budget"] and r["steps_per_s"] > 0 for r in trained.values())
    card = json.loads((agents / "trpo-mlp" / "agent.json").read_text())
    assert card["env_id"] == "UnKnot-v0" and "ScrambleMixGenerator" in card["notes"]
    rows = [r for r in records if r.get("bench") == "unknot_zoo"]
    assert {(r["agent"], r["suite"]) for r in rows} == {
        (a, s) for a in ("random", "trpo-mlp", "maskable-ppo-mlp") for s in ("unknot-words-n3-L20", "unknot-random-L20")
    }
    assert all(r["instances"] == 3 and r["move_cap"] == 60 and r["solved"] == r["verified"] for r in rows)
    report = json.loads((out / "unknot-zoo.json").read_text())
    assert report["config"]["agents"] == ["random", "trpo-mlp", "maskable-ppo-mlp"]
    assert all(len(r["moves"]) == len(r["ids"]) == 3 for r in report["results"])
    page = (out / "unknot-zoo.md").read_text()
    assert "at most 60 moves" in page and "ScrambleMixGenerator(strands=(3, 5, 7)" in page
    assert "trpo-mlp beats the random walker" in page and "| random |" in page
    assert (out / "unknot-zoo.png").stat().st_size > 0
    again = run_script("unknot_zoo.py", "--quick", "--steps", "trpo=256", "--agents-dir", str(agents),
                       "--skip-training", "--suites", "unknot-random-L20", "--out-dir", str(tmp_path / "again"))  # fmt: skip
    assert [r["agent"] for r in again if r.get("bench") == "unknot_zoo"] == ["random", "trpo-mlp"]
    run_script("unknot_zoo.py", "--from-json", str(out / "unknot-zoo.json"), "--out-dir", str(tmp_path / "re"))
    assert "were not re-measured" in (tmp_path / "re" / "unknot-zoo.md").read_text()


def test_unknot_zoo_refuses_bad_input_before_training(tmp_path: Path) -> None:
    done = run_main("unknot_zoo.py", "--steps", "ppo=100,nope=5", "--out-dir", str(tmp_path))
    assert done.returncode == 2 and "ALGO one of trpo, a2c, ppo, dqn, maskable_ppo" in done.stderr
    done = run_main("unknot_zoo.py", "--skip-training", "--out-dir", str(tmp_path))
    assert done.returncode == 2 and "--skip-training needs --agents-dir" in done.stderr
    old = tmp_path / "old.json"  # a report of the old zoo (a restart search): not re-rendered as this protocol
    old.write_text(json.dumps({"command": "x", "date": "d", "machine": {}, "config": {"budget_s": 1}}))
    done = run_main("unknot_zoo.py", "--from-json", str(old), "--out-dir", str(tmp_path / "page"))
    assert done.returncode == 2 and "old zoo" in done.stderr
    assert not (tmp_path / "page").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["old.json"]


def test_unknot_expert_iteration_quick(tmp_path: Path) -> None:
    """The loop runs its rounds, writes a value folder guided can load (marked to solve as pretrained) and the page."""
    from rigorgym.agents.learned import is_value_folder
    from rigorgym.agents.unknot_value import load_value

    value, out = tmp_path / "value", tmp_path / "out"
    records = run_script("unknot_expert_iteration.py", "--quick", "--value-out", str(value), "--out-dir", str(out))
    rounds = [r for r in records if r.get("phase") == "round"]
    assert [r["round"] for r in rounds] == [0, 1] and [r["value"] for r in rounds] == ["hand", "learned"]
    assert all(r["heldout_instances"] == 1 and r["train_instances"] == 2 for r in rounds)
    assert is_value_folder(value)
    card = json.loads((value / "card.json").read_text())
    assert card["solve_as_pretrained"] is True and card["training_set"]["disjoint_from_suites"] is True
    assert load_value(value).score([(1, ()), (3, (1, 2))])[0] == 0.0
    page = (out / "unknot-expert-iteration.md").read_text()
    assert "| 0 | hand |" in page and "| 1 | learned |" in page
    assert (out / "unknot-expert-iteration.png").stat().st_size > 0
