"""The learned value of the ``guided`` UnKnot agent: the hand value plus a small MLP's learned correction.

Why a feature MLP and not a network over the raw word: the search scores
every child of every expanded state, so the value must cost microseconds.
The features say what the search's progress depends on: the length, the
strands, and how often each generator near the top (``σ_{n-1}``, which a
destabilization removes) and near the bottom (``σ_1``, removed by the
shift-down destabilization) occurs, by sign. Letters are counted relative to
the top and the bottom so that one net serves every strand count.

The weights are trained by ``benchmarks/train_unknot_value.py`` and shipped
in ``agents/data/pretrained/unknot-value/`` (``value.pt`` and ``card.json``).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .unknot_features import hand_value

PRETRAINED = Path(__file__).resolve().parent / "data" / "pretrained" / "unknot-value"
#: Generators counted from the top and from the bottom (by sign).
TOP_DEPTH = 8
BOTTOM_DEPTH = 4
N_FEATURES = 6 + 2 * TOP_DEPTH + 2 * BOTTOM_DEPTH
HIDDEN = 64


class BadValueWeights(ValueError):
    """The value net's weight file is missing or does not fit the network."""


def features(n: int, word: Sequence[int]) -> list[float]:
    """The fixed-size description of a braid ``(n, word)`` the net reads (scaled to about 0..1)."""
    top = np.zeros(2 * TOP_DEPTH)
    bottom = np.zeros(2 * BOTTOM_DEPTH)
    for x in word:
        g, neg = (x, 0) if x > 0 else (-x, 1)
        d = n - 1 - g
        if d < TOP_DEPTH:
            top[2 * d + neg] += 1
        if g - 1 < BOTTOM_DEPTH:
            bottom[2 * (g - 1) + neg] += 1
    length = len(word)
    top_total = top[0] + top[1]
    head = [
        length / 64,
        (n - 1) / 8,
        (length + 2 * (n - 1)) / 64,
        float(top_total == 2 and top[0] == 1),  # an exchange move applies
        float(top_total >= 3),
        sum(1 for x in word if x > 0) / max(length, 1),
    ]
    return head + (top / 8).tolist() + (bottom / 8).tolist()


def batch_features(states: Sequence[tuple[int, Sequence[int]]]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`features` of every state at once, ``(len(states), N_FEATURES)`` float32, and the hand values.

    Both equal the one-state functions (tested).

    Why: the search scores each expanded state's children, and building the
    rows one Python loop per letter cost more than the net itself; here the
    letters of the whole batch are counted by three ``bincount`` calls.
    """
    count = len(states)
    ns = np.fromiter((n for n, _ in states), np.int64, count)
    lengths = np.fromiter((len(w) for _, w in states), np.int64, count)
    flat = np.fromiter(itertools.chain.from_iterable(w for _, w in states), np.int64, int(lengths.sum()))
    sid = np.repeat(np.arange(count), lengths)
    g = np.abs(flat)
    neg = (flat < 0).astype(np.int64)
    d = ns[sid] - 1 - g
    at_top = d < TOP_DEPTH
    top = np.bincount(
        sid[at_top] * (2 * TOP_DEPTH) + 2 * d[at_top] + neg[at_top], minlength=count * 2 * TOP_DEPTH
    ).reshape(count, 2 * TOP_DEPTH)
    at_bottom = g - 1 < BOTTOM_DEPTH
    bottom = np.bincount(
        sid[at_bottom] * (2 * BOTTOM_DEPTH) + 2 * (g[at_bottom] - 1) + neg[at_bottom],
        minlength=count * 2 * BOTTOM_DEPTH,
    ).reshape(count, 2 * BOTTOM_DEPTH)
    positive = np.bincount(sid, weights=(flat > 0), minlength=count)
    top_total = top[:, 0] + top[:, 1]
    out = np.empty((count, N_FEATURES), np.float64)
    out[:, 0] = lengths / 64
    out[:, 1] = (ns - 1) / 8
    out[:, 2] = (lengths + 2 * (ns - 1)) / 64
    out[:, 3] = (top_total == 2) & (top[:, 0] == 1)
    out[:, 4] = top_total >= 3
    out[:, 5] = positive / np.maximum(lengths, 1)
    out[:, 6 : 6 + 2 * TOP_DEPTH] = top / 8
    out[:, 6 + 2 * TOP_DEPTH :] = bottom / 8
    hand = lengths + 2 * (ns - 1) + np.maximum(top_total - 1, 0)
    return out.astype(np.float32), hand.astype(np.float64)


class ValueMLP(nn.Module):
    """``features → 64 → 64 → 1``: the correction to the hand value (about 6k weights)."""

    def __init__(self, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(N_FEATURES, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


def hand_scores(states: Sequence[tuple[int, Sequence[int]]]) -> torch.Tensor:
    """The ablation's hand value as a tensor: the learned value is this plus the net's correction."""
    return torch.tensor(hand_value(states), dtype=torch.float32)


def learned_scores(model: ValueMLP, states: Sequence[tuple[int, Sequence[int]]]) -> torch.Tensor:
    """``hand value + net(features)``: why a residual: the net only learns where the hand value misranks."""
    x = torch.tensor([features(n, w) for n, w in states], dtype=torch.float32)
    return hand_scores(states) + model(x)


class ValueNet:
    """A trained :class:`ValueMLP` as the search's scorer (batched, no gradients, one thread)."""

    def __init__(self, model: ValueMLP, card: dict[str, Any] | None = None) -> None:
        self.model = model.eval()
        self.card = card or {}
        #: Weight of the hand value in the score (1: the net is a correction to it; 0: a value of the net alone).
        self.hand_weight = float(self.card.get("hand_weight", 1.0))
        # The search's hot path runs the net in numpy: a batch is a few dozen
        # rows, where torch's per-call overhead is most of the cost.
        linear = [m for m in model.net if isinstance(m, nn.Linear)]
        self._layers = [(m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy()) for m in linear]

    def score(self, states: Sequence[tuple[int, Sequence[int]]]) -> list[float]:
        """The learned value of each ``(strands, word)`` (lower is closer to the unknot); the trivial braid scores 0."""
        if not states:
            return []
        x, hand = batch_features(states)
        for i, (weight, bias) in enumerate(self._layers):
            x = x @ weight + bias
            if i < len(self._layers) - 1:
                np.maximum(x, 0, out=x)
        out = self.hand_weight * hand + x[:, 0].astype(np.float64)
        return [0.0 if n == 1 and not w else float(v) for (n, w), v in zip(states, out, strict=True)]


def load_value(path: str | Path | None = None) -> ValueNet:
    """The value net from ``path`` (a folder with ``value.pt``, or the file itself); default: the shipped one."""
    folder = Path(path) if path is not None else PRETRAINED
    weights = folder / "value.pt" if folder.is_dir() or path is None else folder
    if not weights.is_file():
        raise BadValueWeights(
            f"no value-net weights at {weights}; train them with `rigorgym train UnKnot-v0 --algo guided-value`"
        )
    torch.set_num_threads(1)  # the search is single-threaded; the machine is shared
    model = ValueMLP()
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except Exception as exc:  # torch raises many types for a bad or foreign file
        raise BadValueWeights(f"cannot load value-net weights from {weights}: {exc}") from exc
    card_path = weights.parent / "card.json"
    card = json.loads(card_path.read_text()) if card_path.is_file() else None
    return ValueNet(model, card)
