"""Solve rates of the ``random`` and ``greedy`` baselines on the shipped UnKnot-v0 suites.

For each suite, a seeded sample of ``--per-suite`` instances is given to each
agent (through ``rigorgym.agents.runner.run_agent``, the loop behind
``rigorgym solve``: ``gym.make("UnKnot-v0")`` sized to fit the instances).
Every certificate is re-verified by the kernel. Writes, under ``--out-dir``
(default ``docs/results``):

- ``unknot-baselines.json``: configuration, machine, and per-instance results;
- ``unknot-baselines.png``: solved fraction per suite and median moves;
- ``unknot-baselines.md``: the table, the plot and the exact command.

JSON lines go to stdout (one per suite and agent), a progress bar to stderr.
Usage::

    python benchmarks/unknot_baselines.py --per-suite 20 --budget-s 2
    python benchmarks/unknot_baselines.py --suites unknot-random-L20,unknot-hard --per-suite 5
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from _common import emit
from _common import machine as common_machine
from rigorgym.agents.runner import run_agent
from rigorgym.envs.suites import list_suites, load_suite
from rigorgym.envs.unknot.types import BraidInstance
from rigorgym.verifiers import KERNEL_VERSION, verify
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
AGENTS = ("random", "greedy")


def natural_key(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def sample(suite_name: str, n: int, seed: int) -> list[dict[str, Any]]:
    """A seeded sample of ``n`` instances of a suite, in suite order."""
    instances = load_suite(suite_name).instances
    if n >= len(instances):
        return list(instances)
    picked = np.random.default_rng(seed).choice(len(instances), n, replace=False)
    return [instances[i] for i in sorted(picked.tolist())]


def machine() -> dict[str, Any]:
    return {**common_machine(), "kernel": KERNEL_VERSION}


def median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def run_one(
    suite_name: str, raw: list[dict[str, Any]], agent: str, budget_s: float, seed: int, bar: tqdm
) -> dict[str, Any]:
    instances = [BraidInstance.from_instance(x) for x in raw]
    per_instance = []
    bar.set_postfix_str(f"{suite_name} {agent}")
    for outcome in run_agent("UnKnot-v0", instances, agent, budget_s, seed=seed, progress=False):
        result = outcome.result
        cert = result.certificate
        verified = bool(cert is not None and verify(cert).valid)  # independent of the runner's own check
        per_instance.append(
            {
                "id": instances[outcome.index].id,
                "solved": cert is not None,
                "verified": verified,
                "moves": len(cert["moves"]) if cert is not None else None,
                "seconds": round(result.seconds, 4),
                "steps": result.steps,
            }
        )
        bar.update(1)
    solved = [r for r in per_instance if r["solved"]]
    moves = [r["moves"] for r in solved]
    times = [r["seconds"] for r in solved]
    return {
        "suite": suite_name,
        "suite_hash": load_suite(suite_name).hash,
        "agent": agent,
        "budget_s": budget_s,
        "instances": len(per_instance),
        "solved": len(solved),
        "verified": sum(r["verified"] for r in per_instance),
        "solved_fraction": len(solved) / len(per_instance) if per_instance else 0.0,
        "median_moves": median(moves),
        "median_seconds_solved": None if not times else round(median(times), 4),
        "mean_seconds_all": round(statistics.fmean(r["seconds"] for r in per_instance), 4) if per_instance else None,
        "per_instance": per_instance,
    }


def plot(rows: list[dict[str, Any]], suites: list[str], agents: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by = {(r["suite"], r["agent"]): r for r in rows}
    x = np.arange(len(suites))
    width = 0.8 / len(agents)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(8.0, 0.7 * len(suites) + 2), 7.5), sharex=True)
    colors = {"random": "#999999", "greedy": "#1f77b4"}
    for k, agent in enumerate(agents):
        offset = (k - (len(agents) - 1) / 2) * width
        frac = [by[(s, agent)]["solved_fraction"] if (s, agent) in by else np.nan for s in suites]
        med = [by[(s, agent)]["median_moves"] if (s, agent) in by else None for s in suites]
        med = [np.nan if m is None else m for m in med]
        color = colors.get(agent)
        top.bar(x + offset, frac, width, label=agent, color=color)
        bottom.bar(x + offset, med, width, label=agent, color=color)
        for xi, f, m in zip(x + offset, frac, med, strict=True):  # make empty bars visible
            if f == 0:
                top.text(xi, 0.01, "0", ha="center", va="bottom", fontsize=7)
            if np.isnan(m):
                bottom.text(xi, 0, "–", ha="center", va="bottom", fontsize=8)
    top.set_ylabel("solved fraction")
    top.set_ylim(0, 1.25)
    top.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    top.legend(loc="upper right", ncol=len(agents))
    top.set_title("UnKnot-v0 baselines (every certificate verified by the kernel)")
    bottom.set_ylabel("median moves (solved)")
    bottom.set_xticks(x)
    bottom.set_xticklabels(suites, rotation=35, ha="right")
    for ax in (top, bottom):
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fmt(x: float | None, spec: str) -> str:
    return "–" if x is None else format(x, spec)


def markdown(report: dict[str, Any], png_name: str) -> str:
    cfg, mach = report["config"], report["machine"]
    lines = [
        "# UnKnot-v0 baselines",
        "",
        f"Measured {report['finished']} by `benchmarks/unknot_baselines.py` (rigorgym {mach['rigorgym']}, "
        f"kernel `{mach['kernel']}`). Each agent gets a seeded sample of {cfg['per_suite']} instances per suite "
        f"(seed {cfg['seed']}; the ids are in `unknot-baselines.json`), a wall-clock budget per instance of "
        f"{cfg['budget_s']:g} s for `greedy` and {cfg['random_budget_s']:g} s for `random`, and plays "
        "`UnKnot-v0` sized to fit the instances (`rigorgym.agents.runner.make_env_for`: random walks last the "
        "env's 200 `max_episode_steps` and restart until the budget is spent). "
        "**Every certificate was re-verified by the kernel**; *verified* counts those it accepted.",
        "",
        "- `random`: uniformly random legal actions (insertions and stabilizations included), restarted walks.",
        "- `greedy`: best-first search over cancellations, far commutations, braid relations and "
        "destabilizations, ranked by `length + strands - 1`; it never inserts, so it fails where the word must grow.",
        "",
        "| suite | agent | solved | median moves | median time (s) | verified |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        lines.append(
            f"| {r['suite']} | {r['agent']} | {r['solved']}/{r['instances']} | {fmt(r['median_moves'], 'g')} | "
            f"{fmt(r['median_seconds_solved'], '.2g')} | {r['verified']}/{r['solved']} |"
        )
    lines += [
        "",
        "*median moves* and *median time* are over the solved instances (– when none was solved); an unsolved "
        "instance costs up to its whole budget (`greedy` stops early when its search runs out of states).",
        "",
    ]
    walks = [
        statistics.median(p["steps"] for p in r["per_instance"]) for r in report["results"] if r["agent"] == "random"
    ]
    if walks:
        lines += [
            f"The random walker played a median of {min(walks):,.0f} to {max(walks):,.0f} env steps per instance "
            "(depending on the suite) within its budget. Most of its legal actions lengthen the word: at the start "
            "of a 3-strand instance of length 20, 84 of about 115 legal actions are insertions and 2 are "
            "stabilizations.",
            "",
        ]
    lines += [
        f"![solved fraction and median moves per suite]({png_name})",
        "",
        "## Reproduce",
        "",
        "```bash",
        report["command"],
        "```",
        "",
        f"Machine: {mach['cpu_count']}-core CPU ({mach['cpu']}), {mach['platform']}, Python {mach['python']}; "
        f"shared with other jobs, so times are indicative. Total wall time {report['wall_s']:.0f} s.",
        "",
        "Suites (hash from `rigorgym list suites`):",
        "",
    ]
    seen = []
    for r in report["results"]:
        if r["suite"] not in seen:
            seen.append(r["suite"])
            lines.append(f"- `{r['suite']}`: `{r['suite_hash']}`")
    if report.get("missing_suites"):
        lines += ["", f"Requested but not shipped when this ran: {', '.join(report['missing_suites'])}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suites", help="comma-separated suite names (default: every UnKnot-v0 suite shipped)")
    parser.add_argument("--per-suite", type=int, default=20, help="instances sampled per suite (default 20)")
    parser.add_argument("--budget-s", type=float, default=2.0, help="greedy budget per instance, seconds (default 2)")
    parser.add_argument("--random-budget-s", type=float, default=2.0, help="random budget per instance (default 2)")
    parser.add_argument("--agents", default=",".join(AGENTS), help="comma-separated agents (default random,greedy)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample and of the agents (default 0)")
    parser.add_argument("--out-dir", default=str(ROOT / "docs" / "results"), help="where the three files go")
    args = parser.parse_args(argv)
    if args.per_suite < 1 or args.budget_s <= 0 or args.random_budget_s <= 0:
        parser.error("--per-suite must be >= 1 and the budgets positive")

    shipped = list_suites(env="UnKnot-v0")
    if args.suites:
        wanted = [s.strip() for s in args.suites.split(",") if s.strip()]
        suites = [s for s in wanted if s in shipped]
        missing = [s for s in wanted if s not in shipped]
    else:
        suites, missing = sorted(shipped, key=natural_key), []
    for name in missing:
        emit({"suite": name, "skipped": "not shipped (rigorgym list suites)"})
    agents = [a.strip() for a in args.agents.split(",") if a.strip()]
    if not suites or not agents:
        parser.error("nothing to run")
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    command = "python benchmarks/unknot_baselines.py " + shlex.join(
        ["--suites", ",".join(suites), "--per-suite", str(args.per_suite), "--budget-s", f"{args.budget_s:g}",
         "--random-budget-s", f"{args.random_budget_s:g}", "--agents", ",".join(agents), "--seed", str(args.seed)]
    )  # fmt: skip
    samples = {s: sample(s, args.per_suite, args.seed) for s in suites}
    total = sum(len(v) for v in samples.values()) * len(agents)
    start = time.perf_counter()
    rows = []
    with tqdm(total=total, desc="baselines", unit="inst", file=sys.stderr) as bar:
        for suite_name in suites:
            for agent in agents:
                budget = args.random_budget_s if agent == "random" else args.budget_s
                row = run_one(suite_name, samples[suite_name], agent, budget, args.seed, bar)
                rows.append(row)
                summary = {k: v for k, v in row.items() if k != "per_instance"}
                tqdm.write(json.dumps(summary), file=sys.stdout)
                sys.stdout.flush()
    wall = time.perf_counter() - start
    report = {
        "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "config": {
            "per_suite": args.per_suite,
            "budget_s": args.budget_s,
            "random_budget_s": args.random_budget_s,
            "agents": agents,
            "seed": args.seed,
            "env": "UnKnot-v0",
        },  # fmt: skip
        "machine": machine(),
        "wall_s": round(wall, 1),
        "missing_suites": missing,
        "results": rows,
    }
    (out_dir / "unknot-baselines.json").write_text(json.dumps(report, indent=1) + "\n")
    plot(rows, suites, agents, out_dir / "unknot-baselines.png")
    (out_dir / "unknot-baselines.md").write_text(markdown(report, "unknot-baselines.png"))
    print(json.dumps({"wrote": [str(out_dir / f"unknot-baselines.{e}") for e in ("json", "png", "md")],
                      "wall_s": round(wall, 1)}), flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
