"""The published Ri–Putrov evaluation protocol on ``plumbing-ri-putrov-paper``: both graphs move, 500 steps.

The protocol of songjin91/LearningPlumbings (``test.py``), which the anchor
(the published trained A3C: 660/700 = 94.3% of pairs with one sampled
episode, measured on the shared machine) was measured with:

* a pair of the published generator (:class:`rigorgym.envs.kirby_plumbing.RiPutrovPaperGenerator`,
  the frozen suite ``plumbing-ri-putrov-paper``);
* at every **time step both graphs move**: one action sampled from the
  policy for graph 0 (the policy's masked softmax restricted to graph 0's
  legal actions), then one for graph 1; at most :data:`MAX_STEPS` steps;
* **success**: some graph of at most :data:`SMALL` vertices reached from the
  first graph is weighted-isomorphic to one reached from the second (at any
  two times; the published script keeps every small graph each side visits).
  rigorgym's env also ends an episode when the two *current* graphs are
  isomorphic at any size: that is the same proof and is counted too, under
  its own rule name (``"isomorphic"``; the small-graph rule is ``"small"``).

Every success is turned into a certificate (graph 0's moves up to its time,
then graph 1's up to its own) and re-verified by the kernel; only verified
ones count. Many pairs are played side by side so that the policy scores
them in one forward pass.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .unknot import wilson  # the 95% Wilson interval the other protocols report (re-exported)

SUITE = "plumbing-ri-putrov-paper"
#: Time steps per episode (each moves both graphs) in the published script.
MAX_STEPS = 500
#: The largest graphs the published success test compares.
SMALL = 10
#: The anchor: the published trained A3C under this protocol, measured on the shared machine (issue 24).
ANCHOR = {"solved": 660, "pairs": 700, "median_steps": 63, "steps_per_s": 640}
#: The env of the protocol (``rigorgym.registration.PAPER_BOARD``): 128 slots per graph (the suite's largest
#: graph has 101 vertices), no 0-chain extrusion with a twist or moved neighbours (2,048 actions).
ENV_ID = "Kirby-Plumbing-Paper-v0"

#: ``scores(observations) -> (len(observations), n_actions)`` logits (higher = likelier)
ScoreFn = Callable[[list[dict[str, np.ndarray]]], np.ndarray]


def make_board(env_id: str = ENV_ID, env_kwargs: dict[str, Any] | None = None) -> Any:
    """An unwrapped Kirby-Plumbing board (the protocol's step cap ends episodes): by default the protocol's
    own size; an agent plays on the board of the env it was trained on (:func:`agent_scores`)."""
    import gymnasium as gym

    import rigorgym  # noqa: F401  (registers the envs)

    kwargs = {k: v for k, v in (env_kwargs or {}).items() if k != "max_episode_steps"}
    return gym.make(env_id, **kwargs).unwrapped


def agent_scores(folder: str | Path) -> tuple[ScoreFn, str, dict[str, Any]]:
    """The batch scores of a trained plumbing agent's policy, with the env id and kwargs of its board."""
    from rigorgym.agents.algos.saved import AgentCard
    from rigorgym.agents.learned import load_policy

    from .ri_putrov import batch_scores

    card = AgentCard.read(folder)
    policy = load_policy(folder)
    batched = getattr(policy, "scores", None) if card.algo.startswith("vec_") else None
    scores: ScoreFn = batched if batched is not None else (lambda observations: batch_scores(policy, observations))
    return scores, card.env_id, dict(card.env_kwargs)


def misfits(instances: Sequence[Any], env_id: str = ENV_ID, env_kwargs: dict[str, Any] | None = None) -> dict[int, str]:
    """Index -> why, for each instance that does not fit the board (empty when every one fits)."""
    board = make_board(env_id, env_kwargs)
    out = {}
    for i, instance in enumerate(instances):
        try:
            board.reset(seed=0, options={"instance": instance})
        except ValueError as exc:
            out[i] = str(exc)
    return out


def graph_actions(layout: Any) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of the actions that move graph 0 and graph 1 (graph 1's blocks follow graph 0's)."""
    first = np.zeros(layout.n_actions, bool)
    first[: layout.per_graph] = True
    return first, ~first


@dataclass
class PaperEpisode:
    """One pair: solved (certificate verified by the kernel), time steps, the success rule, moves of the proof."""

    solved: bool = False
    steps: int = MAX_STEPS
    rule: str | None = None
    moves: int = 0


@dataclass
class PaperEvaluation:
    """The episodes of one policy on a list of pairs, the seconds and the env actions they took."""

    name: str
    episodes: list[PaperEpisode] = field(default_factory=list)
    seconds: float = 0.0
    actions: int = 0

    def summary(self) -> dict[str, Any]:
        solved = [e for e in self.episodes if e.solved]
        n, k = len(self.episodes), len(solved)
        return {
            "agent": self.name,
            "pairs": n,
            "solved": k,
            "success": k / n if n else 0.0,
            "interval_95": wilson(k, n),
            "median_steps": statistics.median(e.steps for e in solved) if solved else None,
            "by_rule": {r: sum(e.rule == r for e in solved) for r in ("small", "isomorphic")},
            "median_proof_moves": statistics.median(e.moves for e in solved) if solved else None,
            "eval_s": round(self.seconds, 3),
            "steps_per_s": round(sum(e.steps for e in self.episodes) / self.seconds, 1) if self.seconds else None,
        }


class _Pair:
    """One pair in play: its board, observation, mask, and the small graphs each side has reached (form -> moves)."""

    def __init__(self, board: Any, instance: Any) -> None:
        from rigorgym.verifiers.plumbing import canonical_form

        self.board = board
        self.obs, info = board.reset(seed=0, options={"instance": instance})
        self.mask = info["action_mask"]
        self.seen: list[dict[tuple[str, ...], int]] = [{}, {}]
        self.count = [0, 0]  # legal moves played on each graph
        for g, graph in enumerate(board.graphs()):
            if len(graph) <= SMALL:
                self.seen[g][canonical_form(graph)] = 0

    def record(self, g: int) -> tuple[int, int] | None:
        """After a legal move on graph ``g``: the move counts ``(t0, t1)`` of a small-graph match, if any."""
        from rigorgym.verifiers.plumbing import canonical_form

        self.count[g] += 1
        if int(self.board._count[g]) > SMALL:
            return None
        form = canonical_form(self.board.graphs()[g])
        self.seen[g].setdefault(form, self.count[g])
        other = self.seen[1 - g].get(form)
        if other is None:
            return None
        return (self.count[0], other) if g == 0 else (other, self.count[1])

    def certificate(self, t0: int, t1: int) -> dict[str, Any]:
        """Graph 0's first ``t0`` moves and graph 1's first ``t1``: a homeomorphism certificate when they meet."""
        moves = self.board.moves
        first = [m for m in moves if m["graph"] == 0][:t0]
        second = [m for m in moves if m["graph"] == 1][:t1]
        return self.board.make_certificate(self.board.instance, first + second)


def _pick(scores: np.ndarray, legal: np.ndarray, sampled: bool, rng: np.random.Generator) -> int:
    z = np.where(legal, scores.astype(np.float64), -np.inf)
    if not sampled:
        return int(np.argmax(z))
    p = np.exp(z - z.max())
    return int(rng.choice(len(z), p=p / p.sum()))


def evaluate(
    name: str,
    scores: ScoreFn,
    instances: Sequence[Any],
    *,
    sampled: bool = True,
    max_steps: int = MAX_STEPS,
    batch: int = 64,
    seed: int = 0,
    env_id: str = ENV_ID,
    env_kwargs: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> PaperEvaluation:
    """One episode of the published protocol per pair (sampled, or the masked argmax with ``sampled=False``).

    Pair ``i`` draws its actions from ``default_rng([seed, i])``; a graph with
    no legal action (never, with blow-ups legal) stays put for that step.
    ``progress(k)`` is called with the number of pairs finished so far.
    """
    from rigorgym.verifiers import verify

    start = time.perf_counter()
    boards = [make_board(env_id, env_kwargs) for _ in range(min(batch, len(instances)))]
    halves = graph_actions(boards[0].layout) if boards else (np.zeros(0, bool), np.zeros(0, bool))
    episodes = [PaperEpisode() for _ in instances]
    actions = 0
    for first in range(0, len(instances), batch):
        live = {j: _Pair(boards[j], inst) for j, inst in enumerate(instances[first : first + batch])}
        rngs = {j: np.random.default_rng([seed, first + j]) for j in live}
        for step in range(1, max_steps + 1):
            for g in (0, 1):
                if not live:
                    break
                keys = list(live)
                rows = scores([live[j].obs for j in keys])
                for row, j in enumerate(keys):
                    pair = live[j]
                    legal = pair.mask & halves[g]
                    if not legal.any():
                        continue
                    pair.obs, _, _, _, info = pair.board.step(_pick(rows[row], legal, sampled, rngs[j]))
                    pair.mask = info["action_mask"]
                    actions += 1
                    if info["illegal_action"]:
                        continue
                    meet = pair.record(g)
                    cert, rule = (info["certificate"], "isomorphic") if "certificate" in info else (None, None)
                    if cert is None and meet is not None:
                        cert, rule = pair.certificate(*meet), "small"
                    if cert is not None:
                        ok = bool(verify(cert).valid)
                        episodes[first + j] = PaperEpisode(ok, step, rule if ok else None, len(cert["moves"]))
                        del live[j]
            if not live:
                break
        if progress is not None:
            progress(min(first + batch, len(instances)))
    return PaperEvaluation(name, episodes, time.perf_counter() - start, actions)


def uniform_scores(n_actions: int) -> ScoreFn:
    """The random walker's scores: every legal action equally likely."""
    return lambda observations: np.zeros((len(observations), n_actions), np.float32)


#: Seeds of the held-out fresh pairs that pick a run's best checkpoint (the suite's seeds are crc32-derived).
VALIDATION_SEED = 20_230_419


def validation_instances(count: int) -> list[Any]:
    """Fresh pairs of the published protocol, from seeds the suite does not use."""
    from rigorgym.envs.kirby_plumbing import RiPutrovPaperGenerator

    gen = RiPutrovPaperGenerator(max_nodes=112)
    return [gen(np.random.default_rng([VALIDATION_SEED, i])) for i in range(count)]


@dataclass
class TrainSpec:
    """A batched PPO run on ``Kirby-Plumbing-Paper-v0`` (fresh pairs of the protocol every episode) with the
    size-agnostic graph policy of the batched trainers (``agents/policies/plumbing_heads.py``)."""

    steps: int = 600_000
    num_envs: int = 64
    seed: int = 1
    checkpoint_every: int = 40  # updates (of num_envs x 32 env steps)
    width: int = 16
    depth: int = 2


def train_agent(out: Path, spec: TrainSpec) -> Path:
    """Train the agent into ``out`` (an agent folder with ``checkpoints/``) with ``vec_ppo``; return ``out``."""
    from rigorgym.agents.algos import vec_ppo

    args = vec_ppo.Args(
        env_id=ENV_ID, num_envs=spec.num_envs, steps=spec.steps, seed=spec.seed, policy="gnn", width=spec.width,
        depth=spec.depth, checkpoint_every=spec.checkpoint_every, out=out,
    )  # fmt: skip
    return vec_ppo.train(args)


def checkpoints(folder: Path) -> list[tuple[int, Path]]:
    """``(env steps, folder)`` of a run's checkpoints and its final agent, in order."""
    from rigorgym.agents.algos.saved import AgentCard

    out = []
    for path in sorted((folder / "checkpoints").glob("update_*")):
        out.append((AgentCard.read(path).steps, path))
    out.append((AgentCard.read(folder).steps, folder))
    return out


def learning_curve(folder: Path, pairs: Sequence[Any], max_steps: int = MAX_STEPS) -> tuple[list[dict[str, Any]], Path]:
    """Held-out success (one sampled episode by the protocol) of every checkpoint, and the best one."""
    rows, best = [], (-1.0, folder)
    for steps, path in checkpoints(folder):
        scores, env_id, kwargs = agent_scores(path)
        run = evaluate(path.name, scores, pairs, env_id=env_id, env_kwargs=kwargs, seed=1, max_steps=max_steps)
        summary = run.summary()
        rows.append({"steps": steps, "success": summary["success"], "median_steps": summary["median_steps"]})
        if summary["success"] > best[0]:  # the earliest of equals
            best = (summary["success"], path)
    return rows, best[1]


def suite_instances(limit: int | None = None) -> list[Any]:
    """The pairs of ``plumbing-ri-putrov-paper`` (the first ``limit``)."""
    from rigorgym.envs.kirby_plumbing import PlumbingInstance
    from rigorgym.envs.suites import load_suite

    rows = load_suite(SUITE).instances[:limit]
    return [PlumbingInstance.from_instance(x) for x in rows]


__all__ = [
    "ANCHOR",
    "ENV_ID",
    "MAX_STEPS",
    "SMALL",
    "SUITE",
    "PaperEpisode",
    "PaperEvaluation",
    "TrainSpec",
    "agent_scores",
    "checkpoints",
    "evaluate",
    "graph_actions",
    "learning_curve",
    "make_board",
    "misfits",
    "suite_instances",
    "train_agent",
    "uniform_scores",
    "validation_instances",
    "wilson",
]
