"""Numba transitions of Kirby-Plumbing-v0 on fixed-size arrays (the env's fast path).

The state of the two graphs is five arrays, indexed ``[graph, slot]``:
``count[g]`` nodes in slots ``0 .. count[g] - 1`` sorted by ``ids``, their
``weights`` and ``degree``, and a 0/1 adjacency matrix ``adj[g, slot, slot]``.
Every function mirrors the kernel (``rigorgym.verifiers.plumbing``) move for
move; tests replay random play through the kernel and compare the graphs.
Masks add one rule the kernel does not have: a graph never outgrows its
``N`` slots and no weight leaves ``[-W, W]``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .actions import (
    ABSORB_ZERO,
    BLOWDOWN,
    BLOWUP_DISJOINT,
    BLOWUP_EDGE,
    BLOWUP_VERTEX,
    EXTRUDE_ZERO,
    SPLIT_ZERO_LEAF,
)


@njit(cache=True)
def decode(action, n, d_max, k_bits):
    """``(graph, op, place, param, subset)`` of an action index (see actions.py)."""
    block = (2 * d_max + 1) << k_bits
    per = 7 * n + n * block
    g = action // per
    r = action - g * per
    if r < 2 * n:
        return g, BLOWUP_VERTEX, r // 2, 1 - 2 * (r % 2), 0
    if r < 4 * n - 2:
        r -= 2 * n
        return g, BLOWUP_EDGE, r // 2, 1 - 2 * (r % 2), 0
    if r < 4 * n:
        return g, BLOWUP_DISJOINT, 0, 1 - 2 * (r - (4 * n - 2)), 0
    if r < 5 * n:
        return g, BLOWDOWN, r - 4 * n, 0, 0
    if r < 6 * n:
        return g, ABSORB_ZERO, r - 5 * n, 0, 0
    if r < 7 * n:
        return g, SPLIT_ZERO_LEAF, r - 6 * n, 0, 0
    r -= 7 * n
    rest = r >> k_bits
    subset = r - (rest << k_bits)
    slot = rest // (2 * d_max + 1)
    return g, EXTRUDE_ZERO, slot, rest - slot * (2 * d_max + 1) - d_max, subset


@njit(cache=True)
def edge_at(adj, count, g, e):
    """Slots ``(a, b)``, ``a < b``, of the edge of rank ``e``, or ``(-1, -1)``."""
    c = count[g]
    k = 0
    for a in range(c):
        for b in range(a + 1, c):
            if adj[g, a, b]:
                if k == e:
                    return a, b
                k += 1
    return -1, -1


@njit(cache=True)
def neighbour_at(adj, count, g, s, j):
    """The slot of the ``j``-th neighbour of slot ``s`` in slot order, or -1."""
    k = 0
    for u in range(count[g]):
        if adj[g, s, u]:
            if k == j:
                return u
            k += 1
    return -1


@njit(cache=True)
def _append(ids, weights, degree, adj, count, g, weight):
    c = count[g]
    ids[g, c] = ids[g, c - 1] + 1 if c > 0 else 0
    weights[g, c] = weight
    degree[g, c] = 0
    count[g] = c + 1
    return c


@njit(cache=True)
def _link(adj, degree, g, a, b):
    adj[g, a, b] = 1
    adj[g, b, a] = 1
    degree[g, a] += 1
    degree[g, b] += 1


@njit(cache=True)
def _unlink(adj, degree, g, a, b):
    adj[g, a, b] = 0
    adj[g, b, a] = 0
    degree[g, a] -= 1
    degree[g, b] -= 1


@njit(cache=True)
def _delete(ids, weights, degree, adj, count, g, s):
    """Remove slot ``s`` (unlinking it first) and shift the later slots down."""
    c = count[g]
    for u in range(c):
        if adj[g, s, u]:
            _unlink(adj, degree, g, s, u)
    for i in range(s, c - 1):
        ids[g, i] = ids[g, i + 1]
        weights[g, i] = weights[g, i + 1]
        degree[g, i] = degree[g, i + 1]
    for i in range(c):
        for j in range(s, c - 1):
            adj[g, i, j] = adj[g, i, j + 1]
        adj[g, i, c - 1] = 0
    for i in range(s, c - 1):
        for j in range(c):
            adj[g, i, j] = adj[g, i + 1, j]
    for j in range(c):
        adj[g, c - 1, j] = 0
    count[g] = c - 1


@njit(cache=True)
def is_legal(ids, weights, degree, adj, count, action, n, d_max, k_bits, w_max):
    """Whether ``action`` is legal for the kernel and fits the arrays (``n`` slots, weights in ``[-w_max, w_max]``)."""
    block = (2 * d_max + 1) << k_bits
    if action < 0 or action >= 2 * (7 * n + n * block):
        return False
    g, op, place, param, subset = decode(action, n, d_max, k_bits)
    c = count[g]
    if op == BLOWUP_DISJOINT:
        return c < n
    if op == BLOWUP_EDGE:
        if c >= n:
            return False
        a, b = edge_at(adj, count, g, place)
        return a >= 0 and abs(weights[g, a] + param) <= w_max and abs(weights[g, b] + param) <= w_max
    if place >= c:
        return False
    w = weights[g, place]
    deg = degree[g, place]
    if op == BLOWUP_VERTEX:
        return c < n and abs(w + param) <= w_max
    if op == BLOWDOWN:
        if (w != 1 and w != -1) or deg > 2:
            return False
        for u in range(c):
            if adj[g, place, u] and abs(weights[g, u] - w) > w_max:
                return False
        return True
    if op == ABSORB_ZERO:
        if w != 0 or deg != 2:
            return False
        a = neighbour_at(adj, count, g, place, 0)
        b = neighbour_at(adj, count, g, place, 1)
        return abs(weights[g, a] + weights[g, b]) <= w_max
    if op == SPLIT_ZERO_LEAF:
        return w == 0 and deg == 1
    # EXTRUDE_ZERO
    if c + 2 > n or abs(w - param) > w_max or abs(param) > w_max:
        return False
    return subset < (1 << min(deg, k_bits))


@njit(cache=True)
def apply_action(ids, weights, degree, adj, count, action, n, d_max, k_bits):
    """Apply a legal action in place (call :func:`is_legal` first)."""
    g, op, place, param, subset = decode(action, n, d_max, k_bits)
    if op == BLOWUP_DISJOINT:
        _append(ids, weights, degree, adj, count, g, param)
    elif op == BLOWUP_VERTEX:
        weights[g, place] += param
        x = _append(ids, weights, degree, adj, count, g, param)
        _link(adj, degree, g, place, x)
    elif op == BLOWUP_EDGE:
        a, b = edge_at(adj, count, g, place)
        weights[g, a] += param
        weights[g, b] += param
        x = _append(ids, weights, degree, adj, count, g, param)
        _unlink(adj, degree, g, a, b)
        _link(adj, degree, g, a, x)
        _link(adj, degree, g, x, b)
    elif op == BLOWDOWN:
        w = weights[g, place]
        a = neighbour_at(adj, count, g, place, 0)
        b = neighbour_at(adj, count, g, place, 1)
        if a >= 0:
            weights[g, a] -= w
        if b >= 0:
            weights[g, b] -= w
            _unlink(adj, degree, g, place, b)
            _link(adj, degree, g, a, b)
        _delete(ids, weights, degree, adj, count, g, place)
    elif op == ABSORB_ZERO:
        a = neighbour_at(adj, count, g, place, 0)
        b = neighbour_at(adj, count, g, place, 1)
        weights[g, a] += weights[g, b]
        _unlink(adj, degree, g, place, a)
        _unlink(adj, degree, g, place, b)
        for x in range(count[g]):
            if adj[g, b, x]:
                _unlink(adj, degree, g, b, x)
                _link(adj, degree, g, a, x)
        hi, lo = max(place, b), min(place, b)
        _delete(ids, weights, degree, adj, count, g, hi)
        _delete(ids, weights, degree, adj, count, g, lo)
    elif op == SPLIT_ZERO_LEAF:
        u = neighbour_at(adj, count, g, place, 0)
        hi, lo = max(place, u), min(place, u)
        _delete(ids, weights, degree, adj, count, g, hi)
        _delete(ids, weights, degree, adj, count, g, lo)
    else:  # EXTRUDE_ZERO
        moved = np.empty(8, np.int64)
        k = 0
        for j in range(k_bits):
            if subset >> j & 1:
                moved[k] = neighbour_at(adj, count, g, place, j)
                k += 1
        weights[g, place] -= param
        zero = _append(ids, weights, degree, adj, count, g, 0)
        far = _append(ids, weights, degree, adj, count, g, param)
        _link(adj, degree, g, place, zero)
        _link(adj, degree, g, zero, far)
        for i in range(k):
            _unlink(adj, degree, g, place, moved[i])
            _link(adj, degree, g, far, moved[i])


@njit(cache=True)
def fill_mask(ids, weights, degree, adj, count, n, d_max, k_bits, w_max, mask):
    """Write the legality of every action into ``mask`` (same rules as :func:`is_legal`, block by block)."""
    mask[:] = False
    block = (2 * d_max + 1) << k_bits
    per = 7 * n + n * block
    for g in range(2):
        base = g * per
        c = count[g]
        room1 = c < n
        room2 = c + 2 <= n
        for s in range(c):
            w = weights[g, s]
            deg = degree[g, s]
            if room1:
                mask[base + 2 * s] = w + 1 <= w_max
                mask[base + 2 * s + 1] = w - 1 >= -w_max
            if (w == 1 or w == -1) and deg <= 2:
                ok = True
                for u in range(c):
                    if adj[g, s, u] and abs(weights[g, u] - w) > w_max:
                        ok = False
                mask[base + 4 * n + s] = ok
            if w == 0 and deg == 2:
                a = neighbour_at(adj, count, g, s, 0)
                b = neighbour_at(adj, count, g, s, 1)
                mask[base + 5 * n + s] = abs(weights[g, a] + weights[g, b]) <= w_max
            if w == 0 and deg == 1:
                mask[base + 6 * n + s] = True
            if room2:
                subsets = 1 << min(deg, k_bits)
                for d in range(-d_max, d_max + 1):
                    if abs(w - d) <= w_max and abs(d) <= w_max:
                        start = base + 7 * n + ((s * (2 * d_max + 1) + d + d_max) << k_bits)
                        for sub in range(subsets):
                            mask[start + sub] = True
        if room1:
            e = 0
            for a in range(c):
                for b in range(a + 1, c):
                    if adj[g, a, b]:
                        mask[base + 2 * n + 2 * e] = weights[g, a] + 1 <= w_max and weights[g, b] + 1 <= w_max
                        mask[base + 2 * n + 2 * e + 1] = weights[g, a] - 1 >= -w_max and weights[g, b] - 1 >= -w_max
                        e += 1
            mask[base + 4 * n - 2] = True
            mask[base + 4 * n - 1] = True


@njit(cache=True)
def fill_observation(weights, degree, adj, count, n, nodes, edges, node_mask, edge_mask):
    """Padded arrays: node rows ``[weight, degree, graph]`` at ``g n + slot``; edges as global row pairs."""
    nodes[:] = 0
    edges[:] = 0
    node_mask[:] = 0
    edge_mask[:] = 0
    for g in range(2):
        e = g * (n - 1)
        for s in range(count[g]):
            row = g * n + s
            nodes[row, 0] = weights[g, s]
            nodes[row, 1] = degree[g, s]
            nodes[row, 2] = g
            node_mask[row] = 1
            for t in range(s + 1, count[g]):
                if adj[g, s, t]:
                    edges[e, 0] = row
                    edges[e, 1] = g * n + t
                    edge_mask[e] = 1
                    e += 1


@njit(cache=True)
def complexity(weights, count, g):
    """Ri-Putrov's complexity of graph ``g``: 5 * nodes + sum of |weights|."""
    total = 5 * count[g]
    for s in range(count[g]):
        total += abs(weights[g, s])
    return total


@njit(cache=True)
def may_be_isomorphic(weights, degree, count):
    """Cheap necessary condition for isomorphism: equal node counts, weight and degree multisets."""
    c = count[0]
    if c != count[1]:
        return False
    if c == 0:
        return True
    if not np.array_equal(np.sort(weights[0, :c]), np.sort(weights[1, :c])):
        return False
    return np.array_equal(np.sort(degree[0, :c]), np.sort(degree[1, :c]))


@njit(cache=True)
def record(ids, adj, count, action, n, d_max, k_bits, out):
    """Write the kernel form of a legal action into ``out``: ``[graph, op, id_a, id_b, param, n_moved, moved...]``.

    ``id_a`` is the node (or the edge's first end), ``id_b`` the edge's other end, ``param`` the sign or ``d``.
    """
    g, op, place, param, subset = decode(action, n, d_max, k_bits)
    out[:] = -1
    out[0], out[1], out[4], out[5] = g, op, param, 0
    if op == BLOWUP_EDGE:
        a, b = edge_at(adj, count, g, place)
        out[2], out[3] = ids[g, a], ids[g, b]
    elif op != BLOWUP_DISJOINT:
        out[2] = ids[g, place]
    if op == EXTRUDE_ZERO:
        k = 0
        for j in range(k_bits):
            if subset >> j & 1:
                out[6 + k] = ids[g, neighbour_at(adj, count, g, place, j)]
                k += 1
        out[5] = k


@njit(cache=True)
def step(
    ids, weights, degree, adj, count, action, n, d_max, k_bits, w_max, mask, nodes, edges, node_mask, edge_mask, rec
):
    """One env step: if legal, record it in ``rec``, apply it, refresh mask and observation.

    Returns ``(legal, complexity, maybe_solved)``.
    """
    legal = is_legal(ids, weights, degree, adj, count, action, n, d_max, k_bits, w_max)
    if legal:
        record(ids, adj, count, action, n, d_max, k_bits, rec)
        apply_action(ids, weights, degree, adj, count, action, n, d_max, k_bits)
        fill_mask(ids, weights, degree, adj, count, n, d_max, k_bits, w_max, mask)
        fill_observation(weights, degree, adj, count, n, nodes, edges, node_mask, edge_mask)
    total = complexity(weights, count, 0) + complexity(weights, count, 1)
    return legal, total, may_be_isomorphic(weights, degree, count)


@njit(cache=True)
def step_row(
    b, ids, weights, degree, adj, count, actions, skip, n, d_max, k_bits, w_max,
    masks, nodes, edges, node_mask, edge_mask, history, n_moves, legal, totals, maybe,
):  # fmt: skip
    """Row ``b`` of :func:`step_batch`: :func:`step` on the row's slices, unless ``skip[b]`` (just reset).

    Each argument of :func:`step` gains a leading batch axis, so a row runs
    exactly the single env's code. A legal move's record is written straight
    into ``history[b, n_moves[b]]`` (the caller keeps room for one more) and
    counted. ``legal[b]``, ``totals[b]`` (the complexity after the step) and
    ``maybe[b]`` (legal and :func:`may_be_isomorphic`) receive the results.
    """
    if skip[b]:
        legal[b] = False
        maybe[b] = False
        totals[b] = complexity(weights[b], count[b], 0) + complexity(weights[b], count[b], 1)
        return
    ok, total, may = step(
        ids[b], weights[b], degree[b], adj[b], count[b], actions[b], n, d_max, k_bits, w_max,
        masks[b], nodes[b], edges[b], node_mask[b], edge_mask[b], history[b, n_moves[b]],
    )  # fmt: skip
    legal[b] = ok
    totals[b] = total
    maybe[b] = ok and may
    if ok:
        n_moves[b] += 1


@njit(cache=True, parallel=True)
def step_batch(
    ids, weights, degree, adj, count, actions, skip, n, d_max, k_bits, w_max,
    masks, nodes, edges, node_mask, edge_mask, history, n_moves, legal, totals, maybe,
):  # fmt: skip
    """:func:`step_row` on every row, in parallel (the vector env's hot path for large batches)."""
    for b in prange(ids.shape[0]):
        step_row(
            b, ids, weights, degree, adj, count, actions, skip, n, d_max, k_bits, w_max,
            masks, nodes, edges, node_mask, edge_mask, history, n_moves, legal, totals, maybe,
        )  # fmt: skip


@njit(cache=True)
def step_batch_serial(
    ids, weights, degree, adj, count, actions, skip, n, d_max, k_bits, w_max,
    masks, nodes, edges, node_mask, edge_mask, history, n_moves, legal, totals, maybe,
):  # fmt: skip
    """:func:`step_batch` on one thread: below two threads' worth of rows it skips the thread-count switch."""
    for b in range(ids.shape[0]):
        step_row(
            b, ids, weights, degree, adj, count, actions, skip, n, d_max, k_bits, w_max,
            masks, nodes, edges, node_mask, edge_mask, history, n_moves, legal, totals, maybe,
        )  # fmt: skip
