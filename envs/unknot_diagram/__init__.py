"""UnKnot-Diagram-v0: Reidemeister moves on PD codes (one folder: env, generator, types, reward, render)."""

from .actions import ActionLayout
from .certificate import ALEXANDER, ENV_ID, make_certificate
from .env import UnKnotDiagramEnv
from .generator import ListGenerator, ScrambledUnknotGenerator, SuiteGenerator
from .reward import DiagramReward
from .types import DiagramInstance

__all__ = [
    "ALEXANDER",
    "ENV_ID",
    "ActionLayout",
    "DiagramInstance",
    "DiagramReward",
    "ListGenerator",
    "ScrambledUnknotGenerator",
    "SuiteGenerator",
    "UnKnotDiagramEnv",
    "make_certificate",
]
