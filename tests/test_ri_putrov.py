"""The Ri-Putrov reproduction: the benchmark's smoke run, the shipped plumbing agent, A3C's curriculum option."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rigorgym.agents.algos.a3c import Args, Curriculum, set_path, train, validate
from rigorgym.agents.algos.saved import AgentCard
from rigorgym.envs.kirby_plumbing import KirbyPlumbingEnv
from rigorgym.envs.kirby_plumbing.generator import RiPutrovGenerator
from rigorgym.verifiers import verify

import rigorgym  # noqa: F401
from tests.benchmark_support import run_main

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "agents" / "data" / "pretrained" / "plumbing-ppo-gnn"


# -- benchmarks/ri_putrov.py -----------------------------------------------------------------------


def test_quick_benchmark_writes_its_report(tmp_path: Path) -> None:
    """``--quick``: every agent trains for a few hundred steps, is evaluated and reported (under a minute)."""
    out = tmp_path / "out"
    proc = run_main("ri_putrov.py", "--quick", "--out-dir", str(out), "--work", str(tmp_path / "runs"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    agents = {x["agent"] for x in lines if "agent" in x}
    assert {"A3C-GNN", "DQN-GNN", "MaskablePPO-GNN", "normal-form"} <= agents
    report = json.loads((out / "ri-putrov.json").read_text())
    rows = {r["agent"]: r for r in report["results"]}
    assert rows["normal-form"]["success"] == 1.0
    assert all(r["verified"] == r["solved"] for r in rows.values())
    assert all(run["curve"] for run in report["runs"])
    assert "A3C-GNN" in (out / "ri-putrov.md").read_text()
    assert (out / "ri-putrov.png").stat().st_size > 1000


def test_page_rerenders_from_the_committed_report(tmp_path: Path) -> None:
    """``--from-json``: the committed page regenerates from its raw report, through the shared reporter."""
    committed = ROOT / "docs" / "results" / "ri-putrov.json"
    if not committed.is_file():
        pytest.skip("no committed ri-putrov report")
    proc = run_main("ri_putrov.py", "--from-json", str(committed), "--out-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    page = (tmp_path / "ri-putrov.md").read_text()
    report = json.loads(committed.read_text())
    assert "not re-measured" in page and report["command"] in page
    for row in report["results"]:
        assert f"| {row['agent']} |" in page
    assert "### The policy guiding a restart search" in page and "## Training" in page
    assert (tmp_path / "ri-putrov.png").stat().st_size > 1000


def test_the_retired_a3c_agent_is_not_shipped_again() -> None:
    """``--ship`` / ``--recheck`` are refused: plumbing-a3c-gnn reads 48-slot boards only (retired 2026-12-07)."""
    for flag in ("--ship", "--recheck"):
        proc = run_main("ri_putrov.py", flag, "--quick")
        assert proc.returncode == 2 and "retired" in proc.stderr
    assert not (ROOT / "agents" / "data" / "pretrained" / "plumbing-a3c-gnn").exists()


# -- the shipped agent -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> Path:
    if not (SHIPPED / "agent.json").is_file():
        pytest.skip("no plumbing-ppo-gnn agent ships (benchmarks/ri_putrov_paper.py --ship writes it)")
    return SHIPPED


def test_shipped_card(shipped: Path) -> None:
    card = AgentCard.read(shipped)
    assert card.algo == "vec_ppo" and card.policy == "gnn" and card.env_id == "Kirby-Plumbing-Paper-v0"
    assert card.metrics["solved_rate"] >= 0.95
    assert "plumbing-ri-putrov-paper" in card.notes
    assert sum(p.stat().st_size for p in shipped.iterdir()) < 5 * 2**20


def test_pretrained_picks_it(shipped: Path) -> None:
    from rigorgym.agents.learned import pretrained_for

    assert pretrained_for("Kirby-Plumbing-RiPutrov-v0") == shipped


def test_shipped_agent_certificates_verify(shipped: Path) -> None:
    """The agent solves pairs of the RiPutrov tier (on its own 128-slot board) and the kernel accepts them."""
    import gymnasium as gym
    from rigorgym.agents.learned import LearnedAgent
    from rigorgym.envs.kirby_plumbing.types import PlumbingInstance
    from rigorgym.envs.suites import load_suite

    env = gym.make("Kirby-Plumbing-RiPutrov-v0")
    agent = LearnedAgent(shipped, episode_steps=200)
    verified = 0
    for raw in load_suite("plumbing-ri-putrov-10").instances[:12]:
        result = agent.solve(env, PlumbingInstance.from_instance(raw), 5.0, seed=0)
        if result.certificate is not None:
            assert verify(result.certificate).valid
            assert result.certificate["meta"]["instance_id"] == raw["id"]
            verified += 1
        if verified == 3:
            break
    assert verified == 3


# -- A3C's curriculum ------------------------------------------------------------------------------


def test_generator_weight_limit_redraws_outliers() -> None:
    """``weight_limit`` skips the rare pair an env of that limit would refuse; ``None`` leaves the draws alone."""
    base = RiPutrovGenerator(10, 100, max_nodes=48)
    limited = RiPutrovGenerator(10, 100, max_nodes=48, weight_limit=22)
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    assert base(a) == RiPutrovGenerator(10, 100, max_nodes=48, weight_limit=None)(b)
    rng = np.random.default_rng(0)
    for _ in range(30):
        pair = limited(rng)
        assert all(abs(w) <= 22 for g in pair.graphs for _, w in g["nodes"])


def test_curriculum_steps_up_on_the_solved_rate() -> None:
    env = KirbyPlumbingEnv(generator=RiPutrovGenerator(4, 50, max_nodes=16), max_nodes=16)
    levels = [{"generator.scramble_moves": k, "generator.nodes": 3} for k in (1, 4, 9)]
    cur = Curriculum(levels, threshold=0.5, window=4)
    cur.apply(env)
    assert (env.generator.scramble_moves, env.generator.nodes) == (1, 3)
    assert not any(cur.record(s, env) for s in (True, False, False))  # the window is not full yet
    assert cur.record(True, env)  # 2 of 4 episodes reach the threshold 0.5 once the window is full
    assert cur.level == 1 and env.generator.scramble_moves == 4
    for _ in range(4):
        cur.record(True, env)
    assert cur.level == 2 and env.generator.scramble_moves == 9
    for _ in range(10):
        assert not cur.record(True, env)  # the last level stays
    assert cur.level == 2


def test_curriculum_needs_the_threshold_over_a_full_window() -> None:
    env = KirbyPlumbingEnv(generator=RiPutrovGenerator(4, 4, max_nodes=16), max_nodes=16)
    cur = Curriculum([{"generator.scramble_moves": 1}, {"generator.scramble_moves": 2}], threshold=0.75, window=4)
    cur.apply(env)
    for solved in (True, True, False, False, True, False):
        cur.record(solved, env)
    assert cur.level == 0 and env.generator.scramble_moves == 1


def test_set_path_refuses_unknown_attributes() -> None:
    env = KirbyPlumbingEnv(max_nodes=16)
    set_path(env, "generator.scramble_moves", 7)
    assert env.generator.scramble_moves == 7
    with pytest.raises(AttributeError, match="scramble_move"):
        set_path(env, "generator.scramble_move", 7)


@pytest.mark.parametrize(
    "change, words",
    [
        ({"curriculum": [{}]}, "non-empty dict"),
        ({"curriculum": [{"generator.nodes": object()}]}, "JSON"),
        ({"curriculum": [{"generator.nodes": 3}], "curriculum_threshold": 0.0}, "curriculum_threshold"),
        ({"curriculum": [{"generator.nodes": 3}], "curriculum_window": 0}, "curriculum_window"),
    ],
)
def test_bad_curriculum_raises(tmp_path: Path, change: dict[str, object], words: str) -> None:
    args = Args(env_id="Kirby-Plumbing-v0", policy="gnn", out=tmp_path, **change)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=words):
        validate(args)


def test_a3c_trains_through_a_curriculum(tmp_path: Path) -> None:
    """An inline run applies the levels in its worker and writes them, and the level reached, into agent.json."""
    levels = [{"generator.nodes": 3, "generator.scramble_moves": k} for k in (1, 2)]
    args = Args(
        env_id="Kirby-Plumbing-v0",
        policy="gnn",
        steps=300,
        seed=0,
        out=tmp_path,
        workers=0,
        n_steps=10,
        width=8,
        depth=1,
        env_kwargs={"max_nodes": 16, "extrude_d": 0, "extrude_neighbours": 0, "max_episode_steps": 3},
        curriculum=levels,
        curriculum_threshold=0.5,
        curriculum_window=2,
        progress=False,
    )
    card = AgentCard.read(train(args))
    assert card.algo_args["curriculum"] == levels
    assert card.metrics["curriculum_level"] in (0.0, 1.0)
