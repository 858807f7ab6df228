"""UnKnot-v0: the game of "Learning to unknot" (Gukov, Halverson, Ruehle, Sułkowski 2021)."""

from .actions import ActionLayout
from .env import UnKnotEnv
from .generator import (
    InstanceListGenerator,
    RandomWordGenerator,
    ScrambleGenerator,
    ScrambleMixGenerator,
    SuiteGenerator,
    knot_generator,
    knot_instance,
)
from .reward import UnknotReward
from .types import BraidInstance
from .vector import UnKnotVectorEnv

__all__ = [
    "ActionLayout",
    "BraidInstance",
    "InstanceListGenerator",
    "RandomWordGenerator",
    "ScrambleGenerator",
    "ScrambleMixGenerator",
    "SuiteGenerator",
    "UnKnotEnv",
    "UnKnotVectorEnv",
    "UnknotReward",
    "knot_generator",
    "knot_instance",
]
