"""Saving and loading classifiers, and the shipped one."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from .model import FEATURES_VERSION, ClassifierConfig, PairClassifier

#: Where the shipped model lives (``load_pretrained``).
PRETRAINED = Path(__file__).resolve().parents[1] / "data" / "pretrained" / "plumbing-classifier"

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
