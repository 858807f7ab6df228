"""Value types of Kirby-Plumbing-v0."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rigorgym.verifiers.plumbing import InvalidGraph, PlumbingGraph


@dataclass(frozen=True)
class PlumbingInstance:
    """One game: two plumbing forests (§2.4 JSON form) to be proved homeomorphic, with an optional suite id.

    ``distinct`` marks pairs built to have different manifolds (the
    ``plumbing-distinct-*`` suites); it is a label of the generator, never a
    claim: only the kernel's verdict on a certificate is.
    """

    graphs: tuple[dict[str, Any], dict[str, Any]]
    id: str | None = None

    def __post_init__(self) -> None:
        # Validate through the kernel's own rules, once, at construction.
        if len(self.graphs) != 2:
            raise ValueError("a Kirby-Plumbing-v0 instance has exactly two graphs")
        for graph in self.graphs:
            PlumbingGraph.from_json(graph)

    def kernel_graphs(self) -> list[PlumbingGraph]:
        """Fresh kernel graphs (mutable) for the two sides."""
        return [PlumbingGraph.from_json(g) for g in self.graphs]

    def to_instance(self) -> dict[str, Any]:
        """The certificate's ``instance`` object (docs/design.md §2.4), without the id."""
        return {"graphs": [_copy(g) for g in self.graphs]}

    @classmethod
    def from_graphs(cls, g0: PlumbingGraph, g1: PlumbingGraph, id: str | None = None) -> PlumbingInstance:
        return cls((g0.to_json(), g1.to_json()), id)

    @classmethod
    def from_instance(cls, data: Any) -> PlumbingInstance:
        """Read a §2.4 ``instance`` object (optionally with ``id``); raise ValueError if malformed."""
        if not isinstance(data, dict) or "graphs" not in data:
            raise ValueError("a Kirby-Plumbing-v0 instance is an object with a 'graphs' key")
        extra = set(data) - {"graphs", "id"}
        if extra:
            raise ValueError(f"unknown instance field(s): {sorted(extra)}")
        graphs = data["graphs"]
        if not isinstance(graphs, list) or len(graphs) != 2:
            raise ValueError("'graphs' must be a list of two graphs")
        ident = data.get("id")
        if ident is not None and not isinstance(ident, str):
            raise ValueError("instance 'id' must be a string")
        for side, graph in enumerate(graphs):
            try:  # validate the raw input first: the copy below must not hide extra or missing fields
                PlumbingGraph.from_json(graph)
            except InvalidGraph as exc:
                raise ValueError(f"invalid graph {side}: {exc}") from None
        return cls((_copy(graphs[0]), _copy(graphs[1])), ident)

    @property
    def size(self) -> int:
        """Total node count of the two graphs."""
        return len(self.graphs[0]["nodes"]) + len(self.graphs[1]["nodes"])


def _copy(graph: dict[str, Any]) -> dict[str, Any]:
    return {"nodes": [list(n) for n in graph["nodes"]], "edges": [list(e) for e in graph["edges"]]}
