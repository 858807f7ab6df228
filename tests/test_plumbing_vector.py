"""KirbyPlumbingVectorEnv behaves exactly like SyncVectorEnv over KirbyPlumbingEnv (next-step autoreset)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from rigorgym.envs.kirby_plumbing import (
    InstanceListGenerator,
    KirbyPlumbingVectorEnv,
    PlumbingInstance,
    PlumbingReward,
)
from rigorgym.envs.kirby_plumbing.actions import BLOWDOWN, BLOWUP_VERTEX, ActionLayout
from rigorgym.verifiers import verify

import rigorgym  # noqa: F401  (registers the ids)


def _pair(nodes0: list[list[int]], edges0: list[list[int]], nodes1: list[list[int]], edges1: list[list[int]]) -> Any:
    return PlumbingInstance.from_instance(
        {"graphs": [{"nodes": nodes0, "edges": edges0}, {"nodes": nodes1, "edges": edges1}]}
    )


# Pairs a move or two from a win (one already won at reset), so that random play with a bias to
# the node-removing moves wins often.
TINY = InstanceListGenerator(
    (
        _pair([[0, -2]], [], [[0, -3], [1, -1]], [[0, 1]]),  # blow down graph 1's leaf
        _pair([[0, -1]], [], [], []),  # blow down the lone -1: two empty graphs
        _pair([[0, 0], [1, -3]], [[0, 1]], [], []),  # split at the 0-leaf
        _pair([[0, -2]], [], [[0, -2]], []),  # isomorphic at reset: an illegal step wins
        _pair([[0, -2], [1, -2]], [[0, 1]], [[0, -3], [1, -2], [2, -1]], [[0, 1], [0, 2]]),
    )
)
TINY_JSON = TINY.instances[4].to_instance()
IDS = sorted(i for i in gym.registry if i.startswith("Kirby-Plumbing"))


def _envs(env_id: str, num_envs: int, **kwargs: Any) -> tuple[KirbyPlumbingVectorEnv, SyncVectorEnv]:
    vec = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point", **kwargs)
    sync = SyncVectorEnv([lambda: gym.make(env_id, **kwargs) for _ in range(num_envs)])
    return vec, sync


def _actions(mask: np.ndarray, rng: np.random.Generator, layout: ActionLayout, shrink: bool) -> np.ndarray:
    """One action per env: mostly random legal ones, some arbitrary (often illegal), and with ``shrink``
    often a random legal blow-down, absorption or split (the node-removing moves)."""
    n, per = layout.max_nodes, layout.per_graph
    out = np.empty(len(mask), np.int64)
    for b, row in enumerate(mask):
        u = rng.random()
        legal = np.flatnonzero(row)
        r = legal % per
        down = legal[(r >= 4 * n) & (r < 7 * n)]
        if u < 0.1 or len(legal) == 0:
            out[b] = rng.integers(-2, layout.n_actions + 2)
        elif shrink and u < 0.7 and len(down):
            out[b] = rng.choice(down)
        else:
            out[b] = rng.choice(legal)
    return out


def _assert_obs_equal(a: dict[str, np.ndarray], b: dict[str, np.ndarray], where: str = "reset") -> None:
    assert set(a) == set(b), where
    for key in a:
        assert a[key].shape == b[key].shape and a[key].dtype == b[key].dtype, (where, key)
        assert np.array_equal(a[key], b[key]), (where, key)


def _assert_info_equal(iv: dict[str, Any], is_: dict[str, Any], num_envs: int, where: str) -> None:
    assert np.array_equal(iv["action_mask"], is_["action_mask"]), where
    assert np.array_equal(iv["complexity"], is_["complexity"]), where
    assert np.array_equal(iv["nodes"], np.array([tuple(x) for x in is_["nodes"]], np.int64)), where
    illegal_s = is_.get("illegal_action", np.zeros(num_envs, bool))
    assert np.array_equal(iv.get("illegal_action", np.zeros(num_envs, bool)), illegal_s), where


def _compare(
    vec: Any,
    sync: SyncVectorEnv,
    seed: Any,
    steps: int,
    shrink: bool = False,
    policy_seed: int = 0,
    options: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Step both with the same actions; assert equality everywhere; return counts of events seen."""
    base: KirbyPlumbingVectorEnv = vec.unwrapped
    assert vec.single_action_space == sync.single_action_space
    assert vec.single_observation_space == sync.single_observation_space
    rng = np.random.default_rng(policy_seed)
    obs_v, info_v = vec.reset(seed=seed, options=options)
    obs_s, info_s = sync.reset(seed=seed, options=options)
    _assert_obs_equal(obs_v, obs_s)
    _assert_info_equal(info_v, info_s, vec.num_envs, "reset")
    counts = {"terminated": 0, "truncated": 0, "illegal": 0}
    for t in range(steps):
        actions = _actions(info_v["action_mask"], rng, base.layout, shrink)
        obs_v, rew_v, term_v, trunc_v, info_v = vec.step(actions)
        obs_s, rew_s, term_s, trunc_s, info_s = sync.step(actions)
        where = f"step {t}, actions {actions.tolist()}"
        _assert_obs_equal(obs_v, obs_s, where)
        assert vec.observation_space.contains(obs_v), where
        np.testing.assert_allclose(rew_v, rew_s, rtol=0, atol=1e-12, err_msg=where)
        assert np.array_equal(term_v, term_s), where
        assert np.array_equal(trunc_v, trunc_s), where
        _assert_info_equal(info_v, info_s, vec.num_envs, where)
        assert np.array_equal(base.action_masks(), info_v["action_mask"]), where
        if term_v.any():
            assert np.array_equal(info_v["_certificate"], term_v), where
            assert np.array_equal(info_s["_certificate"], term_s), where
            for i in np.flatnonzero(term_v):
                cert = info_v["certificate"][i]
                verdict = verify(cert)
                assert verdict.valid and cert["claim"] == "homeomorphic", (where, verdict.reason, cert)
                assert cert == sync.envs[i].unwrapped.certificate(), where  # not yet auto-reset
                assert cert["moves"] == list(info_s["certificate"]["moves"][i]), where
        else:
            assert "certificate" not in info_v and "certificate" not in info_s, where
        counts["terminated"] += int(term_v.sum())
        counts["truncated"] += int(trunc_v.sum())
        counts["illegal"] += int(info_v["illegal_action"].sum())
    return counts


def test_make_vec_builds_the_vector_env_for_every_id() -> None:
    assert len(IDS) >= 3
    for env_id in IDS:
        assert gym.spec(env_id).vector_entry_point is not None, env_id
        vec = gym.make_vec(env_id, num_envs=2, vectorization_mode="vector_entry_point")
        assert isinstance(vec.unwrapped, KirbyPlumbingVectorEnv), env_id
        assert vec.num_envs == 2
        assert vec.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
        single = gym.make(env_id)
        assert vec.single_observation_space == single.observation_space, env_id
        assert vec.single_action_space == single.action_space, env_id
        assert vec.unwrapped.max_episode_steps == gym.spec(env_id).max_episode_steps
        assert vec.unwrapped.layout == single.unwrapped.layout
    # the default mode of make_vec for an id with a vector_entry_point
    assert isinstance(gym.make_vec("Kirby-Plumbing-v0", num_envs=2).unwrapped, KirbyPlumbingVectorEnv)


@pytest.mark.parametrize(("env_id", "seed"), [("Kirby-Plumbing-Easy-v0", 0), ("Kirby-Plumbing-v0", 7)])
def test_matches_sync_vector_env_with_truncations(env_id: str, seed: int) -> None:
    vec, sync = _envs(env_id, 3, max_episode_steps=6)
    counts = _compare(vec, sync, seed=seed, steps=40, policy_seed=seed)
    assert counts["truncated"] >= 3 and counts["illegal"] > 0


@pytest.mark.parametrize(
    ("env_id", "seed", "num_envs"), [("Kirby-Plumbing-Easy-v0", 5, 4), ("Kirby-Plumbing-v0", 11, 1)]
)
def test_matches_sync_vector_env_with_wins(env_id: str, seed: int, num_envs: int) -> None:
    vec, sync = _envs(env_id, num_envs, max_episode_steps=8, generator=TINY)
    counts = _compare(vec, sync, seed=seed, steps=150, shrink=True, policy_seed=seed)
    assert counts["terminated"] >= 2 * num_envs and counts["truncated"] > 0 and counts["illegal"] > 0


def test_matches_sync_with_a_list_of_seeds_and_the_default_limit() -> None:
    vec, sync = _envs("Kirby-Plumbing-Easy-v0", 2)
    _compare(vec, sync, seed=[10, 30], steps=120, policy_seed=3)  # crosses the limit of 100 steps


def test_matches_sync_from_a_given_instance() -> None:
    """``reset(options={"instance": ...})`` starts every env on the pair; auto-resets draw from the generator."""
    vec, sync = _envs("Kirby-Plumbing-Easy-v0", 3, max_episode_steps=5)
    counts = _compare(vec, sync, seed=2, steps=30, shrink=True, policy_seed=8, options={"instance": TINY_JSON})
    assert counts["terminated"] + counts["truncated"] >= 3


@pytest.mark.parametrize(
    "actions",
    [
        lambda n, mask: [-1, n],
        lambda n, mask: np.array([n + 7, -(2**40)], np.int64),
        lambda n, mask: [int(np.flatnonzero(~row)[0]) for row in mask],  # masked out
    ],
    ids=["edges", "far", "masked"],
)
def test_illegal_actions_are_penalised_noops_as_in_sync(actions: Any) -> None:
    vec, sync = _envs("Kirby-Plumbing-v0", 2)
    obs0, info0 = vec.reset(seed=1)
    sync.reset(seed=1)
    chosen = actions(vec.single_action_space.n, info0["action_mask"])
    obs, rewards, term, trunc, info = vec.step(chosen)
    obs_s, rewards_s, term_s, trunc_s, info_s = sync.step(chosen)
    _assert_obs_equal(obs, obs0, "illegal step")
    _assert_obs_equal(obs, obs_s, "illegal step")
    np.testing.assert_array_equal(rewards, rewards_s)
    assert info["illegal_action"].all() and info_s["illegal_action"].all()
    assert not term.any() and not trunc.any()
    assert np.array_equal(info["action_mask"], info0["action_mask"])
    np.testing.assert_allclose(rewards, PlumbingReward()(info0["complexity"], info0["complexity"], 0, 0))


@pytest.mark.parametrize("garbage", [np.nan, 0.5, 2**70, "a", None], ids=["nan", "fraction", "2^70", "str", "None"])
def test_garbage_actions_do_not_crash(garbage: Any) -> None:
    """Anything that is not an in-range integer is an illegal no-op, as for the single env (never an exception)."""
    vec = gym.make_vec("Kirby-Plumbing-Easy-v0", num_envs=2, vectorization_mode="vector_entry_point")
    single = gym.make("Kirby-Plumbing-Easy-v0")
    obs0, _ = vec.reset(seed=0)
    single.reset(seed=0)
    obs, rewards, term, trunc, info = vec.step([garbage, garbage])
    _, reward_1, term_1, _, info_1 = single.step(garbage)
    _assert_obs_equal(obs, obs0, "garbage")
    assert info["illegal_action"].all() and info_1["illegal_action"]
    assert rewards[0] == reward_1 and term[0] == term_1


def test_seeded_determinism() -> None:
    """Same seed and actions, same trajectory; env ``i`` is the single env seeded ``seed + i``."""

    def run(seed: int) -> list[Any]:
        vec = gym.make_vec("Kirby-Plumbing-v0", num_envs=3, vectorization_mode="vector_entry_point")
        obs, info = vec.reset(seed=seed)
        rng = np.random.default_rng(0)
        out = [obs]
        for _ in range(30):
            obs, rewards, term, trunc, info = vec.step(_actions(info["action_mask"], rng, vec.unwrapped.layout, False))
            out.append((obs, rewards, term, trunc))
        return out

    a, b, c = run(3), run(3), run(4)
    for x, y in zip(a[1:], b[1:], strict=True):
        _assert_obs_equal(x[0], y[0])
        assert all(np.array_equal(p, q) for p, q in zip(x[1:], y[1:], strict=True))
    assert not np.array_equal(a[0]["nodes"], c[0]["nodes"])
    for i in range(3):
        obs, _ = gym.make("Kirby-Plumbing-v0").reset(seed=3 + i)
        assert all(np.array_equal(a[0][k][i], obs[k]) for k in obs)


def test_long_episode_certificate_and_a_pair_won_at_reset() -> None:
    """41 legal moves (the move records outgrow their first 32 rows), then the win; and an illegal
    step on a pair isomorphic at reset wins with no moves, as in the single env."""
    layout = ActionLayout(32)
    vec = gym.make_vec(
        "Kirby-Plumbing-v0", num_envs=2, vectorization_mode="vector_entry_point", generator=TINY, max_episode_steps=None
    )
    won_at_reset = TINY.instances[3].to_instance()
    vec.reset(seed=0, options={"instance": TINY.instances[0].to_instance()})
    up = layout.encode(0, BLOWUP_VERTEX, 0, 1)  # graph 0: -2 becomes -1 with a +1 leaf in slot 1 ...
    down = layout.encode(0, BLOWDOWN, 1)  # ... which blows down again
    for _ in range(20):
        for a in (up, down):
            _, _, term, _, info = vec.step([a, a])
            assert not info["illegal_action"].any() and not term.any()
    _, rewards, term, _, info = vec.step([layout.encode(1, BLOWDOWN, 1)] * 2)
    assert term.all()
    for i in range(2):
        cert = info["certificate"][i]
        assert verify(cert).valid and len(cert["moves"]) == 41 and cert["meta"]["seed"] == i
    _, info = vec.reset(seed=0, options={"instance": won_at_reset})
    assert vec.unwrapped.solved.all()
    _, rewards, term, _, info = vec.step([-1, -1])
    single = gym.make("Kirby-Plumbing-v0")
    single.reset(seed=0, options={"instance": won_at_reset})
    _, reward_1, term_1, _, info_1 = single.step(-1)
    assert term.all() and term_1 and rewards[0] == reward_1
    assert info["certificate"][0] == info_1["certificate"] and verify(info_1["certificate"]).valid


def test_copy_false_hands_out_live_buffers_and_render() -> None:
    vec = gym.make_vec(
        "Kirby-Plumbing-Easy-v0", num_envs=2, vectorization_mode="vector_entry_point", copy=False, render_mode="ansi"
    )
    obs, info = vec.reset(seed=0)
    assert info["action_mask"] is vec.unwrapped.action_masks()
    nodes = obs["nodes"].copy()
    vec.step([int(np.flatnonzero(row)[0]) for row in info["action_mask"]])  # legal moves change the graphs
    assert not np.array_equal(obs["nodes"], nodes)
    frames = vec.render()
    assert len(frames) == 2 and all(isinstance(f, str) and f.startswith("G0") for f in frames)


def test_instance_too_big_raises_value_error() -> None:
    vec = gym.make_vec("Kirby-Plumbing-Easy-v0", num_envs=2, vectorization_mode="vector_entry_point", max_nodes=2)
    with pytest.raises(ValueError, match="max_nodes"):
        vec.reset(seed=0)
