"""The agent zoo on UnKnot-v0: solved fraction and moves against braid length ("Learning to unknot").

The protocol is ``rigorgym.agents.protocols.unknot.zoo_protocol``: every
algorithm of the zoo (TRPO, A3C, PPO, DQN, MaskablePPO) with both policies
(MLP, GNN) is trained through ``rigorgym.agents.train.train`` on one env
(``--train-env``, default ``UnKnot-Medium-v0``), one torch thread each, for a
fixed number of env steps per policy kind; then they, the random walker,
``greedy`` (and any registered agent of ``--extra-agents``, e.g. ``guided``)
play a seeded sample of every ``unknot-words`` suite and the ``unknot-random``
scrambles at the same budget per instance (``unknot-hard``, up to 14 strands,
does not fit the zoo's envs: see ``benchmarks/unknot_guided.py``). Every
certificate is re-verified by the kernel; an instance that does not fit an
agent's training env counts as unsolved.

Prints one JSON line per trained agent and per (agent, suite); writes
``unknot-zoo.{md,json,png}`` into ``--out-dir`` (default ``docs/results``)
through ``benchmarks/_report.py``. Usage::

    python benchmarks/unknot_zoo.py                       # about an hour on 2 cores
    python benchmarks/unknot_zoo.py --quick               # tiny budgets into a temp folder
    python benchmarks/unknot_zoo.py --agents-dir runs/zoo --skip-training   # re-evaluate trained agents
    python benchmarks/unknot_zoo.py --from-json docs/results/unknot-zoo.json   # re-render only
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Recorder  # noqa: E402
from _report import ResultsPage  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STEM = "unknot-zoo"
WORD_SUITES = (
    "unknot-words-n3-L20",
    "unknot-words-n5-L20",
    "unknot-words-n3-L40",
    "unknot-words-n5-L40",
    "unknot-words-n7-L40",
    "unknot-words-n3-L60",
    "unknot-words-L96",
)
RANDOM_SUITES = ("unknot-random-L20", "unknot-random-L40", "unknot-random-L60", "unknot-random-L100")
SUITES = (*WORD_SUITES, *RANDOM_SUITES)


def upgrade(old: dict[str, Any]) -> dict[str, Any]:
    """A report of the script before the reporter (``finished``, per-instance ``rows``) in today's form."""
    if "date" in old:
        return old
    results = [{**{k: v for k, v in r.items() if k != "rows"}, "per_instance": r["rows"]} for r in old["results"]]
    return {
        "command": old["command"],
        "date": old["finished"],
        "wall_s": round(old["wall_s"], 1),
        "machine": old["machine"],
        "config": old["config"],
        "training": old["training"],
        "results": results,
    }


def figure(results: list[dict[str, Any]], agents: list[str]) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for ax, (title, suites) in zip(
        axes[:2], (("unknot-words", WORD_SUITES), ("unknot-random", RANDOM_SUITES)), strict=True
    ):
        for agent in agents:
            pts = sorted(
                (r["mean_length"], r["solved_fraction"])
                for r in results
                if r["agent"] == agent and r["suite"] in suites
            )
            if pts:
                ax.plot(*zip(*pts, strict=True), marker="o", label=agent)
        ax.set_xlabel("braid length")
        ax.set_ylabel("solved fraction")
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(title)
    axes[0].legend(fontsize=7, ncol=2)
    means = [(a, statistics.fmean(r["solved_fraction"] for r in results if r["agent"] == a)) for a in agents]
    axes[2].barh([a for a, _ in means], [m for _, m in means])
    axes[2].set_xlim(0, 1)
    axes[2].set_title("mean solved fraction over the suites")
    fig.tight_layout()
    return fig


def render(page: ResultsPage, report: dict[str, Any]) -> None:
    cfg, results = report["config"], report["results"]
    agents, suites = cfg["agents"], cfg["suites"]
    page.text(
        f"Every agent gets the same seeded sample of {cfg['per_suite']} instances per suite (seed {cfg['seed']}; ids "
        f"in `unknot-zoo.json`) and {cfg['budget_s']:g} s per instance; every certificate was re-verified by the kernel."
    )
    page.table(
        ["agent", "training steps", "training wall s", "training solved rate"],
        [
            [name, t["steps"], round(t["wall_s"]), f"{t['train_solved_rate']:.3f}"]
            for name, t in report["training"].items()
        ],
        caption=f"Trained agents: `{cfg['train_env']}`, {cfg['steps']['mlp']} env steps (MLP) or {cfg['steps']['gnn']} "
        f"(GNN), seed {cfg['seed']}, one torch thread; A3C with its default workers.",
    )
    by = {(r["agent"], r["suite"]): r for r in results}

    def cell(r: dict[str, Any] | None) -> str | None:
        if r is None:
            return None
        return f"{r['solved_fraction']:.2f}" + (f" ({r['mean_moves']:.0f})" if r["mean_moves"] is not None else "")

    page.table(
        ["agent", *suites],
        [[a, *(cell(by.get((a, s))) for s in suites)] for a in agents],
        caption="Solved fraction (mean moves of the solved) per suite:",
    )
    page.text(
        "The zoo's policies act one move at a time with no search, after a short training on short "
        "scrambles (the papers trained for millions of steps; the shipped `unknot-maskable-ppo-mlp`, 200k steps, "
        "solves 50/50 of `unknot-random-L20`: agents/data/pretrained/). The best agent on these suites is the "
        "learned-value search `guided` ([unknot-guided.md](unknot-guided.md): 99-100% of every `unknot-words` "
        "suite, with its ablation)."
    )
    page.figure(figure(results, agents), f"{STEM}.png", "Solved fraction against braid length.")
    page.heading("Reproduce")
    page.reproduce(report.get("command", page.command))


def main(argv: list[str] | None = None) -> int:
    from rigorgym.agents.protocols.unknot import ZOO_ALGOS, ZOO_POLICIES
    from rigorgym.agents.registry import AGENTS

    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-env", default="UnKnot-Medium-v0")
    parser.add_argument("--steps-mlp", type=int, default=50_000)
    parser.add_argument("--steps-gnn", type=int, default=15_000)
    parser.add_argument("--per-suite", type=int, default=20)
    parser.add_argument("--budget-s", type=float, default=2.0)
    parser.add_argument("--suites", default=",".join(SUITES))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--algos", default=",".join(ZOO_ALGOS))
    parser.add_argument("--policies", default=",".join(ZOO_POLICIES))
    parser.add_argument("--extra-agents", default="", help="more registered agents to run beside the zoo, e.g. guided")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--agents-dir", default=None, help="where the zoo is trained (default: a temp folder)")
    parser.add_argument("--skip-training", action="store_true", help="evaluate the agents already in --agents-dir")
    parser.add_argument("--out-dir", default=None)
    parser.add_argument("--quick", action="store_true", help="200 training steps, 2 instances of 2 suites at 0.2 s")
    parser.add_argument("--from-json", type=Path, help="re-render the page from this raw report; measure nothing")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps_mlp = args.steps_gnn = 200
        args.per_suite, args.budget_s, args.suites = 2, 0.2, "unknot-words-n3-L20,unknot-random-L20"
    suites = [s.strip() for s in args.suites.split(",") if s.strip()]
    if unknown := [s for s in suites if s not in SUITES]:
        parser.error(f"unknown suites {unknown}; choose from {', '.join(SUITES)}")
    if min(args.steps_mlp, args.steps_gnn, args.per_suite, args.workers) < 1 or args.budget_s <= 0:
        parser.error("steps, --per-suite and --workers must be >= 1 and --budget-s positive")
    if args.skip_training and not args.agents_dir:
        parser.error("--skip-training needs --agents-dir")
    algos = [a.strip() for a in args.algos.split(",") if a.strip()]
    policies = [p.strip() for p in args.policies.split(",") if p.strip()]
    if not set(algos) <= set(ZOO_ALGOS) or not set(policies) <= set(ZOO_POLICIES):
        parser.error(f"--algos from {', '.join(ZOO_ALGOS)}; --policies from {', '.join(ZOO_POLICIES)}")
    baselines = ["random", "greedy", *(a.strip() for a in args.extra_agents.split(",") if a.strip())]
    if missing := [a for a in baselines if a not in AGENTS]:
        parser.error(f"unknown agents {missing}; registered: {', '.join(AGENTS)}")
    tmp = tempfile.TemporaryDirectory()
    out_dir = Path(args.out_dir) if args.out_dir else Path(tmp.name) if args.quick else ROOT / "docs" / "results"
    page = ResultsPage(STEM, "UnKnot-v0: the agent zoo against braid length", __file__, argv)
    if args.from_json:
        report = page.from_report(upgrade(json.loads(args.from_json.read_text())))
    else:
        from rigorgym.agents.protocols.unknot import zoo_protocol

        steps = {"mlp": args.steps_mlp, "gnn": args.steps_gnn}
        run = zoo_protocol(
            args.train_env,
            algos,
            policies,
            steps,
            suites,
            args.per_suite,
            args.budget_s,
            Path(args.agents_dir or tmp.name),
            baselines,
            args.seed,
            args.workers,
            args.skip_training,
            Recorder(),
        )
        config = {
            "train_env": args.train_env,
            "steps": steps,
            "per_suite": args.per_suite,
            "budget_s": args.budget_s,
            "seed": args.seed,
            "suites": run["suites"],
            "agents": run["agents"],
        }
        report = {"config": config, "training": run["training"], "results": run["results"]}
    render(page, report)
    page.write(out_dir, report)
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
