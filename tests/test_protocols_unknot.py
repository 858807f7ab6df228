"""The UnKnot protocols (``rigorgym.agents.protocols.unknot`` and ``.unknot_training``) on a handful of instances with tiny budgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from rigorgym.agents.greedy import GreedySearch
from rigorgym.agents.protocols import unknot as P
from rigorgym.agents.protocols import unknot_training as T
from rigorgym.envs.suites import load_suite

import rigorgym  # noqa: F401


def test_natural_key_and_seeded_samples() -> None:
    names = ["unknot-random-L100", "unknot-random-L20", "unknot-random-L10"]
    assert sorted(names, key=P.natural_key) == ["unknot-random-L10", "unknot-random-L20", "unknot-random-L100"]
    a, b = P.sample("unknot-random-L20", 5, 3), P.sample("unknot-random-L20", 5, 3)
    assert a == b and len(a) == 5
    order = [x["id"] for x in load_suite("unknot-random-L20").instances]
    assert [order.index(x["id"]) for x in a] == sorted(order.index(x["id"]) for x in a)  # suite order kept
    assert len(P.sample("unknot-random-L20", 10_000, 0)) == len(order)


def test_wilson_interval_is_honest_at_the_ends() -> None:
    assert P.wilson(0, 0) == (0.0, 1.0)
    lo, hi = P.wilson(0, 60)
    assert lo == 0.0 and 0.0 < hi < 0.1
    lo, hi = P.wilson(60, 60)
    assert hi == 1.0 and 0.9 < lo < 1.0
    assert P.wilson(10, 20)[0] < 0.5 < P.wilson(10, 20)[1]


def test_alexander_test_separates_knots_from_the_unknot() -> None:
    assert P.alexander_unit(3, [1, 2])  # the unknot
    assert P.alexander_unit(1, [])
    assert not P.alexander_unit(2, [1, 1, 1])  # the trefoil
    assert not P.alexander_unit(3, [1, -2, 1, -2])  # the figure-eight: Δ(2) = -1, caught at t = 5
    assert all(P.alexander_unit(**x["braid"]) for x in P.sample("unknot-words-n5-L20", 3, 0))


def test_run_instances_reverifies_and_agrees_for_names_and_objects() -> None:
    instances = P.sample("unknot-random-L20", 3, 0)
    by_name = P.run_instances("greedy", instances, 2.0, seed=0)
    by_object = P.run_instances(GreedySearch(), instances, 2.0, seed=0)
    assert [r["id"] for r in by_name] == [x["id"] for x in instances]
    for rows in (by_name, by_object):
        assert all(r["solved"] and r["claimed"] and r["moves"] >= 1 and r["length"] == 20 for r in rows)
    assert [r["moves"] for r in by_name] == [r["moves"] for r in by_object]
    s = P.summarize(by_name)
    assert s["instances"] == s["solved"] == s["claimed"] == 3 and s["solved_fraction"] == 1.0
    assert s["ci95"] == P.wilson(3, 3) and s["median_moves"] is not None


def test_summarize_counts_only_what_the_kernel_accepted() -> None:
    rows = [
        {"claimed": True, "solved": True, "moves": 4, "seconds": 0.1, "length": 10},
        {"claimed": True, "solved": False, "moves": 9, "seconds": 0.2, "length": 12},
        {"claimed": False, "solved": False, "moves": None, "seconds": 1.0, "length": 14},
    ]
    s = P.summarize(rows)
    assert (s["instances"], s["claimed"], s["solved"]) == (3, 2, 1)
    assert s["median_moves"] == 4 and s["mean_length"] == 12.0
    assert P.summarize([])["solved_fraction"] == 0.0


def test_compare_agents_runs_every_cell_at_its_budget() -> None:
    samples = {
        "unknot-random-L10": P.sample("unknot-random-L10", 2, 0),
        "unknot-random-L20": P.sample("unknot-random-L20", 2, 0),
    }
    seen: list[dict] = []
    rows = P.compare_agents(
        samples, {"greedy": "greedy", "random": "random"}, {"greedy": 2.0, "random": 0.05}, seed=0, on_row=seen.append
    )
    assert [(r["suite"], r["agent"]) for r in rows] == [(s, a) for s in samples for a in ("greedy", "random")]
    assert all(r["solved"] == 2 for r in rows if r["agent"] == "greedy")
    assert {r["budget_s"] for r in rows if r["agent"] == "random"} == {0.05}
    assert len(seen) == 4 and all("per_instance" not in r for r in seen)
    assert all(len(r["per_instance"]) == 2 for r in rows)


def test_guided_protocol_counts_the_alexander_ceiling() -> None:
    records: list[dict] = []
    report = P.guided_protocol(["unknot-words-n3-L20"], 2, 2, 2.0, ["guided-hand", "greedy"], 0, False, records.append)
    assert report["suites"] == ["unknot-words-n3-L20"] and report["hard_alexander"] == {}
    for row in report["results"]:
        assert row["alexander_units"] == 2 and row["solved_of_units"] == row["solved"]
        assert all(p["alexander_unit"] for p in row["per_instance"])
    assert next(r for r in report["results"] if r["agent"] == "guided-hand")["solved"] == 2
    assert len(records) == 2


def test_zoo_targets_read_issue_19s_two_lines() -> None:
    from rigorgym.agents.protocols import unknot_zoo as Z

    table = {"random": (0.0, 0.0, 0.1), "trpo-mlp": (0.9, 0.85, 0.1), "ppo-mlp": (1.0, 0.5, 1.0)}
    suites = ("unknot-words-n3-L20", "unknot-words-L96", "unknot-random-L20")
    rows = [
        {"agent": a, "suite": s, "solved_fraction": f}
        for a, fs in table.items()
        for s, f in zip(suites, fs, strict=True)
    ]
    best, trpo = Z.targets(rows, list(table))
    assert best[1] == "trpo-mlp: lowest 85% (unknot-words-L96)" and best[2]  # the highest lowest, not the best mean
    assert trpo[1] == "not ahead on 1: unknot-random-L20" and not trpo[2]  # a tie with the walker is not a win
    assert Z.targets(rows[:3], ["random"]) == []  # no learned agent: nothing to judge
    assert (
        Z.agent_name("maskable_ppo", "factored") == "maskable-ppo-mlp"
        and Z.agent_name("a2c", "factored") == "a2c-factored"
    )
    with pytest.raises(ValueError):
        Z.train_agent("a3c", 100, Path("never-written"))


def test_zoo_random_walker_plays_the_pure_policy_protocol() -> None:
    import numpy as np
    from rigorgym.agents.protocols import unknot_zoo as Z
    from rigorgym.agents.protocols.pure_policy import Protocol
    from rigorgym.envs.unknot.types import BraidInstance

    row = Z.evaluate_suite(Z.RANDOM, "unknot-random-L10", 3, seed=0, cap=5)  # 10 letters need at least 6 moves
    assert row["agent"] == "random" and row["instances"] == 3 and row["solved"] == 0 and row["move_cap"] == 5
    assert row["moves"] == [None] * 3 and len(row["ids"]) == 3
    trivial = Z.evaluate_random([BraidInstance(1, ())], Protocol(attempts=1, max_moves=50), seed=0)
    assert trivial.outcomes[0].solved and trivial.outcomes[0].moves == 0  # the kernel accepts the empty certificate
    mask = np.zeros(10, bool)
    mask[[2, 7]] = True
    picks = {Z.UniformPolicy().act(None, mask, True, np.random.default_rng(s)) for s in range(20)}
    assert picks == {2, 7}


def test_adversarial_helpers() -> None:
    assert P.nearest_random_suite(23.2) == "unknot-random-L20"
    assert P.nearest_random_suite(96) == "unknot-random-L100"
    s = P.shape(load_suite("unknot-random-L20").instances[:4])
    assert s["mean_length"] == 20 and s["max_strands"] == 3


def test_value_labels_and_fit_on_a_few_paths() -> None:
    torch = pytest.importorskip("torch")
    from rigorgym.agents.unknot_features import hand_value
    from rigorgym.agents.unknot_search import SearchConfig
    from rigorgym.envs.unknot.types import BraidInstance

    torch.set_num_threads(1)
    cfg = SearchConfig(max_expansions=500)
    labels = T.Labels()
    instances = [BraidInstance.from_instance(x) for x in P.sample("unknot-words-n5-L20", 3, 0)]
    solved = T.solve_and_label(instances, hand_value, cfg, 2.0, labels)
    assert solved >= 1 and labels.choices and labels.steps
    for children, right in labels.choices.values():
        assert len(children) >= 2 and 0 <= right < len(children)
    epochs: list[dict] = []
    model, fit = T.fit_value(labels, 1, 0, epochs.append)
    assert set(fit) == {"train_top1", "heldout_top1", "heldout_top1_hand"} and not model.training
    assert epochs and epochs[0]["epoch"] == 0
