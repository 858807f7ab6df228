"""The hand value of UnKnot states, shared by the ``guided`` search and its learned value net.

It lives here, below both :mod:`.unknot_search` and :mod:`.unknot_value`, so
that neither imports the other for it (the search loads the value net; the net
adds its correction to this value). Both modules re-export these names.
"""

from __future__ import annotations

from collections.abc import Sequence

Word = tuple[int, ...]
State = tuple[int, Word]


def top_count(n: int, w: Sequence[int]) -> int:
    """How many letters are on the top generator ``σ_{n-1}`` (1 allows a destabilization)."""
    return sum(1 for x in w if abs(x) == n - 1)


def hand_value(states: Sequence[State]) -> list[float]:
    """The ablation's value: length, twice the strands to remove, and the top generator's excess."""
    return [float(len(w) + 2 * (n - 1) + max(top_count(n, w) - 1, 0)) for n, w in states]
