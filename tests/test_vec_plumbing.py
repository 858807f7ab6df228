"""The batched trainers on Kirby-Plumbing: flat observations, the per-place graph network, every algorithm acting legally."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from rigorgym.agents.algos import vec_a2c, vec_common, vec_dqn, vec_ppo, vec_trpo
from rigorgym.agents.policies.braid_heads import build_net, spec_of
from rigorgym.agents.policies.plumbing_heads import action_places, flatten_plumbing
from rigorgym.envs.kirby_plumbing.actions import ActionLayout

from tests.vec_support import assert_acts_legally, same_weights

ENV = "Kirby-Plumbing-Easy-v0"
MODULES: dict[str, Any] = {"vec_ppo": vec_ppo, "vec_a2c": vec_a2c, "vec_trpo": vec_trpo, "vec_dqn": vec_dqn}


def tiny(algo: str, out: Path, seed: int = 1) -> Any:
    module = MODULES[algo]
    kwargs: dict[str, Any] = {"env_id": ENV, "policy": "gnn", "num_envs": 8, "steps": 256, "seed": seed, "out": out}
    kwargs |= {"threads": 1, "width": 8, "depth": 1}
    if algo == "vec_dqn":
        kwargs |= {"learning_starts": 64, "buffer_size": 512, "batch_size": 32}
    else:
        kwargs["num_steps"] = 16
    return module.Args(**kwargs)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("vec_plumbing")
    return {algo: MODULES[algo].train(tiny(algo, root / algo)) for algo in MODULES}


@pytest.mark.parametrize("algo", MODULES)
def test_every_trainer_runs_on_plumbing_and_its_agent_acts_legally(runs: dict[str, Path], algo: str) -> None:
    card = vec_common.read_card(runs[algo], algo)
    assert card.env_id == ENV and card.metrics["illegal_actions"] == 0
    assert_acts_legally(MODULES[algo].load_policy(runs[algo]), 30, ENV, {})


def test_same_seed_gives_the_same_plumbing_run(runs: dict[str, Path], tmp_path: Path) -> None:
    assert same_weights(runs["vec_ppo"], vec_ppo.train(tiny("vec_ppo", tmp_path / "again")))


def test_flat_rows_keep_the_dict_observation_and_the_vector_env_gives_them() -> None:
    env = gym.make(ENV)
    obs, _ = env.reset(seed=0)
    row = flatten_plumbing(obs)
    envs = vec_common.make_envs(tiny("vec_ppo", Path("unused")))
    assert row.dtype == np.int16 and row.shape == envs.single_observation_space.shape
    n = env.unwrapped.layout.max_nodes
    assert np.array_equal(row[: 2 * n * 3].reshape(2 * n, 3), obs["nodes"])
    batch, _ = envs.reset(seed=0)
    assert np.array_equal(batch[0], row)  # env 0 of the batch is seeded like the single env


def test_every_action_has_its_own_place_in_the_graph_heads() -> None:
    layout = ActionLayout(16, 2, 3)
    entry = action_places(16, 2, 3)
    assert len(entry) == layout.n_actions and len(np.unique(entry)) == len(entry)
    node_columns = 5 + layout.extrude_block
    for action in (0, 5, layout.encode(1, 3, 7), layout.encode(0, 6, 2, -1, 5)):  # blow-ups, blowdown, extrude
        decoded = layout.decode(action)
        assert entry[action] // node_columns == decoded.graph * 16 + decoded.place
    edge = layout.encode(1, 1, 4, -1)
    assert entry[edge] == 2 * 16 * node_columns + (15 + 4) * 2 + 1


def test_the_heads_reach_the_actions_by_slices_as_by_the_layout_table() -> None:
    """``to_actions`` (reshapes and a concatenation) puts every logit where ``action_places`` (read off decode) says."""
    from rigorgym.agents.policies.plumbing_heads import PlumbingGraphActorCritic

    n, extrude = 16, ActionLayout(16, 2, 3).extrude_block
    gen = torch.Generator().manual_seed(0)
    blowup, local, ext = (torch.randn(3, 2, n, k, generator=gen) for k in (2, 3, extrude))
    edges, graphs = torch.randn(3, 2, n - 1, 2, generator=gen), torch.randn(3, 2, 2, generator=gen)
    nodes = torch.cat([blowup, local, ext], 3)  # the node columns of action_places: blow-up, local, extrude
    flat = torch.cat([nodes.reshape(3, -1), edges.reshape(3, -1), graphs.reshape(3, -1)], 1)
    by_table = flat.index_select(1, torch.from_numpy(action_places(n, 2, 3)))
    per_graph = [(blowup[:, g], local[:, g], ext[:, g], edges[:, g], graphs[:, g]) for g in range(2)]
    assert torch.equal(PlumbingGraphActorCritic.to_actions(per_graph), by_table)


def test_padding_slots_do_not_change_the_network_s_output() -> None:
    """Garbage in the unused node and edge slots (masked off) changes no logit and no value."""
    envs = vec_common.make_envs(tiny("vec_ppo", Path("unused")))
    obs, _ = envs.reset(seed=0)
    torch.manual_seed(0)
    net = build_net("gnn", spec_of(envs), {"width": 8, "depth": 2, "conv": "sage"})
    n = 16
    nodes = slice(0, 2 * n * 3)
    edges = slice(nodes.stop, nodes.stop + 2 * (n - 1) * 2)
    node_mask = slice(edges.stop, edges.stop + 2 * n)
    edge_mask = slice(node_mask.stop, node_mask.stop + 2 * (n - 1))
    noisy = obs.copy()
    rng = np.random.default_rng(0)
    free_nodes = np.repeat(obs[:, node_mask] == 0, 3, axis=1)
    free_edges = np.repeat(obs[:, edge_mask] == 0, 2, axis=1)
    noisy[:, nodes] = np.where(free_nodes, rng.integers(-5, 6, free_nodes.shape), obs[:, nodes])
    noisy[:, edges] = np.where(free_edges, rng.integers(0, n, free_edges.shape), obs[:, edges])
    assert (noisy != obs).any()
    with torch.no_grad():
        logits, value = net(torch.as_tensor(obs))
        logits2, value2 = net(torch.as_tensor(noisy))
    masks = np.asarray(envs.reset(seed=0)[1]["action_mask"], bool)
    assert torch.allclose(value, value2, atol=1e-5)
    assert torch.allclose(logits[torch.as_tensor(masks)], logits2[torch.as_tensor(masks)], atol=1e-5)


def test_vec_ppo_trains_the_graph_network_without_its_dense_logits(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Rollout, bootstrap value and update all go through ``legal_logits``: the dense forward is never called."""
    from rigorgym.agents.policies.plumbing_heads import PlumbingGraphActorCritic

    calls = {"legal": 0}
    legal_logits = PlumbingGraphActorCritic.legal_logits

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["legal"] += 1
        return legal_logits(self, *args, **kwargs)

    def dense(self: Any, obs: torch.Tensor) -> Any:
        raise AssertionError("vec_ppo used the dense logits of the graph network")

    monkeypatch.setattr(PlumbingGraphActorCritic, "legal_logits", counted)
    monkeypatch.setattr(PlumbingGraphActorCritic, "forward", dense)
    card = vec_common.read_card(vec_ppo.train(tiny("vec_ppo", tmp_path / "legal")), "vec_ppo")
    assert card.metrics["illegal_actions"] == 0 and calls["legal"] > 0
