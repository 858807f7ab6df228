"""The crossing graph of a Ribbon-v0 diagram, and its torch-geometric view for GNN agents.

SB3 cannot take ``gymnasium.spaces.Graph``, so the env's observation is a
padded ``Dict``; :func:`to_pyg` builds a ``torch_geometric.data.Data`` graph
from the kernel's :class:`~rigorgym.verifiers.diagram.Diagram` directly.

The graph is read off the link that the kernel builds from the PD code
(``spherogram.Link(pd)``, crossing ``i`` = PD entry ``i``), so crossing and
strand indices are the ones band specs name, and signs and arc directions
follow spherogram's orientation of each component.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from rigorgym.verifiers.diagram import Diagram, _deterministic_hashes, _link


@dataclass(frozen=True)
class CrossingGraph:
    """The 4-valent graph of a diagram: one node per crossing, one directed arc per PD label.

    ``signs[i]`` is ``+1``/``-1`` (right-/left-handed crossing). Each arc is
    ``(tail, tail_strand, head, head_strand)``: it leaves crossing ``tail``
    at strand ``tail_strand`` and enters ``head`` at ``head_strand``
    (spherogram's strand indices: 0 and 2 pass under, 1 and 3 over), in the
    direction of the orientation. A kink gives an arc with ``tail == head``.
    """

    signs: tuple[int, ...]
    arcs: tuple[tuple[int, int, int, int], ...]

    @property
    def crossings(self) -> int:
        return len(self.signs)


@lru_cache(maxsize=4096)
def crossing_graph(diagram: Diagram) -> CrossingGraph:
    """The :class:`CrossingGraph` of ``diagram`` (empty for a crossingless diagram); cached per diagram."""
    if not diagram.pd:
        return CrossingGraph((), ())
    with _deterministic_hashes():
        link = _link(diagram.pd)
    tails: dict[int, tuple[int, int]] = {}
    heads: dict[int, tuple[int, int]] = {}
    for i, crossing in enumerate(link.crossings):
        for into, out in crossing.directions:
            heads[crossing.strand_labels[into]] = (i, into)
            tails[crossing.strand_labels[out]] = (i, out)
    arcs = tuple((*tails[label], *heads[label]) for label in sorted(tails))
    return CrossingGraph(tuple(int(c.sign) for c in link.crossings), arcs)


def _require_pyg() -> tuple[Any, Any]:
    try:
        import torch
        from torch_geometric.data import Data
    except ImportError as exc:
        raise ImportError(
            "to_pyg needs torch and torch-geometric: install the agents extra (pip install 'rigorgym[agents]')"
        ) from exc
    return torch, Data


def to_pyg(diagram: Diagram) -> Any:
    """``Data(x, edge_index, edge_attr, ...)`` of the crossing graph of ``diagram``.

    * ``x`` ``(n, 1)`` float32: the sign of each crossing.
    * ``edge_index`` ``(2, 2A)`` int64: every arc twice, tail -> head then
      head -> tail (torch-geometric's convention for undirected graphs).
    * ``edge_attr`` ``(2A, 3)`` float32: ``[+1 forward / -1 backward, source
      end passes over (strand 1 or 3), target end passes over]``.
    * ``strands`` ``(2A, 2)`` int64: the strand indices at source and target
      (to map a GNN's scores onto band specs).
    * ``free_unknots``, ``components`` (graph attributes): split-off
      crossingless unknots and all components of the diagram.
    """
    torch, Data = _require_pyg()
    graph = crossing_graph(diagram)
    arcs = np.asarray(graph.arcs, np.int64).reshape(-1, 4)
    forward = arcs[:, [0, 2]].T
    edge_index = np.concatenate([forward, forward[::-1]], axis=1)
    over = arcs[:, [1, 3]] % 2
    edge_attr = np.concatenate(
        [
            np.column_stack([np.ones(len(arcs)), over[:, 0], over[:, 1]]),
            np.column_stack([-np.ones(len(arcs)), over[:, 1], over[:, 0]]),
        ]
    ).astype(np.float32)
    strands = np.concatenate([arcs[:, [1, 3]], arcs[:, [3, 1]]]).astype(np.int64)
    return Data(
        x=torch.tensor(np.asarray(graph.signs, np.float32).reshape(-1, 1)),
        edge_index=torch.from_numpy(np.ascontiguousarray(edge_index)),
        edge_attr=torch.from_numpy(edge_attr.reshape(-1, 3)),
        strands=torch.from_numpy(strands.reshape(-1, 2)),
        num_nodes=graph.crossings,
        free_unknots=int(diagram.free_unknots),
        components=int(diagram.components),
    )
