"""Renderers of a plumbing pair: text for ``ansi``, a matplotlib drawing for ``rgb_array``."""

from __future__ import annotations

import numpy as np
from rigorgym.verifiers.plumbing import PlumbingGraph


def graph_text(graph: PlumbingGraph) -> str:
    """``{0:-2, 1:-3}  0-1``: nodes as ``id:weight``, then the edges."""
    nodes = ", ".join(f"{v}:{graph.weights[v]}" for v in sorted(graph.weights)) or "empty (S^3)"
    edges = " ".join(f"{u}-{v}" for u, v in graph.to_json()["edges"])
    return "{" + nodes + "}" + (f"  {edges}" if edges else "")


def pair_text(g0: PlumbingGraph, g1: PlumbingGraph) -> str:
    """Two lines, one per graph."""
    return f"G0 {graph_text(g0)}\nG1 {graph_text(g1)}"


def tree_layout(graph: PlumbingGraph) -> dict[int, tuple[float, float]]:
    """A layered drawing of a forest: each tree hangs from its smallest id, leaves spread left to right.

    Written here because networkx's tree layouts need scipy or graphviz.
    """
    pos: dict[int, tuple[float, float]] = {}
    next_x = 0.0
    for root in sorted(graph.weights):
        if root in pos:
            continue
        # iterative DFS: a parent is placed above the middle of its children
        stack: list[tuple[int, int, int, bool]] = [(root, root, 0, False)]
        children_x: dict[int, list[float]] = {}
        while stack:
            v, parent, depth, expanded = stack.pop()
            if expanded:
                xs = children_x.pop(v, [])
                x = sum(xs) / len(xs) if xs else next_x
                if not xs:
                    next_x += 1.0
                pos[v] = (x, -float(depth))
                if v != parent:
                    children_x.setdefault(parent, []).append(x)
                continue
            stack.append((v, parent, depth, True))
            for u in sorted(graph.adj[v], reverse=True):
                if u != parent:
                    stack.append((u, v, depth + 1, False))
        next_x += 0.5
    return pos


def _draw(ax: object, graph: PlumbingGraph, title: str) -> None:
    import networkx as nx

    nxg = nx.Graph()
    nxg.add_nodes_from(graph.weights)
    nxg.add_edges_from(tuple(e) for e in graph.to_json()["edges"])
    ax.set_title(title, fontsize=9)  # type: ignore[attr-defined]
    ax.axis("off")  # type: ignore[attr-defined]
    if not graph.weights:
        ax.text(0.5, 0.5, "empty (S³)", ha="center", va="center")  # type: ignore[attr-defined]
        return
    colors = ["#d62728" if graph.weights[v] > 0 else "#1f77b4" if graph.weights[v] < 0 else "#7f7f7f" for v in nxg]
    ax.margins(0.15)  # type: ignore[attr-defined]
    nx.draw_networkx(
        nxg, tree_layout(graph), ax=ax, node_color=colors, node_size=260,
        labels={v: str(graph.weights[v]) for v in nxg}, font_size=7, font_color="white", edge_color="black",
    )  # fmt: skip


def pair_image(g0: PlumbingGraph, g1: PlumbingGraph, height: int = 260) -> np.ndarray:
    """Both graphs side by side, nodes labelled by weight (red > 0, blue < 0, grey 0); an RGB array."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2 * height / 100, height / 100), dpi=100)
    canvas = FigureCanvasAgg(fig)
    for k, graph in enumerate((g0, g1)):
        _draw(fig.add_subplot(1, 2, k + 1), graph, f"graph {k}: {len(graph)} nodes")
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()
