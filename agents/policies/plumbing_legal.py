"""The legal-actions-only path of the Kirby-Plumbing graph network: packed real nodes, node classes, heads at legal places.

Two ways to the same function. :meth:`PlumbingGraphActorCritic.forward` gives
the dense ``(B, n_actions)`` logits (acting, the other trainers); PPO's
rollout and update use :meth:`~PlumbingGraphActorCritic.legal_logits`, the
logits of each row's legal actions only, because on Kirby-Plumbing-RiPutrov-v0
(6,016 actions, a few hundred legal) the dense tensors and the heads at every
padding slot were most of an update (issue 19). It computes:

* the real nodes only, packed (:func:`pack`, numba): no padding slots, the
  edges as a CSR neighbour list;
* the embedding and the first SAGE layer in one pass (:class:`EmbedSage`),
  whose linears fold into tables of the embedding rows, and the second layer
  (:class:`SageLayer`), each once per class of equal nodes: nodes with the
  same inputs and the same multiset of neighbour inputs get the same output
  (one and two Weisfeiler-Lehman rounds, :func:`node_classes`, exact). A PPO
  minibatch holds about 8 steps of each env: on a 2,048-row minibatch of
  full boards, 260,000 nodes fall into about 33,000 classes;
* pooling and the heads' input on every node (:class:`SegmentPool`,
  :class:`Expand`), then the heads at the legal actions' places only
  (:class:`LegalHeads`), the categorical over them in
  :mod:`rigorgym.agents.algos.masked`.

Each step has a hand-written backward (numba loops for what gathers and
scatters, torch's matrix products for the rest), tested against autograd of
the dense forward (tests/test_plumbing_heads_fast.py). Same parameters, so
the same ``state_dict``: the shipped agents load as they are.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch
from numba import njit
from torch import Tensor

SMALL_WEIGHT = 20  # weights in [-20, 20] get their own embedding (the moves test for 0 and +-1)
MAX_DEGREE = 8  # degrees above share the last embedding


class Packed(NamedTuple):
    """A batch's real nodes packed in ``(env, graph, slot)`` order, and its edges as a CSR neighbour list.

    ``node_of_slot[b, s]`` is slot ``s``'s packed index, or ``-1 - (2 b + g)``
    for an empty slot of graph ``g`` (whose embedding the dense network keeps
    at zero: its head input is the context's alone).
    """

    embed: torch.Tensor  # (R,) index into the node embedding table
    weight: torch.Tensor  # (R, 1) float: the node weight
    seg_len: np.ndarray  # (2B,) real nodes of each (env, graph)
    segment: torch.Tensor  # (R,) each node's (env, graph)
    node_of_slot: np.ndarray  # (B, 2N)
    ptr: np.ndarray  # (R + 1,) CSR of the neighbours, both directions of every real edge
    neighbours: np.ndarray
    inv_degree: np.ndarray  # (R,) float32: 1 / max(degree, 1), the mean aggregation's


@njit(cache=True)
def _pack(obs: np.ndarray, n: int) -> tuple:
    rows = obs.shape[0]
    edges_at, node_mask_at = 6 * n, 6 * n + 4 * (n - 1)
    edge_mask_at = node_mask_at + 2 * n
    seg_len = np.zeros(2 * rows, np.int64)
    node_of_slot = np.empty((rows, 2 * n), np.int64)
    count = 0
    for b in range(rows):
        for s in range(2 * n):
            if obs[b, node_mask_at + s] != 0:
                node_of_slot[b, s] = count
                seg_len[2 * b + s // n] += 1
                count += 1
            else:
                node_of_slot[b, s] = -1 - (2 * b + s // n)
    embed = np.empty(count, np.int64)
    weight = np.empty((count, 1), np.float32)
    segment = np.empty(count, np.int64)
    degree = np.zeros(count, np.int64)
    listed = np.zeros(count + 1, np.int64)
    for b in range(rows):
        for s in range(2 * n):
            k = node_of_slot[b, s]
            if k < 0:
                continue
            w, d, g = obs[b, 3 * s], obs[b, 3 * s + 1], obs[b, 3 * s + 2]
            small = w + SMALL_WEIGHT if abs(w) <= SMALL_WEIGHT else 2 * SMALL_WEIGHT + 1
            embed[k] = (small * (MAX_DEGREE + 1) + min(max(d, 0), MAX_DEGREE)) * 2 + min(max(g, 0), 1)
            weight[k, 0] = w
            segment[k] = 2 * b + s // n
        for e in range(2 * (n - 1)):
            if obs[b, edge_mask_at + e] == 0:
                continue
            ka, kb = -1, -1
            a, c = obs[b, edges_at + 2 * e], obs[b, edges_at + 2 * e + 1]
            if 0 <= a < 2 * n:
                ka = node_of_slot[b, a]
            if 0 <= c < 2 * n:
                kb = node_of_slot[b, c]
            if ka >= 0:  # an end in an empty slot sends the zero vector: counted, not listed
                degree[ka] += 1
                if kb >= 0:
                    listed[ka + 1] += 1
            if kb >= 0:
                degree[kb] += 1
                if ka >= 0:
                    listed[kb + 1] += 1
    ptr = np.cumsum(listed)
    neighbours = np.empty(ptr[-1], np.int64)
    cursor = ptr[:-1].copy()
    for b in range(rows):
        for e in range(2 * (n - 1)):
            if obs[b, edge_mask_at + e] == 0:
                continue
            a, c = obs[b, edges_at + 2 * e], obs[b, edges_at + 2 * e + 1]
            if 0 <= a < 2 * n and 0 <= c < 2 * n:
                ka, kb = node_of_slot[b, a], node_of_slot[b, c]
                if ka >= 0 and kb >= 0:
                    neighbours[cursor[kb]] = ka
                    cursor[kb] += 1
                    neighbours[cursor[ka]] = kb
                    cursor[ka] += 1
    inv_degree = np.empty(count, np.float32)
    for k in range(count):
        inv_degree[k] = np.float32(1.0) / np.float32(max(degree[k], 1))
    return embed, weight, seg_len, segment, node_of_slot, ptr, neighbours, inv_degree


def pack(obs: torch.Tensor, max_nodes: int) -> Packed:
    """:class:`Packed` of a batch of flat rows (:func:`flatten_plumbing`)."""
    embed, weight, seg_len, segment, node_of_slot, ptr, neighbours, inv_degree = _pack(
        np.ascontiguousarray(obs.cpu().numpy()), max_nodes
    )
    return Packed(torch.from_numpy(embed), torch.from_numpy(weight), seg_len, torch.from_numpy(segment),
                  node_of_slot, ptr, neighbours, inv_degree)  # fmt: skip


# -- equal nodes computed once: Weisfeiler-Lehman classes -------------------------------------------------


@njit(cache=True)
def _mix(x: np.uint64) -> np.uint64:
    """splitmix64's finaliser: a well-spread 64-bit hash of ``x``."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def _sorted_keys(i, ptr, nbr, keys, out):  # fmt: skip
    """Node ``i``'s neighbours' keys into ``out``, sorted: branch-free for up to 4 (most nodes), else insertion."""
    size = ptr[i + 1] - ptr[i]
    for t in range(size):
        out[t] = keys[nbr[ptr[i] + t]]
    if size <= 4:
        for a, b in ((0, 1), (2, 3), (0, 2), (1, 3), (1, 2)):  # a sorting network of 4 (its pairs past size idle)
            if b < size:
                lo, hi = min(out[a], out[b]), max(out[a], out[b])
                out[a], out[b] = lo, hi
        return size
    for t in range(1, size):
        key, u = out[t], t
        while u > 0 and out[u - 1] > key:
            out[u] = out[u - 1]
            u -= 1
        out[u] = key
    return size


@njit(cache=True)
def _classes(own, extra, ptr, nbr, keys):  # fmt: skip
    """One Weisfeiler-Lehman refinement: nodes with equal ``own``, ``extra`` and multiset of neighbours' ``keys``.

    Returns each node's class (numbered by first appearance) and each class's
    first node. An open-addressing table on a 64-bit hash (sized for the
    classes, which are few, so that it stays in cache); every hit is checked
    exactly against the class's signature (``own``, ``extra``, the sorted
    keys), kept in one flat array next to it rather than read back from the
    class's first node, far away in memory.
    """
    rows = len(own)
    size = 1 << 12
    table = np.full(2 * size, -1, np.int64)  # (hash, class) pairs: one cache line per probe
    codes = np.empty(rows, np.int64)
    first = np.empty(rows, np.int64)
    signature = np.empty(3 * rows + len(nbr), np.int64)  # per class: own, extra, degree, sorted keys
    where = np.empty(rows + 1, np.int64)
    widest = 1
    for i in range(rows):
        widest = max(widest, ptr[i + 1] - ptr[i])
    mine = np.empty(widest, np.int64)
    count, used = 0, 0
    for i in range(rows):
        degree = ptr[i + 1] - ptr[i]
        h = _mix(np.uint64(own[i]) * np.uint64(0x100000001B3) + np.uint64(extra[i]))
        for p in range(ptr[i], ptr[i + 1]):
            h += _mix(np.uint64(keys[nbr[p]]) ^ np.uint64(0x5BD1E995))  # a sum: the order of neighbours is not seen
        hashed = np.int64(h >> np.uint64(1))  # non-negative: -1 marks an empty slot
        slot = hashed & (size - 1)
        sorted_done = False
        while True:
            known = table[2 * slot + 1]
            if known < 0 or table[2 * slot] == hashed:
                if not sorted_done:
                    _sorted_keys(i, ptr, nbr, keys, mine)
                    sorted_done = True
            if known < 0:
                table[2 * slot], table[2 * slot + 1] = hashed, count
                where[count] = used
                signature[used], signature[used + 1], signature[used + 2] = own[i], extra[i], degree
                for t in range(degree):
                    signature[used + 3 + t] = mine[t]
                used += 3 + degree
                first[count], codes[i] = i, count
                count += 1
                break
            if table[2 * slot] == hashed:
                at = where[known]
                same = signature[at] == own[i] and signature[at + 1] == extra[i] and signature[at + 2] == degree
                t = 0
                while same and t < degree:
                    same = signature[at + 3 + t] == mine[t]
                    t += 1
                if same:
                    codes[i] = known
                    break
            slot = (slot + 1) & (size - 1)
        if 2 * count > size:  # grow: keep the load under a half
            size *= 2
            old = table
            table = np.full(2 * size, -1, np.int64)
            for t in range(len(old) // 2):
                if old[2 * t + 1] >= 0:
                    q = old[2 * t] & (size - 1)
                    while table[2 * q + 1] >= 0:
                        q = (q + 1) & (size - 1)
                    table[2 * q], table[2 * q + 1] = old[2 * t], old[2 * t + 1]
    return codes, first[:count].copy()


def node_classes(p: Packed) -> tuple[np.ndarray, np.ndarray]:
    """Each node's class after one and two rounds of refinement: what the first and second SAGE layers see.

    Round one: the node's embedding row and weight (``h0``), its degree and
    its neighbours' ``h0`` inputs; round two: its round-one class and its
    neighbours'. Nodes of one class get equal outputs from the layer.
    """
    own = p.embed.numpy() * 65536 + (p.weight[:, 0].numpy().astype(np.int64) + 32768)
    extra = p.inv_degree.view(np.int32).astype(np.int64)
    first, _ = _classes(own, extra, p.ptr, p.neighbours, own)
    second, _ = _classes(first, np.zeros_like(first), p.ptr, p.neighbours, first)
    return first, second


class Prepared(NamedTuple):
    """What a batch's minibatches share (:meth:`PlumbingGraphActorCritic.prepare`): node classes, decoded actions."""

    first: np.ndarray  # (R,) round-one class of each node of the batch's pack
    second: np.ndarray  # (R,) round-two class
    env_nodes: np.ndarray  # (B + 1,) first node of each row
    counts: tuple[int, int]  # classes of each round
    entries: Entries | None  # the batch's legal actions, decoded


@njit(cache=True)
def _local_classes(rows, env_nodes, mb_env_nodes, codes, count):  # fmt: skip
    """The batch's classes of a minibatch's nodes, renumbered from 0 by first appearance, and each one's first node."""
    nodes = mb_env_nodes[-1]
    local = np.empty(nodes, np.int64)
    first = np.empty(nodes, np.int64)
    marker = np.full(count, -1, np.int64)
    found = 0
    for j in range(len(rows)):
        start = env_nodes[rows[j]]
        for t in range(mb_env_nodes[j + 1] - mb_env_nodes[j]):
            i = mb_env_nodes[j] + t
            c = codes[start + t]
            if marker[c] < 0:
                marker[c] = found
                first[found] = i
                found += 1
            local[i] = marker[c]
    return local, first[:found].copy()


def env_nodes(seg_len: np.ndarray) -> np.ndarray:
    """The first packed node of each env row (and the total)."""
    return np.concatenate([[0], np.cumsum(seg_len.reshape(-1, 2).sum(1))])


# -- the trunk: embedding and SAGE layers on classes, pooling, the heads' input -----------------------------


@njit(cache=True, fastmath=True)
def _embed_sage(idx, ws, ptr, nbr, inv_deg, tb, tu, tv, wi, au, av, bl, nodes, active, out):  # fmt: skip
    width = out.shape[1]
    for r in range(len(nodes)):
        i = nodes[r]
        for c in range(width):
            out[r, c] = 0.0
        for p in range(ptr[i], ptr[i + 1]):
            j = nbr[p]
            kj, sj = idx[j], ws[j]
            for c in range(width):
                out[r, c] += tu[kj, c] + sj * au[c]
        k, s, d = idx[i], ws[i], inv_deg[i]
        for c in range(width):
            q = bl[c] + tv[k, c] + s * av[c] + d * out[r, c]
            active[r, c] = q > 0.0
            out[r, c] = tb[k, c] + s * wi[c] + max(q, 0.0)


@njit(cache=True, fastmath=True)
def _embed_sage_backward(idx, ws, ptr, nbr, inv_deg, nodes, active, g, gtb, gtu, gtv, gwi, gau, gav, gbl):  # fmt: skip
    width = g.shape[1]
    gpd = np.empty(width, np.float32)
    for r in range(len(nodes)):
        i = nodes[r]
        k, s, d = idx[i], ws[i], inv_deg[i]
        for c in range(width):  # one array written per loop: numba vectorises those
            gtb[k, c] += g[r, c]
        for c in range(width):
            gwi[c] += s * g[r, c]
        for c in range(width):
            gpd[c] = g[r, c] if active[r, c] else 0.0
        for c in range(width):
            gtv[k, c] += gpd[c]
        for c in range(width):
            gav[c] += s * gpd[c]
        for c in range(width):
            gbl[c] += gpd[c]
        for c in range(width):
            gpd[c] *= d
        for p in range(ptr[i], ptr[i + 1]):
            j = nbr[p]
            kj, sj = idx[j], ws[j]
            for c in range(width):
                gtu[kj, c] += gpd[c]
            for c in range(width):
                gau[c] += sj * gpd[c]


class EmbedSage(torch.autograd.Function):
    """The node embedding and the first SAGE layer in one pass, the layer's linears folded into the tables.

    ``h0 = (T + b_in)[embed] + w W_in``; SAGE's ``W_l mean_j h0_j + b_l + W_r h0``
    is linear in ``h0``, so ``W_l h0 = ((T + b_in) W_l^T)[embed] + w (W_l W_in)``
    (likewise ``W_r``): tables of the ~1,700 embedding rows, not matrix
    products over every node. Returns ``h0 + relu(...)`` only, at ``nodes``
    (one node per class); ``h0`` and the messages are recomputed from the
    tables, and the backward writes nothing node-sized (it adds into them).
    """

    @staticmethod
    def forward(
        ctx: Any, tb: Tensor, tu: Tensor, tv: Tensor, wi: Tensor, au: Tensor, av: Tensor, bl: Tensor, packed: Packed,
        ws: Tensor, nodes: np.ndarray,
    ) -> Tensor:  # fmt: skip
        small = [t.detach().contiguous() for t in (tb, tu, tv, wi, au, av, bl)]
        p = packed
        out = tb.new_empty((len(nodes), tb.shape[1]))
        active = torch.empty(out.shape, dtype=torch.bool)  # where the relu passes: a quarter of a float copy
        _embed_sage(p.embed.numpy(), ws.numpy(), p.ptr, p.neighbours, p.inv_degree,
                    *(t.numpy() for t in small), nodes, active.numpy(), out.numpy())  # fmt: skip
        ctx.save_for_backward(active, ws)
        ctx.packed, ctx.nodes, ctx.shapes = p, nodes, [t.shape for t in small[:3]]
        return out

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> Any:
        active, ws = ctx.saved_tensors
        p = ctx.packed
        tables = [grad.new_zeros(shape) for shape in ctx.shapes]
        vectors = [grad.new_zeros(grad.shape[1]) for _ in range(4)]  # wi, au, av, bl
        _embed_sage_backward(p.embed.numpy(), ws.numpy(), p.ptr, p.neighbours, p.inv_degree, ctx.nodes,
                             active.numpy(), grad.contiguous().numpy(), *(t.numpy() for t in tables + vectors))  # fmt: skip
        return (*tables, *vectors, None, None, None)


@njit(cache=True, fastmath=True)
def _sage_mix(u, v, bl, ptr, nbr, inv_deg, h, classes, nodes, active, out):  # fmt: skip
    width = out.shape[1]
    for r in range(len(nodes)):
        i = nodes[r]
        for c in range(width):
            out[r, c] = 0.0
        for p in range(ptr[i], ptr[i + 1]):
            j = classes[nbr[p]]
            for c in range(width):
                out[r, c] += u[j, c]
        d, k = inv_deg[i], classes[i]
        for c in range(width):
            q = bl[c] + v[k, c] + d * out[r, c]
            active[r, c] = q > 0.0
            out[r, c] = h[k, c] + max(q, 0.0)


@njit(cache=True, fastmath=True)
def _sage_mix_backward(g, active, ptr, nbr, inv_deg, classes, nodes, gh, gu, gv, gbl):  # fmt: skip
    width = g.shape[1]
    for r in range(len(nodes)):
        i = nodes[r]
        d, k = inv_deg[i], classes[i]
        for c in range(width):  # one array written per loop: numba vectorises those
            gh[k, c] += g[r, c]
        for c in range(width):
            g[r, c] = g[r, c] if active[r, c] else 0.0
        for c in range(width):
            gv[k, c] += g[r, c]
        for c in range(width):
            gbl[c] += g[r, c]
        for c in range(width):
            g[r, c] *= d  # the scaled message gradient, in place of the consumed input
        for p in range(ptr[i], ptr[i + 1]):
            j = classes[nbr[p]]
            for c in range(width):
                gu[j, c] += g[r, c]


class SageLayer(torch.autograd.Function):
    """``h + relu(W_l mean_j h_j + b_l + W_r h)`` (a residual SAGE layer) at one node per class of ``nodes``.

    ``h`` holds a row per class of the layer's input (``classes``: each
    node's); the matrix products run on those rows, the mean over each
    ``nodes`` entry's neighbours in one numba pass.
    """

    @staticmethod
    def forward(
        ctx: Any, h: Tensor, wl: Tensor, bl: Tensor, wr: Tensor, packed: Packed, classes: np.ndarray, nodes: np.ndarray
    ) -> Tensor:
        h, wl, bl, wr = (t.detach().contiguous() for t in (h, wl, bl, wr))
        u, v = torch.mm(h, wl.t()), torch.mm(h, wr.t())  # mean_j (W_l h_j) = W_l mean_j h_j
        active, out = torch.empty((len(nodes), h.shape[1]), dtype=torch.bool), h.new_empty((len(nodes), h.shape[1]))
        p = packed
        _sage_mix(u.numpy(), v.numpy(), bl.numpy(), p.ptr, p.neighbours, p.inv_degree, h.numpy(), classes, nodes,
                  active.numpy(), out.numpy())  # fmt: skip
        ctx.save_for_backward(h, wl, wr, active)
        ctx.packed, ctx.classes, ctx.nodes = p, classes, nodes
        return out

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> Any:
        h, wl, wr, active = ctx.saved_tensors
        p, g = ctx.packed, grad.clone()  # the kernel reuses it as scratch
        gh, gu, gv, gbl = torch.zeros_like(h), torch.zeros_like(h), torch.zeros_like(h), h.new_zeros(h.shape[1])
        _sage_mix_backward(g.numpy(), active.numpy(), p.ptr, p.neighbours, p.inv_degree, ctx.classes, ctx.nodes,
                           gh.numpy(), gu.numpy(), gv.numpy(), gbl.numpy())  # fmt: skip
        gh.addmm_(gu, wl).addmm_(gv, wr)
        return gh, gu.t().mm(h), gbl, gv.t().mm(h), None, None, None


@njit(cache=True, fastmath=True)
def _expand(h, classes, ctx, segment, out):  # fmt: skip
    rows, width = out.shape
    for i in range(rows):
        s, k = segment[i], classes[i]
        for c in range(width):
            out[i, c] = max(h[k, c] + ctx[s, c], 0.0)


@njit(cache=True, fastmath=True)
def _expand_backward(g, out, classes, segment, gh, gctx):  # fmt: skip
    rows, width = g.shape
    for i in range(rows):
        s, k = segment[i], classes[i]
        for c in range(width):  # one array written per loop: numba vectorises those
            gh[k, c] += g[i, c] if out[i, c] > 0.0 else 0.0
        for c in range(width):
            gctx[s, c] += g[i, c] if out[i, c] > 0.0 else 0.0


class Pending:
    """The last layer's gradient from the heads (:class:`Expand`), which :class:`SegmentPool`'s backward adds to.

    The pooled context feeds the heads, so the pool's backward always runs
    after :class:`Expand`'s: it adds its part in place and returns the sum,
    one pass and one autograd addition fewer.
    """

    def __init__(self) -> None:
        self.grad: torch.Tensor | None = None


class Expand(torch.autograd.Function):
    """``relu(h[classes] + ctx[segment])``: each node's head input, its (env, graph)'s context added.

    With a :class:`Pending`, the gradient of ``h`` is handed to the pool's backward instead of returned.
    """

    @staticmethod
    def forward(
        ctx: Any, h: Tensor, classes: np.ndarray, context: Tensor, segment: Tensor, pending: Pending | None
    ) -> Tensor:
        out = h.new_empty((len(classes), h.shape[1]))
        _expand(h.detach().contiguous().numpy(), classes, context.detach().contiguous().numpy(), segment.numpy(),
                out.numpy())  # fmt: skip
        ctx.save_for_backward(out, segment)
        ctx.classes, ctx.sizes, ctx.pending = classes, (h.shape[0], context.shape[0]), pending
        return out

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> Any:
        out, segment = ctx.saved_tensors
        gh, gctx = grad.new_zeros((ctx.sizes[0], grad.shape[1])), grad.new_zeros((ctx.sizes[1], grad.shape[1]))
        _expand_backward(grad.contiguous().numpy(), out.numpy(), ctx.classes, segment.numpy(), gh.numpy(),
                         gctx.numpy())  # fmt: skip
        if ctx.pending is not None:
            ctx.pending.grad = gh
            return None, None, gctx, None, None
        return gh, None, gctx, None, None


@njit(cache=True)
def _pool(h: np.ndarray, classes: np.ndarray, seg_len: np.ndarray, out: np.ndarray) -> None:
    width, start = h.shape[1], 0
    for s in range(len(seg_len)):
        size = seg_len[s]
        for c in range(width):
            out[s, c] = 0.0
            out[s, width + c] = h[classes[start], c] if size else 0.0
        for i in range(start, start + size):
            k = classes[i]
            for c in range(width):
                out[s, c] += h[k, c]
                out[s, width + c] = max(out[s, width + c], h[k, c])
        for c in range(width):
            out[s, c] /= max(size, 1)
        start += size


@njit(cache=True, fastmath=True)
def _pool_backward(h, classes, seg_len, pooled, grad, out):  # fmt: skip
    width, start = h.shape[1], 0
    ties = np.empty(width, np.float32)
    mean_part = np.empty(width, np.float32)
    max_part = np.empty(width, np.float32)
    for s in range(len(seg_len)):
        size = seg_len[s]
        for c in range(width):
            ties[c] = 0.0
        for i in range(start, start + size):
            k = classes[i]
            for c in range(width):
                ties[c] += h[k, c] == pooled[s, width + c]
        for c in range(width):  # no division per node
            mean_part[c] = grad[s, c] / max(size, 1)
            max_part[c] = grad[s, width + c] / max(ties[c], 1.0)
        for i in range(start, start + size):
            k = classes[i]
            for c in range(width):
                out[k, c] += mean_part[c] + (max_part[c] if h[k, c] == pooled[s, width + c] else 0.0)
        start += size


class SegmentPool(torch.autograd.Function):
    """Mean and max of each (env, graph)'s nodes ``h[classes]`` (contiguous segments); an empty graph pools to zeros.

    The max's gradient is shared evenly between tied nodes, as ``amax``'s is.
    """

    @staticmethod
    def forward(
        ctx: Any, h: Tensor, classes: np.ndarray, seg_len: np.ndarray, pending: Pending | None = None
    ) -> Tensor:
        hc = h.detach().contiguous()
        out = h.new_empty((len(seg_len), 2 * h.shape[1]))
        _pool(hc.numpy(), classes, seg_len, out.numpy())
        ctx.save_for_backward(hc, out)
        ctx.classes, ctx.seg_len, ctx.pending = classes, seg_len, pending
        return out

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> Any:
        h, pooled = ctx.saved_tensors
        base = ctx.pending.grad if ctx.pending is not None else None
        if ctx.pending is not None:
            ctx.pending.grad = None
        out = base if base is not None else torch.zeros_like(h)
        _pool_backward(h.numpy(), ctx.classes, ctx.seg_len, pooled.numpy(), grad.contiguous().numpy(), out.numpy())
        return out, None, None, None


@njit(cache=True, fastmath=True)
def _scatter_rows(grad: np.ndarray, index: np.ndarray, out: np.ndarray) -> None:
    for i in range(len(index)):
        k = index[i]
        for c in range(grad.shape[1]):
            out[k, c] += grad[i, c]


class GatherRows(torch.autograd.Function):
    """``table[index]`` whose backward adds the rows back in one numba loop (torch's ``index_add`` is 10x slower)."""

    @staticmethod
    def forward(ctx: Any, table: torch.Tensor, index: np.ndarray) -> torch.Tensor:
        ctx.index, ctx.rows = index, table.shape[0]
        return table.index_select(0, torch.from_numpy(index))

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> Any:
        out = grad.new_zeros((ctx.rows, grad.shape[1]))
        _scatter_rows(grad.contiguous().numpy(), ctx.index, out.numpy())
        return out, None


class Entries(NamedTuple):
    """Each legal action's head column and node(s), decoded once (aligned with :class:`Legal`'s ``actions``).

    ``end0``: the node's index within its env row (``end1``: an edge's other
    end), or ``-1 - g`` for an empty slot of graph ``g`` (a graph action: its
    graph).
    """

    column: np.ndarray  # int16
    end0: np.ndarray  # int16
    end1: np.ndarray  # int16


@njit(cache=True)
def _describe(obs, n, node_of_slot, first_node, rowptr, actions, start, column, slot, nc, out_col, out0, out1):  # fmt: skip
    edges_at = 6 * n
    for b in range(len(rowptr) - 1):
        base = first_node[b]
        for i in range(rowptr[b + 1] - rowptr[b]):
            d = start[b] + i
            a = actions[d]
            col, at = column[a], slot[a]
            out_col[d] = col
            out1[d] = 0
            if col < nc:
                k = node_of_slot[b, at]
                out0[d] = k - base if k >= 0 else k + 2 * b
            elif col < nc + 2:
                ka = node_of_slot[b, min(max(obs[b, edges_at + 2 * at], 0), 2 * n - 1)]
                kb = node_of_slot[b, min(max(obs[b, edges_at + 2 * at + 1], 0), 2 * n - 1)]
                out0[d] = ka - base if ka >= 0 else ka + 2 * b
                out1[d] = kb - base if kb >= 0 else kb + 2 * b
            else:
                out0[d] = -1 - at


@njit(cache=True, fastmath=True)
def _dot(a: np.ndarray, i: int, w: np.ndarray, j: int) -> float:
    acc = np.float32(0.0)
    for c in range(a.shape[1]):
        acc += a[i, c] * w[j, c]
    return acc


@njit(cache=True, fastmath=True)
def _heads(x, pad, weights, bias, graph, first_node, rowptr, start, cols, end0, end1, b0, b1, table, z):  # fmt: skip
    """The logits of env rows ``[b0, b1)``'s entries; ``table`` (``x @ weights^T + bias`` from ``b0``'s first node) or dots.

    No array views in these loops: each would cost a reference count.
    """
    nc, dense, node0 = weights.shape[0] - 2, table.shape[0] > 0, first_node[b0]
    for b in range(b0, b1):
        shift, base = start[b] - rowptr[b], first_node[b]
        for i in range(rowptr[b], rowptr[b + 1]):
            col, e0 = cols[shift + i], end0[shift + i]
            if col < nc:  # a node's
                if e0 < 0:
                    z[i] = _dot(pad, 2 * b - 1 - e0, weights, col) + bias[col]
                elif dense:
                    z[i] = table[base + e0 - node0, col]
                else:
                    z[i] = _dot(x, base + e0, weights, col) + bias[col]
            elif col < nc + 2:  # an edge's: the head at the sum of its ends
                e1 = end1[shift + i]
                if dense and e0 >= 0 and e1 >= 0:
                    z[i] = table[base + e0 - node0, col] + table[base + e1 - node0, col] - bias[col]
                else:
                    ka = base + e0 if e0 >= 0 else -1
                    kb = base + e1 if e1 >= 0 else -1
                    acc = np.float32(0.0)
                    for c in range(x.shape[1]):
                        va = x[ka, c] if ka >= 0 else pad[2 * b - 1 - e0, c]
                        vb = x[kb, c] if kb >= 0 else pad[2 * b - 1 - e1, c]
                        acc += (va + vb) * weights[col, c]
                    z[i] = acc + bias[col]
            else:
                z[i] = graph[4 * b + 2 * (-1 - e0) + col - nc - 2]


@njit(cache=True)
def _heads_grad_table(grad, first_node, rowptr, start, cols, end0, end1, b0, b1, table, pad_table, g_bias, g_graph):  # fmt: skip
    """The entries' gradients of env rows ``[b0, b1)`` at ``(node - first node of b0, column)`` (edges: both ends)."""
    nc, node0 = table.shape[1] - 2, first_node[b0]
    for b in range(b0, b1):
        shift, base = start[b] - rowptr[b], first_node[b]
        for i in range(rowptr[b], rowptr[b + 1]):
            col, g = cols[shift + i], grad[i]
            if col < nc + 2:
                for end in range(1 if col < nc else 2):
                    e = end0[shift + i] if end == 0 else end1[shift + i]
                    if e >= 0:
                        table[base + e - node0, col] += g
                    else:
                        pad_table[2 * b - 1 - e, col] += g
                g_bias[col] += g
            else:
                g_graph[4 * b + 2 * (-1 - end0[shift + i]) + col - nc - 2] += g


@njit(cache=True, fastmath=True)
def _heads_grad_entries(
    grad, x, weights, first_node, rowptr, start, cols, end0, end1, b0, b1, gx, g_weights, pad_table, g_bias, g_graph,
):  # fmt: skip
    """:func:`_heads_grad_table`'s sparse twin: each entry's updates of ``gx`` and ``g_weights`` directly."""
    nc, width = weights.shape[0] - 2, x.shape[1]
    for b in range(b0, b1):
        shift, base = start[b] - rowptr[b], first_node[b]
        for i in range(rowptr[b], rowptr[b + 1]):
            col, g = cols[shift + i], grad[i]
            if col < nc + 2:
                for end in range(1 if col < nc else 2):
                    e = end0[shift + i] if end == 0 else end1[shift + i]
                    if e >= 0:
                        k = base + e
                        for c in range(width):  # one array written per loop: numba vectorises those
                            gx[k, c] += g * weights[col, c]
                        for c in range(width):
                            g_weights[col, c] += g * x[k, c]
                    else:
                        pad_table[2 * b - 1 - e, col] += g
                g_bias[col] += g
            else:
                g_graph[4 * b + 2 * (-1 - end0[shift + i]) + col - nc - 2] += g


#: entries per node above which a block goes through a (node, column) table and matrix products
DENSE_ENTRIES_PER_NODE = 6
#: env rows per block of the heads: a (nodes x columns) table of at most ~6 MB (no page faults)
BLOCK_ROWS = 256


class LegalHeads(torch.autograd.Function):
    """The node, edge and graph heads evaluated at each row's legal actions only (flat, CSR order).

    A node action's logit is the node head's column at its node, an edge
    action's the edge head's at the sum of its two ends, a graph action's the
    graph head's: what :meth:`PlumbingGraphActorCritic.forward` puts at that
    action, without the ``(B, n_actions)`` tensor. ``weights``, ``bias``: the
    node head's columns, then the edge head's.

    Block by block of env rows: where the entries are many per node (the
    extrusions of graphs with room), the heads at every node of the block
    (one ``x @ weights^T``) and, backward, a (node, column) gradient table and
    two matrix products; where they are few, a dot product per entry and
    16-float updates (which numba leaves scalar).
    """

    @staticmethod
    def forward(
        ctx: Any, x: torch.Tensor, pad: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor, graph: torch.Tensor,
        plan: tuple,
    ) -> torch.Tensor:  # fmt: skip
        x, pad, weights, bias, graph = (t.detach().contiguous() for t in (x, pad, weights, bias, graph))
        first_node, rowptr, start, entries = plan
        z, none = x.new_empty(int(rowptr[-1])), x.new_empty((0, weights.shape[0]))
        blocks = _blocks(rowptr, first_node)
        for b0, b1, n0, n1, dense in blocks:
            table = torch.addmm(bias, x[n0:n1], weights.t()) if dense else none
            _heads(x.numpy(), pad.numpy(), weights.numpy(), bias.numpy(), graph.numpy(), first_node, rowptr, start,
                   *entries, b0, b1, table.numpy(), z.numpy())  # fmt: skip
        ctx.save_for_backward(x, pad, weights, graph)
        ctx.plan, ctx.blocks = plan, blocks
        return z

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> Any:
        """Per entry ``d z / d x = W[column]``, ``d z / d W[column] = x`` (the table: ``table @ W``, ``table^T @ x``)."""
        x, pad, weights, graph = ctx.saved_tensors
        first_node, rowptr, start, entries = ctx.plan
        gx, g_weights = torch.empty_like(x), torch.zeros_like(weights)
        pad_table = x.new_zeros((pad.shape[0], weights.shape[0]))
        g_bias, g_graph = x.new_zeros(weights.shape[0]), torch.zeros_like(graph)
        g = grad.contiguous().numpy()
        size = max((n1 - n0 for _, _, n0, n1, dense in ctx.blocks if dense), default=0)
        buffer = x.new_empty((size, weights.shape[0]))
        for b0, b1, n0, n1, dense in ctx.blocks:
            if not dense:
                gx[n0:n1].zero_()
                _heads_grad_entries(g, x.numpy(), weights.numpy(), first_node, rowptr, start, *entries, b0, b1,
                                    gx.numpy(), g_weights.numpy(), pad_table.numpy(), g_bias.numpy(), g_graph.numpy())  # fmt: skip
                continue
            table = buffer[: n1 - n0]
            table.zero_()
            _heads_grad_table(g, first_node, rowptr, start, *entries, b0, b1, table.numpy(), pad_table.numpy(),
                              g_bias.numpy(), g_graph.numpy())  # fmt: skip
            torch.mm(table, weights, out=gx[n0:n1])
            g_weights.addmm_(table.t(), x[n0:n1])
        g_weights.addmm_(pad_table.t(), pad)
        return gx, pad_table @ weights, g_weights, g_bias, g_graph, None


def _blocks(rowptr: np.ndarray, first_node: np.ndarray) -> list[tuple[int, int, int, int, bool]]:
    """``(b0, b1, n0, n1, dense)``: blocks of :data:`BLOCK_ROWS` env rows, their nodes, and which way to go."""
    rows, out = len(rowptr) - 1, []
    for b0 in range(0, rows, BLOCK_ROWS):
        b1 = min(rows, b0 + BLOCK_ROWS)
        n0, n1 = int(first_node[b0]), int(first_node[b1])
        out.append((b0, b1, n0, n1, bool(rowptr[b1] - rowptr[b0] >= DENSE_ENTRIES_PER_NODE * max(n1 - n0, 1))))
    return out
