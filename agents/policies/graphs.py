"""Batched graph views of the padded observations, built in torch for GNN policies.

SB3 and RLlib hand a policy a batch of padded observations (SB3 rejects
``gymnasium.spaces.Graph``), so each game's graph is rebuilt here, in torch and
without Python loops over the batch, as one disjoint-union graph:

* ``UnKnot-v0`` (flat or dict observation): one node per letter of the braid
  word, features ``[|g| / (max_strands - 1), sign]``; edges between
  neighbouring letters (cyclically: the closure) and between letters up to
  three apart whose generators are equal or adjacent (they interact through
  the braid and commutation relations). Slots: one per word position.
* ``Kirby-Plumbing-v0``: the live nodes of both forests, features
  ``[weight / weight_limit, degree / max_nodes, graph]``, the live edges.
  Slots: one per padded node row.
* ``Ribbon-v0``: one node per crossing, feature ``sign``; an edge wherever two
  crossings share a PD label (an arc of the diagram). Slots: one per candidate
  band, pointing at the two crossings its feet sit on.

``slots`` (``(B, S, P)`` node indices into the batch, ``-1`` where absent) lets
a policy read node embeddings at the places the actions act on: word
positions, plumbing nodes, band feet. This is hand-written because each env's
padding is its own; the message passing itself is torch-geometric's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from gymnasium import spaces

Observation = torch.Tensor | dict[str, torch.Tensor]


@dataclass
class GraphBatch:
    """A disjoint union of the batch's graphs (torch-geometric's ``x, edge_index, batch`` convention)."""

    x: torch.Tensor  # (N, F) float
    edge_index: torch.Tensor  # (2, E) long
    batch: torch.Tensor  # (N,) long: the observation each node belongs to
    num_graphs: int
    slots: torch.Tensor  # (B, S, P) long: node indices, -1 where absent


#: The games whose observations have a graph view (the env ids of the games table).
GRAPH_GAMES = ("UnKnot-v0", "Kirby-Plumbing-v0", "Ribbon-v0")


def game_of_space(space: spaces.Space[Any]) -> str:
    """Which game a (padded) observation space belongs to: 'unknot', 'plumbing' or 'ribbon'."""
    if isinstance(space, spaces.Box) and len(space.shape) == 1 and np.issubdtype(space.dtype, np.integer):
        return "unknot"  # the flat braid observation: strand count, then the padded word (integers)
    if isinstance(space, spaces.Dict):
        keys = set(space.spaces)
        if {"strands", "word"} <= keys:
            return "unknot"
        if {"nodes", "edges", "node_mask", "edge_mask"} <= keys:
            return "plumbing"
        if {"pd", "crossing_mask", "signs", "band_mask"} <= keys:  # Ribbon-v0's (Ribbon-PD-v0 has no graph view yet)
            return "ribbon"
    raise ValueError(f"no graph view for observation space {space}")


def node_features(game: str) -> int:
    return {"unknot": 2, "plumbing": 3, "ribbon": 1}[game]


def slot_pointers(game: str) -> int:
    return 2 if game == "ribbon" else 1


def slot_count(game: str, space: spaces.Space[Any]) -> int:
    if game == "unknot":
        return int(space["word"].shape[0]) if isinstance(space, spaces.Dict) else int(space.shape[0]) - 1
    if game == "plumbing":
        return int(space["nodes"].shape[0])
    return int(space["bands"].shape[0])


def _compact(valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Node numbering for the valid entries of a ``(B, S)`` mask: (index map with -1, batch vector, rows)."""
    flat = valid.reshape(-1)
    index = torch.cumsum(flat.long(), 0) - 1
    index = torch.where(flat, index, torch.full_like(index, -1)).reshape(valid.shape)
    b, _ = torch.nonzero(valid, as_tuple=True)
    return index, b, flat


def unknot_graph(obs: Observation, max_strands: int) -> GraphBatch:
    if isinstance(obs, dict):
        word = obs["word"].long()
    else:
        word = obs[:, 1:].long()
    bsz, length = word.shape
    valid = word != 0
    index, batch, flat = _compact(valid)
    gen = word.abs().float()
    x = torch.stack([gen / max(max_strands - 1, 1), torch.sign(word.float())], dim=-1).reshape(-1, 2)[flat]
    sources, targets = [], []
    lengths = valid.sum(1)
    pos = torch.arange(length, device=word.device).expand(bsz, length)
    # cyclic neighbours: i -> (i + 1) mod len(word)
    nxt = torch.where(lengths[:, None] > 0, (pos + 1) % lengths.clamp(min=1)[:, None], pos)
    ok = valid & (lengths[:, None] > 1)
    sources.append(index[ok])
    targets.append(index.gather(1, nxt)[ok])
    for d in (2, 3):
        if length <= d:
            break
        a, b = valid[:, :-d], valid[:, d:]
        near = a & b & ((gen[:, :-d] - gen[:, d:]).abs() <= 1)
        sources.append(index[:, :-d][near])
        targets.append(index[:, d:][near])
    src, dst = torch.cat(sources), torch.cat(targets)
    edge_index = torch.stack([torch.cat([src, dst]), torch.cat([dst, src])])
    return GraphBatch(x, edge_index, batch, bsz, index[:, :, None])


def plumbing_graph(obs: dict[str, torch.Tensor], weight_limit: float, max_nodes: int) -> GraphBatch:
    nodes = obs["nodes"].float()
    valid = obs["node_mask"].bool()
    bsz, slots, _ = nodes.shape
    index, batch, flat = _compact(valid)
    scale = torch.tensor([max(weight_limit, 1.0), max(max_nodes - 1, 1), 1.0], device=nodes.device)
    x = (nodes / scale).reshape(-1, 3)[flat]
    edges = obs["edges"].long().clamp(0, slots - 1)
    live = obs["edge_mask"].bool()
    src = index.gather(1, edges[..., 0])[live]
    dst = index.gather(1, edges[..., 1])[live]
    keep = (src >= 0) & (dst >= 0)
    src, dst = src[keep], dst[keep]
    edge_index = torch.stack([torch.cat([src, dst]), torch.cat([dst, src])])
    return GraphBatch(x, edge_index, batch, bsz, index[:, :, None])


def ribbon_graph(obs: dict[str, torch.Tensor]) -> GraphBatch:
    pd = obs["pd"].long()
    valid = obs["crossing_mask"].bool()
    bsz, n, _ = pd.shape
    index, batch, flat = _compact(valid)
    x = obs["signs"].float().reshape(-1, 1)[flat]
    # each PD label occurs at two crossings: sort (observation, label) keys, pair equal neighbours
    labels = torch.where(valid[..., None], pd, torch.full_like(pd, -1))
    owner = index[..., None].expand(bsz, n, 4)
    key = torch.arange(bsz, device=pd.device)[:, None, None] * (2 * n + 1) + labels
    key, owner, labels = key.reshape(-1), owner.reshape(-1), labels.reshape(-1)
    live = labels >= 0
    key, owner = key[live], owner[live]
    order = torch.argsort(key, stable=True)
    key, owner = key[order], owner[order]
    pair = key[1:] == key[:-1]
    src, dst = owner[:-1][pair], owner[1:][pair]
    edge_index = torch.stack([torch.cat([src, dst]), torch.cat([dst, src])])
    bands = obs["bands"].long()
    band_live = obs["band_mask"].bool()
    feet = torch.stack([bands[..., 0], bands[..., 2]], dim=-1).clamp(0, n - 1)  # (B, m, 2) crossings
    slots = index.gather(1, feet.reshape(bsz, -1)).reshape(feet.shape)
    slots = torch.where(band_live[..., None], slots, torch.full_like(slots, -1))
    return GraphBatch(x, edge_index, batch, bsz, slots)


class GraphBuilder:
    """Builds a :class:`GraphBatch` for one observation space (picked once, applied to every batch)."""

    def __init__(self, space: spaces.Space[Any]) -> None:
        self.game = game_of_space(space)
        self.features = node_features(self.game)
        self.slots = slot_count(self.game, space)
        self.pointers = slot_pointers(self.game)
        if self.game == "unknot":
            strands = space["strands"] if isinstance(space, spaces.Dict) else None
            self.max_strands = int(strands.high.max()) if strands is not None else int(space.high[0])
        elif self.game == "plumbing":
            self.weight_limit = float(space["nodes"].high[:, 0].max())
            self.max_nodes = int(space["nodes"].shape[0]) // 2

    def __call__(self, obs: Observation) -> GraphBatch:
        if self.game == "unknot":
            return unknot_graph(obs, self.max_strands)
        if self.game == "plumbing":
            assert isinstance(obs, dict)
            return plumbing_graph(obs, self.weight_limit, self.max_nodes)
        assert isinstance(obs, dict)
        return ribbon_graph(obs)
