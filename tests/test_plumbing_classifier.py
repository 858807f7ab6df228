"""The supervised "same 3-manifold?" classifier of Kirby-Plumbing-v0 (Ri-Putrov's baseline).

Labels must be right (positives certified homeomorphic by the kernel, negatives
certified distinct by H_1), the model must be symmetric and trainable, saving
must round-trip, ``rank_moves`` must return a permutation without touching the
env, and the shipped model must still reach the accuracy its card states.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from rigorgym.agents import plumbing_classifier as pc
from rigorgym.agents.normal_form import certify_pair
from rigorgym.envs.kirby_plumbing import KirbyPlumbingEnv
from rigorgym.envs.kirby_plumbing.env import make_certificate
from rigorgym.verifiers import verify
from rigorgym.verifiers.plumbing import PlumbingGraph, canonical_form
from rigorgym.verifiers.plumbing_invariants import first_homology

SMALL = {"max_nodes": 6, "min_nodes": 3, "scramble_moves": (5, 20)}


@pytest.fixture(scope="module")
def pairs() -> list[pc.LabelledPair]:
    return pc.make_pairs(24, seed=101, negative_mix=(1.0, 1.0, 1.0), **SMALL)


def test_pairs_are_balanced_and_reproducible(pairs: list[pc.LabelledPair]) -> None:
    assert sum(p.label for p in pairs) == 12
    assert {p.kind for p in pairs if p.label == 0} <= set(pc.NEGATIVE_KINDS)
    again = pc.make_pairs(4, seed=101, negative_mix=(1.0, 1.0, 1.0), **SMALL)
    for a, b in zip(again, pairs[:4], strict=True):
        assert [g.to_json() for g in a.graphs] == [g.to_json() for g in b.graphs]


def test_positive_labels_verify_as_homeomorphic(pairs: list[pc.LabelledPair]) -> None:
    certified = 0
    for i, p in enumerate(pairs):
        if p.label != 1:
            continue
        found = certify_pair(p.instance())
        if found is None:  # the normal-form solver does not certify every lens space; never a wrong claim
            continue
        claim, moves = found
        assert claim == "homeomorphic"
        assert verify(make_certificate(p.instance(f"pos-{i}"), moves)).valid
        certified += 1
    assert certified >= 10


def test_negative_labels_are_certainly_distinct(pairs: list[pc.LabelledPair]) -> None:
    for p in pairs:
        if p.label != 0:
            continue
        g, h = p.graphs
        assert first_homology(g) != first_homology(h)
        assert verify(make_certificate(p.instance(), [], claim="distinct")).valid
        if p.kind == "hard":
            assert p.equal_order


def test_hard_pair_has_equal_order_and_different_group() -> None:
    found = pc.hard_pair(np.random.default_rng(7), nodes=8, scramble_moves=10)
    assert found is not None
    g, h = found
    hg, hh = first_homology(g), first_homology(h)
    assert hg != hh
    assert int(np.prod(hg)) == int(np.prod(hh)) != 0


def test_splits_are_disjoint() -> None:
    a = pc.make_pairs(10, seed=1, **SMALL)
    b = pc.make_pairs(10, seed=2, **SMALL)
    keys = {tuple(canonical_form(g) for g in p.graphs) for p in a}
    assert not any(tuple(canonical_form(g) for g in p.graphs) in keys for p in b)


@pytest.mark.parametrize("conv", ["gin", "gcn"])
def test_forward_shapes_and_symmetry(pairs: list[pc.LabelledPair], conv: str) -> None:
    torch.manual_seed(0)
    model = pc.PairClassifier(pc.ClassifierConfig(conv=conv, depth=2, width=16, head_width=8)).eval()
    tensors = pc.pair_tensors(p.graphs for p in pairs[:5])
    batch = pc.collate(tensors)
    assert batch.x.shape[1] == pc.NODE_FEATURES and batch.num_graphs == 10
    assert model.graph_embeddings(batch).shape == (10, 16)
    logits = model(batch)
    assert logits.shape == (5,)
    swapped = model(pc.collate([(b, a) for a, b in tensors]))
    assert torch.allclose(logits, swapped, atol=1e-5)
    probs = pc.predict_proba(model, [p.graphs for p in pairs[:5]])
    assert probs.shape == (5,) and np.all((probs > 0) & (probs < 1))


def test_empty_graph_is_scored() -> None:
    # a scramble can empty a graph (a 0-leaf split of a 2-node tree): the model must still answer
    model = pc.PairClassifier(pc.ClassifierConfig(depth=2, width=16, head_width=8))
    empty, one = PlumbingGraph({}, {}), PlumbingGraph({0: -2}, {0: set()})
    probs = pc.predict_proba(model, [(empty, one), (empty, empty)])
    assert probs.shape == (2,) and np.all(np.isfinite(probs))


def test_tiny_training_lowers_the_loss() -> None:
    train = pc.make_pairs(96, seed=201, negative_mix=(1.0, 0.0, 0.0), **SMALL)
    val = pc.make_pairs(32, seed=202, negative_mix=(1.0, 0.0, 0.0), **SMALL)
    model = pc.PairClassifier(pc.ClassifierConfig(depth=2, width=32, head_width=32))
    cfg = pc.TrainConfig(epochs=12, batch_size=16, lr=3e-3, patience=100, seed=0)
    history = pc.train(model, train, val, cfg, progress=False)
    assert len(history.train_loss) == 12 and history.steps == 12 * 6
    assert history.train_loss[-1] < history.train_loss[0] - 0.05
    assert 0 <= history.best_epoch < 12


def test_save_load_round_trip(pairs: list[pc.LabelledPair], tmp_path) -> None:
    model = pc.PairClassifier(pc.ClassifierConfig(depth=2, width=16, head_width=8))
    pc.save(model, tmp_path / "m", {"note": "test"})
    again = pc.load(tmp_path / "m")
    assert again.config == model.config
    a = pc.predict_proba(model, pairs)
    b = pc.predict_proba(again, pairs)
    assert np.array_equal(a, b)


def test_rank_moves_on_env_actions_is_a_permutation(pairs: list[pc.LabelledPair]) -> None:
    model = pc.PairClassifier(pc.ClassifierConfig(depth=2, width=16, head_width=8))
    env = KirbyPlumbingEnv(max_nodes=32)
    env.reset(seed=0, options={"instance": pairs[0].instance()})
    before = [g.to_json() for g in env.graphs()]
    legal = np.flatnonzero(env.action_masks())
    candidates = [int(a) for a in legal[:: max(1, len(legal) // 25)]]
    illegal = int(np.flatnonzero(~env.action_masks())[0])
    ranked = pc.rank_moves(model, env, [*candidates, illegal])
    assert sorted(ranked) == sorted([*candidates, illegal])
    assert ranked[-1] == illegal  # illegal moves go last
    assert [g.to_json() for g in env.graphs()] == before  # the env is untouched
    scores = pc.score_moves(model, env, ranked)
    assert all(x >= y for x, y in zip(scores, scores[1:], strict=False))
    # an action index and its kernel move give the same pair, hence the same score
    move = pc.action_to_move(env, ranked[0])
    assert move is not None
    assert pc.score_moves(model, env, [move])[0] == pytest.approx(scores[0], abs=1e-6)


def test_rank_moves_on_kernel_moves(pairs: list[pc.LabelledPair]) -> None:
    model = pc.PairClassifier(pc.ClassifierConfig(depth=2, width=16, head_width=8))
    pair = pairs[2].graphs
    candidates = pc.candidate_moves(pair)
    ranked = pc.rank_moves(model, pair, candidates)
    assert len(ranked) == len(candidates)
    assert sorted(map(repr, ranked)) == sorted(map(repr, candidates))
    assert pc.rank_moves(model, pair, []) == []


def test_greedy_search_wins_verify(pairs: list[pc.LabelledPair]) -> None:
    p = next(q for q in pairs if q.label == 1)
    result = pc.greedy_search(p.graphs, pc.complexity_order(0), max_moves=60)
    assert result.moves is not None
    assert verify(make_certificate(p.instance("greedy"), result.moves)).valid
    model = pc.PairClassifier(pc.ClassifierConfig(depth=1, width=8, head_width=8))
    guided = pc.greedy_search(p.graphs, pc.classifier_order(model), max_moves=3)
    assert guided.steps <= 3


def test_shipped_model_meets_its_card() -> None:
    meta = pc.pretrained_meta()["meta"]
    stated = meta["heldout"]["accuracy"]
    card = (pc.PRETRAINED / "CARD.md").read_text()
    assert f"{100 * stated:.1f}%" in card
    assert (pc.PRETRAINED / "model.pt").stat().st_size < 2_000_000
    model = pc.load_pretrained()
    data = meta["data"]
    fresh = pc.make_pairs(
        160,
        seed=4242,  # not a seed of the training, validation or test splits (1, 2, 3)
        max_nodes=data["max_nodes"],
        min_nodes=data["min_nodes"],
        scramble_moves=tuple(data["scramble_moves"]),
        negative_mix=tuple(data["negative_mix"]),
        graph_cap=data["graph_cap"],
    )
    accuracy = pc.evaluate(model, fresh)["accuracy"]
    assert accuracy >= stated - 0.12  # 160 pairs: one standard error is about 0.035
