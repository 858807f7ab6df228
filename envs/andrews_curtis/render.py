"""Rendering of AndrewsCurtis-v0 states: relators as words in x and y (``ansi``) or as rows of coloured cells
(``rgb_array``, what SB3's ``make_vec_env`` asks every env for; video recorders take it too)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Cell colours: x dark red, x^-1 light red, y dark blue, y^-1 light blue; padding white.
_COLOURS = {1: (178, 34, 34), -1: (244, 164, 164), 2: (30, 70, 170), -2: (160, 190, 240), 0: (255, 255, 255)}
CELL = 8

_NAMES = {1: "x", 2: "y"}


def word_text(word: Sequence[int]) -> str:
    """``x^-1 y^2 x y^-3``: runs of one letter as powers; ``1`` for the empty word."""
    parts: list[str] = []
    k = 0
    while k < len(word):
        letter, run = int(word[k]), 1
        while k + run < len(word) and int(word[k + run]) == letter:
            run += 1
        power = run if letter > 0 else -run
        name = _NAMES[abs(letter)]
        parts.append(name if power == 1 else f"{name}^{power}")
        k += run
    return " ".join(parts) if parts else "1"


def presentation_text(relators: Sequence[Sequence[int]], steps: int, name: str | None = None) -> str:
    """A header line (name, total length, steps) and one line per relator."""
    total = sum(len(r) for r in relators)
    head = f"{name or 'presentation'}: length {total} ({len(relators[0])} + {len(relators[1])}), step {steps}"
    return "\n".join([head, *(f"r{i} = {word_text(r)}" for i, r in enumerate(relators))])


def presentation_image(relators: Sequence[Sequence[int]], width: int) -> np.ndarray:
    """An ``(H, W, 3)`` uint8 image: one row of ``width`` cells per relator (a letter's colour, white padding)."""
    image = np.full((2 * CELL + 3 * 2, width * CELL + 4, 3), 255, np.uint8)
    for i, word in enumerate(relators):
        top = 2 + i * (CELL + 2)
        for k in range(width):
            colour = _COLOURS[int(word[k])] if k < len(word) else _COLOURS[0]
            image[top : top + CELL - 1, 2 + k * CELL : 2 + (k + 1) * CELL - 1] = colour
    return image
