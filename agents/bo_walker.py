"""``bo-walker``: a weighted random walker over band moves, its weights tuned by Bayesian optimisation.

The walker of "Searching for ribbons with machine learning" (Gukov,
Halverson, Manolescu, Ruehle; the anchor ``ruehlef/ribbon``) builds bands
at random with hand-tuned action probabilities and restarts when a walk
runs out of steps. Here a step draws a whole band among the candidates of
the current diagram (spherogram's shortest-path bands, up to ``max_twists``
half twists) with probability proportional to ``exp(w . features)``
(:data:`~rigorgym.agents.ribbon_search.FEATURES`: crossed arcs, twists,
twist sign against the writhe, over/under mix, separation of the feet along
the component, feet at one crossing). The drawn band is screened
(:mod:`.ribbon_search`):

* a nonzero linking number rejects it (the walker stays and draws again);
* zero crossings after the screen: the kernel replays band + ``simplify``
  and, if it reaches zero crossings, the walk has won;
* otherwise, below ``max_bands`` bands, the walker steps into the banded
  diagram (simplified by the kernel, seed 0) with probability ``descend``.

A walk ends after ``walk_steps`` draws; the walker then restarts from the
knot, until the budget runs out (seconds, or ``max_steps`` draws over all walks:
a deterministic budget). Screens and kernel results are cached per
solve (a drawn band is never screened twice), so at the knot itself the
walk amounts to trying bands in a random order weighted by ``w``.

The weights, ``descend`` and ``walk_steps`` ship in
``agents/data/bo_walker_weights.json``, tuned with optuna's TPE sampler by
``benchmarks/tune_bo_walker.py`` (the file's ``card`` says on which knots,
how many trials, which seed); solving never tunes.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
from rigorgym.envs.ribbon import candidate_bands
from rigorgym.verifiers.diagram import Diagram

from .base import Budget
from .ribbon_search import (
    FEATURES,
    Move,
    RibbonSolver,
    Screen,
    SearchOutcome,
    band_features,
    confirm_unlink,
    diagram_info,
    kernel_child,
    trivial_moves,
)

WEIGHTS_FILE = "bo_walker_weights.json"

#: Cost units of the tuning objective: one screen is 1, one kernel simplify (child or confirmation) this much.
KERNEL_COST = 30


def load_params(path: str | None = None) -> dict[str, Any]:
    """The shipped parameters (or those of ``path``): ``weights`` by feature name, ``descend``, ``walk_steps``..."""
    if path is None:
        text = (resources.files(__package__) / "data" / WEIGHTS_FILE).read_text()
    else:
        with open(path) as handle:
            text = handle.read()
    data = json.loads(text)
    missing = set(FEATURES) - set(data["weights"])
    if missing:
        raise ValueError(f"{path or WEIGHTS_FILE}: no weight for feature(s) {sorted(missing)}")
    return data


@dataclass
class _State:
    diagram: Diagram
    moves: list[Move]
    bands: int
    specs: list[str]
    probs: np.ndarray
    screen: Screen


@dataclass
class WalkerMemo:
    """Pure-function caches that may be shared between solves (the tuner does): screens and kernel results."""

    screens: dict[Any, Screen] = field(default_factory=dict)
    features: dict[tuple[Any, int], tuple[list[str], np.ndarray]] = field(default_factory=dict)
    children: dict[tuple[Any, str], Diagram | None] = field(default_factory=dict)
    confirmed: dict[tuple[Any, str], list[Move] | None] = field(default_factory=dict)


class BoWalker(RibbonSolver):
    """``bo-walker``: see the module docstring."""

    name = "bo-walker"
    LIMITS = ("max_steps",)  # band draws over all walks

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        params = load_params() if params is None else params
        self.weights = np.array([float(params["weights"][f]) for f in FEATURES])
        self.descend = float(params["descend"])
        self.walk_steps = int(params["walk_steps"])
        self.max_bands = int(params.get("max_bands", 3))
        self.max_twists = int(params.get("max_twists", 2))
        self.memo: WalkerMemo | None = None  # set by the tuner to share caches between solves
        self.max_cost: int | None = None  # the tuner's cap on cost units per solve

    def _state(self, memo: WalkerMemo, diagram: Diagram, moves: list[Move], bands: int) -> _State:
        key = (diagram.pd, self.max_twists)
        if key not in memo.features:
            info = diagram_info(diagram)
            cands = candidate_bands(diagram, self.max_twists)
            feats = np.array([band_features(b, info) for b in cands]).reshape(len(cands), len(FEATURES))
            memo.features[key] = ([b.spec for b in cands], feats)
        specs, feats = memo.features[key]
        logits = feats @ self.weights if len(specs) else np.zeros(0)
        probs = np.exp(logits - logits.max()) if len(specs) else logits
        probs = probs / probs.sum() if len(specs) else probs
        screen = memo.screens.get(diagram.pd)
        if screen is None:
            screen = memo.screens[diagram.pd] = Screen(diagram)
        return _State(diagram, moves, bands, specs, probs, screen)

    def search(self, diagram: Diagram, deadline: float, seed: int, budget: Budget | None = None) -> SearchOutcome:
        trivial = trivial_moves(diagram)
        if trivial is not None:
            return SearchOutcome(trivial)
        memo = self.memo if self.memo is not None else WalkerMemo()
        rng = np.random.default_rng(seed)
        # what this solve would have paid without a shared memo (the tuner's objective)
        paid_screens: set[tuple[Any, str]] = set()
        paid_kernel: set[tuple[Any, str]] = set()
        stats = {"walks": 0, "draws": 0}
        states: dict[Any, _State] = {}

        def cost() -> int:
            return len(paid_screens) + KERNEL_COST * len(paid_kernel)

        def outcome(moves: list[Move] | None) -> SearchOutcome:
            return SearchOutcome(moves, stats["draws"], {**stats, "cost": cost()})

        root = self._state(memo, diagram, [], 0)
        if not root.specs:
            return outcome(None)
        while time.perf_counter() < deadline:
            stats["walks"] += 1
            state = root
            for _ in range(self.walk_steps):
                if time.perf_counter() > deadline or (self.max_cost is not None and cost() > self.max_cost):
                    return outcome(None)
                if budget is not None and not budget.steps_left(stats["draws"]):
                    return outcome(None)
                stats["draws"] += 1
                spec = state.specs[int(rng.choice(len(state.specs), p=state.probs))]
                key = (state.diagram.pd, spec)
                paid_screens.add(key)
                result = state.screen(spec)
                if not result.unlinked:
                    continue
                if result.crossings == 0:
                    if key not in memo.confirmed:
                        memo.confirmed[key] = confirm_unlink(state.diagram, spec)
                    paid_kernel.add(key)
                    if memo.confirmed[key] is not None:
                        return outcome(state.moves + memo.confirmed[key])
                    continue
                if state.bands + 1 >= self.max_bands or rng.random() >= self.descend:
                    continue
                if key not in memo.children:
                    memo.children[key] = kernel_child(state.diagram, spec, 0)
                paid_kernel.add(key)
                child = memo.children[key]
                if child is None:
                    continue
                moves = [*state.moves, {"op": "band", "band": spec}, {"op": "simplify", "seed": 0}]
                if not child.pd:
                    return outcome(moves)
                nxt = states.get(child.pd)
                if nxt is None:
                    nxt = states[child.pd] = self._state(memo, child, moves, state.bands + 1)
                if nxt.specs:
                    state = nxt
        return outcome(None)
