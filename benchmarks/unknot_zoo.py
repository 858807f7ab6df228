"""The "Learning to unknot" zoo, reproduced: each algorithm trained for a budget, then played alone on every suite.

The protocol is ``rigorgym.agents.protocols.unknot_zoo`` (issue 19): TRPO,
A2C (the synchronous A3C), PPO and DQN on the batched vector env
(``agents/algos/vec_*.py``, ``--policy mlp`` or ``factored``) and SB3's
MaskablePPO (its MLP) train for the env steps of ``--steps`` on one
curriculum, scrambled unknots of 3, 5 and 7 strands and 20, 40, 60 and 96
letters (``ScrambleMixGenerator``, one size drawn uniformly per episode) on
UnKnot-v0's board, which holds every suite. Then each agent, and the random
walker (uniform over the legal moves), plays as the paper did: the policy
alone, one greedy episode per instance, at most ``--max-moves`` moves (400),
no search, no restarts, on a seeded sample of every ``unknot-words-*`` suite
and the ``unknot-random`` scrambles; every certificate is re-verified by the
kernel.

Prints one JSON line per trained agent and per (agent, suite); writes
``unknot-zoo.{md,json,png}`` into ``--out-dir`` (default ``docs/results``)
through ``benchmarks/_report.py``. Usage::

    python benchmarks/unknot_zoo.py --agents-dir runs/zoo     # the default budgets: hours on 2 cores
    python benchmarks/unknot_zoo.py --quick                    # tiny budgets, 2 suites, into a temp folder
    python benchmarks/unknot_zoo.py --agents-dir runs/zoo --skip-training   # re-evaluate trained agents
    python benchmarks/unknot_zoo.py --from-json docs/results/unknot-zoo.json   # re-render only
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Recorder  # noqa: E402
from _report import ResultsPage  # noqa: E402
from rigorgym.agents.protocols.unknot_zoo import (  # noqa: E402  (light: torch and SB3 load when training starts)
    LENGTHS,
    MIX,
    MOVE_CAP,
    POLICIES,
    RANDOM,
    SCRAMBLE_SUITES,
    STRANDS,
    SUITES,
    TARGET,
    WORD_SUITES,
    ZOO_ALGOS,
    agent_name,
    run_zoo,
    targets,
)

ROOT = Path(__file__).resolve().parent.parent
STEM = "unknot-zoo"
#: The budgets of the full run (env steps): >= 10 M for the two expected best (the paper's TRPO, and PPO).
STEPS = "trpo=10000000,ppo=10000000,a2c=2000000,dqn=1000000,maskable_ppo=200000"
QUICK_STEPS = "trpo=512,ppo=512,a2c=512,dqn=512,maskable_ppo=256"
QUICK_SUITES = "unknot-words-n3-L20,unknot-random-L20"


def budgets(text: str) -> dict[str, int]:
    """``ppo=10000000,trpo=...`` as {algo: env steps}, in the order given (argparse's type: a bad one is a usage error)."""
    out: dict[str, int] = {}
    for item in (part.strip() for part in text.split(",") if part.strip()):
        algo, _, steps = item.partition("=")
        if algo.strip() not in ZOO_ALGOS or not steps.strip().isdigit() or int(steps) < 1:
            raise argparse.ArgumentTypeError(
                f"{item!r}: want ALGO=STEPS, ALGO one of {', '.join(ZOO_ALGOS)}, STEPS >= 1"
            )
        out[algo.strip()] = int(steps)
    if not out:
        raise argparse.ArgumentTypeError("no algorithm given")
    return out


def figure(report: dict[str, Any]) -> Any:
    """Solved fraction against braid length, one colour per agent, one marker per strand count."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results, agents = report["results"], report["config"]["agents"]
    markers = {3: "o", 5: "s", 7: "^"}
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), sharey=True)
    for ax, (title, suites) in zip(
        axes, (("unknot-words", WORD_SUITES), ("unknot-random", SCRAMBLE_SUITES)), strict=True
    ):
        for k, agent in enumerate(agents):
            rows = sorted(
                (r for r in results if r["agent"] == agent and r["suite"] in suites), key=lambda r: r["mean_length"]
            )
            colour, style = f"C{k}", "--" if agent == RANDOM else "-"
            groups = (
                [rows] if suites is SCRAMBLE_SUITES else [[r for r in rows if r["strands"] == n] for n in (3, 5, 7)]
            )
            for group in (g for g in groups if g):
                ax.plot([r["mean_length"] for r in group], [r["solved_fraction"] for r in group], style, color=colour)
            for r in rows:
                ax.plot(r["mean_length"], r["solved_fraction"], markers.get(r["strands"], "x"), color=colour)
            ax.plot([], [], style, color=colour, label=agent)
        ax.set_xlabel("braid length (letters)")
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(f"{title} (o: 3 strands, s: 5, ^: 7)")
    axes[0].set_ylabel("solved fraction, policy alone")
    axes[0].axhline(TARGET, color="black", lw=0.6, ls=":")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def render(page: ResultsPage, report: dict[str, Any]) -> None:
    cfg, results, training = report["config"], report["results"], report["training"]
    agents, suites = cfg["agents"], cfg["suites"]
    by = {(r["agent"], r["suite"]): r for r in results}
    smoke = "**A smoke run (`--quick`): tiny budgets, a few instances; it measures nothing.** " if cfg["quick"] else ""
    page.text(
        f"{smoke}Issue 19's reproduction of the zoo of *Learning to unknot* (Gukov, Halverson, Ruehle, Sułkowski 2021). "
        f"**Curriculum**: every agent trains on `ScrambleMixGenerator(strands={tuple(cfg['strands'])}, "
        f"lengths={tuple(cfg['lengths'])}, mix={cfg['mix']})`: scrambled unknots, one (strands, length) pair drawn "
        f"uniformly per episode, on UnKnot-v0's board (128 letters, 8 strands), episodes cut at {cfg['move_cap']} moves; "
        "never a suite's instances. **Evaluation, as the paper did**: the policy alone, one greedy episode (masked argmax) "
        f"per instance, **at most {cfg['move_cap']} moves**, no search, no restarts, {cfg['per_suite']} instances per suite "
        f"(seeded sample, seed {cfg['seed']}; ids and per-instance moves in `{STEM}.json`); every certificate re-verified "
        "by the kernel. The random walker plays the same loop with a uniform choice among the legal moves."
    )
    page.heading("Acceptance")
    rows = targets(results, agents)
    page.acceptance(rows or [("issue 19's lines", "no learned agent or no words suite evaluated", False)])
    page.heading("Training")
    page.table(
        ["agent", "trainer", "network", "budget", "env steps", "wall s", "steps/s", "training solved rate"],
        [
            [
                t["agent"],
                t["trainer"],
                f"{t['policy']} {t['policy_options']}",
                t["budget"],
                t["steps"],
                t["wall_s"],
                t["steps_per_s"],
                t["train_solved_rate"],
            ]
            for t in training
        ],  # fmt: skip
        caption=f"Seed {cfg['seed']}, device {cfg['device']}; env steps as each trainer counted them (on-policy "
        "trainers finish their last rollout); steps/s over the trainer's wall time; training solved rate: the last "
        "1,000 episodes (batched trainers) or 100 (SB3), on the curriculum. MaskablePPO is sb3-contrib's, one env, "
        "its MLP whatever `--policy` says.",
    )
    page.heading("Solved fraction, policy alone")
    frac = [[a, *(by[a, s]["solved_fraction"] if (a, s) in by else None for s in suites)] for a in agents]
    page.table(["agent", *(s.replace("unknot-", "") for s in suites)], frac,
               caption="Solved fraction per suite (95% Wilson intervals in the JSON):")  # fmt: skip
    moves = [[a, *(by[a, s]["mean_moves"] if (a, s) in by else None for s in suites)] for a in agents]
    page.table(["agent", *(s.replace("unknot-", "") for s in suites)], moves,
               caption="Mean moves of the solved instances (–: none solved):")  # fmt: skip
    page.figure(figure(report), f"{STEM}.png", "Solved fraction against braid length, policy alone; dotted: 80%.")
    page.heading("Reproduce")
    page.reproduce(report.get("command", page.command))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=budgets, help=f"ALGO=ENV_STEPS,... (default {STEPS})")
    parser.add_argument("--policy", choices=POLICIES, default="mlp", help="the batched trainers' network")
    parser.add_argument("--num-envs", type=int, help="envs per batched trainer (default: each trainer's own)")
    parser.add_argument("--per-suite", type=int, default=100)
    parser.add_argument("--suites", default=",".join(SUITES))
    parser.add_argument("--max-moves", type=int, default=MOVE_CAP, help="the move cap per episode")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0, help="torch threads while training (0: rigorgym's default)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda, while training")
    parser.add_argument("--agents-dir", type=Path, help="where the agents are trained (default: a temp folder)")
    parser.add_argument("--skip-training", action="store_true", help="evaluate the agents already in --agents-dir")
    parser.add_argument("--out-dir", type=Path)
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_STEPS}, 8 envs, 3 instances of 2 suites, 60 moves"
    )
    parser.add_argument("--from-json", type=Path, help="re-render the page from this raw report; measure nothing")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps = args.steps or budgets(QUICK_STEPS)
        args.num_envs, args.per_suite, args.max_moves = args.num_envs or 8, 3, 60
        args.suites = QUICK_SUITES if args.suites == ",".join(SUITES) else args.suites
    steps = args.steps or budgets(STEPS)
    suites = [s.strip() for s in args.suites.split(",") if s.strip()]
    if unknown := [s for s in suites if s not in SUITES]:
        parser.error(f"unknown suites {unknown}; choose from {', '.join(SUITES)}")
    if min(args.per_suite, args.max_moves, args.num_envs or 1) < 1 or args.threads < 0:
        parser.error("--per-suite, --max-moves and --num-envs must be >= 1, --threads >= 0")
    if args.skip_training and not args.agents_dir:
        parser.error("--skip-training needs --agents-dir")
    taken = [a for a in steps if args.agents_dir and any((args.agents_dir / agent_name(a, args.policy)).glob("*"))]
    if taken and not args.skip_training:
        parser.error(f"--agents-dir already holds {', '.join(taken)}; re-evaluate them with --skip-training")
    tmp = tempfile.TemporaryDirectory()
    out_dir = args.out_dir or (Path(tmp.name) if args.quick else ROOT / "docs" / "results")
    page = ResultsPage(STEM, "UnKnot-v0: the zoo of Learning to unknot, policy alone", __file__, argv)
    if args.from_json:
        old = json.loads(args.from_json.read_text())
        if "move_cap" not in old.get("config", {}):
            parser.exit(2, f"unknot_zoo.py: error: {args.from_json} is a report of the old zoo (a restart search "
                           "under a wall clock), not of the policy-alone protocol; rerun instead\n")  # fmt: skip
        report = page.from_report(old)
    else:
        work = args.agents_dir or Path(tmp.name) / "agents"
        run = run_zoo(steps, suites, args.per_suite, work, args.policy, args.num_envs, args.seed, args.threads,
                      args.device, args.max_moves, args.skip_training, Recorder())  # fmt: skip
        config = {"budgets": steps, "policy": args.policy, "num_envs": args.num_envs, "per_suite": args.per_suite,
                  "move_cap": args.max_moves, "seed": args.seed, "device": args.device, "quick": args.quick,
                  "strands": list(STRANDS), "lengths": list(LENGTHS), "mix": MIX, "suites": run["suites"],
                  "agents": run["agents"]}  # fmt: skip
        report = {"config": config, "training": run["training"], "results": run["results"]}
    render(page, report)
    page.write(out_dir, report)
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
