"""Candidate bands on a diagram: spherogram's enumeration, in a fixed order, for the env and the solvers.

``candidate_bands`` lists the oriented fission bands of
``spherogram.links.bands.min_len_bands`` (shortest dual-graph paths between
two edges of one component, every over/under choice, twists bounded) on the
kernel's relabelled diagram, so every spec names the same crossings as the
kernel's replay does. The order is spherogram's (length, then spec).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rigorgym.verifiers.diagram import Diagram, _deterministic_hashes, _link
from spherogram.links.bands.core import min_len_bands


@dataclass(frozen=True)
class BandSpec:
    """One candidate: spherogram's compressed spec and the features a policy may weigh."""

    spec: str
    length: int  # crossing strands along the top of the band (>= 2)
    twists: int
    crossed: int  # arcs of the diagram the band passes over or under

    @property
    def move(self) -> dict[str, str]:
        return {"op": "band", "band": self.spec}


@lru_cache(maxsize=4096)
def candidate_bands(diagram: Diagram, max_twists: int = 2, max_band_len: int | None = None) -> tuple[BandSpec, ...]:
    """Every candidate band on ``diagram`` (empty for a crossingless diagram); cached per diagram."""
    if not diagram.pd:
        return ()
    with _deterministic_hashes():
        bands = min_len_bands(_link(diagram.pd), max_twists=max_twists, max_band_len=max_band_len)
    return tuple(
        BandSpec(b.compressed_spec(), len(b.cs_along_top), int(b.num_twist), len(b.cs_along_top) - 2) for b in bands
    )
