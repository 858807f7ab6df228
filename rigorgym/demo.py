"""`make demo`: the baselines on packaged suites, every certificate re-verified, one table.

Runs ``random``, ``greedy`` and the shipped pretrained agent on
``unknot-random-L20`` and the baselines on a sample of ``unknot-hard``,
``normal-form``, ``random`` and the pretrained agent on the Kirby-Plumbing
suites, ``best-first`` on a dozen Ribbon knots, ``diagram-search`` on three
of the hard unknot diagrams of ``unknot-diagram-hard`` and on one knotted
look-alike of ``unknot-diagram-decoys`` (answered ``knotted``), ``ac-search``
on Miller–Schupp presentations and ``ac-greedy`` on AK(2) (embedded
defaults; a few minutes on 2 cores), and prints suite, agent, solved, claims,
median moves and how many certificates the kernel accepted.
The budgets are counts (search node expansions, env steps), not seconds, so
the table is the same on every run whatever the machine's load; each row
also has a generous wall-clock cap that a normal run never reaches.
Then it starts a local leaderboard (SQLite in a temporary folder), submits
``greedy``'s ``unknot-random-L20`` certificates, prints the ranking the server
computed after re-verifying them and the page's URL, and stops the server.
Last, the two simulators: a neural-network field theory (G2 against the exact
propagator, the connected 4-point function against the width) and a network
metric flow against the reference Ricci flow on T2, each writing a plot into
``--out`` (default ``runs/demo``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from rigorgym.agents.base import Budget
from rigorgym.agents.learned import NoPretrainedAgent, pretrained_for
from rigorgym.agents.runner import run_agent
from rigorgym.envs.games import GAMES
from rigorgym.envs.suites import list_suites, load_suite
from rigorgym.verifiers import verify

#: (suite, instances, agent, budget per instance). Counts, so that the figures repeat run to run; they were
#: sized to take about the wall-clock time the former budgets in seconds took (the ``seconds`` now only cap it).
#: normal-form is deterministic and unlimited by the clock (it needs no count).
PLAN = (
    ("unknot-random-L20", 100, "greedy", Budget(20.0, max_expansions=5_000)),
    ("unknot-random-L20", 20, "random", Budget(10.0, max_steps=20_000)),
    ("unknot-random-L20", 20, "pretrained", Budget(20.0, max_expansions=5_000)),  # guided + the expert value
    # the braids of the 50 very hard unknots: the baselines are not expected to solve them
    ("unknot-hard", 3, "greedy", Budget(10.0, max_expansions=1_000)),
    ("unknot-hard", 3, "random", Budget(10.0, max_steps=5_000)),
    ("plumbing-ri-putrov-10", 1000, "normal-form", Budget(5.0)),
    ("plumbing-ri-putrov-10", 20, "pretrained", Budget(20.0, max_steps=500)),
    ("plumbing-distinct-10", 500, "normal-form", Budget(5.0)),
    ("plumbing-small-6", 10, "random", Budget(10.0, max_steps=8_000)),
    ("ribbon-knotinfo-12", 12, "best-first", Budget(60.0, max_expansions=200)),
    ("notslice-knotinfo-12", 12, "best-first", Budget(20.0, max_expansions=50)),
    # UnKnot-Diagram-v0: the first three hard unknot diagrams (28-35 crossings; 2,064-13,120 moves played, about
    # 2 s together) and one knotted look-alike, whose certificate is its Alexander polynomial.
    ("unknot-diagram-hard", 3, "diagram-search", Budget(5.0, max_steps=30_000)),
    ("unknot-diagram-decoys", 1, "diagram-search", Budget(5.0, max_steps=30_000)),
    # AndrewsCurtis-v0: a sample of the Miller-Schupp presentations and AK(2), the one Akbulut-Kirby presentation
    # known to be AC-trivial (steps: products and conjugations tried)
    ("ac-miller-schupp", 20, "ac-search", Budget(10.0, max_steps=20_000)),
    ("ac-akbulut-kirby", 1, "ac-greedy", Budget(10.0, max_steps=50_000)),
)


def budget_text(budget: Budget) -> str:
    """The count limits of a row, as the table shows them."""
    parts = [f"{budget.max_expansions} exp."] if budget.max_expansions is not None else []
    parts += [f"{budget.max_steps} steps"] if budget.max_steps is not None else []
    return ", ".join(parts) or "-"


#: The (suite, agent) of PLAN whose certificates the demo submits to a local leaderboard.
LEADERBOARD_RUN = ("unknot-random-L20", "greedy")


class SkippedRow(Exception):
    """A row of PLAN that cannot run here (its suite or its pretrained agent is not shipped); the message says which."""


def run_row(suite_name: str, count: int, agent: str, budget: Budget) -> tuple[tuple[str, ...], list[dict]]:
    """One row of the table: ``agent`` on the first ``count`` instances of ``suite_name``, every certificate
    re-verified; the row's cells and the certificates (:class:`SkippedRow` when it cannot run here)."""
    if suite_name not in list_suites():
        raise SkippedRow(f"suite {suite_name} is not shipped")
    suite = load_suite(suite_name)
    game = next(g for g in GAMES if g.env == suite.env)
    instances = [game.read_instance(x) for x in suite.instances[:count]]
    runner_agent = agent
    if agent == "pretrained":  # the best shipped trained agent of the game (no training needed)
        try:
            runner_agent = str(pretrained_for(suite.env))
        except NoPretrainedAgent as exc:
            raise SkippedRow(str(exc)) from None
        agent = f"pretrained ({Path(runner_agent).name})"
    start = time.perf_counter()
    outcomes = list(run_agent(suite.env, instances, runner_agent, budget, seed=0))
    certs = [o.certificate for o in outcomes if o.certificate is not None]
    verified = sum(verify(c).valid for c in certs)  # a second, independent check of each
    moves = [len(c["moves"]) for c in certs]
    cells = (
        suite_name,
        agent,
        budget_text(budget),
        f"{len(certs)}/{len(instances)}",
        ", ".join(f"{claim} {n}" for claim, n in sorted(Counter(c["claim"] for c in certs).items())) or "-",
        f"{statistics.median(moves):g}" if moves else "-",
        f"{verified}/{len(certs)}",
        f"{time.perf_counter() - start:.1f}",
    )
    return cells, certs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rigorgym.demo", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply instance counts (e.g. 0.1 for a smoke run)")
    parser.add_argument("--out", type=Path, default=Path("runs/demo"), help="folder for the simulators' plots")
    args = parser.parse_args(argv)
    console = Console()
    console.width = max(console.width, 132)  # the table needs the room; pipes default to 80
    table = Table(title="rigorgym demo: baselines on packaged suites, certificates re-verified by the kernel")
    for column in ("suite", "agent", "budget", "solved", "claims", "median moves", "verified", "seconds"):
        width = max(len(name) for name, *_ in PLAN) if column == "suite" else None  # suite names whole
        table.add_column(column, justify="left" if column in ("suite", "agent") else "right", min_width=width)
    submitted: tuple[str, list[dict]] | None = None
    for suite_name, count, agent, budget in PLAN:
        try:
            cells, certs = run_row(suite_name, max(1, int(count * args.scale)), agent, budget)
        except SkippedRow as exc:
            console.print(f"[yellow]{exc}; skipped[/]")
            continue
        if (suite_name, agent) == LEADERBOARD_RUN and certs:
            submitted = (suite_name, certs)
        table.add_row(*cells)
    console.print(table)
    console.print(
        "random: uniform over legal moves, most of which are insertions, so its walks grow the word; "
        "greedy: best-first search without insertions (fails where the word must grow); "
        "normal-form: Neumann's reduction of both plumbing graphs, or H_1 for distinct pairs; "
        "best-first: slice obstructions, then a search over bands (Ribbon-v0); "
        "diagram-search: the Alexander polynomial first (a knotted certificate when it is not 1), else SnapPy's "
        "global simplification with backtracking, played as the kernel's Reidemeister moves (UnKnot-Diagram-v0); "
        "ac-greedy, ac-search: best-first searches over Andrews-Curtis moves (AndrewsCurtis-v0); "
        "pretrained: the best agent shipped in the package for the game (trained with rigorgym train). "
        "Budgets per instance are counts (exp.: search node expansions; steps: env steps, or the Reidemeister moves "
        "diagram-search plays, all tries together), so the table repeats "
        "run to run. "
        "Full results: docs/results/unknot-baselines.md, docs/results/plumbing-normal-form.md, docs/results/ribbon.md, "
        "docs/results/unknot-diagram.md, docs/results/andrews-curtis.md"
    )
    if submitted is not None:
        leaderboard_demo(console, *submitted)
    simulators_demo(console, args.out)
    return 0


#: (title, module with ``run(out_dir, console) -> dict``) of the simulators' demo sections
SIMULATORS = (
    ("Neural-network field theory", "rigorgym.fieldtheory.demo"),
    ("Neural-network metric flow", "rigorgym.metricflow.demo"),
)


def simulators_demo(console: Console, out: Path) -> None:
    """Each simulator's short section (a plot into ``out``); one that is not installed is skipped with a note."""
    import importlib

    out.mkdir(parents=True, exist_ok=True)
    for title, module_name in SIMULATORS:
        console.rule(title)
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            console.print(f"[yellow]{title} skipped ({exc}); pip install 'rigorgym[all]'[/]")
            continue
        start = time.perf_counter()
        module.run(out, console)
        console.print(f"({time.perf_counter() - start:.1f} s; plots in {out})")


def leaderboard_demo(console: Console, suite: str, certificates: list[dict]) -> None:
    """Serve a local leaderboard, submit ``certificates``, print the server's ranking and page URL, stop it."""
    try:
        from rigorgym.leaderboard.demo import run_demo
    except ImportError as exc:  # the leaderboard extra is not installed
        console.print(f"[yellow]leaderboard skipped ({exc}); pip install 'rigorgym[leaderboard]'[/]")
        return
    console.print(f"\nA local leaderboard: submitting {len(certificates)} greedy certificates for {suite} ...")
    run_demo(certificates, suite, agent="greedy (make demo)")


if __name__ == "__main__":
    raise SystemExit(main())
