"""Building Ribbon-v0 certificates (docs/design.md §2.4) from kernel moves; used by the env and the solvers."""

from __future__ import annotations

from typing import Any

from rigorgym.verifiers import FORMAT

from rigorgym._version import __version__

from .types import KnotInstance


def make_certificate(
    instance: KnotInstance, moves: list[dict[str, Any]], claim: str = "ribbon", seed: int | None = None
) -> dict[str, Any]:
    """The §2.4 certificate for ``instance``: ``ribbon`` after band/simplify ``moves``, or ``not_slice``
    with one ``{"op": "invariant", ...}`` move."""
    meta: dict[str, Any] = {"rigorgym": __version__, "seed": seed}
    if instance.id is not None:
        meta["instance_id"] = instance.id
    return {
        "format": FORMAT,
        "env": "Ribbon-v0",
        "claim": claim,
        "instance": instance.to_instance(),
        "moves": moves,
        "meta": meta,
    }
