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

Layout: ``pairs`` (data), ``model`` (tensors and the network), ``training``
(training, prediction, evaluation), ``search`` (move ranking and the greedy
search), ``storage`` (save, load, the shipped model). Everything public is
re-exported here.
"""

from .model import (
    FEATURES_VERSION,
    NODE_FEATURES,
    ClassifierConfig,
    GraphBatch,
    PairClassifier,
    collate,
    collate_graphs,
    graph_tensors,
    pair_tensors,
)
from .pairs import (
    HARD_MAX_DELTA,
    HARD_MAX_TREES,
    NEGATIVE_KINDS,
    SEED_TAG,
    LabelledPair,
    Move,
    Pair,
    hard_pair,
    independent_pair,
    make_pairs,
    suite_pairs,
)
from .search import (
    SearchResult,
    action_to_move,
    apply_to_copy,
    candidate_moves,
    classifier_order,
    complexity,
    complexity_classifier_order,
    complexity_order,
    greedy_search,
    random_order,
    rank_moves,
    score_children,
    score_moves,
)
from .storage import PRETRAINED, load, load_pretrained, pretrained_meta, save
from .training import (
    TrainConfig,
    TrainHistory,
    as_pair,
    augmented_tensors,
    evaluate,
    predict_proba,
    seed_everything,
    torch_threads,
    train,
)

__all__ = [
    "FEATURES_VERSION",
    "HARD_MAX_DELTA",
    "HARD_MAX_TREES",
    "NEGATIVE_KINDS",
    "NODE_FEATURES",
    "PRETRAINED",
    "SEED_TAG",
    "ClassifierConfig",
    "GraphBatch",
    "LabelledPair",
    "Move",
    "Pair",
    "PairClassifier",
    "SearchResult",
    "TrainConfig",
    "TrainHistory",
    "action_to_move",
    "apply_to_copy",
    "as_pair",
    "augmented_tensors",
    "candidate_moves",
    "classifier_order",
    "collate",
    "collate_graphs",
    "complexity",
    "complexity_classifier_order",
    "complexity_order",
    "evaluate",
    "graph_tensors",
    "greedy_search",
    "hard_pair",
    "independent_pair",
    "load",
    "load_pretrained",
    "make_pairs",
    "pair_tensors",
    "predict_proba",
    "pretrained_meta",
    "random_order",
    "rank_moves",
    "save",
    "score_children",
    "score_moves",
    "seed_everything",
    "suite_pairs",
    "torch_threads",
    "train",
]
