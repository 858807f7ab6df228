"""Train the agents that ship inside the package (``agents/data/pretrained/NAME``), evaluate them, write cards.

Each entry of :data:`PLAN` is trained with ``rigorgym.agents.train.train``
(one torch thread, fixed seed), evaluated with the runner on a sample of a
frozen suite (every certificate re-verified by the kernel), and copied into
``agents/data/pretrained/NAME/`` as ``agent.json`` + the model file +
``CARD.md`` (how it was trained, steps, seed, wall time, training metrics,
evaluation). TensorBoard logs and checkpoints stay in the work folder.
``rigorgym solve --agent pretrained`` picks, per game, the card with the best
``metrics["solved_rate"]``, which this script sets to the evaluation's solved
fraction. The UnKnot and Kirby-Plumbing agents it once trained (SB3 MaskablePPO)
are retired: ``unknot-ppo-mlp`` comes from ``benchmarks/unknot_zoo.py`` (the zoo's
PPO) and ``plumbing-ppo-gnn`` from ``benchmarks/ri_putrov_paper.py --ship``.

Usage::

    python benchmarks/train_pretrained.py                    # every agent, about 20 minutes on 2 cores
    python benchmarks/train_pretrained.py --only ribbon-maskable-ppo-gnn --work runs/pretrained
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, machine, rounded  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHIP = ROOT / "agents" / "data" / "pretrained"


@dataclass
class Plan:
    name: str
    env_id: str
    algo: str
    policy: str
    steps: int
    suite: str
    eval_count: int
    budget_s: float
    options: dict[str, Any] = field(default_factory=dict)


PLAN = (
    Plan(
        "ribbon-maskable-ppo-gnn",
        "Ribbon-Easy-v0",
        "maskable_ppo",
        "gnn",
        3_000,
        "ribbon-knotinfo-12",
        20,
        5.0,
        {"conv": "gin", "depth": 3, "width": 32, "n_steps": 128, "batch_size": 32},
    ),
)


def evaluate(plan: Plan, folder: Path) -> dict[str, Any]:
    from rigorgym.agents.runner import run_agent
    from rigorgym.envs.games import GAMES
    from rigorgym.envs.suites import load_suite

    suite = load_suite(plan.suite)
    game = next(g for g in GAMES if g.env == suite.env)
    instances = [game.read_instance(x) for x in suite.instances[: plan.eval_count]]
    outcomes = list(run_agent(suite.env, instances, str(folder), plan.budget_s, seed=0, progress=False))
    solved = [o for o in outcomes if o.certificate is not None]
    moves = [len(o.certificate["moves"]) for o in solved if o.certificate is not None]
    return {
        "suite": plan.suite,
        "instances": len(instances),
        "solved": len(solved),
        "solved_fraction": rounded(len(solved) / max(len(instances), 1)),
        "median_moves": statistics.median(moves) if moves else None,
        "budget_s": plan.budget_s,
    }


def card_text(plan: Plan, card: Any, evaluation: dict[str, Any], wall: float) -> str:
    opts = ", ".join(f"{k}={v}" for k, v in plan.options.items()) or "defaults"
    return "\n".join(
        [
            f"# {plan.name}",
            "",
            f"- env: `{plan.env_id}`; algorithm `{plan.algo}`; policy `{plan.policy}` ({opts})",
            f"- trained: {card.steps} env steps, seed {card.seed}, {wall:.0f} s wall on "
            f"{machine()['cpu']} ({machine()['cpu_count']} cores), one torch thread",
            f"- training metrics (last 100 episodes): solved rate {card.metrics.get('train_solved_rate', 0):.3f}, "
            f"mean moves of solved episodes {card.metrics.get('episode_moves', 0):.1f}",
            f"- evaluation: {evaluation['solved']}/{evaluation['instances']} of the first {evaluation['instances']} "
            f"instances of `{evaluation['suite']}` at {evaluation['budget_s']} s each (certificates re-verified), "
            f"median moves {evaluation['median_moves']}",
            f"- made by `python benchmarks/train_pretrained.py --only {plan.name}` (rigorgym {card.rigorgym})",
            "",
        ]
    )


def ship(plan: Plan, work: Path) -> dict[str, Any]:
    from rigorgym.agents.algos.saved import AgentCard, ship_agent
    from rigorgym.agents.train import train

    run_dir = work / plan.name
    if run_dir.exists():
        shutil.rmtree(run_dir)
    start = time.perf_counter()
    train(plan.env_id, plan.algo, plan.policy, plan.steps, 1, run_dir, progress=False, threads=1, **plan.options)
    wall = time.perf_counter() - start
    evaluation = evaluate(plan, run_dir)
    card = AgentCard.read(run_dir)
    card.metrics["train_solved_rate"] = card.metrics.get("solved_rate", 0.0)
    card.metrics["solved_rate"] = evaluation["solved_fraction"]  # what `--agent pretrained` ranks by
    notes = f"evaluated on {evaluation['suite']}: {evaluation['solved']}/{evaluation['instances']}"
    text = card_text(plan, card, evaluation, wall).split("\n", 2)[2]  # ship_agent writes the heading
    ship_agent(run_dir, SHIP / plan.name, text, metrics=card.metrics, notes=notes)
    return {"bench": "pretrained", "name": plan.name, "wall_s": rounded(wall), **evaluation}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default="", help="comma list of agent names (default: all)")
    p.add_argument("--work", type=Path, default=None, help="folder for the training runs (default: a temp folder)")
    args = p.parse_args(argv)
    names = [n for n in args.only.split(",") if n]
    unknown = set(names) - {pl.name for pl in PLAN}
    if unknown:
        p.error(f"unknown agent(s) {sorted(unknown)}; known: {[pl.name for pl in PLAN]}")
    emit({"bench": "machine", **machine()})
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        for plan in PLAN:
            if not names or plan.name in names:
                emit(ship(plan, work))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
