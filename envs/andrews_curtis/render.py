"""Text rendering of AndrewsCurtis-v0 states (``render_mode="ansi"``): relators as words in x and y."""

from __future__ import annotations

from collections.abc import Sequence

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
