"""The Kirby-Plumbing graph network's legal-only path equals its dense forward: logits, values, gradients, sampling.

``PlumbingGraphActorCritic.legal_logits`` (packed real nodes, node classes,
heads at the legal actions only) and the ragged categorical of
:mod:`rigorgym.agents.algos.masked` replace the dense ``(batch, n_actions)``
logits in vec PPO; these tests hold them to the dense computation on real
observations, padding garbage, empty graphs and the shipped agent's weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from rigorgym.agents.algos import masked, vec_common
from rigorgym.agents.algos.masked import (
    Legal,
    chosen,
    concat_legal,
    legal_lists,
    log_prob_and_entropy,
    positions,
    ragged_log_prob_entropy,
    ragged_sample,
    sample_masked,
    take_rows,
)
from rigorgym.agents.policies import plumbing_heads as ph
from rigorgym.agents.policies import plumbing_legal
from rigorgym.agents.policies.braid_heads import build_net, spec_of

import rigorgym  # noqa: F401  (registers the envs)

ENV = "Kirby-Plumbing-Easy-v0"
N = 16  # its max_nodes


def _batch(steps: int = 12, envs: int = 24, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any]:
    """Observations, sampling masks and random legal actions of ``steps`` steps of random play."""
    vec = vec_common.make_envs(type("A", (), {"env_id": ENV, "num_envs": envs, "env_kwargs": {}})())
    obs, info = vec.reset(seed=seed)
    rng = np.random.default_rng(seed)
    rows, masks, acts = [], [], []
    for _ in range(steps):
        mask = vec_common.sampling_mask(np.asarray(info["action_mask"], bool))
        action = (rng.random(mask.shape) * mask).argmax(1)
        rows.append(obs.copy())
        masks.append(mask)
        acts.append(action)
        obs, _, _, _, info = vec.step(action)
    spec = spec_of(vec)
    vec.close()
    return np.concatenate(rows), np.concatenate(masks), np.concatenate(acts), spec


@pytest.fixture(scope="module")
def batch() -> tuple[np.ndarray, np.ndarray, np.ndarray, Any]:
    return _batch()


def _net(spec: Any, seed: int = 0, noise: float = 0.3, **options: Any) -> torch.nn.Module:
    """A graph network with every weight moved by ``noise``: heads off their 0.01-orthogonal start, logits of every size.

    Gradient comparisons use a smaller ``noise``: with large activations a 1e-7
    difference can flip a relu or a max-pool winner (a kink, not an error).
    """
    torch.manual_seed(seed)
    net = build_net("gnn", spec, {"width": 8, "depth": 2, "conv": "sage", **options})
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn_like(p) * noise)
    return net


def _dense_at(logits: torch.Tensor, legal: Legal) -> torch.Tensor:
    """The dense logits at each row's legal actions, in ``legal``'s flat order."""
    counts = np.diff(legal.rowptr)
    rows = np.repeat(np.arange(len(counts)), counts)
    actions = np.concatenate([legal.actions[s : s + c] for s, c in zip(legal.start, counts, strict=True)])
    return logits[torch.from_numpy(rows), torch.from_numpy(actions.astype(np.int64))]


def _garbage(obs: np.ndarray, seed: int = 1) -> np.ndarray:
    """``obs`` with random values in every unused node and edge slot (masked off)."""
    rng = np.random.default_rng(seed)
    nodes = slice(0, 2 * N * 3)
    edges = slice(nodes.stop, nodes.stop + 2 * (N - 1) * 2)
    node_mask = slice(edges.stop, edges.stop + 2 * N)
    edge_mask = slice(node_mask.stop, node_mask.stop + 2 * (N - 1))
    out = obs.copy()
    free_nodes = np.repeat(obs[:, node_mask] == 0, 3, axis=1)
    free_edges = np.repeat(obs[:, edge_mask] == 0, 2, axis=1)
    out[:, nodes] = np.where(free_nodes, rng.integers(-30, 31, free_nodes.shape), obs[:, nodes])
    out[:, edges] = np.where(free_edges, rng.integers(0, 2 * N, free_edges.shape), obs[:, edges])
    return out


@pytest.mark.parametrize(
    "options",
    [{"width": 16}, {"depth": 1}, {"depth": 0}, {"depth": 3}, {"conv": "gcn"}],
    ids=["sage-2x16", "sage-1", "sage-0", "sage-3", "gcn-2"],
)
def test_legal_logits_equal_the_dense_logits_at_legal_actions(batch: tuple, options: dict[str, Any]) -> None:
    obs, mask, _, spec = batch
    net = _net(spec, **options)
    legal = legal_lists(mask)
    for rows in (obs, _garbage(obs)):  # garbage in the padding changes nothing
        x = torch.from_numpy(rows)
        with torch.no_grad():
            logits, value = net(x)
            z, v = net.legal_logits(x, legal)
            _, value_only = net.legal_logits(x, None)
        assert z is not None and z.shape == (int(legal.rowptr[-1]),)
        assert torch.allclose(z, _dense_at(logits, legal), atol=1e-4, rtol=1e-5)
        assert torch.allclose(v, value, atol=1e-5) and torch.allclose(value_only, value, atol=1e-5)


def _ppo_like_grads(net: torch.nn.Module, logp: torch.Tensor, entropy: torch.Tensor, value: torch.Tensor) -> dict:
    net.zero_grad()
    weights = torch.linspace(-1.0, 1.0, len(logp))
    ((logp * weights).sum() - 0.3 * entropy.sum() + (value * weights).pow(2).sum()).backward()
    return {name: p.grad.clone() for name, p in net.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("prepared", [False, True], ids=["per-call", "prepared-classes"])
@pytest.mark.parametrize(
    "options",
    [{"width": 16}, {"depth": 1}, {"depth": 3}, {"conv": "gcn"}],
    ids=["sage-2x16", "sage-1", "sage-3", "gcn-2"],
)
def test_gradients_equal_the_dense_path_on_a_minibatch(batch: tuple, prepared: bool, options: dict[str, Any]) -> None:
    obs, mask, acts, spec = batch
    net = _net(spec, noise=0.1, **options)
    every = legal_lists(mask)
    rows = np.random.default_rng(3).permutation(len(obs))[: len(obs) // 2]
    x = torch.from_numpy(obs[rows])
    logits, value = net(x)
    dense = _ppo_like_grads(net, *log_prob_and_entropy(logits, torch.from_numpy(mask[rows]), torch.from_numpy(acts[rows])), value)  # fmt: skip
    sub = take_rows(every, rows)
    if prepared:
        z, v = net.legal_logits(x, sub, net.prepare(torch.from_numpy(obs), every), rows)
    else:
        z, v = net.legal_logits(x, sub)
    assert z is not None
    fast = _ppo_like_grads(net, *ragged_log_prob_entropy(z, sub.rowptr, positions(sub, acts[rows])), v)
    assert dense.keys() == fast.keys()
    for name in dense:
        scale = float(dense[name].abs().max()) + 1e-6
        assert torch.allclose(fast[name], dense[name], atol=2e-4 * scale), name


def test_both_ways_of_the_heads_give_the_same_logits_and_gradients(batch: tuple, monkeypatch: Any) -> None:
    """Blocks with many entries per node go through a (node, column) table; the others entry by entry."""
    obs, mask, acts, spec = batch
    net, legal, x = _net(spec), legal_lists(mask), torch.from_numpy(obs)
    out = []
    for threshold in (0, 10**9):  # every block by the table, every block entry by entry
        monkeypatch.setattr(plumbing_legal, "DENSE_ENTRIES_PER_NODE", threshold)
        monkeypatch.setattr(plumbing_legal, "BLOCK_ROWS", 7)
        z, v = net.legal_logits(x, legal)
        assert z is not None
        out.append((z.detach(), _ppo_like_grads(net, *ragged_log_prob_entropy(z, legal.rowptr, positions(legal, acts)), v)))  # fmt: skip
    (z0, g0), (z1, g1) = out
    assert torch.allclose(z0, z1, atol=1e-5)
    for name in g0:
        assert torch.allclose(g0[name], g1[name], atol=1e-5 * (float(g0[name].abs().max()) + 1)), name


def test_empty_graph_and_padding_slots_score_as_the_dense_network(batch: tuple) -> None:
    """An action at an empty slot (sampling_mask's action 0 where graph 0 is empty) gets the dense network's logit."""
    obs, mask, _, spec = batch
    rows = obs[:6].copy()
    node_mask = slice(2 * N * 3 + 2 * (N - 1) * 2, 2 * N * 3 + 2 * (N - 1) * 2 + 2 * N)
    edge_mask = slice(node_mask.stop, node_mask.stop + 2 * (N - 1))
    rows[:3, node_mask.start : node_mask.start + N] = 0  # graph 0 empty in three rows
    rows[:3, edge_mask.start : edge_mask.start + N - 1] = 0
    legal_mask = mask[:6].copy()
    legal_mask[:, 0] = True  # a blow-up at slot 0 of graph 0: a padding slot in the first three rows
    legal_mask[:, 2 * N + 2 * (N - 1)] = True  # graph 0's disjoint blow-up
    legal_mask[:, 3 * N + 4] = True  # a node action at a padding slot of graph 0
    net, legal, x = _net(spec), legal_lists(legal_mask), torch.from_numpy(rows)
    with torch.no_grad():
        logits, value = net(x)
        z, v = net.legal_logits(x, legal)
    assert z is not None
    assert torch.allclose(z, _dense_at(logits, legal), atol=1e-4) and torch.allclose(v, value, atol=1e-5)


def test_node_classes_group_exactly_the_nodes_with_equal_neighbourhoods(batch: tuple) -> None:
    obs = batch[0]
    p = ph.pack(torch.from_numpy(obs), N)
    first, second = ph.node_classes(p)
    own = p.embed.numpy() * 65536 + p.weight[:, 0].numpy().astype(np.int64)

    def key(i: int, level: np.ndarray, base: np.ndarray) -> tuple:
        neighbours = p.neighbours[p.ptr[i] : p.ptr[i + 1]]
        return base[i], float(p.inv_degree[i]), tuple(sorted(level[neighbours].tolist()))

    for level, base, classes in ((own, own, first), (first, first, second)):
        keys = [key(i, level, base) for i in range(len(own))]
        seen: dict[tuple, int] = {}
        for i, k in enumerate(keys):
            assert seen.setdefault(k, int(classes[i])) == classes[i]  # equal keys, one class
        assert len(seen) == int(classes.max()) + 1  # and one key per class


def test_ragged_categorical_equals_the_dense_one() -> None:
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(50, 40, generator=gen, dtype=torch.float64) * 4
    mask = torch.rand(50, 40, generator=gen) < 0.3
    mask[torch.arange(50), torch.randint(40, (50,), generator=gen)] = True
    taken = torch.multinomial(mask.double(), 1, generator=gen).squeeze(1)
    legal = legal_lists(mask.numpy())
    dense_in = logits.clone().requires_grad_(True)
    lp, ent = log_prob_and_entropy(dense_in, mask, taken)
    (lp.sum() * 0.7 - ent.sum()).backward()
    z = _dense_at(logits, legal).clone().requires_grad_(True)
    lp2, ent2 = ragged_log_prob_entropy(z, legal.rowptr, positions(legal, taken.numpy()))
    (lp2.sum() * 0.7 - ent2.sum()).backward()
    assert torch.allclose(lp, lp2) and torch.allclose(ent, ent2)
    assert dense_in.grad is not None and z.grad is not None
    assert torch.allclose(_dense_at(dense_in.grad, legal), z.grad)
    small = legal_lists(mask[:4].numpy())
    pos = torch.from_numpy(positions(small, taken[:4].numpy()))
    ptr = torch.from_numpy(small.rowptr)
    zs = _dense_at(logits[:4], small).clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: masked.RaggedLogProbEntropy.apply(t, ptr, pos), (zs,))


def test_ragged_sampler_draws_the_dense_sampler_s_actions() -> None:
    """Same uniform per row, same CDF order: the same legal action (but at rounding ties), at softmax frequencies."""
    gen = torch.Generator().manual_seed(1)
    logits = torch.randn(4000, 30, generator=gen) * 2
    mask = torch.rand(4000, 30, generator=gen) < 0.4
    mask[:, 7] = True
    legal = legal_lists(mask.numpy())
    torch.manual_seed(5)
    dense_action, dense_logp = sample_masked(logits, mask)
    torch.manual_seed(5)
    pos, logp = ragged_sample(_dense_at(logits, legal), legal.rowptr)
    action = torch.from_numpy(chosen(legal, pos))
    assert bool(mask.gather(1, action[:, None]).all())
    assert float((action == dense_action).float().mean()) > 0.999
    same = action == dense_action
    assert torch.allclose(logp[same], dense_logp[same], atol=1e-5)
    one = legal_lists(np.tile([[True, False, True, True, False]], (100_000, 1)))
    picks = chosen(one, ragged_sample(torch.tensor([0.0, 2.0, 1.0]).repeat(100_000), one.rowptr)[0])
    expected = torch.softmax(torch.tensor([0.0, 2.0, 1.0]), 0).numpy()
    assert np.allclose(np.bincount(picks, minlength=5)[[0, 2, 3]] / 100_000, expected, atol=0.006)


def test_legal_list_helpers() -> None:
    mask = np.array([[0, 1, 1, 0], [1, 0, 0, 0], [0, 0, 1, 1]], bool)
    legal = legal_lists(mask)
    assert legal.rowptr.tolist() == [0, 2, 3, 5] and legal.actions.tolist() == [1, 2, 0, 2, 3]
    both = concat_legal([legal, legal_lists(mask[::-1])])
    assert both.rows == 6 and chosen(both, np.zeros(6, np.int64)).tolist() == [1, 0, 2, 2, 0, 1]
    sub = take_rows(both, np.array([4, 0]))
    assert sub.rowptr.tolist() == [0, 1, 3] and chosen(sub, np.array([0, 1])).tolist() == [0, 2]
    assert positions(sub, np.array([0, 1])).tolist() == [0, 0] and positions(sub, np.array([3, 3])).tolist() == [-1, -1]


def test_vec_ppo_takes_the_legal_path_for_the_graph_network_only() -> None:
    spec = _batch(steps=1, envs=2)[3]
    assert vec_common.has_legal_path(build_net("gnn", spec), torch.device("cpu"))
    assert not vec_common.has_legal_path(build_net("mlp", spec), torch.device("cpu"))


def test_the_shipped_agent_scores_the_paper_board_the_same_on_both_paths() -> None:
    """The pretrained Ri-Putrov agent (128 slots, no extrusion twists) loads unchanged and its legal logits match."""
    folder = Path(ph.__file__).resolve().parents[1] / "data" / "pretrained" / "plumbing-ppo-gnn"
    net, policy = vec_common.load_net(folder)
    assert policy == "gnn"
    vec = vec_common.make_envs(type("A", (), {"env_id": "Kirby-Plumbing-Paper-v0", "num_envs": 6, "env_kwargs": {}})())
    obs, info = vec.reset(seed=0)
    rng = np.random.default_rng(0)
    rows, masks = [], []
    for _ in range(5):
        mask = vec_common.sampling_mask(np.asarray(info["action_mask"], bool))
        rows.append(obs.copy())
        masks.append(mask)
        obs, _, _, _, info = vec.step((rng.random(mask.shape) * mask).argmax(1))
    vec.close()
    x, legal = torch.from_numpy(np.concatenate(rows)), legal_lists(np.concatenate(masks))
    with torch.no_grad():
        logits, value = net(x)
        z, v = net.legal_logits(x, legal)
    assert z is not None
    assert torch.allclose(z, _dense_at(logits, legal), atol=1e-4) and torch.allclose(v, value, atol=1e-5)


def test_a_gym_single_env_observation_row_goes_through_both_paths() -> None:
    env = gym.make(ENV)
    obs, info = env.reset(seed=3)
    spec = _batch(steps=1, envs=2)[3]
    net = _net(spec)
    x = torch.from_numpy(ph.flatten_plumbing(obs)).reshape(1, -1)
    legal = legal_lists(np.asarray(info["action_mask"], bool)[None])
    with torch.no_grad():
        z, _ = net.legal_logits(x, legal)
        assert z is not None and torch.allclose(z, _dense_at(net(x)[0], legal), atol=1e-4)
