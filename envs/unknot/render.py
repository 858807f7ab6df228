"""Renderers of a braid: text for ``ansi``, a matplotlib drawing for ``rgb_array``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def braid_text(strands: int, word: Sequence[int]) -> str:
    """One line: strand count and word, e.g. ``n=3  σ1 σ2⁻¹``."""
    letters = " ".join(f"σ{abs(x)}" + ("⁻¹" if x < 0 else "") for x in word) or "(empty word)"
    return f"n={strands}  {letters}"


def braid_image(strands: int, word: Sequence[int], height: int = 200) -> np.ndarray:
    """Draw the braid left to right (strands horizontal) and return an RGB array."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    columns = max(len(word), 1)
    fig = Figure(figsize=(max(2.0, 0.35 * columns + 0.6), height / 100), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.05, 0.96, 0.9))
    ax.set_xlim(-0.3, columns + 0.3)
    ax.set_ylim(-0.5, strands - 0.5)
    ax.axis("off")
    gap = 0.18
    for x, g in enumerate(word):
        k = abs(g) - 1
        for s in range(strands):
            if s not in (k, k + 1):
                ax.plot([x, x + 1], [s, s], color="black", lw=2)
        over, under = ((k, k + 1), (k + 1, k)) if g > 0 else ((k + 1, k), (k, k + 1))
        ax.plot([x, x + 1], [over[0], over[1]], color="black", lw=2)
        # the under-strand is drawn in two pieces, leaving a gap at the crossing
        y0, y1 = under
        ax.plot([x, x + 0.5 - gap], [y0, y0 + (y1 - y0) * (0.5 - gap)], color="black", lw=2)
        ax.plot([x + 0.5 + gap, x + 1], [y0 + (y1 - y0) * (0.5 + gap), y1], color="black", lw=2)
    if not word:
        for s in range(strands):
            ax.plot([0, 1], [s, s], color="black", lw=2)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()
