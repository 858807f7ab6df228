"""Ri-Putrov's supervised baseline: a GNN that reads two plumbing graphs and predicts "same 3-manifold?".

Ri & Putrov ("Graph neural networks and 3-dimensional topology", 2023) train
a graph network on labelled pairs of plumbing graphs before turning to
reinforcement learning. This module is that baseline for Kirby-Plumbing-v0:

* **Data** (:func:`make_pairs`): balanced, labelled pairs. Positives are the
  env's :class:`~rigorgym.envs.kirby_plumbing.generator.RiPutrovGenerator`
  pairs (a random tree, two copies scrambled by random Neumann moves): the
  same manifold by construction, each scramble move a kernel move. Negatives
  are *certainly* distinct: every one is checked to have different
  ``first_homology`` (the kernel's invariant behind a ``distinct``
  certificate, the invariant factors of H_1 = coker A) on the graphs as
  returned. Three kinds, mixed by ``negative_mix``: *independent* (two
  unrelated random trees of the same size, each scrambled), *perturbed* (the
  project's :class:`DistinctPairGenerator`: one weight of the tree changed,
  then both copies scrambled; the ``plumbing-distinct-*`` suites) and *hard*
  (one or two weights changed by at most 6 so that **|H_1| is equal** and
  only the invariant factors differ, e.g. Z/2 + Z/8 against Z/16: |det A|,
  the invariant a network most easily approximates, does not separate them).
  The kernel offers no finer invariant than the invariant factors, so equal
  |H_1| with equal groups cannot be a certain negative and is never used.
* **Model** (:class:`PairClassifier`): a torch-geometric GNN (``GINConv`` or
  ``GCNConv``, configurable depth and width) embeds each graph from node
  features built from weight and degree, with sum, mean and max pooling; an
  MLP on ``[e1, e2, |e1 - e2|, e1 * e2]`` gives the logit, averaged over both
  orders of the pair so that the answer does not depend on which graph is
  first.
* **Training** (:func:`train`): Adam, a fixed seeding header, shuffled
  mini-batches (manual batching of pre-built tensors: cheaper than
  ``DataLoader`` collation on two cores), optional augmentation by fresh
  random Neumann moves every epoch (labels are invariant under them), early
  stopping on a validation split, the best validation state kept.
* **Search** (:func:`rank_moves`): score each candidate Neumann move by the
  classifier's "same" probability of the pair it leads to (the move applied by
  the kernel on a copy) and sort best first; :func:`greedy_search` uses such
  an order to play moves until the graphs are isomorphic.

A prediction is never a proof: only a certificate replayed by the kernel is.
The classifier is a heuristic, for guiding a search or triaging pairs.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from rigorgym.envs.kirby_plumbing.generator import (
    DistinctPairGenerator,
    RiPutrovGenerator,
    down_moves,
    random_tree,
    scramble,
)
from rigorgym.envs.kirby_plumbing.types import PlumbingInstance
from rigorgym.verifiers.plumbing import IllegalMove, PlumbingGraph, apply_move, canonical_form, isomorphic
from rigorgym.verifiers.plumbing_invariants import first_homology, plumbing_matrix
from torch import nn
from torch_geometric.nn import GCNConv, GINConv, global_add_pool, global_max_pool, global_mean_pool

Pair = tuple[PlumbingGraph, PlumbingGraph]
Move = dict[str, Any]

#: Where the shipped model lives (``load_pretrained``).
PRETRAINED = Path(__file__).resolve().parent / "data" / "pretrained" / "plumbing-classifier"

#: Mixed into every pair's seed, so that these streams never coincide with the suites' (crc32 of a name).
SEED_TAG = 0x5EED_C1A5

#: Version of the node features; a saved model records it and refuses other versions.
FEATURES_VERSION = 1
NODE_FEATURES = 5
WEIGHT_SCALE = 10.0
DEGREE_SCALE = 4.0

#: Hard negatives: largest weight change tried, trees drawn before falling back to a plain distinct pair.
HARD_MAX_DELTA = 6
HARD_MAX_TREES = 60


# -- data ------------------------------------------------------------------------------


@dataclass
class LabelledPair:
    """Two graphs and whether they are the same manifold (1) or certainly distinct (0).

    ``kind`` is ``"homeomorphic"`` or one of :data:`NEGATIVE_KINDS`
    (``"independent"``, ``"perturbed"``, ``"hard"``; a suite's distinct pairs
    are ``"perturbed"``);
    ``equal_order`` says whether |H_1| agrees (always for positives), which
    defines the hard subset of any evaluation.
    """

    graphs: Pair
    label: int
    kind: str
    nodes: int
    scramble_moves: int
    equal_order: bool

    def instance(self, id: str | None = None) -> PlumbingInstance:
        return PlumbingInstance.from_graphs(*self.graphs, id=id)

    @property
    def size(self) -> int:
        """Total node count of the two graphs as shipped."""
        return len(self.graphs[0]) + len(self.graphs[1])


def _order(group: tuple[int, ...]) -> int:
    """|H_1| from its invariant factors (0 when infinite)."""
    out = 1
    for d in group:
        out *= d
    return out


def _equal_order_partner(tree: PlumbingGraph, rng: np.random.Generator) -> PlumbingGraph | None:
    """A copy of ``tree`` with one or two weights changed (by at most HARD_MAX_DELTA) so that |H_1| stays and the
    invariant factors change, or None.

    Candidates come from floating-point minors (det A changes bilinearly in
    two diagonal entries: det + d1 m_u + d2 m_v + d1 d2 m_uv, the minors read
    off A^-1 by Jacobi's identity); every candidate is then decided exactly by
    the kernel's ``first_homology``, so float error can only cost a candidate,
    never a wrong label.
    """
    group = first_homology(tree)
    order = _order(group)
    if order == 0:
        return None
    ids = sorted(tree.weights)
    a = np.array(plumbing_matrix(tree), dtype=np.float64)
    det = float(np.linalg.det(a))
    inv = np.linalg.inv(a)
    diag = np.diag(inv)
    m1 = det * diag  # m_u = det A without row/column u
    m2 = det * (np.outer(diag, diag) - inv * inv)  # m_uv, Jacobi's identity
    n = len(ids)
    found: list[tuple[tuple[int, int], ...]] = []
    deltas = [d for d in range(-HARD_MAX_DELTA, HARD_MAX_DELTA + 1) if d]
    for u in range(n):
        if abs(m1[u]) > 0.5:  # one weight: det + d m_u = -det
            d = -2.0 * det / m1[u]
            r = round(d)
            if r and abs(r) <= HARD_MAX_DELTA and abs(d - r) < 1e-6:
                found.append(((u, r),))
        for v in range(u + 1, n):
            for d1 in deltas:
                den = m1[v] + d1 * m2[u, v]
                if abs(den) < 0.5:
                    continue
                for target in (det, -det):
                    d2 = (target - det - d1 * m1[u]) / den
                    r = round(d2)
                    if r and abs(r) <= HARD_MAX_DELTA and abs(d2 - r) < 1e-6:
                        found.append(((u, d1), (v, r)))
    order_idx = rng.permutation(len(found)) if found else np.zeros(0, np.int64)
    for k in order_idx[:40]:
        other = tree.copy()
        for u, d in found[int(k)]:
            other.weights[ids[u]] += d
        h = first_homology(other)
        if h != group and _order(h) == order:
            return other
    return None


def hard_pair(
    rng: np.random.Generator, nodes: int, scramble_moves: int, graph_cap: int = 48, weight_range: int = 20
) -> Pair | None:
    """A distinct pair with equal |H_1|: a random tree with a non-cyclic H_1, a partner from
    :func:`_equal_order_partner`, both scrambled like the suites' pairs; None if none was found."""
    for _ in range(HARD_MAX_TREES):
        tree = random_tree(rng, nodes, weight_range)
        if len(first_homology(tree)) < 2:
            # Start from a non-cyclic group: a partner of the same order is then usually cyclic, hence another
            # group, whereas the partners of a tree with cyclic H_1 are (measured) almost always cyclic too.
            continue
        other = _equal_order_partner(tree, rng)
        if other is None:
            continue
        for graph in (tree, other):
            scramble(graph, rng, scramble_moves, graph_cap)
        return tree, other
    return None


def independent_pair(
    rng: np.random.Generator, nodes: int, scramble_moves: int, graph_cap: int = 48, weight_range: int = 20
) -> Pair:
    """Two independent random trees of the same size, each scrambled; the second redrawn until H_1 differs.

    The easiest negatives: the scramble leaves much of each tree's weights
    in place, so the two graphs usually look unrelated.
    """
    tree = random_tree(rng, nodes, weight_range)
    group = first_homology(tree)
    while True:
        other = random_tree(rng, nodes, weight_range)
        if first_homology(other) != group:
            break
    for graph in (tree, other):
        scramble(graph, rng, scramble_moves, graph_cap)
    return tree, other


#: Negative kinds, in the order of ``make_pairs``' ``negative_mix``.
NEGATIVE_KINDS = ("independent", "perturbed", "hard")


def make_pairs(
    n: int,
    seed: int,
    max_nodes: int = 10,
    min_nodes: int = 4,
    scramble_moves: tuple[int, int] = (20, 100),
    negative_mix: tuple[float, float, float] = (0.4, 0.4, 0.2),
    graph_cap: int = 48,
    progress: bool = False,
) -> list[LabelledPair]:
    """``n`` labelled pairs, balanced (pair ``i`` positive when ``i`` is even).

    Pair ``i`` draws from ``numpy.random.default_rng([SEED_TAG, seed, i])``:
    different seeds give disjoint streams (train, validation and test use
    different seeds). Trees have ``min_nodes..max_nodes`` nodes (uniform), the
    scramble ``scramble_moves`` random moves (uniform in the closed range),
    graphs are capped at ``graph_cap`` nodes. A negative is ``independent``
    (:func:`independent_pair`), ``perturbed`` (the project's
    ``DistinctPairGenerator``: one weight changed, the ``plumbing-distinct-*``
    suites' kind) or ``hard`` (:func:`hard_pair`, equal |H_1|) with the
    probabilities ``negative_mix``; a hard draw that finds no partner falls
    back to a perturbed pair. Every negative is asserted distinct by the
    kernel's ``first_homology`` on the graphs returned.
    """
    if not 1 <= min_nodes <= max_nodes or not 0 <= scramble_moves[0] <= scramble_moves[1]:
        raise ValueError("need 1 <= min_nodes <= max_nodes and 0 <= scramble_moves[0] <= scramble_moves[1]")
    if len(negative_mix) != 3 or min(negative_mix) < 0 or sum(negative_mix) <= 0:
        raise ValueError("negative_mix is three non-negative weights (independent, perturbed, hard)")
    cumulative = np.cumsum(negative_mix) / sum(negative_mix)
    out: list[LabelledPair] = []
    items: Iterable[int] = range(n)
    if progress:
        from tqdm import tqdm

        items = tqdm(items, desc=f"pairs seed={seed}", unit="pair", leave=False)
    for i in items:
        rng = np.random.default_rng([SEED_TAG, seed, i])
        nodes = int(rng.integers(min_nodes, max_nodes + 1))
        k = int(rng.integers(scramble_moves[0], scramble_moves[1] + 1))
        if i % 2 == 0:
            graphs = RiPutrovGenerator(nodes, k, max_nodes=graph_cap).pair(rng)
            out.append(LabelledPair(graphs, 1, "homeomorphic", nodes, k, True))
            continue
        kind = NEGATIVE_KINDS[int(np.searchsorted(cumulative, rng.random(), side="right"))]
        found: Pair | None = None
        if kind == "independent":
            found = independent_pair(rng, nodes, k, graph_cap)
        elif kind == "hard":
            found = hard_pair(rng, nodes, k, graph_cap)
        if found is None:
            kind, found = "perturbed", DistinctPairGenerator(nodes, k, max_nodes=graph_cap).pair(rng)
        h0, h1 = first_homology(found[0]), first_homology(found[1])
        if h0 == h1:  # never: every generator redraws until H_1 differs, and the scramble preserves it
            raise AssertionError(f"pair {i} of seed {seed} is not certainly distinct")
        out.append(LabelledPair(found, 0, kind, nodes, k, _order(h0) == _order(h1)))
    return out


def suite_pairs(name: str, limit: int | None = None) -> list[LabelledPair]:
    """A frozen suite as labelled pairs (label from the suite's index: ``distinct`` suites are 0)."""
    from rigorgym.envs.suites import load_suite, suite_info

    label = 0 if suite_info(name).get("distinct") else 1
    raw = load_suite(name).instances
    out = []
    for x in raw if limit is None else raw[:limit]:
        g, h = PlumbingInstance.from_instance(x).kernel_graphs()
        equal = True if label else _order(first_homology(g)) == _order(first_homology(h))
        out.append(LabelledPair((g, h), label, "homeomorphic" if label else "perturbed", -1, -1, equal))
    return out


# -- tensors -----------------------------------------------------------------------------


def graph_tensors(graph: PlumbingGraph) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x, edge_index)`` of one graph, nodes in increasing id.

    Features: ``weight / 10``, ``degree / 4`` and indicators of weight 0, +1
    and -1 (the weights at which Neumann's moves apply), all functions of
    weight and degree.
    """
    ids = sorted(graph.weights)
    index = {v: i for i, v in enumerate(ids)}
    w = np.array([graph.weights[v] for v in ids], np.float32)
    deg = np.array([len(graph.adj[v]) for v in ids], np.float32)
    x = np.stack([w / WEIGHT_SCALE, deg / DEGREE_SCALE, w == 0, w == 1, w == -1], axis=1).astype(np.float32)
    pairs = [(index[u], index[v]) for u in ids for v in graph.adj[u]]  # both directions
    edge_index = np.array(pairs, np.int64).T if pairs else np.zeros((2, 0), np.int64)
    return torch.from_numpy(x.reshape(-1, NODE_FEATURES)), torch.from_numpy(np.ascontiguousarray(edge_index))


@dataclass
class GraphBatch:
    """A disjoint union of graphs (torch-geometric's ``x, edge_index, batch``); in a pair batch graph ``2 i``
    and ``2 i + 1`` are the two sides of pair ``i``."""

    x: torch.Tensor
    edge_index: torch.Tensor
    batch: torch.Tensor
    num_graphs: int


GraphT = tuple[torch.Tensor, torch.Tensor]


def collate_graphs(graphs: Sequence[GraphT]) -> GraphBatch:
    """Concatenate pre-built graph tensors into one :class:`GraphBatch` (edge ids shifted per graph)."""
    xs, edges, sizes = [], [], []
    offset = 0
    for x, e in graphs:
        xs.append(x)
        edges.append(e + offset)
        sizes.append(x.shape[0])
        offset += x.shape[0]
    counts = torch.tensor(sizes, dtype=torch.long)
    batch = torch.repeat_interleave(torch.arange(len(sizes)), counts)
    x = torch.cat(xs) if xs else torch.zeros((0, NODE_FEATURES))
    edge_index = torch.cat(edges, dim=1) if edges else torch.zeros((2, 0), dtype=torch.long)
    return GraphBatch(x, edge_index, batch, len(sizes))


def collate(pairs: Sequence[tuple[GraphT, GraphT]]) -> GraphBatch:
    """A pair batch: the two sides of each pair, interleaved."""
    return collate_graphs([side for pair in pairs for side in pair])


def pair_tensors(pairs: Iterable[Pair]) -> list[tuple[GraphT, GraphT]]:
    return [(graph_tensors(g), graph_tensors(h)) for g, h in pairs]


# -- model ------------------------------------------------------------------------------


@dataclass
class ClassifierConfig:
    """Architecture of :class:`PairClassifier` (saved next to the weights)."""

    conv: str = "gin"
    depth: int = 5
    width: int = 64
    head_width: int = 64
    features_version: int = FEATURES_VERSION


class PairClassifier(nn.Module):
    """Siamese GNN: each graph -> embedding; the pair -> the logit of "same manifold"."""

    def __init__(self, config: ClassifierConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or ClassifierConfig()
        if config.conv not in ("gin", "gcn"):
            raise ValueError(f"conv must be 'gin' or 'gcn', got {config.conv!r}")
        if config.depth < 1 or config.width < 1 or config.head_width < 1:
            raise ValueError("depth, width and head_width must be >= 1")
        w = config.width
        self.embed = nn.Linear(NODE_FEATURES, w)
        self.convs = nn.ModuleList(self._conv(config.conv, w) for _ in range(config.depth))
        self.readout = nn.Sequential(nn.Linear(3 * w, w), nn.ReLU(), nn.Linear(w, w))
        self.head = nn.Sequential(
            nn.Linear(4 * w, config.head_width), nn.ReLU(),
            nn.Linear(config.head_width, config.head_width), nn.ReLU(),
            nn.Linear(config.head_width, 1),
        )  # fmt: skip

    @staticmethod
    def _conv(kind: str, w: int) -> nn.Module:
        if kind == "gin":
            return GINConv(nn.Sequential(nn.Linear(w, w), nn.ReLU(), nn.Linear(w, w)), train_eps=True)
        return GCNConv(w, w, add_self_loops=True)

    def graph_embeddings(self, batch: GraphBatch) -> torch.Tensor:
        """``(num_graphs, width)``: one embedding per graph (sum pooling scaled down: graphs have up to ~50
        nodes)."""
        h = torch.relu(self.embed(batch.x))
        for conv in self.convs:
            h = torch.relu(conv(h, batch.edge_index)) + h  # residual: deep stacks on long chains stay trainable
        size = batch.num_graphs
        pooled = torch.cat(
            [
                global_add_pool(h, batch.batch, size=size) / 10.0,
                global_mean_pool(h, batch.batch, size=size),
                global_max_pool(h, batch.batch, size=size),
            ],
            dim=-1,
        )
        return self.readout(pooled)

    def compare(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Logits ``(B,)`` of "same manifold" from two embedding rows each, symmetric in ``a`` and ``b``."""
        diff, prod = (a - b).abs(), a * b
        both = torch.cat([torch.cat([a, b, diff, prod], -1), torch.cat([b, a, diff, prod], -1)])
        logits = self.head(both).squeeze(-1)
        half = a.shape[0]
        return 0.5 * (logits[:half] + logits[half:])

    def forward(self, batch: GraphBatch) -> torch.Tensor:
        """Logits ``(B,)`` of a pair batch (:func:`collate`)."""
        e = self.graph_embeddings(batch)
        return self.compare(e[0::2], e[1::2])


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


def _as_pair(item: Any) -> Pair:
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
    tensors = pair_tensors(_as_pair(p) for p in pairs)
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


# -- ranking moves ----------------------------------------------------------------------


def _base_env(state: Any) -> Any:
    return state.unwrapped if hasattr(state, "unwrapped") else state


def _state_pair(state: Any) -> Pair:
    """The current pair of ``state``: an env (its live graphs), a PlumbingInstance, a LabelledPair or ``(g, h)``."""
    base = _base_env(state)
    if hasattr(base, "graphs") and callable(base.graphs):
        g, h = base.graphs()
        return g, h
    g, h = _as_pair(state)
    return g.copy(), h.copy()


def _decode_actions(state: Any, actions: Sequence[Any]) -> list[Move | None]:
    """Kernel moves (with ``"graph"``) for env action indices or move dicts; None where illegal.

    An index is played on one scratch env of ``state``'s layout, reloaded with
    the current pair each time, so ``state`` itself is never touched.
    """
    out: list[Move | None] = [dict(a) if isinstance(a, dict) else None for a in actions]
    indices = [i for i, a in enumerate(actions) if not isinstance(a, dict)]
    if not indices:
        return out
    base = _base_env(state)
    if not hasattr(base, "action_masks"):
        raise TypeError("action indices need a Kirby-Plumbing-v0 env as the state; pass kernel move dicts otherwise")
    from rigorgym.envs.kirby_plumbing.env import KirbyPlumbingEnv

    mask = base.action_masks()
    lay = base.layout
    scratch = KirbyPlumbingEnv(
        max_nodes=lay.max_nodes,
        extrude_d=lay.extrude_d,
        extrude_neighbours=lay.extrude_neighbours,
        weight_limit=base.weight_limit,
    )
    current = PlumbingInstance.from_graphs(*base.graphs())
    for i in indices:
        action = int(actions[i])
        if not 0 <= action < len(mask) or not mask[action]:
            continue
        scratch.load(current)
        _, _, _, _, info = scratch.step(action)
        if not info["illegal_action"]:
            out[i] = scratch.moves[-1]
    return out


def action_to_move(state: Any, action: int) -> Move | None:
    """The kernel move of env action ``action`` in ``state``'s current position, or None if illegal."""
    return _decode_actions(state, [action])[0]


def apply_to_copy(pair: Pair, move: Move) -> Pair | None:
    """The pair after the kernel move ``move`` (its ``"graph"`` field picks the side; the other side is the
    same object as in ``pair``), or None if illegal."""
    side = move.get("graph", 0)
    if side not in (0, 1):
        return None
    graph = pair[side].copy()
    try:
        apply_move(graph, move)
    except IllegalMove:
        return None
    return (graph, pair[1]) if side == 0 else (pair[0], graph)


def score_children(model: PairClassifier, pair: Pair, children: Sequence[Pair | None]) -> list[float]:
    """P(same) of each child pair (``-inf`` for None). A child shares one side with ``pair`` (by identity, as
    :func:`apply_to_copy` makes them), so each graph is embedded once: the search's hot path."""
    graphs = [graph_tensors(pair[0]), graph_tensors(pair[1])]
    left: list[int] = []
    right: list[int] = []
    for child in children:
        if child is None:
            continue
        index = []
        for side in (0, 1):
            if child[side] is pair[side]:
                index.append(side)
            else:
                graphs.append(graph_tensors(child[side]))
                index.append(len(graphs) - 1)
        left.append(index[0])
        right.append(index[1])
    if not left:
        return [-math.inf] * len(children)
    model.eval()
    with torch.no_grad(), torch_threads(1):
        e = model.graph_embeddings(collate_graphs(graphs))
        probs = iter(torch.sigmoid(model.compare(e[left], e[right])).tolist())
    return [-math.inf if c is None else next(probs) for c in children]


def score_moves(model: PairClassifier, state: Any, candidate_actions: Sequence[Any]) -> list[float]:
    """P(same) of the pair after each candidate (env action index or kernel move dict); ``-inf`` if illegal."""
    pair = _state_pair(state)
    moves = _decode_actions(state, candidate_actions)
    return score_children(model, pair, [None if m is None else apply_to_copy(pair, m) for m in moves])


def rank_moves(model: PairClassifier, state: Any, candidate_actions: Sequence[Any]) -> list[Any]:
    """The candidates sorted best first: highest "same manifold" probability of the pair they lead to.

    ``state`` is a Kirby-Plumbing-v0 env (then candidates may be action
    indices, decoded against its current position) or a pair of graphs
    (``PlumbingInstance``, ``(g, h)``); kernel move dicts with a ``"graph"``
    field work with either. Illegal candidates go last; ties keep input order.
    The result is a permutation of ``candidate_actions``.
    """
    scores = score_moves(model, state, candidate_actions)
    order = sorted(range(len(candidate_actions)), key=lambda i: -scores[i])
    return [candidate_actions[i] for i in order]


# -- a greedy search guided by a move order ---------------------------------------------


def candidate_moves(pair: Pair) -> list[Move]:
    """The moves a greedy search tries: every down move (blow-down, 0-absorption, 0-leaf split) and every
    ±1 blow-up at a vertex or an edge, on both graphs. Extrusions and disjoint blow-ups are left out: they
    multiply the branching without being needed by Neumann's reduction of these forests."""
    out: list[Move] = []
    for side, graph in enumerate(pair):
        out += [{**m, "graph": side} for m in down_moves(graph)]
        nodes = sorted(graph.weights)
        for v in nodes:
            out += [{"op": "blowup_vertex", "graph": side, "v": v, "sign": s} for s in (1, -1)]
        for u in nodes:
            for v in sorted(graph.adj[u]):
                if u < v:
                    out += [{"op": "blowup_edge", "graph": side, "u": u, "v": v, "sign": s} for s in (1, -1)]
    return out


def complexity(pair: Pair) -> int:
    """Ri-Putrov's complexity of a pair: 5 * nodes + sum |w| over both graphs."""
    return sum(5 * len(g) + sum(abs(w) for w in g.weights.values()) for g in pair)


@dataclass
class SearchResult:
    """A greedy search's outcome: the kernel moves of a win (None if none within the budget)."""

    moves: list[Move] | None
    steps: int
    seconds: float


def greedy_search(
    pair: Pair,
    order: Callable[[Pair, list[Move]], list[Move]],
    max_moves: int,
    max_seconds: float | None = None,
) -> SearchResult:
    """Play, from ``pair``, the first move in ``order`` that reaches a pair not seen before, until the graphs are
    isomorphic, ``max_moves`` are played, ``max_seconds`` pass or every move leads back (a dead end).

    ``order(pair, candidates)`` returns the candidates best first, e.g. by
    :func:`rank_moves` or at random. The moves returned, with ``"graph"``
    fields, are a ``homeomorphic`` certificate's moves for the pair.
    """
    start = time.perf_counter()
    current: Pair = (pair[0].copy(), pair[1].copy())
    if isomorphic(*current):
        return SearchResult([], 0, time.perf_counter() - start)
    seen = {(canonical_form(current[0]), canonical_form(current[1]))}
    played: list[Move] = []
    for step in range(max_moves):
        if max_seconds is not None and time.perf_counter() - start > max_seconds:
            return SearchResult(None, step, time.perf_counter() - start)
        chosen: tuple[Move, Pair] | None = None
        for move in order(current, candidate_moves(current)):
            child = apply_to_copy(current, move)
            if child is None:
                continue
            key = (canonical_form(child[0]), canonical_form(child[1]))
            if key not in seen:
                seen.add(key)
                chosen = move, child
                break
        if chosen is None:
            return SearchResult(None, step, time.perf_counter() - start)
        played.append(chosen[0])
        current = chosen[1]
        if isomorphic(*current):
            return SearchResult(played, step + 1, time.perf_counter() - start)
    return SearchResult(None, max_moves, time.perf_counter() - start)


def classifier_order(model: PairClassifier) -> Callable[[Pair, list[Move]], list[Move]]:
    """A :func:`greedy_search` order: :func:`rank_moves` with ``model``."""

    def order(pair: Pair, candidates: list[Move]) -> list[Move]:
        scores = score_children(model, pair, [apply_to_copy(pair, m) for m in candidates])
        ranked = sorted(range(len(candidates)), key=lambda i: -scores[i])
        return [candidates[i] for i in ranked]

    return order


def random_order(seed: int) -> Callable[[Pair, list[Move]], list[Move]]:
    """A :func:`greedy_search` order: uniformly random (the baseline a learned order must beat)."""
    rng = np.random.default_rng(seed)

    def order(pair: Pair, candidates: list[Move]) -> list[Move]:
        return [candidates[i] for i in rng.permutation(len(candidates))]

    return order


def complexity_order(seed: int) -> Callable[[Pair, list[Move]], list[Move]]:
    """A :func:`greedy_search` order: lowest Ri-Putrov complexity of the result first, ties at random."""
    rng = np.random.default_rng(seed)

    def order(pair: Pair, candidates: list[Move]) -> list[Move]:
        keys = []
        for i in rng.permutation(len(candidates)):
            child = apply_to_copy(pair, candidates[i])
            keys.append((math.inf if child is None else complexity(child), len(keys), int(i)))
        return [candidates[i] for _, _, i in sorted(keys)]

    return order


def complexity_classifier_order(model: PairClassifier) -> Callable[[Pair, list[Move]], list[Move]]:
    """A :func:`greedy_search` order: lowest complexity first, ties broken by the classifier's P(same) (the
    ablation that asks whether the classifier adds anything to the hand-made heuristic)."""

    def order(pair: Pair, candidates: list[Move]) -> list[Move]:
        children = [apply_to_copy(pair, m) for m in candidates]
        scores = score_children(model, pair, children)
        keys = [(math.inf if c is None else complexity(c), -scores[i], i) for i, c in enumerate(children)]
        return [candidates[i] for _, _, i in sorted(keys)]

    return order


# -- persistence ------------------------------------------------------------------------


def save(model: PairClassifier, directory: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write ``model.pt`` (state_dict) and ``config.json`` (architecture, feature version, ``extra``)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out / "model.pt")
    meta = {"format": "rigorgym-plumbing-classifier/1", "config": asdict(model.config), **(extra or {})}
    (out / "config.json").write_text(json.dumps(meta, indent=1) + "\n")
    return out


def load(directory: str | Path) -> PairClassifier:
    """Rebuild a model written by :func:`save` (in eval mode)."""
    path = Path(directory)
    meta = json.loads((path / "config.json").read_text())
    config = ClassifierConfig(**meta["config"])
    if config.features_version != FEATURES_VERSION:
        raise ValueError(f"model uses node features v{config.features_version}, this code v{FEATURES_VERSION}")
    model = PairClassifier(config)
    model.load_state_dict(torch.load(path / "model.pt", map_location="cpu", weights_only=True))
    model.eval()
    return model


def load_pretrained() -> PairClassifier:
    """The shipped model (``agents/data/pretrained/plumbing-classifier``; see its CARD.md)."""
    return load(PRETRAINED)


def pretrained_meta() -> dict[str, Any]:
    """The shipped model's ``config.json`` (training data, steps, seed, held-out accuracy)."""
    return json.loads((PRETRAINED / "config.json").read_text())
