"""MLP policies: every observation entry flattened, scaled to about [-1, 1], through an MLP.

:class:`MLPEncoder` is the plain ``torch.nn.Module`` shared by SB3
(:class:`MLPExtractor`), A3C and RLlib; SB3's own heads sit on top of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn


def _scale(space: spaces.Space[Any]) -> float:
    if isinstance(space, spaces.Box):
        return float(max(np.abs(space.high).max(), np.abs(space.low).max(), 1.0))
    return 1.0


class MLPEncoder(nn.Module):
    """Observation batch -> ``features_dim`` features (``hidden`` layers of ReLU units)."""

    def __init__(self, observation_space: spaces.Space[Any], hidden: Sequence[int] = (256, 256)) -> None:
        super().__init__()
        hidden = tuple(hidden)  # a list from agent.json or an RLlib model_config is as good
        if not hidden or min(hidden) < 1:
            raise ValueError(f"MLP hidden sizes must be positive, got {hidden}")
        if isinstance(observation_space, spaces.Dict):
            self.keys: list[str] | None = sorted(observation_space.spaces)
            subspaces = [observation_space[k] for k in self.keys]
        else:
            self.keys = None
            subspaces = [observation_space]
        self.scales = [_scale(s) for s in subspaces]
        width = sum(int(np.prod(s.shape)) for s in subspaces)
        layers: list[nn.Module] = []
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.net = nn.Sequential(*layers)
        self.features_dim = width

    def forward(self, obs: Any) -> torch.Tensor:
        if self.keys is None:
            flat = obs.float().reshape(obs.shape[0], -1) / self.scales[0]
        else:
            bsz = obs[self.keys[0]].shape[0]
            flat = torch.cat(
                [obs[k].float().reshape(bsz, -1) / s for k, s in zip(self.keys, self.scales, strict=True)], dim=-1
            )
        return self.net(flat)


class MLPExtractor(BaseFeaturesExtractor):
    """SB3 features extractor around :class:`MLPEncoder`."""

    def __init__(self, observation_space: spaces.Space[Any], hidden: tuple[int, ...] = (256, 256)) -> None:
        encoder = MLPEncoder(observation_space, tuple(hidden))
        super().__init__(observation_space, encoder.features_dim)
        self.encoder = encoder

    def forward(self, observations: Any) -> torch.Tensor:
        return self.encoder(observations)
