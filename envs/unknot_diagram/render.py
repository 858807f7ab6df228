"""Renderers of UnKnot-Diagram-v0 states: text for ``ansi``, a matplotlib drawing for ``rgb_array``."""

from __future__ import annotations

import numpy as np
from rigorgym.verifiers.pd import PD


def diagram_text(diagram: PD, steps: int, name: str | None = None) -> str:
    """A header line and the canonical PD code, eight crossings per line."""
    head = f"{name or 'knot'}: {diagram.size} crossings, {diagram.components()} component(s), step {steps}"
    if diagram.is_unknot_diagram():
        return head + "\n(untangled: a crossingless circle)"
    rows = [" ".join(f"X{list(c)}" for c in diagram.crossings[i : i + 8]) for i in range(0, diagram.size, 8)]
    return "\n".join([head, *rows])


def diagram_image(diagram: PD, title: str = "", size: int = 320) -> np.ndarray:
    """The diagram's crossing graph in networkx's planar layout as an RGB ``uint8`` array (``size`` pixels square).

    A node per crossing, an arrow per edge along the orientation (edges from a crossing to itself, the kinks,
    as green rings); a crossingless circle is drawn as one ring.
    """
    import networkx as nx
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size / 100, size / 100), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.axis("off")
    ax.set_title(title or f"{diagram.size} crossings, {diagram.components()} component(s)", fontsize=8)
    if diagram.size:
        graph = nx.DiGraph()
        graph.add_nodes_from(range(diagram.size))
        kinks = set()
        for edge in range(1, 2 * diagram.size + 1):
            tail = diagram.tails[edge]
            a, b = tail >> 2, diagram.other[tail] >> 2
            if a == b:
                kinks.add(a)
            else:
                graph.add_edge(a, b)
        try:
            pos = nx.planar_layout(graph.to_undirected())
        except nx.NetworkXException:  # a multigraph's simple shadow is planar; a circle is a fine fallback
            pos = nx.circular_layout(graph)
        ax.margins(0.12)
        nx.draw_networkx_edges(graph, pos, ax=ax, arrows=True, arrowsize=8, node_size=140)
        nx.draw_networkx_nodes(graph, pos, ax=ax, node_color="#1f77b4", node_size=140)
        nx.draw_networkx_labels(graph, pos, ax=ax, font_size=6, font_color="white")
        if kinks:
            xs, ys = zip(*(pos[v] for v in sorted(kinks)), strict=True)
            ax.scatter(xs, ys, s=420, facecolors="none", edgecolors="#2ca02c", linewidths=1.2)
    else:
        ax.text(0.5, 0.5, f"{diagram.loops} crossingless circle(s)", ha="center", va="center", fontsize=9)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()
