"""The ``normal-form`` agent of Kirby-Plumbing-v0: Neumann's reduction, then isomorphism (or H_1 for distinct pairs).

Every certificate it emits must verify; on pairs built to be different it
must say ``distinct`` and never ``homeomorphic``; the reduced graphs must have
the shape the module docstring promises; and its moves, played through the
env as actions, must win the episode.
"""

from __future__ import annotations

from typing import Any

import pytest
from rigorgym.agents.normal_form import NormalFormSolver, certify_pair, normal_form, reduce_to_normal_form
from rigorgym.agents.registry import make_agent
from rigorgym.agents.runner import run_agent
from rigorgym.envs.kirby_plumbing import KirbyPlumbingEnv, PlumbingInstance
from rigorgym.envs.kirby_plumbing.actions import OP_NAMES
from rigorgym.envs.suites import load_suite
from rigorgym.verifiers import verify
from rigorgym.verifiers.plumbing import PlumbingGraph, apply_move, isomorphic
from rigorgym.verifiers.plumbing_invariants import first_homology

import rigorgym  # noqa: F401  (registers the ids and agents)

SAMPLES = {"plumbing-small-6": 50, "plumbing-ri-putrov-10": 40, "plumbing-large-25": 30}


def suite_instances(name: str, count: int) -> list[PlumbingInstance]:
    return [PlumbingInstance.from_instance(x) for x in load_suite(name).instances[:count]]


def graph(nodes: list[list[int]], edges: list[list[int]] | None = None) -> PlumbingGraph:
    return PlumbingGraph.from_json({"nodes": nodes, "edges": edges or []})


def assert_reduced(g: PlumbingGraph) -> None:
    """No ±1 or 0 vertex of degree <= 2 except isolated 0-vertices; every other chain vertex weighs <= -2."""
    for v, w in g.weights.items():
        degree = len(g.adj[v])
        if degree > 2:
            continue
        if w == 0 and degree == 0:
            continue  # an S^1 x S^2 summand
        assert w <= -2, (v, w, degree, g.to_json())


# -- suites ------------------------------------------------------------------------------------


@pytest.mark.parametrize("suite", sorted(SAMPLES))
def test_certifies_homeomorphic_suites(suite: str) -> None:
    env = KirbyPlumbingEnv(max_nodes=96)
    env.reset(seed=0)
    solver = NormalFormSolver()
    instances = suite_instances(suite, SAMPLES[suite])
    solved = 0
    for instance in instances:
        result = solver.solve(env, instance, budget_s=10.0, seed=0)
        if result.certificate is None:
            continue
        cert = result.certificate
        assert cert["claim"] == "homeomorphic", "a homeomorphic pair cannot have different H_1"
        verdict = verify(cert)
        assert verdict.valid, (instance.id, verdict.reason)
        assert verdict.moves_checked == len(cert["moves"]) == result.steps
        assert cert["instance"] == instance.to_instance()
        assert cert["meta"]["instance_id"] == instance.id
        assert all(m["graph"] in (0, 1) for m in cert["moves"])
        solved += 1
    assert solved >= 0.9 * len(instances), f"{suite}: {solved}/{len(instances)}"


def test_distinct_suite_gets_distinct_certificates() -> None:
    env = KirbyPlumbingEnv(max_nodes=64)
    env.reset(seed=0)
    for instance in suite_instances("plumbing-distinct-10", 50):
        result = NormalFormSolver().solve(env, instance, budget_s=10.0, seed=0)
        assert result.certificate is not None, instance.id
        assert result.certificate["claim"] == "distinct"
        assert result.certificate["moves"] == []
        verdict = verify(result.certificate)
        assert verdict.valid, verdict.reason
        # and the reduction of a distinct pair never ends isomorphic (H_1 is kept by every move)
        g, h = instance.kernel_graphs()
        reduce_to_normal_form(g, 0)
        reduce_to_normal_form(h, 1)
        assert not isomorphic(g, h)


@pytest.mark.parametrize("suite", ["plumbing-small-6", "plumbing-ri-putrov-10", "plumbing-distinct-10"])
def test_reduced_forms_have_the_promised_shape(suite: str) -> None:
    for instance in suite_instances(suite, 25):
        for index, g in enumerate(instance.kernel_graphs()):
            original = g.copy()
            h1 = first_homology(g)
            moves = reduce_to_normal_form(g, index)
            assert_reduced(g)
            assert all(m["graph"] == index for m in moves)
            assert first_homology(g) == h1
            # the moves replay on the original to the same graph; normal_form leaves its input alone
            replay = original.copy()
            for move in moves:
                apply_move(replay, move)
            assert replay.to_json() == g.to_json()
            assert normal_form(original).to_json() == g.to_json()
            assert original.to_json() == PlumbingGraph.from_json(instance.graphs[index]).to_json()
            # reduced graphs are fixed points
            again = g.copy()
            assert reduce_to_normal_form(again, index) == []


# -- small cases ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nodes", "edges", "expected_nodes", "expected_edges"),
    [
        ([[0, -1]], [], [], []),  # S^3
        ([[0, 1]], [], [], []),
        ([[0, -1], [1, -1]], [[0, 1]], [[1, 0]], []),  # S^1 x S^2
        ([[0, 0], [1, 7]], [[0, 1]], [], []),  # a 0-leaf splits off
        ([[0, -3], [1, 0], [2, -4]], [[0, 1], [1, 2]], [[0, -7]], []),  # a 0-chain is absorbed
        ([[0, 2]], [], [[1, -2]], []),  # w >= 2 becomes a chain of -2s
        ([[0, 5]], [], [[1, -2], [2, -2], [3, -2], [4, -2]], [[1, 2], [2, 3], [3, 4]]),
        ([[0, -2], [1, -5]], [[0, 1]], [[0, -2], [1, -5]], [[0, 1]]),  # already reduced
    ],
)
def test_normal_form_of_small_graphs(
    nodes: list[list[int]], edges: list[list[int]], expected_nodes: list[list[int]], expected_edges: list[list[int]]
) -> None:
    g = graph(nodes, edges)
    reduced = normal_form(g)
    assert isomorphic(reduced, graph(expected_nodes, expected_edges)), reduced.to_json()
    assert first_homology(reduced) == first_homology(g)
    assert_reduced(reduced)


def test_e8_is_already_in_normal_form() -> None:
    e8 = graph([[i, -2] for i in range(8)], [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6], [2, 7]])
    assert reduce_to_normal_form(e8.copy(), 0) == []


def test_never_guesses_on_lens_spaces_with_equal_homology() -> None:
    # L(5,1) and L(5,2): H_1 = Z/5 for both, both already reduced, not homeomorphic
    pair = PlumbingInstance.from_instance(
        {"graphs": [{"nodes": [[0, -5]], "edges": []}, {"nodes": [[0, -3], [1, -2]], "edges": [[0, 1]]}]}
    )
    assert certify_pair(pair) is None
    env = KirbyPlumbingEnv()
    env.reset(seed=0)
    assert NormalFormSolver().solve(env, pair, 1.0, 0).certificate is None


def test_certify_pair_on_small_pairs() -> None:
    blowup = PlumbingInstance.from_instance(
        {"graphs": [{"nodes": [[0, -2]], "edges": []}, {"nodes": [[0, -3], [1, -1]], "edges": [[0, 1]]}]}
    )
    claim, moves = certify_pair(blowup)
    assert claim == "homeomorphic" and moves == [{"op": "blowdown", "v": 1, "graph": 1}]
    distinct = PlumbingInstance.from_instance(
        {"graphs": [{"nodes": [[0, -2]], "edges": []}, {"nodes": [[0, -3]], "edges": []}]}
    )
    assert certify_pair(distinct) == ("distinct", [])


# -- the moves through the env -------------------------------------------------------------------


def move_to_action(env: KirbyPlumbingEnv, move: dict[str, Any]) -> int:
    """The env action of a kernel move on the env's current graphs (nodes by slot, edges by rank)."""
    layout = env.layout
    g = move["graph"]
    current = env.graphs()[g]
    order = sorted(current.weights)
    slot = {v: s for s, v in enumerate(order)}
    op = OP_NAMES.index(move["op"])
    if move["op"] == "blowup_disjoint":
        return layout.encode(g, op, 0, move["sign"])
    if move["op"] == "blowup_edge":
        edges = sorted((slot[u], slot[v]) for u in current.adj for v in current.adj[u] if slot[u] < slot[v])
        rank = edges.index(tuple(sorted((slot[move["u"]], slot[move["v"]]))))
        return layout.encode(g, op, rank, move["sign"])
    if move["op"] == "extrude_zero":
        around = sorted(slot[u] for u in current.adj[move["v"]])
        subset = sum(1 << around.index(slot[x]) for x in move["moved"])
        return layout.encode(g, op, slot[move["v"]], move["d"], subset)
    return layout.encode(g, op, slot[move["v"]], move.get("sign", 0))


def same_move(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal moves, up to the order of an edge's ends and of the moved neighbours."""

    def key(m: dict[str, Any]) -> dict[str, Any]:
        m = dict(m)
        if m["op"] == "blowup_edge":
            m["u"], m["v"] = sorted((m["u"], m["v"]))
        if m["op"] == "extrude_zero":
            m["moved"] = sorted(m["moved"])
        return m

    return key(a) == key(b)


def test_normal_form_moves_win_the_env() -> None:
    won = 0
    for instance in suite_instances("plumbing-small-6", 12) + suite_instances("plumbing-ri-putrov-10", 6):
        found = certify_pair(instance)
        if found is None:
            continue
        claim, moves = found
        assert claim == "homeomorphic"
        # size the env for the largest graph along the way
        graphs, peak = instance.kernel_graphs(), max(len(g) for g in instance.kernel_graphs())
        for move in moves:
            apply_move(graphs[move["graph"]], move)
            peak = max(peak, len(graphs[move["graph"]]))
        env = KirbyPlumbingEnv(max_nodes=peak + 2)
        _, info = env.reset(seed=1, options={"instance": instance})
        terminated = env.solved
        for move in moves:
            if terminated:
                break
            action = move_to_action(env, move)
            assert info["action_mask"][action], move
            _, _, terminated, _, info = env.step(action)
            assert not info["illegal_action"]
            assert same_move(env.moves[-1], move)
        assert terminated
        if env.moves:
            assert verify(info["certificate"]).valid
        won += 1
    assert won >= 15


# -- the agent registry and the runner -----------------------------------------------------------


def test_run_agent_verifies_every_certificate() -> None:
    instances = suite_instances("plumbing-small-6", 4) + suite_instances("plumbing-distinct-10", 2)
    dropped: list[str] = []
    outcomes = list(run_agent("Kirby-Plumbing-v0", instances, "normal-form", 5.0, seed=7, progress=False,
                              on_dropped=dropped.append))  # fmt: skip
    assert [o.index for o in outcomes] == list(range(len(instances)))
    assert not dropped
    for k, outcome in enumerate(outcomes):
        assert outcome.verified and outcome.certificate is not None
        cert = outcome.certificate
        assert cert["meta"]["agent"] == "normal-form" and cert["meta"]["seed"] == 7 + k
        assert cert["meta"]["instance_id"] == instances[k].id
        assert cert["claim"] == ("distinct" if k >= 4 else "homeomorphic")
        assert verify(cert).valid


def test_registered_agent() -> None:
    agent = make_agent("normal-form")
    assert agent.name == "normal-form"
    env = KirbyPlumbingEnv()
    env.reset(seed=0)
    instance = suite_instances("plumbing-small-6", 1)[0]
    result = agent.solve(env, instance, 5.0, 0)
    assert result.solved and result.moves == len(result.certificate["moves"])
    assert verify(result.certificate).valid
