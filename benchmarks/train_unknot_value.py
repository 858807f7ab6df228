"""Train the value net of the ``guided`` UnKnot agent (``agents/unknot_value.py``), bootstrapped from its own search.

Why bootstrapped: there are no labelled distances to the unknot, but every
path the search finds says, for each braid on it, which of its children was
the right one to expand (and how many macro steps were left). Round 0 solves
a training set with the hand value; each later round retrains on every path
found so far and solves the set again with the net. The loss is a ranking loss: the child on the path should score below its
siblings, which is what best-first search needs. The net learns a correction
to the hand value (``agents/unknot_value.learned_scores``).

The training set is disjoint from the benchmark suites by construction (other
seeds): braids of random unknot *diagrams* (SnapPy's ``random_link`` without
simplification, kept when ``simplify('global')`` reaches 0 crossings, then
``braid_word()``: the recipe of ``unknot-hard``, but on random diagrams), and
uniform random words that SnapPy unknots (``RandomWordGenerator``, the recipe
of the ``unknot-words-*`` suites). Everything is seeded; one thread.

Writes ``agents/data/pretrained/unknot-value/value.pt`` and ``card.json``;
JSON lines of progress go to stdout. Usage::

    python benchmarks/train_unknot_value.py            # about 15 minutes on one core
    python benchmarks/train_unknot_value.py --quick --out /tmp/value   # a smoke run (a minute)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _common import emit, machine
from rigorgym.agents.unknot_search import SearchConfig, State, canonical, guided_search, hand_value, successors
from rigorgym.agents.unknot_value import HIDDEN, N_FEATURES, PRETRAINED, ValueMLP, ValueNet, learned_scores
from rigorgym.envs.unknot.generator import RandomWordGenerator
from rigorgym.envs.unknot.types import BraidInstance
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261129
#: (strands, length) of SnapPy-unknotted random words; n5-L40 is left out (about 20 s a word).
WORDS = ((4, 21), (5, 20), (5, 26), (6, 25), (7, 30), (7, 40))
#: Vertices of the random planar maps behind the random diagrams (SnapPy's ``random_link``).
MAP_SIZES = (30, 40, 50, 60)


def make_words(per_size: int, seconds: float) -> list[BraidInstance]:
    """Random unknotted words, ``per_size`` of each size in ``WORDS`` (until ``seconds`` run out)."""
    out: list[BraidInstance] = []
    deadline = time.perf_counter() + seconds
    for k in range(per_size):
        for n, length in WORDS:
            if time.perf_counter() > deadline:
                return out
            rng = np.random.default_rng([SEED, n, length, k])
            out.append(RandomWordGenerator(n, length)(rng))
    return out


def make_diagrams(count: int, seconds: float) -> list[BraidInstance]:
    """Braids of random unknot diagrams with at least 10 crossings (SnapPy draws from Python's seeded ``random``)."""
    import snappy

    random.seed(SEED)
    out: list[BraidInstance] = []
    deadline = time.perf_counter() + seconds
    tries = 0
    while len(out) < count and time.perf_counter() < deadline:
        size = MAP_SIZES[tries % len(MAP_SIZES)]
        tries += 1
        link = snappy.random_link(size, num_components=1, simplify=None, initial_map_gives_link=False)
        if len(link.crossings) < 10:
            continue
        copy = link.copy()
        copy.simplify("global")
        if copy.crossings:
            continue
        word = [int(x) for x in link.braid_word()]
        strands = max(abs(x) for x in word) + 1
        if strands >= 3 and len(word) <= 200:
            out.append(BraidInstance(strands, tuple(word), f"diagram-{tries}"))
    return out


@dataclass
class Labels:
    """What the solved paths teach: steps left per braid, and (children, index of the right one) per step."""

    steps: dict[State, tuple[State, int]] = field(default_factory=dict)
    choices: dict[State, tuple[list[State], int]] = field(default_factory=dict)

    def add_path(self, path: list[State], cfg: SearchConfig) -> None:
        total = len(path) - 1
        for i, state in enumerate(path):
            key = canonical(*state)
            if key not in self.steps or total - i < self.steps[key][1]:
                self.steps[key] = (state, total - i)
            if i == total or key in self.choices:
                continue
            n, w = state
            children = [(n2, w2) for n2, w2, _ in successors(n, w, cfg, len(w) + 2 * n + cfg.slack)]
            target = canonical(*path[i + 1])
            keys = [canonical(*c) for c in children]
            if target in keys and len(children) >= 2:
                self.choices[key] = (children, keys.index(target))


def solve_all(instances: list[BraidInstance], scorer: Any, cfg: SearchConfig, budget_s: float, labels: Labels) -> int:
    """Solve every instance and learn from each path found; return how many were solved."""
    solved = 0
    for inst in instances:
        out = guided_search(inst.braid, scorer, budget_s, cfg)
        if out.moves is not None:
            solved += 1
            labels.add_path(out.path, cfg)
    return solved


def train(labels: Labels, epochs: int, seed: int, round_no: int) -> tuple[ValueMLP, dict[str, float]]:
    """Fit a fresh :class:`ValueMLP` by a softmax ranking loss over each path step's children.

    The score is ``hand value + net`` (``learned_scores``), so an untrained net
    ranks like the ablation and training moves it only where paths disagree
    with the hand value. The last 10% of the steps (in a seeded order) are
    held out; top-1 accuracy (the right child scored lowest) is reported for
    the net and for the hand value alone.
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    choices = [labels.choices[k] for k in sorted(labels.choices)]
    choices = [choices[i] for i in rng.permutation(len(choices))]
    cut = max(1, int(0.9 * len(choices)))
    train_sets, held_sets = choices[:cut], choices[cut:]
    model = ValueMLP()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for k in rng.permutation(len(train_sets)):
            kids, right = train_sets[k]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(-learned_scores(model, kids).unsqueeze(0), torch.tensor([right]))
            loss.backward()
            opt.step()
            total += loss.item()
        if epoch % 5 == 0 or epoch == epochs - 1:
            emit({"phase": "train", "round": round_no, "epoch": epoch, "loss": round(total / max(len(train_sets), 1), 4),
                  **_evaluate(model, train_sets, held_sets)})  # fmt: skip
    return model.eval(), _evaluate(model, train_sets, held_sets)


def _top1(scores: Any, sets: list[tuple[list[State], int]]) -> float:
    return float(np.mean([int(np.argmin(scores(kids))) == right for kids, right in sets])) if sets else float("nan")


def _evaluate(model: ValueMLP, train_sets: list[Any], held_sets: list[Any]) -> dict[str, float]:
    """Top-1 accuracy of the ranking (the right child scored lowest), learned and hand."""
    model.eval()

    def learned(kids: list[State]) -> Any:
        return learned_scores(model, kids).numpy()

    with torch.no_grad():
        out = {
            "train_top1": round(_top1(learned, train_sets), 3),
            "heldout_top1": round(_top1(learned, held_sets), 3),
            "heldout_top1_hand": round(_top1(hand_value, held_sets), 3),
        }
    model.train()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--diagrams", type=int, default=160, help="random unknot diagrams (default 160)")
    parser.add_argument("--per-size", type=int, default=4, help="random words per size (default 4)")
    parser.add_argument("--rounds", type=int, default=1, help="bootstrap rounds after the hand-value round")
    parser.add_argument("--budget-s", type=float, default=2.0, help="search budget per training instance")
    parser.add_argument("--max-expansions", type=int, default=3000, help="search cap per training instance")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(PRETRAINED), help="folder for value.pt and card.json")
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.diagrams, args.per_size, args.rounds, args.budget_s, args.epochs = 12, 1, 1, 1.0, 3
    torch.set_num_threads(1)
    start = time.perf_counter()
    instances = make_diagrams(args.diagrams, 600) + make_words(args.per_size, 120)
    emit({"phase": "data", "instances": len(instances), "seconds": round(time.perf_counter() - start, 1)})

    cfg = SearchConfig(max_expansions=args.max_expansions)
    labels = Labels()
    solved = solve_all(instances, hand_value, cfg, args.budget_s, labels)
    history = [
        {"round": 0, "value": "hand", "solved": solved, "steps": len(labels.steps), "choices": len(labels.choices)}
    ]
    emit({"phase": "solve", **history[-1], "seconds": round(time.perf_counter() - start, 1)})
    model, fit = train(labels, args.epochs, args.seed, 0)
    for round_no in range(1, args.rounds + 1):
        solved = solve_all(instances, ValueNet(model).score, cfg, args.budget_s, labels)
        history.append({"round": round_no, "value": "learned", "solved": solved, "steps": len(labels.steps),
                        "choices": len(labels.choices)})  # fmt: skip
        emit({"phase": "solve", **history[-1], "seconds": round(time.perf_counter() - start, 1)})
        model, fit = train(labels, args.epochs, args.seed + round_no, round_no)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out / "value.pt")
    wall = time.perf_counter() - start
    card = {
        "what": "value of the guided UnKnot agent: hand value + this net's correction, ranking braids by closeness to the unknot",
        "architecture": f"MLP {N_FEATURES} -> {HIDDEN} -> {HIDDEN} -> 1 (ReLU) over agents/unknot_value.features",
        "parameters": sum(p.numel() for p in model.parameters()),
        "trained": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python benchmarks/train_unknot_value.py" + (" --quick" if args.quick else ""),
        "args": {k: v for k, v in vars(args).items() if k != "out"},
        "training_set": {
            "instances": len(instances),
            "diagrams": sum(1 for i in instances if i.id),
            "words": list(WORDS),
            "map_sizes": list(MAP_SIZES),
            "seed": SEED,
            "disjoint_from_suites": True,
        },  # fmt: skip
        "loss": "softmax ranking of each path step's children; score = hand value + net",
        "rounds": history,
        "fit": fit,
        "train_seconds": round(wall, 1),
        "machine": machine(),
    }
    (out / "card.json").write_text(json.dumps(card, indent=1) + "\n")
    emit({"phase": "done", "wrote": [str(out / "value.pt"), str(out / "card.json")], "seconds": round(wall, 1)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
