"""Solve rates of ``guided`` (learned value), its ablation (hand value) and ``greedy`` on the UnKnot-v0 suites.

Every agent gets the same instances and the same wall-clock budget per
instance, on ``UnKnot-v0`` sized to fit them (``make_env_for``), one process.
Every certificate is re-verified by the kernel here, independently of the
agent. For each instance the script also records whether its braid's
Alexander polynomial is a unit (evaluated exactly at t = 2, 3, 5, 7 through
the Burau representation): a braid with some ``Δ(t)`` not ``±t^k`` does not close to the unknot, so no sound agent can
solve it; the tables report those counts next to the solve rates.

Writes ``unknot-guided.json``, ``unknot-guided.png`` and ``unknot-guided.md``
under ``--out-dir`` (default ``docs/results``); JSON lines to stdout. Usage::

    python benchmarks/unknot_guided.py --budget-s 2 --hard-sample 40
    python benchmarks/unknot_guided.py --suites unknot-words-n5-L20 --per-suite 5 --out-dir /tmp/x
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import sys
import time
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _common import emit
from _common import machine as common_machine
from rigorgym.agents.greedy import GreedySearch
from rigorgym.agents.runner import make_env_for
from rigorgym.agents.unknot_search import GuidedSearch
from rigorgym.envs.suites import load_suite
from rigorgym.envs.unknot.types import BraidInstance
from rigorgym.verifiers import KERNEL_VERSION, verify
from unknot_baselines import sample

ROOT = Path(__file__).resolve().parents[1]
SUITES = (
    "unknot-words-n3-L20",
    "unknot-words-n3-L40",
    "unknot-words-n3-L60",
    "unknot-words-n5-L20",
    "unknot-words-n5-L40",
    "unknot-words-n7-L40",
    "unknot-words-L96",
    "unknot-hard",
)
#: Label -> factory; "guided-hand" is the ablation: the same search ranked by the hand value.
AGENTS = {
    "guided": lambda: GuidedSearch(),
    "guided-hand": lambda: GuidedSearch(name="guided-hand", value="hand"),
    "greedy": lambda: GreedySearch(),
}
#: The row of every ``unknot-hard`` instance whose Alexander polynomial is a unit (the only possible unknots).
HARD_UNITS = "unknot-hard (Δ-unit)"
COLORS = {"guided": "#d62728", "guided-hand": "#ff9896", "greedy": "#1f77b4"}


def _det(rows: list[list[Fraction]]) -> Fraction:
    """Exact determinant by Gaussian elimination."""
    a = [r[:] for r in rows]
    d = Fraction(1)
    for c in range(len(a)):
        p = next((r for r in range(c, len(a)) if a[r][c] != 0), None)
        if p is None:
            return Fraction(0)
        if p != c:
            a[c], a[p] = a[p], a[c]
            d = -d
        d *= a[c][c]
        for r in range(c + 1, len(a)):
            f = a[r][c] / a[c][c]
            if f:
                for k in range(c, len(a)):
                    a[r][k] -= f * a[c][k]
    return d


def alexander_at(strands: int, word: list[int], t: int) -> Fraction:
    """``±t^k Δ(t)`` of the braid's closure: a minor of ``I - Burau(β)`` (unreduced, last row and column cut)."""
    tt = Fraction(t)
    m = [[Fraction(int(i == j)) for j in range(strands)] for i in range(strands)]
    for x in word:
        i = abs(x) - 1
        blk = (
            ((1 - tt, tt), (Fraction(1), Fraction(0))) if x > 0 else ((Fraction(0), Fraction(1)), (1 / tt, 1 - 1 / tt))
        )
        for row in m:
            a, b = row[i], row[i + 1]
            row[i], row[i + 1] = a * blk[0][0] + b * blk[1][0], a * blk[0][1] + b * blk[1][1]
    n = strands - 1
    return _det([[Fraction(int(i == j)) - m[i][j] for j in range(n)] for i in range(n)])


def _is_power(q: Fraction, base: int) -> bool:
    num, den = abs(q.numerator), q.denominator
    if num == 0:
        return False
    while num % base == 0:
        num //= base
    while den % base == 0:
        den //= base
    return num == 1 and den == 1


#: Where Δ is evaluated: t = 2 alone misses the figure-eight knot (Δ(2) = -1), t = 5 catches it.
POINTS = (2, 3, 5, 7)


def alexander_unit(strands: int, word: list[int]) -> bool:
    """Whether ``Δ(t) = ±t^k`` at every t in ``POINTS``, as for the unknot (necessary, not sufficient)."""
    return strands == 1 or all(_is_power(alexander_at(strands, word, t), t) for t in POINTS)


def run_suite(
    name: str, suite: str, raw: list[dict[str, Any]], label: str, budget_s: float, seed: int
) -> dict[str, Any]:
    """One agent on instances of ``suite`` (reported as ``name``): outcomes, every certificate re-verified here."""
    instances = [BraidInstance.from_instance({k: v for k, v in x.items() if not k.startswith("_")}) for x in raw]
    env = make_env_for("UnKnot-v0", instances)
    agent = AGENTS[label]()
    per = []
    try:
        for k, (inst, r) in enumerate(zip(instances, raw, strict=True)):
            result = agent.solve(env, inst, budget_s, seed + k)
            cert = result.certificate
            verified = bool(cert is not None and verify(cert).valid)
            per.append(
                {
                    "id": inst.id,
                    "solved": verified,
                    "claimed": cert is not None,
                    "moves": len(cert["moves"]) if cert is not None else None,
                    "seconds": round(result.seconds, 4),
                    "alexander_unit": r["_alexander_unit"],
                }
            )
    finally:
        env.close()
    solved = [p for p in per if p["solved"]]
    units = [p for p in per if p["alexander_unit"]]
    return {
        "suite": name,
        "suite_hash": load_suite(suite).hash,
        "agent": label,
        "budget_s": budget_s,
        "instances": len(per),
        "solved": len(solved),
        "claimed": sum(p["claimed"] for p in per),
        "solved_fraction": len(solved) / len(per) if per else 0.0,
        "alexander_units": len(units),
        "solved_of_units": sum(p["solved"] for p in units),
        "median_moves": statistics.median([p["moves"] for p in solved]) if solved else None,
        "median_seconds_solved": round(statistics.median([p["seconds"] for p in solved]), 4) if solved else None,
        "per_instance": per,
    }


def plot(rows: list[dict[str, Any]], suites: list[str], agents: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by = {(r["suite"], r["agent"]): r for r in rows}
    x = np.arange(len(suites))
    width = 0.8 / len(agents)
    fig, ax = plt.subplots(figsize=(max(8.0, 0.9 * len(suites) + 2), 4.8))
    for k, agent in enumerate(agents):
        offset = (k - (len(agents) - 1) / 2) * width
        frac = [by[(s, agent)]["solved_fraction"] if (s, agent) in by else np.nan for s in suites]
        ax.bar(x + offset, frac, width, label=agent, color=COLORS.get(agent))
        for xi, f in zip(x + offset, frac, strict=True):
            ax.text(xi, (0 if np.isnan(f) else f) + 0.01, f"{f:.2f}", ha="center", va="bottom", fontsize=6, rotation=90)
    ceiling = [
        by[(s, agents[0])]["alexander_units"] / by[(s, agents[0])]["instances"] if (s, agents[0]) in by else np.nan
        for s in suites
    ]
    ax.scatter(x, ceiling, marker="_", s=600, color="k", label="Alexander-unit fraction (ceiling)", zorder=3)
    ax.axhline(0.9, color="#888", lw=0.8, ls="--")
    ax.set_ylabel("solved fraction (kernel-verified)")
    ax.set_ylim(0, 1.3)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 0.9, 1.0])
    ax.set_xticks(x)
    ax.set_xticklabels(suites, rotation=30, ha="right")
    ax.legend(loc="upper right", ncol=4, fontsize=8)
    ax.set_title(f"UnKnot-v0: guided vs ablation vs greedy, {rows[0]['budget_s']:g} s per instance")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fmt(x: float | None, spec: str) -> str:
    return "–" if x is None else format(x, spec)


def markdown(report: dict[str, Any]) -> str:
    cfg, mach = report["config"], report["machine"]
    card = report.get("value_card", {})
    lines = [
        "# UnKnot-v0: the guided search",
        "",
        f"Measured {report['finished']} by `benchmarks/unknot_guided.py` (rigorgym {mach['rigorgym']}, kernel "
        f"`{mach['kernel']}`). Same instances and the same wall-clock budget of **{cfg['budget_s']:g} s per "
        f"instance** for every agent; one process, `torch.set_num_threads(1)`. The `unknot-words-*` suites: "
        + ("all 100 instances each" if cfg["per_suite"] >= 100 else f"a seeded sample of {cfg['per_suite']} each")
        + f"; `unknot-hard`: {cfg['hard_sample']} of its {len(load_suite('unknot-hard').instances)} instances "
        + f"(a seeded sample when fewer, seed {cfg['seed']}; the "
        f"ids are in `unknot-guided.json`), and, as the row `{HARD_UNITS}`, every hard instance that passes the "
        "Alexander test below (the only ones that can be unknots). "
        "**Every certificate was re-verified by the kernel** (`rigorgym.verifiers.verify`); only those count.",
        "",
        "- `guided`: best-first search over handle macros (cancellation, braid relations of both signs, Dehornoy "
        "handle reduction with growth) and Birman–Menasco exchange moves, with destabilizations at the top and (by "
        "conjugating with σ₁…σₙ₋₁) at the bottom made eagerly, ranked by the learned value: the hand value below "
        "plus the correction of a small MLP "
        f"(`agents/data/pretrained/unknot-value`, {card.get('parameters', '?')} weights, trained in "
        f"{card.get('train_seconds', '?')} s on one core by `benchmarks/train_unknot_value.py` with a ranking loss "
        "on the search paths of random unknot diagrams and words; held-out top-1 choice accuracy "
        f"{card.get('fit', {}).get('heldout_top1', '?')} vs {card.get('fit', {}).get('heldout_top1_hand', '?')} "
        "for the hand value alone).",
        "- `guided-hand`: the ablation — the same search ranked by the hand value "
        "`length + 2 (strands - 1) + (top-generator count - 1)`.",
        "- `greedy`: the existing baseline (best-first over non-growing moves, ranked by `length + strands - 1`).",
        "",
        "*Δ-unit* counts the instances whose Alexander polynomial is a unit at t = 2, 3, 5 and 7 (see below): the "
        "others are **not unknots**, so they cannot be solved by any sound agent.",
        "",
        "| suite | instances | Δ-unit | guided | guided-hand (ablation) | greedy |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    by = {(r["suite"], r["agent"]): r for r in report["results"]}
    for suite in report["suites"]:
        cells = []
        for agent in report["agents"]:
            r = by.get((suite, agent))
            cells.append("–" if r is None else f"{r['solved']}/{r['instances']} ({100 * r['solved_fraction']:.0f}%)")
        first = by[(suite, report["agents"][0])]
        lines.append(f"| {suite} | {first['instances']} | {first['alexander_units']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Median moves of the certificates and median seconds (solved instances only):",
        "",
        "| suite | agent | solved | of Δ-unit | median moves | median s |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        lines.append(
            f"| {r['suite']} | {r['agent']} | {r['solved']}/{r['instances']} | "
            f"{r['solved_of_units']}/{r['alexander_units']} | {_fmt(r['median_moves'], 'g')} | "
            f"{_fmt(r['median_seconds_solved'], '.2g')} |"
        )
    lines += ["", *_ablation(report), "", "![solved fraction per suite](unknot-guided.png)", ""]
    hard = by.get(("unknot-hard", report["agents"][0]))
    if hard is not None:
        lines += _hard_section(report, hard)
    lines += [
        "## Reproduce",
        "",
        "```bash",
        "python benchmarks/train_unknot_value.py   # the shipped weights; optional",
        report["command"],
        "```",
        "",
        f"Machine: {mach['cpu_count']}-core CPU ({mach['cpu']}), {mach['platform']}, Python {mach['python']}; "
        f"shared with other jobs (load average at the start {mach.get('loadavg')}, at the end "
        f"{report.get('loadavg_end')}), so times are indicative. Total wall time {report['wall_s']:.0f} s.",
        "",
    ]
    return "\n".join(lines)


def _ablation(report: dict[str, Any]) -> list[str]:
    """The learned value's effect, in numbers: guided vs guided-hand on the same instances."""
    by = {(r["suite"], r["agent"]): r for r in report["results"]}
    if not all(a in report["agents"] for a in ("guided", "guided-hand")):
        return []
    parts, gains = [], []
    for name, suites in (
        ("the words suites", [s for s in report["suites"] if s.startswith("unknot-words")]),
        (f"`{HARD_UNITS}`", [s for s in report["suites"] if s == HARD_UNITS]),
    ):
        if suites:
            learned = sum(by[(s, "guided")]["solved"] for s in suites)
            hand = sum(by[(s, "guided-hand")]["solved"] for s in suites)
            total = sum(by[(s, "guided")]["instances"] for s in suites)
            parts.append(f"{name}: {learned} vs {hand} of {total}")
            gains.append(learned - hand)
    verdict = (
        "The learned value solves more."
        if sum(gains) > 0
        else "The learned value does not solve more: its ranking gain on held-out training choices has not "
        "carried over within the wall-clock budget (scoring through torch also costs time per expansion)."
    )
    return [
        "**Ablation** (learned value vs hand value, same search, instances and budget): "
        + "; ".join(parts)
        + ". The macros and the normalization do almost all the work on the words suites. "
        + verdict
    ]


def _hard_section(report: dict[str, Any], hard: dict[str, Any]) -> list[str]:
    """Why ``unknot-hard`` cannot reach its goal: most of its braids are not unknots."""
    whole = report.get("hard_alexander", {})
    return [
        "## `unknot-hard` is mostly not unknots",
        "",
        "For each braid the script evaluates `±t^k Δ(t)` exactly (a minor of `I - Burau(β)`) at t = 2, 3, 5 and 7. "
        "For the unknot every value is a power of t; for a braid whose closure is the unknot they must be too, "
        f"because Δ is a knot invariant. In the sample above, {hard['instances'] - hard['alexander_units']} of "
        f"{hard['instances']} hard instances fail that test (over the whole suite: {whole.get('non_units', '?')} "
        f"of {whole.get('instances', '?')}). For example `unknot-hard/326` reduces, by "
        "kernel moves alone, to `σ₁³` on 2 strands: the trefoil. The braids are faithful to SnapPy's reading of "
        "the source PD codes (`Link(pd)` of row 326 simplifies to 3 crossings, and its π₁ presentation has 2 "
        "generators and 1 relator), so the source's PD convention most likely differs from SnapPy's and the "
        "conversion in `envs/suites/build_unknot.py` flips crossings; the suite should be rebuilt. Until then the "
        "≥ 50% goal on `unknot-hard` is unreachable for any sound agent; *of Δ-unit* is the meaningful rate there.",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suites", default=",".join(SUITES))
    parser.add_argument("--per-suite", type=int, default=100, help="instances per words suite (default: all 100)")
    parser.add_argument("--hard-sample", type=int, default=40, help="seeded sample of unknot-hard (default: all 40)")
    parser.add_argument("--budget-s", type=float, default=2.0, help="wall-clock budget per instance (default 2)")
    parser.add_argument("--agents", default=",".join(AGENTS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-hard-units", action="store_true", help="skip the row of all Δ-unit hard instances")
    parser.add_argument("--out-dir", default=str(ROOT / "docs" / "results"))
    args = parser.parse_args(argv)
    suites = [s for s in args.suites.split(",") if s]
    agents = [a for a in args.agents.split(",") if a]
    if unknown := [a for a in agents if a not in AGENTS]:
        parser.error(f"unknown agents {unknown}; known: {list(AGENTS)}")
    torch.set_num_threads(1)
    command = "python benchmarks/unknot_guided.py " + shlex.join(
        ["--suites", ",".join(suites), "--per-suite", str(args.per_suite), "--hard-sample", str(args.hard_sample),
         "--budget-s", f"{args.budget_s:g}", "--agents", ",".join(agents), "--seed", str(args.seed)]
        + (["--no-hard-units"] if args.no_hard_units else [])
    )  # fmt: skip
    mach = {**common_machine(), "kernel": KERNEL_VERSION}
    start = time.perf_counter()
    hard_alexander: dict[str, int] = {}
    samples: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for suite in suites:
        raw = sample(suite, args.hard_sample if suite == "unknot-hard" else args.per_suite, args.seed)
        samples[suite] = (suite, [{**x, "_alexander_unit": alexander_unit(**x["braid"])} for x in raw])
    if "unknot-hard" in suites and not args.no_hard_units:
        every = [{**x, "_alexander_unit": alexander_unit(**x["braid"])} for x in load_suite("unknot-hard").instances]
        units = [x for x in every if x["_alexander_unit"]]
        hard_alexander = {"instances": len(every), "units": len(units), "non_units": len(every) - len(units)}
        emit({"suite": "unknot-hard", "alexander": hard_alexander})
        samples[HARD_UNITS] = ("unknot-hard", units)
    rows = []
    for label_suite, (suite, raw) in samples.items():
        for label in agents:
            row = run_suite(label_suite, suite, raw, label, args.budget_s, args.seed)
            rows.append(row)
            emit({k: v for k, v in row.items() if k != "per_instance"})
    wall = time.perf_counter() - start
    card_path = ROOT / "agents" / "data" / "pretrained" / "unknot-value" / "card.json"
    report = {
        "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "config": {
            "budget_s": args.budget_s,
            "per_suite": args.per_suite,
            "hard_sample": args.hard_sample,
            "seed": args.seed,
            "env": "UnKnot-v0",
        },  # fmt: skip
        "suites": list(samples),
        "agents": agents,
        "machine": mach,
        "loadavg_end": common_machine()["loadavg"],
        "wall_s": round(wall, 1),
        "hard_alexander": hard_alexander,
        "value_card": json.loads(card_path.read_text()) if card_path.is_file() else {},
        "results": rows,
    }
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "unknot-guided.json").write_text(json.dumps(report, indent=1) + "\n")
    plot(rows, list(samples), agents, out / "unknot-guided.png")
    (out / "unknot-guided.md").write_text(markdown(report))
    emit({"wrote": [str(out / f"unknot-guided.{e}") for e in ("json", "png", "md")], "wall_s": round(wall, 1)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
