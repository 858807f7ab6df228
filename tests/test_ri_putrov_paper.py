"""The published Ri–Putrov protocol: its generator, its suite, its evaluation rule and the CLI around it."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from rigorgym.agents.protocols import ri_putrov_paper as paper
from rigorgym.envs.kirby_plumbing import RiPutrovPaperGenerator, paper_scramble
from rigorgym.envs.kirby_plumbing.actions import ABSORB_ZERO, BLOWDOWN
from rigorgym.envs.kirby_plumbing.generator import paper_attempt, random_tree
from rigorgym.verifiers import verify
from rigorgym.verifiers.plumbing import apply_move, isomorphic

from tests.cli_support import run_cli

PUBLISHED_OPS = {"blowup_edge", "blowup_vertex", "extrude_zero", "blowdown", "absorb_zero"}


def test_every_attempt_is_a_legal_published_move_or_nothing() -> None:
    rng = np.random.default_rng(0)
    seen: set[str] = set()
    nothing = 0
    for _ in range(40):
        graph = random_tree(rng, 10)
        for _ in range(100):
            before = {v: set(n) for v, n in graph.adj.items()}
            move = paper_attempt(graph, rng)
            if move is None:
                nothing += 1
                continue
            seen.add(move["op"])
            assert move["op"] in PUBLISHED_OPS
            if move["op"] == "extrude_zero":
                assert -20 <= move["d"] <= 19
                degree = len(before[move["v"]])
                # the published split: 1 .. deg - 1 neighbours move when deg >= 2, none otherwise
                assert (1 <= len(move["moved"]) <= degree - 1) if degree >= 2 else move["moved"] == []
            if move["op"] in ("blowup_vertex", "blowup_edge"):
                assert move["sign"] in (1, -1)
            apply_move(graph, move)  # raises IllegalMove if the attempt were not a legal kernel move
    assert seen == PUBLISHED_OPS and nothing > 0  # every type occurs, and illegal attempts do occur


def test_scramble_counts_attempts_not_moves() -> None:
    rng = np.random.default_rng(3)
    graph = random_tree(rng, 10)
    done = paper_scramble(graph, rng, attempts=100)
    assert 0 < len(done) < 100


def test_generator_is_seeded_and_sized_like_the_published_graphs() -> None:
    gen = RiPutrovPaperGenerator()
    a = gen(np.random.default_rng(5)).to_instance()
    b = gen(np.random.default_rng(5)).to_instance()
    assert a == b
    sizes = [len(g) for i in range(60) for g in gen.pair(np.random.default_rng([11, i]))]
    assert 25 <= min(sizes) and max(sizes) <= 130 and 55 <= sum(sizes) / len(sizes) <= 80  # published: 42-95, mean 68
    capped = RiPutrovPaperGenerator(max_nodes=60)
    assert all(len(g) <= 60 for i in range(10) for g in capped.pair(np.random.default_rng([12, i])))
    with pytest.raises(ValueError):
        RiPutrovPaperGenerator(nodes=0)
    with pytest.raises(ValueError):
        RiPutrovPaperGenerator(max_nodes=5)


def test_the_suite_is_the_generator_s_output() -> None:
    from rigorgym.envs.suites import load_suite, suite_info
    from rigorgym.envs.suites.build_plumbing import SUITES, _rng

    spec = next(s for s in SUITES if s.name == paper.SUITE)
    rows = load_suite(paper.SUITE).instances
    assert len(rows) == 1000 and suite_info(paper.SUITE)["max_nodes"] <= 112
    for i in (0, 1, 500, 999):
        assert spec.generator()(_rng(spec.name, i)).to_instance() == {k: v for k, v in rows[i].items() if k != "id"}
    pairs = paper.suite_instances(50)
    assert not any(isomorphic(*p.kernel_graphs()) for p in pairs)


def test_graph_actions_split_the_layout_by_graph() -> None:
    board = paper.make_board()
    first, second = paper.graph_actions(board.layout)
    for a in np.random.default_rng(0).integers(0, board.layout.n_actions, 200):
        assert board.layout.decode(int(a)).graph == (0 if first[a] else 1)
    assert (first ^ second).all()


def _down_first(board) -> paper.ScoreFn:
    ops = np.array([board.layout.decode(a).op for a in range(board.layout.n_actions)])
    down = np.isin(ops, [BLOWDOWN, ABSORB_ZERO]).astype(np.float32) * 20.0
    return lambda observations: np.tile(down, (len(observations), 1))


def test_a_policy_that_blows_down_first_wins_with_verified_certificates() -> None:
    pairs = paper.suite_instances(6)
    run = paper.evaluate("down-first", _down_first(paper.make_board()), pairs, batch=3)
    summary = run.summary()
    assert summary["solved"] == 6 and sum(summary["by_rule"].values()) == 6
    assert all(e.steps <= paper.MAX_STEPS and e.moves > 0 for e in run.episodes)
    again = paper.evaluate("down-first", _down_first(paper.make_board()), pairs, batch=2)
    assert [e.steps for e in again.episodes] == [e.steps for e in run.episodes]  # seeded per pair, any batch


def test_the_uniform_policy_does_not_win_in_a_few_steps() -> None:
    board = paper.make_board()
    run = paper.evaluate(
        "uniform", paper.uniform_scores(board.layout.n_actions), paper.suite_instances(3), max_steps=20
    )
    assert run.summary()["solved"] == 0


def test_a_small_graph_meeting_is_a_certificate_and_a_cut_one_is_not() -> None:
    """The small-graph rule's certificate (each graph's moves up to its own time) verifies; cut short, it fails."""
    instance = paper.suite_instances(1)[0]
    scores = _down_first(paper.make_board())
    pair = paper._Pair(paper.make_board(), instance)
    first, second = paper.graph_actions(pair.board.layout)
    rng = np.random.default_rng(0)
    meet = None
    for _ in range(paper.MAX_STEPS):
        for g, half in enumerate((first, second)):
            legal = pair.mask & half
            pair.obs, _, _, _, info = pair.board.step(paper._pick(scores([pair.obs])[0], legal, True, rng))
            pair.mask = info["action_mask"]
            meet = meet or (None if info["illegal_action"] else pair.record(g))
        if meet is not None or pair.board.solved:
            break
    if meet is None:
        pytest.skip("this pair met by isomorphism of the current graphs, not by the small-graph rule")
    cert = pair.certificate(*meet)
    assert verify(cert).valid
    cut = copy.deepcopy(cert)
    cut["moves"] = cut["moves"][:-1]
    assert not verify(cut).valid


def test_wilson_interval() -> None:
    low, high = paper.wilson(660, 700)
    assert low == pytest.approx(0.923, abs=1e-3) and high == pytest.approx(0.958, abs=1e-3)
    assert paper.wilson(0, 0) == (0.0, 1.0)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """In this process (:func:`cli_support.run_cli`): a subprocess would add 2-3 s of imports per call."""
    return run_cli(*args)


def test_cli_protocol_is_plumbing_only_and_refuses_clock_flags() -> None:
    out = _cli(
        "evaluate", "UnKnot-v0", "--agent", "pretrained", "--suite", "unknot-random-L20", "--protocol", "ri-putrov"
    )
    assert out.returncode == 2 and "another game" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    out = _cli(
        "evaluate", "Kirby-Plumbing-v0", "--agent", "pretrained", "--suite", paper.SUITE, "--protocol", "ri-putrov",
        "--budget-s", "3",
    )  # fmt: skip
    assert out.returncode == 2 and "--budget-s" in out.stderr


@pytest.fixture(scope="module")
def small_board_agent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A (barely) trained agent whose network reads 16-slot boards only: too small for the published pairs."""
    from rigorgym.agents.algos import vec_ppo

    out = tmp_path_factory.mktemp("small") / "agent"
    args = vec_ppo.Args(env_id="Kirby-Plumbing-Easy-v0", policy="mlp", num_envs=4, num_steps=8, steps=32, out=out)
    return vec_ppo.train(args)


def test_an_agent_that_cannot_take_the_graphs_says_so_and_writes_nothing(
    tmp_path: Path, small_board_agent: Path
) -> None:
    rows = (Path(__file__).parent.parent / "envs" / "suites" / "data" / f"{paper.SUITE}.jsonl").read_text()
    instances = tmp_path / "pairs.jsonl"
    instances.write_text("\n".join(rows.splitlines()[:2]) + "\n")
    out_file = tmp_path / "certs.jsonl"
    small = str(small_board_agent)
    out = _cli("solve", "Kirby-Plumbing-v0", "--agent", small, "--instances", str(instances), "--out", str(out_file))
    assert out.returncode == 2 and "cannot take 2 of 2" in out.stderr and "max_nodes=16" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and not out_file.exists()
    out = _cli(
        "evaluate", "Kirby-Plumbing-v0", "--agent", small, "--instances", str(instances), "--protocol", "ri-putrov",
        "--json",
    )  # fmt: skip
    assert out.returncode == 2 and "cannot take 2 of 2" in out.stderr and not out.stdout


def test_cli_protocol_runs_a_shipped_policy_on_the_published_pairs() -> None:
    out = _cli(
        "evaluate", "Kirby-Plumbing-v0", "--agent", "pretrained", "--suite", paper.SUITE, "--protocol", "ri-putrov",
        "--limit", "3", "--max-steps", "200", "--json",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["pairs"] == 3 and summary["protocol"] == "ri-putrov" and summary["solved"] >= 2
