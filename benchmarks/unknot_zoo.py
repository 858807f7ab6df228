"""The agent zoo on UnKnot-v0: solved fraction and moves against braid length ("Learning to unknot").

Trains every algorithm of the zoo (TRPO, A3C, PPO, DQN, MaskablePPO) with
both policies (MLP, GNN) on one env (``--train-env``, default
``UnKnot-Medium-v0``: scrambles of the unknot on 5 strands, length 40, in an
env sized for words up to 128 letters and 8 strands), one torch thread each,
for a fixed number of env steps per policy kind; then runs them, the random
walker, ``greedy`` (and any registered agent of ``--extra-agents``, e.g. the
learned-value ``guided`` search) on a seeded sample of every ``unknot-words`` suite, the ``unknot-random``
scrambles, at the same budget per instance (``unknot-hard``, up to 14 strands, does not fit the
zoo's envs: see ``benchmarks/unknot_guided.py``). Every
certificate is re-verified by the kernel. A learned agent plays greedy once,
then sampled restarts, until its budget is spent; an instance that does not
fit its training env (more strands or letters) counts as unsolved.

Writes ``unknot-zoo.json``, ``unknot-zoo.md`` and ``unknot-zoo.png`` into
``--out-dir`` (default ``docs/results``); one JSON line per (agent, suite) and
per trained agent on stdout.

Usage::

    python benchmarks/unknot_zoo.py                       # about an hour on 2 cores
    python benchmarks/unknot_zoo.py --quick               # tiny budgets into a temp folder
    python benchmarks/unknot_zoo.py --agents-dir runs/zoo --skip-training   # re-evaluate trained agents
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, machine, public_command, rounded  # noqa: E402
from unknot_baselines import natural_key, sample  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ALGOS = ("trpo", "a3c", "ppo", "dqn", "maskable_ppo")
POLICIES = ("mlp", "gnn")
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
# unknot-hard is not here: its braids have up to 14 strands, more than the zoo's envs (8) take; the
# guided search's page (benchmarks/unknot_guided.py) covers it.
SUITES = (*WORD_SUITES, *RANDOM_SUITES)


def trained_name(algo: str, policy: str) -> str:
    return f"{algo.replace('_', '-')}-{policy}"


def train_all(
    env_id: str, algos: list[str], policies: list[str], steps: dict[str, int], seed: int, work: Path
) -> dict[str, dict[str, Any]]:
    """Train every algorithm x policy into ``work/NAME``; wall seconds and training metrics per agent."""
    from rigorgym.agents.algos.saved import AgentCard
    from rigorgym.agents.train import algo_options, train

    out = {}
    for policy in policies:
        for algo in algos:
            name = trained_name(algo, policy)
            folder = work / name
            start = time.perf_counter()
            threads = {"threads": 1} if "threads" in algo_options(algo) else {}  # A3C: one thread per worker already
            train(env_id, algo, policy, steps[policy], seed, folder, progress=False, **threads)
            wall = time.perf_counter() - start
            card = AgentCard.read(folder)
            record = {
                "bench": "unknot_zoo_train",
                "agent": name,
                "env": env_id,
                "steps": card.steps,
                "wall_s": rounded(wall),
                "train_solved_rate": rounded(card.metrics.get("solved_rate", 0.0)),
            }
            emit(record)
            out[name] = record
    return out


def _evaluate(job: tuple[str, str, str, list[dict[str, Any]], float, int]) -> dict[str, Any]:
    """In a worker: one agent on one suite sample; per-instance rows and a summary."""
    label, agent, suite, raw, budget_s, seed = job
    from rigorgym.agents.runner import run_agent
    from rigorgym.envs.unknot.types import BraidInstance
    from rigorgym.verifiers import verify

    instances = [BraidInstance.from_instance(x) for x in raw]
    rows = []
    for outcome in run_agent("UnKnot-v0", instances, agent, budget_s, seed=seed, progress=False):
        cert = outcome.certificate
        rows.append(
            {
                "id": instances[outcome.index].id,
                "length": len(instances[outcome.index].word),
                "solved": bool(cert is not None and verify(cert).valid),  # independent of the runner's check
                "moves": len(cert["moves"]) if cert is not None else None,
                "seconds": round(outcome.result.seconds, 4),
            }
        )
    solved = [r for r in rows if r["solved"]]
    return {
        "bench": "unknot_zoo",
        "agent": label,
        "suite": suite,
        "instances": len(rows),
        "solved": len(solved),
        "solved_fraction": rounded(len(solved) / max(len(rows), 1)),
        "mean_moves": rounded(statistics.fmean(r["moves"] for r in solved)) if solved else None,
        "mean_length": rounded(statistics.fmean(r["length"] for r in rows)) if rows else None,
        "budget_s": budget_s,
        "rows": rows,
    }


def plot(results: list[dict[str, Any]], agents: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    panels = (("unknot-words", WORD_SUITES), ("unknot-random", RANDOM_SUITES))
    for ax, (title, suites) in zip(axes[:2], panels, strict=True):
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
    fig.savefig(path, dpi=110)
    plt.close(fig)


def markdown(report: dict[str, Any]) -> str:
    cfg, results = report["config"], report["results"]
    agents, suites = cfg["agents"], cfg["suites"]
    lines = [
        "# UnKnot-v0: the agent zoo against braid length",
        "",
        f"Measured {report['finished']} by `benchmarks/unknot_zoo.py` on {report['machine']['cpu']} "
        f"({report['machine']['cpu_count']} cores, load {report['machine']['loadavg']}); total wall "
        f"{report['wall_s']:.0f} s. Every agent gets the same seeded sample of {cfg['per_suite']} instances "
        f"per suite (seed {cfg['seed']}; ids in `unknot-zoo.json`) and {cfg['budget_s']:g} s per instance; "
        "every certificate was re-verified by the kernel.",
        "",
        f"Trained agents: `{cfg['train_env']}`, {cfg['steps']['mlp']} env steps (MLP) or {cfg['steps']['gnn']} "
        f"(GNN), seed {cfg['seed']}, one torch thread; A3C with its default workers.",
        "",
        "| agent | training steps | training wall s | training solved rate |",
        "|---|---:|---:|---:|",
    ]
    for name, t in report["training"].items():
        lines.append(f"| {name} | {t['steps']} | {t['wall_s']:.0f} | {t['train_solved_rate']:.3f} |")
    lines += ["", "Solved fraction (mean moves of the solved) per suite:", ""]
    lines.append("| agent | " + " | ".join(suites) + " |")
    lines.append("|---|" + "---:|" * len(suites))
    by = {(r["agent"], r["suite"]): r for r in results}
    for agent in agents:
        cells = []
        for s in suites:
            r = by.get((agent, s))
            if r is None:
                cells.append("–")
            else:
                moves = f" ({r['mean_moves']:.0f})" if r["mean_moves"] is not None else ""
                cells.append(f"{r['solved_fraction']:.2f}{moves}")
        lines.append(f"| {agent} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "The zoo's policies act one move at a time with no search, after a short training on short "
        "scrambles (the papers trained for millions of steps; the shipped `unknot-maskable-ppo-mlp`, 200k steps, "
        "solves 50/50 of `unknot-random-L20`: agents/data/pretrained/). The best agent on these suites is the "
        "learned-value search `guided` ([unknot-guided.md](unknot-guided.md): 99-100% of every `unknot-words` "
        "suite, with its ablation).",
        "",
        "![solved fraction against braid length](unknot-zoo.png)",
        "",
        "## Reproduce",
        "",
        "```bash",
        report["command"],
        "```",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from rigorgym.agents.registry import AGENTS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-env", default="UnKnot-Medium-v0")
    parser.add_argument("--steps-mlp", type=int, default=50_000)
    parser.add_argument("--steps-gnn", type=int, default=15_000)
    parser.add_argument("--per-suite", type=int, default=20)
    parser.add_argument("--budget-s", type=float, default=2.0)
    parser.add_argument("--suites", default=",".join(SUITES))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--algos", default=",".join(ALGOS))
    parser.add_argument("--policies", default=",".join(POLICIES))
    parser.add_argument("--extra-agents", default="", help="more registered agents to run beside the zoo, e.g. guided")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--agents-dir", default=None, help="where the zoo is trained (default: a temp folder)")
    parser.add_argument("--skip-training", action="store_true", help="evaluate the agents already in --agents-dir")
    parser.add_argument("--out-dir", default=None)
    parser.add_argument("--quick", action="store_true", help="200 training steps, 2 instances of 2 suites at 0.5 s")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps_mlp = args.steps_gnn = 200
        args.per_suite, args.budget_s, args.suites = 2, 0.5, "unknot-words-n3-L20,unknot-random-L20"
    suites = [s.strip() for s in args.suites.split(",") if s.strip()]
    unknown = [s for s in suites if s not in SUITES]
    if unknown:
        parser.error(f"unknown suites {unknown}; choose from {', '.join(SUITES)}")
    if min(args.steps_mlp, args.steps_gnn, args.per_suite, args.workers) < 1 or args.budget_s <= 0:
        parser.error("steps, --per-suite and --workers must be >= 1 and --budget-s positive")
    if args.skip_training and not args.agents_dir:
        parser.error("--skip-training needs --agents-dir")
    algos = [a.strip() for a in args.algos.split(",") if a.strip()]
    policies = [p.strip() for p in args.policies.split(",") if p.strip()]
    if not set(algos) <= set(ALGOS) or not set(policies) <= set(POLICIES):
        parser.error(f"--algos from {', '.join(ALGOS)}; --policies from {', '.join(POLICIES)}")
    baselines = ["random", "greedy", *(a.strip() for a in args.extra_agents.split(",") if a.strip())]
    missing = [a for a in baselines if a not in AGENTS]
    if missing:
        parser.error(f"unknown agents {missing}; registered: {', '.join(AGENTS)}")
    tmp = tempfile.TemporaryDirectory()
    out_dir = Path(args.out_dir) if args.out_dir else Path(tmp.name) if args.quick else ROOT / "docs" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(args.agents_dir or tmp.name)
    steps = {"mlp": args.steps_mlp, "gnn": args.steps_gnn}

    start = time.perf_counter()
    if args.skip_training:
        from rigorgym.agents.algos.saved import AgentCard

        training = {}
        for folder in sorted(p for p in work.iterdir() if (p / "agent.json").is_file()):
            card = AgentCard.read(folder)
            training[folder.name] = {"steps": card.steps, "wall_s": 0.0, "train_solved_rate": 0.0}
    else:
        training = train_all(args.train_env, algos, policies, steps, args.seed, work)
    agents = {name: name for name in baselines} | {name: str(work / name) for name in training}
    samples = {s: sample(s, args.per_suite, args.seed) for s in sorted(suites, key=natural_key)}
    jobs = [
        (label, agent, s, raw, args.budget_s, args.seed)
        for label, agent in agents.items()
        for s, raw in samples.items()
    ]
    results = []
    # spawn, not fork: the parent has run torch (training), and a forked child can hang in its thread pools
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for res in pool.map(_evaluate, jobs):
            emit({k: v for k, v in res.items() if k != "rows"})
            results.append(res)
    command = public_command("unknot_zoo.py", argv if argv is not None else sys.argv[1:])
    report = {
        "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": command.strip(),
        "config": {
            "train_env": args.train_env,
            "steps": steps,
            "per_suite": args.per_suite,
            "budget_s": args.budget_s,
            "seed": args.seed,
            "suites": list(samples),
            "agents": list(agents),
        },
        "machine": machine(),
        "wall_s": time.perf_counter() - start,
        "training": training,
        "results": results,
    }
    (out_dir / "unknot-zoo.json").write_text(json.dumps(report, indent=1) + "\n")
    plot(results, list(agents), out_dir / "unknot-zoo.png")
    (out_dir / "unknot-zoo.md").write_text(markdown(report))
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
