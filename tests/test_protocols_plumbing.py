"""The Kirby-Plumbing protocols of ``rigorgym.agents.protocols``: a handful of pairs, tiny budgets."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from rigorgym.agents.algos.saved import AgentCard, ship_agent
from rigorgym.agents.protocols import plumbing as pp
from rigorgym.agents.protocols import ri_putrov as rp
from rigorgym.verifiers import verify
from rigorgym.verifiers.plumbing import isomorphic

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "agents" / "data" / "pretrained" / "plumbing-ppo-gnn"


# -- the Ri–Putrov protocol ------------------------------------------------------------------------


def test_normal_form_reference_verifies_every_pair() -> None:
    instances = rp.suite_instances(3)
    nf = rp.evaluate_normal_form(instances)
    row = nf.summary()
    assert row["agent"] == "normal-form" and row["pairs"] == row["solved"] == row["verified"] == 3
    assert sum(row["ops"].values()) == sum(e.moves for e in nf.episodes)
    against = rp.versus(nf, nf)
    assert against is not None and against["pairs"] == 3 and against["a3c_mean"] == against["nf_mean"]


def test_uniform_restarts_count_attempts() -> None:
    instances = rp.suite_instances(2)
    policy = rp.UniformPolicy(rp.make_board().action_space.n)
    greedy = rp.evaluate("uniform", policy, instances, move_budget=3)
    assert len(greedy.episodes) == 2 and all(e.verified == e.solved for e in greedy.episodes)
    evaluation, found = rp.evaluate_restarts("uniform", policy, instances, 3, attempts=2, greedy_first=False)
    assert len(found) == 2 and all(0 <= f <= 2 for f in found)
    summary = rp.restart_summary(evaluation, found, 2)
    assert summary["attempts"] == 2 and list(summary["by_attempts"]) == ["1", "2"]
    row = rp.uniform_restarts(instances, 3, 2)
    assert row["agent"] == "random walk" and row["pairs"] == 2 and len(row["moves"]) == row["solved"]


def test_restart_summary_reads_the_solved_fraction_after_k_attempts() -> None:
    found = [1, 0, 3, 5, 2]
    summary = rp.restart_summary(rp.Evaluation("x", [rp.Episode(f > 0, 1) for f in found]), found, 5)
    assert summary["by_attempts"] == {"1": 0.2, "2": 0.4, "4": 0.6, "5": 0.8}
    assert summary["mean_attempts_solved"] == 2.75


def test_checkpoint_names_and_curriculum() -> None:
    assert rp.checkpoint_step(Path("model_280000.pt"), -1) == 280_000
    assert rp.checkpoint_step(Path("model_50_steps.zip"), -1) == 50
    assert rp.checkpoint_step(Path("model.zip"), 7) == 7
    levels = rp.curriculum_levels()
    assert [lv["generator.scramble_moves"] for lv in levels] == list(rp.SCRAMBLES)
    assert all(lv["generator.nodes"] == 10 for lv in levels)
    pairs = rp.validation_instances(2)
    assert pairs == rp.validation_instances(2) and len(pairs) == 2


def test_restart_protocol_on_an_agent_folder() -> None:
    """The library call behind ``rigorgym evaluate --restarts K`` on the shipped agent (a batched trainer's)."""
    if not (SHIPPED / "agent.json").is_file():
        pytest.skip("no plumbing-ppo-gnn agent ships")
    row = rp.evaluate_agent_restarts(SHIPPED, attempts=2, move_budget=60, limit=4)
    assert row["pairs"] == 4 and row["verified"] == row["solved"] >= 1
    assert row["suite"] == rp.SUITE and set(row["by_attempts"]) == {"1", "2"}
    with pytest.raises(ValueError, match="attempts"):
        rp.evaluate_agent_restarts(SHIPPED, attempts=0)


def test_ship_agent_copies_the_card_and_the_chosen_weights(tmp_path: Path) -> None:
    run = tmp_path / "run"
    card = AgentCard("Kirby-Plumbing-v0", "a3c", "gnn", 100, 1, "model.pt", metrics={"solved_rate": 0.5})
    card.write(run)
    (run / "model.pt").write_bytes(b"final")
    (run / "checkpoints").mkdir()
    (run / "checkpoints" / "model_50.pt").write_bytes(b"best")
    target = ship_agent(run, tmp_path / "pretrained" / "demo", "- line\n", run / "checkpoints" / "model_50.pt",
                        {"solved_rate": 0.9}, "evaluated")  # fmt: skip
    shipped = AgentCard.read(target)
    assert shipped.metrics == {"solved_rate": 0.9} and shipped.notes == "evaluated" and shipped.created
    assert (target / "model.pt").read_bytes() == b"best" and not (target / "checkpoints").exists()
    assert (target / "CARD.md").read_text() == "# demo\n\n- line\n"


def test_restart_protocol_refuses_other_games(tmp_path: Path) -> None:
    AgentCard("UnKnot-v0", "ppo", "mlp", 10, 1, "model.zip").write(tmp_path)
    (tmp_path / "model.zip").write_bytes(b"")
    with pytest.raises(ValueError, match="Kirby-Plumbing"):
        rp.evaluate_agent_restarts(tmp_path, attempts=1)


# -- suites, certificates and the reference game ---------------------------------------------------


def test_suite_run_reverifies_every_certificate() -> None:
    ticks: list[int] = []
    row = pp.suite_run("plumbing-small-6", "normal-form", 3, 1.0, on_pair=lambda: ticks.append(1))
    assert row["pairs"] == row["certified"] == row["verified"] == 3 and len(ticks) == 3
    assert sum(row["length_counts"].values()) == 3 and row["uncertified_ids"] == []
    assert row["claims"] == {"homeomorphic": 3} and row["already_isomorphic"] == 0


def test_certificates_replay_to_isomorphic_graphs() -> None:
    certs = pp.tree_certificates(10, 2, 0) + pp.suite_certificates("plumbing-ri-putrov-10", 2)
    assert len(certs) == 4
    for cert in certs:
        assert verify(cert).valid
        assert isomorphic(*pp.replay(cert))


def test_reference_game_allows_the_envs_moves() -> None:
    check = pp.check_reference("Kirby-Plumbing-v0", 15, seed=0)
    assert check["reference_check"].startswith("15/15") and "reference_mismatch" not in check
    env_run, ref_run = pp.env_against_reference("Kirby-Plumbing-v0", 0.05, 1, seed=0)
    for run in (env_run, ref_run):
        result = run.c.result(run.limit)
        assert result["steps"] > 0 and result["steps_per_s"] > 0 and result["illegal_actions"] == 0
    env_run.env.close()
    mask = np.zeros(10, bool)
    mask[[3, 7]] = True
    pp.seed_sampler(0)
    assert {pp.sample_one(mask, 2) for _ in range(40)} == {3, 7}
    assert pp.sample_one(np.zeros(4, bool), 2) == 0


# -- the pair classifier ---------------------------------------------------------------------------


def test_classifier_protocols_on_a_few_pairs() -> None:
    from rigorgym.agents import plumbing_classifier as pc

    pairs = pp.labelled_pairs("test", 8)
    summary = pp.dataset_summary("test", pairs)
    assert summary["seed"] == pp.SPLIT_SEEDS["test"] and summary["pairs"] == 8
    assert sum(summary["kinds"].values()) == 8
    assert pp.pair_key(pairs[0]) == pp.pair_key(dataclasses.replace(pairs[0], graphs=pairs[0].graphs[::-1]))
    pc.seed_everything(0)
    model = pc.PairClassifier(pc.ClassifierConfig(depth=1, width=8))
    rows = pp.accuracy_by_size(model, pairs)
    assert sum(r["pairs"] for r in rows) == 8 and all(0 <= r["accuracy"] <= 1 for r in rows)
    search = pp.search_orders(model, "plumbing-ri-putrov-10", 1, 3, 0.2, seed=0)
    assert [r["order"] for r in search] == ["classifier", "random", "complexity", "complexity + classifier"]
    assert all(r["verified"] == r["solved"] <= 1 for r in search)
    assert "random order" in pp.search_reading(search)


def test_classifier_card_and_reading_from_the_committed_report() -> None:
    path = ROOT / "docs" / "results" / "plumbing-classifier.json"
    if not path.is_file():
        pytest.skip("no committed plumbing-classifier report")
    report = json.loads(path.read_text())
    card = pp.classifier_card(report)
    assert card.startswith("# plumbing-classifier") and report["command"] in card
    assert f"{100 * report['heldout']['accuracy']:.1f}%" in card
    reading = pp.classifier_reading(report["heldout"], report["suites"])
    assert reading.startswith("Reading: held out")
