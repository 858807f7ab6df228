"""Multi-agent games (PettingZoo): a scrambler plays against a solver."""

from . import scramble_solve_v0
from .export import export_suite, hardest, unknot_proof
from .play import GameStats, kernel_policy, play, random_policy
from .scramble_solve import SCRAMBLER, SOLVER, ScrambleSolveEnv

__all__ = [
    "SCRAMBLER",
    "SOLVER",
    "GameStats",
    "ScrambleSolveEnv",
    "export_suite",
    "hardest",
    "kernel_policy",
    "play",
    "random_policy",
    "scramble_solve_v0",
    "unknot_proof",
]
