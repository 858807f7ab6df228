"""The torch-geometric view of a Kirby-Plumbing-v0 observation, for GNN agents.

SB3 cannot take ``gymnasium.spaces.Graph``, so the env's observation is a
padded ``Dict``; this module unpads it into ``torch_geometric.data.Data``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def to_pyg(observation: dict[str, np.ndarray]) -> Any:
    """``Data(x, edge_index, graph)`` of the live nodes of both graphs.

    ``x`` is ``[weight, degree, graph]`` per node (float32), ``edge_index``
    lists each edge in both directions (torch-geometric's convention for
    undirected graphs), ``graph`` is the graph index of each node, and
    ``slot`` the node's row in the padded observation (to map a GNN's node
    scores back onto actions).
    """
    import torch
    from torch_geometric.data import Data

    node_mask = np.asarray(observation["node_mask"]).astype(bool)
    rows = np.flatnonzero(node_mask)
    new_index = np.full(node_mask.shape[0], -1, np.int64)
    new_index[rows] = np.arange(rows.size)
    edges = np.asarray(observation["edges"])[np.asarray(observation["edge_mask"]).astype(bool)]
    pairs = new_index[edges]
    edge_index = np.concatenate([pairs.T, pairs[:, ::-1].T], axis=1) if pairs.size else np.zeros((2, 0), np.int64)
    x = np.asarray(observation["nodes"], np.float32)[rows]
    return Data(
        x=torch.from_numpy(x),
        edge_index=torch.from_numpy(np.ascontiguousarray(edge_index)),
        graph=torch.from_numpy(x[:, 2].astype(np.int64)),
        slot=torch.from_numpy(rows),
    )
