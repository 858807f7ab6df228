"""``rigorgym train --backend rllib``: every RLlib algorithm x policy, checkpoints, resume, solving, a real cluster.

Every Ray test lives in this one file so that pytest-xdist (``--dist
loadfile``) runs them one after another in one process: the cluster test's
``ray stop`` stops every Ray process on the machine.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import ray
from rigorgym.agents.algos.saved import RLLIB_ALGOS, AgentCard
from rigorgym.agents.learned import load_policy
from rigorgym.agents.rllib import make_args, train
from rigorgym.agents.runner import run_agent
from rigorgym.envs.unknot import BraidInstance
from rigorgym.verifiers import verify
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import rigorgym  # noqa: F401

ENV_ID = "UnKnot-Easy-v0"
ENV_KWARGS = {"max_length": 24, "max_strands": 4, "max_episode_steps": 20}
SMALL = {"hidden": (32,), "width": 16, "depth": 2}


def tiny(policy: str) -> dict:
    options = {"hidden": SMALL["hidden"]} if policy == "mlp" else {"width": SMALL["width"], "depth": SMALL["depth"]}
    return {
        **options,
        "env_kwargs": ENV_KWARGS,
        "train_batch_size": 40,
        "minibatch_size": 20,
        "num_epochs": 1,
        "checkpoint_every": 0,
        "progress": False,
    }


@pytest.fixture(scope="module")
def local_ray():
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def ppo_agent(local_ray, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train(ENV_ID, "ppo", "mlp", 60, 0, tmp_path_factory.mktemp("rllib") / "ppo", **tiny("mlp"))


def scalar_tags(folder: Path) -> set[str]:
    acc = EventAccumulator(str(folder / "tb"))
    acc.Reload()
    return set(acc.Tags()["scalars"])


# Every algorithm, and each policy under each of the two RLModules (the actor-critic of PPO, APPO and IMPALA;
# DQN's Q-module): the policy reaches the module the same way whatever the algorithm, so the other three
# pairs prove nothing more. PPO x MLP is the module's shared run (``ppo_agent``).
PAIRS = [("ppo", "mlp"), ("appo", "gnn"), ("impala", "mlp"), ("dqn", "mlp"), ("dqn", "gnn")]


def test_pairs_cover_every_algo_and_policy() -> None:
    assert {a for a, _ in PAIRS} == set(RLLIB_ALGOS)
    for module_algos in ({"ppo", "appo", "impala"}, {"dqn"}):
        assert {p for a, p in PAIRS if a in module_algos} == {"mlp", "gnn"}


@pytest.mark.parametrize(("algo", "policy"), PAIRS)
def test_every_algo_and_policy_trains_and_plays(
    local_ray, request: pytest.FixtureRequest, tmp_path: Path, algo: str, policy: str
) -> None:
    if (algo, policy) == ("ppo", "mlp"):
        out = request.getfixturevalue("ppo_agent")
    else:
        out = train(ENV_ID, algo, policy, 40, 0, tmp_path / "agent", **tiny(policy))
    card = AgentCard.read(out)
    assert card.algo == f"rllib_{algo}" and card.policy == policy and card.steps >= 40
    assert json.loads((out / "checkpoint" / "rigorgym.json").read_text())["env_id"] == ENV_ID
    assert {"charts/SPS", "charts/episodic_return"} <= scalar_tags(out)
    # the folder acts without Ray, on the raw env, with legal actions only
    acting = load_policy(out)
    env = gym.make(ENV_ID, **ENV_KWARGS)
    obs, info = env.reset(seed=0)
    rng = np.random.default_rng(0)
    for deterministic in (True, False):
        action = acting.act(obs, info["action_mask"], deterministic, rng)
        assert info["action_mask"][action]


def test_fixed_metric_names(ppo_agent: Path) -> None:
    tags = scalar_tags(ppo_agent)
    assert {"charts/solved_rate", "charts/SPS", "losses/policy_loss", "losses/value_loss", "losses/entropy"} <= tags


def test_rllib_agent_certificates_verify(ppo_agent: Path) -> None:
    """``rigorgym solve --agent DIR`` on an RLlib folder: whatever it certifies, the kernel accepts."""
    instances = [BraidInstance(2, (1,)), BraidInstance(3, (1, 2)), BraidInstance(3, (1, -2))]  # unknots
    outcomes = list(run_agent(ENV_ID, instances, str(ppo_agent), 2.0, seed=0))
    certificates = [o.certificate for o in outcomes if o.certificate is not None]
    assert certificates, "a sampled search destabilizes these within 2 s"
    assert all(verify(c).valid for c in certificates)


def test_resume_continues_from_a_checkpoint(ppo_agent: Path, tmp_path: Path) -> None:
    options = {**tiny("mlp"), "checkpoint_every": 40}
    start = AgentCard.read(ppo_agent).steps
    out = train(ENV_ID, "ppo", "mlp", start + 90, 0, tmp_path / "more", resume=ppo_agent / "checkpoint", **options)
    assert AgentCard.read(out).steps >= start + 90
    # every checkpoint is also an agent folder: `rigorgym solve --agent DIR/checkpoints/step_N` plays it
    periodic = sorted((out / "checkpoints").iterdir())
    assert periodic
    for folder in (*periodic, out / "checkpoint"):
        card = AgentCard.read(folder)
        assert card.algo == "rllib_ppo" and card.steps <= AgentCard.read(out).steps
        acting = load_policy(folder)
        env = gym.make(ENV_ID, **ENV_KWARGS)
        obs, info = env.reset(seed=1)
        assert info["action_mask"][acting.act(obs, info["action_mask"], True, np.random.default_rng(0))]


def test_bad_inputs_are_value_errors(ppo_agent: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown RLlib algorithm"):
        make_args(ENV_ID, "trpo", "mlp", 10, 0, tmp_path / "a")
    with pytest.raises(ValueError, match="not of Kirby-Plumbing-Easy-v0"):
        make_args("Kirby-Plumbing-Easy-v0", "ppo", "mlp", 10, 0, tmp_path / "b", resume=ppo_agent / "checkpoint")
    with pytest.raises(ValueError, match="A3C's"):
        make_args(ENV_ID, "ppo", "mlp", 10, 0, tmp_path / "c", workers=2)
    with pytest.raises(ValueError, match="not empty"):
        make_args(ENV_ID, "ppo", "mlp", 10, 0, ppo_agent)
    with pytest.raises(ValueError, match="RLlib ppo needs a Discrete action space; MetricFlow-v0"):
        make_args("MetricFlow-v0", "ppo", "mlp", 10, 0, tmp_path / "d")
    assert not any((tmp_path / name).exists() for name in "abd")


def test_train_stays_the_function_after_its_submodule_loads() -> None:
    """``rigorgym.agents.rllib.train`` is the function even once the submodule ``.train`` is imported."""
    import importlib

    import rigorgym.agents.rllib as package

    importlib.import_module("rigorgym.agents.rllib.train")
    from rigorgym.agents.rllib import train as again

    assert callable(again) and again is package.train and again is train


def cli_in_process(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """``rigorgym ARGV`` through ``rigorgym.cli.main`` in this process (its local Ray): (exit status, stderr)."""
    from rigorgym.cli import main

    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert "Traceback" not in err, err[-3000:]
    return int(code or 0), err


def test_cli_resume_of_another_game_is_exit_2(
    ppo_agent: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = cli_in_process(
        capsys, "train", "Kirby-Plumbing-Easy-v0", "--backend", "rllib", "--algo", "ppo", "--policy", "mlp",
        "--steps", "8", "--resume", str(ppo_agent / "checkpoint"), "--out", str(tmp_path / "x"),
    )  # fmt: skip
    assert code == 2
    assert "a checkpoint of UnKnot-Easy-v0" in err.strip().splitlines()[-1]
    assert not (tmp_path / "x").exists()


def test_cli_solve_with_an_rllib_agent(ppo_agent: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    certs = tmp_path / "certs.jsonl"
    code, err = cli_in_process(
        capsys, "solve", ENV_ID, "--suite", "unknot-random-L10", "--limit", "3", "--agent", str(ppo_agent),
        "--budget-s", "2", "--out", str(certs),
    )  # fmt: skip
    assert code in (0, 1), err
    lines = [json.loads(line) for line in certs.read_text().splitlines()] if certs.exists() else []
    assert all(verify(c).valid for c in lines)


# -- self-play on scramble_solve_v0 (RLlib multi-agent): two policies, then an exported suite ------------

SELFPLAY = {
    "solver_moves": 10,
    "hidden": (32,),
    "train_batch_size": 100,
    "minibatch_size": 50,
    "num_epochs": 1,
    "full_scramble": True,
    "progress": False,
}


@pytest.fixture(scope="module")
def selfplay_run(local_ray, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from rigorgym.agents.rllib.selfplay import train_selfplay

    out = tmp_path_factory.mktemp("selfplay") / "run"
    return train_selfplay("UnKnot-v0", 300, 0, out, scramble_moves=4, **SELFPLAY)


def test_selfplay_env_is_turn_based_and_zero_sum() -> None:
    """The RLlib adapter: one player observes at a time, masks in the modules' layout, returns sum to zero."""
    from rigorgym.agents.rllib.selfplay import ScrambleSolveMultiAgentEnv

    env = ScrambleSolveMultiAgentEnv({"scramble_moves": 3, "solver_moves": 6, "full_scramble": True})
    rng = np.random.default_rng(0)
    for seed in range(3):
        obs, _ = env.reset(seed=seed)
        returns = {"scrambler": 0.0, "solver": 0.0}
        scrambler_turns = 0
        while True:
            assert len(obs) == 1 or not env.agents
            (agent, o), *_ = obs.items()
            assert env.observation_spaces[agent].contains(o)
            scrambler_turns += agent == "scrambler"
            obs, rewards, terminated, _, _ = env.step({agent: int(rng.choice(np.flatnonzero(o["action_mask"])))})
            for a, r in rewards.items():
                returns[a] += r
            if terminated["__all__"]:
                break
        assert scrambler_turns == 3  # stop masked: the full scramble
        assert returns["scrambler"] == pytest.approx(-returns["solver"])


def test_selfplay_writes_two_policies_that_act_legally(selfplay_run: Path) -> None:
    from rigorgym.agents.rllib.selfplay import game_policy, load_player
    from rigorgym.envs.multiagent import scramble_solve_v0

    for player in ("scrambler", "solver"):
        assert (selfplay_run / player / "model.pt").is_file()
        assert AgentCard.read(selfplay_run / player).algo == "rllib_ppo"
    assert json.loads((selfplay_run / "checkpoint" / "rigorgym.json").read_text())["env_id"] == "UnKnot-v0"
    tags = scalar_tags(selfplay_run)
    assert {"charts/SPS", "scrambler/losses/policy_loss", "solver/losses/policy_loss"} <= tags
    # the solver folder is an ordinary UnKnot-v0 agent (policy.py loads it); both players act legally in the game
    solver = load_policy(selfplay_run / "solver")
    env = gym.make("UnKnot-v0")
    obs, info = env.reset(seed=0)
    assert info["action_mask"][solver.act(obs, info["action_mask"], True, np.random.default_rng(0))]
    policies = {
        p: game_policy(load_player(selfplay_run / p), deterministic=False, seed=1) for p in ("scrambler", "solver")
    }
    game = scramble_solve_v0.env(game="UnKnot-v0", scramble_moves=4, solver_moves=10)
    game.reset(seed=0)
    for agent in game.agent_iter():
        observation, _, terminated, truncated, info = game.last()
        assert not info["illegal_action"]
        if terminated or truncated:
            game.step(None)
            continue
        action = policies[agent](observation, agent)
        assert observation["action_mask"][action]
        game.step(action)


def test_selfplay_scrambler_exports_a_suite_that_loads(
    selfplay_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rigorgym.envs.suites as suites
    from rigorgym.agents.rllib.selfplay import game_policy, load_player, without_stop
    from rigorgym.envs.multiagent import export_suite, play, random_policy, scramble_solve_v0

    scrambler = without_stop(game_policy(load_player(selfplay_run / "scrambler"), deterministic=False, seed=0))
    game = scramble_solve_v0.env(game="UnKnot-v0", scramble_moves=4, solver_moves=10)
    games = play(game, scrambler, random_policy(0), episodes=12, seed=0)
    entry = export_suite(games, tmp_path, "unknot-adversarial-test", size=5)
    monkeypatch.setattr(suites, "DATA", tmp_path)
    suites._index.cache_clear()
    suites._checked_lines.cache_clear()
    try:
        suite = suites.load_suite("unknot-adversarial-test")
    finally:
        suites._index.cache_clear()
        suites._checked_lines.cache_clear()
    assert suite.env == "UnKnot-v0" and suite.hash == entry["hash"] and 1 <= len(suite) <= 5
    assert all(x["braid"]["word"] for x in suite.instances)


def test_selfplay_against_the_frozen_shipped_solver() -> None:
    """``opponent="pretrained"``: the solver plays inside the env; RLlib sees only the scrambler, paid at the end."""
    from rigorgym.agents.rllib.selfplay import ScrambleSolveMultiAgentEnv

    env = ScrambleSolveMultiAgentEnv(
        {
            "game": "UnKnot-v0",
            "scramble_moves": 3,
            "full_scramble": True,
            "opponent": "pretrained",
            "outcome_reward": True,
        }
    )
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=0)
    rewards: list[float] = []
    for _ in range(3):
        assert set(obs) == {"scrambler"}
        action = int(rng.choice(np.flatnonzero(obs["scrambler"]["action_mask"])))
        obs, reward, terminated, truncated, infos = env.step({"scrambler": action})
        rewards.append(reward["scrambler"])
    assert terminated["__all__"] or truncated["__all__"], "the solver's turns are played inside the env"
    assert rewards[:-1] == [0.0, 0.0] and 0.0 <= rewards[-1] <= 1.0
    assert infos["scrambler"]["winner"] in ("solver", "scrambler") and "solver" not in infos


# -- the benchmarks (small runs, in this process: no interpreter, no Ray of their own to start) ---------


def bench(capsys: pytest.CaptureFixture[str], name: str, *args: str) -> list[dict]:
    """``benchmarks/NAME ARGS`` through its ``main``, here; its JSON lines."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "benchmarks" / name
    spec = importlib.util.spec_from_file_location(f"_bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    capsys.readouterr()
    assert module.main(list(args)) == 0
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


@pytest.mark.slow
def test_rllib_unknot_small(local_ray, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A few seconds of training (``--quick`` trains for 20 s): the table, the verified column, the page."""
    rows = bench(
        capsys, "rllib_unknot.py", "--minutes", "0.34", "--limit", "3", "--budget-s", "0.3", "--out-dir", str(tmp_path)
    )
    agents = {r["agent"]: r for r in rows if "agent" in r}
    assert set(agents) == {"rllib-ppo", "random"}
    assert all(r["instances"] == 3 and r["verified"] == r["solved"] for r in agents.values())
    assert "Acceptance" in (tmp_path / "rllib-unknot.md").read_text()


@pytest.mark.slow
def test_unknot_adversarial_small(local_ray, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Self-play for a few seconds, 8 games of 6 scrambler moves, a 4-braid suite (``--quick``: 20 s, 60, 8)."""
    rows = bench(
        capsys, "unknot_adversarial.py", "--minutes", "0.05", "--games", "8", "--size", "4", "--budget-s", "0.2",
        "--also-budget-s", "0.05", "--scramble-moves", "6", "--out-dir", str(tmp_path),
        "--suite-dir", str(tmp_path / "suite"),
    )  # fmt: skip
    assert {r["scrambler"] for r in rows if "scrambler" in r} == {"learned", "random"}
    greedy = [r for r in rows if r.get("protocol") == "one greedy episode"]
    assert greedy and all(0 <= r["solved"] <= r["instances"] for r in greedy)
    index = json.loads((tmp_path / "suite" / "index.json").read_text())
    assert 1 <= index["unknot-adversarial"]["size"] <= 4
    assert "As the solver plays in the games" in (tmp_path / "unknot-adversarial.md").read_text()


@pytest.mark.slow
def test_rllib_scaling_quick(local_ray, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """On this module's local Ray (a run from the command line starts its own, with a CPU per env runner).

    0 env runners only: an env runner actor is exercised by the two benchmarks above and the cluster test."""
    rows = bench(capsys, "rllib_scaling.py", "--quick", "--runners", "0", "--out", str(tmp_path))
    measured = [r for r in rows if "sps" in r]
    assert [(r["backend"], r["env_runners"]) for r in measured] == [("rllib", 0), ("sb3", None)]
    assert all(r["sps"] > 0 for r in measured)
    assert "| rllib | 0 |" in (tmp_path / "rllib-scaling.md").read_text()
    assert ray.is_initialized(), "the run used the Ray it found and left it running"


# -- a real two-node cluster on 127.0.0.1 (tests/ray_support.py) -----------------------------------------


@pytest.mark.slow
def test_zz_training_on_a_two_node_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A head node and a second node (``ray start --block`` each), a run through ``--address``, then both ended.

    The run is ``rigorgym train`` in this process (``main``), a driver that joins the cluster and leaves it;
    a subprocess would only add its imports."""
    from tests.ray_support import ray_cli, two_node_cluster, wait_for_nodes

    with two_node_cluster() as cluster:  # ends this process's local Ray (the module fixture) first
        wait_for_nodes(cluster, 2)
        out = tmp_path / "agent"
        code, err = cli_in_process(
            capsys, "train", ENV_ID, "--backend", "rllib", "--algo", "ppo", "--policy", "mlp", "--steps", "40",
            "--num-env-runners", "1", "--address", cluster.address, "--env-kwargs", json.dumps(ENV_KWARGS),
            "--hidden", "32", "--set", "train_batch_size=40", "--set", "minibatch_size=20", "--set", "num_epochs=1",
            "--no-progress", "--out", str(out),
        )  # fmt: skip
        assert code == 0, err[-3000:]
        assert not ray.is_initialized(), "the run leaves the cluster it joined"
        assert AgentCard.read(out).steps >= 40
        status = ray_cli("status", f"--address={cluster.address}")
        assert status.stdout.count("node_") >= 2, status.stdout
