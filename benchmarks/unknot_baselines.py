"""Solve rates of the ``random`` and ``greedy`` baselines on the shipped UnKnot-v0 suites.

For each suite, a seeded sample of ``--per-suite`` instances is given to each
agent through ``rigorgym.agents.protocols.unknot.compare_agents`` (the loop
behind ``rigorgym solve``: ``UnKnot-v0`` sized to fit the instances); every
certificate is re-verified by the kernel. Prints one JSON line per suite and
agent; writes ``unknot-baselines.{md,json,png}`` under ``--out-dir`` (default
``docs/results``) through ``benchmarks/_report.py``.

Usage::

    python benchmarks/unknot_baselines.py --per-suite 20 --budget-s 2       # about 11 minutes
    python benchmarks/unknot_baselines.py --suites unknot-random-L20,unknot-hard --per-suite 5
    python benchmarks/unknot_baselines.py --from-json docs/results/unknot-baselines.json   # re-render only
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Recorder  # noqa: E402
from _report import ResultsPage  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
STEM = "unknot-baselines"
AGENTS = ("random", "greedy")


def measure(args: argparse.Namespace, parser: argparse.ArgumentParser, emit: Recorder) -> dict[str, Any]:
    """The baselines on every (shipped) requested suite; the report the page is drawn from."""
    from rigorgym.agents.protocols.unknot import compare_agents, natural_key, sample
    from rigorgym.envs.suites import list_suites, load_suite
    from rigorgym.verifiers import KERNEL_VERSION

    shipped = list_suites(env="UnKnot-v0")
    wanted = (
        [s.strip() for s in args.suites.split(",") if s.strip()] if args.suites else sorted(shipped, key=natural_key)
    )
    suites, missing = [s for s in wanted if s in shipped], [s for s in wanted if s not in shipped]
    for name in missing:
        emit({"suite": name, "skipped": "not shipped (rigorgym list suites)"})
    agents = [a.strip() for a in args.agents.split(",") if a.strip()]
    if not suites or not agents:
        parser.error("nothing to run")
    budgets = {a: args.random_budget_s if a == "random" else args.budget_s for a in agents}
    samples = {s: sample(s, args.per_suite, args.seed) for s in suites}
    rows = compare_agents(samples, {a: a for a in agents}, budgets, args.seed, on_row=emit)
    reproduce = "python benchmarks/unknot_baselines.py " + shlex.join(
        [
            "--suites",
            ",".join(suites),
            "--per-suite",
            str(args.per_suite),
            "--budget-s",
            f"{args.budget_s:g}",
            "--random-budget-s",
            f"{args.random_budget_s:g}",
            "--agents",
            ",".join(agents),
            "--seed",
            str(args.seed),
        ]
    )
    return {
        "config": {
            "per_suite": args.per_suite,
            "budget_s": args.budget_s,
            "random_budget_s": args.random_budget_s,
            "agents": agents,
            "seed": args.seed,
            "env": "UnKnot-v0",
        },
        "kernel": KERNEL_VERSION,
        "reproduce": reproduce,
        "missing_suites": missing,
        "suite_hashes": {s: load_suite(s).hash for s in suites},
        "results": rows,
    }


def upgrade(old: dict[str, Any]) -> dict[str, Any]:
    """A report of the script before the reporter (``finished``, rows with ``solved`` = claimed) in today's form."""
    if "kernel" in old:
        return old

    def row(r: dict[str, Any]) -> dict[str, Any]:
        per = [{**p, "claimed": p["solved"], "solved": p["verified"]} for p in r["per_instance"]]
        return {**r, "claimed": r["solved"], "solved": r["verified"], "per_instance": per}

    return {
        "command": old["command"],
        "date": old["finished"],
        "wall_s": old["wall_s"],
        "machine": {"loadavg": None, **old["machine"]},
        "config": old["config"],
        "kernel": old["machine"]["kernel"],
        "reproduce": old["command"],
        "missing_suites": old.get("missing_suites", []),
        "suite_hashes": {r["suite"]: r["suite_hash"] for r in old["results"]},
        "results": [row(r) for r in old["results"]],
    }


def figure(rows: list[dict[str, Any]]) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    suites = list(dict.fromkeys(r["suite"] for r in rows))
    agents = list(dict.fromkeys(r["agent"] for r in rows))
    by = {(r["suite"], r["agent"]): r for r in rows}
    x = np.arange(len(suites))
    width = 0.8 / len(agents)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(8.0, 0.7 * len(suites) + 2), 7.5), sharex=True)
    colors = {"random": "#999999", "greedy": "#1f77b4"}
    for k, agent in enumerate(agents):
        offset = (k - (len(agents) - 1) / 2) * width
        frac = [by[(s, agent)]["solved_fraction"] if (s, agent) in by else np.nan for s in suites]
        med = [
            np.nan if by.get((s, agent), {}).get("median_moves") is None else by[(s, agent)]["median_moves"]
            for s in suites
        ]
        top.bar(x + offset, frac, width, label=agent, color=colors.get(agent))
        bottom.bar(x + offset, med, width, label=agent, color=colors.get(agent))
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
    return fig


def render(page: ResultsPage, report: dict[str, Any]) -> None:
    cfg = report["config"]
    page.text(
        f"Kernel `{report['kernel']}`. Each agent gets a seeded sample of {cfg['per_suite']} instances per suite "
        f"(seed {cfg['seed']}; the ids are in `unknot-baselines.json`), a wall-clock budget per instance of "
        f"{cfg['budget_s']:g} s for `greedy` and {cfg['random_budget_s']:g} s for `random`, and plays "
        "`UnKnot-v0` sized to fit the instances (`rigorgym.agents.runner.make_env_for`: random walks last the "
        "env's 200 `max_episode_steps` and restart until the budget is spent). "
        "**Every certificate was re-verified by the kernel**; *verified* counts those it accepted."
    )
    page.text(
        "- `random`: uniformly random legal actions (insertions and stabilizations included), restarted walks.\n"
        "- `greedy`: best-first search over cancellations, far commutations, braid relations and "
        "destabilizations, ranked by `length + strands - 1`; it never inserts, so it fails where the word must grow."
    )
    page.table(
        ["suite", "agent", "solved", "median moves", "median time (s)", "verified"],
        [
            [
                r["suite"],
                r["agent"],
                f"{r['solved']}/{r['instances']}",
                r["median_moves"],
                r["median_seconds_solved"],
                f"{r['solved']}/{r['claimed']}",
            ]
            for r in report["results"]
        ],
    )
    page.text(
        "*median moves* and *median time* are over the solved instances (– when none was solved); an unsolved "
        "instance costs up to its whole budget (`greedy` stops early when its search runs out of states)."
    )
    walks = [
        statistics.median(p["steps"] for p in r["per_instance"]) for r in report["results"] if r["agent"] == "random"
    ]
    if walks:
        page.text(
            f"The random walker played a median of {min(walks):,.0f} to {max(walks):,.0f} env steps per instance "
            "(depending on the suite) within its budget. Most of its legal actions lengthen the word: at the start "
            "of a 3-strand instance of length 20, 84 of about 115 legal actions are insertions and 2 are "
            "stabilizations."
        )
    page.figure(figure(report["results"]), f"{STEM}.png", "Solved fraction and median moves per suite.")
    page.heading("Reproduce")
    page.reproduce(report["reproduce"])
    page.text("Times are indicative: the machine is shared with other jobs. Suites (hash from `rigorgym list suites`):")
    page.text("\n".join(f"- `{s}`: `{h}`" for s, h in report["suite_hashes"].items()))
    if report.get("missing_suites"):
        page.text(f"Requested but not shipped when this ran: {', '.join(report['missing_suites'])}.")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suites", help="comma-separated suite names (default: every UnKnot-v0 suite shipped)")
    parser.add_argument("--per-suite", type=int, default=20, help="instances sampled per suite (default 20)")
    parser.add_argument("--budget-s", type=float, default=2.0, help="greedy budget per instance, seconds (default 2)")
    parser.add_argument("--random-budget-s", type=float, default=2.0, help="random budget per instance (default 2)")
    parser.add_argument("--agents", default=",".join(AGENTS), help="comma-separated agents (default random,greedy)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample and of the agents (default 0)")
    parser.add_argument("--out-dir", default=str(ROOT / "docs" / "results"), help="where the three files go")
    parser.add_argument("--from-json", type=Path, help="re-render the page from this raw report; measure nothing")
    args = parser.parse_args(argv)
    if args.per_suite < 1 or args.budget_s <= 0 or args.random_budget_s <= 0:
        parser.error("--per-suite must be >= 1 and the budgets positive")
    page = ResultsPage(STEM, "UnKnot-v0 baselines", __file__, argv)
    if args.from_json:
        report = page.from_report(upgrade(json.loads(args.from_json.read_text())))
    else:
        report = measure(args, parser, Recorder())
    render(page, report)
    page.write(Path(args.out_dir), report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
