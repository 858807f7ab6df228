"""UnKnot-Diagram-v0 on the batched trainers: vec PPO (and A2C) trained on 10-crossing scrambles, then played alone.

Issue 20, item 5 ("the zoo on the new env ... the batched trainers"). Each
algorithm of ``--steps`` trains on the batched vector env of UnKnot-Diagram-v0
(``agents/algos/vec_*.py``, ``--policy mlp`` over the flat observation of
``agents/policies/diagram_obs.py``) on fresh scrambles of the training
generator (``ScrambledUnknotGenerator(crossings, shuffles)``; the default is
the env's own, 10 crossings and 20 R3 shuffles). Then each agent plays
**alone** (one greedy episode per instance, masked argmax, no search, no
restarts) on fresh scrambles of 10 and 20 crossings (seeded, never the
training stream's) and on the suite ``unknot-diagram-hard``, beside the
random walker (one episode, uniform over the legal moves) and
``diagram-search`` under the same move cap (``--max-steps``: moves played,
all its tries together). The cap of each suite is its tier's episode
length (200, 500, 2000) unless ``--max-moves`` sets one for all. Every
certificate is re-verified by ``rigorgym.verifiers.verify``.

Prints one JSON line per trained agent and per (agent, suite); writes
``unknot-diagram-zoo.{md,json}`` into ``--out-dir`` through
``benchmarks/_report.py``. Usage::

    python benchmarks/unknot_diagram_zoo.py --steps ppo=6000000 --agents-dir runs/diagram-zoo --out-dir docs/results
    python benchmarks/unknot_diagram_zoo.py --quick      # tiny budgets, a few instances, into a temp folder
    python benchmarks/unknot_diagram_zoo.py --from-json docs/results/unknot-diagram-zoo.json   # re-render only
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Recorder  # noqa: E402
from _report import ResultsPage  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STEM = "unknot-diagram-zoo"
ENV_ID = "UnKnot-Diagram-v0"
ALGOS = ("ppo", "a2c", "trpo", "dqn")
RANDOM, SEARCH = "random", "diagram-search"
#: (name, crossings, shuffles or suite, the tier whose episode length is the move cap)
SUITES = {
    "scramble-10": (10, 20, 200),  # UnKnot-Diagram-v0's generator and episode length
    "scramble-20": (20, 60, 500),  # UnKnot-Diagram-Medium-v0's
    "unknot-diagram-hard": (None, None, 2000),  # UnKnot-Diagram-Hard-v0's suite
}
EVAL_SEED = 20_000  # the evaluation scrambles' stream (training draws from the env's own seeds)


def budgets(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in (part.strip() for part in text.split(",") if part.strip()):
        algo, _, steps = item.partition("=")
        if algo not in ALGOS or not steps.isdigit() or int(steps) < 1:
            raise argparse.ArgumentTypeError(f"{item!r}: want ALGO=STEPS, ALGO one of {', '.join(ALGOS)}")
        out[algo] = int(steps)
    return out


def instances(suite: str, n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` fresh scrambles of a scramble suite (seeded), or a seeded sample of a shipped suite, as raw dicts."""
    import numpy as np
    from rigorgym.agents.protocols.unknot import sample
    from rigorgym.envs.unknot_diagram.generator import ScrambledUnknotGenerator

    crossings, shuffles, _ = SUITES[suite]
    if crossings is None:
        return [dict(x) for x in sample(suite, n, seed)]
    gen, rng = ScrambledUnknotGenerator(crossings, shuffles), np.random.default_rng(EVAL_SEED + seed + crossings)
    return [{"id": f"{suite}-{k}", "pd": [list(c) for c in gen(rng).pd]} for k in range(n)]


def train(algo: str, steps: int, out: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One batched trainer on the training generator (injected as the zoo does: ``env_kwargs`` must be JSON)."""
    from rigorgym.agents.protocols.unknot_zoo import _note_curriculum, _with_generator, trained_row
    from rigorgym.envs.unknot_diagram.generator import ScrambledUnknotGenerator

    module = importlib.import_module(f"rigorgym.agents.algos.vec_{algo}")
    options: dict[str, Any] = {"num_envs": args.num_envs, "seed": args.seed, "threads": args.threads, "policy": "mlp",
                               "env_kwargs": {"max_episode_steps": args.episode_steps}}  # fmt: skip
    options.update(json.loads(args.options).get(algo, {}))
    generator = ScrambledUnknotGenerator(args.train_crossings, args.train_shuffles)
    with _with_generator(module, "make_envs", generator):
        folder = Path(module.train(module.Args(env_id=ENV_ID, steps=steps, out=out, **options)))
    _note_curriculum(folder, generator)
    return {**trained_row(folder, algo, steps), "generator": repr(generator)}


def evaluate(
    agent: str, suite: str, raws: list[dict[str, Any]], cap: int, seed: int, search_s: float
) -> dict[str, Any]:
    """One (agent, suite) row: the pure policy (or walker) under ``cap`` moves, or ``diagram-search`` at ``--max-steps cap``."""
    from rigorgym.agents.base import Budget
    from rigorgym.agents.protocols.pure_policy import Protocol, evaluate_policy, play
    from rigorgym.agents.protocols.unknot import rounded, wilson
    from rigorgym.agents.protocols.unknot_diagram import solve_and_verify
    from rigorgym.agents.protocols.unknot_zoo import RandomWalker
    from rigorgym.agents.runner import make_env_for
    from rigorgym.envs.unknot_diagram import DiagramInstance
    from rigorgym.verifiers import verify

    start = time.perf_counter()
    protocol = Protocol(attempts=1, deterministic=True, max_moves=cap)
    moves: list[int | None]
    over = 0  # diagram-search: certified, but after more moves played than the cap (not counted)
    if agent == SEARCH:
        rows = [solve_and_verify(SEARCH, raw, Budget(search_s, max_steps=cap), seed + k) for k, raw in enumerate(raws)]
        # within the cap: its moves played over all tries (it checks the cap between rounds, so it may overshoot)
        moves = [r["moves"] if r["verified"] and r["claim"] == "unknot" and r["steps"] <= cap else None for r in rows]
        over = sum(r["verified"] and r["claim"] == "unknot" and r["steps"] > cap for r in rows)
    else:
        xs = [DiagramInstance.from_instance(raw) for raw in raws]
        if agent == RANDOM:
            walker, env = RandomWalker(card=SimpleNamespace(env_id=ENV_ID)), make_env_for(ENV_ID, xs)
            outcomes = [play(walker, env, x, protocol, seed + k) for k, x in enumerate(xs)]
            env.close()
        else:
            outcomes = evaluate_policy(ENV_ID, xs, agent, protocol, seed).outcomes
        # re-verified here, beside the protocol's own check: only kernel-accepted unknot certificates count
        moves = [None if o.certificate is None or not verify(o.certificate).valid else o.moves for o in outcomes]
    solved = [m for m in moves if m is not None]
    return {
        "agent": Path(agent).name, "suite": suite, "instances": len(raws), "solved": len(solved),
        "solved_fraction": rounded(len(solved) / len(raws)), "ci95": wilson(len(solved), len(raws)),
        "mean_moves": rounded(statistics.fmean(solved)) if solved else None, "move_cap": cap,
        "over_cap": over, "mean_crossings": rounded(statistics.fmean(len(r["pd"]) for r in raws)),
        "seconds": rounded(time.perf_counter() - start), "ids": [r.get("id") for r in raws], "moves": moves,
    }  # fmt: skip


def ship(report: dict[str, Any], folder: Path, target: Path) -> bool:
    """Ship the PPO agent as ``pretrained`` when it solves more 10-crossing scrambles than the random walker."""
    from rigorgym.agents.algos.saved import ship_agent

    by = {(r["agent"], r["suite"]): r for r in report["results"]}
    ours, walker = by.get((folder.name, "scramble-10")), by.get((RANDOM, "scramble-10"))
    if ours is None or walker is None or ours["solved"] <= walker["solved"]:
        return False
    t = next(t for t in report["training"] if t["agent"] == folder.name)
    lines = [f"  - {r['suite']}: {r['solved']}/{r['instances']} ({r['solved_fraction']:.1%}), random walker "
             f"{by[RANDOM, r['suite']]['solved']}, diagram-search {by[SEARCH, r['suite']]['solved']} (cap {r['move_cap']})"
             for r in report["results"] if r["agent"] == folder.name]  # fmt: skip
    card = (
        f"- env: `{ENV_ID}` (64 crossings, reach 3, flat observation of `agents/policies/diagram_obs.py`); trained "
        f"on `{t['generator']}` (fresh scrambles every episode), episodes of {report['config']['episode_steps']} moves\n"
        f"- algorithm `{t['trainer']}`, policy `mlp` (hidden {tuple(t['policy_options']['hidden'])}), "
        f"{report['config']['num_envs']} envs, options {report['config']['options'].get('ppo', {})} beside the defaults\n"
        f"- trained: {t['steps']:,} env steps, seed {report['config']['seed']}, {t['wall_s']:,.0f} s (torch threads 1, 2 shared cores), by "
        f"`benchmarks/unknot_diagram_zoo.py --ship`; {t['train_solved_rate']:.1%} of the last 1,000 training episodes solved\n"
        "- the policy alone (one greedy episode, masked argmax), every certificate re-verified:\n"
        + "\n".join(lines)
        + "\n- `rigorgym solve UnKnot-Diagram-v0 --agent pretrained` plays it (a greedy episode, then sampled "
        "restarts within the budget); results: docs/results/unknot-diagram-zoo.md\n"
    )
    ahead = [f"{r['agent']} {r['solved']}/{r['instances']} on {r['suite']}" for r in report["results"]
             if r["agent"] not in (RANDOM, SEARCH, folder.name) and r["solved"] > by[folder.name, r["suite"]]["solved"]]  # fmt: skip
    card += f"- ahead of it on that page: {', '.join(ahead)}\n" if ahead else ""
    ship_agent(folder, target, card)  # the card keeps the training metrics, as the other shipped agents' do
    return True


def render(page: ResultsPage, report: dict[str, Any]) -> None:
    cfg, results, training = report["config"], report["results"], report["training"]
    agents, suites = cfg["agents"], cfg["suites"]
    by = {(r["agent"], r["suite"]): r for r in results}
    smoke = "**A smoke run (`--quick`): tiny budgets, a few instances; it measures nothing.** " if cfg["quick"] else ""
    page.text(
        f"{smoke}Issue 20 item 5: the batched trainers on UnKnot-Diagram-v0 (64 crossings, "
        f"{cfg['n_actions']:,} actions, flat observation of 322 int16 entries). **Training**: "
        f"`{cfg['generator']}` (fresh scrambles every episode), episodes cut at {cfg['episode_steps']} moves, "
        f"{cfg['num_envs']} envs, torch threads {cfg['threads']}. **Evaluation**: the policy alone, one greedy episode "
        "(masked argmax) per instance, no search, no restarts, at most the move cap of the suite's tier; the random "
        "walker (one episode, uniform legal moves) under the same cap; `diagram-search` (the Alexander polynomial, "
        "then Reidemeister search) with `--max-steps` = the cap (moves played over all its tries) and "
        f"{cfg['search_s']} s (without a move cap: [unknot-diagram](unknot-diagram.md)). Scrambles are fresh (`ScrambledUnknotGenerator`, seed {EVAL_SEED} + crossings), "
        f"{cfg['per_suite']} per size; `unknot-diagram-hard` is the suite's 50 diagrams. Every certificate "
        "re-verified by the kernel (`rigorgym.verifiers.verify`)."
    )
    page.heading("Training")
    page.table(["agent", "trainer", "network", "env steps", "wall s", "steps/s", "training solved rate"],
               [[t["agent"], t["trainer"], f"mlp {t['policy_options']}", t["steps"], t["wall_s"], t["steps_per_s"],
                 t["train_solved_rate"]] for t in training],
               caption="Env steps as the trainer counted them; training solved rate: the last 1,000 episodes.")  # fmt: skip
    page.heading("Solved, policy alone")
    head = [f"{s} (cap {SUITES[s][2] if cfg['max_moves'] is None else cfg['max_moves']})" for s in suites]
    cells = lambda a, s: f"{by[a, s]['solved']}/{by[a, s]['instances']}" if (a, s) in by else None  # noqa: E731
    page.table(["agent", *head], [[a, *(cells(a, s) for s in suites)] for a in agents],
               caption="Solved of instances (95% Wilson intervals in the JSON). `diagram-search` counts only when its "
                       "moves played over all tries fit the cap; it checks the cap between rounds, and its "
                       "certificates found past the cap are `over_cap` in the JSON.")  # fmt: skip
    page.table(["agent", *suites], [[a, *(by[a, s]["mean_moves"] if (a, s) in by else None for s in suites)]
                                    for a in agents], caption="Mean moves of the solved instances (–: none):")  # fmt: skip
    learned = [a for a in agents if a not in (RANDOM, SEARCH)]
    if learned:
        best = {s: max(learned, key=lambda a: by[a, s]["solved"] if (a, s) in by else -1) for s in suites}
        page.text("Reading: " + "; ".join(
            f"{s}: best learned policy {best[s]} {cells(best[s], s)}, the walker {cells(RANDOM, s)}, "
            f"`diagram-search` {cells(SEARCH, s)}" for s in suites if (best[s], s) in by) + ".")  # fmt: skip
    if report.get("shipped") is not None:
        page.text(f"Shipped as `pretrained`: {report['shipped'] or 'no (not ahead of the random walker)'}.")
    page.heading("Reproduce")
    page.reproduce(report.get("command", page.command))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=budgets, default=budgets("ppo=2000000"), help="ALGO=ENV_STEPS,...")
    p.add_argument("--num-envs", type=int, default=64)
    p.add_argument("--episode-steps", type=int, default=200, help="training episode length")
    p.add_argument("--train-crossings", type=int, default=10)
    p.add_argument("--train-shuffles", type=int, default=20)
    p.add_argument("--options", default="{}", help='JSON per algo, e.g. \'{"ppo": {"ent_coef": 0.001}}\'')
    p.add_argument("--per-suite", type=int, default=200)
    p.add_argument("--max-moves", type=int, help="one move cap for every suite (default: each tier's)")
    p.add_argument("--search-s", type=float, default=20.0, help="diagram-search's wall clock per instance")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--agents-dir", type=Path)
    p.add_argument("--skip-training", action="store_true")
    p.add_argument("--ship", action="store_true", help="ship the PPO agent if ahead of the walker on scramble-10")
    p.add_argument("--out-dir", type=Path)
    p.add_argument("--quick", action="store_true", help="ppo=a2c=512 steps, 8 envs, 3 instances, cap 40")
    p.add_argument("--from-json", type=Path)
    args = p.parse_args(argv)
    if args.quick:
        args.steps, args.num_envs, args.per_suite, args.max_moves = {"ppo": 512, "a2c": 512}, 8, 3, 40
    if args.skip_training and not args.agents_dir:
        p.error("--skip-training needs --agents-dir")
    tmp = tempfile.TemporaryDirectory()
    out_dir = args.out_dir or (Path(tmp.name) if args.quick else ROOT / "docs" / "results")
    page = ResultsPage(STEM, "UnKnot-Diagram-v0 on the batched trainers, policy alone", __file__, argv)
    if args.from_json:
        report = page.from_report(json.loads(args.from_json.read_text()))
    else:
        record, work = Recorder(), args.agents_dir or Path(tmp.name) / "agents"
        training = []
        for algo, steps in args.steps.items():
            folder = work / f"{algo}-mlp"
            if args.skip_training:
                from rigorgym.agents.protocols.unknot_zoo import trained_row

                row = {**trained_row(folder, algo, steps), "generator": "see the card's notes"}
            else:
                row = train(algo, steps, folder, args)
            training.append(row)
            record({"bench": "unknot_diagram_zoo_train", **row})
        agents = [RANDOM, SEARCH, *(t["agent"] for t in training)]
        results = []
        for suite in SUITES:
            raws, cap = instances(suite, args.per_suite, args.seed), args.max_moves or SUITES[suite][2]
            for agent in agents:
                name = agent if agent in (RANDOM, SEARCH) else str(work / agent)
                row = evaluate(name, suite, raws, cap, args.seed, args.search_s)
                results.append(row)
                record({"bench": "unknot_diagram_zoo", **{k: v for k, v in row.items() if k not in ("ids", "moves")}})
        import gymnasium as gym

        import rigorgym  # noqa: F401

        config = {"budgets": args.steps, "num_envs": args.num_envs, "episode_steps": args.episode_steps,
                  "generator": f"ScrambledUnknotGenerator(crossings={args.train_crossings}, shuffles={args.train_shuffles})",
                  "options": json.loads(args.options), "per_suite": args.per_suite, "max_moves": args.max_moves,
                  "search_s": args.search_s, "seed": args.seed, "threads": args.threads, "quick": args.quick,
                  "n_actions": int(gym.make(ENV_ID).action_space.n), "suites": list(SUITES), "agents": agents}  # fmt: skip
        report = {"config": config, "training": training, "results": results, "shipped": None}
        if args.ship and "ppo" in args.steps:
            target = ROOT / "agents" / "data" / "pretrained" / "unknot-diagram-ppo-mlp"
            report["shipped"] = str(target.relative_to(ROOT)) if ship(report, work / "ppo-mlp", target) else ""
    render(page, report)
    page.write(out_dir, report)
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
