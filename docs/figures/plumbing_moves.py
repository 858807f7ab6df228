"""Draw the seven plumbing moves of docs/design.md §2.3, one before/after row per op.

Each "after" graph is computed by the trusted kernel
(``rigorgym.verifiers.plumbing.apply_move``) from the "before" graph, so the
picture is exactly the semantics that certificates are checked against.
Nodes are labelled by their weight; the small grey number next to a node is
its id. Node colours: red for a positive weight, blue for a negative one,
grey for 0 (as in the env's ``rgb_array`` render). Nodes that the move
created have a thick black outline.

Run from the repository root (writes docs/figures/plumbing-moves.png):

    python docs/figures/plumbing_moves.py
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from rigorgym.envs.kirby_plumbing.render import tree_layout  # noqa: E402
from rigorgym.verifiers.plumbing import PlumbingGraph, apply_move  # noqa: E402

OUT = Path(__file__).resolve().parent / "plumbing-moves.png"


def graph(nodes: list[list[int]], edges: list[list[int]]) -> PlumbingGraph:
    return PlumbingGraph.from_json({"nodes": nodes, "edges": edges})


#: (title, before graph, move, one-line explanation)
EXAMPLES: list[tuple[str, PlumbingGraph, dict[str, Any], str]] = [
    (
        "blowup_vertex",
        graph([[0, -2], [1, -3]], [[0, 1]]),
        {"op": "blowup_vertex", "v": 0, "sign": -1},
        "new leaf of weight sign on v; w[v] += sign",
    ),
    (
        "blowup_edge",
        graph([[0, 2], [1, 3]], [[0, 1]]),
        {"op": "blowup_edge", "u": 0, "v": 1, "sign": 1},
        "new vertex of weight sign inside edge uv; w[u], w[v] += sign",
    ),
    (
        "blowup_disjoint",
        graph([[0, -2], [1, -2]], [[0, 1]]),
        {"op": "blowup_disjoint", "sign": 1},
        "new isolated vertex of weight sign",
    ),
    (
        "blowdown",
        graph([[0, -2], [1, -1], [2, -3], [3, -2]], [[0, 1], [1, 2], [2, 3]]),
        {"op": "blowdown", "v": 1},
        "remove a ±1 vertex of degree ≤ 2; neighbours lose w[v] and are joined",
    ),
    (
        "absorb_zero",
        graph([[0, -2], [1, 0], [2, -3], [3, -2], [4, -5]], [[0, 1], [1, 2], [0, 3], [2, 4]]),
        {"op": "absorb_zero", "v": 1},
        "remove a 0 vertex of degree 2; merge its neighbours (weights add, smaller id kept)",
    ),
    (
        "extrude_zero",
        graph([[0, -5], [1, -2], [2, -3], [3, -4]], [[0, 1], [0, 2], [0, 3]]),
        {"op": "extrude_zero", "v": 0, "d": -2, "moved": [2, 3]},
        "inverse of absorb_zero: w[v] -= d, path v – 0 – d, 'moved' go to the d vertex",
    ),
    (
        "split_zero_leaf",
        graph([[0, 0], [1, -3], [2, -2], [3, -4], [4, -2]], [[0, 1], [1, 2], [1, 3], [3, 4]]),
        {"op": "split_zero_leaf", "v": 0},
        "delete a 0 leaf and its neighbour: the rest is a connected sum",
    ),
]


def color(weight: int) -> str:
    return "#d62728" if weight > 0 else "#1f77b4" if weight < 0 else "#7f7f7f"


def positions(g: PlumbingGraph) -> dict[int, tuple[float, float]]:
    """``tree_layout`` turned a quarter turn, so that trees grow left to right (chains lie flat)."""
    return {v: (-y, -x) for v, (x, y) in tree_layout(g).items()}


def draw(ax: Any, g: PlumbingGraph, new: set[int], highlight: set[int]) -> None:
    """Draw ``g``: weights inside the nodes, ids beside them."""
    ax.axis("off")
    ax.set_aspect("equal", adjustable="box")
    if not g.weights:
        ax.text(0.5, 0.5, "empty (S³)", ha="center", va="center", transform=ax.transAxes)
        return
    pos = positions(g)
    for u, v in g.to_json()["edges"]:
        (x0, y0), (x1, y1) = pos[u], pos[v]
        ax.plot([x0, x1], [y0, y1], color="black", lw=1.4, zorder=1)
    for v in sorted(g.weights):
        x, y = pos[v]
        edge = "black" if v in new else ("#ff9f1c" if v in highlight else "white")
        ax.scatter([x], [y], s=500, color=color(g.weights[v]), edgecolors=edge, linewidths=2.6, zorder=2)
        ax.text(x, y, str(g.weights[v]), ha="center", va="center", color="white", fontsize=10, weight="bold", zorder=3)
        ax.text(x + 0.2, y + 0.22, str(v), ha="left", va="bottom", color="#555555", fontsize=8, zorder=3)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    # the same window size for every panel, so that one unit of length looks the same everywhere
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    ax.set_xlim(cx - 2.2, cx + 2.2)
    ax.set_ylim(cy - 1.5, cy + 1.5)


def touched(move: dict[str, Any]) -> set[int]:
    """The ids a move names (drawn with an orange outline in the 'before' panel)."""
    out = {move[k] for k in ("u", "v") if k in move}
    return out | set(move.get("moved", []))


def move_text(move: dict[str, Any]) -> str:
    fields = ", ".join(f"{k}={v}" for k, v in move.items() if k != "op")
    return f"{move['op']}({fields})"


def main() -> None:
    rows = len(EXAMPLES)
    fig = plt.figure(figsize=(10.0, 2.3 * rows), dpi=120)
    grid = fig.add_gridspec(rows, 3, width_ratios=[1.0, 0.75, 1.0], hspace=0.15, wspace=0.04, top=0.95, bottom=0.01)
    for r, (title, before, move, text) in enumerate(EXAMPLES):
        after = before.copy()
        apply_move(after, move)  # the kernel: raises IllegalMove if the example were wrong
        new = set(after.weights) - set(before.weights)
        ax_before = fig.add_subplot(grid[r, 0])
        ax_mid = fig.add_subplot(grid[r, 1])
        ax_after = fig.add_subplot(grid[r, 2])
        draw(ax_before, before, set(), touched(move))
        draw(ax_after, after, new, set())
        ax_mid.axis("off")
        ax_mid.set_xlim(0, 1)
        ax_mid.set_ylim(0, 1)
        ax_mid.text(0.5, 0.86, title, ha="center", va="center", fontsize=11, weight="bold")
        ax_mid.annotate(
            "", xy=(0.92, 0.5), xytext=(0.08, 0.5), arrowprops={"arrowstyle": "-|>", "lw": 1.6, "color": "black"}
        )
        ax_mid.text(0.5, 0.62, move_text(move), ha="center", va="center", fontsize=7.5, family="monospace")
        ax_mid.text(0.5, 0.3, textwrap.fill(text, 34), ha="center", va="center", fontsize=8, color="#333333")
        if r == 0:
            ax_before.set_title("before", fontsize=10)
            ax_after.set_title("after (kernel apply_move)", fontsize=10)
    fig.suptitle(
        "Kirby-Plumbing-v0 moves: weight inside each node, id beside it;\n"
        "orange outline: nodes the move names, black outline: nodes it creates",
        fontsize=10,
        y=0.995,
    )
    fig.savefig(OUT, bbox_inches="tight")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
