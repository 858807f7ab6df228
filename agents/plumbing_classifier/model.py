"""Graph tensors and the pair classifier: a torch-geometric GNN embedding each graph, an MLP on the pair."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from rigorgym.verifiers.plumbing import PlumbingGraph
from torch import nn
from torch_geometric.nn import GCNConv, GINConv, global_add_pool, global_max_pool, global_mean_pool

from .pairs import Pair

#: Version of the node features; a saved model records it and refuses other versions.
FEATURES_VERSION = 1
NODE_FEATURES = 5
WEIGHT_SCALE = 10.0
DEGREE_SCALE = 4.0


# -- tensors -----------------------------------------------------------------------------


def graph_tensors(graph: PlumbingGraph) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x, edge_index)`` of one graph, nodes in increasing id.

    Features: ``weight / 10``, ``degree / 4`` and indicators of weight 0, +1
    and -1 (the weights at which Neumann's moves apply), all functions of
    weight and degree.
    """
    ids = sorted(graph.weights)
    index = {v: i for i, v in enumerate(ids)}
    w = np.array([graph.weights[v] for v in ids], np.float32)
    deg = np.array([len(graph.adj[v]) for v in ids], np.float32)
    x = np.stack([w / WEIGHT_SCALE, deg / DEGREE_SCALE, w == 0, w == 1, w == -1], axis=1).astype(np.float32)
    pairs = [(index[u], index[v]) for u in ids for v in graph.adj[u]]  # both directions
    edge_index = np.array(pairs, np.int64).T if pairs else np.zeros((2, 0), np.int64)
    return torch.from_numpy(x.reshape(-1, NODE_FEATURES)), torch.from_numpy(np.ascontiguousarray(edge_index))


@dataclass
class GraphBatch:
    """A disjoint union of graphs (torch-geometric's ``x, edge_index, batch``); in a pair batch graph ``2 i``
    and ``2 i + 1`` are the two sides of pair ``i``."""

    x: torch.Tensor
    edge_index: torch.Tensor
    batch: torch.Tensor
    num_graphs: int


GraphT = tuple[torch.Tensor, torch.Tensor]


def collate_graphs(graphs: Sequence[GraphT]) -> GraphBatch:
    """Concatenate pre-built graph tensors into one :class:`GraphBatch` (edge ids shifted per graph)."""
    xs, edges, sizes = [], [], []
    offset = 0
    for x, e in graphs:
        xs.append(x)
        edges.append(e + offset)
        sizes.append(x.shape[0])
        offset += x.shape[0]
    counts = torch.tensor(sizes, dtype=torch.long)
    batch = torch.repeat_interleave(torch.arange(len(sizes)), counts)
    x = torch.cat(xs) if xs else torch.zeros((0, NODE_FEATURES))
    edge_index = torch.cat(edges, dim=1) if edges else torch.zeros((2, 0), dtype=torch.long)
    return GraphBatch(x, edge_index, batch, len(sizes))


def collate(pairs: Sequence[tuple[GraphT, GraphT]]) -> GraphBatch:
    """A pair batch: the two sides of each pair, interleaved."""
    return collate_graphs([side for pair in pairs for side in pair])


def pair_tensors(pairs: Iterable[Pair]) -> list[tuple[GraphT, GraphT]]:
    return [(graph_tensors(g), graph_tensors(h)) for g, h in pairs]


# -- model ------------------------------------------------------------------------------


@dataclass
class ClassifierConfig:
    """Architecture of :class:`PairClassifier` (saved next to the weights)."""

    conv: str = "gin"
    depth: int = 5
    width: int = 64
    head_width: int = 64
    features_version: int = FEATURES_VERSION


class PairClassifier(nn.Module):
    """Siamese GNN: each graph -> embedding; the pair -> the logit of "same manifold"."""

    def __init__(self, config: ClassifierConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or ClassifierConfig()
        if config.conv not in ("gin", "gcn"):
            raise ValueError(f"conv must be 'gin' or 'gcn', got {config.conv!r}")
        if config.depth < 1 or config.width < 1 or config.head_width < 1:
            raise ValueError("depth, width and head_width must be >= 1")
        w = config.width
        self.embed = nn.Linear(NODE_FEATURES, w)
        self.convs = nn.ModuleList(self._conv(config.conv, w) for _ in range(config.depth))
        self.readout = nn.Sequential(nn.Linear(3 * w, w), nn.ReLU(), nn.Linear(w, w))
        self.head = nn.Sequential(
            nn.Linear(4 * w, config.head_width), nn.ReLU(),
            nn.Linear(config.head_width, config.head_width), nn.ReLU(),
            nn.Linear(config.head_width, 1),
        )  # fmt: skip

    @staticmethod
    def _conv(kind: str, w: int) -> nn.Module:
        if kind == "gin":
            return GINConv(nn.Sequential(nn.Linear(w, w), nn.ReLU(), nn.Linear(w, w)), train_eps=True)
        return GCNConv(w, w, add_self_loops=True)

    def graph_embeddings(self, batch: GraphBatch) -> torch.Tensor:
        """``(num_graphs, width)``: one embedding per graph (sum pooling scaled down: graphs have up to ~50
        nodes)."""
        h = torch.relu(self.embed(batch.x))
        for conv in self.convs:
            h = torch.relu(conv(h, batch.edge_index)) + h  # residual: deep stacks on long chains stay trainable
        size = batch.num_graphs
        pooled = torch.cat(
            [
                global_add_pool(h, batch.batch, size=size) / 10.0,
                global_mean_pool(h, batch.batch, size=size),
                global_max_pool(h, batch.batch, size=size),
            ],
            dim=-1,
        )
        return self.readout(pooled)

    def compare(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Logits ``(B,)`` of "same manifold" from two embedding rows each, symmetric in ``a`` and ``b``."""
        diff, prod = (a - b).abs(), a * b
        both = torch.cat([torch.cat([a, b, diff, prod], -1), torch.cat([b, a, diff, prod], -1)])
        logits = self.head(both).squeeze(-1)
        half = a.shape[0]
        return 0.5 * (logits[:half] + logits[half:])

    def forward(self, batch: GraphBatch) -> torch.Tensor:
        """Logits ``(B,)`` of a pair batch (:func:`collate`)."""
        e = self.graph_embeddings(batch)
        return self.compare(e[0::2], e[1::2])
