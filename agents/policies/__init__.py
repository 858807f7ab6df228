"""Policies of the agent zoo: MLP and GNN encoders, as SB3 features extractors and plain torch modules.

``policy_kwargs(policy, **options)`` is what SB3 algorithms take;
``make_encoder(policy, observation_space, **options)`` is the bare module for
A3C and RLlib. ``policy`` is ``"mlp"`` or ``"gnn"``; GNN options are
``conv`` (gcn, gin, gat, sage), ``depth``, ``width``, ``slot_dim``; MLP
options are ``hidden``.
"""

from __future__ import annotations

from typing import Any

from gymnasium import spaces
from torch import nn

from .gnn import CONVS, GNNEncoder, GNNExtractor
from .mlp import MLPEncoder, MLPExtractor

POLICIES = ("mlp", "gnn")


def _check(policy: str) -> None:
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; choose one of {', '.join(POLICIES)}")


def policy_kwargs(policy: str, net_arch: list[int] | None = None, **options: Any) -> dict[str, Any]:
    """SB3 ``policy_kwargs`` for an MLP or GNN extractor (heads: ``net_arch``, default one layer of 64)."""
    _check(policy)
    cls = MLPExtractor if policy == "mlp" else GNNExtractor
    return {
        "features_extractor_class": cls,
        "features_extractor_kwargs": dict(options),
        "net_arch": [64] if net_arch is None else net_arch,
    }


def make_encoder(policy: str, observation_space: spaces.Space[Any], **options: Any) -> nn.Module:
    """The bare encoder (``.features_dim`` wide) for A3C and RLlib."""
    _check(policy)
    if policy == "mlp":
        return MLPEncoder(observation_space, **options)
    return GNNEncoder(observation_space, **options)


__all__ = [
    "CONVS",
    "POLICIES",
    "GNNEncoder",
    "GNNExtractor",
    "MLPEncoder",
    "MLPExtractor",
    "make_encoder",
    "policy_kwargs",
]
