"""Registered agents by name (``rigorgym list agents``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .base import Agent
from .best_first import BestFirst
from .bo_walker import BoWalker
from .greedy import GreedySearch
from .normal_form import NormalFormSolver
from .random_walk import RandomWalker


def _guided() -> Agent:
    from .unknot_search import GuidedSearch  # imported on use: it loads torch for its value net

    return GuidedSearch()


def _macro_sample() -> Agent:
    from .macro_policy import MacroSampler

    return MacroSampler()


def _diagram_search() -> Agent:
    from .diagram_search import DiagramSearch

    return DiagramSearch()


def _ribbon_pd() -> Agent:
    from .ribbon_pd import RibbonPD

    return RibbonPD()


def _ac(name: str) -> Callable[[], Agent]:
    def make() -> Agent:
        from .andrews_curtis_search import AGENT_FACTORIES

        return AGENT_FACTORIES[name]()

    return make


AGENTS: dict[str, tuple[Callable[[], Agent], str, tuple[str, ...]]] = {
    "random": (
        RandomWalker,
        "uniform random legal moves, restarted walks (the papers' random walker)",
        ("UnKnot-v0", "Kirby-Plumbing-v0", "UnKnot-Diagram-v0", "Ribbon-PD-v0"),
    ),
    "greedy": (GreedySearch, "best-first search on word length and strands, no insertions", ("UnKnot-v0",)),
    "guided": (
        _guided,
        "handle-macro best-first search ranked by a learned value net (UnKnot)",
        ("UnKnot-v0",),
    ),
    "macro-sample": (
        _macro_sample,
        "the macro policy as a search: a greedy episode over guided's macros, then sampled restarts (UnKnot)",
        ("UnKnot-v0",),
    ),
    "normal-form": (
        NormalFormSolver,
        "Neumann's reduction of both plumbing graphs to normal form, then isomorphism; H_1 for distinct pairs",
        ("Kirby-Plumbing-v0",),
    ),
    "best-first": (
        BestFirst,
        "slice obstructions, then best-first search over band sequences ranked by crossings (Ribbon)",
        ("Ribbon-v0",),
    ),
    "diagram-search": (
        _diagram_search,
        "the Alexander polynomial first (knotted), then Reidemeister search: backtracking growth, "
        "R3 levelling and strand rerouting (UnKnot-Diagram)",
        ("UnKnot-Diagram-v0",),
    ),
    "bo-walker": (
        BoWalker,
        "slice obstructions, then a random walker over bands with Bayesian-optimised weights (Ribbon)",
        ("Ribbon-v0",),
    ),
    "ribbon-pd": (
        _ribbon_pd,
        "slice obstructions, then one fission band on the kernel's own PD code (in a face, or after a finger "
        "pushed across one strand), screened by linking numbers and Alexander polynomials, untangled by "
        "Reidemeister search; no spherogram (Ribbon)",
        ("Ribbon-v0", "Ribbon-PD-v0"),
    ),
    "ac-greedy": (
        _ac("ac-greedy"),
        "the source's greedy search: best-first on total relator length over the 12 AC' moves (AndrewsCurtis)",
        ("AndrewsCurtis-v0",),
    ),
    "ac-bfs": (
        _ac("ac-bfs"),
        "the source's breadth-first search over the 12 AC' moves (AndrewsCurtis)",
        ("AndrewsCurtis-v0",),
    ),
    "ac-search": (
        _ac("ac-search"),
        "best-first passes over presentations up to rotation, inversion and swap, children = every "
        "r_i times a conjugate of r_j^±1, ranked by length then by letters of one generator; a relator "
        "meeting a generator once is finished by substitution (AndrewsCurtis)",
        ("AndrewsCurtis-v0",),
    ),
}


class UnknownAgent(KeyError):
    def __str__(self) -> str:
        return f"unknown agent {self.args[0]!r}; known: {', '.join(AGENTS)}"


def make_agent(name: str) -> Agent:
    """An agent by registered name, or a trained agent's folder (``rigorgym train --out DIR``)."""
    try:
        factory = AGENTS[name][0]
    except KeyError:
        if Path(name).is_dir():
            from .learned import LearnedAgent, is_value_folder, value_agent  # here: torch and SB3 import slowly

            # a value-net folder (``rigorgym train UnKnot-v0 --algo guided-value``) plays as ``guided`` with its net
            return value_agent(name) if is_value_folder(name) else LearnedAgent(Path(name))
        raise UnknownAgent(name) from None
    return factory()


def agent_supports(name: str, env_id: str) -> bool:
    """Whether a registered agent plays the game of ``env_id`` (its family: ``UnKnot-v0`` for ``UnKnot-Hard-v0``)."""
    import gymnasium as gym
    from rigorgym.envs.games import game_of

    family = game_of(env_id).agent_family if env_id in gym.registry else env_id
    return family in AGENTS[name][2]
