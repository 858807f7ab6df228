"""Kirby-Plumbing-v0: the game of "Graph neural networks and 3-dimensional topology" (Ri & Putrov 2023)."""

from .actions import ActionLayout
from .env import KirbyPlumbingEnv, make_certificate
from .generator import (
    DistinctPairGenerator,
    InstanceListGenerator,
    RiPutrovGenerator,
    RiPutrovPaperGenerator,
    SuiteGenerator,
    graphs_generator,
    paper_scramble,
    random_tree,
    scramble,
)
from .graph_view import to_pyg
from .reward import PlumbingReward
from .types import PlumbingInstance
from .vector import KirbyPlumbingVectorEnv

__all__ = [
    "ActionLayout",
    "DistinctPairGenerator",
    "InstanceListGenerator",
    "KirbyPlumbingEnv",
    "KirbyPlumbingVectorEnv",
    "PlumbingInstance",
    "PlumbingReward",
    "RiPutrovGenerator",
    "RiPutrovPaperGenerator",
    "SuiteGenerator",
    "graphs_generator",
    "make_certificate",
    "paper_scramble",
    "random_tree",
    "scramble",
    "to_pyg",
]
