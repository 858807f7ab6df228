"""Ri-Putrov's supervised baseline: train the "same 3-manifold?" GNN classifier, evaluate it, ship it.

A thin driver over :mod:`rigorgym.agents.plumbing_classifier` (model,
training, greedy search) and :mod:`rigorgym.agents.protocols.plumbing` (the
labelled pairs of the three splits, accuracy by size, the search under move
orders, the model card). Trains on labelled pairs of plumbing graphs
(homeomorphic pairs of the env's generator; negatives certainly distinct by
the kernel's H_1), reports accuracy on held-out pairs (seeds disjoint from
training), per kind of negative, on the equal-|H_1| hard subset and on the
frozen suites, and compares a greedy search that orders its moves with the
classifier against other orders, every win re-verified by the kernel.

Writes ``plumbing-classifier.{json,md,png}`` through ``_report.ResultsPage``
under ``--out-dir`` (default ``docs/results``; a temporary folder with
``--quick``) and the model with its ``CARD.md`` under ``--model-dir`` (default
``agents/data/pretrained/plumbing-classifier``; a temporary folder with
``--quick``). JSON lines go to stdout, progress bars to stderr.
Usage::

    python benchmarks/plumbing_classifier.py            # about 8 minutes on 2 cores
    python benchmarks/plumbing_classifier.py --quick    # about a minute, into temp folders
    python benchmarks/plumbing_classifier.py --from-json docs/results/plumbing-classifier.json  # re-render only
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import emit, public_command
from _report import ResultsPage
from rigorgym.agents import plumbing_classifier as pc
from rigorgym.agents.protocols import plumbing as pp
from rigorgym.envs.suites import suite_info
from rigorgym.verifiers import KERNEL_VERSION
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
STEM = "plumbing-classifier"
TITLE = 'Kirby-Plumbing-v0: the GNN classifier "same 3-manifold?" (Ri–Putrov\'s supervised baseline)'


def plot(report: dict[str, Any]) -> Any:
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
    return fig


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def fill(page: ResultsPage, report: dict[str, Any]) -> None:
    """Every table, paragraph and figure of the page, from the report alone."""
    cfg, tr, test, suites = report["config"], report["training"], report["heldout"], report["suites"]
    data, kinds = cfg["data"], test["by_kind"]
    page.text(
        f"Kernel `{report['kernel']}`, torch {report['torch']} with 1 intra-op thread. A siamese "
        f"{cfg['model']['conv'].upper()} network ({cfg['model']['depth']} layers, width {cfg['model']['width']}, "
        f"{report['parameters']:,} parameters) embeds each plumbing graph; an MLP on `[e1, e2, |e1-e2|, e1*e2]` "
        "predicts whether the two graphs give the same 3-manifold. A prediction is not a proof: only a certificate "
        f"replayed by the kernel is. Data took {report['data_seconds']:.0f} s of the run; times come from a shared "
        "VM and are indicative."
    )
    page.heading("Data")
    page.text(
        f"Balanced pairs from `make_pairs` (trees of {data['min_nodes']}–{data['max_nodes']} nodes, weights in "
        f"[-20, 20], each side scrambled by {data['scramble_moves'][0]}–{data['scramble_moves'][1]} random Neumann "
        f"moves, graphs capped at {data['graph_cap']} nodes). Positives: `RiPutrovGenerator` pairs (homeomorphic "
        "by construction). Negatives, every one checked **distinct by the kernel's `first_homology`** (the "
        "invariant of a `distinct` certificate): *independent* (two unrelated random trees), *perturbed* "
        "(`DistinctPairGenerator`, one weight changed: the `plumbing-distinct-10` kind) and *hard* (one or two "
        "weights changed by ≤ 6 so that **|H_1| is equal** and only the invariant factors differ, e.g. Z/2+Z/8 "
        f"against Z/16), mixed {' / '.join(f'{w:g}' for w in data['negative_mix'])} (a hard draw that finds no "
        f"partner within {pc.HARD_MAX_TREES} trees falls back to a perturbed pair, so there are fewer hard pairs "
        "than the mix says). Training, validation and test pairs come from disjoint seeds."
    )
    page.table(["split", "seed", "pairs", "positives", "independent", "perturbed", "hard", "equal-\\|H_1\\| negatives"],
               [[split, r["seed"], r["pairs"], *(r["kinds"].get(k, 0) for k in ("homeomorphic", "independent",
                 "perturbed", "hard")), r["equal_order_negatives"]] for split, r in report["datasets"].items()])  # fmt: skip
    page.text(
        f"Test pairs also found (up to isomorphism) in the training set: {report['overlap_test_train']}. Training: "
        f"Adam (lr {cfg['train']['lr']:g}), batch {cfg['train']['batch_size']}, every epoch each training pair "
        f"re-scrambled by {cfg['train']['augment_moves']} fresh random moves per side (labels are invariant), early "
        f"stop on validation accuracy; {tr['epochs']} epochs, {tr['steps']:,} steps, {tr['seconds']:.0f} s, epoch "
        f"{tr['best_epoch'] + 1} kept ({tr['stopped']}); seed {cfg['train']['seed']}."
    )
    page.heading("Accuracy")
    rows: list[list[Any]] = [[f"held-out random pairs (seed {report['datasets']['test']['seed']})", test["pairs"],
                              f"**{pct(test['accuracy'])}**", pct(test["accuracy_positives"]),
                              pct(test["accuracy_negatives"])]]  # fmt: skip
    rows += [[f"– negatives *{k}*", kinds[k]["pairs"], pct(kinds[k]["accuracy"]), "–", pct(kinds[k]["accuracy"])]
             for k in ("independent", "perturbed", "hard") if k in kinds]  # fmt: skip
    rows.append(["– hard subset: equal |H_1| negatives + all positives (balanced)",
                 f"{test['equal_order_negatives']} + {test['positives']}", pct(test["hard_balanced"]),
                 pct(test["accuracy_positives"]), pct(test["accuracy_equal_order_negatives"])])  # fmt: skip
    rows += [[f"suite `{n}` ({'all homeomorphic' if r['positives'] else 'all distinct'})", r["pairs"],
              f"**{pct(r['accuracy'])}**", pct(r["accuracy_positives"]), pct(r["accuracy_negatives"])]
             for n, r in suites.items()]  # fmt: skip
    if "plumbing-ri-putrov-10" in suites and "plumbing-distinct-10" in suites:
        bal = 0.5 * (suites["plumbing-ri-putrov-10"]["accuracy"] + suites["plumbing-distinct-10"]["accuracy"])
        rows.append(["suites ri-putrov-10 + distinct-10, balanced", None, pct(bal), "–", "–"])
    page.table(["evaluation set", "pairs", "accuracy", "on homeomorphic", "on distinct"], rows)
    page.text(pp.classifier_reading(test, suites))
    page.text(
        'Literature: Ri and Putrov report that their supervised GNN decides the question "with high accuracy" '
        "(abstract of arXiv:2305.05966); their exact figure and negative-pair construction are not quoted here, so "
        "no number is compared."
    )
    page.figure(plot(report), f"{STEM}.png", "Training curve and held-out accuracy by graph size.")
    if report["search"]:
        first = report["search"][0]
        page.heading("Does the classifier help a greedy search?")
        page.text(
            f"The first {first['pairs']} pairs of `{first['suite']}`. Greedy search: at each step play the first move "
            "in the given order (every down move and every ±1 blow-up of a vertex or an edge, on both graphs) that "
            f"reaches a pair not seen before; win when the graphs are isomorphic; at most {first['max_moves']} moves "
            f"and {first['max_seconds_per_pair']:g} s per pair. Orders: *classifier* (`rank_moves`: highest P(same) "
            "of the resulting pair first), *random*, *complexity* (lowest Ri–Putrov complexity 5·nodes + Σ|w| "
            "first, ties at random: a hand-made reference) and *complexity + classifier* (lowest complexity first, "
            "ties broken by the classifier). Every win was re-verified by the kernel."
        )
        page.table(["order", "pairs", "solved", "verified", "success", "median moves", "time (s)"],
                   [[r["order"], r["pairs"], r["solved"], r["verified"], pct(r["success_rate"]), r["median_moves"],
                     r["seconds"]] for r in report["search"]])  # fmt: skip
        page.text(pp.search_reading(report["search"]))
    page.heading("Reproduce")
    page.reproduce(report["reproduce"] if "reproduce" in report else report["command"])
    page.text(f"The model is saved in `{report['model_dir']}` with its CARD.md.\n\nSuites (hash from `rigorgym list "
              "suites`):\n\n" + "\n".join(f"- `{n}`: `{suite_info(n)['hash']}`" for n in suites))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, default in (
        ("train-pairs", 12000),
        ("val-pairs", 1500),
        ("test-pairs", 4000),
        ("epochs", 60),
        ("depth", 5),
        ("width", 64),
        ("augment-moves", 6),
        ("search-moves", 40),
        ("seed", 0),
    ):
        parser.add_argument(f"--{name}", type=int, default=default)  # fmt: skip
    parser.add_argument("--train-seconds", type=float, default=300.0, help="training time budget (default 300)")
    parser.add_argument("--conv", default="gin", choices=("gin", "gcn"))
    parser.add_argument("--search-pairs", type=int, default=50, help="pairs for the greedy-search comparison (0: skip)")
    parser.add_argument("--search-seconds", type=float, default=2.5, help="time cap per pair and order")
    parser.add_argument("--suite-limit", type=int, help="only the first LIMIT pairs of each suite")
    parser.add_argument("--quick", action="store_true", help="a smoke run of about a minute, into temp folders")
    parser.add_argument("--out-dir", help="results folder (default docs/results; a temp folder with --quick)")
    parser.add_argument("--model-dir", help="model folder (default agents/data/pretrained/plumbing-classifier)")
    parser.add_argument("--from-json", "--render-only", dest="from_json", metavar="JSON",
                        help="only re-render the page (and CARD.md) from a JSON written earlier (no data, no training)")  # fmt: skip
    args = parser.parse_args(argv)
    page = ResultsPage(STEM, TITLE, __file__, argv)
    page.command = public_command(Path(__file__).name, argv, ("--out-dir", "--model-dir"))  # no local paths
    if args.from_json:
        report = json.loads(Path(args.from_json).read_text())
        report = page.from_report({"date": report.get("finished"), "loadavg_end": "not recorded", **report})
        model_dir = Path(args.model_dir) if args.model_dir else ROOT / report["model_dir"]
        if (model_dir / "config.json").is_file():
            (model_dir / "CARD.md").write_text(pp.classifier_card(report))
        fill(page, report)
        page.write(Path(args.out_dir) if args.out_dir else Path(args.from_json).parent, report)
        return 0
    if args.quick:
        args.train_pairs, args.val_pairs, args.test_pairs = 1500, 300, 600
        args.train_seconds, args.epochs = min(args.train_seconds, 25.0), min(args.epochs, 15)
        args.search_pairs, args.search_moves = min(args.search_pairs, 5), min(args.search_moves, 20)
        args.suite_limit = args.suite_limit or 100
    if min(args.train_pairs, args.val_pairs, args.test_pairs) < 2 or args.train_seconds <= 0:
        parser.error("need at least 2 pairs per split and a positive --train-seconds")
    temp = Path(tempfile.mkdtemp(prefix=f"{STEM}-")) if args.quick else None
    out_dir = Path(args.out_dir) if args.out_dir else (temp if temp else ROOT / "docs" / "results")
    model_dir = Path(args.model_dir) if args.model_dir else (temp / "model" if temp else pc.PRETRAINED)
    words = ["--train-pairs", str(args.train_pairs), "--val-pairs", str(args.val_pairs), "--test-pairs",
             str(args.test_pairs), "--train-seconds", f"{args.train_seconds:g}", "--epochs", str(args.epochs),
             "--conv", args.conv, "--depth", str(args.depth), "--width", str(args.width), "--augment-moves",
             str(args.augment_moves), "--search-pairs", str(args.search_pairs), "--search-moves",
             str(args.search_moves), "--search-seconds", f"{args.search_seconds:g}", "--seed", str(args.seed)]  # fmt: skip
    words += ["--suite-limit", str(args.suite_limit)] if args.suite_limit else []
    model_cfg = pc.ClassifierConfig(conv=args.conv, depth=args.depth, width=args.width)
    train_cfg = pc.TrainConfig(epochs=args.epochs, max_seconds=args.train_seconds, seed=args.seed,
                               augment_moves=args.augment_moves, patience=12)  # fmt: skip
    start = time.perf_counter()
    data = {split: pp.labelled_pairs(split, n, progress=True)
            for split, n in (("train", args.train_pairs), ("val", args.val_pairs), ("test", args.test_pairs))}  # fmt: skip
    data_seconds = time.perf_counter() - start
    datasets = {split: pp.dataset_summary(split, rows) for split, rows in data.items()}
    train_keys = {pp.pair_key(p) for p in data["train"]}
    overlap = sum(pp.pair_key(p) in train_keys for p in data["test"])
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
    suites = {name: pc.evaluate(model, pc.suite_pairs(name, args.suite_limit)) for name in pp.CLASSIFIER_SUITES}
    for name, row in suites.items():
        emit({"bench": "eval", "set": name, **row})
    search: list[dict[str, Any]] = []
    if args.search_pairs > 0:
        with tqdm(total=4 * args.search_pairs, desc="greedy search", unit="pair", file=sys.stderr) as bar:
            search = pp.search_orders(model, "plumbing-ri-putrov-10", args.search_pairs, args.search_moves,
                                      args.search_seconds, args.seed, lambda: bar.update(1))  # fmt: skip
        for row in search:
            emit({"bench": "search", **row})
    import torch

    report = {"finished": page.date, "reproduce": "python benchmarks/plumbing_classifier.py " + shlex.join(words),
              "config": {"data": pp.PAIR_DATA, "model": vars(model_cfg), "train": vars(train_cfg), "quick": args.quick,
                         "seeds": pp.SPLIT_SEEDS},
              "machine": page.start_machine, "kernel": KERNEL_VERSION, "torch": torch.__version__,
              "parameters": sum(p.numel() for p in model.parameters()), "datasets": datasets,
              "overlap_test_train": overlap, "data_seconds": round(data_seconds, 1), "training": training,
              "heldout": heldout, "heldout_by_size": pp.accuracy_by_size(model, data["test"]), "suites": suites,
              "search": search,
              "model_dir": str(model_dir.relative_to(ROOT)) if model_dir.is_relative_to(ROOT) else str(model_dir)}  # fmt: skip
    meta = {"trained": page.date, "command": page.command, "data": pp.PAIR_DATA, "seeds": pp.SPLIT_SEEDS,
            "train": vars(train_cfg), "epochs": training["epochs"], "steps": training["steps"],
            "best_epoch": training["best_epoch"],
            "heldout": {k: heldout[k] for k in ("pairs", "accuracy", "accuracy_positives", "accuracy_negatives",
                                                 "hard_balanced")},
            "suites": {n: r["accuracy"] for n, r in suites.items()}}  # fmt: skip
    pc.save(model, model_dir, {"meta": meta})
    (model_dir / "CARD.md").write_text(pp.classifier_card({**report, "command": page.command}))
    emit({"bench": "model", "files": [str(model_dir / n) for n in ("model.pt", "config.json", "CARD.md")]})
    fill(page, report)
    page.write(out_dir, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
