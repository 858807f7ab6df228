"""Property tests of Kirby-Plumbing-v0: the kernel's moves keep the manifold, and the fast env agrees with the kernel.

* a small independent reference of docs/design.md §2.3 (written from the table,
  not from the kernel) agrees with ``apply_move`` on every candidate move of
  random forests, and an illegal move never changes the graph;
* every legal move keeps ``|det|`` of the plumbing matrix and H_1;
* each op followed by its inverse gives back the graph (up to the ids of the
  nodes the pair of moves created and deleted);
* random play in ``KirbyPlumbingEnv`` (legal actions from the mask, some
  illegal ones) replays move for move through the kernel with identical graphs
  (docs/design.md §2), the mask is exactly ``core.is_legal``, every masked-legal
  action is kernel-legal with the same result, and every won episode's
  ``info["certificate"]`` verifies.
"""

from __future__ import annotations

import random
from itertools import chain, combinations
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rigorgym.envs.kirby_plumbing import KirbyPlumbingEnv, PlumbingInstance, PlumbingReward, core
from rigorgym.envs.kirby_plumbing.actions import EXTRUDE_ZERO, ActionLayout
from rigorgym.envs.kirby_plumbing.env import RECORD, record_to_move
from rigorgym.verifiers import verify
from rigorgym.verifiers.plumbing import (
    MAX_ABS_WEIGHT,
    IllegalMove,
    PlumbingGraph,
    apply_move,
    is_isomorphism,
    isomorphic,
)
from rigorgym.verifiers.plumbing_invariants import first_homology, plumbing_matrix

import rigorgym  # noqa: F401  (registers the gym ids)

OPS = ("blowup_vertex", "blowup_edge", "blowup_disjoint", "blowdown", "absorb_zero", "extrude_zero", "split_zero_leaf")
FIELDS = {
    "blowup_vertex": ("v", "sign"),
    "blowup_edge": ("u", "v", "sign"),
    "blowup_disjoint": ("sign",),
    "blowdown": ("v",),
    "absorb_zero": ("v",),
    "extrude_zero": ("v", "d", "moved"),
    "split_zero_leaf": ("v",),
}

# ---------------------------------------------------------------------------------------------
# Random forests


@st.composite
def forests(draw: Any, max_nodes: int = 8, weights: Any = None) -> PlumbingGraph:
    """A forest with distinct (possibly negative, non-contiguous) ids; weights biased towards -1, 0, 1."""
    n = draw(st.integers(0, max_nodes))
    ids = draw(st.lists(st.integers(-6, 30), min_size=n, max_size=n, unique=True))
    weight = weights if weights is not None else st.one_of(st.sampled_from([-1, 0, 1, -2]), st.integers(-6, 6))
    ws = draw(st.lists(weight, min_size=n, max_size=n))
    edges = []
    for i in range(1, n):
        j = draw(st.integers(-1, i - 1))  # -1: start a new tree
        if j >= 0:
            edges.append([ids[i], ids[j]])
    return PlumbingGraph.from_json({"nodes": [[v, w] for v, w in zip(ids, ws, strict=True)], "edges": edges})


def edges_of(g: PlumbingGraph) -> list[tuple[int, int]]:
    return sorted((u, v) for u in g.adj for v in g.adj[u] if u < v)


# ---------------------------------------------------------------------------------------------
# An independent reference of §2.3 on (weights, set of edges)


def ref_apply(weights: dict[int, int], edges: set[frozenset[int]], move: Any) -> Any:
    """``(weights, edges)`` after ``move`` per the table of §2.3, or None when the move is illegal."""
    if not isinstance(move, dict) or not isinstance(move.get("op"), str) or move["op"] not in FIELDS:
        return None
    op = move["op"]
    if any(name not in move for name in FIELDS[op]):
        return None
    w, E = dict(weights), set(edges)

    def neighbours(v: int) -> set[int]:
        return {u for e in E if v in e for u in e if u != v}

    def new() -> int:
        return max(w) + 1 if w else 0

    def node(name: str) -> int | None:
        v = move[name]
        return v if type(v) is int and v in w else None

    sign = move.get("sign")
    if "sign" in FIELDS[op] and (type(sign) is not int or sign not in (1, -1)):
        return None
    if op == "blowup_disjoint":
        w[new()] = sign
    elif op == "blowup_vertex":
        v = node("v")
        if v is None:
            return None
        x = new()
        w[v] += sign
        w[x] = sign
        E.add(frozenset((v, x)))
    elif op == "blowup_edge":
        u, v = node("u"), node("v")
        if u is None or v is None or frozenset((u, v)) not in E or u == v:
            return None
        x = new()
        w[u] += sign
        w[v] += sign
        w[x] = sign
        E -= {frozenset((u, v))}
        E |= {frozenset((u, x)), frozenset((x, v))}
    elif op == "blowdown":
        v = node("v")
        if v is None or w[v] not in (1, -1) or len(neighbours(v)) > 2:
            return None
        ns = neighbours(v)
        for u in ns:
            w[u] -= w[v]
        E = {e for e in E if v not in e}
        if len(ns) == 2:
            E.add(frozenset(ns))
        del w[v]
    elif op == "absorb_zero":
        v = node("v")
        if v is None or w[v] != 0 or len(neighbours(v)) != 2:
            return None
        a, b = sorted(neighbours(v))
        w[a] += w[b]
        E = {e for e in E if v not in e}
        E = {frozenset(a if x == b else x for x in e) if b in e else e for e in E}
        del w[v], w[b]
    elif op == "extrude_zero":
        v, d, moved = node("v"), move["d"], move["moved"]
        if v is None or type(d) is not int or abs(d) > MAX_ABS_WEIGHT or not isinstance(moved, list):
            return None
        if any(type(x) is not int for x in moved) or len(set(moved)) != len(moved) or not set(moved) <= neighbours(v):
            return None
        w[v] -= d
        zero = new()
        w[zero] = 0
        far = new()
        w[far] = d
        E |= {frozenset((v, zero)), frozenset((zero, far))}
        for x in moved:
            E -= {frozenset((v, x))}
            E.add(frozenset((far, x)))
    else:  # split_zero_leaf
        v = node("v")
        if v is None or w[v] != 0 or len(neighbours(v)) != 1:
            return None
        (u,) = neighbours(v)
        E = {e for e in E if v not in e and u not in e}
        del w[v], w[u]
    if any(abs(x) > MAX_ABS_WEIGHT for x in w.values()):
        return None
    return w, E


def as_ref(g: PlumbingGraph) -> tuple[dict[int, int], set[frozenset[int]]]:
    return dict(g.weights), {frozenset(e) for e in edges_of(g)}


def subsets(items: list[int], limit: int = 16) -> list[list[int]]:
    out = [list(s) for s in chain.from_iterable(combinations(items, r) for r in range(len(items) + 1))]
    return out[:limit]


def candidate_moves(g: PlumbingGraph) -> list[dict[str, Any]]:
    """Every move with fields in (and just outside) the ranges of §2.3 on ``g``."""
    ids = sorted(g.weights)
    missing = (max(ids) + 1) if ids else 0
    places = [*ids, missing, True]
    out: list[dict[str, Any]] = []
    for sign in (1, -1, 0, 2, True):
        out.append({"op": "blowup_disjoint", "sign": sign})
        out += [{"op": "blowup_vertex", "v": v, "sign": sign} for v in places]
        if sign in (1, -1) or sign is True:
            out += [{"op": "blowup_edge", "u": u, "v": v, "sign": sign} for u in ids for v in ids]
    out += [{"op": "blowup_edge", "u": ids[0] if ids else 0, "v": missing, "sign": 1}]
    for op in ("blowdown", "absorb_zero", "split_zero_leaf"):
        out += [{"op": op, "v": v} for v in places]
    for v in ids:
        around = sorted(g.adj[v])
        for d in (-2, -1, 0, 1, 2, True):
            for moved in subsets(around):
                out.append({"op": "extrude_zero", "v": v, "d": d, "moved": moved})
        out += [
            {"op": "extrude_zero", "v": v, "d": 1, "moved": bad} for bad in ([v], [missing], around[:1] * 2, [None])
        ]
    out.append({"op": "extrude_zero", "v": missing, "d": 1, "moved": []})
    out += [{"op": op} for op in OPS]  # missing fields
    return out


def kernel_after(g: PlumbingGraph, move: Any) -> PlumbingGraph | None:
    h = g.copy()
    try:
        apply_move(h, move)
    except IllegalMove:
        assert h.to_json() == g.to_json(), move  # an illegal move leaves the graph as it was
        return None
    return h


@given(forests())
def test_kernel_matches_reference_on_every_candidate_move(g: PlumbingGraph) -> None:
    legal_ops = set()
    for move in candidate_moves(g):
        expected = ref_apply(*as_ref(g), move)
        got = kernel_after(g, move)
        assert (got is None) == (expected is None), (g.to_json(), move)
        if got is not None:
            assert as_ref(got) == expected, (g.to_json(), move)
            # still a forest in the §2.4 form
            assert PlumbingGraph.from_json(got.to_json()).to_json() == got.to_json()
            legal_ops.add(move["op"])
    assert {"blowup_disjoint"} <= legal_ops
    if g.weights:
        assert {"blowup_vertex", "extrude_zero"} <= legal_ops


move_field_values = st.one_of(
    st.integers(-3, 12),
    st.booleans(),
    st.none(),
    st.floats(-3, 3),
    st.sampled_from(["0", "", [0], [1, 1], [], {"v": 0}]),
    st.lists(st.integers(-2, 10), max_size=3),
)


@st.composite
def move_dicts(draw: Any) -> Any:
    if draw(st.integers(0, 20)) == 0:
        return draw(st.sampled_from([None, [], "blowdown", 3, ["blowdown", 0]]))
    move: dict[str, Any] = {"op": draw(st.one_of(st.sampled_from(OPS), st.sampled_from(["twist", "", None, 1])))}
    for name in ("u", "v", "d", "sign", "moved", "graph"):
        if draw(st.integers(0, 3)) > 0:
            move[name] = draw(move_field_values)
    return move


@given(forests(), st.lists(move_dicts(), min_size=1, max_size=8))
def test_kernel_matches_reference_on_random_move_dicts(g: PlumbingGraph, moves: list[Any]) -> None:
    state = as_ref(g)
    for move in moves:
        before = repr(move)
        expected = ref_apply(*state, move)
        got = kernel_after(g, move)
        assert (got is None) == (expected is None), (g.to_json(), move)
        assert repr(move) == before
        if got is not None:
            assert as_ref(got) == expected
            g, state = got, expected


# ---------------------------------------------------------------------------------------------
# Invariance of |det| and H_1


def abs_det(g: PlumbingGraph) -> int:
    """|det| of the plumbing matrix by Bareiss' fraction-free elimination (exact, independent of the Smith form)."""
    a = [row[:] for row in plumbing_matrix(g)]
    n, sign, previous = len(a), 1, 1
    for k in range(n - 1):
        pivot = next((i for i in range(k, n) if a[i][k]), None)
        if pivot is None:
            return 0
        if pivot != k:
            a[k], a[pivot] = a[pivot], a[k]
            sign = -sign
        for i in range(k + 1, n):
            for j in range(k + 1, n):
                a[i][j] = (a[i][j] * a[k][k] - a[i][k] * a[k][j]) // previous
        previous = a[k][k]
    return abs(sign * a[-1][-1]) if n else 1


@given(forests(max_nodes=7), st.integers(0, 2**32 - 1))
def test_every_legal_move_keeps_det_and_h1(g: PlumbingGraph, seed: int) -> None:
    rng = random.Random(seed)
    h1, det = first_homology(g), abs_det(g)
    assert (0 in h1) == (det == 0)
    seen_ops = set()
    # every legal candidate move from the start, then a random walk of legal moves
    for move in candidate_moves(g):
        h = kernel_after(g, move)
        if h is not None:
            assert first_homology(h) == h1, (g.to_json(), move)
            assert abs_det(h) == det, (g.to_json(), move)
            seen_ops.add(move["op"])
    walk = g.copy()
    for _ in range(12):
        # a uniformly random legal move: candidates in random order, the first the kernel accepts (rejection
        # sampling; replaying every candidate only to pick one costs a kernel call per candidate)
        candidates = [m for m in candidate_moves(walk) if len(walk) < 12 or m["op"] not in ("extrude_zero",)]
        rng.shuffle(candidates)
        move, walk = next((m, h) for m in candidates for h in [kernel_after(walk, m)] if h is not None)
        assert first_homology(walk) == h1, move
        assert abs_det(walk) == det, move
    assert "blowup_disjoint" in seen_ops


# ---------------------------------------------------------------------------------------------
# Each op followed by its inverse


@given(forests())
def test_ops_composed_with_their_inverse_give_the_graph_back(g: PlumbingGraph) -> None:
    ids = sorted(g.weights)
    new = g.new_id()
    checked = 0
    # a blow-up then the blow-down of the new node: exactly the same graph
    ups = [{"op": "blowup_disjoint", "sign": s} for s in (1, -1)]
    ups += [{"op": "blowup_vertex", "v": v, "sign": s} for v in ids for s in (1, -1)]
    ups += [{"op": "blowup_edge", "u": u, "v": v, "sign": s} for u, v in edges_of(g) for s in (1, -1)]
    for up in ups:
        h = g.copy()
        apply_move(h, up)
        assert h.weights[new] == up["sign"]
        apply_move(h, {"op": "blowdown", "v": new})
        assert h.to_json() == g.to_json(), up
        checked += 1
    # an extrusion then the absorption of its 0-vertex: the same graph (v keeps its id, the d-vertex goes)
    for v in ids:
        for d in (-2, 0, 3):
            for moved in subsets(sorted(g.adj[v]), 8):
                h = g.copy()
                apply_move(h, {"op": "extrude_zero", "v": v, "d": d, "moved": moved})
                assert (h.weights[new], h.weights[new + 1]) == (0, d)
                assert h.adj[new] == {v, new + 1}
                assert h.adj[new + 1] == {new, *moved}
                apply_move(h, {"op": "absorb_zero", "v": new})
                assert h.to_json() == g.to_json(), (v, d, moved)
                checked += 1
    # a blow-down then the matching blow-up; an absorption then the matching extrusion: isomorphic
    for v in ids:
        w, around = g.weights[v], sorted(g.adj[v])
        if w in (1, -1) and len(around) <= 2:
            h = g.copy()
            apply_move(h, {"op": "blowdown", "v": v})
            if not around:
                back = {"op": "blowup_disjoint", "sign": w}
            elif len(around) == 1:
                back = {"op": "blowup_vertex", "v": around[0], "sign": w}
            else:
                back = {"op": "blowup_edge", "u": around[0], "v": around[1], "sign": w}
            created = h.new_id()
            apply_move(h, back)
            mapping = {u: u for u in g.weights if u != v} | {v: created}
            assert is_isomorphism(g, h, mapping), (g.to_json(), v)
            checked += 1
        if w == 0 and len(around) == 2:
            a, b = around
            h = g.copy()
            apply_move(h, {"op": "absorb_zero", "v": v})
            zero = h.new_id()
            apply_move(h, {"op": "extrude_zero", "v": a, "d": g.weights[b], "moved": sorted(g.adj[b] - {v})})
            mapping = {u: u for u in g.weights if u not in (v, b)} | {v: zero, b: zero + 1}
            assert is_isomorphism(g, h, mapping), (g.to_json(), v)
            assert isomorphic(g, h)
            checked += 1
    assert checked >= 2


# ---------------------------------------------------------------------------------------------
# The env against the kernel


def make_env(max_nodes: int = 12, weight_limit: int = 10_000, extrude_d: int = 2, neighbours: int = 3) -> Any:
    return KirbyPlumbingEnv(max_nodes=max_nodes, weight_limit=weight_limit, extrude_d=extrude_d,
                            extrude_neighbours=neighbours)  # fmt: skip


def op_of(layout: ActionLayout, actions: np.ndarray) -> np.ndarray:
    """The op code of each action index (vectorised ``layout.decode(a).op``)."""
    return np.searchsorted(np.array(layout.offsets), actions % layout.per_graph, side="right") - 1


def pick(env: KirbyPlumbingEnv, mask: np.ndarray, rng: np.random.Generator, p_illegal: float = 0.15) -> Any:
    """A legal action (op uniform among those legal, then uniform), or now and then anything at all."""
    legal = np.flatnonzero(mask)
    if not len(legal) or rng.random() < p_illegal:
        kind = rng.integers(3)
        if kind == 0:
            return int(rng.integers(env.layout.n_actions))
        if kind == 1 and (~mask).any():
            return int(rng.choice(np.flatnonzero(~mask)))
        garbage = [-1, env.layout.n_actions, 2.5, "7", None, True, np.array([3, 4]), np.int64(-2), np.float32(1)]
        return garbage[int(rng.integers(len(garbage)))]
    ops = op_of(env.layout, legal)
    op = rng.choice(np.unique(ops))
    return int(rng.choice(legal[ops == op]))


def same(graphs: Any, other: Any) -> bool:
    return [g.to_json() for g in graphs] == [g.to_json() for g in other]


pairs = st.tuples(forests(max_nodes=8), forests(max_nodes=8))


@given(pairs, st.integers(0, 2**32 - 1))
def test_random_env_play_replays_exactly_through_the_kernel(
    pair: tuple[PlumbingGraph, PlumbingGraph], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    env = make_env()
    instance = PlumbingInstance.from_graphs(*pair)
    _, info = env.reset(seed=seed, options={"instance": instance})
    kernel = instance.kernel_graphs()
    assert same(env.graphs(), kernel)
    legal_steps = 0
    for _ in range(60):
        before = env.graphs()
        action = pick(env, info["action_mask"], rng)
        _, _, terminated, truncated, info = env.step(action)
        assert not truncated
        if info["illegal_action"]:
            assert same(env.graphs(), before)
            assert len(env.moves) == legal_steps
        else:
            legal_steps += 1
            move = env.moves[-1]
            assert len(env.moves) == legal_steps
            apply_move(kernel[move["graph"]], move)  # raises if the env played a kernel-illegal move
            assert same(env.graphs(), kernel), move
        assert info["complexity"] == sum(5 * len(g) + sum(abs(w) for w in g.weights.values()) for g in kernel)
        assert info["nodes"] == (len(kernel[0]), len(kernel[1]))
        assert terminated == isomorphic(*kernel)
        if terminated:
            break
    # the whole episode, replayed from the instance
    replay = instance.kernel_graphs()
    for move in env.moves:
        apply_move(replay[move["graph"]], move)
    assert same(env.graphs(), replay)
    verdict = verify(env.certificate())
    assert verdict.moves_checked == len(env.moves)
    assert verdict.valid == isomorphic(*replay)


def check_mask(env: KirbyPlumbingEnv) -> int:
    """The mask is ``core.is_legal``; masked-legal actions are kernel-legal with the core's result. Returns #legal."""
    n, d, k, w = env._consts
    mask = env.action_masks()
    graphs = env.graphs()
    buf = np.zeros(RECORD, np.int64)
    legal = 0
    for a in range(env.layout.n_actions):
        is_legal = core.is_legal(env._ids, env._weights, env._degree, env._adj, env._count, a, n, d, k, w)
        assert bool(mask[a]) == bool(is_legal), (a, env.layout.decode(a))
        dec = env.layout.decode(a)
        g = graphs[dec.graph]
        degree = len(g.adj[sorted(g.weights)[dec.place]]) if dec.place < len(g) else 0
        addressable = (
            dec.op == 2  # blowup_disjoint
            or (dec.op == 1 and dec.place < len(edges_of(g)))
            or (dec.op not in (1, 2) and dec.place < len(g) and (dec.op != EXTRUDE_ZERO or dec.subset < 1 << min(degree, k)))
        )  # fmt: skip
        if not addressable:
            assert not mask[a], dec
            continue
        core.record(env._ids, env._adj, env._count, a, n, d, k, buf)
        move = record_to_move(buf)
        after = kernel_after(g, move)
        fits = after is not None and len(after) <= n and all(abs(x) <= w for x in after.weights.values())
        assert bool(mask[a]) == fits, (a, dec, move)
        if mask[a]:
            legal += 1
            arrays = [x.copy() for x in (env._ids, env._weights, env._degree, env._adj, env._count)]
            core.apply_action(*arrays, a, n, d, k)
            ids, weights, _, adj, count = arrays
            c = int(count[dec.graph])
            got = {int(ids[dec.graph, s]): int(weights[dec.graph, s]) for s in range(c)}
            assert got == after.weights, (a, move)
            got_edges = sorted(
                (int(ids[dec.graph, s]), int(ids[dec.graph, t])) for s in range(c) for t in range(s + 1, c)
                if adj[dec.graph, s, t]
            )  # fmt: skip
            assert got_edges == edges_of(after), (a, move)
    return legal


@given(pairs, st.integers(0, 2**32 - 1), st.sampled_from([(8, 10_000, 2, 3), (9, 3, 2, 2), (10, 5, 1, 1)]))
def test_env_mask_is_core_legality_and_kernel_legality(
    pair: tuple[PlumbingGraph, PlumbingGraph], seed: int, config: tuple[int, int, int, int]
) -> None:
    n, weight_limit, d, k = config
    rng = np.random.default_rng(seed)
    env = make_env(n, weight_limit, d, k)
    for g in pair:  # fit the env: clip weights, drop nodes beyond n
        for v in sorted(g.weights)[n:]:
            g._delete(v)
        for v in g.weights:
            g.weights[v] = max(-weight_limit, min(weight_limit, g.weights[v]))
    _, info = env.reset(options={"instance": PlumbingInstance.from_graphs(*pair)})
    assert check_mask(env) == int(info["action_mask"].sum())
    for _ in range(3):
        for _ in range(int(rng.integers(1, 6))):
            _, _, _, _, info = env.step(pick(env, info["action_mask"], rng, p_illegal=0.0))
        assert (info["action_mask"] == env.action_masks()).all()
        check_mask(env)


def test_mask_matches_is_legal_when_weight_limit_is_below_extrude_d() -> None:
    env = make_env(max_nodes=6, weight_limit=1, extrude_d=2)
    inst = {"graphs": [{"nodes": [[0, 1], [1, -1]], "edges": [[0, 1]]}, {"nodes": [[0, 0]], "edges": []}]}
    _, info = env.reset(options={"instance": inst})
    masked_legal = np.flatnonzero(info["action_mask"])
    for a in masked_legal:
        _, _, _, _, step_info = env.step(int(a))
        assert not step_info["illegal_action"], env.layout.decode(int(a))
        env.reset(options={"instance": inst})


def test_core_decode_matches_the_layout() -> None:
    for n, d, k in [(2, 0, 0), (4, 1, 2), (6, 2, 3), (5, 3, 1)]:
        layout = ActionLayout(n, d, k)
        for a in range(layout.n_actions):
            dec = layout.decode(a)
            assert core.decode(a, n, d, k) == (dec.graph, dec.op, dec.place, dec.param, dec.subset)
            assert layout.encode(dec.graph, dec.op, dec.place, dec.param, dec.subset) == a
        with pytest.raises(ValueError):
            layout.decode(layout.n_actions)
        assert layout.n_actions == 2 * (7 * n + n * (2 * d + 1) * 2**k)


@given(forests(max_nodes=7), st.integers(0, 2**32 - 1), st.integers(1, 15))
def test_won_episodes_carry_a_valid_certificate(g: PlumbingGraph, seed: int, length: int) -> None:
    """Play random legal actions on graph 1 of (g, g), then the same actions on graph 0 of (g, result): a win."""
    rng = np.random.default_rng(seed)
    env = make_env(max_nodes=14)
    per = env.layout.per_graph
    _, info = env.reset(options={"instance": PlumbingInstance.from_graphs(g, g)})
    actions = []
    for _ in range(length):
        legal = np.flatnonzero(info["action_mask"][per:]) + per
        if not len(legal):
            break
        ops = op_of(env.layout, legal)
        a = int(rng.choice(legal[ops == rng.choice(np.unique(ops))]))
        _, _, _, _, info = env.step(a)
        assert not info["illegal_action"]
        actions.append(a - per)
    target = env.graphs()[1]
    _, info = env.reset(seed=seed, options={"instance": PlumbingInstance.from_graphs(g, target)})
    terminated = env.solved
    reward = 0.0
    for a in actions:
        before = info["complexity"]
        _, reward, terminated, _, info = env.step(a)
        assert not info["illegal_action"]
        assert reward == pytest.approx(PlumbingReward()(before, info["complexity"], 1, int(terminated)))
        if terminated:
            break
    assert terminated and env.solved
    if not actions:
        return
    certificate = info["certificate"]
    assert certificate["moves"] == env.moves
    assert certificate["instance"] == PlumbingInstance.from_graphs(g, target).to_instance()
    assert certificate["meta"]["seed"] == seed
    verdict = verify(certificate)
    assert verdict.valid and verdict.moves_checked == len(certificate["moves"]), verdict.reason
    assert reward >= PlumbingReward().success_bonus - 1
