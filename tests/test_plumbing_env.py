"""Kirby-Plumbing-v0 and its tiers as Gymnasium environments (docs/design.md §3)."""

from __future__ import annotations

import warnings
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from rigorgym.envs.kirby_plumbing import (
    InstanceListGenerator,
    KirbyPlumbingEnv,
    PlumbingInstance,
    PlumbingReward,
    RiPutrovGenerator,
    SuiteGenerator,
    graphs_generator,
    to_pyg,
)
from rigorgym.envs.suites import load_suite
from rigorgym.verifiers import verify

import rigorgym  # noqa: F401  (registers the ids)

KIRBY_IDS = [
    "Kirby-Plumbing-v0",
    "Kirby-Plumbing-Easy-v0",
    "Kirby-Plumbing-Medium-v0",
    "Kirby-Plumbing-Small-v0",
    "Kirby-Plumbing-RiPutrov-v0",
    "Kirby-Plumbing-Large-v0",
]

# -2 against -3 with a -1 leaf: one blow-down of graph 1's leaf wins
TINY = {"graphs": [{"nodes": [[0, -2]], "edges": []}, {"nodes": [[0, -3], [1, -1]], "edges": [[0, 1]]}]}


def _check(env: gym.Env) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    complaints = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert not complaints, complaints


def _legal(mask: np.ndarray, rng: np.random.Generator) -> int:
    legal = np.flatnonzero(mask)
    assert len(legal) > 0, "a state with no legal action"
    return int(rng.choice(legal))


def _in_space(env: gym.Env, obs: dict[str, np.ndarray]) -> None:
    space = env.observation_space
    assert space.contains(obs), {k: (v.dtype, v.shape) for k, v in obs.items()}
    n = env.unwrapped.layout.max_nodes
    # the padding is consistent: rows of live nodes, then zeros; live edges join live rows of one graph
    mask = obs["node_mask"].astype(bool)
    assert not obs["nodes"][~mask].any()
    edges = obs["edges"][obs["edge_mask"].astype(bool)]
    assert mask[edges].all()
    assert ((edges[:, 0] < n) == (edges[:, 1] < n)).all()
    for g in range(2):
        rows = np.flatnonzero(mask[g * n : (g + 1) * n])
        assert (rows == np.arange(len(rows))).all()  # slots are packed
        assert (obs["nodes"][g * n + rows, 2] == g).all()


# -- registration and the Gymnasium checker ------------------------------------------------------


@pytest.mark.parametrize("env_id", KIRBY_IDS)
def test_registered_and_passes_check_env(env_id: str) -> None:
    spec = gym.spec(env_id)
    assert spec.max_episode_steps and spec.max_episode_steps > 0
    env = gym.make(env_id)
    assert isinstance(env.unwrapped, KirbyPlumbingEnv)
    _check(env.unwrapped)


@pytest.mark.parametrize("render_mode", ["ansi", "rgb_array"])
@pytest.mark.parametrize("env_id", ["Kirby-Plumbing-v0", "Kirby-Plumbing-Easy-v0"])
def test_check_env_with_render_modes(env_id: str, render_mode: str) -> None:
    env = gym.make(env_id, render_mode=render_mode)
    _check(env.unwrapped)
    env.reset(seed=0)
    frame = env.render()
    if render_mode == "ansi":
        assert isinstance(frame, str)
        lines = frame.splitlines()
        assert len(lines) == 2 and lines[0].startswith("G0 ") and lines[1].startswith("G1 ")
    else:
        assert isinstance(frame, np.ndarray) and frame.dtype == np.uint8
        assert frame.ndim == 3 and frame.shape[2] == 3 and frame.shape[0] > 50 and frame.shape[1] > 50
        assert frame.std() > 0  # something was drawn


def test_render_text_shows_the_graphs() -> None:
    env = KirbyPlumbingEnv(render_mode="ansi")
    env.reset(options={"instance": TINY})
    assert env.render() == "G0 {0:-2}\nG1 {0:-3, 1:-1}  0-1"
    env.reset(options={"instance": {"graphs": [{"nodes": [], "edges": []}, {"nodes": [[0, 1]], "edges": []}]}})
    assert "empty" in env.render().splitlines()[0]
    assert KirbyPlumbingEnv().render() is None


def test_bad_constructor_arguments() -> None:
    with pytest.raises(ValueError):
        KirbyPlumbingEnv(render_mode="human")
    with pytest.raises(ValueError):
        KirbyPlumbingEnv(weight_limit=0)
    with pytest.raises(ValueError):
        KirbyPlumbingEnv(max_nodes=1)
    with pytest.raises(gym.error.ResetNeeded):
        KirbyPlumbingEnv().step(0)


def test_action_space_size_matches_the_docstring() -> None:
    env = KirbyPlumbingEnv()
    assert env.action_space.n == 3008 == 2 * (7 * 32 + 32 * 5 * 8)
    env = KirbyPlumbingEnv(max_nodes=10, extrude_d=1, extrude_neighbours=2)
    assert env.action_space.n == 2 * (7 * 10 + 10 * 3 * 4)


# -- determinism and seeding ---------------------------------------------------------------------


def _trajectory(env_id: str, seed: int, steps: int = 40) -> list[Any]:
    env = gym.make(env_id)
    obs, info = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    out: list[Any] = [{k: v.copy() for k, v in obs.items()}]
    for _ in range(steps):
        action = _legal(info["action_mask"], rng) if rng.random() < 0.9 else int(rng.integers(env.action_space.n))
        obs, reward, terminated, truncated, info = env.step(action)
        out.append(({k: v.copy() for k, v in obs.items()}, reward, terminated, truncated))
        if terminated or truncated:
            obs, info = env.reset()
            out.append({k: v.copy() for k, v in obs.items()})
    return out


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@pytest.mark.parametrize("env_id", ["Kirby-Plumbing-v0", "Kirby-Plumbing-Small-v0"])
def test_same_seed_same_trajectory(env_id: str) -> None:
    first, second = _trajectory(env_id, 3), _trajectory(env_id, 3)
    assert len(first) == len(second)
    assert all(_equal(a, b) for a, b in zip(first, second, strict=True))
    assert not _equal(first[0], _trajectory(env_id, 4, steps=0)[0])  # another seed, another pair


def test_seeded_resets_draw_the_same_instances() -> None:
    env = gym.make("Kirby-Plumbing-v0")

    def draws() -> list[Any]:
        env.reset(seed=11)
        out = [env.unwrapped.instance.graphs]
        for _ in range(3):
            env.reset()
            out.append(env.unwrapped.instance.graphs)
        return out

    a, b = draws(), draws()
    assert a == b
    assert len({repr(x) for x in a}) == len(a)  # a fresh pair on every reset


# -- illegal actions -----------------------------------------------------------------------------


def test_illegal_actions_are_penalised_no_ops() -> None:
    env = gym.make("Kirby-Plumbing-v0")
    obs, info = env.reset(seed=5)
    n_actions = env.action_space.n
    masked = int(np.flatnonzero(~info["action_mask"])[0])
    penalty = float(PlumbingReward()(info["complexity"], info["complexity"], 0, 0))
    assert penalty == pytest.approx(-1.02)
    bad_actions: list[Any] = [
        -1, n_actions, n_actions + 10**9, 10**30, masked, 2.0, 0.5, float("nan"), "0", "3", None, True, False,
        [0], (0,), {"a": 0}, np.array([0, 1]), np.array([[1]], dtype=float), np.array([], dtype=np.int64),
        np.float64(1.0), np.bool_(True), np.int64(-5), np.uint64(n_actions), np.array(n_actions), object(),
    ]  # fmt: skip
    graphs = [g.to_json() for g in env.unwrapped.graphs()]
    for action in bad_actions:
        new_obs, reward, terminated, truncated, new_info = env.step(action)
        assert new_info["illegal_action"], action
        assert reward == pytest.approx(penalty), action
        assert not terminated and not truncated
        assert _equal(new_obs, obs), action
        assert (new_info["action_mask"] == info["action_mask"]).all()
        assert [g.to_json() for g in env.unwrapped.graphs()] == graphs
        assert env.observation_space.contains(new_obs)
    assert env.unwrapped.moves == []


def test_integer_like_actions_are_accepted() -> None:
    env = gym.make("Kirby-Plumbing-v0")
    _, info = env.reset(seed=6)
    legal = np.flatnonzero(info["action_mask"])
    for action in (np.int64(legal[0]), np.array(legal[0]), np.array([legal[0]], dtype=np.int32)):
        env.reset(seed=6)
        _, _, _, _, step_info = env.step(action)
        assert not step_info["illegal_action"], type(action)
        assert len(env.unwrapped.moves) == 1


def test_observations_stay_in_the_observation_space_during_random_play() -> None:
    rng = np.random.default_rng(0)
    for env_id in ("Kirby-Plumbing-Easy-v0", "Kirby-Plumbing-v0"):
        env = gym.make(env_id)
        obs, info = env.reset(seed=1)
        _in_space(env, obs)
        for _ in range(300):
            action = (
                _legal(info["action_mask"], rng)
                if rng.random() < 0.8
                else int(rng.integers(-5, env.action_space.n + 5))
            )
            obs, reward, terminated, truncated, info = env.step(action)
            _in_space(env, obs)
            assert np.isfinite(reward)
            assert (info["action_mask"] == env.unwrapped.action_masks()).all()
            assert info["action_mask"].dtype == bool and info["action_mask"].shape == (env.action_space.n,)
            if terminated or truncated:
                if terminated:
                    assert verify(info["certificate"]).valid
                obs, info = env.reset()
                _in_space(env, obs)


def test_observation_encodes_the_graphs() -> None:
    env = KirbyPlumbingEnv(max_nodes=4)
    obs, info = env.reset(options={"instance": TINY})
    n = 4
    assert obs["nodes"][0].tolist() == [-2, 0, 0]
    assert obs["nodes"][n].tolist() == [-3, 1, 1] and obs["nodes"][n + 1].tolist() == [-1, 1, 1]
    assert obs["node_mask"].tolist() == [1, 0, 0, 0, 1, 1, 0, 0]
    assert obs["edge_mask"].tolist() == [0, 0, 0, 1, 0, 0]
    assert obs["edges"][n - 1].tolist() == [n, n + 1]
    assert info["nodes"] == (1, 2) and info["complexity"] == (5 + 2) + (10 + 4)


# -- the graph view ------------------------------------------------------------------------------


def test_to_pyg_counts_nodes_and_edges_in_both_directions() -> None:
    import torch

    rng = np.random.default_rng(2)
    env = gym.make("Kirby-Plumbing-v0")
    obs, info = env.reset(seed=2)
    for _ in range(40):
        data = to_pyg(obs)
        g0, g1 = env.unwrapped.graphs()
        n_nodes, n_edges = len(g0) + len(g1), sum(len(g.to_json()["edges"]) for g in (g0, g1))
        assert data.x.shape == (n_nodes, 3) and data.x.dtype == torch.float32
        assert data.edge_index.shape == (2, 2 * n_edges) and data.edge_index.dtype == torch.int64
        pairs = {tuple(e) for e in data.edge_index.T.tolist()}
        assert all((v, u) in pairs for u, v in pairs) and len(pairs) == 2 * n_edges
        assert all(u != v for u, v in pairs)
        if n_edges:
            assert int(data.edge_index.max()) < n_nodes
        assert data.graph.tolist() == [0] * len(g0) + [1] * len(g1)
        # node degrees in x agree with the edge list
        degree = torch.bincount(data.edge_index[0], minlength=n_nodes)
        assert degree.tolist() == data.x[:, 1].long().tolist()
        assert data.slot.tolist() == np.flatnonzero(obs["node_mask"]).tolist()
        assert torch.equal(env.unwrapped.graph_data().x, data.x)
        obs, _, terminated, truncated, info = env.step(_legal(info["action_mask"], rng))
        if terminated or truncated:
            obs, info = env.reset()


def test_to_pyg_of_empty_graphs() -> None:
    env = KirbyPlumbingEnv(max_nodes=4)
    empty = {"nodes": [], "edges": []}
    obs, _ = env.reset(options={"instance": {"graphs": [empty, {"nodes": [[0, 1]], "edges": []}]}})
    data = to_pyg(obs)
    assert data.x.shape == (1, 3) and data.edge_index.shape == (2, 0)
    assert data.graph.tolist() == [1]


# -- instances at reset ----------------------------------------------------------------------------


def test_reset_with_an_instance_dict_or_object() -> None:
    env = gym.make("Kirby-Plumbing-v0")
    for given in (TINY, PlumbingInstance.from_instance({**TINY, "id": "tiny/0"})):
        _, info = env.reset(seed=0, options={"instance": given})
        assert info["nodes"] == (1, 2)
        assert [g.to_json() for g in env.unwrapped.graphs()] == TINY["graphs"]
        leaf = env.unwrapped.layout.encode(1, 3, 1)  # graph 1, blowdown, slot 1
        assert info["action_mask"][leaf]
        _, reward, terminated, _, info = env.step(leaf)
        assert terminated and reward > 9
        cert = info["certificate"]
        assert cert["instance"] == TINY and cert["moves"] == [{"op": "blowdown", "graph": 1, "v": 1}]
        assert verify(cert).valid
        if isinstance(given, PlumbingInstance):
            assert cert["meta"]["instance_id"] == "tiny/0"
        else:
            assert "instance_id" not in cert["meta"]


def test_reset_on_an_isomorphic_pair_is_already_solved() -> None:
    env = KirbyPlumbingEnv()
    same = {
        "graphs": [{"nodes": [[3, -2], [5, -3]], "edges": [[3, 5]]}, {"nodes": [[0, -3], [1, -2]], "edges": [[0, 1]]}]
    }
    env.reset(options={"instance": same})
    assert env.solved
    assert verify(env.certificate()).valid


def test_reset_with_an_instance_that_does_not_fit() -> None:
    env = KirbyPlumbingEnv(max_nodes=4, weight_limit=50)
    chain = {"nodes": [[i, -2] for i in range(5)], "edges": [[i, i + 1] for i in range(4)]}
    small = {"nodes": [[0, -2]], "edges": []}
    with pytest.raises(ValueError, match="max_nodes"):
        env.reset(options={"instance": {"graphs": [small, chain]}})
    with pytest.raises(ValueError, match="weight_limit"):
        env.reset(options={"instance": {"graphs": [{"nodes": [[0, 51]], "edges": []}, small]}})
    with pytest.raises(ValueError):
        env.reset(options={"instance": {"graphs": [small]}})
    with pytest.raises(ValueError):
        env.reset(options={"instance": {"graphs": [small, {"nodes": [[0, 1], [1, 1]], "edges": [[0, 1], [1, 0]]}]}})
    with pytest.raises(ValueError):
        env.reset(options={"instance": {"graphs": [small, small], "extra": 1}})
    # the env still works after a refused instance
    _, info = env.reset(options={"instance": {"graphs": [small, small]}})
    assert env.solved and info["nodes"] == (1, 1)


def test_a_graph_without_edges_is_a_value_error() -> None:
    env = KirbyPlumbingEnv()
    with pytest.raises(ValueError):
        env.reset(options={"instance": {"graphs": [{"nodes": [[0, -2]]}, {"nodes": [], "edges": []}]}})


def test_unknown_graph_fields_are_rejected_as_by_the_kernel() -> None:
    data = {"graphs": [{"nodes": [[0, -2]], "edges": [], "genus": [1]}, {"nodes": [[0, -2]], "edges": []}]}
    assert verify(
        {"format": "rigorgym-certificate/1", "env": "Kirby-Plumbing-v0", "claim": "homeomorphic",
         "instance": data, "moves": []}
    ).malformed  # fmt: skip
    with pytest.raises(ValueError):
        PlumbingInstance.from_instance(data)


def test_injected_generators() -> None:
    inst = PlumbingInstance.from_instance(TINY)
    for generator in (InstanceListGenerator([inst]), graphs_generator(TINY["graphs"])):
        env = KirbyPlumbingEnv(generator=generator)
        env.reset(seed=0)
        assert env.instance.graphs == inst.graphs
    suite = load_suite("plumbing-small-6")
    env = KirbyPlumbingEnv(generator=SuiteGenerator("plumbing-small-6", shuffle=False), max_nodes=48)
    for k in range(3):
        env.reset(seed=k)
        assert list(env.instance.graphs) == suite.instances[k]["graphs"]
        assert env.instance.id == suite.instances[k]["id"]
    with pytest.raises(ValueError):
        KirbyPlumbingEnv(generator=SuiteGenerator("unknot-random-L20")).reset(seed=0)
    with pytest.raises(ValueError):
        InstanceListGenerator([])
    env = KirbyPlumbingEnv(generator=RiPutrovGenerator(5, 8, max_nodes=16), max_nodes=16)
    for seed in range(5):
        _, info = env.reset(seed=seed)
        assert max(info["nodes"]) <= 16


# -- Stable-Baselines3 ---------------------------------------------------------------------------


def test_sb3_ppo_and_maskable_ppo_smoke() -> None:
    import torch
    from sb3_contrib import MaskablePPO
    from sb3_contrib.common.wrappers import ActionMasker
    from stable_baselines3 import PPO

    torch.set_num_threads(1)
    env = gym.make("Kirby-Plumbing-Easy-v0")
    model = PPO("MultiInputPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu")
    model.learn(128)
    obs, _ = env.reset(seed=0)
    action, _ = model.predict(obs, deterministic=True)
    assert env.action_space.contains(int(action))

    masked = ActionMasker(gym.make("Kirby-Plumbing-Easy-v0"), lambda e: e.unwrapped.action_masks())
    model = MaskablePPO("MultiInputPolicy", masked, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu")
    model.learn(128)
    # the env's own action_masks() is found without the wrapper too
    direct = MaskablePPO("MultiInputPolicy", gym.make("Kirby-Plumbing-Easy-v0"), n_steps=64, batch_size=32,
                         n_epochs=1, seed=0, device="cpu")  # fmt: skip
    direct.learn(64)
    obs, _ = masked.reset(seed=1)
    for _ in range(10):
        mask = masked.action_masks()
        action, _ = model.predict(obs, action_masks=mask, deterministic=False)
        assert mask[int(action)]
        obs, _, terminated, truncated, info = masked.step(int(action))
        assert not info["illegal_action"]
        if terminated or truncated:
            obs, _ = masked.reset()


def test_no_shipped_homeomorphic_pair_is_won_before_the_first_move() -> None:
    from rigorgym.verifiers.plumbing import isomorphic

    for name in ("plumbing-small-6", "plumbing-ri-putrov-10", "plumbing-large-25"):
        for instance in load_suite(name).instances:
            g, h = PlumbingInstance.from_instance(instance).kernel_graphs()
            assert not isomorphic(g, h), instance["id"]
