"""Ri-Putrov's supervised baseline: train the "same 3-manifold?" GNN classifier, evaluate it, ship it.

Trains :class:`rigorgym.agents.plumbing_classifier.PairClassifier` on
labelled pairs of plumbing graphs (``make_pairs``: homeomorphic pairs of the
env's generator, negatives certainly distinct by the kernel's H_1), then
reports its accuracy on held-out pairs (drawn from seeds disjoint from the
training ones), per kind of negative, on the equal-|H_1| hard subset, and on
the frozen suites (``plumbing-ri-putrov-10`` all positive,
``plumbing-distinct-10`` all negative; ``plumbing-small-6`` and
``plumbing-large-25`` as other sizes). Optionally compares a greedy search
that orders its moves with the classifier against random and
lowest-complexity orders on pairs of a suite, every win re-verified by the
kernel.

Writes ``plumbing-classifier.{json,md,png}`` under ``--out-dir`` (default
``docs/results``; a temporary folder with ``--quick``) and the model with its
``CARD.md`` under ``--model-dir`` (default
``agents/data/pretrained/plumbing-classifier``; a temporary folder with
``--quick``). JSON lines go to stdout, progress bars to stderr.
Usage::

    python benchmarks/plumbing_classifier.py            # about 8 minutes on 2 cores
    python benchmarks/plumbing_classifier.py --quick    # about a minute, into temp folders
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from _common import emit, machine
from rigorgym.agents import plumbing_classifier as pc
from rigorgym.envs.kirby_plumbing.env import make_certificate
from rigorgym.envs.suites import suite_info
from rigorgym.verifiers import KERNEL_VERSION, verify
from rigorgym.verifiers.plumbing import canonical_form
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
STEM = "plumbing-classifier"
EVAL_SUITES = ("plumbing-ri-putrov-10", "plumbing-distinct-10", "plumbing-small-6", "plumbing-large-25")
SIZE_BINS = (0, 15, 20, 25, 30, 40, 50, 1000)
SEEDS = {"train": 1, "val": 2, "test": 3}


def pair_key(p: pc.LabelledPair) -> tuple[Any, ...]:
    """An isomorphism-invariant key of an unordered pair (to check that no test pair occurs in training)."""
    a, b = canonical_form(p.graphs[0]), canonical_form(p.graphs[1])
    return (a, b) if a <= b else (b, a)


def by_size(model: pc.PairClassifier, pairs: list[pc.LabelledPair]) -> list[dict[str, Any]]:
    """Accuracy per bin of total node count (both graphs), for positives and negatives."""
    prob = pc.predict_proba(model, pairs)
    labels = np.array([p.label for p in pairs])
    sizes = np.array([p.size for p in pairs])
    right = (prob > 0.5).astype(int) == labels
    rows = []
    for lo, hi in zip(SIZE_BINS[:-1], SIZE_BINS[1:], strict=True):
        inside = (sizes >= lo) & (sizes < hi)
        if not inside.any():
            continue
        row: dict[str, Any] = {"lo": lo, "hi": hi, "pairs": int(inside.sum()), "accuracy": float(right[inside].mean())}
        for name, lab in (("positives", 1), ("negatives", 0)):
            m = inside & (labels == lab)
            row[name] = int(m.sum())
            row[f"accuracy_{name}"] = float(right[m].mean()) if m.any() else None
        rows.append(row)
    return rows


def run_search(
    model: pc.PairClassifier, suite: str, pairs: int, max_moves: int, max_seconds: float, seed: int
) -> list[dict[str, Any]]:
    """Greedy search under three move orders on the first ``pairs`` pairs of ``suite``; wins re-verified."""
    data = pc.suite_pairs(suite, pairs)
    orders = {
        "classifier": lambda: pc.classifier_order(model),
        "random": lambda: pc.random_order(seed),
        "complexity": lambda: pc.complexity_order(seed),
        "complexity + classifier": lambda: pc.complexity_classifier_order(model),
    }
    rows = []
    with tqdm(total=len(orders) * len(data), desc="greedy search", unit="pair", file=sys.stderr) as bar:
        for name, make in orders.items():
            order = make()
            solved = verified = 0
            lengths: list[int] = []
            seconds = 0.0
            for i, p in enumerate(data):
                result = pc.greedy_search(p.graphs, order, max_moves, max_seconds)
                seconds += result.seconds
                if result.moves is not None:
                    solved += 1
                    lengths.append(len(result.moves))
                    cert = make_certificate(p.instance(f"{suite}/{i:04d}"), result.moves, seed=seed)
                    verified += verify(cert).valid
                bar.update(1)
            row = {
                "order": name,
                "suite": suite,
                "pairs": len(data),
                "max_moves": max_moves,
                "max_seconds_per_pair": max_seconds,
                "solved": solved,
                "verified": verified,
                "success_rate": solved / len(data) if data else 0.0,
                "median_moves": float(np.median(lengths)) if lengths else None,
                "seconds": round(seconds, 2),
            }
            rows.append(row)
            emit({"bench": "search", **row})
    return rows


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hist = report["training"]["history"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6))
    epochs = np.arange(1, len(hist["train_loss"]) + 1)
    left.plot(epochs, hist["train_loss"], label="train loss (augmented)", color="#1f77b4")
    left.plot(epochs, hist["val_loss"], label="validation loss", color="#1f77b4", linestyle="--")
    left.set_xlabel("epoch")
    left.set_ylabel("binary cross-entropy")
    twin = left.twinx()
    twin.plot(epochs, hist["train_acc"], color="#d62728", label="train accuracy")
    twin.plot(epochs, hist["val_acc"], color="#d62728", linestyle="--", label="validation accuracy")
    twin.axvline(report["training"]["best_epoch"] + 1, color="grey", linewidth=0.8, linestyle=":")
    twin.set_ylabel("accuracy")
    twin.set_ylim(0.4, 1.0)
    lines = left.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    left.legend(lines[0] + more[0], lines[1] + more[1], fontsize=7, loc="upper right")
    left.set_title("training curve (dotted: epoch kept)")
    left.grid(alpha=0.3)

    rows = report["heldout_by_size"]
    centres = [f"{r['lo']}-{r['hi'] - 1}" if r["hi"] < 1000 else f"{r['lo']}+" for r in rows]
    x = np.arange(len(rows))
    for key, label, colour, dx in (
        ("accuracy", "all", "#333333", -0.25),
        ("accuracy_positives", "homeomorphic", "#2ca02c", 0.0),
        ("accuracy_negatives", "distinct", "#d62728", 0.25),
    ):
        vals = [r[key] if r[key] is not None else np.nan for r in rows]
        right.bar(x + dx, vals, width=0.25, color=colour, label=label)
    right.set_xticks(x)
    right.set_xticklabels([f"{c}\n({r['pairs']})" for c, r in zip(centres, rows, strict=True)], fontsize=8)
    right.set_xlabel("total nodes of the pair (pairs)")
    right.set_ylabel("accuracy")
    right.set_ylim(0, 1.2)
    right.set_yticks(np.linspace(0, 1, 6))
    right.axhline(0.5, color="grey", linewidth=0.8, linestyle=":")
    right.legend(fontsize=8, loc="upper center", ncol=3)
    right.set_title("held-out accuracy by graph size")
    right.grid(axis="y", alpha=0.3)
    fig.suptitle("Kirby-Plumbing-v0: GNN classifier 'same 3-manifold?' (Ri-Putrov supervised baseline)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def markdown(report: dict[str, Any], png_name: str) -> str:
    cfg, mach, tr, test = report["config"], report["machine"], report["training"], report["heldout"]
    kinds = test["by_kind"]
    lines = [
        '# Kirby-Plumbing-v0: the GNN classifier "same 3-manifold?" (Ri–Putrov\'s supervised baseline)',
        "",
        f"Measured {report['finished']} by `benchmarks/plumbing_classifier.py` (rigorgym {mach['rigorgym']}, "
        f"kernel `{report['kernel']}`), generated from `{STEM}.json`. A siamese "
        f"{cfg['model']['conv'].upper()} network ({cfg['model']['depth']} layers, width {cfg['model']['width']}, "
        f"{report['parameters']:,} parameters) embeds each plumbing graph; an MLP on `[e1, e2, |e1-e2|, e1*e2]` "
        "predicts whether the two graphs give the same 3-manifold. A prediction is not a proof: only a "
        "certificate replayed by the kernel is.",
        "",
        "## Data",
        "",
        f"Balanced pairs from `make_pairs` (trees of {cfg['data']['min_nodes']}–{cfg['data']['max_nodes']} nodes, "
        f"weights in [-20, 20], each side scrambled by {cfg['data']['scramble_moves'][0]}–"
        f"{cfg['data']['scramble_moves'][1]} random Neumann moves, graphs capped at {cfg['data']['graph_cap']} "
        "nodes). Positives: `RiPutrovGenerator` pairs (homeomorphic by construction). Negatives, every one "
        "checked **distinct by the kernel's `first_homology`** (the invariant of a `distinct` certificate): "
        "*independent* (two unrelated random trees), *perturbed* (`DistinctPairGenerator`, one weight changed: "
        "the `plumbing-distinct-10` kind) and *hard* (one or two weights changed by ≤ 6 so that **|H_1| is "
        "equal** and only the invariant factors differ, e.g. Z/2+Z/8 against Z/16), mixed "
        f"{' / '.join(f'{w:g}' for w in cfg['data']['negative_mix'])} (a hard draw that finds no partner "
        f"within {pc.HARD_MAX_TREES} trees falls back to a perturbed pair, so there are fewer hard pairs than the "
        "mix says). Training, validation and test pairs come from disjoint seeds.",
        "",
        "| split | seed | pairs | positives | independent | perturbed | hard | equal-\\|H_1\\| negatives |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for split, row in report["datasets"].items():
        k = row["kinds"]
        lines.append(
            f"| {split} | {row['seed']} | {row['pairs']} | {k.get('homeomorphic', 0)} | {k.get('independent', 0)} "
            f"| {k.get('perturbed', 0)} | {k.get('hard', 0)} | {row['equal_order_negatives']} |"
        )
    lines += [
        "",
        f"Test pairs also found (up to isomorphism) in the training set: {report['overlap_test_train']}. "
        f"Training: Adam (lr {cfg['train']['lr']:g}), batch {cfg['train']['batch_size']}, every epoch each "
        f"training pair re-scrambled by {cfg['train']['augment_moves']} fresh random moves per side (labels "
        f"are invariant), early stop on validation accuracy; {tr['epochs']} epochs, {tr['steps']:,} steps, "
        f"{tr['seconds']:.0f} s, epoch {tr['best_epoch'] + 1} kept ({tr['stopped']}); seed {cfg['train']['seed']}.",
        "",
        "## Accuracy",
        "",
        "| evaluation set | pairs | accuracy | on homeomorphic | on distinct |",
        "|---|---:|---:|---:|---:|",
        f"| held-out random pairs (seed {SEEDS['test']}) | {test['pairs']} | **{pct(test['accuracy'])}** | "
        f"{pct(test['accuracy_positives'])} | {pct(test['accuracy_negatives'])} |",
    ]
    for kind in ("independent", "perturbed", "hard"):
        if kind in kinds:
            lines.append(f"| – negatives *{kind}* | {kinds[kind]['pairs']} | {pct(kinds[kind]['accuracy'])} | – | "
                         f"{pct(kinds[kind]['accuracy'])} |")  # fmt: skip
    lines.append(
        f"| – hard subset: equal \\|H_1\\| negatives + all positives (balanced) | "
        f"{test['equal_order_negatives']} + {test['positives']} | {pct(test['hard_balanced'])} | "
        f"{pct(test['accuracy_positives'])} | {pct(test['accuracy_equal_order_negatives'])} |"
    )
    for name, row in report["suites"].items():
        label = "all homeomorphic" if row["positives"] else "all distinct"
        lines.append(
            f"| suite `{name}` ({label}) | {row['pairs']} | **{pct(row['accuracy'])}** | "
            f"{pct(row['accuracy_positives'])} | {pct(row['accuracy_negatives'])} |"
        )
    suites = report["suites"]
    if "plumbing-ri-putrov-10" in suites and "plumbing-distinct-10" in suites:
        bal = 0.5 * (suites["plumbing-ri-putrov-10"]["accuracy"] + suites["plumbing-distinct-10"]["accuracy"])
        lines.append(f"| suites ri-putrov-10 + distinct-10, balanced | – | {pct(bal)} | – | – |")
    lines += ["", reading(test, suites), ""]
    lines += [
        'Literature: Ri and Putrov report that their supervised GNN decides the question "with high accuracy" '
        "(abstract of arXiv:2305.05966); their exact figure and negative-pair construction are not quoted here, "
        "so no number is compared.",
        "",
        f"![training curve and accuracy by graph size]({png_name})",
        "",
    ]
    if report["search"]:
        first = report["search"][0]
        lines += [
            "## Does the classifier help a greedy search?",
            "",
            f"The first {first['pairs']} pairs of `{first['suite']}`. Greedy search: at each step play the first "
            "move in the given order (every down move and every ±1 blow-up of a vertex or an edge, on both graphs) "
            "that reaches a pair not seen before; win when the graphs are isomorphic; at most "
            f"{first['max_moves']} moves and {first['max_seconds_per_pair']:g} s per pair. Orders: *classifier* "
            "(`rank_moves`: highest P(same) of the resulting pair first), *random*, *complexity* (lowest "
            "Ri–Putrov complexity 5·nodes + Σ|w| first, ties at random: a hand-made reference) and *complexity + "
            "classifier* (lowest complexity first, ties broken by the classifier). Every win was re-verified by "
            "the kernel.",
            "",
            "| order | pairs | solved | verified | success | median moves | time (s) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in report["search"]:
            med = "–" if r["median_moves"] is None else f"{r['median_moves']:g}"
            lines.append(
                f"| {r['order']} | {r['pairs']} | {r['solved']} | {r['verified']} | {pct(r['success_rate'])} | "
                f"{med} | {r['seconds']:.1f} |"
            )
        lines += ["", search_reading(report["search"]), ""]
    lines += [
        "## Reproduce",
        "",
        "```bash",
        report["command"],
        "```",
        "",
        f"Machine: {mach['cpu_count']}-core CPU ({mach['cpu']}), {mach['platform']}, Python {mach['python']}, "
        f"torch {report['torch']} with 1 intra-op thread, load average at start {mach['loadavg']}; a shared VM, "
        f"so times are indicative. Total wall time {report['wall_s']:.0f} s (data {report['data_seconds']:.0f} s). "
        f"The model is saved in `{report['model_dir']}` with its CARD.md.",
        "",
        "Suites (hash from `rigorgym list suites`):",
        "",
    ]
    for name in report["suites"]:
        lines.append(f"- `{name}`: `{suite_info(name)['hash']}`")
    return "\n".join(lines) + "\n"


def reading(test: dict[str, Any], suites: dict[str, Any]) -> str:
    """The paragraph that interprets the numbers (worded from them, so a rerun cannot contradict it)."""
    kinds = test["by_kind"]
    acc = {k: kinds.get(k, {}).get("accuracy") for k in ("independent", "perturbed", "hard")}
    text = (
        f"Reading: held out, the network is right on {pct(test['accuracy_positives'])} of homeomorphic pairs, "
        f"{pct(acc['independent'])} of *independent* distinct pairs, {pct(acc['perturbed'])} of *perturbed* ones "
        f"and {pct(acc['hard'])} of the equal-|H_1| ones (chance: 50%)."
    )
    if acc["independent"] is not None and acc["perturbed"] is not None and acc["independent"] - acc["perturbed"] > 0.2:
        text += (
            " It tells unrelated graphs apart (a scramble leaves much of a tree's weights in place) far better "
            "than graphs one weight apart: it has learned surface similarity more than an invariant such as "
            "|H_1|."
        )
    if acc["hard"] is not None and acc["perturbed"] is not None and acc["hard"] - acc["perturbed"] > 0.2:
        text += (
            " It does better on the hard pairs than on the perturbed ones although their |H_1| agree: their "
            "trees differ by up to two weights of up to 6, a bigger visible change than one weight off by 1 or 2, "
            "so this is presumably surface evidence too, not an invariant."
        )
    if "plumbing-distinct-10" in suites:
        text += (
            f" `plumbing-distinct-10` holds perturbed pairs only ({pct(suites['plumbing-distinct-10']['accuracy'])} "
            "here); the `normal-form` solver certifies every one of them by H_1 (see plumbing-normal-form.md)."
        )
    return text


def fmt_moves(x: float | None) -> str:
    return "–" if x is None else f"{x:g}"


def search_reading(rows: list[dict[str, Any]]) -> str:
    """One sentence on the search table, worded from its numbers."""
    by = {r["order"]: r for r in rows}
    cls, rnd = by["classifier"]["success_rate"], by["random"]["success_rate"]
    text = f"Ordered by the classifier alone the greedy search solves {pct(cls)} against {pct(rnd)} in random order"
    if cls <= rnd + 0.05:
        text += (
            ": the classifier does not help here (presumably because P(same) is already high for pairs that look "
            "alike, so it does not single out the moves that make them equal)."
        )
    else:
        text += ": the classifier helps."
    if "complexity + classifier" in by:
        a, b = by["complexity"], by["complexity + classifier"]
        text += (
            f" As a tie-breaker on top of complexity it gives {pct(b['success_rate'])} (median "
            f"{fmt_moves(b['median_moves'])} moves) against {pct(a['success_rate'])} (median "
            f"{fmt_moves(a['median_moves'])}) with random tie-breaking."
        )
    return text


def card(report: dict[str, Any]) -> str:
    """The model card shipped next to the weights (every number from ``report``)."""
    cfg, tr, test, data = report["config"], report["training"], report["heldout"], report["datasets"]
    kinds = test["by_kind"]
    acc = {k: kinds.get(k, {}).get("accuracy") for k in ("independent", "perturbed", "hard")}
    model, train = cfg["model"], cfg["train"]
    suites = "\n".join(f"| `{n}` | {r['pairs']} | {pct(r['accuracy'])} |" for n, r in report["suites"].items())
    mix = " / ".join(f"{w:g}" for w in cfg["data"]["negative_mix"])
    lines = [
        '# plumbing-classifier: GNN "same 3-manifold?" for Kirby-Plumbing-v0',
        "",
        'Ri–Putrov\'s supervised baseline ("Graph neural networks and 3-dimensional topology", 2023). Load with '
        "`rigorgym.agents.plumbing_classifier.load_pretrained()`; rank moves with `rank_moves`. A prediction is a "
        "heuristic, never a proof.",
        "",
        f"- **Model**: siamese {model['conv'].upper()}, {model['depth']} layers, width {model['width']}, sum/mean/max "
        f"pooling, MLP head on [e1, e2, |e1-e2|, e1*e2] (symmetrised); {report['parameters']:,} parameters. Node "
        f"features: weight/10, degree/4, indicators of weight 0, +1, -1 (features v{model['features_version']}).",
        f"- **Data**: `make_pairs`, trees of {cfg['data']['min_nodes']}–{cfg['data']['max_nodes']} nodes, scrambles "
        f"of {cfg['data']['scramble_moves'][0]}–{cfg['data']['scramble_moves'][1]} moves, graphs capped at "
        f"{cfg['data']['graph_cap']} nodes; negatives independent / perturbed / hard (equal |H_1|) mixed {mix}, "
        f"every one distinct by the kernel's H_1. {data['train']['pairs']} training pairs (seed "
        f"{data['train']['seed']}), {data['val']['pairs']} validation (seed {data['val']['seed']}), "
        f"{data['test']['pairs']} test (seed {data['test']['seed']}).",
        f"- **Training**: Adam lr {train['lr']:g}, batch {train['batch_size']}, weight decay "
        f"{train['weight_decay']:g}, cosine schedule, {train['augment_moves']} fresh random Neumann moves per side "
        f"per epoch (label-preserving augmentation), early stop on validation accuracy: {tr['epochs']} epochs, "
        f"{tr['steps']:,} steps, epoch {tr['best_epoch'] + 1} kept, {tr['seconds']:.0f} s on 1 CPU thread; seed "
        f"{train['seed']}.",
        f"- **Held-out accuracy** ({test['pairs']} fresh pairs, seeds disjoint from training): "
        f"**{pct(test['accuracy'])}** (homeomorphic {pct(test['accuracy_positives'])}, distinct "
        f"{pct(test['accuracy_negatives'])}: independent {pct(acc['independent'])}, perturbed "
        f"{pct(acc['perturbed'])}, hard {pct(acc['hard'])}); equal-|H_1| subset balanced "
        f"{pct(test['hard_balanced'])}.",
        "",
        "| suite | pairs | accuracy |",
        "|---|---:|---:|",
        suites,
        "",
        "Limitations: it recognises the surface similarity a scramble leaves behind rather than an invariant: "
        f"{pct(acc['perturbed'])} on pairs one weight apart (the `plumbing-distinct-10` kind, chance 50%); what it "
        "gets right on equal-|H_1| pairs presumably comes from their visibly changed weights (|H_1| is equal by "
        "construction).",
        "",
        f"Reproduce: `{report['command']}` (results in docs/results/{STEM}.md).",
    ]
    return "\n".join(lines) + "\n"


def render(report: dict[str, Any], out_dir: Path, model_dir: Path | None) -> list[Path]:
    """Write the JSON, PNG and Markdown of ``report`` (and the CARD.md into ``model_dir``)."""
    paths = {ext: out_dir / f"{STEM}.{ext}" for ext in ("json", "png", "md")}
    paths["json"].write_text(json.dumps(report, indent=1) + "\n")
    plot(report, paths["png"])
    paths["md"].write_text(markdown(report, paths["png"].name))
    written = list(paths.values())
    if model_dir is not None:
        (model_dir / "CARD.md").write_text(card(report))
        written.append(model_dir / "CARD.md")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-pairs", type=int, default=12000)
    parser.add_argument("--val-pairs", type=int, default=1500)
    parser.add_argument("--test-pairs", type=int, default=4000)
    parser.add_argument("--train-seconds", type=float, default=300.0, help="training time budget (default 300)")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--conv", default="gin", choices=("gin", "gcn"))
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--augment-moves", type=int, default=6)
    parser.add_argument("--search-pairs", type=int, default=50, help="pairs for the greedy-search comparison (0: skip)")
    parser.add_argument("--search-moves", type=int, default=40)
    parser.add_argument("--search-seconds", type=float, default=2.5, help="time cap per pair and order")
    parser.add_argument("--suite-limit", type=int, help="only the first LIMIT pairs of each suite")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a smoke run of about a minute, into temp folders")
    parser.add_argument("--out-dir", help="results folder (default docs/results; a temp folder with --quick)")
    parser.add_argument("--model-dir", help="model folder (default agents/data/pretrained/plumbing-classifier)")
    parser.add_argument(
        "--render-only",
        metavar="JSON",
        help="rewrite the Markdown, plot and CARD.md from a JSON written earlier (no data, no training)",
    )
    args = parser.parse_args(argv)
    if args.render_only:
        report = json.loads(Path(args.render_only).read_text())
        out_dir = Path(args.out_dir) if args.out_dir else Path(args.render_only).parent
        model_dir = Path(args.model_dir) if args.model_dir else ROOT / report["model_dir"]
        written = render(report, out_dir, model_dir if (model_dir / "config.json").is_file() else None)
        emit({"bench": "wrote", "files": [str(p) for p in written]})
        return 0
    if args.quick:
        args.train_pairs, args.val_pairs, args.test_pairs = 1500, 300, 600
        args.train_seconds, args.epochs = min(args.train_seconds, 25.0), min(args.epochs, 15)
        args.search_pairs, args.search_moves = min(args.search_pairs, 5), min(args.search_moves, 20)
        args.suite_limit = args.suite_limit or 100
    if min(args.train_pairs, args.val_pairs, args.test_pairs) < 2 or args.train_seconds <= 0:
        parser.error("need at least 2 pairs per split and a positive --train-seconds")
    temp = Path(tempfile.mkdtemp(prefix="plumbing-classifier-")) if args.quick else None
    out_dir = Path(args.out_dir) if args.out_dir else (temp if temp else ROOT / "docs" / "results")
    model_dir = Path(args.model_dir) if args.model_dir else (temp / "model" if temp else pc.PRETRAINED)
    out_dir.mkdir(parents=True, exist_ok=True)

    words = ["--train-pairs", str(args.train_pairs), "--val-pairs", str(args.val_pairs), "--test-pairs",
             str(args.test_pairs), "--train-seconds", f"{args.train_seconds:g}", "--epochs", str(args.epochs),
             "--conv", args.conv, "--depth", str(args.depth), "--width", str(args.width), "--augment-moves",
             str(args.augment_moves), "--search-pairs", str(args.search_pairs), "--search-moves",
             str(args.search_moves), "--search-seconds", f"{args.search_seconds:g}", "--seed", str(args.seed)]  # fmt: skip
    if args.suite_limit:
        words += ["--suite-limit", str(args.suite_limit)]
    command = "python benchmarks/plumbing_classifier.py " + shlex.join(words)
    data_cfg: dict[str, Any] = {"min_nodes": 4, "max_nodes": 10, "scramble_moves": [20, 100],
                                "negative_mix": [0.4, 0.4, 0.2], "graph_cap": 48}  # fmt: skip
    model_cfg = pc.ClassifierConfig(conv=args.conv, depth=args.depth, width=args.width)
    train_cfg = pc.TrainConfig(epochs=args.epochs, max_seconds=args.train_seconds, seed=args.seed,
                               augment_moves=args.augment_moves, patience=12)  # fmt: skip
    mach = machine()
    start = time.perf_counter()

    def pairs(split: str, n: int) -> list[pc.LabelledPair]:
        return pc.make_pairs(
            n, SEEDS[split], max_nodes=data_cfg["max_nodes"], min_nodes=data_cfg["min_nodes"],
            scramble_moves=tuple(data_cfg["scramble_moves"]), negative_mix=tuple(data_cfg["negative_mix"]),
            graph_cap=data_cfg["graph_cap"], progress=True,
        )  # fmt: skip

    data = {"train": pairs("train", args.train_pairs), "val": pairs("val", args.val_pairs),
            "test": pairs("test", args.test_pairs)}  # fmt: skip
    data_seconds = time.perf_counter() - start
    datasets = {}
    for split, rows in data.items():
        kinds: dict[str, int] = {}
        for p in rows:
            kinds[p.kind] = kinds.get(p.kind, 0) + 1
        datasets[split] = {"seed": SEEDS[split], "pairs": len(rows), "kinds": kinds,
                           "equal_order_negatives": sum(p.equal_order for p in rows if p.label == 0)}  # fmt: skip
    train_keys = {pair_key(p) for p in data["train"]}
    overlap = sum(pair_key(p) in train_keys for p in data["test"])
    emit({"bench": "data", "datasets": datasets, "overlap_test_train": overlap, "seconds": round(data_seconds, 1)})

    pc.seed_everything(args.seed)
    model = pc.PairClassifier(model_cfg)
    history = pc.train(model, data["train"], data["val"], train_cfg, progress=True)
    training = {"epochs": len(history.train_loss), "best_epoch": history.best_epoch, "steps": history.steps,
                "seconds": round(history.seconds[-1], 1) if history.seconds else 0.0, "stopped": history.stopped,
                "history": {k: [round(x, 4) for x in getattr(history, k)]
                            for k in ("train_loss", "train_acc", "val_loss", "val_acc", "seconds")}}  # fmt: skip
    emit({"bench": "train", **{k: v for k, v in training.items() if k != "history"},
          "best_val_acc": history.val_acc[history.best_epoch]})  # fmt: skip

    heldout = pc.evaluate(model, data["test"])
    emit({"bench": "eval", "set": "heldout", **heldout})
    suites = {}
    for name in EVAL_SUITES:
        row = pc.evaluate(model, pc.suite_pairs(name, args.suite_limit))
        suites[name] = row
        emit({"bench": "eval", "set": name, **row})
    search = []
    if args.search_pairs > 0:
        search = run_search(model, "plumbing-ri-putrov-10", args.search_pairs, args.search_moves,
                            args.search_seconds, args.seed)  # fmt: skip
    wall = time.perf_counter() - start

    import torch

    report = {
        "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "config": {
            "data": data_cfg,
            "model": vars(model_cfg),
            "train": vars(train_cfg),
            "quick": args.quick,
            "seeds": SEEDS,
        },  # fmt: skip
        "machine": mach,
        "kernel": KERNEL_VERSION,
        "torch": torch.__version__,
        "parameters": sum(p.numel() for p in model.parameters()),
        "datasets": datasets,
        "overlap_test_train": overlap,
        "data_seconds": round(data_seconds, 1),
        "training": training,
        "heldout": heldout,
        "heldout_by_size": by_size(model, data["test"]),
        "suites": suites,
        "search": search,
        "wall_s": round(wall, 1),
        "model_dir": str(model_dir.relative_to(ROOT)) if model_dir.is_relative_to(ROOT) else str(model_dir),
    }
    meta = {"trained": report["finished"], "command": command, "data": data_cfg, "seeds": SEEDS,
            "train": vars(train_cfg), "epochs": training["epochs"], "steps": training["steps"],
            "best_epoch": training["best_epoch"],
            "heldout": {k: heldout[k] for k in ("pairs", "accuracy", "accuracy_positives", "accuracy_negatives",
                                                 "hard_balanced")},
            "suites": {n: r["accuracy"] for n, r in suites.items()}}  # fmt: skip
    pc.save(model, model_dir, {"meta": meta})
    written = render(report, out_dir, model_dir)
    files = [str(p) for p in written] + [str(model_dir / n) for n in ("model.pt", "config.json")]
    emit({"bench": "wrote", "files": files, "wall_s": round(wall, 1)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
