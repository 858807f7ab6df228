"""What the CLI, the runner and the leaderboard need to know about each game, in one table.

A *game* is a family of env ids over one env class (``UnKnot-v0`` and its
tiers, ``Kirby-Plumbing-v0``, ``Ribbon-v0``, ``UnKnot-Diagram-v0``, ``AndrewsCurtis-v0``, each with its tiers).
Each game says how to read a §2.4 ``instance`` object, how to size an env so
that given instances fit, and (for games on one knot) how to read
``--knot NAME`` or ``--pd CODE``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym


@dataclass(frozen=True)
class Game:
    """One game: the env id its certificates name, its env class, instance reader and env sizing."""

    env: str
    entry_point: str
    read_instance: Callable[[Any], Any]
    fit: Callable[[dict[str, Any], Sequence[Any]], dict[str, Any]]
    #: ``(name, pd) -> instance`` for games played on one knot (``--knot``/``--pd``), None otherwise
    read_knot: Callable[[str | None, Any], Any] | None = None
    #: the env family agents declare they play, where one game has two env classes (``Ribbon-PD-v0``)
    family: str | None = None

    @property
    def agent_family(self) -> str:
        """What an agent's list of games names to play this env class."""
        return self.family or self.env


def _read_braid(data: Any) -> Any:
    from rigorgym.envs.unknot.types import BraidInstance

    return BraidInstance.from_instance(data)


def _fit_braids(kwargs: dict[str, Any], instances: Sequence[Any]) -> dict[str, Any]:
    length = max([kwargs.get("max_length", 128)] + [len(x.word) + 32 for x in instances])
    strands = max([kwargs.get("max_strands", 8)] + [x.strands + 1 for x in instances])
    return {"max_length": length, "max_strands": strands}


def _read_plumbing(data: Any) -> Any:
    from rigorgym.envs.kirby_plumbing.types import PlumbingInstance

    return PlumbingInstance.from_instance(data)


def _fit_plumbing(kwargs: dict[str, Any], instances: Sequence[Any]) -> dict[str, Any]:
    largest = max((len(g["nodes"]) for x in instances for g in x.graphs), default=0)
    return {"max_nodes": max(kwargs.get("max_nodes", 32), largest + 16)}


def _read_knot(data: Any) -> Any:
    from rigorgym.envs.ribbon.types import KnotInstance

    return KnotInstance.from_instance(data)


def _braid_of_knot(name: str | None, pd: Any) -> Any:
    from rigorgym.envs.unknot.generator import knot_instance

    return knot_instance(name=name, pd=pd)


def _diagram_of_knot(name: str | None, pd: Any) -> Any:
    from rigorgym.envs.ribbon.types import KnotInstance

    if name is not None:
        return KnotInstance.from_name(name)
    return KnotInstance.from_instance({"pd": pd})


def _fit_knots(kwargs: dict[str, Any], instances: Sequence[Any]) -> dict[str, Any]:
    largest = max((x.crossings for x in instances), default=0)
    return {"max_crossings": max(kwargs.get("max_crossings", 64), largest + 32)}


def _read_diagram(data: Any) -> Any:
    from rigorgym.envs.unknot_diagram.types import DiagramInstance

    return DiagramInstance.from_instance(data)


def _pd_diagram_of_knot(name: str | None, pd: Any) -> Any:
    from rigorgym.envs.ribbon.types import KnotInstance
    from rigorgym.envs.unknot_diagram.types import DiagramInstance

    if name is not None:
        knot = KnotInstance.from_name(name)
        return DiagramInstance(knot.pd, name)
    return DiagramInstance.from_instance({"pd": pd})


def _read_presentation(data: Any) -> Any:
    from rigorgym.envs.andrews_curtis.types import PresentationInstance

    return PresentationInstance.from_instance(data)


def _fit_presentations(kwargs: dict[str, Any], instances: Sequence[Any]) -> dict[str, Any]:
    """Room for relators to grow: twice the longest given relator, never less than the env's own board."""
    longest = max((len(r) for x in instances for r in x.relators), default=0)
    return {"max_relator_length": max(kwargs.get("max_relator_length", 36), 2 * longest)}


GAMES = (
    Game("UnKnot-v0", "rigorgym.envs.unknot.env:UnKnotEnv", _read_braid, _fit_braids, _braid_of_knot),
    Game("Kirby-Plumbing-v0", "rigorgym.envs.kirby_plumbing.env:KirbyPlumbingEnv", _read_plumbing, _fit_plumbing),
    Game("Ribbon-v0", "rigorgym.envs.ribbon.env:RibbonEnv", _read_knot, _fit_knots, _diagram_of_knot),
    # the same game (its certificates name Ribbon-v0) on the project's own PD kernel
    Game(
        "Ribbon-v0",
        "rigorgym.envs.ribbon.pd_env:RibbonPDEnv",
        _read_knot,
        _fit_knots,
        _diagram_of_knot,
        family="Ribbon-PD-v0",
    ),
    Game(
        "UnKnot-Diagram-v0",
        "rigorgym.envs.unknot_diagram.env:UnKnotDiagramEnv",
        _read_diagram,
        _fit_knots,
        _pd_diagram_of_knot,
    ),
    Game(
        "AndrewsCurtis-v0",
        "rigorgym.envs.andrews_curtis.env:AndrewsCurtisEnv",
        _read_presentation,
        _fit_presentations,
    ),
)


def game_of(env_id: str) -> Game:
    """The game of a registered env id (raises ValueError for an unknown id)."""
    if env_id not in gym.registry:
        raise ValueError(f"unknown env {env_id!r} (see `rigorgym list envs`)")
    entry = str(gym.spec(env_id).entry_point)
    for game in GAMES:
        if game.entry_point == entry:
            return game
    raise ValueError(f"{env_id} is not a rigorgym game")
