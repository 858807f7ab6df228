"""AndrewsCurtis-v0: AC′ moves on balanced presentations (one folder: env, generator, types, reward, render)."""

from .certificate import ENV_ID, make_certificate
from .env import AndrewsCurtisEnv
from .generator import ListGenerator, ScrambledTrivialGenerator, SuiteGenerator
from .reward import ACReward
from .types import PresentationInstance

__all__ = [
    "ENV_ID",
    "ACReward",
    "AndrewsCurtisEnv",
    "ListGenerator",
    "PresentationInstance",
    "ScrambledTrivialGenerator",
    "SuiteGenerator",
    "make_certificate",
]
