"""The batched UnKnot-Diagram-v0 equals SyncVectorEnv over the single env, step for step."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import SyncVectorEnv
from gymnasium.wrappers import TimeLimit
from rigorgym.envs.unknot_diagram import UnKnotDiagramEnv
from rigorgym.envs.unknot_diagram.generator import ScrambledUnknotGenerator, SuiteGenerator
from rigorgym.envs.unknot_diagram.vector import UnKnotDiagramVectorEnv
from rigorgym.verifiers import verify

import rigorgym  # noqa: F401

B = 4


def pair(generator: Any, max_crossings: int, steps: int) -> tuple[UnKnotDiagramVectorEnv, SyncVectorEnv]:
    vec = UnKnotDiagramVectorEnv(B, generator, max_crossings=max_crossings, max_episode_steps=steps)
    sync = SyncVectorEnv(
        [lambda: TimeLimit(UnKnotDiagramEnv(generator, max_crossings=max_crossings), steps) for _ in range(B)]
    )
    return vec, sync


def assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key


@pytest.mark.parametrize(
    "generator, max_crossings",
    [(ScrambledUnknotGenerator(6, 8), 12), (SuiteGenerator("unknot-diagram-hard"), 48)],
    ids=["scrambles", "suite"],
)
def test_trajectories_equal_the_sync_vector_env(generator: Any, max_crossings: int) -> None:
    vec, sync = pair(generator, max_crossings, 25)
    o1, i1 = vec.reset(seed=3)
    o2, i2 = sync.reset(seed=3)
    rng = np.random.default_rng(0)
    resets = 0
    for _ in range(120):
        assert_same(o1, o2)
        assert np.array_equal(i1["action_mask"], i2["action_mask"])
        masks = i1["action_mask"]
        actions = np.array(
            [
                int(rng.choice(np.flatnonzero(m))) if rng.random() < 0.9 else int(rng.integers(-2, m.size + 2))
                for m in masks
            ]
        )
        o1, r1, te1, tr1, i1 = vec.step(actions)
        o2, r2, te2, tr2, i2 = sync.step(actions)
        assert np.allclose(r1, r2) and np.array_equal(te1, te2) and np.array_equal(tr1, tr2)
        if "illegal_action" in i2:  # absent when every env was resetting (SyncVectorEnv gives the reset info)
            there = i2["_illegal_action"]
            assert np.array_equal(i1["_illegal_action"], there)
            assert np.array_equal(i1["illegal_action"][there], i2["illegal_action"][there])
        resets += int(tr1.sum())
    assert resets >= B


def test_a_won_episode_gives_the_same_verified_certificate() -> None:
    vec, sync = pair(ScrambledUnknotGenerator(6, 8), 12, 25)
    kink = {"pd": [[1, 1, 2, 2]]}
    vec.reset(seed=1, options={"instance": kink})
    sync.reset(seed=1, options={"instance": kink})
    _, _, te1, _, i1 = vec.step(np.zeros(B, np.int64))  # R1 remove crossing 0
    _, _, te2, _, i2 = sync.step(np.zeros(B, np.int64))
    assert te1.all() and te2.all()
    for k in range(B):
        assert verify(i1["certificate"][k]).valid
        assert i1["certificate"][k]["moves"] == [{"op": "r1_remove", "crossing": 0}]
    assert i2["_certificate"].all()


def test_make_vec_and_seeding() -> None:
    envs = [gym.make_vec("UnKnot-Diagram-v0", num_envs=3, vectorization_mode="vector_entry_point") for _ in range(2)]
    assert isinstance(envs[0].unwrapped, UnKnotDiagramVectorEnv) and envs[0].unwrapped.max_episode_steps == 200
    obs = [env.reset(seed=9)[0] for env in envs]
    assert_same(obs[0], obs[1])
    with pytest.raises(ValueError, match="expected 3 actions"):
        envs[0].step(np.zeros(2, np.int64))
    _, reward, _, _, info = envs[0].step(np.array([-1, "x", 10**12], dtype=object))
    assert info["illegal_action"].all() and (reward < 0).all()


def test_parallel_rows_equal_serial_rows() -> None:
    """B = 1,024 runs on two threads when it can (rigorgym.threads): same trajectories as one env at a time."""
    big = UnKnotDiagramVectorEnv(1024, ScrambledUnknotGenerator(6, 8), max_crossings=12, max_episode_steps=10)
    small = UnKnotDiagramVectorEnv(2, ScrambledUnknotGenerator(6, 8), max_crossings=12, max_episode_steps=10)
    o1, i1 = big.reset(seed=5)
    o2, i2 = small.reset(seed=[5 + 1022, 5 + 1023])
    rng = np.random.default_rng(2)
    for _ in range(30):
        assert np.array_equal(o1["pd"][-2:], o2["pd"])
        actions = np.array([int(rng.choice(np.flatnonzero(m))) for m in i1["action_mask"]])
        o1, _, _, _, i1 = big.step(actions)
        o2, _, _, _, i2 = small.step(actions[-2:])
