"""Invariants of plumbed 3-manifolds that the kernel recomputes for a ``distinct`` claim.

For a forest of genus-0 vertices the plumbed 4-manifold X has H_1(X) = 0 and
intersection form the *plumbing matrix* A (weights on the diagonal, 1 for each
edge), so the boundary 3-manifold has H_1(M) = coker A. Its order is |det A|
(infinite when det A = 0). The Smith normal form is written by hand with
Python integers: exactness matters more than speed here, and the kernel must
not depend on a computer-algebra system. Tests cross-check it against sympy
and regina.

A tree's matrix is sparse and every edge is a unit entry, so
:func:`first_homology` first pivots on unit entries (unimodular operations
that split off a factor 1, cheapest fill-in first) and only runs the dense
Smith form on what is left, usually nothing. That keeps a hostile
``distinct`` claim on a large graph from costing cubic time.

For star-shaped trees the module also gives the Seifert invariants (central
weight and one continued fraction per arm); :func:`seifert_name` turns them
into regina's name of the Seifert fibred space when regina is installed.
"""

from __future__ import annotations

import heapq
from typing import Any

from .plumbing import PlumbingGraph

#: Beyond this many nodes a graph cannot carry a ``distinct`` claim (the kernel's node limit).
MAX_INVARIANT_NODES = 10_000

#: The dense Smith form runs on at most this many rows left after unit pivoting (about a second).
MAX_DENSE_REMAINDER = 300

#: Entry updates allowed in unit pivoting (about a second), so a hostile graph costs bounded time.
MAX_PIVOT_WORK = 2_000_000


class InvariantTooCostly(ValueError):
    """The graph is beyond the sizes for which the kernel computes invariants."""


def plumbing_matrix(graph: PlumbingGraph) -> list[list[int]]:
    """The symmetric matrix A of the plumbing, rows and columns in increasing node id."""
    order = sorted(graph.weights)
    index = {v: i for i, v in enumerate(order)}
    matrix = [[0] * len(order) for _ in order]
    for v in order:
        i = index[v]
        matrix[i][i] = graph.weights[v]
        for u in graph.adj[v]:
            matrix[i][index[u]] = 1
    return matrix


def invariant_factors(matrix: list[list[int]]) -> list[int]:
    """The diagonal d_1 | d_2 | ... of the Smith normal form of a square integer matrix (0 for each free summand)."""
    a = [row[:] for row in matrix]
    n = len(a)
    factors: list[int] = []
    for t in range(n):
        pivot = _smallest_entry(a, t)
        if pivot is None:
            factors.extend([0] * (n - t))
            break
        i, j = pivot
        a[t], a[i] = a[i], a[t]
        for row in a:
            row[t], row[j] = row[j], row[t]
        while True:
            _clear_column(a, t)
            _clear_row(a, t)
            if any(a[i][t] for i in range(t + 1, n)) or any(a[t][j] for j in range(t + 1, n)):
                continue
            # d_t must divide every remaining entry; if one is not divisible, fold its row in and repeat.
            bad = next((i for i in range(t + 1, n) for j in range(t + 1, n) if a[i][j] % a[t][t]), None)
            if bad is None:
                break
            a[t] = [x + y for x, y in zip(a[t], a[bad], strict=True)]
        factors.append(abs(a[t][t]))
    return factors


def _smallest_entry(a: list[list[int]], t: int) -> tuple[int, int] | None:
    best = None
    for i in range(t, len(a)):
        for j in range(t, len(a)):
            x = abs(a[i][j])
            if x and (best is None or x < best[0]):
                best = (x, i, j)
                if x == 1:
                    return i, j
    return None if best is None else (best[1], best[2])


def _clear_column(a: list[list[int]], t: int) -> None:
    """Reduce column t below the pivot; swap in a smaller remainder as the new pivot until all are zero."""
    n = len(a)
    while True:
        for i in range(t + 1, n):
            if a[i][t]:
                q = a[i][t] // a[t][t]
                if q:
                    a[i] = [x - q * y for x, y in zip(a[i], a[t], strict=True)]
        rest = [i for i in range(t + 1, n) if a[i][t]]
        if not rest:
            return
        i = min(rest, key=lambda r: abs(a[r][t]))
        a[t], a[i] = a[i], a[t]


def _clear_row(a: list[list[int]], t: int) -> None:
    n = len(a)
    while True:
        for j in range(t + 1, n):
            if a[t][j]:
                q = a[t][j] // a[t][t]
                if q:
                    for row in a:
                        row[j] -= q * row[t]
        rest = [j for j in range(t + 1, n) if a[t][j]]
        if not rest:
            return
        j = min(rest, key=lambda c: abs(a[t][c]))
        for row in a:
            row[t], row[j] = row[j], row[t]


def first_homology(graph: PlumbingGraph) -> tuple[int, ...]:
    """H_1 of the plumbed manifold as its invariant factors other than 1, sorted: (0,) is Z, (5,) is Z/5, () is 0.

    Raises :class:`InvariantTooCostly` beyond :data:`MAX_INVARIANT_NODES`
    nodes or a dense remainder over :data:`MAX_DENSE_REMAINDER` rows.
    """
    if len(graph) > MAX_INVARIANT_NODES:
        raise InvariantTooCostly(f"homology is computed for graphs of at most {MAX_INVARIANT_NODES} nodes")
    remaining, rest = _unit_pivot_reduce(plumbing_matrix_sparse(graph))
    factors = invariant_factors(rest)
    torsion = sorted(d for d in factors if d > 1)
    rank = sum(1 for d in factors if d)
    return tuple(torsion + [0] * (remaining - rank))


def plumbing_matrix_sparse(graph: PlumbingGraph) -> dict[int, dict[int, int]]:
    """The plumbing matrix as rows ``{node: {node: entry}}`` (non-zero entries only)."""
    rows: dict[int, dict[int, int]] = {}
    for v, w in graph.weights.items():
        row = dict.fromkeys(graph.adj[v], 1)
        if w:
            row[v] = w
        rows[v] = row
    return rows


def _unit_pivot_reduce(rows: dict[int, dict[int, int]]) -> tuple[int, list[list[int]]]:
    """Eliminate unit pivots from a square sparse matrix of size m.

    Returns ``(k, rest)``: the matrix is equivalent to ``1`` (m - k times)
    plus a k x k matrix whose non-zero rows and columns are ``rest`` (dense,
    padded square with zeros; its zero rows and columns are dropped, and each
    contributes only a free summand).

    Pivoting on an entry +-1 at (r, c): subtract multiples of row r from the
    other rows with an entry in column c, then column c and row r split off as
    a block (1). Both are unimodular, so the invariant factors other than the
    split-off 1s are unchanged. Pivots are taken cheapest first (entries in
    row r times entries in column c, re-checked lazily), which on a tree
    eliminates leaves and keeps the fill-in small. Written by hand: no
    dependency-light library computes sparse Smith forms.
    """
    cols: dict[int, set[int]] = {c: set() for c in rows}
    for r, row in rows.items():
        for c in row:
            cols[c].add(r)
    heap: list[tuple[int, int, int]] = []
    work = 0

    def push(r: int, c: int) -> None:
        if rows[r].get(c) in (1, -1):
            heapq.heappush(heap, ((len(rows[r]) - 1) * (len(cols[c]) - 1), r, c))

    for r, row in rows.items():
        for c in row:
            push(r, c)
    while heap:
        cost, r, c = heapq.heappop(heap)
        if r not in rows or c not in cols or rows[r].get(c) not in (1, -1):
            continue
        current = (len(rows[r]) - 1) * (len(cols[c]) - 1)
        if current != cost:
            heapq.heappush(heap, (current, r, c))
            continue
        pivot_row = rows.pop(r)
        sign = pivot_row[c]
        touched = cols.pop(c) - {r}
        for j in pivot_row:
            if j != c:
                cols[j].discard(r)
        work += len(touched) * len(pivot_row)
        if work > MAX_PIVOT_WORK:
            raise InvariantTooCostly(f"unit pivoting needs over {MAX_PIVOT_WORK} entry updates")
        for i in touched:
            row = rows[i]
            factor = row.pop(c) * sign  # column c becomes zero outside the pivot row
            for j, x in pivot_row.items():
                if j == c:
                    continue
                y = row.get(j, 0) - factor * x
                if y:
                    if j not in row:
                        cols[j].add(i)
                    row[j] = y
                elif j in row:
                    del row[j]
                    cols[j].discard(i)
            for j in pivot_row:  # only the entries that changed need a (new) heap slot
                if j != c:
                    push(i, j)
    order_r = sorted(r for r in rows if rows[r])
    order_c = sorted(c for c in cols if cols[c])
    size = max(len(order_r), len(order_c))
    if size > MAX_DENSE_REMAINDER:
        raise InvariantTooCostly(f"{size} rows remain after unit pivoting, over {MAX_DENSE_REMAINDER}")
    dense = [[rows[r].get(c, 0) for c in order_c] + [0] * (size - len(order_c)) for r in order_r]
    dense += [[0] * size for _ in range(size - len(order_r))]
    return len(rows), dense


def homology_order(graph: PlumbingGraph) -> int:
    """|H_1| = |det A|; 0 means H_1 is infinite."""
    order = 1
    for d in first_homology(graph):
        order *= d
    return order


def describe_group(factors: tuple[int, ...]) -> str:
    """Human form of :func:`first_homology`: ``0``, ``Z``, ``Z/2 + Z/6``..."""
    if not factors:
        return "0"
    return " + ".join("Z" if d == 0 else f"Z/{d}" for d in factors)


def seifert_invariants(graph: PlumbingGraph) -> tuple[int, list[tuple[int, int]]] | None:
    """``(e, [(alpha, beta), ...])`` of a star-shaped tree, or None for other graphs.

    ``e`` is the central weight and each arm with weights ``w_1, ..., w_k``
    (outwards) gives ``alpha / beta = [-w_1, ..., -w_k]``, the Hirzebruch-Jung
    continued fraction ``x_1 - 1/(x_2 - ...)``. The centre is the vertex of
    degree >= 3 (for a chain, its smallest id). None when the graph is not one
    tree with at most one vertex of degree >= 3, or an arm's fraction is not
    finite and non-zero (the plumbing is then not a Seifert fibration this way).
    """
    if not graph.weights or len(_reach(graph, min(graph.weights))) != len(graph):
        return None
    nodes = [v for v in graph.weights if len(graph.adj[v]) >= 3]
    if len(nodes) > 1:
        return None
    centre = nodes[0] if nodes else min(graph.weights)
    arms = []
    for first in sorted(graph.adj[centre]):
        weights, previous, v = [], centre, first
        while True:
            weights.append(graph.weights[v])
            onward = [u for u in graph.adj[v] if u != previous]
            if not onward:
                break
            previous, v = v, onward[0]
        p, q = -weights[-1], 1
        for x in reversed(weights[:-1]):
            p, q = -x * p - q, p
        if p == 0:
            return None
        if p < 0:
            p, q = -p, -q
        arms.append((p, q))
    return graph.weights[centre], arms


def _reach(graph: PlumbingGraph, start: int) -> set[int]:
    seen, stack = {start}, [start]
    while stack:
        for u in graph.adj[stack.pop()]:
            if u not in seen:
                seen.add(u)
                stack.append(u)
    return seen


def seifert_space(graph: PlumbingGraph) -> Any:
    """regina's ``SFSpace`` of a star-shaped plumbing (None otherwise); needs regina (extra ``knots``)."""
    invariants = seifert_invariants(graph)
    if invariants is None:
        return None
    import regina

    e, arms = invariants
    space = regina.SFSpace()
    for alpha, beta in arms:
        space.insertFibre(alpha, beta)
    # The central weight is the obstruction fibre (1, e): with the arms' (alpha, beta) this is the
    # plumbed manifold up to orientation. Tests check regina's H_1 of this space against coker A on
    # random star-shaped graphs (the other sign of e gives wrong groups).
    space.insertFibre(1, e)
    space.reduce()
    return space


def seifert_cross_check(graph: PlumbingGraph, homology: tuple[int, ...]) -> str | bool | None:
    """For a star-shaped graph, regina's name when regina's H_1 agrees with ``homology``, False when it
    disagrees; None when the graph is not star-shaped or regina is not installed."""
    try:
        space = seifert_space(graph)
    except ImportError:
        return None
    if space is None:
        return None
    group = space.homology()
    torsion = sorted(int(str(group.invariantFactor(i))) for i in range(group.countInvariantFactors()))
    theirs = tuple(torsion + [0] * group.rank())
    if theirs != homology:
        return False
    lens = space.isLensSpace()
    return str(lens) if lens is not None else str(space)
