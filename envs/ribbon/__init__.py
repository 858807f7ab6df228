"""Ribbon-v0: the game of "Searching for ribbons with machine learning" (Gukov, Halverson, Manolescu, Ruehle 2023)."""

from .bands import BandSpec, candidate_bands
from .certificate import make_certificate
from .types import KnotInstance

__all__ = ["BandSpec", "KnotInstance", "candidate_bands", "make_certificate"]
