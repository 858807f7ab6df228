"""Building UnKnot-Diagram-v0 certificates from kernel moves (used by the env and the solvers)."""

from __future__ import annotations

from typing import Any

from rigorgym.verifiers import FORMAT

from rigorgym._version import __version__

from .types import DiagramInstance

ENV_ID = "UnKnot-Diagram-v0"
#: The one move of a ``knotted`` certificate: the kernel computes the Alexander polynomial itself.
ALEXANDER = {"op": "invariant", "name": "alexander"}


def make_certificate(
    instance: DiagramInstance, moves: list[dict[str, Any]], claim: str = "unknot", seed: int | None = None
) -> dict[str, Any]:
    """The certificate for ``instance``: ``unknot`` after Reidemeister ``moves``, or ``knotted`` with [ALEXANDER]."""
    meta: dict[str, Any] = {"rigorgym": __version__, "seed": seed}
    if instance.id is not None:
        meta["instance_id"] = instance.id
    return {
        "format": FORMAT,
        "env": ENV_ID,
        "claim": claim,
        "instance": instance.to_instance(),
        "moves": moves,
        "meta": meta,
    }
