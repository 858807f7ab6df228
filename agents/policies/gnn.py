"""GNN policies: a torch-geometric encoder over each game's graph, as an SB3 features extractor.

:class:`GNNEncoder` is a plain ``torch.nn.Module`` (observation batch ->
feature vector), shared by the SB3 path (:class:`GNNExtractor`, through
``policy_kwargs={"features_extractor_class": GNNExtractor, ...}``), by A3C
and by RLlib's RLModule. Its features are

* the mean and max of the node embeddings (the graph as a whole),
* the embeddings at the action slots (word positions, plumbing nodes, band
  feet; see :mod:`.graphs`), projected to ``slot_dim`` each, so that a
  linear head can score actions by where they act,
* the observation's small non-graph entries (strand count, band features,
  diagram statistics), scaled.
"""

from __future__ import annotations

from typing import Any

import torch
from gymnasium import spaces
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn
from torch_geometric.nn import GATConv, GCNConv, GINConv, SAGEConv, global_max_pool, global_mean_pool

from .graphs import GraphBuilder

CONVS = ("gcn", "gin", "gat", "sage")


def make_conv(kind: str, width_in: int, width_out: int) -> nn.Module:
    """One message-passing layer of torch-geometric by name."""
    if kind == "gcn":
        return GCNConv(width_in, width_out, add_self_loops=True)
    if kind == "gin":
        return GINConv(nn.Sequential(nn.Linear(width_in, width_out), nn.ReLU(), nn.Linear(width_out, width_out)))
    if kind == "gat":
        return GATConv(width_in, width_out, heads=2, concat=False, add_self_loops=True)
    if kind == "sage":
        return SAGEConv(width_in, width_out)
    raise ValueError(f"unknown GNN layer {kind!r}; choose one of {', '.join(CONVS)}")


def _extra_keys(space: spaces.Space[Any], game: str) -> list[str]:
    """Non-graph observation entries fed to the head directly."""
    if not isinstance(space, spaces.Dict):
        return []
    return {"unknot": ["strands", "length"], "plumbing": [], "ribbon": ["stats", "bands"]}[game]


class GNNEncoder(nn.Module):
    """Observation batch -> features (see the module docstring). ``features_dim`` is the output width."""

    def __init__(
        self,
        observation_space: spaces.Space[Any],
        conv: str = "gcn",
        depth: int = 3,
        width: int = 64,
        slot_dim: int = 8,
    ) -> None:
        super().__init__()
        if depth < 1 or width < 1 or slot_dim < 0:
            raise ValueError(f"GNN depth, width must be >= 1 and slot_dim >= 0, got {depth}, {width}, {slot_dim}")
        self.build = GraphBuilder(observation_space)
        self.conv_kind = conv
        self.embed = nn.Linear(self.build.features, width)
        self.convs = nn.ModuleList(make_conv(conv, width, width) for _ in range(depth))
        self.slot_dim = slot_dim
        self.slot_proj = nn.Linear(width * self.build.pointers, slot_dim) if slot_dim else None
        self.extra_keys = _extra_keys(observation_space, self.build.game)
        extra = 0
        self._extra_scale: dict[str, float] = {}
        for key in self.extra_keys:
            sub = observation_space[key]
            extra += int(torch.tensor(sub.shape).prod())
            self._extra_scale[key] = float(max(abs(float(sub.high.max())), abs(float(sub.low.min())), 1.0))
        if self.build.game == "unknot" and not isinstance(observation_space, spaces.Dict):
            extra = 1  # the strand count, first entry of the flat observation
        self.features_dim = 2 * width + self.build.slots * slot_dim + extra

    def forward(self, obs: Any) -> torch.Tensor:
        g = self.build(obs)
        h = torch.relu(self.embed(g.x))
        for conv in self.convs:
            h = torch.relu(conv(h, g.edge_index)) + h
        bsz = g.num_graphs
        if h.shape[0]:
            pooled = torch.cat([global_mean_pool(h, g.batch, size=bsz), global_max_pool(h, g.batch, size=bsz)], dim=-1)
        else:
            pooled = h.new_zeros(bsz, 2 * h.shape[1])
        parts = [pooled]
        if self.slot_proj is not None:
            padded = torch.cat([h, h.new_zeros(1, h.shape[1])])  # row -1 -> zeros
            at = padded[g.slots.clamp(min=-1)]  # (B, S, P, width)
            parts.append(self.slot_proj(at.reshape(bsz, g.slots.shape[1], -1)).reshape(bsz, -1))
        if isinstance(obs, dict):
            parts += [obs[k].float().reshape(bsz, -1) / self._extra_scale[k] for k in self.extra_keys]
        elif self.build.game == "unknot":
            parts.append(obs[:, :1].float() / self.build.max_strands)
        return torch.cat(parts, dim=-1)


class GNNExtractor(BaseFeaturesExtractor):
    """SB3 features extractor around :class:`GNNEncoder` (``policy_kwargs`` take its arguments)."""

    def __init__(
        self,
        observation_space: spaces.Space[Any],
        conv: str = "gcn",
        depth: int = 3,
        width: int = 64,
        slot_dim: int = 8,
    ) -> None:
        encoder = GNNEncoder(observation_space, conv, depth, width, slot_dim)
        super().__init__(observation_space, encoder.features_dim)
        self.encoder = encoder

    def forward(self, observations: Any) -> torch.Tensor:
        return self.encoder(observations)
