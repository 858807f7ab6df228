"""UnKnotVectorEnv behaves exactly like SyncVectorEnv over UnKnotEnv (next-step autoreset)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from rigorgym.envs.unknot import BraidInstance, InstanceListGenerator, ScrambleGenerator, UnknotReward, UnKnotVectorEnv
from rigorgym.envs.unknot.generator import invert_moves
from rigorgym.verifiers import verify

import rigorgym  # noqa: F401  (registers the ids)

# Small unknots (and the trivial braid itself) so that wins happen within a few steps.
TINY = InstanceListGenerator(
    (
        BraidInstance(2, (1,)),
        BraidInstance(2, (-1,)),
        BraidInstance(3, (1, 2)),
        BraidInstance(3, (2, -1)),
        BraidInstance(2, (1, -1, 1)),
        BraidInstance(1, ()),
    )
)


def _pair(num_envs: int, **kwargs: Any) -> tuple[UnKnotVectorEnv, SyncVectorEnv]:
    vec = gym.make_vec("UnKnot-v0", num_envs=num_envs, vectorization_mode="vector_entry_point", **kwargs)
    sync = SyncVectorEnv([lambda: gym.make("UnKnot-v0", **kwargs) for _ in range(num_envs)])
    return vec, sync


def _actions(mask: np.ndarray, rng: np.random.Generator, layout: Any, shrink: bool) -> np.ndarray:
    """One action per env: mostly random legal ones, some arbitrary (often illegal), and with
    ``shrink`` often a random one among the legal moves that do not grow the word."""
    out = np.empty(len(mask), np.int64)
    for b, row in enumerate(mask):
        u = rng.random()
        legal = np.flatnonzero(row)
        shrinking = legal[(legal < layout.insert_base) | (legal == layout.n_actions - 1)]
        if u < 0.1:
            out[b] = rng.integers(-2, layout.n_actions + 2)
        elif shrink and u < 0.7 and len(shrinking):
            out[b] = rng.choice(shrinking)
        else:
            out[b] = rng.choice(legal)
    return out


def _sync_certificate(info: dict[str, Any], i: int) -> dict[str, Any]:
    """Rebuild env ``i``'s certificate from SyncVectorEnv's nested info dict."""
    c = info["certificate"]
    return {
        "format": c["format"][i],
        "env": c["env"][i],
        "claim": c["claim"][i],
        "instance": {
            "braid": {
                "strands": int(c["instance"]["braid"]["strands"][i]),
                "word": list(c["instance"]["braid"]["word"][i]),
            }
        },
        "moves": list(c["moves"][i]),
        "seed": int(c["meta"]["seed"][i]),
    }


def _compare(
    vec: UnKnotVectorEnv, sync: SyncVectorEnv, seed: Any, steps: int, shrink: bool = False, policy_seed: int = 0
) -> dict[str, int]:
    """Step both with the same actions; assert equality; return counts of events seen."""
    n_actions = vec.single_action_space.n
    assert sync.single_action_space.n == n_actions
    rng = np.random.default_rng(policy_seed)
    obs_v, info_v = vec.reset(seed=seed)
    obs_s, info_s = sync.reset(seed=seed)
    _assert_obs_equal(obs_v, obs_s)
    assert np.array_equal(info_v["action_mask"], info_s["action_mask"])
    assert vec.observation_space.contains(obs_v)
    counts = {"terminated": 0, "truncated": 0, "illegal": 0}
    mask = info_v["action_mask"]
    for t in range(steps):
        actions = _actions(mask, rng, vec.unwrapped.layout, shrink)
        obs_v, rew_v, term_v, trunc_v, info_v = vec.step(actions)
        obs_s, rew_s, term_s, trunc_s, info_s = sync.step(actions)
        where = f"step {t}, actions {actions.tolist()}"
        _assert_obs_equal(obs_v, obs_s, where)
        assert vec.observation_space.contains(obs_v), where
        np.testing.assert_allclose(rew_v, rew_s, err_msg=where)
        assert np.array_equal(term_v, term_s), where
        assert np.array_equal(trunc_v, trunc_s), where
        assert np.array_equal(info_v["action_mask"], info_s["action_mask"]), where
        assert np.array_equal(vec.action_masks(), info_v["action_mask"]), where
        illegal_s = info_s.get("illegal_action", np.zeros(vec.num_envs, bool))
        assert np.array_equal(info_v["illegal_action"], illegal_s), where
        if term_v.any():
            assert np.array_equal(info_v["_certificate"], term_v), where
            assert np.array_equal(info_s["_certificate"], term_s), where
            for i in np.flatnonzero(term_v):
                cert = info_v["certificate"][i]
                verdict = verify(cert)
                assert verdict.valid, (where, verdict.reason, cert)
                mine = dict(cert)
                mine["seed"] = mine.pop("meta")["seed"]
                assert mine == _sync_certificate(info_s, i), where
        else:
            assert "certificate" not in info_v and "certificate" not in info_s
        counts["terminated"] += int(term_v.sum())
        counts["truncated"] += int(trunc_v.sum())
        counts["illegal"] += int(info_v["illegal_action"].sum())
        mask = info_v["action_mask"]
    return counts


def _assert_obs_equal(a: Any, b: Any, where: str = "reset") -> None:
    if isinstance(a, dict):
        assert set(a) == set(b), where
        for key in a:
            assert a[key].shape == b[key].shape, (where, key)
            assert np.array_equal(a[key], b[key]), (where, key)
    else:
        assert a.shape == b.shape and a.dtype == b.dtype, where
        assert np.array_equal(a, b), where


def test_make_vec_builds_the_vector_env() -> None:
    vec = gym.make_vec("UnKnot-v0", num_envs=4, vectorization_mode="vector_entry_point")
    assert isinstance(vec.unwrapped, UnKnotVectorEnv)
    assert vec.num_envs == 4
    assert vec.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    single = gym.make("UnKnot-v0")
    assert vec.single_observation_space == single.observation_space
    assert vec.single_action_space == single.action_space
    assert vec.unwrapped.max_episode_steps == gym.spec("UnKnot-v0").max_episode_steps
    # the default mode of make_vec for an id with a vector_entry_point
    assert isinstance(gym.make_vec("UnKnot-v0", num_envs=2).unwrapped, UnKnotVectorEnv)


@pytest.mark.parametrize("num_envs", [1, 3, 8])
def test_matches_sync_vector_env_with_truncations(num_envs: int) -> None:
    vec, sync = _pair(num_envs, max_episode_steps=7)
    counts = _compare(vec, sync, seed=42, steps=40, policy_seed=num_envs)
    assert counts["truncated"] >= num_envs  # every env truncated and auto-reset at least once
    assert counts["illegal"] > 0


@pytest.mark.parametrize("num_envs", [1, 3, 8])
def test_matches_sync_vector_env_with_wins(num_envs: int) -> None:
    vec, sync = _pair(num_envs, max_episode_steps=7, generator=TINY)
    counts = _compare(vec, sync, seed=5, steps=40, shrink=True, policy_seed=10 + num_envs)
    assert counts["terminated"] >= num_envs
    assert counts["truncated"] > 0


def test_matches_sync_with_a_list_of_seeds_and_default_limit() -> None:
    vec, sync = _pair(3)
    _compare(vec, sync, seed=[10, 20, 30], steps=25, policy_seed=3)


def test_matches_sync_in_dict_observation_mode() -> None:
    vec, sync = _pair(3, max_episode_steps=5, observation="dict", generator=TINY)
    obs, _ = vec.reset(seed=1)
    assert set(obs) == {"strands", "length", "word"}
    assert obs["word"].shape == (3, vec.unwrapped.layout.max_length)
    counts = _compare(vec, sync, seed=1, steps=30, shrink=True, policy_seed=4)
    assert counts["terminated"] > 0


def test_reseeding_repeats_and_other_seeds_differ() -> None:
    vec = gym.make_vec("UnKnot-v0", num_envs=4, vectorization_mode="vector_entry_point")
    a, _ = vec.reset(seed=0)
    b, _ = vec.reset(seed=0)
    c, _ = vec.reset(seed=100)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert len({row.tobytes() for row in a}) == 4  # env i is seeded with seed + i


def test_long_episode_certificates_verify() -> None:
    """Many steps (illegal ones included) before the win: the history grows and the certificate stays exact."""
    scrambled, moves = ScrambleGenerator(5, 40).scramble(np.random.default_rng(9))
    inverse = invert_moves(0, moves)
    inst = BraidInstance(scrambled.strands, scrambled.word, "long/0")
    vec = gym.make_vec(
        "UnKnot-v0",
        num_envs=2,
        vectorization_mode="vector_entry_point",
        generator=InstanceListGenerator((inst,)),
        max_episode_steps=None,
    )
    layout = vec.unwrapped.layout
    vec.reset(seed=3)
    reward_fn = UnknotReward()
    for _ in range(100):  # illegal no-ops: recorded as steps, not as moves
        _, rewards, term, trunc, info = vec.step([-1, layout.n_actions])
        assert info["illegal_action"].all() and not term.any() and not trunc.any()
        length, strands = len(inst.word), inst.strands
        np.testing.assert_allclose(rewards, reward_fn(length, strands, length, strands, 0, 0))
    for k, move in enumerate(inverse):
        a = layout.from_move(move)
        _, _, term, trunc, info = vec.step([a, a])
        assert not info["illegal_action"].any(), move
        assert term.all() == (k == len(inverse) - 1)
    for i in range(2):
        cert = info["certificate"][i]
        assert verify(cert).valid
        assert cert["moves"] == inverse
        assert cert["instance"] == inst.to_instance()
        assert cert["meta"]["instance_id"] == "long/0"
        assert cert["meta"]["seed"] == 3 + i


@pytest.mark.parametrize(
    "actions",
    [
        lambda n: [-1, n],
        lambda n: [n + 7, -100],
        lambda n: np.array([2**40, -(2**40)], np.int64),
        lambda n: np.array([np.iinfo(np.int64).max, np.iinfo(np.int64).min]),
    ],
    ids=["edges", "far", "2^40", "int64-extremes"],
)
def test_out_of_range_actions_are_penalised_noops(actions: Any) -> None:
    vec = gym.make_vec("UnKnot-v0", num_envs=2, vectorization_mode="vector_entry_point")
    obs0, info0 = vec.reset(seed=0)
    obs, rewards, term, trunc, info = vec.step(actions(vec.single_action_space.n))
    assert np.array_equal(obs, obs0)
    assert info["illegal_action"].all()
    assert not term.any() and not trunc.any()
    assert np.array_equal(info["action_mask"], info0["action_mask"])
    penalty = [
        UnknotReward()(int(o[1:].astype(bool).sum()), int(o[0]), int(o[1:].astype(bool).sum()), int(o[0]), 0, 0)
        for o in obs0
    ]
    np.testing.assert_allclose(rewards, penalty)


def test_masked_out_actions_are_penalised_noops() -> None:
    vec = gym.make_vec("UnKnot-v0", num_envs=3, vectorization_mode="vector_entry_point")
    obs0, info0 = vec.reset(seed=4)
    rng = np.random.default_rng(0)
    for _ in range(10):
        actions = [int(rng.choice(np.flatnonzero(~row))) for row in info0["action_mask"]]
        obs, rewards, term, trunc, info = vec.step(actions)
        assert np.array_equal(obs, obs0)
        assert info["illegal_action"].all()
        assert np.array_equal(info["action_mask"], info0["action_mask"])
        assert (rewards < 0).all()


@pytest.mark.parametrize(
    "actions",
    [[np.nan, np.inf], [0.5, 1.5], [2**70, -(2**70)], ["a", "b"], [None, None]],
    ids=["nan-inf", "fractions", "2^70", "strings", "None"],
)
def test_garbage_actions_do_not_crash(actions: Any) -> None:
    """Illegal actions are a no-op with a penalty, never an exception (docs/design.md §3)."""
    vec = gym.make_vec(
        "UnKnot-v0",
        num_envs=2,
        vectorization_mode="vector_entry_point",
        generator=InstanceListGenerator((BraidInstance(3, (1, -1, 1, -1, 2, -2)),)),
    )
    obs0, _ = vec.reset(seed=0)
    obs, rewards, term, trunc, info = vec.step(actions)
    assert np.array_equal(obs, obs0)
    assert info["illegal_action"].all()


def test_instance_too_big_raises_value_error() -> None:
    vec = gym.make_vec("UnKnot-v0", num_envs=2, vectorization_mode="vector_entry_point", max_length=10)
    with pytest.raises(ValueError, match="max_length"):
        vec.reset(seed=0)


def test_render_ansi() -> None:
    vec = gym.make_vec("UnKnot-v0", num_envs=2, vectorization_mode="vector_entry_point", render_mode="ansi")
    vec.reset(seed=0)
    frames = vec.render()
    assert len(frames) == 2 and all(isinstance(f, str) and f.startswith("n=") for f in frames)


@pytest.mark.parametrize("gen", [ScrambleGenerator(), ScrambleGenerator(5, 40, 2), ScrambleGenerator(7, 100, 3)])
def test_scramble_batch_equals_one_by_one(gen: ScrambleGenerator) -> None:
    """The vector env's batched resets draw exactly the single env's instances."""
    one_by_one = [gen(np.random.default_rng(s)) for s in range(40)]
    batched = gen.batch([np.random.default_rng(s) for s in range(40)])
    assert batched == one_by_one
