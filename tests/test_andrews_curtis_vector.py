"""The batched AndrewsCurtis-v0 equals SyncVectorEnv over the single env, step for step."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import SyncVectorEnv
from gymnasium.wrappers import TimeLimit
from rigorgym.envs.andrews_curtis import AndrewsCurtisEnv, ListGenerator, PresentationInstance
from rigorgym.envs.andrews_curtis.generator import ScrambledTrivialGenerator
from rigorgym.envs.andrews_curtis.vector import AndrewsCurtisVectorEnv
from rigorgym.verifiers import verify

import rigorgym  # noqa: F401

B = 4
#: Presentations given as instances (the generic load path), one not cyclically reduced.
GIVEN = ListGenerator(
    (
        PresentationInstance(((1, 2), (2,))),
        PresentationInstance(((-1, 2, 2, 1, -2, -2, -2), (-1, 2, 1, -2, -1))),
        PresentationInstance(((2, 1, -1, 1, 2, -2), (1, 2, 1, -2, -1, -1))),
    )
)


def pair(generator: Any, length: int, steps: int) -> tuple[AndrewsCurtisVectorEnv, SyncVectorEnv]:
    vec = AndrewsCurtisVectorEnv(B, generator, max_relator_length=length, horizon=steps, max_episode_steps=steps)
    sync = SyncVectorEnv(
        [
            lambda: TimeLimit(AndrewsCurtisEnv(generator, max_relator_length=length, horizon=steps), steps)
            for _ in range(B)
        ]
    )
    return vec, sync


def certificate(sync: SyncVectorEnv, k: int) -> dict[str, Any]:
    """Env ``k``'s certificate (SyncVectorEnv splits info dicts into arrays per key; the env still holds it)."""
    return sync.envs[k].unwrapped.certificate()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "generator, length", [(ScrambledTrivialGenerator(4, 6), 6), (GIVEN, 9)], ids=["scrambles", "instances"]
)
def test_trajectories_equal_the_sync_vector_env(generator: Any, length: int) -> None:
    """Observations, rewards, ends, masks, illegal flags and certificates, with auto-resets on both ends."""
    vec, sync = pair(generator, length, 12)
    o1, i1 = vec.reset(seed=3)
    o2: Any
    r2: Any
    te2: Any
    tr2: Any
    o2, i2 = sync.reset(seed=3)
    rng = np.random.default_rng(0)
    resets = wins = 0
    for _ in range(300):
        assert np.array_equal(o1, o2)
        assert np.array_equal(i1["action_mask"], i2["action_mask"])
        assert np.array_equal(i1["length"], i2["length"])
        actions = np.array(
            [
                int(rng.choice(np.flatnonzero(m))) if rng.random() < 0.85 else int(rng.integers(-2, 14))
                for m in i1["action_mask"]
            ]
        )
        o1, r1, te1, tr1, i1 = vec.step(actions)
        o2, r2, te2, tr2, i2 = sync.step(actions)
        assert np.array_equal(r1, r2) and np.array_equal(te1, te2) and np.array_equal(tr1, tr2)
        if "illegal_action" in i2:  # absent when every env was resetting (SyncVectorEnv gives the reset info)
            there = i2["_illegal_action"]
            assert np.array_equal(i1["_illegal_action"], there)
            assert np.array_equal(i1["illegal_action"][there], i2["illegal_action"][there])
        if te1.any():
            assert np.array_equal(i1["_certificate"], i2["_certificate"])
            for k in np.flatnonzero(te1):
                assert i1["certificate"][k] == certificate(sync, int(k)) and verify(i1["certificate"][k]).valid
                wins += 1
        resets += int(tr1.sum() + te1.sum())
    assert resets >= 2 * B and wins >= 1


def test_a_won_episode_gives_the_same_verified_certificate() -> None:
    vec, sync = pair(ScrambledTrivialGenerator(4, 6), 6, 25)
    given = {"relators": [[1, 2], [2]], "name": "xy"}
    vec.reset(seed=1, options={"instance": given})
    sync.reset(seed=1, options={"instance": given})
    actions = np.array([4, 99, 1, 1])  # a no-op conjugation, an illegal action, the win r0 <- r0 r1^-1 twice
    _, r1, te1, _, i1 = vec.step(actions)
    _, r2, te2, _, i2 = sync.step(actions)
    assert te1.tolist() == te2.tolist() == [False, False, True, True] and np.array_equal(r1, r2)
    for k in (2, 3):
        assert i1["certificate"][k] == certificate(sync, k) and verify(i1["certificate"][k]).valid
        assert i1["certificate"][k]["moves"] == [{"op": "concat", "i": 0, "j": 1, "sign": -1}]
        assert i1["certificate"][k]["meta"]["seed"] == 1 + k
    assert i1["certificate"][0] is None and not i1["_certificate"][0]


def test_make_vec_and_seeding() -> None:
    envs = [gym.make_vec("AndrewsCurtis-v0", num_envs=3, vectorization_mode="vector_entry_point") for _ in range(2)]
    assert isinstance(envs[0].unwrapped, AndrewsCurtisVectorEnv) and envs[0].unwrapped.max_episode_steps == 400
    obs = [env.reset(seed=9)[0] for env in envs]
    assert np.array_equal(obs[0], obs[1]) and obs[0].shape == (3, 72) and obs[0].dtype == np.int8
    single = gym.make("AndrewsCurtis-v0")
    assert np.array_equal(single.reset(seed=10)[0], obs[0][1])
    with pytest.raises(ValueError, match="expected 3 actions"):
        envs[0].step(np.zeros(2, np.int64))
    _, reward, _, _, info = envs[0].step(np.array([-1, "x", 10**12], dtype=object))
    assert info["illegal_action"].all() and (reward < 0).all()
    assert envs[0].unwrapped.render() is None


def test_parallel_rows_equal_serial_rows() -> None:
    """B = 1,024 runs on two threads when it can (rigorgym.threads): same trajectories as one env at a time."""
    gen = ScrambledTrivialGenerator(6, 8)
    big = AndrewsCurtisVectorEnv(1024, gen, max_relator_length=8, max_episode_steps=10)
    small = AndrewsCurtisVectorEnv(2, gen, max_relator_length=8, max_episode_steps=10)
    o1, i1 = big.reset(seed=5)
    o2, i2 = small.reset(seed=[5 + 1022, 5 + 1023])
    rng = np.random.default_rng(2)
    for _ in range(30):
        assert np.array_equal(o1[-2:], o2)
        actions = np.array([int(rng.choice(np.flatnonzero(m))) for m in i1["action_mask"]])
        o1, r1, _, _, i1 = big.step(actions)
        o2, r2, _, _, i2 = small.step(actions[-2:])
        assert np.array_equal(r1[-2:], r2)


def test_the_batched_trainers_learner_sees_scaled_rewards() -> None:
    """``reward_scale`` (vec PPO's Args): the rollout stores the env's rewards times it, the stats keep the env's."""
    import torch
    from rigorgym.agents.algos.vec_common import Rollout
    from rigorgym.agents.algos.vec_ppo import Args
    from rigorgym.agents.policies.braid_heads import build_net, spec_of

    envs = gym.make_vec("AndrewsCurtis-v0", num_envs=4, vectorization_mode="vector_entry_point")
    spec = spec_of(envs)
    net = build_net("mlp", spec, {"hidden": (8,)})
    rewards = []
    for scale in (1.0, 1e-3):  # the same episodes: the env reset with the same seed, the same sampling seed
        roll = Rollout(Args(num_envs=4, num_steps=16, reward_scale=scale), envs, spec, torch.device("cpu"), 0)
        torch.manual_seed(0)
        roll.collect(net)
        rewards.append(roll.rewards.copy())
    assert np.allclose(rewards[1], 1e-3 * rewards[0]) and rewards[0].min() < -1
