"""The ``normal-form`` solver over every pair of the Kirby-Plumbing-v0 suites, every certificate re-verified.

Each pair goes through ``rigorgym.agents.protocols.plumbing.suite_run`` (the
runner behind ``rigorgym solve``, every certificate checked again with
``rigorgym.verifiers.verify``). For reference, the ``random`` agent
(uniformly random legal moves, restarted walks of the env's 200
``max_episode_steps``) gets a small budget on the first pairs of two suites:
a trial is one pair, played until solved or out of budget. Writes, under
``--out-dir`` (default ``docs/results``; a fresh temporary folder with ``--quick``):

- ``plumbing-normal-form.json``: configuration, machine, kernel version and per-suite results;
- ``plumbing-normal-form.png``: certificate lengths per suite and solved fractions;
- ``plumbing-normal-form.md``: the tables, the plot and the exact command (through ``_report.ResultsPage``).

JSON lines go to stdout (one per suite and agent, then the files written), a progress bar to stderr.
Usage::

    python benchmarks/plumbing_normal_form.py                  # every pair, about 35 seconds
    python benchmarks/plumbing_normal_form.py --quick          # a few seconds, into a temp folder
    python benchmarks/plumbing_normal_form.py --quick --out-dir /tmp/pnf
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from _report import ResultsPage
from rigorgym.agents.protocols.plumbing import suite_run, warm_up
from rigorgym.envs.suites import list_suites, load_suite
from rigorgym.verifiers import KERNEL_VERSION
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
ENV_ID = "Kirby-Plumbing-v0"
STEM = "plumbing-normal-form"
RANDOM_SUITES = ("plumbing-small-6", "plumbing-ri-putrov-10")
TARGET_PAIRS_PER_S = 100  # normal-form pairs/s
TITLE = "Kirby-Plumbing-v0: the normal-form solver on every suite"


def natural_key(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def summary(row: dict[str, Any]) -> dict[str, Any]:
    """A row without its long lists, for the JSON line on stdout."""
    out = {k: v for k, v in row.items() if k not in ("length_counts", "uncertified_ids")}
    out["uncertified"] = len(row["uncertified_ids"])
    return out


def plot(report: dict[str, Any]) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["normal_form"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [3, 2]})
    notes = []
    top = max((int(k) for r in rows for k in r["length_counts"]), default=1)
    bins = np.linspace(0, max(top, 1) + 1, 40)
    for r in rows:
        lengths = [int(k) for k, v in r["length_counts"].items() for _ in range(v)]
        if lengths and max(lengths) > 0:
            left.hist(lengths, bins=bins, histtype="step", linewidth=1.6,
                      label=f"{r['suite']} (median {r['median_moves']:g})")  # fmt: skip
        else:
            notes.append(f"{r['suite']}: {r['certified']} certificates of 0 moves ({', '.join(r['claims'])})")
    left.set(xlabel="certificate length (moves)", ylabel="pairs", title="normal-form certificate lengths")
    left.legend(loc="upper right", fontsize=8)
    if notes:
        left.text(0.98, 0.55, "\n".join(notes), transform=left.transAxes, ha="right", va="top", fontsize=7)
    left.grid(alpha=0.3)
    bars = [(f"{r['suite']}\nnormal-form ({r['pairs']})", r["fraction"], "#1f77b4") for r in rows]
    bars += [(f"{r['suite']}\nrandom {r['budget_s']:g} s ({r['pairs']})", r["fraction"], "#999999")
             for r in report["random"]]  # fmt: skip
    y = np.arange(len(bars))
    right.barh(y, [b[1] for b in bars], color=[b[2] for b in bars])
    for yi, (_, frac, _) in zip(y, bars, strict=True):
        right.text(min(frac, 1.0) + 0.01, yi, f"{frac:.0%}", va="center", fontsize=8)
    right.set_yticks(y)
    right.set_yticklabels([b[0] for b in bars], fontsize=7)
    right.invert_yaxis()
    right.set(xlim=(0, 1.15), xlabel="certified fraction (kernel-verified)", title="solved fraction")
    right.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Kirby-Plumbing-v0: normal-form solver, kernel {report['kernel']}")
    fig.tight_layout()
    return fig


def fill(page: ResultsPage, report: dict[str, Any]) -> None:
    """The page's tables, acceptance rows, figure and suite hashes, from the report alone."""
    cfg = report["config"]
    page.text(
        f"Kernel `{report['kernel']}`. `normal-form` reduces both graphs to Neumann's normal form and checks "
        "weighted isomorphism (claim `homeomorphic`), or certifies a pair `distinct` when H_1 differs. Each pair "
        "goes through `rigorgym.agents.runner.run_agent` (the loop of `rigorgym solve`, here through "
        "`rigorgym.agents.protocols.plumbing.suite_run`); **every certificate was re-verified by the kernel** "
        "here as well (*verified*). Lengths are over the certified pairs; *pairs/s* is the solver's own time, "
        "*end to end* adds the runner's verification and the env. Times come from a shared VM and are indicative."
    )
    m = report["machine"]
    load = (m.get("loadavg") or [0.0])[0]
    if load > m["cpu_count"]:
        page.text(f"**The machine was overloaded** (load average {load:.1f} on {m['cpu_count']} cores, from other jobs): "
                  "the rates are depressed accordingly; the counts and lengths do not depend on it.")  # fmt: skip
    page.table(["suite", "pairs", "certified", "verified", "claims", "median moves", "mean", "max", "pairs/s",
                "end to end", "already isomorphic"],
               [[r["suite"], r["pairs"], f"{r['certified']:,} ({r['fraction']:.1%})", r["verified"],
                 ", ".join(f"{k} {v}" for k, v in r["claims"].items()) or "–", r["median_moves"], r["mean_moves"],
                 r["max_moves"], None if r["pairs_per_s"] is None else round(r["pairs_per_s"]),
                 round(r["pairs_per_s_end_to_end"]), r["already_isomorphic"]] for r in report["normal_form"]])  # fmt: skip
    page.acceptance([(f"{r['suite']}: ≥ {TARGET_PAIRS_PER_S} pairs/s, every pair certified and verified",
                      f"{r['pairs_per_s'] or 0:,.0f} pairs/s, {r['certified']:,}/{r['pairs']:,} certified, "
                      f"{r['verified']:,} verified",
                      (r["pairs_per_s"] or 0) >= TARGET_PAIRS_PER_S and r["verified"] == r["certified"] == r["pairs"])
                     for r in report["normal_form"]])  # fmt: skip
    page.text(
        "Uncertified pairs (if any) are listed by id in the JSON (`uncertified_ids`). *already isomorphic* counts "
        "the pairs whose two graphs are weighted-isomorphic as given; the generator scrambles such pairs again, "
        "so it should be 0."
    )
    page.heading(f"Reference: the `random` agent ({cfg['random_budget_s']:g} s per pair)")
    page.text(
        f"The first {cfg['random_pairs']} pairs of each suite below; each trial is one pair, played with uniformly "
        "random legal moves in walks of the env's 200 `max_episode_steps`, restarted until solved or out of "
        "budget. A pair solved with 0 moves was already isomorphic as given."
    )
    page.table(["suite", "pairs", "solved", "verified", "median moves", "time per trial (s)", "median env steps",
                "steps/s"],
               [[r["suite"], r["pairs"], r["certified"], r["verified"], r["median_moves"], r["seconds_per_pair"],
                 r["median_steps"], None if r["steps_per_s"] is None else round(r["steps_per_s"])]
                for r in report["random"]])  # fmt: skip
    page.figure(plot(report), f"{STEM}.png", "Certificate lengths per suite and solved fractions.")
    page.heading("Reproduce")
    page.reproduce(report["reproduce"] if "reproduce" in report else report["command"])
    page.text("Suites (hash from `rigorgym list suites`):\n\n" + "\n".join(
        f"- `{r['suite']}` ({r['suite_size']} pairs): `{r['suite_hash']}`" for r in report["normal_form"]))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suites", help="comma-separated suites (default: every Kirby-Plumbing-v0 suite shipped)")
    parser.add_argument("--limit", type=int, help="only the first LIMIT pairs of each suite (default: all)")
    parser.add_argument("--random-pairs", type=int, default=50, help="pairs per suite for `random` (default 50)")
    parser.add_argument("--random-budget-s", type=float, default=0.2, help="`random` budget per pair (default 0.2)")
    parser.add_argument("--random-suites", default=",".join(RANDOM_SUITES), help="suites for `random`")
    parser.add_argument("--seed", type=int, default=0, help="seed of the agents (default 0)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 10 pairs per suite, 3 for `random`")
    parser.add_argument("--out-dir", help="where the three files go (default docs/results; a temp folder with --quick)")
    parser.add_argument("--from-json", help="only re-render the page (into --out-dir) from a plumbing-normal-form.json")
    args = parser.parse_args(argv)
    page = ResultsPage(STEM, TITLE, __file__, argv)
    if args.from_json:
        report = page.from_report(json.loads(Path(args.from_json).read_text()))
        fill(page, report)
        page.write(Path(args.out_dir or Path(args.from_json).parent), report)
        return 0
    if args.quick:
        args.limit = args.limit or 10
        args.random_pairs = min(args.random_pairs, 3)
        args.random_budget_s = min(args.random_budget_s, 0.05)
    if (args.limit is not None and args.limit < 1) or args.random_pairs < 0 or args.random_budget_s <= 0:
        parser.error("--limit must be >= 1, --random-pairs >= 0 and --random-budget-s positive")
    out_dir = Path(args.out_dir or (tempfile.mkdtemp(prefix=f"{STEM}-") if args.quick else ROOT / "docs" / "results"))
    shipped = list_suites(env=ENV_ID)
    wanted = [s.strip() for s in args.suites.split(",") if s.strip()] if args.suites else shipped
    random_suites = [s.strip() for s in args.random_suites.split(",") if s.strip() and args.random_pairs > 0]
    unknown = [s for s in wanted + random_suites if s not in shipped]
    if unknown:
        parser.error(f"not a shipped {ENV_ID} suite: {', '.join(unknown)}")
    suites = sorted(wanted, key=natural_key)
    words = ["--suites", ",".join(suites)] + (["--limit", str(args.limit)] if args.limit is not None else [])
    if random_suites:
        words += ["--random-pairs", str(args.random_pairs), "--random-budget-s", f"{args.random_budget_s:g}",
                  "--random-suites", ",".join(random_suites)]  # fmt: skip
    else:
        words += ["--random-pairs", "0"]
    words += ["--seed", str(args.seed)]

    def size(name: str, limit: int | None) -> int:
        n = len(load_suite(name))
        return n if limit is None else min(n, limit)

    total = sum(size(s, args.limit) for s in suites) + sum(size(s, args.random_pairs) for s in random_suites)
    warm_up(suites)
    rows: dict[str, list[dict[str, Any]]] = {"normal_form": [], "random": []}
    with tqdm(total=total, desc="plumbing", unit="pair", file=sys.stderr) as bar:
        plan = [("normal_form", s, "normal-form", args.limit, 1.0) for s in suites]
        plan += [("random", s, "random", args.random_pairs, args.random_budget_s) for s in random_suites]
        for kind, name, agent, limit, budget in plan:
            bar.set_postfix_str(f"{name} {agent}")
            row = suite_run(name, agent, limit, budget, args.seed, lambda: bar.update(1))
            if agent == "normal-form":
                row["target"] = f">= {TARGET_PAIRS_PER_S} pairs/s"
                row["meets_target"] = row["pairs_per_s"] is not None and row["pairs_per_s"] >= TARGET_PAIRS_PER_S
            rows[kind].append(row)
            tqdm.write(json.dumps({"bench": kind, **summary(row)}), file=sys.stdout)
            sys.stdout.flush()
    report = {
        "reproduce": "python benchmarks/plumbing_normal_form.py " + shlex.join(words),
        "config": {
            "env": ENV_ID,
            "suites": suites,
            "limit": args.limit,
            "random_suites": random_suites,
            "random_pairs": args.random_pairs,
            "random_budget_s": args.random_budget_s,
            "seed": args.seed,
            "quick": args.quick,
        },  # fmt: skip
        "machine": {**page.start_machine, "kernel": KERNEL_VERSION},
        "kernel": KERNEL_VERSION,
        **rows,
    }
    fill(page, report)
    page.write(out_dir, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
