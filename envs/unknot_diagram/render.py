"""Text rendering of UnKnot-Diagram-v0 states."""

from __future__ import annotations

from rigorgym.verifiers.pd import PD


def diagram_text(diagram: PD, steps: int, name: str | None = None) -> str:
    """A header line and the canonical PD code, eight crossings per line."""
    head = f"{name or 'knot'}: {diagram.size} crossings, {diagram.components()} component(s), step {steps}"
    if diagram.is_unknot_diagram():
        return head + "\n(untangled: a crossingless circle)"
    rows = [" ".join(f"X{list(c)}" for c in diagram.crossings[i : i + 8]) for i in range(0, diagram.size, 8)]
    return "\n".join([head, *rows])
