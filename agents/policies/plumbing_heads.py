"""A graph actor-critic for the batched trainers on Kirby-Plumbing: message passing over both graphs, per-place heads.

Kirby-Plumbing's actions act at a place: a node (blow up a vertex, blow down,
absorb or split a 0-vertex, extrude a 0-vertex with ``d`` and a subset of
neighbours), an edge (blow up an edge) or a whole graph (a disjoint blow-up);
see :mod:`rigorgym.envs.kirby_plumbing.actions`. So the network scores each
move where it acts, like the factored UnKnot head does on word positions:

* node embeddings from the weight (an embedding of the small weights, where
  the moves live, plus the scaled weight), the degree and the graph;
* ``depth`` residual torch-geometric layers over the two graphs of every env
  at once (one batched ``edge_index``, ``b * 2N + slot`` numbering);
* per graph, a context: the mean and max of its node embeddings; each node and
  edge head sees its own graph's context and the other graph's (the goal is
  to make the two graphs meet);
* a node head (``5 + extrude_block`` columns), an edge head (2 columns: the
  two signs) and a graph head (the disjoint blow-up's 2 signs), scattered to
  the flat action index in the env's :class:`ActionLayout` order by slices
  (:meth:`PlumbingGraphActorCritic.to_actions`, tested against
  :func:`action_places`, which reads ``ActionLayout.decode``); the value
  from both contexts.

The batched trainers take flat observations: :class:`FlatPlumbingObservation`
concatenates the ``Dict`` observation's arrays as int16 rows
(:func:`flatten_plumbing`, also what a trained agent's ``act`` does with a
single env's observation), and the network takes them apart again.

Two ways to the same function: :meth:`PlumbingGraphActorCritic.forward` gives the dense
``(B, n_actions)`` logits (acting, the other trainers); PPO's rollout and update use
:meth:`~PlumbingGraphActorCritic.legal_logits`, the logits of each row's legal actions only,
built from the pieces of :mod:`.plumbing_legal` (issue 19).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from gymnasium.vector import VectorObservationWrapper
from torch import nn
from torch.nn import functional as F

from .plumbing_legal import (  # noqa: F401  (pack and node_classes re-exported for the tests)
    MAX_DEGREE,
    SMALL_WEIGHT,
    EmbedSage,
    Entries,
    Expand,
    GatherRows,
    LegalHeads,
    Packed,
    Pending,
    Prepared,
    SageLayer,
    SegmentPool,
    _describe,
    _local_classes,
    env_nodes,
    node_classes,
    pack,
)

#: the ``Dict`` keys in the order of the flat row
KEYS = ("nodes", "edges", "node_mask", "edge_mask")


def flat_size(max_nodes: int) -> int:
    """Length of a flat row: ``2N x 3`` node rows, ``2(N-1) x 2`` edges, ``2N`` + ``2(N-1)`` mask entries."""
    n = max_nodes
    return 2 * n * 3 + 2 * (n - 1) * 2 + 2 * n + 2 * (n - 1)


def flatten_plumbing(obs: dict[str, np.ndarray]) -> np.ndarray:
    """The ``Dict`` observation (one env's, or a batch's) as int16 rows, :data:`KEYS` in order."""
    nodes = np.asarray(obs["nodes"])
    batch = nodes.shape[:-2]
    parts = [np.asarray(obs[key]).reshape(*batch, -1) for key in KEYS]
    return np.concatenate(parts, axis=-1).astype(np.int16)


def flat_space(space: spaces.Dict) -> spaces.Box:
    """The Box of :func:`flatten_plumbing` rows for a single env's ``Dict`` space."""
    lows, highs = [], []
    for key in KEYS:
        sub = space[key]
        if isinstance(sub, spaces.MultiBinary):
            lows.append(np.zeros(int(np.prod(sub.shape))))
            highs.append(np.ones(int(np.prod(sub.shape))))
        else:
            lows.append(np.asarray(sub.low, np.float64).reshape(-1))
            highs.append(np.asarray(sub.high, np.float64).reshape(-1))
    low, high = np.concatenate(lows), np.concatenate(highs)
    if low.min() < np.iinfo(np.int16).min or high.max() > np.iinfo(np.int16).max:
        raise ValueError("plumbing observations beyond int16 (weight_limit > 32767) have no flat form")
    return spaces.Box(low.astype(np.int16), high.astype(np.int16), dtype=np.int16)


def is_plumbing_space(space: Any) -> bool:
    return isinstance(space, spaces.Dict) and set(space.spaces) == set(KEYS)


class FlatPlumbingObservation(VectorObservationWrapper):
    """A Kirby-Plumbing vector env with :func:`flatten_plumbing` rows as its observations (int16 Box)."""

    def __init__(self, env: gym.vector.VectorEnv) -> None:
        super().__init__(env)
        if not is_plumbing_space(env.single_observation_space):
            raise ValueError(f"not a Kirby-Plumbing observation space: {env.single_observation_space}")
        self.single_observation_space = flat_space(env.single_observation_space)
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space, env.num_envs)

    def observations(self, observations: Any) -> Any:
        return flatten_plumbing(observations)


def action_places(max_nodes: int, extrude_d: int, extrude_neighbours: int) -> np.ndarray:
    """For each flat action, its entry in ``[node logits (2N x C_node) | edge logits (2(N-1) x 2) | graph (2 x 2)]``."""
    from rigorgym.envs.kirby_plumbing import actions as A

    layout = A.ActionLayout(max_nodes, extrude_d, extrude_neighbours)
    n, node_columns = max_nodes, 5 + layout.extrude_block
    edges_start = 2 * n * node_columns
    graphs_start = edges_start + 2 * (n - 1) * 2
    entry = np.empty(layout.n_actions, np.int64)
    for action in range(layout.n_actions):
        d = layout.decode(action)
        sign = int(d.param == -1)
        if d.op == A.BLOWUP_EDGE:
            entry[action] = edges_start + (d.graph * (n - 1) + d.place) * 2 + sign
        elif d.op == A.BLOWUP_DISJOINT:
            entry[action] = graphs_start + d.graph * 2 + sign
        else:
            if d.op == A.BLOWUP_VERTEX:
                column = sign
            elif d.op == A.EXTRUDE_ZERO:
                column = 5 + ((d.param + extrude_d) << extrude_neighbours) + d.subset
            else:  # blowdown, absorb_zero, split_zero_leaf
                column = 2 + (d.op - A.BLOWDOWN)
            entry[action] = (d.graph * n + d.place) * node_columns + column
    return entry


# -- the legal-only path: packed real nodes, numba kernels --------------------------------------------


def action_heads(max_nodes: int, extrude_d: int, extrude_neighbours: int) -> tuple[np.ndarray, np.ndarray]:
    """For each flat action, ``(column, slot)``: which head column scores it, and where.

    Columns ``0 .. C-1`` are the node head's (blow-up, local, extrude, as in
    :func:`action_places`) at node slot ``g N + place``; ``C, C+1`` the edge
    head's at edge slot ``g (N-1) + place``; ``C+2, C+3`` the graph head's at
    graph ``g``.
    """
    n = max_nodes
    node_columns = 5 + ((2 * extrude_d + 1) << extrude_neighbours)
    entry = action_places(max_nodes, extrude_d, extrude_neighbours)
    edges_start = 2 * n * node_columns
    graphs_start = edges_start + 2 * (n - 1) * 2
    column = np.where(entry < edges_start, entry % node_columns, 0)
    slot = np.where(entry < edges_start, entry // node_columns, 0)
    edge, graph = (entry >= edges_start) & (entry < graphs_start), entry >= graphs_start
    column[edge], slot[edge] = node_columns + (entry[edge] - edges_start) % 2, (entry[edge] - edges_start) // 2
    column[graph], slot[graph] = (
        node_columns + 2 + (entry[graph] - graphs_start) % 2,
        (entry[graph] - graphs_start) // 2,
    )
    return column.astype(np.int16), slot.astype(np.int16)  # small tables: they stay in L1


class PlumbingGraphActorCritic(nn.Module):
    """Both graphs of every env through torch-geometric layers; node, edge and graph heads; a value."""

    def __init__(self, spec: Any, width: int = 32, depth: int = 3, conv: str = "sage") -> None:
        super().__init__()
        from .gnn import make_conv

        if spec.game != "plumbing":
            raise ValueError(
                f"the gnn policy of the batched trainers is for Kirby-Plumbing envs, got a {spec.game!r} env"
            )
        if width < 1 or depth < 0:
            raise ValueError(f"gnn: width >= 1 and depth >= 0 needed, got {width}, {depth}")
        self.n = spec.max_nodes
        self.scale = float(spec.obs_scale)
        self.node_columns = 5 + ((2 * spec.extrude_d + 1) << spec.extrude_neighbours)
        # one table over (small weight or "larger", degree, graph): one embedding backward, not three (measured)
        self.nodes = nn.Embedding((2 * SMALL_WEIGHT + 2) * (MAX_DEGREE + 1) * 2, width)
        self.weight_in = nn.Linear(1, width)
        self.convs = nn.ModuleList(make_conv(conv, width, width) for _ in range(depth))
        self.context = nn.Sequential(nn.Linear(4 * width, width), nn.ReLU())  # own mean, max; other's mean, max
        self.node_in = nn.Linear(2 * width, width)
        self.blowup_head = nn.Linear(width, 2)  # blow-up at the vertex, sign +1 and -1
        self.local_head = nn.Linear(width, 3)  # blowdown, absorb_zero, split_zero_leaf
        self.extrude_head = nn.Linear(width, self.node_columns - 5)  # extrude_zero: d, then the neighbour subset
        self.edge_head = nn.Linear(width, 2)
        self.graph_head = nn.Linear(2 * width, 2)
        self.critic = nn.Sequential(nn.Linear(2 * width, width), nn.ReLU(), nn.Linear(width, 1))
        for head in (self.blowup_head, self.local_head, self.extrude_head, self.edge_head, self.graph_head):
            nn.init.orthogonal_(head.weight, 0.01)
            nn.init.zeros_(head.bias)
        self.layout = (spec.max_nodes, spec.extrude_d, spec.extrude_neighbours)
        self._columns: tuple[np.ndarray, np.ndarray] | None = None  # action_heads(), built on first use

    def split(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Flat rows -> ``nodes (B, 2N, 3)``, ``edges (B, 2(N-1), 2)``, ``node_mask (B, 2N)``, ``edge_mask``."""
        n, bsz = self.n, obs.shape[0]
        sizes = (2 * n * 3, 2 * (n - 1) * 2, 2 * n, 2 * (n - 1))
        nodes, edges, node_mask, edge_mask = torch.split(obs, sizes, dim=1)
        return (
            nodes.reshape(bsz, 2 * n, 3),
            edges.reshape(bsz, 2 * (n - 1), 2).long(),
            node_mask.bool(),
            edge_mask.bool(),
        )

    @staticmethod
    def to_actions(per_graph: Sequence[tuple[torch.Tensor, ...]]) -> torch.Tensor:
        """The heads' logits in the env's flat action order, by reshapes and one concatenation.

        ``per_graph``: for graph 0 and graph 1, the blow-up head ``(B, N, 2)``,
        the local head ``(B, N, 3)``, the extrude head ``(B, N, E)``, the edge
        head ``(B, N-1, 2)`` and the graph head ``(B, 2)``. Per graph the
        layout's blocks are slot-major (:mod:`rigorgym.envs.kirby_plumbing.actions`):
        blow-up at a vertex (sign minor), at an edge, disjoint, blowdown,
        absorb, split, extrude (``d`` then subset minor). Same result as
        ``index_select`` by :func:`action_places` (tested), whose backward (an
        ``index_add``), like that of slicing one wide node head, cost more
        than the rest of the update.
        """
        blocks = []
        for blowup, local, extrude, edges, graph in per_graph:
            bsz = blowup.shape[0]
            blocks += [blowup.reshape(bsz, -1), edges.reshape(bsz, -1), graph, local.transpose(1, 2).reshape(bsz, -1),
                       extrude.reshape(bsz, -1)]  # fmt: skip
        return torch.cat(blocks, 1)

    def _sage(self) -> bool:
        """Whether every conv is torch-geometric's default SAGEConv (mean, root weight): the numba aggregation."""
        from torch_geometric.nn import SAGEConv

        return all(
            isinstance(c, SAGEConv) and str(c.aggr) == "mean" and c.root_weight and not c.project and not c.normalize
            for c in self.convs
        )

    def prepare(self, obs: torch.Tensor, legal: Any | None = None) -> Prepared:
        """What :meth:`legal_logits` of minibatches of ``obs``'s rows (``rows=``) can share.

        A PPO update scores each rollout row once per epoch: the node classes
        (:func:`node_classes`) and the decoding of ``legal``'s actions are done
        once, and each minibatch renumbers its share.
        """
        p = pack(obs, self.n)
        first, second = node_classes(p)
        counts = (int(first.max(initial=-1)) + 1, int(second.max(initial=-1)) + 1)
        nodes = env_nodes(p.seg_len)
        entries = None if legal is None else self._describe(obs, p, nodes, legal)
        return Prepared(first, second, nodes, counts, entries)

    def _describe(self, obs: torch.Tensor, p: Packed, nodes: np.ndarray, legal: Any) -> Entries:
        if self._columns is None:
            self._columns = action_heads(*self.layout)
        size = len(legal.actions)
        out = Entries(np.empty(size, np.int16), np.empty(size, np.int16), np.empty(size, np.int16))
        _describe(np.ascontiguousarray(obs.numpy()), self.n, p.node_of_slot, nodes, legal.rowptr, legal.actions,
                  legal.start, *self._columns, self.node_columns, *out)  # fmt: skip
        return out

    def legal_logits(
        self, obs: torch.Tensor, legal: Any | None, prepared: Prepared | None = None, rows: np.ndarray | None = None
    ) -> tuple[torch.Tensor | None, torch.Tensor]:
        """The logits of each row's legal actions only (flat, in ``legal``'s CSR order) and the value (CPU).

        ``legal``: a :class:`~rigorgym.agents.algos.masked.Legal` for ``obs``'s
        rows (None: the value alone). The same function as :meth:`forward` at
        those actions (tested: values and gradients), computed on the real
        nodes only: message passing over the packed graphs, the heads at the
        legal actions' places (numba), no ``(B, n_actions)`` tensor. With
        ``prepared`` (:meth:`prepare` of a batch and its legal lists) and
        ``rows`` (``obs`` are those rows of it, ``legal`` a
        :func:`~rigorgym.agents.algos.masked.take_rows` of those lists), each
        SAGE layer runs once per class of equal nodes and the actions come
        decoded.
        """
        n, bsz = self.n, obs.shape[0]
        p = pack(obs, n)
        nodes, count = env_nodes(p.seg_len), len(p.inv_degree)
        first = second = np.arange(count)
        reps1 = reps2 = first
        if prepared is not None and rows is not None:
            rows = np.asarray(rows, np.int64)
            first, reps1 = _local_classes(rows, prepared.env_nodes, nodes, prepared.first, prepared.counts[0])
            second, reps2 = _local_classes(rows, prepared.env_nodes, nodes, prepared.second, prepared.counts[1])
        ws = (p.weight / self.scale).reshape(-1)
        table = self.nodes.weight + self.weight_in.bias  # h0 = table[embed] + w W_in
        w_in = self.weight_in.weight[:, 0]
        if self._sage() and 1 <= len(self.convs):
            c = self.convs[0]
            wl, bl, wr = c.lin_l.weight, c.lin_l.bias, c.lin_r.weight
            h = EmbedSage.apply(table, table @ wl.t(), table @ wr.t(), w_in, wl @ w_in, wr @ w_in, bl, p, ws, reps1)
            last = first
            if len(self.convs) >= 2:
                c = self.convs[1]
                h = SageLayer.apply(h, c.lin_l.weight, c.lin_l.bias, c.lin_r.weight, p, first, reps2)
                last = second
            if len(self.convs) >= 3:  # further layers on every node (classes of two rounds only)
                h, last = GatherRows.apply(h, last), np.arange(count)
                for c in self.convs[2:]:
                    h = SageLayer.apply(h, c.lin_l.weight, c.lin_l.bias, c.lin_r.weight, p, last, last)
        else:
            h, last = F.embedding(p.embed, table) + ws[:, None] * w_in, np.arange(count)
            edge_index = self._edge_index(p)
            for c in self.convs:
                h = h + torch.relu(c(h, edge_index))
        pending = Pending() if legal is not None else None
        own = SegmentPool.apply(h, last, p.seg_len, pending).reshape(bsz, 2, -1)
        ctx = self.context(torch.cat([own, own.flip(1)], 2))
        pair = torch.cat([ctx, ctx.flip(1)], 2)
        value = self.critic(torch.cat([ctx[:, 0], ctx[:, 1]], 1)).squeeze(-1)
        if legal is None:
            return None, value
        node_ctx = self.node_in(pair).reshape(2 * bsz, -1)  # (env, graph) rows
        x = Expand.apply(h, last, node_ctx, p.segment, pending)
        pad = torch.relu(node_ctx)  # an empty slot's head input: its embedding is zero
        heads = (self.blowup_head, self.local_head, self.extrude_head, self.edge_head)  # action_heads()' columns
        weights, bias = torch.cat([h.weight for h in heads]), torch.cat([h.bias for h in heads])
        graph = self.graph_head(pair).reshape(-1)
        entries = prepared.entries if prepared is not None and rows is not None else None
        if entries is None:
            entries = self._describe(obs, p, nodes, legal)
        z = LegalHeads.apply(x, pad, weights, bias, graph, (nodes, legal.rowptr, legal.start, entries))
        return z, value

    @staticmethod
    def _edge_index(p: Packed) -> torch.Tensor:
        """The packed CSR as torch-geometric's ``edge_index`` (source, target): other convs than SAGE."""
        counts = np.diff(p.ptr)
        target = np.repeat(np.arange(len(counts)), counts)
        return torch.from_numpy(np.stack([p.neighbours, target]))

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        n, bsz = self.n, obs.shape[0]
        nodes, edges, node_mask, edge_mask = self.split(obs)
        weight = nodes[..., 0].long()
        small = torch.where(weight.abs() <= SMALL_WEIGHT, weight + SMALL_WEIGHT, 2 * SMALL_WEIGHT + 1)
        valid = node_mask.unsqueeze(2).float()
        degree, graph = nodes[..., 1].long().clamp(0, MAX_DEGREE), nodes[..., 2].long().clamp(0, 1)
        h = (
            self.nodes((small * (MAX_DEGREE + 1) + degree) * 2 + graph)
            + self.weight_in(nodes[..., 0:1].float() / self.scale)
        ) * valid  # (B, 2N, C); padding slots stay zero
        # one batched graph: env b's slot s is node b * 2N + s; both directions of every real edge
        offset = (torch.arange(bsz, device=obs.device) * 2 * n)[:, None]
        src = (edges[..., 0] + offset)[edge_mask]
        dst = (edges[..., 1] + offset)[edge_mask]
        edge_index = torch.stack([torch.cat([src, dst]), torch.cat([dst, src])])
        flat = h.reshape(bsz * 2 * n, -1)
        for conv in self.convs:
            flat = flat + torch.relu(conv(flat, edge_index)) * valid.reshape(-1, 1)
        h = flat.reshape(bsz, 2, n, -1)  # (B, graph, slot, C)
        mask = node_mask.reshape(bsz, 2, n, 1)
        count = mask.sum(2).clamp(min=1).float()
        mean = (h * mask).sum(2) / count  # (B, 2, C)
        peak = h.masked_fill(~mask, -1e4).amax(2)
        peak = torch.where(mask.any(2), peak, torch.zeros_like(peak))
        own = torch.cat([mean, peak], 2)  # (B, 2, 2C)
        ctx = self.context(torch.cat([own, own.flip(1)], 2))  # (B, 2, C): each graph's view of the pair
        node_in = torch.relu(h + self.node_in(torch.cat([ctx, ctx.flip(1)], 2))[:, :, None, :])  # (B, 2, N, C)
        h_flat = node_in.reshape(bsz, 2 * n, -1)
        ends = edges.clamp(0, 2 * n - 1)
        pick = torch.gather(h_flat, 1, ends.reshape(bsz, -1, 1).expand(-1, -1, h_flat.shape[2]))
        pick = pick.reshape(bsz, ends.shape[1], 2, -1).sum(2)
        edge_logits = self.edge_head(pick).reshape(bsz, 2, n - 1, 2)
        graph_logits = self.graph_head(torch.cat([ctx, ctx.flip(1)], 2))  # (B, 2, 2)
        per_graph = []
        for g in range(2):
            x = node_in[:, g]  # (B, N, C)
            per_graph.append((self.blowup_head(x), self.local_head(x), self.extrude_head(x), edge_logits[:, g],
                              graph_logits[:, g]))  # fmt: skip
        logits = self.to_actions(per_graph)
        value = self.critic(torch.cat([ctx[:, 0], ctx[:, 1]], 1)).squeeze(-1)
        return logits, value


__all__ = [
    "KEYS",
    "FlatPlumbingObservation",
    "EmbedSage",
    "Entries",
    "Expand",
    "GatherRows",
    "LegalHeads",
    "Packed",
    "PlumbingGraphActorCritic",
    "Prepared",
    "SageLayer",
    "SegmentPool",
    "action_heads",
    "action_places",
    "flat_size",
    "flat_space",
    "flatten_plumbing",
    "is_plumbing_space",
    "node_classes",
    "pack",
]
