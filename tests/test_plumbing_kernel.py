"""The plumbing-graph kernel (docs/design.md §2.3, §2.4) op by op, its invariants, its isomorphism test, its verdicts.

* each op's precondition and effect on small hand-made forests, the new-id
  rule (``max + 1``, ``0`` in an empty graph), ``absorb_zero`` keeping the
  smaller id, ``extrude_zero`` creating the 0-vertex before the ``d``-vertex,
  and illegal moves leaving the graph exactly as it was;
* ``PlumbingGraph.from_json`` rejecting everything that is not a weighted
  forest in the §2.4 form;
* the Smith normal form and ``|det|`` against sympy, numpy and regina, and
  the Seifert cross-check against regina on random star-shaped trees;
* ``isomorphic`` against networkx's VF2++ on random forests;
* ``verify`` on ``distinct`` claims, and on garbage (never an exception).
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rigorgym.verifiers import verify
from rigorgym.verifiers.certificate import FORMAT, Limits
from rigorgym.verifiers.plumbing import (
    MAX_ABS_WEIGHT,
    IllegalMove,
    InvalidGraph,
    PlumbingGraph,
    apply_move,
    canonical_form,
    check_move,
    find_isomorphism,
    is_isomorphism,
    isomorphic,
)
from rigorgym.verifiers.plumbing_invariants import (
    describe_group,
    first_homology,
    homology_order,
    invariant_factors,
    plumbing_matrix,
    seifert_cross_check,
    seifert_invariants,
    seifert_space,
)


def graph(nodes: list[list[int]] | list[tuple[int, int]], edges: Any = ()) -> PlumbingGraph:
    return PlumbingGraph.from_json({"nodes": [list(n) for n in nodes], "edges": [list(e) for e in edges]})


def after(g: PlumbingGraph, *moves: dict[str, Any]) -> dict[str, Any]:
    """The JSON form of ``g`` after ``moves`` (``g`` itself is changed)."""
    for move in moves:
        apply_move(g, move)
    return g.to_json()


def assert_illegal(g: PlumbingGraph, move: Any) -> None:
    """The move raises IllegalMove and leaves the graph (and the move) exactly as they were."""
    before = json.dumps(g.to_json())
    adj_before = {v: set(n) for v, n in g.adj.items()}
    move_before = repr(move)
    with pytest.raises(IllegalMove):
        apply_move(g, move)
    assert json.dumps(g.to_json()) == before
    assert g.adj == adj_before
    assert repr(move) == move_before


def cert(graphs: list[Any], moves: list[Any], claim: str = "homeomorphic") -> dict[str, Any]:
    return {
        "format": FORMAT,
        "env": "Kirby-Plumbing-v0",
        "claim": claim,
        "instance": {"graphs": graphs},
        "moves": moves,
        "meta": {"agent": "kernel-test"},
    }


def J(nodes: list[list[int]], edges: list[list[int]] | None = None) -> dict[str, Any]:
    return {"nodes": nodes, "edges": edges or []}


# -- blowup_vertex / blowup_edge / blowup_disjoint ----------------------------------------------


def test_blowup_vertex_adds_a_leaf_of_weight_sign_and_shifts_the_vertex() -> None:
    g = graph([[0, -2], [1, 3]], [[0, 1]])
    assert after(g, {"op": "blowup_vertex", "v": 1, "sign": -1}) == J([[0, -2], [1, 2], [2, -1]], [[0, 1], [1, 2]])
    assert after(g, {"op": "blowup_vertex", "v": 0, "sign": 1}) == J(
        [[0, -1], [1, 2], [2, -1], [3, 1]], [[0, 1], [0, 3], [1, 2]]
    )


@pytest.mark.parametrize(
    ("ids", "expected"),
    [([0], 1), ([3, 7], 8), ([-5, -2], -1), ([-9], -8), ([10, 2, 6], 11)],
)
def test_new_node_id_is_max_plus_one(ids: list[int], expected: int) -> None:
    for move in ({"op": "blowup_vertex", "v": ids[0], "sign": 1}, {"op": "blowup_disjoint", "sign": -1}):
        g = graph([[v, -2] for v in ids])
        assert g.new_id() == expected
        apply_move(g, move)
        assert set(g.weights) == set(ids) | {expected}
        assert g.weights[expected] == move["sign"]


def test_new_node_in_an_empty_graph_is_zero() -> None:
    g = graph([])
    assert g.new_id() == 0
    assert after(g, {"op": "blowup_disjoint", "sign": 1}) == J([[0, 1]])
    assert after(g, {"op": "blowup_disjoint", "sign": -1}) == J([[0, 1], [1, -1]])


def test_blowup_edge_inserts_a_vertex_between_the_ends() -> None:
    g = graph([[0, 2], [1, 3], [5, -4]], [[0, 1], [1, 5]])
    assert after(g, {"op": "blowup_edge", "u": 1, "v": 5, "sign": 1}) == J(
        [[0, 2], [1, 4], [5, -3], [6, 1]], [[0, 1], [1, 6], [5, 6]]
    )
    # the edge may be named in either order
    g = graph([[0, 2], [1, 3]], [[0, 1]])
    h = graph([[0, 2], [1, 3]], [[0, 1]])
    assert after(g, {"op": "blowup_edge", "u": 0, "v": 1, "sign": -1}) == after(
        h, {"op": "blowup_edge", "u": 1, "v": 0, "sign": -1}
    )
    assert g.to_json() == J([[0, 1], [1, 2], [2, -1]], [[0, 2], [1, 2]])


def test_blowup_disjoint_adds_an_isolated_vertex() -> None:
    g = graph([[0, -2], [1, -3]], [[0, 1]])
    assert after(g, {"op": "blowup_disjoint", "sign": -1}) == J([[0, -2], [1, -3], [2, -1]], [[0, 1]])
    assert g.adj[2] == set()


def test_blowup_preconditions() -> None:
    g = graph([[0, 2], [1, 3], [2, 0]], [[0, 1]])
    for sign in (0, 2, -2, True, False, 1.0, "1", None):
        assert_illegal(g, {"op": "blowup_vertex", "v": 0, "sign": sign})
        assert_illegal(g, {"op": "blowup_edge", "u": 0, "v": 1, "sign": sign})
        assert_illegal(g, {"op": "blowup_disjoint", "sign": sign})
    for v in (3, -1, True, 0.0, "0", None, [0]):
        assert_illegal(g, {"op": "blowup_vertex", "v": v, "sign": 1})
    assert_illegal(g, {"op": "blowup_edge", "u": 0, "v": 2, "sign": 1})  # not an edge
    assert_illegal(g, {"op": "blowup_edge", "u": 1, "v": 2, "sign": 1})
    assert_illegal(g, {"op": "blowup_edge", "u": 0, "v": 0, "sign": 1})  # a vertex is not an edge
    assert_illegal(g, {"op": "blowup_edge", "u": 0, "v": 9, "sign": 1})
    assert_illegal(g, {"op": "blowup_vertex", "v": 0})  # missing field
    assert_illegal(g, {"op": "blowup_edge", "u": 0, "sign": 1})


def test_blowups_respect_the_weight_bound() -> None:
    g = graph([[0, MAX_ABS_WEIGHT], [1, 0]], [[0, 1]])
    assert_illegal(g, {"op": "blowup_vertex", "v": 0, "sign": 1})
    assert_illegal(g, {"op": "blowup_edge", "u": 1, "v": 0, "sign": 1})  # the first end would be fine
    apply_move(g, {"op": "blowup_vertex", "v": 0, "sign": -1})
    assert g.weights[0] == MAX_ABS_WEIGHT - 1


# -- blowdown -----------------------------------------------------------------------------------


def test_blowdown_of_a_leaf_an_isolated_vertex_and_a_chain_vertex() -> None:
    # leaf: the neighbour loses the sign
    assert after(graph([[0, -2], [1, -1]], [[0, 1]]), {"op": "blowdown", "v": 1}) == J([[0, -1]])
    assert after(graph([[0, -2], [1, 1]], [[0, 1]]), {"op": "blowdown", "v": 1}) == J([[0, -3]])
    # isolated
    assert after(graph([[0, -2], [4, 1]]), {"op": "blowdown", "v": 4}) == J([[0, -2]])
    # degree 2: the two neighbours are joined
    g = graph([[0, -2], [1, -1], [2, -3], [3, 5]], [[0, 1], [1, 2], [2, 3]])
    assert after(g, {"op": "blowdown", "v": 1}) == J([[0, -1], [2, -2], [3, 5]], [[0, 2], [2, 3]])


def test_blowdown_preconditions() -> None:
    g = graph([[0, 1], [1, 1], [2, -2], [3, -3], [4, 0], [5, -1]], [[0, 1], [0, 2], [0, 3], [1, 4]])
    assert_illegal(g, {"op": "blowdown", "v": 0})  # degree 3
    assert_illegal(g, {"op": "blowdown", "v": 2})  # weight -2
    assert_illegal(g, {"op": "blowdown", "v": 4})  # weight 0
    assert_illegal(g, {"op": "blowdown", "v": 9})
    assert_illegal(g, {"op": "blowdown", "v": True})
    assert_illegal(g, {"op": "blowdown"})
    apply_move(g, {"op": "blowdown", "v": 5})  # isolated -1
    apply_move(g, {"op": "blowdown", "v": 1})  # degree 2: 0 and 4 are joined, each loses 1
    assert g.to_json() == J([[0, 0], [2, -2], [3, -3], [4, -1]], [[0, 2], [0, 3], [0, 4]])


def test_blowdown_respects_the_weight_bound() -> None:
    g = graph([[0, -MAX_ABS_WEIGHT], [1, 1], [2, 5]], [[0, 1], [1, 2]])
    assert_illegal(g, {"op": "blowdown", "v": 1})


# -- absorb_zero / extrude_zero / split_zero_leaf ------------------------------------------------


def test_absorb_zero_merges_the_neighbours_into_the_smaller_id() -> None:
    # 2 - 7(0) - 4, with 4 a hub: 2 and 4 merge into 2 of weight -5, taking 4's other neighbours
    g = graph([[2, -2], [7, 0], [4, -3], [5, -1], [6, 2], [1, 9]], [[2, 7], [7, 4], [4, 5], [4, 6], [2, 1]])
    assert after(g, {"op": "absorb_zero", "v": 7}) == J([[1, 9], [2, -5], [5, -1], [6, 2]], [[1, 2], [2, 5], [2, 6]])
    # the smaller id is kept even when it is the one with more neighbours, or the larger one is created last
    g = graph([[0, 4], [1, 0], [2, -7], [3, -1]], [[0, 1], [1, 2], [0, 3]])
    assert after(g, {"op": "absorb_zero", "v": 1}) == J([[0, -3], [3, -1]], [[0, 3]])


def test_absorb_zero_preconditions() -> None:
    g = graph([[0, 0], [1, 0], [2, -2], [3, 0], [4, 0], [5, -1], [6, 1]], [[0, 1], [1, 2], [2, 3], [2, 4], [2, 5]])
    assert_illegal(g, {"op": "absorb_zero", "v": 0})  # degree 1
    assert_illegal(g, {"op": "absorb_zero", "v": 2})  # weight -2
    assert_illegal(g, {"op": "absorb_zero", "v": 6})  # isolated, weight 1
    g2 = graph([[0, 0], [1, -2], [2, -2], [3, -2]], [[0, 1], [0, 2], [0, 3]])
    assert_illegal(g2, {"op": "absorb_zero", "v": 0})  # degree 3
    g3 = graph([[0, 0]])
    assert_illegal(g3, {"op": "absorb_zero", "v": 0})  # isolated 0 (S^1 x S^2) stays
    apply_move(g, {"op": "absorb_zero", "v": 1})  # 0 and 2 merge into 0
    assert g.weights[0] == -2 and g.adj[0] == {3, 4, 5}


def test_extrude_zero_creates_the_zero_vertex_then_the_d_vertex() -> None:
    g = graph([[0, -5], [1, -2], [2, -3], [3, -4]], [[0, 1], [0, 2], [0, 3]])
    out = after(g, {"op": "extrude_zero", "v": 0, "d": 2, "moved": [3, 1]})
    # 4 is the 0-vertex (created first), 5 the d-vertex, which takes the moved neighbours
    assert out == J([[0, -7], [1, -2], [2, -3], [3, -4], [4, 0], [5, 2]], [[0, 2], [0, 4], [1, 5], [3, 5], [4, 5]])
    # nothing moved: a 0 - d tail hangs off v
    g = graph([[3, 1]])
    assert after(g, {"op": "extrude_zero", "v": 3, "d": -1, "moved": []}) == J(
        [[3, 2], [4, 0], [5, -1]], [[3, 4], [4, 5]]
    )


def test_extrude_zero_preconditions() -> None:
    g = graph([[0, -5], [1, -2], [2, -3], [3, 7]], [[0, 1], [0, 2]])
    for moved in ([3], [0], [1, 1], [9], "1", None, [True], [1.0], 1, [[1]]):
        assert_illegal(g, {"op": "extrude_zero", "v": 0, "d": 1, "moved": moved})
    for d in (True, 1.5, "1", None, [1], MAX_ABS_WEIGHT + 1):
        assert_illegal(g, {"op": "extrude_zero", "v": 0, "d": d, "moved": []})
    assert_illegal(g, {"op": "extrude_zero", "v": 9, "d": 1, "moved": []})
    assert_illegal(g, {"op": "extrude_zero", "v": 0, "d": 1})
    assert_illegal(g, {"op": "extrude_zero", "v": 0, "moved": []})
    assert_illegal(graph([[0, -MAX_ABS_WEIGHT]]), {"op": "extrude_zero", "v": 0, "d": 1, "moved": []})


def test_split_zero_leaf_deletes_the_leaf_and_its_neighbour() -> None:
    # 9(0) - 1 - {0, 2 - 3}: the rest splits into the trees {0} and {2 - 3}
    g = graph([[0, -2], [1, 4], [2, -3], [3, -5], [9, 0]], [[1, 9], [0, 1], [1, 2], [2, 3]])
    assert after(g, {"op": "split_zero_leaf", "v": 9}) == J([[0, -2], [2, -3], [3, -5]], [[2, 3]])
    # a 0 - w pair disappears entirely (S^3)
    assert after(graph([[0, 0], [1, 6]], [[0, 1]]), {"op": "split_zero_leaf", "v": 0}) == J([])


def test_split_zero_leaf_preconditions() -> None:
    g = graph([[0, 0], [1, 0], [2, 1], [3, -2], [4, 0]], [[0, 1], [1, 2], [3, 2]])
    assert_illegal(g, {"op": "split_zero_leaf", "v": 1})  # degree 2
    assert_illegal(g, {"op": "split_zero_leaf", "v": 3})  # weight -2
    assert_illegal(g, {"op": "split_zero_leaf", "v": 4})  # isolated
    assert_illegal(g, {"op": "split_zero_leaf", "v": 7})


# -- the move envelope ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "move",
    [None, [], "blowdown", 3, ["blowdown", 0], {}, {"op": "Blowdown", "v": 0}, {"op": None}, {"op": 1, "v": 0},
     {"op": "twist", "v": 0}, {"v": 0}, {"op": ["blowdown"], "v": 0}],
)  # fmt: skip
def test_malformed_moves_are_illegal(move: Any) -> None:
    with pytest.raises(IllegalMove):
        check_move(move)
    assert_illegal(graph([[0, 1]]), move)


def test_extra_move_fields_are_ignored_and_the_move_is_not_changed() -> None:
    move = {"op": "extrude_zero", "v": 0, "d": 1, "moved": [1], "graph": 1, "note": "x", "sign": 5}
    snapshot = json.dumps(move)
    g = graph([[0, 2], [1, -2]], [[0, 1]])
    assert after(g, move) == J([[0, 1], [1, -2], [2, 0], [3, 1]], [[0, 2], [1, 3], [2, 3]])
    assert json.dumps(move) == snapshot


# -- from_json / to_json -------------------------------------------------------------------------


BAD_GRAPHS: list[tuple[str, Any]] = [
    ("not an object", []),
    ("not an object", None),
    ("not an object", "nodes"),
    ("missing edges", {"nodes": []}),
    ("missing nodes", {"edges": []}),
    ("nodes not a list", {"nodes": {"0": 1}, "edges": []}),
    ("nodes a tuple", {"nodes": ((0, 1),), "edges": []}),
    ("edges not a list", {"nodes": [[0, 1]], "edges": None}),
    ("unknown field", {"nodes": [[0, 1]], "edges": [], "genus": [0]}),
    ("unknown field", {"nodes": [], "edges": [], "id": "x"}),
    ("node not a pair", {"nodes": [[0]], "edges": []}),
    ("node not a pair", {"nodes": [[0, 1, 2]], "edges": []}),
    ("node not a list", {"nodes": [{"id": 0, "weight": 1}], "edges": []}),
    ("node a tuple", {"nodes": [(0, 1)], "edges": []}),
    ("bool id", {"nodes": [[True, 1]], "edges": []}),
    ("bool weight", {"nodes": [[0, False]], "edges": []}),
    ("float weight", {"nodes": [[0, 1.0]], "edges": []}),
    ("string id", {"nodes": [["0", 1]], "edges": []}),
    ("None weight", {"nodes": [[0, None]], "edges": []}),
    ("duplicate id", {"nodes": [[0, 1], [0, 2]], "edges": []}),
    ("duplicate id", {"nodes": [[3, 1], [1, 1], [3, 1]], "edges": []}),
    ("weight too large", {"nodes": [[0, MAX_ABS_WEIGHT + 1]], "edges": []}),
    ("id too large", {"nodes": [[-MAX_ABS_WEIGHT - 1, 0]], "edges": []}),
    ("edge to a missing node", {"nodes": [[0, 1]], "edges": [[0, 1]]}),
    ("loop", {"nodes": [[0, 1]], "edges": [[0, 0]]}),
    ("duplicate edge", {"nodes": [[0, 1], [1, 1]], "edges": [[0, 1], [0, 1]]}),
    ("duplicate edge reversed", {"nodes": [[0, 1], [1, 1]], "edges": [[0, 1], [1, 0]]}),
    ("triangle", {"nodes": [[0, 1], [1, 1], [2, 1]], "edges": [[0, 1], [1, 2], [2, 0]]}),
    ("4-cycle", {"nodes": [[i, -2] for i in range(5)], "edges": [[0, 1], [1, 2], [2, 3], [3, 0], [3, 4]]}),
    ("bool in edge", {"nodes": [[0, 1], [1, 1]], "edges": [[False, True]]}),
    ("edge of three", {"nodes": [[0, 1], [1, 1], [2, 1]], "edges": [[0, 1, 2]]}),
    ("edge not a list", {"nodes": [[0, 1], [1, 1]], "edges": ["0-1"]}),
    ("edge a tuple", {"nodes": [[0, 1], [1, 1]], "edges": [(0, 1)]}),
    ("float in edge", {"nodes": [[0, 1], [1, 1]], "edges": [[0, 1.0]]}),
]


@pytest.mark.parametrize(("why", "data"), BAD_GRAPHS, ids=[f"{i}-{w}" for i, (w, _) in enumerate(BAD_GRAPHS)])
def test_from_json_rejects_what_is_not_a_weighted_forest(why: str, data: Any) -> None:
    with pytest.raises(InvalidGraph):
        PlumbingGraph.from_json(data)
    # and a certificate holding it is malformed, not a crash
    verdict = verify(cert([data, {"nodes": [], "edges": []}], []))
    assert not verdict.valid and verdict.malformed, (why, verdict.reason)


def test_from_json_accepts_forests_and_to_json_normalises() -> None:
    data = {"nodes": [[7, 3], [-2, 0], [4, -1], [10, 2]], "edges": [[7, -2], [4, -2]]}
    g = PlumbingGraph.from_json(data)
    assert g.to_json() == {"nodes": [[-2, 0], [4, -1], [7, 3], [10, 2]], "edges": [[-2, 4], [-2, 7]]}
    assert PlumbingGraph.from_json(g.to_json()).to_json() == g.to_json()
    assert g.adj[10] == set() and len(g) == 4
    assert PlumbingGraph.from_json({"nodes": [], "edges": []}).to_json() == {"nodes": [], "edges": []}
    # the graph does not share lists with its input
    data["nodes"][0][1] = 99
    data["edges"].append([10, 4])
    assert g.weights[7] == 3 and g.adj[10] == set()


def test_copy_is_independent() -> None:
    g = graph([[0, 1], [1, -2]], [[0, 1]])
    h = g.copy()
    apply_move(h, {"op": "blowdown", "v": 0})
    assert g.to_json() == J([[0, 1], [1, -2]], [[0, 1]])
    assert h.to_json() == J([[1, -3]])


# -- invariants against sympy, numpy and regina --------------------------------------------------


def random_forest(rng: random.Random, n: int, low: int = -6, high: int = 6, p_root: float = 0.15) -> PlumbingGraph:
    """A random forest on ``n`` nodes with shuffled (non-contiguous) ids."""
    ids = rng.sample(range(-10, 3 * n + 10), n)
    weights = {v: rng.randint(low, high) for v in ids}
    adj: dict[int, set[int]] = {v: set() for v in ids}
    for i in range(1, n):
        if rng.random() < p_root:
            continue
        j = ids[rng.randrange(i)]
        adj[ids[i]].add(j)
        adj[j].add(ids[i])
    return PlumbingGraph(weights, adj)


def sympy_factors(matrix: list[list[int]]) -> tuple[list[int], int]:
    """Non-unit non-zero invariant factors (sorted) and the number of zero factors, by sympy."""
    from sympy import ZZ, Matrix
    from sympy.matrices.normalforms import invariant_factors as sympy_invariant_factors

    factors = [abs(int(x)) for x in sympy_invariant_factors(Matrix(matrix), domain=ZZ)]
    factors += [0] * (len(matrix) - len(factors))
    return sorted(d for d in factors if d not in (0, 1)), factors.count(0)


def exact_det(matrix: list[list[int]]) -> int:
    from sympy import Matrix

    return abs(int(Matrix(matrix).det(method="bareiss")))


def split(factors: list[int]) -> tuple[list[int], int]:
    return sorted(d for d in factors if d not in (0, 1)), factors.count(0)


def test_plumbing_matrix_layout() -> None:
    g = graph([[5, -2], [1, 3], [9, 0]], [[5, 1], [9, 5]])
    assert plumbing_matrix(g) == [[3, 1, 0], [1, -2, 1], [0, 1, 0]]
    assert plumbing_matrix(graph([])) == []


def test_smith_form_against_sympy_on_random_integer_matrices() -> None:
    rng = random.Random(20240611)
    for _ in range(150):
        n = rng.randint(1, 6)
        m = [[rng.choice([0, 0, 0, 1, -1, 2, -3, 4, 6, -12, 30]) for _ in range(n)] for _ in range(n)]
        ours = invariant_factors(m)
        assert len(ours) == n and all(d >= 0 for d in ours)
        nonzero = [d for d in ours if d]
        assert ours == nonzero + [0] * (n - len(nonzero)), ours  # zeros last
        assert all(b % a == 0 for a, b in zip(nonzero, nonzero[1:], strict=False)), ours  # d_1 | d_2 | ...
        assert split(ours) == sympy_factors(m), m
        assert math.prod(ours) == exact_det(m), m
        if n <= 4:  # small enough for floating point to be exact after rounding
            assert math.prod(ours) == round(abs(np.linalg.det(np.array(m, dtype=float)))), m


def test_homology_against_sympy_numpy_and_regina_on_random_forests() -> None:
    import regina

    rng = random.Random(7)
    for k in range(120):
        g = random_forest(rng, rng.randint(1, 9), p_root=0.1 if k % 2 else 0.4)
        m = plumbing_matrix(g)
        h1 = first_homology(g)
        torsion, zeros = sympy_factors(m)
        assert h1 == tuple(torsion + [0] * zeros)
        assert 1 not in h1
        det = exact_det(m)
        assert homology_order(g) == (0 if zeros else det)
        assert det == round(abs(np.linalg.det(np.array(m, dtype=float))))
        presentation = regina.MatrixInt(len(m), len(m))
        for i, row in enumerate(m):
            for j, x in enumerate(row):
                presentation.set(i, j, x)
        group = regina.AbelianGroup(presentation)
        theirs = sorted(int(str(group.invariantFactor(i))) for i in range(group.countInvariantFactors()))
        assert h1 == tuple(theirs + [0] * group.rank()), (g, str(group))


def test_sparse_homology_matches_the_dense_smith_form_on_larger_trees() -> None:
    rng = random.Random(11)
    for k in range(40):
        g = random_forest(rng, rng.randint(20, 90), p_root=0.02 if k % 2 else 0.2)
        factors = [d for d in invariant_factors(plumbing_matrix(g)) if d != 1]
        assert first_homology(g) == tuple(sorted(d for d in factors if d) + [0] * factors.count(0))


@pytest.mark.parametrize("weight", [0, 1, 2, 10**12])
def test_hostile_distinct_claims_cost_bounded_time(weight: int) -> None:
    """Large stars and chains: unit pivoting or the size bounds answer in well under a few seconds."""
    import time

    n = 5_000
    star = J([[i, weight] for i in range(n)], [[0, i] for i in range(1, n)])
    chain = J([[i, weight if i % 2 else 0] for i in range(n)], [[i, i + 1] for i in range(n - 1)])
    for graph in (star, chain):
        start = time.perf_counter()
        verdict = verify(cert([graph, J([[0, -7]])], [], claim="distinct"))
        assert time.perf_counter() - start < 10
        assert not verdict.malformed
        if not verdict.valid:
            assert "H_1" in verdict.reason


@pytest.mark.parametrize(
    ("data", "h1", "text"),
    [
        (J([]), (), "0"),
        (J([[0, -5]]), (5,), "Z/5"),
        (J([[0, 5]]), (5,), "Z/5"),
        (J([[0, 1]]), (), "0"),
        (J([[0, 0]]), (0,), "Z"),
        (J([[0, 0], [1, 0]]), (0, 0), "Z + Z"),
        (J([[0, -2], [1, -2]]), (2, 2), "Z/2 + Z/2"),
        (J([[0, -2], [1, 0], [2, -4]]), (2, 4, 0), "Z/2 + Z/4 + Z"),
        (J([[0, -3], [1, -2]], [[0, 1]]), (5,), "Z/5"),
        # E8 (all -2): the Poincare homology sphere
        (J([[i, -2] for i in range(8)], [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6], [2, 7]]), (), "0"),
    ],
)
def test_first_homology_known_values(data: dict[str, Any], h1: tuple[int, ...], text: str) -> None:
    g = PlumbingGraph.from_json(data)
    assert first_homology(g) == h1
    assert describe_group(h1) == text
    assert homology_order(g) == (0 if 0 in h1 else math.prod(h1))


def random_star(rng: random.Random) -> PlumbingGraph:
    """A star-shaped tree: a centre and up to five arms of length 1-3, weights in [-6, 6] (0 and ±1 included)."""
    weights, adj, nid = {0: rng.randint(-6, 6)}, {0: set()}, 1
    for _ in range(rng.randint(0, 5)):
        previous = 0
        for _ in range(rng.randint(1, 3)):
            weights[nid], adj[nid] = rng.randint(-6, 6), set()
            adj[previous].add(nid)
            adj[nid].add(previous)
            previous, nid = nid, nid + 1
    return PlumbingGraph(weights, adj)


def test_seifert_cross_check_agrees_on_random_star_shaped_trees() -> None:
    rng = random.Random(3)
    named = 0
    for _ in range(150):
        g = random_star(rng)
        h1 = first_homology(g)
        result = seifert_cross_check(g, h1)
        assert result is not False, (g.to_json(), h1, seifert_invariants(g))
        if result is None:
            assert seifert_invariants(g) is None
            continue
        named += 1
        assert isinstance(result, str) and result
        # regina's group is what the check compared: a wrong homology must be caught
        assert seifert_cross_check(g, h1 + (997,)) is False
    assert named >= 120


def test_seifert_names_and_invariants() -> None:
    assert seifert_cross_check(graph([[0, -5]]), (5,)) == "L(5,1)"
    assert seifert_cross_check(graph([[0, -3], [1, -2]], [[0, 1]]), (5,)) == "L(5,2)"
    assert seifert_cross_check(graph([[0, 0]]), (0,)) == "S2 x S1"
    e8 = graph([[i, -2] for i in range(8)], [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6], [2, 7]])
    assert seifert_invariants(e8) == (-2, [(3, 2), (5, 4), (2, 1)])
    space = seifert_space(e8)
    assert space is not None and space.homology().isTrivial()
    assert seifert_cross_check(e8, ()) == str(space)
    # not star-shaped: two branch vertices, or two trees, or empty
    two_hubs = graph([[i, -2] for i in range(8)], [[0, 1], [0, 2], [0, 3], [3, 4], [3, 5], [3, 6], [6, 7]])
    for g in (two_hubs, graph([[0, -2], [1, -3]]), graph([])):
        assert seifert_invariants(g) is None
        assert seifert_space(g) is None
        assert seifert_cross_check(g, first_homology(g)) is None
    # an arm whose continued fraction vanishes ([1, 1] = 1 - 1/1 = 0)
    assert (
        seifert_invariants(graph([[0, -2], [1, -1], [2, -1], [3, -2], [4, -3]], [[0, 1], [1, 2], [0, 3], [0, 4]]))
        is None
    )


# -- isomorphism against networkx ----------------------------------------------------------------


def to_nx(g: PlumbingGraph) -> nx.Graph:
    out = nx.Graph()
    out.add_nodes_from((v, {"weight": w}) for v, w in g.weights.items())
    out.add_edges_from((u, v) for u in g.adj for v in g.adj[u] if u < v)
    return out


def relabel(g: PlumbingGraph, rng: random.Random) -> tuple[PlumbingGraph, dict[int, int]]:
    ids = sorted(g.weights)
    new = rng.sample(range(-50, 200), len(ids))
    perm = dict(zip(ids, new, strict=True))
    return PlumbingGraph(
        {perm[v]: w for v, w in g.weights.items()}, {perm[v]: {perm[u] for u in n} for v, n in g.adj.items()}
    ), perm


def near_miss(g: PlumbingGraph, rng: random.Random) -> PlumbingGraph:
    """A small change that keeps the node count (and often the weight multiset)."""
    h = g.copy()
    ids = sorted(h.weights)
    kind = rng.randrange(4)
    if kind == 0:  # change one weight
        v = rng.choice(ids)
        h.weights[v] += rng.choice([-1, 1])
    elif kind == 1:  # swap two weights
        a, b = rng.sample(ids, 2) if len(ids) >= 2 else (ids[0], ids[0])
        h.weights[a], h.weights[b] = h.weights[b], h.weights[a]
    else:  # move one leaf (or isolated node) to another place
        leaves = [v for v in ids if len(h.adj[v]) <= 1]
        v = rng.choice(leaves)
        for u in list(h.adj[v]):
            h.adj[u].discard(v)
        h.adj[v] = set()
        # attach v to another node (kind 2), or leave it isolated (kind 3)
        others = [u for u in ids if u != v]
        if kind == 2 and others:
            u = rng.choice(others)
            h.adj[u].add(v)
            h.adj[v].add(u)
    return h


def check_against_networkx(g: PlumbingGraph, h: PlumbingGraph) -> bool:
    expected = nx.vf2pp_is_isomorphic(to_nx(g), to_nx(h), node_label="weight")
    assert isomorphic(g, h) == expected, (g.to_json(), h.to_json())
    assert isomorphic(h, g) == expected
    assert (canonical_form(g) == canonical_form(h)) == expected
    mapping = find_isomorphism(g, h)
    if expected:
        assert mapping is not None and is_isomorphism(g, h, mapping)
    else:
        assert mapping is None or not is_isomorphism(g, h, mapping)
    return expected


def test_isomorphic_matches_networkx_on_relabelled_copies_and_near_misses() -> None:
    rng = random.Random(11)
    counts = {True: 0, False: 0}
    for k in range(300):
        # small weight ranges give many equal subtrees: the hard case for the pairing of children
        g = random_forest(rng, rng.randint(1, 14), -1 if k % 3 else -3, 1, p_root=0.05 if k % 2 else 0.3)
        copy, perm = relabel(g, rng)
        assert check_against_networkx(g, copy)
        mapping = find_isomorphism(g, copy)
        assert mapping is not None and is_isomorphism(g, copy, mapping)
        counts[check_against_networkx(g, relabel(near_miss(g, rng), rng)[0])] += 1
    assert counts[False] >= 100  # the near misses are mostly real misses
    assert counts[True] >= 5  # and some happen to be isomorphic (e.g. two equal weights swapped)


@given(st.integers(0, 2**32 - 1))
def test_isomorphic_matches_networkx_on_random_pairs_with_equal_weights(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 8)
    weights = [rng.choice([-2, -2, 0, 1]) for _ in range(n)]
    pair = []
    for _ in range(2):
        g = random_forest(rng, n, p_root=rng.choice([0.0, 0.3]))
        for v, w in zip(sorted(g.weights), rng.sample(weights, n), strict=True):
            g.weights[v] = w
        pair.append(g)
    check_against_networkx(*pair)


def test_is_isomorphism_rejects_bad_mappings() -> None:
    g = graph([[0, -2], [1, -3], [2, -2]], [[0, 1], [1, 2]])
    h = graph([[5, -2], [6, -3], [7, -2]], [[5, 6], [6, 7]])
    assert is_isomorphism(g, h, {0: 5, 1: 6, 2: 7})
    assert is_isomorphism(g, h, {0: 7, 1: 6, 2: 5})
    assert not is_isomorphism(g, h, {0: 5, 1: 7, 2: 6})  # weights
    assert not is_isomorphism(g, h, {0: 5, 1: 5, 2: 7})  # not injective
    assert not is_isomorphism(g, h, {0: 5, 1: 6})  # not total
    assert not is_isomorphism(g, h, {0: 5, 1: 6, 2: 8})  # not onto
    path = graph([[0, -2], [1, -2], [2, -2]], [[0, 1], [1, 2]])
    bent = graph([[0, -2], [1, -2], [2, -2]], [[0, 1], [0, 2]])
    assert not is_isomorphism(path, bent, {0: 0, 1: 1, 2: 2})  # edges
    assert isomorphic(path, bent)
    assert not isomorphic(g, graph([[0, -2], [1, -3]], [[0, 1]]))
    assert find_isomorphism(g, graph([[0, -2]])) is None
    assert isomorphic(graph([]), graph([]))


# -- verify: distinct claims and garbage -----------------------------------------------------------


def test_distinct_is_valid_when_h1_differs() -> None:
    lens5 = J([[0, -5]])
    verdict = verify(cert([lens5, J([[0, -3]])], [], "distinct"))
    assert verdict.valid and not verdict.malformed and verdict.moves_checked == 0
    assert "Z/5" in verdict.reason and "Z/3" in verdict.reason
    # torsion against Z, and moves that are replayed first (they keep H_1)
    moves = [{"op": "blowup_vertex", "graph": 0, "v": 0, "sign": -1}, {"op": "blowup_disjoint", "graph": 1, "sign": 1}]
    verdict = verify(cert([lens5, J([[0, 0]])], moves, "distinct"))
    assert verdict.valid and verdict.moves_checked == 2
    # Z/4 and Z/2 + Z/2 have the same order: the group, not just |det|, is compared
    verdict = verify(cert([J([[0, -4]]), J([[0, -2], [1, -2]])], [], "distinct"))
    assert verdict.valid, verdict.reason


def test_distinct_is_invalid_when_h1_is_equal() -> None:
    # homeomorphic: -2 and (-3 with a -1 leaf)
    verdict = verify(cert([J([[0, -2]]), J([[0, -3], [1, -1]], [[0, 1]])], [], "distinct"))
    assert not verdict.valid and not verdict.malformed
    # L(5,1) and L(5,2) differ, but H_1 = Z/5 for both: the kernel does not claim more than it knows
    verdict = verify(cert([J([[0, -5]]), J([[0, -3], [1, -2]], [[0, 1]])], [], "distinct"))
    assert not verdict.valid and "Z/5" in verdict.reason
    # H_1 different before the moves, equal after legal moves? impossible; an illegal move is rejected
    bad = [{"op": "blowdown", "graph": 0, "v": 0}]
    verdict = verify(cert([J([[0, -5]]), J([[0, -3]])], bad, "distinct"))
    assert not verdict.valid and verdict.moves_checked == 0


def test_homeomorphic_verdicts_and_moves_checked() -> None:
    graphs = [J([[0, -2]]), J([[0, -3], [1, -1]], [[0, 1]])]
    assert verify(cert(graphs, [{"op": "blowdown", "graph": 1, "v": 1}])).valid
    assert verify(cert(graphs, [{"op": "blowup_vertex", "graph": 0, "v": 0, "sign": -1}])).valid
    verdict = verify(cert(graphs, [{"op": "blowdown", "graph": 0, "v": 1}]))
    assert not verdict.valid and verdict.moves_checked == 0
    verdict = verify(
        cert(graphs, [{"op": "blowup_disjoint", "graph": 0, "sign": 1}, {"op": "blowdown", "graph": 0, "v": 9}])
    )
    assert not verdict.valid and verdict.moves_checked == 1 and "move 1" in verdict.reason
    for index in (2, -1, True, None, "0", 0.0):
        verdict = verify(cert(graphs, [{"op": "blowdown", "graph": index, "v": 1}]))
        assert not verdict.valid and verdict.moves_checked == 0, index
    verdict = verify(cert(graphs, [{"op": "blowdown", "v": 1}]))  # no graph field
    assert not verdict.valid and verdict.moves_checked == 0
    verdict = verify(cert(graphs, []))
    assert not verdict.valid and not verdict.malformed


def test_limits_on_plumbing_certificates() -> None:
    limits = Limits(max_nodes=3, max_moves=2)
    graphs = [J([[0, -2], [1, -2]]), J([[0, -2], [1, -2]])]
    grow = [{"op": "blowup_disjoint", "graph": 0, "sign": 1}, {"op": "blowup_disjoint", "graph": 0, "sign": 1}]
    verdict = verify(cert(graphs, grow), limits)
    assert not verdict.valid and verdict.moves_checked == 1
    assert verify(cert(graphs, grow * 2), limits).malformed
    assert verify(cert([J([[i, -2] for i in range(4)]), graphs[1]], []), limits).malformed
    assert verify(cert(graphs, [])).valid


GARBAGE = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-3, 12), st.integers(-(10**20), 10**20), st.floats(allow_nan=True),
        st.sampled_from(["", "graph", "v", "blowdown", "absorb_zero", "extrude_zero", "nodes", "edges"]),
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["op", "graph", "v", "u", "d", "sign", "moved", "nodes", "edges", "x"]), inner, max_size=5
    ),
    max_leaves=12,
)  # fmt: skip

GRAPHISH = st.one_of(
    GARBAGE,
    st.builds(
        lambda n, e: {"nodes": n, "edges": e},
        st.lists(st.lists(st.integers(-2, 4), min_size=2, max_size=2) | GARBAGE, max_size=4),
        st.lists(st.lists(st.integers(-2, 4), min_size=2, max_size=2) | GARBAGE, max_size=4),
    ),
)

MOVEISH = st.one_of(
    GARBAGE,
    st.builds(
        lambda op, fields: {"op": op, **fields},
        st.sampled_from(["blowup_vertex", "blowup_edge", "blowup_disjoint", "blowdown", "absorb_zero", "extrude_zero",
                         "split_zero_leaf", "nope"]),
        st.dictionaries(st.sampled_from(["graph", "v", "u", "d", "sign", "moved"]),
                        st.integers(-1, 4) | st.lists(st.integers(-1, 4), max_size=3) | GARBAGE, max_size=6),
    ),
)  # fmt: skip


@given(
    st.one_of(
        GARBAGE,
        st.builds(
            lambda claim, graphs, moves, extra: {
                "format": FORMAT, "env": "Kirby-Plumbing-v0", "claim": claim, "instance": graphs, "moves": moves,
                **extra,
            },
            st.sampled_from(["homeomorphic", "distinct", "unknot", None, 1]),
            st.one_of(GARBAGE, st.builds(lambda gs: {"graphs": gs}, st.lists(GRAPHISH, min_size=0, max_size=3))),
            st.one_of(GARBAGE, st.lists(MOVEISH, max_size=6)),
            st.dictionaries(st.sampled_from(["meta", "junk"]), GARBAGE, max_size=1),
        ),
    )
)  # fmt: skip
def test_verify_never_raises_on_garbage(data: Any) -> None:
    snapshot = repr(data)
    verdict = verify(data)
    assert isinstance(verdict.valid, bool) and isinstance(verdict.reason, str) and verdict.reason
    assert isinstance(verdict.moves_checked, int) and verdict.moves_checked >= 0
    assert "verifier error" not in verdict.reason, verdict.reason  # a kernel exception is a bug, even when caught
    if verdict.malformed:
        assert not verdict.valid
    if verdict.valid:  # only well-formed certificates can be valid, and they must replay independently
        graphs = [PlumbingGraph.from_json(g) for g in data["instance"]["graphs"]]
        for move in data["moves"]:
            apply_move(graphs[move["graph"]], move)
        if data["claim"] == "homeomorphic":
            assert isomorphic(*graphs)
        else:
            assert first_homology(graphs[0]) != first_homology(graphs[1])
    assert repr(data) == snapshot  # verify does not change its input
