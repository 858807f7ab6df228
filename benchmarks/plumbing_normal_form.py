"""The ``normal-form`` solver over every pair of the Kirby-Plumbing-v0 suites, every certificate re-verified.

Each pair goes through ``rigorgym.agents.runner.run_agent`` (the loop behind
``rigorgym solve``), and every certificate it returns is checked again here
with ``rigorgym.verifiers.verify``. For reference, the ``random`` agent
(uniformly random legal moves, restarted walks of the env's 200
``max_episode_steps``) gets a small budget on the first pairs of two suites:
a trial is one pair, played until solved or out of budget. Writes, under
``--out-dir`` (default ``docs/results``; a fresh temporary folder with ``--quick``):

- ``plumbing-normal-form.json``: configuration, machine, kernel version and per-suite results;
- ``plumbing-normal-form.png``: certificate lengths per suite and solved fractions;
- ``plumbing-normal-form.md``: the tables (generated from the JSON), the plot and the exact command.

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
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from _common import emit, machine, rounded
from rigorgym.agents.runner import run_agent
from rigorgym.envs.kirby_plumbing.types import PlumbingInstance
from rigorgym.envs.suites import list_suites, load_suite
from rigorgym.verifiers import KERNEL_VERSION, verify
from rigorgym.verifiers.plumbing import isomorphic
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
ENV_ID = "Kirby-Plumbing-v0"
STEM = "plumbing-normal-form"
RANDOM_SUITES = ("plumbing-small-6", "plumbing-ri-putrov-10")
TARGET_PAIRS_PER_S = 100  # normal-form pairs/s


def natural_key(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def run_suite(suite_name: str, agent: str, limit: int | None, budget_s: float, seed: int, bar: tqdm) -> dict[str, Any]:
    """One agent over the first ``limit`` pairs of a suite (all when None); every certificate re-verified here."""
    suite = load_suite(suite_name)
    raw = suite.instances if limit is None else suite.instances[:limit]
    instances = [PlumbingInstance.from_instance(x) for x in raw]
    bar.set_postfix_str(f"{suite_name} {agent}")
    lengths: list[int] = []
    claims: Counter[str] = Counter()
    failed: list[str | None] = []
    solver_s = verify_s = 0.0
    steps: list[int] = []
    seconds: list[float] = []
    verified = 0
    start = time.perf_counter()
    for outcome in run_agent(ENV_ID, instances, agent, budget_s, seed=seed, progress=False):
        result = outcome.result
        cert = result.certificate
        solver_s += result.seconds
        seconds.append(result.seconds)
        steps.append(result.steps)
        if cert is None:
            failed.append(instances[outcome.index].id)
        else:
            t0 = time.perf_counter()
            ok = verify(cert).valid  # independent of the runner's own check
            verify_s += time.perf_counter() - t0
            verified += ok
            claims[cert["claim"]] += 1
            lengths.append(len(cert["moves"]))
        bar.update(1)
    wall = time.perf_counter() - start
    pairs = len(instances)
    certified = pairs - len(failed)
    row: dict[str, Any] = {
        "suite": suite_name,
        "suite_hash": suite.hash,
        "suite_size": len(suite),
        "agent": agent,
        "budget_s": budget_s,
        "pairs": pairs,
        "certified": certified,
        "verified": verified,
        "fraction": certified / pairs if pairs else 0.0,
        "claims": dict(sorted(claims.items())),
        "median_moves": statistics.median(lengths) if lengths else None,
        "mean_moves": rounded(statistics.fmean(lengths)) if lengths else None,
        "max_moves": max(lengths, default=None),
        "pairs_per_s": rounded(pairs / solver_s) if solver_s else None,
        "pairs_per_s_end_to_end": rounded(pairs / wall),
        "seconds_per_pair": rounded(solver_s / pairs) if pairs else None,
        "solver_s": round(solver_s, 3),
        "verify_s": round(verify_s, 3),
        "wall_s": round(wall, 2),
        "kernel": KERNEL_VERSION,
        # pairs whose two graphs are isomorphic as given: a certificate of 0 moves solves them
        "already_isomorphic": sum(isomorphic(*inst.kernel_graphs()) for inst in instances),
        "length_counts": {str(k): v for k, v in sorted(Counter(lengths).items())},
        "uncertified_ids": failed,
    }
    if agent == "random":
        row["median_steps"] = statistics.median(steps) if steps else None
        row["steps_per_s"] = rounded(sum(steps) / solver_s) if solver_s else None
    else:
        row["target"] = f">= {TARGET_PAIRS_PER_S} pairs/s"
        row["meets_target"] = row["pairs_per_s"] is not None and row["pairs_per_s"] >= TARGET_PAIRS_PER_S
    return row


def warm_up(suites: list[str]) -> None:
    """One untimed pair per agent: numba's cache load, regina's import, the first env."""
    first = [PlumbingInstance.from_instance(load_suite(s).instances[0]) for s in suites]
    for agent, budget in (("normal-form", 1.0), ("random", 0.01)):
        for outcome in run_agent(ENV_ID, first, agent, budget, progress=False):
            if outcome.result.certificate is not None:
                verify(outcome.result.certificate)


def summary(row: dict[str, Any]) -> dict[str, Any]:
    """A row without its long lists, for the JSON line on stdout."""
    out = {k: v for k, v in row.items() if k not in ("length_counts", "uncertified_ids")}
    out["uncertified"] = len(row["uncertified_ids"])
    return out


def plot(report: dict[str, Any], path: Path) -> None:
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
    left.set_xlabel("certificate length (moves)")
    left.set_ylabel("pairs")
    left.set_title("normal-form certificate lengths")
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
    right.set_xlim(0, 1.15)
    right.set_xlabel("certified fraction (kernel-verified)")
    right.set_title("solved fraction")
    right.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Kirby-Plumbing-v0: normal-form solver, kernel {report['machine']['kernel']}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fmt(x: float | None, spec: str) -> str:
    return "–" if x is None else format(x, spec)


def markdown(report: dict[str, Any], png_name: str) -> str:
    cfg, mach = report["config"], report["machine"]
    lines = [
        "# Kirby-Plumbing-v0: the normal-form solver on every suite",
        "",
        f"Measured {report['finished']} by `benchmarks/plumbing_normal_form.py` (rigorgym {mach['rigorgym']}, "
        f"kernel `{mach['kernel']}`), generated from `{STEM}.json`. `normal-form` reduces both graphs to "
        "Neumann's normal form and checks weighted isomorphism (claim `homeomorphic`), or certifies a pair "
        "`distinct` when H_1 differs. Each pair goes through `rigorgym.agents.runner.run_agent` (the loop of "
        "`rigorgym solve`); **every certificate was re-verified by the kernel** here as well "
        "(*verified*). Lengths are over the certified pairs; *pairs/s* is the solver's own time, "
        "*end to end* adds the runner's verification and the env.",
        "",
        "| suite | pairs | certified | verified | claims | median moves | mean | max | pairs/s | end to end "
        "| already isomorphic |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["normal_form"]:
        claims = ", ".join(f"{k} {v}" for k, v in r["claims"].items()) or "–"
        lines.append(
            f"| {r['suite']} | {r['pairs']} | {r['certified']} ({r['fraction']:.1%}) | {r['verified']} | {claims} | "
            f"{fmt(r['median_moves'], 'g')} | {fmt(r['mean_moves'], 'g')} | {fmt(r['max_moves'], 'g')} | "
            f"{fmt(r['pairs_per_s'], ',.0f')} | {r['pairs_per_s_end_to_end']:,.0f} | {r['already_isomorphic']} |"
        )
    lines += [
        "",
        f"Target: ≥ {TARGET_PAIRS_PER_S} pairs/s. Uncertified pairs (if any) are listed by id in the JSON "
        "(`uncertified_ids`). *already isomorphic* counts the pairs whose two graphs are weighted-isomorphic as "
        "given; the generator scrambles such pairs again, so it should be 0.",
        "",
        f"## Reference: the `random` agent ({cfg['random_budget_s']:g} s per pair)",
        "",
        f"The first {cfg['random_pairs']} pairs of each suite below; each trial is one pair, played with "
        "uniformly random legal moves in walks of the env's 200 `max_episode_steps`, restarted until solved or "
        "out of budget. A pair solved with 0 moves was already isomorphic as given.",
        "",
        "| suite | pairs | solved | verified | median moves | time per trial (s) | median env steps | steps/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["random"]:
        lines.append(
            f"| {r['suite']} | {r['pairs']} | {r['certified']} | {r['verified']} | {fmt(r['median_moves'], 'g')} | "
            f"{fmt(r['seconds_per_pair'], '.3g')} | {fmt(r['median_steps'], ',.0f')} | "
            f"{fmt(r['steps_per_s'], ',.0f')} |"
        )
    lines += [
        "",
        f"![certificate lengths and solved fractions]({png_name})",
        "",
        "## Reproduce",
        "",
        "```bash",
        report["command"],
        "```",
        "",
        f"Machine: {mach['cpu_count']}-core CPU ({mach['cpu']}), {mach['platform']}, Python {mach['python']}, "
        f"load average at start {mach['loadavg']}; a shared VM, so times are indicative. "
        f"Total wall time {report['wall_s']:.0f} s.",
        "",
        "Suites (hash from `rigorgym list suites`):",
        "",
    ]
    for r in report["normal_form"]:
        lines.append(f"- `{r['suite']}` ({r['suite_size']} pairs): `{r['suite_hash']}`")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suites", help="comma-separated suites (default: every Kirby-Plumbing-v0 suite shipped)")
    parser.add_argument("--limit", type=int, help="only the first LIMIT pairs of each suite (default: all)")
    parser.add_argument("--random-pairs", type=int, default=50, help="pairs per suite for `random` (default 50)")
    parser.add_argument("--random-budget-s", type=float, default=0.2, help="`random` budget per pair (default 0.2)")
    parser.add_argument("--random-suites", default=",".join(RANDOM_SUITES), help="suites for `random`")
    parser.add_argument("--seed", type=int, default=0, help="seed of the agents (default 0)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 10 pairs per suite, 3 for `random`")
    parser.add_argument("--out-dir", help="where the three files go (default docs/results; a temp folder with --quick)")
    args = parser.parse_args(argv)
    if args.quick:
        args.limit = args.limit or 10
        args.random_pairs = min(args.random_pairs, 3)
        args.random_budget_s = min(args.random_budget_s, 0.05)
    if (args.limit is not None and args.limit < 1) or args.random_pairs < 0 or args.random_budget_s <= 0:
        parser.error("--limit must be >= 1, --random-pairs >= 0 and --random-budget-s positive")
    if args.out_dir:
        out_dir = Path(args.out_dir)
    elif args.quick:
        out_dir = Path(tempfile.mkdtemp(prefix="plumbing-normal-form-"))
    else:
        out_dir = ROOT / "docs" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)

    shipped = list_suites(env=ENV_ID)
    wanted = [s.strip() for s in args.suites.split(",") if s.strip()] if args.suites else shipped
    unknown = [s for s in wanted if s not in shipped]
    if unknown:
        parser.error(f"not a shipped {ENV_ID} suite: {', '.join(unknown)}")
    suites = sorted(wanted, key=natural_key)
    random_suites = [s.strip() for s in args.random_suites.split(",") if s.strip() and args.random_pairs > 0]
    unknown = [s for s in random_suites if s not in shipped]
    if unknown:
        parser.error(f"not a shipped {ENV_ID} suite: {', '.join(unknown)}")

    words = ["--suites", ",".join(suites)]
    if args.limit is not None:
        words += ["--limit", str(args.limit)]
    if random_suites:
        words += ["--random-pairs", str(args.random_pairs), "--random-budget-s", f"{args.random_budget_s:g}",
                  "--random-suites", ",".join(random_suites)]  # fmt: skip
    else:
        words += ["--random-pairs", "0"]
    words += ["--seed", str(args.seed)]
    command = "python benchmarks/plumbing_normal_form.py " + shlex.join(words)

    def size(name: str, limit: int | None) -> int:
        n = len(load_suite(name))
        return n if limit is None else min(n, limit)

    total = sum(size(s, args.limit) for s in suites) + sum(size(s, args.random_pairs) for s in random_suites)
    mach = {**machine(), "kernel": KERNEL_VERSION}
    warm_up(suites)
    start = time.perf_counter()
    normal_rows: list[dict[str, Any]] = []
    random_rows: list[dict[str, Any]] = []
    with tqdm(total=total, desc="plumbing", unit="pair", file=sys.stderr) as bar:
        for name in suites:
            row = run_suite(name, "normal-form", args.limit, 1.0, args.seed, bar)
            normal_rows.append(row)
            tqdm.write(json.dumps({"bench": "normal_form", **summary(row)}), file=sys.stdout)
            sys.stdout.flush()
        for name in random_suites:
            row = run_suite(name, "random", args.random_pairs, args.random_budget_s, args.seed, bar)
            random_rows.append(row)
            tqdm.write(json.dumps({"bench": "random", **summary(row)}), file=sys.stdout)
            sys.stdout.flush()
    wall = time.perf_counter() - start
    report = {
        "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
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
        "machine": mach,
        "kernel": KERNEL_VERSION,
        "wall_s": round(wall, 1),
        "normal_form": normal_rows,
        "random": random_rows,
    }
    paths = {ext: out_dir / f"{STEM}.{ext}" for ext in ("json", "png", "md")}
    paths["json"].write_text(json.dumps(report, indent=1) + "\n")
    plot(report, paths["png"])
    paths["md"].write_text(markdown(report, paths["png"].name))
    emit({"bench": "wrote", "files": [str(p) for p in paths.values()], "wall_s": round(wall, 1)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
