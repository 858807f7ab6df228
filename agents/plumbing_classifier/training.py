"""Training (Adam, fixed seeding, augmentation by fresh Neumann moves, early stopping), prediction, evaluation."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from rigorgym.envs.kirby_plumbing.generator import scramble
from rigorgym.envs.kirby_plumbing.types import PlumbingInstance
from torch import nn

from .model import GraphT, PairClassifier, collate, graph_tensors, pair_tensors
from .pairs import LabelledPair, Pair

# -- training ---------------------------------------------------------------------------


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run with ``n`` torch threads, then restore: small graph batches gain nothing from more, and on a shared
    2-core machine extra OpenMP threads spin against other jobs (measured: 80x slower steps with 2 threads)."""
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, n))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def seed_everything(seed: int) -> None:
    """The fixed seeding header (CleanRL style): Python, numpy and torch."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@dataclass
class TrainConfig:
    """Optimisation settings of :func:`train`."""

    epochs: int = 60
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 1e-5
    patience: int = 10
    seed: int = 0
    max_seconds: float | None = None
    augment_moves: int = 0  # random Neumann moves per side, redrawn every epoch (labels are invariant)
    augment_cap: int = 48
    threads: int = 1  # torch intra-op threads: more spin and stall on a busy 2-core machine


@dataclass
class TrainHistory:
    """Per-epoch curves and the chosen epoch (best validation accuracy, ties to lower loss)."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    best_epoch: int = -1
    steps: int = 0
    stopped: str = ""


def augmented_tensors(
    pairs: Sequence[LabelledPair], moves: int, cap: int, seed: Sequence[int]
) -> list[tuple[GraphT, GraphT]]:
    """Tensors of the pairs after ``moves`` fresh random Neumann moves on each side (the generator's
    :func:`scramble`). The moves never change a manifold, so the labels stay exact; this stretches a
    dataset that costs ~3 ms a pair to draw at ~0.3 ms a pair per epoch."""
    out = []
    for i, p in enumerate(pairs):
        rng = np.random.default_rng([*seed, i])
        g, h = p.graphs[0].copy(), p.graphs[1].copy()
        scramble(g, rng, moves, cap)
        scramble(h, rng, moves, cap)
        out.append((graph_tensors(g), graph_tensors(h)))
    return out


def _batches(n: int, size: int, generator: torch.Generator | None) -> list[torch.Tensor]:
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    return list(order.split(size))


def _loss_acc(
    model: PairClassifier, tensors: Sequence[tuple[GraphT, GraphT]], labels: torch.Tensor, batch_size: int
) -> tuple[float, float]:
    model.eval()
    total, correct = 0.0, 0
    with torch.no_grad():
        for idx in _batches(len(tensors), batch_size, None):
            logits = model(collate([tensors[i] for i in idx]))
            y = labels[idx]
            total += float(nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="sum"))
            correct += int(((logits > 0).float() == y).sum())
    n = max(len(tensors), 1)
    return total / n, correct / n


def train(
    model: PairClassifier,
    train_pairs: Sequence[LabelledPair],
    val_pairs: Sequence[LabelledPair],
    config: TrainConfig | None = None,
    progress: bool = True,
) -> TrainHistory:
    """Fit ``model`` in place with Adam; keep the parameters of the best validation epoch.

    Stops after ``epochs``, after ``patience`` epochs without a better
    validation accuracy, or once ``max_seconds`` have passed (checked after
    each epoch).
    """
    cfg = config or TrainConfig()
    with torch_threads(cfg.threads):
        return _train(model, train_pairs, val_pairs, cfg, progress)


def _train(
    model: PairClassifier,
    train_pairs: Sequence[LabelledPair],
    val_pairs: Sequence[LabelledPair],
    cfg: TrainConfig,
    progress: bool,
) -> TrainHistory:
    seed_everything(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    xs = pair_tensors(p.graphs for p in train_pairs)
    ys = torch.tensor([float(p.label) for p in train_pairs])
    vxs = pair_tensors(p.graphs for p in val_pairs)
    vys = torch.tensor([float(p.label) for p in val_pairs])
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(cfg.epochs, 1))
    history = TrainHistory()
    best: tuple[float, float] = (-1.0, math.inf)
    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    start = time.perf_counter()
    epochs: Iterable[int] = range(cfg.epochs)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(epochs, desc="train plumbing-classifier", unit="epoch", leave=False)
        epochs = bar
    for epoch in epochs:
        model.train()
        total, correct = 0.0, 0
        if cfg.augment_moves > 0:
            xs = augmented_tensors(train_pairs, cfg.augment_moves, cfg.augment_cap, [cfg.seed, epoch])
        for idx in _batches(len(xs), cfg.batch_size, gen):
            logits = model(collate([xs[i] for i in idx]))
            y = ys[idx]
            loss = nn.functional.binary_cross_entropy_with_logits(logits, y)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            history.steps += 1
            total += float(loss.detach()) * len(idx)
            correct += int(((logits.detach() > 0).float() == y).sum())
        sched.step()
        history.train_loss.append(total / max(len(xs), 1))
        history.train_acc.append(correct / max(len(xs), 1))
        vloss, vacc = _loss_acc(model, vxs, vys, 512)
        history.val_loss.append(vloss)
        history.val_acc.append(vacc)
        history.seconds.append(time.perf_counter() - start)
        if bar is not None:
            bar.set_postfix(loss=f"{history.train_loss[-1]:.3f}", val_acc=f"{vacc:.3f}")
        if (vacc, -vloss) > (best[0], -best[1]):
            best = (vacc, vloss)
            history.best_epoch = epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if epoch - history.best_epoch >= cfg.patience:
            history.stopped = f"early stop: no better validation accuracy for {cfg.patience} epochs"
            break
        if cfg.max_seconds is not None and time.perf_counter() - start > cfg.max_seconds:
            history.stopped = f"time budget of {cfg.max_seconds:g} s reached"
            break
    else:
        history.stopped = f"{cfg.epochs} epochs done"
    if bar is not None:
        bar.close()
    model.load_state_dict(best_state)
    model.eval()
    return history


# -- prediction and evaluation ----------------------------------------------------------


def as_pair(item: Any) -> Pair:
    if isinstance(item, LabelledPair):
        return item.graphs
    if isinstance(item, PlumbingInstance):
        g, h = item.kernel_graphs()
        return g, h
    g, h = item
    return g, h


def predict_proba(model: PairClassifier, pairs: Sequence[Any], batch_size: int = 512) -> np.ndarray:
    """P(same manifold) for each pair (``(g, h)`` kernel graphs, a :class:`PlumbingInstance` or a
    :class:`LabelledPair`)."""
    tensors = pair_tensors(as_pair(p) for p in pairs)
    model.eval()
    out = []
    with torch.no_grad(), torch_threads(1):
        for start in range(0, len(tensors), batch_size):
            out.append(torch.sigmoid(model(collate(tensors[start : start + batch_size]))).numpy())
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def evaluate(model: PairClassifier, pairs: Sequence[LabelledPair]) -> dict[str, Any]:
    """Accuracy overall, on positives, on negatives, by negative kind, and on the equal-|H_1| subset.

    ``hard_balanced`` is the mean of the accuracy on positives and on the
    negatives with equal |H_1| (a balanced score for the hard subset).
    """
    if not pairs:
        return {"pairs": 0}
    prob = predict_proba(model, pairs)
    labels = np.array([p.label for p in pairs])
    right = (prob > 0.5).astype(int) == labels

    def acc(mask: np.ndarray) -> float | None:
        return float(right[mask].mean()) if mask.any() else None

    kinds = np.array([p.kind for p in pairs])
    equal = np.array([p.equal_order for p in pairs])
    neg_equal = (labels == 0) & equal
    pos = acc(labels == 1)
    hard = acc(neg_equal)
    return {
        "pairs": len(pairs),
        "positives": int((labels == 1).sum()),
        "negatives": int((labels == 0).sum()),
        "accuracy": float(right.mean()),
        "accuracy_positives": pos,
        "accuracy_negatives": acc(labels == 0),
        "by_kind": {
            str(k): {"pairs": int((kinds == k).sum()), "accuracy": acc(kinds == k)} for k in sorted(set(kinds))
        },
        "equal_order_negatives": int(neg_equal.sum()),
        "accuracy_equal_order_negatives": hard,
        "hard_balanced": None if pos is None or hard is None else 0.5 * (pos + hard),
        "mean_prob_same": float(prob.mean()),
    }
