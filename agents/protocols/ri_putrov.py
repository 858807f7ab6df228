"""The Ri–Putrov evaluation protocol on ``Kirby-Plumbing-v0``: greedy, sampled and restarted episodes per pair.

Ri and Putrov ("Graph neural networks and 3-dimensional topology", 2023)
trained A3C with a GNN to prove that two plumbing graphs give the same
3-manifold by Neumann moves. This module holds what their protocol needs,
for any learned agent of ``rigorgym train`` on Kirby-Plumbing:

* :func:`evaluate`: one episode per pair, greedy (the masked argmax) or
  sampled from the policy's masked softmax, at most ``move_budget`` moves,
  every certificate re-verified by the kernel; many pairs are played side by
  side so that the policy scores them in one forward pass;
* :func:`evaluate_restarts`: the policy-guided search of ``rigorgym solve
  --agent`` (a greedy episode, then up to ``attempts - 1`` sampled ones),
  with the solved fraction after 1, 2, 4, ... attempts (:func:`restart_summary`);
  :func:`evaluate_agent_restarts` runs it on an agent folder and a suite;
* :func:`evaluate_normal_form`: the ``normal-form`` solver's certificates, the reference lengths;
* :func:`learning_curve`: the solved rate of every checkpoint of a run on
  held-out pairs, and the best checkpoint; :func:`training_curve` the run's
  TensorBoard curves;
* :func:`train_agent`: the training runs of the protocol through
  :func:`rigorgym.agents.train.train` (A3C with a curriculum over the
  scramble depth; DQN and PPO on the env's default generator).
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

SUITE = "plumbing-ri-putrov-10"
ENV_ID = "Kirby-Plumbing-v0"
#: The env of the protocol's agents: 48 slots (the suite's largest graph has 47 nodes), no 0-chain extrusion
#: with a twist or moved neighbours (768 actions), weights read as ``weight / 40``; training episodes end
#: after 100 moves.
ENV_KWARGS: dict[str, Any] = {
    "max_nodes": 48,
    "extrude_d": 0,
    "extrude_neighbours": 0,
    "weight_limit": 40,
    "max_episode_steps": 100,
}
#: The curriculum's scramble depths (the suite's pairs have k = 100).
SCRAMBLES = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 100)
#: Seeds of the held-out pairs that pick the best checkpoint (the suite's own seeds are crc32-derived).
VALIDATION_SEED = 20_230_418

Log = Callable[[dict[str, Any]], None]


def _quiet(record: dict[str, Any]) -> None:
    """The default ``log``: nothing."""


def rounded(x: float) -> float:
    """Four significant digits."""
    return float(f"{x:.4g}")


@dataclass
class Budget:
    """Steps of each training run of the protocol, and the evaluation's sizes."""

    a3c_steps: int = 700_000
    dqn_steps: int = 30_000
    ppo_steps: int = 30_000
    workers: int = 2
    checkpoint_every: int = 70_000
    sb3_checkpoint_every: int = 10_000
    validation_pairs: int = 60
    limit: int | None = None  # suite pairs evaluated (None: all)
    move_budget: int = 200
    attempts: int = 64  # episodes per pair of the policy-guided restart search (greedy, then sampled)
    width: int = 64
    depth: int = 3
    conv: str = "gin"


def curriculum_levels() -> list[dict[str, Any]]:
    """A3C's levels: Ri–Putrov pairs on 10-node trees with growing scramble depth, capped to the env's 48 slots."""
    return [
        {
            "generator.nodes": 10,
            "generator.max_nodes": 48,
            "generator.scramble_moves": k,
            "generator.weight_limit": ENV_KWARGS["weight_limit"],
        }
        for k in SCRAMBLES
    ]


# -- instances and boards --------------------------------------------------------------------------


def suite_instances(limit: int | None = None, suite: str = SUITE) -> list[Any]:
    """The first ``limit`` pairs (all when None) of a Kirby-Plumbing suite, as ``PlumbingInstance``."""
    from rigorgym.envs.kirby_plumbing.types import PlumbingInstance
    from rigorgym.envs.suites import load_suite

    instances = [PlumbingInstance.from_instance(x) for x in load_suite(suite).instances]
    return instances[:limit] if limit else instances


def validation_instances(count: int) -> list[Any]:
    """Held-out pairs drawn exactly as the suite's (n=10, k=100, 48 nodes), from other seeds."""
    from rigorgym.envs.kirby_plumbing.generator import RiPutrovGenerator

    gen = RiPutrovGenerator(10, 100, max_nodes=48)
    return [gen(np.random.default_rng([VALIDATION_SEED, i])) for i in range(count)]


def make_board(env_id: str = ENV_ID, env_kwargs: dict[str, Any] | None = None) -> Any:
    """An unwrapped evaluation env (no episode limit: the protocol's move budget ends episodes)."""
    import gymnasium as gym

    import rigorgym  # noqa: F401  (registers the envs)

    kwargs = {k: v for k, v in (ENV_KWARGS if env_kwargs is None else env_kwargs).items() if k != "max_episode_steps"}
    return gym.make(env_id, **kwargs).unwrapped


# -- episodes --------------------------------------------------------------------------------------


@dataclass
class Episode:
    """One episode on one pair: solved (certificate accepted by the kernel), moves played, moves by op."""

    solved: bool
    moves: int
    verified: bool = False
    ops: dict[str, int] = field(default_factory=dict)


@dataclass
class Evaluation:
    """The episodes of one agent on a list of pairs, and the seconds they took."""

    name: str
    episodes: list[Episode] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """Pairs, solved, verified, success, median/mean/max moves of the solved pairs, seconds, moves by op."""
        solved = [e.moves for e in self.episodes if e.solved]
        n = len(self.episodes)
        ops: dict[str, int] = {}
        for e in self.episodes:
            for op, count in e.ops.items():
                ops[op] = ops.get(op, 0) + count
        return {
            "agent": self.name,
            "pairs": n,
            "solved": len(solved),
            "verified": sum(e.verified for e in self.episodes),
            "success": len(solved) / n if n else 0.0,
            "median_moves": statistics.median(solved) if solved else None,
            "mean_moves": rounded(statistics.fmean(solved)) if solved else None,
            "max_moves": max(solved) if solved else None,
            "eval_s": rounded(self.seconds),
            "ops": dict(sorted(ops.items())),
        }


class UniformPolicy:
    """The ablation of a learned policy: every legal action equally likely (the random walker's restarts)."""

    def __init__(self, actions: int) -> None:
        self.actions = actions


def batch_scores(policy: Any, observations: list[Any]) -> np.ndarray:
    """One row of action scores per observation (A3C, PPO or vec_* logits, DQN Q-values), in one forward pass."""
    import torch

    if isinstance(policy, UniformPolicy):
        return np.zeros((len(observations), policy.actions), dtype=np.float32)
    batched = getattr(policy, "scores", None)
    if batched is not None and not hasattr(policy, "model"):  # a batched trainer's policy (vec_*): its own batch call
        return np.asarray(batched(observations))
    from rigorgym.agents.algos.a3c import A3CPolicy, to_tensor

    with torch.no_grad():
        if isinstance(policy, A3CPolicy):
            return policy.model(to_tensor(observations, policy.observation_space))[0].numpy()
        stacked = {k: np.stack([o[k] for o in observations]) for k in observations[0]}
        tensor, _ = policy.model.policy.obs_to_tensor(stacked)
        if policy.algo == "dqn":
            return policy.model.q_net(tensor).cpu().numpy()
        return policy.model.policy.get_distribution(tensor).distribution.logits.cpu().numpy()


def op_counts(certificate: dict[str, Any]) -> dict[str, int]:
    """The certificate's moves counted by op."""
    counts: dict[str, int] = {}
    for move in certificate["moves"]:
        counts[move["op"]] = counts.get(move["op"], 0) + 1
    return counts


def _key(obs: dict[str, np.ndarray]) -> bytes:
    return b"".join(np.ascontiguousarray(obs[k]).tobytes() for k in ("nodes", "edges", "node_mask", "edge_mask"))


def evaluate(
    name: str,
    policy: Any,
    instances: list[Any],
    move_budget: int,
    batch: int = 64,
    sampled: bool = False,
    attempt: int = 0,
    board: Callable[[], Any] = make_board,
) -> Evaluation:
    """One episode per pair of at most ``move_budget`` moves: greedy (the masked argmax), or ``sampled``.

    ``sampled`` draws the actions from the masked softmax of the policy's
    scores (seeded per pair and ``attempt``). ``batch`` pairs are played side
    by side on their own boards (``board()`` builds one) so that the policy
    scores them in one forward pass (the same moves as one at a time, many
    times faster); every certificate is re-verified by the kernel. A greedy
    episode stops (unsolved) as soon as an observation repeats: the policy
    reads only the observation, so it would cycle up to any move budget.
    """
    from rigorgym.verifiers import verify

    start = time.perf_counter()
    rngs = [np.random.default_rng([VALIDATION_SEED, 1 + attempt, i]) for i in range(len(instances))]
    boards = [board() for _ in range(min(batch, len(instances)))]
    episodes: list[Episode] = [Episode(False, move_budget) for _ in instances]
    for first in range(0, len(instances), batch):
        live: dict[int, tuple[Any, np.ndarray]] = {}
        seen: dict[int, set[bytes]] = {}
        for j, instance in enumerate(instances[first : first + batch]):
            obs, info = boards[j].reset(seed=0, options={"instance": instance})
            live[j] = (obs, info["action_mask"])
            seen[j] = {_key(obs)}
        for moves in range(1, move_budget + 1):
            if not live:
                break
            keys = list(live)
            scores = batch_scores(policy, [live[j][0] for j in keys])
            for row, j in enumerate(keys):
                mask = live[j][1]
                if sampled and mask.any():
                    z = np.where(mask, scores[row].astype(np.float64), -np.inf)
                    prob = np.exp(z - z.max())
                    action = int(rngs[first + j].choice(len(z), p=prob / prob.sum()))
                else:
                    action = int(np.argmax(np.where(mask, scores[row], -np.inf))) if mask.any() else 0
                obs, _, terminated, _, info = boards[j].step(action)
                if "certificate" in info:
                    ok = bool(verify(info["certificate"]).valid)
                    episodes[first + j] = Episode(ok, moves, ok, op_counts(info["certificate"]))
                    del live[j]
                elif terminated or (not sampled and _key(obs) in seen[j]):
                    del live[j]  # ended, or a greedy cycle: Episode(False, move_budget) stands
                else:
                    if not sampled:
                        seen[j].add(_key(obs))
                    live[j] = (obs, info["action_mask"])
    return Evaluation(name, episodes, time.perf_counter() - start)


def evaluate_restarts(
    name: str,
    policy: Any,
    instances: list[Any],
    move_budget: int,
    attempts: int,
    greedy_first: bool = True,
    board: Callable[[], Any] = make_board,
) -> tuple[Evaluation, list[int]]:
    """The policy-guided search of ``rigorgym solve --agent``: a greedy episode, then sampled restarts.

    Each pair gets up to ``attempts`` episodes of at most ``move_budget``
    moves (the first greedy when ``greedy_first``, the others drawn from the
    policy's masked softmax with their own seeds) and stops at its first
    verified certificate. Returns the evaluation (the certificate found) and,
    per pair, the attempt that found it (0 when none did).
    """
    start = time.perf_counter()
    found = [0] * len(instances)
    episodes = [Episode(False, move_budget) for _ in instances]
    for attempt in range(attempts):
        todo = [i for i in range(len(instances)) if not found[i]]
        if not todo:
            break
        sampled = attempt > 0 or not greedy_first
        result = evaluate(
            name, policy, [instances[i] for i in todo], move_budget, sampled=sampled, attempt=attempt, board=board
        )
        for i, episode in zip(todo, result.episodes, strict=True):
            if episode.solved:
                found[i], episodes[i] = attempt + 1, episode
    return Evaluation(name, episodes, time.perf_counter() - start), found


def restart_summary(evaluation: Evaluation, found: list[int], attempts: int) -> dict[str, Any]:
    """The restart search's summary, with the solved fraction after 1, 2, 4, ... attempts (``by_attempts``)."""
    n = max(1, len(found))
    ks = sorted({*(2**i for i in range(attempts.bit_length()) if 2**i <= attempts), attempts})
    return {
        **evaluation.summary(),
        "attempts": attempts,
        "by_attempts": {str(k): sum(1 for f in found if 0 < f <= k) / n for k in ks},
        "mean_attempts_solved": rounded(statistics.fmean([f for f in found if f])) if any(found) else None,
    }


def evaluate_agent_restarts(
    agent: str | Path,
    suite: str = SUITE,
    attempts: int = 64,
    move_budget: int = 200,
    limit: int | None = None,
) -> dict[str, Any]:
    """The restart protocol on a trained agent folder (any algorithm of ``rigorgym train`` on Kirby-Plumbing).

    ``attempts`` = 1 is the greedy protocol (one episode per pair). The boards
    are built from the agent's card (its env id and kwargs); the first
    ``limit`` pairs of ``suite`` are played. Returns :func:`restart_summary`
    plus ``suite`` and ``move_budget``. A3C and stable-baselines3 agents of a
    Kirby-Plumbing env, or those of the batched trainers (ValueError otherwise; ``BadAgentDir`` for a folder
    that is not an agent).
    """
    from rigorgym.agents.algos.saved import AgentCard
    from rigorgym.agents.learned import load_policy

    if attempts < 1 or move_budget < 1:
        raise ValueError(f"attempts and move_budget must be >= 1, got {attempts} and {move_budget}")
    card = AgentCard.read(agent)
    if card.algo.startswith("rllib_") or not card.env_id.startswith("Kirby-Plumbing"):
        raise ValueError(f"{agent}: the Ri–Putrov protocol plays A3C, SB3 or vec agents of Kirby-Plumbing, not "
                         f"{card.algo} on {card.env_id}")  # fmt: skip
    policy = load_policy(agent)
    instances = suite_instances(limit, suite)
    evaluation, found = evaluate_restarts(
        Path(agent).name,
        policy,
        instances,
        move_budget,
        attempts,
        board=lambda: make_board(card.env_id, card.env_kwargs),
    )
    return {**restart_summary(evaluation, found, attempts), "suite": suite, "move_budget": move_budget}


def evaluate_normal_form(instances: list[Any]) -> Evaluation:
    """``normal-form``'s certificates (Neumann reduction of both graphs), each re-verified by the kernel."""
    from rigorgym.agents.normal_form import certify_pair
    from rigorgym.envs.kirby_plumbing.env import make_certificate
    from rigorgym.verifiers import verify

    start = time.perf_counter()
    out = Evaluation("normal-form")
    for instance in instances:
        found = certify_pair(instance)
        if found is None:
            out.episodes.append(Episode(False, 0))
            continue
        claim, moves = found
        certificate = make_certificate(instance, moves, claim)
        ok = bool(verify(certificate).valid)
        out.episodes.append(Episode(ok, len(moves), ok, op_counts(certificate)))
    out.seconds = time.perf_counter() - start
    return out


def versus(evaluation: Evaluation, reference: Evaluation) -> dict[str, Any] | None:
    """Mean and median moves of both on the pairs both solved (None when there are none)."""
    both = [
        (e.moves, f.moves)
        for e, f in zip(evaluation.episodes, reference.episodes, strict=True)
        if e.solved and f.solved
    ]
    if not both:
        return None
    ours, theirs = [a for a, _ in both], [b for _, b in both]
    return {
        "pairs": len(both),
        "a3c_mean": statistics.fmean(ours),
        "nf_mean": statistics.fmean(theirs),
        "a3c_median": statistics.median(ours),
        "nf_median": statistics.median(theirs),
    }


# -- training runs and their checkpoints -----------------------------------------------------------


def train_agent(algo: str, out: Path, budget: Budget, seed: int) -> Path:
    """One training run of the protocol through :func:`rigorgym.agents.train.train`; returns the agent folder.

    ``a3c``: ``budget.workers`` processes, n-step 20, lr 5e-4, the curriculum
    of :func:`curriculum_levels` (next level at 80% over a worker's last 50
    episodes). ``dqn``, ``ppo``, ``maskable_ppo``: SB3 defaults, one thread,
    the env's default generator (SB3 has no curriculum hook).
    """
    from rigorgym.agents.train import train

    common: dict[str, Any] = {
        "conv": budget.conv,
        "depth": budget.depth,
        "width": budget.width,
        "env_kwargs": dict(ENV_KWARGS),
        "progress": False,
    }
    if algo == "a3c":
        options = {
            "workers": budget.workers,
            "n_steps": 20,
            "lr": 5e-4,
            "gamma": 0.99,
            "entropy_coef": 0.01,
            "checkpoint_every": budget.checkpoint_every,
            "curriculum": curriculum_levels(),
            "curriculum_threshold": 0.8,
            "curriculum_window": 50,
        }
        return train(ENV_ID, "a3c", "gnn", budget.a3c_steps, seed, out, **common, **options)
    steps = budget.dqn_steps if algo == "dqn" else budget.ppo_steps
    return train(
        ENV_ID, algo, "gnn", steps, seed, out, **common, checkpoint_every=budget.sb3_checkpoint_every, threads=1
    )


def checkpoint_step(path: Path, final: int) -> int:
    """The env steps of a checkpoint file (``model_N.pt``, ``model_N_steps.zip``); ``final`` for the final model."""
    digits = path.stem.removeprefix("model_").removesuffix("_steps")
    return int(digits) if digits.isdigit() else final


def checkpoints(folder: Path) -> list[tuple[int, Path]]:
    """(env steps, file) of a run's periodic checkpoints, in order, and the final model."""
    from rigorgym.agents.algos.saved import AgentCard

    card = AgentCard.read(folder)
    found = [(checkpoint_step(p, -1), p) for p in (folder / "checkpoints").glob("model_*")]
    found = [(steps, p) for steps, p in found if 0 <= steps < card.steps]
    found.append((card.steps, folder / card.model_file))
    return sorted(set(found))


def policy_at(folder: Path, algo: str, path: Path) -> Any:
    """The acting policy of ``folder`` with the weights of checkpoint ``path``."""
    import torch
    from rigorgym.agents.learned import SB3Policy, load_policy, sb3_class

    if algo == "a3c":
        policy = load_policy(folder)
        policy.model.load_state_dict(torch.load(path, weights_only=True))  # type: ignore[attr-defined]
        return policy
    return SB3Policy(sb3_class(algo).load(path, device="cpu"), algo)


def learning_curve(
    folder: Path, algo: str, validation: list[Any], move_budget: int, log: Log = _quiet
) -> tuple[list[dict[str, Any]], Path]:
    """Greedy solved rate on held-out pairs at every checkpoint, and the best checkpoint (the latest on ties)."""
    curve: list[dict[str, Any]] = []
    best: tuple[float, int, Path] | None = None
    for steps, path in checkpoints(folder):
        rate = evaluate(algo, policy_at(folder, algo, path), validation, move_budget).summary()["success"]
        curve.append({"steps": steps, "validation_solved_rate": rate})
        log({"curve": algo, "steps": steps, "validation_solved_rate": rate})
        if best is None or rate >= best[0]:
            best = (rate, steps, path)
    assert best is not None
    return curve, best[2]


def training_curve(folder: Path) -> list[dict[str, float]]:
    """``charts/solved_rate`` (and A3C's ``charts/curriculum_level``) from the run's TensorBoard logs."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(folder / "tb"))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    out: list[dict[str, float]] = []
    for tag in ("charts/solved_rate", "charts/curriculum_level"):
        if tag in tags:
            points = events.Scalars(tag)
            stride = max(1, len(points) // 200)
            out += [{"tag": tag, "steps": p.step, "value": p.value} for p in points[::stride]]
    return out


@dataclass
class Run:
    """One trained agent of the protocol: its folder, the checkpoint evaluated and its curves."""

    label: str
    algo: str
    folder: Path
    train_s: float
    steps: int
    chosen: Path
    curve: list[dict[str, Any]] = field(default_factory=list)
    training: list[dict[str, float]] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        """The run as the report keeps it."""
        from rigorgym.agents.algos.saved import AgentCard

        return {
            "label": self.label,
            "algo": self.algo,
            "steps": self.steps,
            "train_s": self.train_s,
            "chosen": self.chosen.name,
            "metrics": AgentCard.read(self.folder).metrics,
            "curve": self.curve,
            "training": self.training,
        }


def trained_run(
    label: str,
    algo: str,
    folder: Path,
    budget: Budget,
    seed: int,
    validation: list[Any],
    reuse: bool = False,
    log: Log = _quiet,
) -> Run:
    """Train ``algo`` into ``folder`` (unless ``reuse`` finds a finished run there) and pick its best checkpoint."""
    from rigorgym.agents.algos.saved import AgentCard

    if not (reuse and (folder / "agent.json").is_file()):
        if folder.exists():
            shutil.rmtree(folder)
        train_agent(algo, folder, budget, seed)
    card = AgentCard.read(folder)
    log({"trained": label, "algo": algo, "steps": card.steps, "train_s": rounded(card.wall_s), **card.metrics})
    curve, chosen = learning_curve(folder, algo, validation, budget.move_budget, log)
    return Run(label, algo, folder, card.wall_s, card.steps, chosen, curve, training_curve(folder))


def evaluate_run(
    run: Run, instances: list[Any], budget: Budget, reference: Evaluation | None = None, log: Log = _quiet
) -> tuple[dict[str, Any], Evaluation]:
    """The greedy evaluation of a run's chosen checkpoint; for A3C also one sampled episode and the restarts.

    Returns the summary row (with ``sampled``, ``restarts`` and, against
    ``reference``, ``vs_normal_form`` where measured) and the greedy evaluation.
    """
    greedy = evaluate(run.label, policy_at(run.folder, run.algo, run.chosen), instances, budget.move_budget)
    summary = greedy.summary()
    if run.algo == "a3c":
        policy = policy_at(run.folder, run.algo, run.chosen)
        sampled = evaluate(run.label, policy, instances, budget.move_budget, sampled=True)
        summary["sampled"] = {k: v for k, v in sampled.summary().items() if k not in ("agent", "ops")}
        restarts, found = evaluate_restarts(run.label, policy, instances, budget.move_budget, budget.attempts)
        summary["restarts"] = restart_summary(restarts, found, budget.attempts)
        log({"restarts": run.label, **{k: v for k, v in summary["restarts"].items() if k != "ops"}})
    summary.update(
        training="curriculum k=1..100" if run.algo == "a3c" else "n=6, k=10",
        steps=run.steps,
        train_s=rounded(run.train_s),
        checkpoint=run.chosen.name,
        moves=[e.moves for e in greedy.episodes if e.solved],
    )
    against = versus(greedy, reference) if reference is not None else None
    if against:
        summary["vs_normal_form"] = against
    return summary, greedy


def uniform_restarts(instances: list[Any], move_budget: int, attempts: int) -> dict[str, Any]:
    """The ablation of the restart search: the same episodes with every legal action equally likely."""
    evaluation, found = evaluate_restarts(
        "random walk",
        UniformPolicy(make_board().action_space.n),
        instances,
        move_budget,
        attempts,
        greedy_first=False,
    )
    row = restart_summary(evaluation, found, attempts)
    row.update(agent="random walk", training="– (uniform)", moves=[e.moves for e in evaluation.episodes if e.solved])
    return row


def ship_card(run: Run, evaluation: dict[str, Any], command: str) -> tuple[dict[str, float], str, str]:
    """The metrics, notes and CARD.md of a run shipped as a pretrained agent (for ``saved.ship_agent``)."""
    from rigorgym.agents.algos.saved import AgentCard

    card = AgentCard.read(run.folder)
    steps = checkpoint_step(run.chosen, card.steps)
    metrics = {
        "solved_rate": evaluation["success"],
        "train_solved_rate": card.metrics.get("solved_rate", 0.0),
        "median_moves": evaluation["median_moves"],
        "mean_moves": evaluation["mean_moves"],
        "SPS": card.metrics.get("SPS", 0.0),
    }
    restarts = evaluation.get("restarts")
    if restarts:
        metrics["restart_solved_rate"] = restarts["success"]
    notes = (
        f"benchmarks/ri_putrov.py: checkpoint at {steps} of {card.steps} env steps (best on held-out pairs); "
        f"greedy, {evaluation['move_budget']} moves per pair, on all {evaluation['pairs']} pairs of {SUITE}: "
        f"{evaluation['solved']} solved ({100 * evaluation['success']:.1f}%), every certificate verified by the kernel"
    )
    options = ", ".join(f"{k}={v}" for k, v in card.policy_options.items())
    text = (
        f"- env: `{card.env_id}` with `{json.dumps(card.env_kwargs)}`; algorithm `a3c` "
        f"({card.algo_args.get('workers')} workers, n_steps {card.algo_args.get('n_steps')}, lr "
        f"{card.algo_args.get('lr')}); policy `gnn` ({options})\n"
        f"- curriculum: scramble depth k of `RiPutrovGenerator(nodes=10)` = {', '.join(map(str, SCRAMBLES))}, "
        f"next level at 80% solved over a worker's last 50 episodes\n"
        f"- trained: {card.steps:,} env steps, seed {card.seed}, {card.wall_s / 60:.0f} min wall on 2 CPU cores; "
        f"weights of the checkpoint at {steps:,} steps (best on held-out generated pairs)\n"
        f"- evaluation: greedy, {evaluation['move_budget']} moves per pair, all {evaluation['pairs']} pairs of "
        f"`{SUITE}`: {evaluation['solved']} solved ({100 * evaluation['success']:.1f}%), every certificate "
        f"re-verified; median moves {evaluation['median_moves']}\n"
        + (
            f"- as `rigorgym solve` plays it (one greedy episode, then sampled ones; up to {restarts['attempts']} "
            f"per pair): {restarts['solved']} solved ({100 * restarts['success']:.1f}%)\n"
            if restarts
            else ""
        )
        + f"- made by `{command}` (see docs/results/ri-putrov.md)\n"
    )
    return metrics, notes, text
