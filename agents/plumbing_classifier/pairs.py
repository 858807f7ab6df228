"""Labelled pairs of plumbing graphs: positives scrambled from one tree, negatives certainly distinct (H_1)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from rigorgym.envs.kirby_plumbing.generator import DistinctPairGenerator, RiPutrovGenerator, random_tree, scramble
from rigorgym.envs.kirby_plumbing.types import PlumbingInstance
from rigorgym.verifiers.plumbing import PlumbingGraph
from rigorgym.verifiers.plumbing_invariants import first_homology, plumbing_matrix

#: Two kernel graphs; a Neumann move as the kernel reads it.
Pair = tuple[PlumbingGraph, PlumbingGraph]
Move = dict[str, Any]

#: Mixed into every pair's seed, so that these streams never coincide with the suites' (crc32 of a name).
SEED_TAG = 0x5EED_C1A5

#: Hard negatives: largest weight change tried, trees drawn before falling back to a plain distinct pair.
HARD_MAX_DELTA = 6
HARD_MAX_TREES = 60


@dataclass
class LabelledPair:
    """Two graphs and whether they are the same manifold (1) or certainly distinct (0).

    ``kind`` is ``"homeomorphic"`` or one of :data:`NEGATIVE_KINDS`
    (``"independent"``, ``"perturbed"``, ``"hard"``; a suite's distinct pairs
    are ``"perturbed"``);
    ``equal_order`` says whether |H_1| agrees (always for positives), which
    defines the hard subset of any evaluation.
    """

    graphs: Pair
    label: int
    kind: str
    nodes: int
    scramble_moves: int
    equal_order: bool

    def instance(self, id: str | None = None) -> PlumbingInstance:
        return PlumbingInstance.from_graphs(*self.graphs, id=id)

    @property
    def size(self) -> int:
        """Total node count of the two graphs as shipped."""
        return len(self.graphs[0]) + len(self.graphs[1])


def _order(group: tuple[int, ...]) -> int:
    """|H_1| from its invariant factors (0 when infinite)."""
    out = 1
    for d in group:
        out *= d
    return out


def _equal_order_partner(tree: PlumbingGraph, rng: np.random.Generator) -> PlumbingGraph | None:
    """A copy of ``tree`` with one or two weights changed (by at most HARD_MAX_DELTA) so that |H_1| stays and the
    invariant factors change, or None.

    Candidates come from floating-point minors (det A changes bilinearly in
    two diagonal entries: det + d1 m_u + d2 m_v + d1 d2 m_uv, the minors read
    off A^-1 by Jacobi's identity); every candidate is then decided exactly by
    the kernel's ``first_homology``, so float error can only cost a candidate,
    never a wrong label.
    """
    group = first_homology(tree)
    order = _order(group)
    if order == 0:
        return None
    ids = sorted(tree.weights)
    a = np.array(plumbing_matrix(tree), dtype=np.float64)
    det = float(np.linalg.det(a))
    inv = np.linalg.inv(a)
    diag = np.diag(inv)
    m1 = det * diag  # m_u = det A without row/column u
    m2 = det * (np.outer(diag, diag) - inv * inv)  # m_uv, Jacobi's identity
    n = len(ids)
    found: list[tuple[tuple[int, int], ...]] = []
    deltas = [d for d in range(-HARD_MAX_DELTA, HARD_MAX_DELTA + 1) if d]
    for u in range(n):
        if abs(m1[u]) > 0.5:  # one weight: det + d m_u = -det
            d = -2.0 * det / m1[u]
            r = round(d)
            if r and abs(r) <= HARD_MAX_DELTA and abs(d - r) < 1e-6:
                found.append(((u, r),))
        for v in range(u + 1, n):
            for d1 in deltas:
                den = m1[v] + d1 * m2[u, v]
                if abs(den) < 0.5:
                    continue
                for target in (det, -det):
                    d2 = (target - det - d1 * m1[u]) / den
                    r = round(d2)
                    if r and abs(r) <= HARD_MAX_DELTA and abs(d2 - r) < 1e-6:
                        found.append(((u, d1), (v, r)))
    order_idx = rng.permutation(len(found)) if found else np.zeros(0, np.int64)
    for k in order_idx[:40]:
        other = tree.copy()
        for u, d in found[int(k)]:
            other.weights[ids[u]] += d
        h = first_homology(other)
        if h != group and _order(h) == order:
            return other
    return None


def hard_pair(
    rng: np.random.Generator, nodes: int, scramble_moves: int, graph_cap: int = 48, weight_range: int = 20
) -> Pair | None:
    """A distinct pair with equal |H_1|: a random tree with a non-cyclic H_1, a partner from
    :func:`_equal_order_partner`, both scrambled like the suites' pairs; None if none was found."""
    for _ in range(HARD_MAX_TREES):
        tree = random_tree(rng, nodes, weight_range)
        if len(first_homology(tree)) < 2:
            # Start from a non-cyclic group: a partner of the same order is then usually cyclic, hence another
            # group, whereas the partners of a tree with cyclic H_1 are (measured) almost always cyclic too.
            continue
        other = _equal_order_partner(tree, rng)
        if other is None:
            continue
        for graph in (tree, other):
            scramble(graph, rng, scramble_moves, graph_cap)
        return tree, other
    return None


def independent_pair(
    rng: np.random.Generator, nodes: int, scramble_moves: int, graph_cap: int = 48, weight_range: int = 20
) -> Pair:
    """Two independent random trees of the same size, each scrambled; the second redrawn until H_1 differs.

    The easiest negatives: the scramble leaves much of each tree's weights
    in place, so the two graphs usually look unrelated.
    """
    tree = random_tree(rng, nodes, weight_range)
    group = first_homology(tree)
    while True:
        other = random_tree(rng, nodes, weight_range)
        if first_homology(other) != group:
            break
    for graph in (tree, other):
        scramble(graph, rng, scramble_moves, graph_cap)
    return tree, other


#: Negative kinds, in the order of ``make_pairs``' ``negative_mix``.
NEGATIVE_KINDS = ("independent", "perturbed", "hard")


def make_pairs(
    n: int,
    seed: int,
    max_nodes: int = 10,
    min_nodes: int = 4,
    scramble_moves: tuple[int, int] = (20, 100),
    negative_mix: tuple[float, float, float] = (0.4, 0.4, 0.2),
    graph_cap: int = 48,
    progress: bool = False,
) -> list[LabelledPair]:
    """``n`` labelled pairs, balanced (pair ``i`` positive when ``i`` is even).

    Pair ``i`` draws from ``numpy.random.default_rng([SEED_TAG, seed, i])``:
    different seeds give disjoint streams (train, validation and test use
    different seeds). Trees have ``min_nodes..max_nodes`` nodes (uniform), the
    scramble ``scramble_moves`` random moves (uniform in the closed range),
    graphs are capped at ``graph_cap`` nodes. A negative is ``independent``
    (:func:`independent_pair`), ``perturbed`` (the project's
    ``DistinctPairGenerator``: one weight changed, the ``plumbing-distinct-*``
    suites' kind) or ``hard`` (:func:`hard_pair`, equal |H_1|) with the
    probabilities ``negative_mix``; a hard draw that finds no partner falls
    back to a perturbed pair. Every negative is asserted distinct by the
    kernel's ``first_homology`` on the graphs returned.
    """
    if not 1 <= min_nodes <= max_nodes or not 0 <= scramble_moves[0] <= scramble_moves[1]:
        raise ValueError("need 1 <= min_nodes <= max_nodes and 0 <= scramble_moves[0] <= scramble_moves[1]")
    if len(negative_mix) != 3 or min(negative_mix) < 0 or sum(negative_mix) <= 0:
        raise ValueError("negative_mix is three non-negative weights (independent, perturbed, hard)")
    cumulative = np.cumsum(negative_mix) / sum(negative_mix)
    out: list[LabelledPair] = []
    items: Iterable[int] = range(n)
    if progress:
        from tqdm import tqdm

        items = tqdm(items, desc=f"pairs seed={seed}", unit="pair", leave=False)
    for i in items:
        rng = np.random.default_rng([SEED_TAG, seed, i])
        nodes = int(rng.integers(min_nodes, max_nodes + 1))
        k = int(rng.integers(scramble_moves[0], scramble_moves[1] + 1))
        if i % 2 == 0:
            graphs = RiPutrovGenerator(nodes, k, max_nodes=graph_cap).pair(rng)
            out.append(LabelledPair(graphs, 1, "homeomorphic", nodes, k, True))
            continue
        kind = NEGATIVE_KINDS[int(np.searchsorted(cumulative, rng.random(), side="right"))]
        found: Pair | None = None
        if kind == "independent":
            found = independent_pair(rng, nodes, k, graph_cap)
        elif kind == "hard":
            found = hard_pair(rng, nodes, k, graph_cap)
        if found is None:
            kind, found = "perturbed", DistinctPairGenerator(nodes, k, max_nodes=graph_cap).pair(rng)
        h0, h1 = first_homology(found[0]), first_homology(found[1])
        if h0 == h1:  # never: every generator redraws until H_1 differs, and the scramble preserves it
            raise AssertionError(f"pair {i} of seed {seed} is not certainly distinct")
        out.append(LabelledPair(found, 0, kind, nodes, k, _order(h0) == _order(h1)))
    return out


def suite_pairs(name: str, limit: int | None = None) -> list[LabelledPair]:
    """A frozen suite as labelled pairs (label from the suite's index: ``distinct`` suites are 0)."""
    from rigorgym.envs.suites import load_suite, suite_info

    label = 0 if suite_info(name).get("distinct") else 1
    raw = load_suite(name).instances
    out = []
    for x in raw if limit is None else raw[:limit]:
        g, h = PlumbingInstance.from_instance(x).kernel_graphs()
        equal = True if label else _order(first_homology(g)) == _order(first_homology(h))
        out.append(LabelledPair((g, h), label, "homeomorphic" if label else "perturbed", -1, -1, equal))
    return out
