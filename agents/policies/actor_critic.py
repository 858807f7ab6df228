"""The actor-critic network shared by A3C and the RLlib modules: one encoder, a logits head and a value head."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from torch import nn

from . import make_encoder


class ActorCritic(nn.Module):
    """Encoder (MLP or GNN), then linear policy logits and a linear value head."""

    def __init__(self, policy: str, observation_space: spaces.Space[Any], n_actions: int, **options: Any) -> None:
        super().__init__()
        self.encoder = make_encoder(policy, observation_space, **options)
        self.logits = nn.Linear(self.encoder.features_dim, n_actions)
        self.value = nn.Linear(self.encoder.features_dim, 1)

    def forward(self, obs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(obs)
        return self.logits(h), self.value(h).squeeze(-1)


def masked_logits(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Illegal actions get -inf (a row with no legal action is left unmasked rather than made NaN)."""
    mask = mask | ~mask.any(dim=-1, keepdim=True)
    return logits.masked_fill(~mask, -math.inf)


def to_tensor(observations: list[Any], space: spaces.Space[Any]) -> Any:
    """A list of env observations as one float batch (a tensor, or a dict of tensors for Dict spaces)."""
    if isinstance(space, spaces.Dict):
        return {k: torch.as_tensor(np.stack([o[k] for o in observations])).float() for k in space.spaces}
    return torch.as_tensor(np.stack(observations)).float()
