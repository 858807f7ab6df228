"""The batched trainers on UnKnot-Diagram-v0 (issue 20 item 5): the flat observation, each trainer, the CLI.

Tiny runs on a small board (``max_crossings`` 12, scrambles of 4 crossings and
4 R3 shuffles, injected into the trainers' env factory the way the zoo
injects its curriculum: ``env_kwargs`` must be JSON): each trainer writes an
agent folder that acts legally on the single env's ``Dict`` observations;
same seed, same weights; ``rigorgym train ... --backend vec`` in a real
process writes a folder that ``rigorgym solve`` plays, every certificate
verified.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from rigorgym.agents.algos import vec_a2c, vec_common, vec_dqn, vec_ppo, vec_trpo
from rigorgym.agents.policies.diagram_obs import FlatDiagramObservation, flat_size, flatten_diagram
from rigorgym.envs.unknot_diagram.generator import ScrambledUnknotGenerator
from rigorgym.verifiers import verify

from tests.cli_support import EXE, run_cli
from tests.vec_support import assert_acts_legally, same_weights

ENV_ID = "UnKnot-Diagram-v0"
BOARD: dict[str, Any] = {"max_crossings": 12}
SMALL = ScrambledUnknotGenerator(4, 4)
MODULES: dict[str, ModuleType] = {"ppo": vec_ppo, "a2c": vec_a2c, "trpo": vec_trpo, "dqn": vec_dqn}
EXTRA: dict[str, dict[str, Any]] = {
    "ppo": {"num_steps": 16, "update_epochs": 1},
    "a2c": {"num_steps": 8},
    "trpo": {"num_steps": 16},
    "dqn": {
        "buffer_size": 1_000,
        "batch_size": 16,
        "learning_starts": 32,
        "target_network_frequency": 50,
        "log_every": 64,
    },
}


def small_envs(args: Any) -> gym.vector.VectorEnv:
    """The trainers' env factory with the small scrambles (as ``agents.protocols.unknot_zoo`` injects a generator)."""
    return vec_common.make_envs(replace(args, env_kwargs={**args.env_kwargs, "generator": SMALL}))


def tiny(algo: str, out: Path, **kw: Any) -> Any:
    base = MODULES[algo].Args(
        env_id=ENV_ID, env_kwargs=dict(BOARD), num_envs=8, steps=256, hidden=(32,), threads=1, out=out, **EXTRA[algo]
    )
    return replace(base, **kw)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One tiny run per trainer, shared by the tests that only read its folder."""
    root = tmp_path_factory.mktemp("vec_diagram")
    patch = pytest.MonkeyPatch()
    try:
        for module in MODULES.values():
            patch.setattr(module, "make_envs", small_envs)
        return {algo: Path(MODULES[algo].train(tiny(algo, root / algo))) for algo in MODULES}
    finally:
        patch.undo()


def test_flat_observation_matches_the_single_env() -> None:
    """The wrapper's rows are ``flatten_diagram`` of the single env's ``Dict``, inside the flat Box, steps clipped."""
    envs = FlatDiagramObservation(
        gym.make_vec(ENV_ID, num_envs=3, vectorization_mode="vector_entry_point", generator=SMALL, **BOARD)
    )
    single = gym.make(ENV_ID, generator=SMALL, **BOARD)
    rows, _ = envs.reset(seed=5)
    assert rows.shape == (3, flat_size(12)) == (3, 62) and rows.dtype == np.int16
    space = envs.single_observation_space
    for i in range(3):
        obs, _ = single.reset(seed=5 + i)
        assert np.array_equal(rows[i], flatten_diagram(obs)) and space.contains(rows[i])
        assert np.array_equal(vec_common.one_row(obs).numpy()[0], rows[i])  # what a trained agent's act reads
    many = {"pd": np.zeros((12, 4), np.int64), "crossing_mask": np.zeros(12, np.int8), "stats": np.array([0, 10**6])}
    assert flatten_diagram(many)[-1] == 24 and space.contains(flatten_diagram(many))  # steps clipped to 2N
    envs.close()


@pytest.mark.parametrize("algo", MODULES)
def test_each_trainer_runs_and_acts_legally(runs: dict[str, Path], algo: str) -> None:
    out = runs[algo]
    card = json.loads((out / "agent.json").read_text())
    assert card["algo"] == f"vec_{algo}" and card["env_id"] == ENV_ID and card["env_kwargs"] == BOARD
    assert card["steps"] >= 256 and card["metrics"]["illegal_actions"] == 0
    spec = torch.load(out / "model.pt", weights_only=False)["spec"]
    assert spec["obs_dim"] == flat_size(12) and spec["n_actions"] == gym.make(ENV_ID, **BOARD).action_space.n
    assert_acts_legally(MODULES[algo].load_policy(out), 60, ENV_ID, {**BOARD, "generator": SMALL})


@pytest.mark.parametrize("algo", MODULES)
def test_same_seed_same_run(runs: dict[str, Path], algo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MODULES[algo], "make_envs", small_envs)
    again = Path(MODULES[algo].train(tiny(algo, tmp_path / "again")))
    assert same_weights(runs[algo], again)


def test_cli_train_then_solve(tmp_path: Path) -> None:
    """``rigorgym train UnKnot-Diagram-v0 --backend vec`` (a real process), then ``solve`` with its folder."""
    out = tmp_path / "agent"
    command = [EXE] if EXE else [sys.executable, "-m", "rigorgym"]
    argv = ["train", ENV_ID, "--backend", "vec", "--algo", "ppo", "--policy", "mlp", "--num-envs", "8",
            "--steps", "64", "--env-kwargs", json.dumps(BOARD), "--set", "num_steps=8", "--set", "hidden=[16]",
            "--set", "threads=1", "--no-progress", "--out", str(out)]  # fmt: skip
    proc = subprocess.run([*command, *argv], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == str(out) and (out / "model.pt").is_file()

    rng = np.random.default_rng(0)
    instances = tmp_path / "small.jsonl"
    instances.write_text("".join(json.dumps({"pd": [list(c) for c in SMALL(rng).pd]}) + "\n" for _ in range(2)))
    certs = tmp_path / "certs.jsonl"
    solve = ["solve", ENV_ID, "--instances", str(instances), "--agent", str(out), "--max-steps", "300"]
    assert run_cli(*solve, "--out", str(certs)).returncode in (0, 1)  # a 64-step agent may solve none
    assert all(verify(json.loads(line)).valid for line in certs.read_text().splitlines())
