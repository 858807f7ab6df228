"""Learned search on UnKnot: a beam search over the env's own moves, ordered by a trained policy.

A trained policy alone (one greedy episode) fails on long 5- and 7-strand
words: one wrong move in a hundred ends the episode. Searching with the
policy as a *prior* keeps the moves it likes best at every depth and drops
the rest, so an early mistake costs one beam slot, not the episode:

* the beam holds ``width`` states at equal depth; each is expanded by its
  ``branch`` most likely legal actions under the policy's masked softmax;
* a child's score is the sum of the log-probabilities along its path, plus
  ``value_weight`` times the policy's own value head (the critic of PPO,
  A2C, TRPO or imitation) — the learned ranking, no hand value;
* states already seen in this search are dropped (the moves are
  invertible, so a revisit is never needed for a shortest path);
* the first pass has width 1 (the policy's greedy episode, cheap when it
  wins); a pass that runs out of states, or reaches ``max_depth``, is
  followed by one with twice the width (up to ``max_width``), until the
  clock or the step budget (moves tried) ends.

Transitions are the env's numba core (:func:`rigorgym.envs.unknot.core.step_one`)
on state rows, the same code the env steps, so a found action list replays
in the env as is; the certificate comes from that replay and is passed on
only if the kernel accepts it. The policy is a batched trainer's network
(``vec_*`` agent folders): one forward pass scores the whole beam.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .base import Budget, SolveResult, as_budget


@dataclass(frozen=True)
class BeamConfig:
    """The search's knobs: first beam width, branching per state, depth cap, value weight, widening factor."""

    width: int = 1  # the first pass is the policy's greedy episode; then 2, 4, 8, ... states
    branch: int = 4
    max_depth: int = 600
    value_weight: float = 0.0
    widen: int = 2
    max_width: int = 1024

    def __post_init__(self) -> None:
        if min(self.width, self.branch, self.max_depth, self.max_width) < 1 or self.widen < 2:
            raise ValueError("width, branch, max_depth, max_width >= 1 and widen >= 2 are needed")


@dataclass
class _Node:
    score: float
    logp: float
    row: np.ndarray
    length: int
    mask: np.ndarray
    actions: list[int]


class PolicyBeamSearch:
    """``solve`` by beam search under a trained UnKnot policy (see the module docstring)."""

    LIMITS: ClassVar[tuple[str, ...]] = ("max_steps",)

    def __init__(self, folder: str | Path, config: BeamConfig | None = None, name: str | None = None) -> None:
        from .algos.vec_common import load_net, read_card

        self.folder = Path(folder)
        self.card = read_card(self.folder, self._algo())
        self.net, _ = load_net(self.folder)
        self.net.eval()
        self.config = config or BeamConfig()
        self.name = name or f"beam({self.folder.name})"

    def _algo(self) -> str:
        import json

        algo = str(json.loads((self.folder / "agent.json").read_text())["algo"])
        if not algo.startswith("vec_"):
            raise ValueError(f"{self.folder}: the beam search takes a batched trainer's agent (vec_*), not {algo}")
        return algo

    def _score(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Masked-softmax inputs (logits) and values of a batch of state rows, in one forward pass."""
        import torch

        with torch.no_grad():
            logits, value = self.net(torch.as_tensor(rows))
        return logits.double().numpy(), value.double().numpy()

    def _pass(
        self, env: Any, start: _Node, width: int, deadline: float, budget: Budget, steps: list[int]
    ) -> list[int] | None:
        """One beam pass of ``width``; the winning action list, or None."""
        from rigorgym.envs.unknot import core

        lay = env.layout
        kind_t, pos_t, gen_t = lay.tables
        lmax, nmax = lay.max_length, lay.max_strands
        cfg = self.config
        beam, seen = [start], {start.row.tobytes()}
        for _ in range(cfg.max_depth):
            if not beam or time.perf_counter() >= deadline or not budget.steps_left(steps[0]):
                return None
            logits, _ = self._score(np.stack([n.row for n in beam]))
            children: list[_Node] = []
            for node, z in zip(beam, logits, strict=True):
                z = np.where(node.mask, z, -np.inf)
                z = z - z.max()
                logp = z - np.log(np.exp(z).sum())
                k = min(cfg.branch, int(node.mask.sum()))
                for a in np.argpartition(-logp, k - 1)[:k]:
                    row, mask = node.row.copy(), node.mask.copy()
                    length, legal = core.step_one(row, node.length, int(a), kind_t, pos_t, gen_t, lmax, nmax, mask)
                    steps[0] += 1
                    if not legal:
                        continue
                    if row[0] == 1 and length == 0:
                        return [*node.actions, int(a)]
                    key = row.tobytes()
                    if key not in seen:
                        seen.add(key)
                        total = node.logp + float(logp[a])
                        children.append(_Node(total, total, row, length, mask, [*node.actions, int(a)]))
            if cfg.value_weight and children:
                _, values = self._score(np.stack([c.row for c in children]))
                for child, v in zip(children, values, strict=True):
                    child.score = child.logp + cfg.value_weight * float(v)
            children.sort(key=lambda c: -c.score)
            beam = children[:width]
        return None

    def solve(self, env: Any, instance: Any, budget_s: Budget | float, seed: int) -> SolveResult:
        from rigorgym.envs.unknot.env import write_row

        budget = as_budget(budget_s)
        start_t = time.perf_counter()
        board = env.unwrapped
        row = np.zeros(board.layout.max_length + 1, np.int8)
        try:
            length = write_row(row, instance, board.layout)
        except ValueError as exc:
            return SolveResult(None, time.perf_counter() - start_t, 0, {"reason": str(exc)})
        mask = np.zeros(board.layout.n_actions, np.bool_)
        from rigorgym.envs.unknot import core

        core.fill_mask(row, length, board.layout.max_length, board.layout.max_strands, mask)
        start = _Node(0.0, 0.0, row, length, mask, [])
        steps, width, passes = [0], self.config.width, 0
        deadline = start_t + budget.seconds
        actions: list[int] | None = [] if row[0] == 1 and length == 0 else None
        while actions is None and time.perf_counter() < deadline and budget.steps_left(steps[0]):
            passes += 1
            actions = self._pass(board, start, width, deadline, budget, steps)
            width = min(width * self.config.widen, self.config.max_width)
        extra = {"passes": passes, "width": width}
        if actions is None:
            return SolveResult(None, time.perf_counter() - start_t, steps[0], extra)
        board.reset(seed=seed, options={"instance": instance})
        info: dict[str, Any] = {}
        for a in actions:
            info = board.step(a)[4]
        cert = info.get("certificate") if actions else board.certificate()
        return SolveResult(cert, time.perf_counter() - start_t, steps[0], extra)


__all__ = ["BeamConfig", "PolicyBeamSearch"]
