"""Ribbon-v0: the game of "Searching for ribbons with machine learning" (Gukov, Halverson, Manolescu, Ruehle 2023)."""

from .bands import BandSpec, candidate_bands
from .certificate import make_certificate
from .env import RibbonEnv
from .generator import (
    KnotListGenerator,
    RandomRibbonGenerator,
    SuiteGenerator,
    reverse_pd,
    ribbon_double,
    rolfsen_names,
)
from .graph_view import CrossingGraph, crossing_graph, to_pyg
from .reward import RibbonReward
from .types import KnotInstance

__all__ = [
    "BandSpec",
    "CrossingGraph",
    "KnotInstance",
    "KnotListGenerator",
    "RandomRibbonGenerator",
    "RibbonEnv",
    "RibbonReward",
    "SuiteGenerator",
    "candidate_bands",
    "crossing_graph",
    "make_certificate",
    "reverse_pd",
    "ribbon_double",
    "rolfsen_names",
    "to_pyg",
]
