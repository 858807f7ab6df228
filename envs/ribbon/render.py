"""Renderers of a Ribbon-v0 diagram: text for ``ansi``, a matplotlib drawing for ``rgb_array``.

spherogram draws diagrams only through its Tk viewer, so the picture is the
crossing graph (:mod:`.graph_view`) in networkx's planar layout (the
projection of a diagram is a planar 4-valent graph): a node per crossing
(red right-handed, blue left-handed), an arrow per arc, and one circle per
crossingless unknot split off.
"""

from __future__ import annotations

import numpy as np
from rigorgym.verifiers.diagram import Diagram

from .graph_view import crossing_graph


def diagram_text(diagram: Diagram, bands: int, max_band_moves: int, name: str | None = None) -> str:
    """Two lines: the counts, then the PD code."""
    head = f"{name}: " if name else ""
    counts = (
        f"{head}crossings={diagram.crossings} components={diagram.components} "
        f"(free unknots {diagram.free_unknots}) bands={bands}/{max_band_moves}"
    )
    return f"{counts}\nPD {diagram.to_json()}"


def _layout(diagram: Diagram) -> tuple[object, dict[int, tuple[float, float]]]:
    import networkx as nx

    graph = crossing_graph(diagram)
    simple = nx.DiGraph()
    simple.add_nodes_from(range(graph.crossings))
    simple.add_edges_from((t, h) for t, _, h, _ in graph.arcs if t != h)
    try:
        pos = nx.planar_layout(simple.to_undirected())
    except nx.NetworkXException:  # not expected for a diagram; a circle is a fine fallback
        pos = nx.circular_layout(simple)
    return simple, {v: (float(x), float(y)) for v, (x, y) in pos.items()}


def diagram_image(diagram: Diagram, title: str = "", size: int = 320) -> np.ndarray:
    """The crossing graph of ``diagram`` as an RGB ``uint8`` array of ``size x size`` pixels."""
    import networkx as nx
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle

    fig = Figure(figsize=(size / 100, size / 100), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.axis("off")
    ax.set_title(title or f"{diagram.crossings} crossings, {diagram.components} components", fontsize=8)
    if diagram.pd:
        graph = crossing_graph(diagram)
        simple, pos = _layout(diagram)
        colors = ["#d62728" if s > 0 else "#1f77b4" for s in graph.signs]
        ax.margins(0.12)
        nx.draw_networkx_edges(simple, pos, ax=ax, arrows=True, arrowsize=8, edge_color="black", node_size=140)
        nx.draw_networkx_nodes(simple, pos, ax=ax, node_color=colors, node_size=140)
        nx.draw_networkx_labels(simple, pos, ax=ax, font_size=6, font_color="white")
        loops = [t for t, _, h, _ in graph.arcs if t == h]
        if loops:
            xs, ys = zip(*(pos[v] for v in loops), strict=True)
            ax.scatter(xs, ys, s=420, facecolors="none", edgecolors="#2ca02c", linewidths=1.2)
    for k in range(min(diagram.free_unknots, 8)):  # the split-off unknots, bottom right
        ax.add_patch(
            Circle((0.94 - 0.11 * k, 0.05), 0.04, fill=False, color="#2ca02c", transform=ax.transAxes, clip_on=False)
        )
    if not diagram.pd:
        ax.text(0.5, 0.5, f"{diagram.free_unknots} crossingless unknot(s)", ha="center", va="center", fontsize=9)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()
