"""Soundness of Kirby-Plumbing-v0 certificates: no certificate proves two different manifolds homeomorphic.

Every legal move keeps H_1, so on a pair whose first homology groups differ
(the suite ``plumbing-distinct-10``, or ``DistinctPairGenerator``) no move
list can be a valid ``homeomorphic`` certificate. Here thousands of move lists
are offered anyway: the moves of valid certificates for other pairs, the
normal-form reductions and random legal walks of the distinct pairs
themselves, scrambles, and certificates tampered with in every way a forger
might try. All must be rejected; ``distinct`` must never be accepted on a
homeomorphic pair.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import networkx as nx
import numpy as np
import pytest
from rigorgym.agents.normal_form import certify_pair, reduce_to_normal_form
from rigorgym.envs.kirby_plumbing import DistinctPairGenerator, PlumbingInstance, RiPutrovGenerator, scramble
from rigorgym.envs.kirby_plumbing.env import make_certificate
from rigorgym.envs.kirby_plumbing.generator import down_moves, random_up_move
from rigorgym.envs.suites import load_suite
from rigorgym.verifiers import FORMAT, verify
from rigorgym.verifiers.plumbing import IllegalMove, PlumbingGraph, apply_move, isomorphic
from rigorgym.verifiers.plumbing_invariants import first_homology

HOMEOMORPHIC_SAMPLE = 40
DISTINCT_SAMPLE = 60


def certificate(graphs: list[dict[str, Any]], moves: list[Any], claim: str = "homeomorphic") -> dict[str, Any]:
    return {
        "format": FORMAT,
        "env": "Kirby-Plumbing-v0",
        "claim": claim,
        "instance": {"graphs": copy.deepcopy(graphs)},
        "moves": copy.deepcopy(moves),
        "meta": {"agent": "soundness-test"},
    }


def replay_count(graphs: list[dict[str, Any]], moves: list[dict[str, Any]]) -> tuple[int, list[PlumbingGraph]]:
    """How many moves are legal before the first illegal one (replayed independently of ``verify``)."""
    state = [PlumbingGraph.from_json(g) for g in graphs]
    for done, move in enumerate(moves):
        index = move.get("graph") if isinstance(move, dict) else None
        if type(index) is not int or index not in (0, 1):
            return done, state
        try:
            apply_move(state[index], move)
        except IllegalMove:
            return done, state
    return len(moves), state


def rejected(graphs: list[dict[str, Any]], moves: list[Any], claim: str = "homeomorphic") -> bool:
    """Assert the certificate is rejected (well formed, at the right move); return whether every move was legal."""
    verdict = verify(certificate(graphs, moves, claim))
    assert not verdict.valid, (claim, verdict.reason)
    assert not verdict.malformed, verdict.reason
    legal, _ = replay_count(graphs, moves)
    assert verdict.moves_checked == legal, verdict.reason
    return legal == len(moves)


def to_nx(g: PlumbingGraph) -> nx.Graph:
    out = nx.Graph()
    out.add_nodes_from((v, {"weight": w}) for v, w in g.weights.items())
    out.add_edges_from((u, v) for u in g.adj for v in g.adj[u])
    return out


def judged(graphs: list[dict[str, Any]], moves: list[Any]) -> bool:
    """The verdict on a ``homeomorphic`` certificate agrees with an independent replay (and networkx); return it."""
    verdict = verify(certificate(graphs, moves))
    legal, state = replay_count(graphs, moves)
    expected = legal == len(moves) and nx.vf2pp_is_isomorphic(*map(to_nx, state), node_label="weight")
    assert verdict.valid == expected, verdict.reason
    assert verdict.moves_checked == legal and not verdict.malformed
    return verdict.valid


@pytest.fixture(scope="module")
def homeomorphic_pairs() -> list[tuple[PlumbingInstance, list[dict[str, Any]]]]:
    """Pairs of plumbing-ri-putrov-10 with their normal-form certificates (all valid)."""
    out = []
    for raw in load_suite("plumbing-ri-putrov-10").instances[:HOMEOMORPHIC_SAMPLE]:
        instance = PlumbingInstance.from_instance(raw)
        found = certify_pair(instance)
        if found is None or found[0] != "homeomorphic":
            continue
        assert verify(make_certificate(instance, found[1])).valid
        out.append((instance, found[1]))
    assert len(out) >= HOMEOMORPHIC_SAMPLE * 3 // 4
    return out


@pytest.fixture(scope="module")
def distinct_pairs() -> list[PlumbingInstance]:
    """Pairs with different H_1: the start of plumbing-distinct-10, and a few fresh ones from the generator."""
    pairs = [PlumbingInstance.from_instance(x) for x in load_suite("plumbing-distinct-10").instances[:DISTINCT_SAMPLE]]
    rng = np.random.default_rng(5)
    generator = DistinctPairGenerator(nodes=6, scramble_moves=20, max_nodes=32)
    pairs += [generator(rng) for _ in range(10)]
    for pair in pairs:
        g, h = pair.kernel_graphs()
        assert first_homology(g) != first_homology(h)
    return pairs


def graphs_of(instance: PlumbingInstance) -> list[dict[str, Any]]:
    return instance.to_instance()["graphs"]


# -- moves of valid certificates, offered for distinct pairs --------------------------------------


def test_moves_of_valid_certificates_never_prove_a_distinct_pair(
    homeomorphic_pairs: list[tuple[PlumbingInstance, list[dict[str, Any]]]], distinct_pairs: list[PlumbingInstance]
) -> None:
    all_legal = 0
    for k, pair in enumerate(distinct_pairs):
        for instance, moves in homeomorphic_pairs[k % 7 :: 7]:
            rejected(graphs_of(pair), moves)
            # the valid pair with one graph replaced by one of a distinct pair: H_1 now differs
            for side in (0, 1):
                forged = graphs_of(instance)
                forged[side] = graphs_of(pair)[side]
                if first_homology(PlumbingGraph.from_json(forged[0])) != first_homology(
                    PlumbingGraph.from_json(forged[1])
                ):
                    rejected(forged, moves)
        # the moves that prove a homeomorphic pair, replayed on the very graphs they were recorded for,
        # with the other side replaced: every move legal, the claim still fails
        instance, moves = homeomorphic_pairs[k % len(homeomorphic_pairs)]
        side_moves = [m for m in moves if m["graph"] == 0]
        forged = [graphs_of(instance)[0], graphs_of(pair)[1]]
        if first_homology(PlumbingGraph.from_json(forged[0])) != first_homology(PlumbingGraph.from_json(forged[1])):
            all_legal += rejected(forged, side_moves)
    assert all_legal >= len(distinct_pairs) // 2


def test_normal_form_reductions_of_distinct_pairs_are_rejected(distinct_pairs: list[PlumbingInstance]) -> None:
    legal = 0
    for pair in distinct_pairs:
        g, h = pair.kernel_graphs()
        moves = reduce_to_normal_form(g, 0) + reduce_to_normal_form(h, 1)
        assert not isomorphic(g, h)
        rejected(graphs_of(pair), moves)
        # every move is legal: the certificate fails on the claim, not on a move
        assert verify(certificate(graphs_of(pair), moves)).moves_checked == len(moves)
        legal += 1
        # and the distinct claim with the same (legal, H_1-keeping) moves holds
        verdict = verify(certificate(graphs_of(pair), moves, "distinct"))
        assert verdict.valid, verdict.reason
    assert legal == len(distinct_pairs)


def random_walk(graph: PlumbingGraph, index: int, rng: np.random.Generator, steps: int) -> list[dict[str, Any]]:
    """Random legal moves (down moves when possible half the time, up moves otherwise), tagged with ``graph``."""
    moves = []
    for _ in range(steps):
        down = down_moves(graph)
        if down and (rng.random() < 0.6 or len(graph) > 40):
            move = down[int(rng.integers(len(down)))]
        else:
            move = random_up_move(graph, rng)
        apply_move(graph, move)
        moves.append({**move, "graph": index})
    return moves


def test_random_legal_walks_on_distinct_pairs_are_rejected(distinct_pairs: list[PlumbingInstance]) -> None:
    rng = np.random.default_rng(17)
    for pair in distinct_pairs:
        for _ in range(8):
            g, h = pair.kernel_graphs()
            first = random_walk(g, 0, rng, int(rng.integers(1, 40)))
            second = random_walk(h, 1, rng, int(rng.integers(0, 40)))
            # interleave the two walks at random (each keeps its order, so every move stays legal)
            sides = rng.permutation([0] * len(first) + [1] * len(second))
            streams = [iter(first), iter(second)]
            walk = [next(streams[side]) for side in sides]
            assert rejected(graphs_of(pair), walk)
            assert first_homology(g) == first_homology(pair.kernel_graphs()[0])
            assert first_homology(h) == first_homology(pair.kernel_graphs()[1])


def test_scramble_moves_never_prove_a_distinct_pair(distinct_pairs: list[PlumbingInstance]) -> None:
    """The generator's own scrambles (the proofs a homeomorphic pair carries), moved onto distinct pairs."""
    rng = np.random.default_rng(23)
    generator = RiPutrovGenerator(nodes=10, scramble_moves=60, max_nodes=48)
    for pair in distinct_pairs[:30]:
        tree_g, tree_h = generator.pair(rng)
        # the scramble of a fresh copy of each distinct graph, offered as a proof
        g, h = pair.kernel_graphs()
        moves = [{**m, "graph": 0} for m in scramble(g, rng, 30, 64)] + [
            {**m, "graph": 1} for m in scramble(h, rng, 30, 64)
        ]
        assert rejected(graphs_of(pair), moves)
        # scrambles recorded on other trees
        other = [{**m, "graph": 0} for m in scramble(tree_g, rng, 30, 64)]
        other += [{**m, "graph": 1} for m in scramble(tree_h, rng, 30, 64)]
        rejected(graphs_of(pair), other)


# -- tampered certificates -------------------------------------------------------------------------


def perturb_h1(graph: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    """The graph with one weight changed so that H_1 changes, or None if no small change does."""
    base = first_homology(PlumbingGraph.from_json(graph))
    nodes = list(range(len(graph["nodes"])))
    rng.shuffle(nodes)
    for i in nodes:
        for delta in (1, -1, 2, -2):
            changed = copy.deepcopy(graph)
            changed["nodes"][i][1] += delta
            if first_homology(PlumbingGraph.from_json(changed)) != base:
                return changed
    return None


def test_a_weight_changed_in_the_instance_is_rejected(
    homeomorphic_pairs: list[tuple[PlumbingInstance, list[dict[str, Any]]]],
) -> None:
    rng = random.Random(3)
    tried = 0
    for instance, moves in homeomorphic_pairs:
        graphs = graphs_of(instance)
        for side in (0, 1):
            changed = perturb_h1(graphs[side], rng)
            if changed is None:
                continue
            forged = [changed, graphs[1]] if side == 0 else [graphs[0], changed]
            rejected(forged, moves)
            tried += 1
    assert tried >= len(homeomorphic_pairs)


def test_dropped_or_duplicated_moves_are_rejected(
    homeomorphic_pairs: list[tuple[PlumbingInstance, list[dict[str, Any]]]],
) -> None:
    """Every op changes the node count of its graph, so a dropped or repeated move can never still end isomorphic."""
    rng = random.Random(4)
    for instance, moves in homeomorphic_pairs:
        graphs = graphs_of(instance)
        positions = sorted(rng.sample(range(len(moves)), min(4, len(moves)))) + [0, len(moves) - 1]
        for i in positions:
            rejected(graphs, moves[:i] + moves[i + 1 :])
            rejected(graphs, moves[: i + 1] + moves[i:])
        assert rejected(graphs, moves[:-1])  # every move legal: the graphs end with different node counts
        rejected(graphs, moves + moves[-1:])


def test_reordered_moves_and_flipped_graph_indices_are_judged_by_replay(
    homeomorphic_pairs: list[tuple[PlumbingInstance, list[dict[str, Any]]]],
) -> None:
    """On a homeomorphic pair a reordered proof may still be a proof (moves can commute), so each verdict is
    checked against an independent replay; nearly all of them must fail."""
    verdicts = []
    for instance, moves in homeomorphic_pairs:
        graphs = graphs_of(instance)
        if len(moves) >= 2:
            verdicts.append(judged(graphs, moves[::-1]))
            verdicts.append(judged(graphs, moves[1:] + moves[:1]))  # the first move played last
        verdicts.append(judged(graphs, [{**m, "graph": 1 - m["graph"]} for m in moves]))
        # one index flipped: the move lands on the other graph
        for i in (0, len(moves) // 2, len(moves) - 1):
            one = copy.deepcopy(moves)
            one[i]["graph"] = 1 - one[i]["graph"]
            verdicts.append(judged(graphs, one))
        # the graphs swapped in the instance but not in the moves
        verdicts.append(judged(graphs[::-1], moves))
    assert sum(verdicts) <= len(verdicts) // 20, sum(verdicts)


def test_distinct_is_never_accepted_on_homeomorphic_pairs(
    homeomorphic_pairs: list[tuple[PlumbingInstance, list[dict[str, Any]]]],
) -> None:
    generator = RiPutrovGenerator(nodes=6, scramble_moves=20, max_nodes=32)
    rng = np.random.default_rng(9)
    fresh = [(generator(rng), []) for _ in range(20)]
    for instance, moves in [*homeomorphic_pairs, *fresh]:
        graphs = graphs_of(instance)
        rejected(graphs, [], "distinct")
        if moves:
            rejected(graphs, moves, "distinct")
            rejected(graphs, moves[: len(moves) // 2], "distinct")
        # the same graph on both sides, scrambled independently
        for side in (0, 1):
            rejected([graphs[side], graphs[side]], [], "distinct")
