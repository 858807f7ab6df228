"""Building AndrewsCurtis-v0 certificates from kernel moves (used by the env and the solvers)."""

from __future__ import annotations

from typing import Any

from rigorgym.verifiers import FORMAT

from rigorgym._version import __version__

from .types import PresentationInstance

ENV_ID = "AndrewsCurtis-v0"


def make_certificate(
    instance: PresentationInstance, moves: list[dict[str, Any]], seed: int | None = None
) -> dict[str, Any]:
    """The ``ac_trivial`` certificate of ``instance`` after the kernel ``moves`` (valid if they trivialise it)."""
    meta: dict[str, Any] = {"rigorgym": __version__, "seed": seed}
    if instance.id is not None:
        meta["instance_id"] = instance.id
    return {
        "format": FORMAT,
        "env": ENV_ID,
        "claim": "ac_trivial",
        "instance": instance.to_instance(),
        "moves": moves,
        "meta": meta,
    }
