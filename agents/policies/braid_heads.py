"""Actor-critic networks for the batched PPO trainer (:mod:`..algos.vec_ppo`): plain torch, batched, flat observations.

Every network maps a batch of flat observations ``(B, D)`` (int8 rows as the
vector env gives them) to ``(logits (B, n_actions), value (B,))``; masking is
the trainer's job. Two kinds:

``"mlp"``
    The paper's flat MLP: the scaled observation through ``hidden`` ReLU
    layers, then a dense layer onto every action. Works for any env with a
    1-D ``Box`` observation and a ``Discrete`` action space; on UnKnot-v0 the
    256 x 2,293 head is most of its cost.
``"factored"``
    UnKnot only. A small trunk over the braid word (an embedding per letter,
    residual 1-D convolutions over positions) and one per-position head,
    shared across positions, that gives the logits of every move *at* that
    position (cancel, commute, braid, rotate, one insert per generator); the
    moves tied to no position (stabilize, destabilize) and the value come
    from a context pooled over the word. The per-position logits are
    scattered into the flat action index with the env's
    :class:`~rigorgym.envs.unknot.actions.ActionLayout`. Its cost grows with
    the word's length, not with the number of actions: the trunk only runs on
    the positions up to the longest word of the batch (exactly the same
    logits as the full width, since padding features are kept at zero).
    Measured on a 2-core CPU: with words filling all 128 slots (what a near
    random policy on UnKnot-v0 soon does, inserts being most legal moves),
    width 16 trains at about 0.6x the MLP's env steps/s, width 32 at about a third;
    it is cheaper only while the words stay short.

:class:`NetSpec` is what rebuilds a network without an env (stored in
``model.pt``). A Kirby-Plumbing factored head would be another module here,
picked in :func:`build_net` by the spec's ``game``; ``"gnn"`` is Kirby-Plumbing's
graph network with per-place heads (:mod:`.plumbing_heads`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from torch import nn

POLICIES = ("mlp", "factored", "gnn")
#: moves with a per-position logit, in column order of the per-position head (before the inserts)
POSITION_KINDS = 4  # cancel, commute, braid, rotate (actions.CANCEL .. actions.ROTATE)
GLOBAL_MOVES = 3  # stabilize +1, stabilize -1, destabilize


@dataclass(frozen=True)
class NetSpec:
    """The shapes a network is built for; read from the env once, then stored with the weights."""

    obs_dim: int
    n_actions: int
    obs_scale: float = 1.0
    game: str = "generic"  # "unknot" or "plumbing" when the env has that game's ActionLayout
    max_length: int = 0  # unknot only
    max_strands: int = 0  # unknot only
    max_nodes: int = 0  # plumbing only
    extrude_d: int = 0  # plumbing only
    extrude_neighbours: int = 0  # plumbing only

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def spec_of(env: Any) -> NetSpec:
    """The :class:`NetSpec` of a (vector) env with a flat ``Box`` observation and a ``Discrete`` action space."""
    from rigorgym.envs.kirby_plumbing.actions import ActionLayout as PlumbingLayout
    from rigorgym.envs.unknot.actions import ActionLayout

    obs_space = getattr(env, "single_observation_space", None) or env.observation_space
    act_space = getattr(env, "single_action_space", None) or env.action_space
    if not isinstance(obs_space, spaces.Box) or len(obs_space.shape) != 1:
        raise ValueError(f"vec_ppo needs a flat 1-D Box observation (observation='flat'), got {obs_space}")
    if not isinstance(act_space, spaces.Discrete):
        raise ValueError(f"vec_ppo needs a Discrete action space, got {act_space}")
    scale = float(max(np.abs(obs_space.high).max(), np.abs(obs_space.low).max(), 1.0))
    layout = getattr(getattr(env, "unwrapped", env), "layout", None)
    if isinstance(layout, ActionLayout):
        return NetSpec(
            int(obs_space.shape[0]), int(act_space.n), scale, "unknot", layout.max_length, layout.max_strands
        )
    if isinstance(layout, PlumbingLayout):
        weight_scale = float(max(abs(float(obs_space.low[0])), abs(float(obs_space.high[0])), 1.0))  # node 0's weight
        return NetSpec(
            int(obs_space.shape[0]),
            int(act_space.n),
            weight_scale,
            "plumbing",
            max_nodes=layout.max_nodes,
            extrude_d=layout.extrude_d,
            extrude_neighbours=layout.extrude_neighbours,
        )
    return NetSpec(int(obs_space.shape[0]), int(act_space.n), scale)


def _layer(layer: nn.Linear | nn.Conv1d, std: float) -> Any:
    """CleanRL's orthogonal init (std sqrt(2) in the trunk, 0.01 on the policy logits, 1 on the value)."""
    nn.init.orthogonal_(layer.weight, std)
    if layer.bias is not None:
        nn.init.constant_(layer.bias, 0.0)
    return layer


class MLPActorCritic(nn.Module):
    """The flat baseline: scaled observation -> ``hidden`` ReLU layers -> dense logits over every action, and a value."""

    def __init__(self, spec: NetSpec, hidden: Sequence[int] = (256, 256)) -> None:
        super().__init__()
        hidden = tuple(int(h) for h in hidden)
        if not hidden or min(hidden) < 1:
            raise ValueError(f"MLP hidden sizes must be positive, got {hidden}")
        self.scale = spec.obs_scale
        layers: list[nn.Module] = []
        width = spec.obs_dim
        for h in hidden:
            layers += [_layer(nn.Linear(width, h), np.sqrt(2)), nn.ReLU()]
            width = h
        self.trunk = nn.Sequential(*layers)
        self.actor = _layer(nn.Linear(width, spec.n_actions), 0.01)
        self.critic = _layer(nn.Linear(width, 1), 1.0)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.trunk(obs.float() / self.scale)
        return self.actor(z), self.critic(z).squeeze(-1)


def factored_columns(max_length: int, max_strands: int) -> tuple[np.ndarray, np.ndarray]:
    """For each flat action, ``(column, position)`` in the factored head; position -1 for the global moves.

    Columns ``0..3`` are cancel, commute, braid, rotate, then one insert per
    generator (``+1, -1, +2, -2, ...``); the global moves have columns
    ``0..2`` (stabilize +1, -1, destabilize) of the context head. Read off
    ``ActionLayout.tables`` (kind, pos, gen), so the head follows the env's
    layout rather than restating it.
    """
    from rigorgym.envs.unknot import actions as A

    layout = A.ActionLayout(max_length, max_strands)
    kind, pos, gen = layout.tables
    column = np.empty(layout.n_actions, np.int64)
    position = pos.astype(np.int64)
    per_position = kind <= A.ROTATE
    column[per_position] = kind[per_position]
    ins = kind == A.INSERT
    column[ins] = POSITION_KINDS + 2 * (np.abs(gen[ins]) - 1) + (gen[ins] < 0)  # +1, -1, +2, -2, ...
    stab = kind == A.STABILIZE
    column[stab] = np.where(gen[stab] == 1, 0, 1)
    column[kind == A.DESTABILIZE] = 2
    position[~(per_position | ins)] = -1
    return column, position


class FactoredBraidActorCritic(nn.Module):
    """Per-position move logits from a convolutional trunk over the word; global moves and value from a pooled context."""

    column: torch.Tensor  # buffers (rebuilt from the spec, not in the state dict)
    position: torch.Tensor

    def __init__(self, spec: NetSpec, width: int = 32, depth: int = 2, kernel: int = 3) -> None:
        super().__init__()
        if spec.game != "unknot":
            raise ValueError(f"the factored policy is for UnKnot envs only for now, got a {spec.game!r} env")
        if width < 1 or depth < 0 or kernel < 1 or kernel % 2 == 0:
            raise ValueError(
                f"factored: width >= 1, depth >= 0 and an odd kernel >= 1 needed, got {width}, {depth}, {kernel}"
            )
        self.max_length = spec.max_length
        g = spec.max_strands - 1
        self.g = g
        self.columns = POSITION_KINDS + 2 * g
        # letters -g..g shifted to 0..2g; the padding letter 0 (index g) embeds to zero
        self.letters = nn.Embedding(2 * g + 1, width, padding_idx=g)
        self.strands = nn.Embedding(spec.max_strands + 1, width)
        # a 1-D convolution over positions, written as one Linear over the ``kernel`` shifted copies (channels last)
        self.kernel = kernel
        self.convs = nn.ModuleList(_layer(nn.Linear(kernel * width, width), np.sqrt(2)) for _ in range(depth))
        self.context = nn.Sequential(_layer(nn.Linear(3 * width, width), np.sqrt(2)), nn.ReLU())
        self.to_position = _layer(nn.Linear(width, width), 1.0)
        self.position_head = _layer(nn.Linear(width, self.columns), 0.01)
        self.global_head = _layer(nn.Linear(width, GLOBAL_MOVES), 0.01)
        self.critic = _layer(nn.Linear(width, 1), 1.0)
        column, position = factored_columns(spec.max_length, spec.max_strands)
        self.register_buffer("column", torch.from_numpy(column), persistent=False)
        self.register_buffer("position", torch.from_numpy(position), persistent=False)
        self._index: dict[tuple[int, str], torch.Tensor] = {}

    def index(self, window: int) -> torch.Tensor:
        """Flat action -> entry of ``[per-position (window x columns) | empty position (columns) | global (3)]``."""
        key = (window, str(self.column.device))
        if key not in self._index:
            inside = (self.position >= 0) & (self.position < window)
            past = self.position >= window
            index = self.position.clamp(min=0) * self.columns + self.column
            index = torch.where(past, self.columns * window + self.column, index)
            index = torch.where(~inside & ~past, self.columns * (window + 1) + self.column, index)
            self._index[key] = index
        return self._index[key]

    def _conv(self, layer: nn.Module, h: torch.Tensor) -> torch.Tensor:
        """``layer`` over each position's window of ``kernel`` neighbours (zero past both ends), ``h`` is (B, W, C)."""
        half = self.kernel // 2
        if half == 0:
            return layer(h)
        padded = nn.functional.pad(h, (0, 0, half, half))
        width = h.shape[1]
        return layer(torch.cat([padded[:, i : i + width] for i in range(self.kernel)], 2))

    def forward(self, obs: torch.Tensor, window: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``window``: positions the trunk runs on (default: the longest word + 1; any larger value gives the same)."""
        obs = obs.long()
        bsz, lmax = obs.shape[0], self.max_length
        strands = obs[:, 0].clamp(0, self.strands.num_embeddings - 1)
        word = obs[:, 1:]
        length = (word != 0).sum(1)
        if window is None:
            window = min(lmax, int(length.max().item()) + 1) if bsz else 1
        word = word[:, :window]
        inside = (torch.arange(window, device=obs.device)[None, :] < length[:, None]).unsqueeze(2)  # (B, W, 1)
        valid = inside.float()
        s = self.strands(strands)  # (B, C)
        h = (self.letters(word + self.g) + s[:, None, :]) * valid  # (B, W, C), zero off the word
        for conv in self.convs:
            h = h + torch.relu(self._conv(conv, h)) * valid
        mean = h.sum(1) / length.clamp(min=1).float()[:, None]
        peak = h.masked_fill(~inside, -1e4).amax(1)
        peak = torch.where(length[:, None] > 0, peak, torch.zeros_like(peak))
        ctx = self.context(torch.cat([mean, peak, s], 1))  # (B, C)
        pos_ctx = self.to_position(ctx)[:, None, :]  # (B, 1, C)
        per_pos = self.position_head(torch.relu(h + pos_ctx))  # (B, W, columns)
        # positions past every word have zero features, so all of them share these logits
        empty = self.position_head(torch.relu(pos_ctx)).squeeze(1)  # (B, columns)
        flat = torch.cat([per_pos.reshape(bsz, -1), empty, self.global_head(ctx)], 1)
        return flat.index_select(1, self.index(window)), self.critic(ctx).squeeze(-1)


def default_options(policy: str) -> dict[str, Any]:
    """The options of a policy kind when none are given (what ``agent.json`` records)."""
    if policy == "mlp":
        return {"hidden": [256, 256]}
    if policy == "factored":
        return {"width": 16, "depth": 2, "kernel": 3}
    if policy == "gnn":
        return {"width": 16, "depth": 2, "conv": "sage"}
    raise ValueError(f"unknown policy {policy!r}; choose one of {', '.join(POLICIES)}")


def build_net(policy: str, spec: NetSpec, options: dict[str, Any] | None = None) -> nn.Module:
    """The actor-critic of ``policy`` for ``spec`` with ``options`` (see :func:`default_options`)."""
    opts = {**default_options(policy), **(options or {})}
    if policy == "mlp":
        return MLPActorCritic(spec, opts["hidden"])
    if policy == "gnn":
        from .plumbing_heads import PlumbingGraphActorCritic  # torch-geometric: only where it is used

        return PlumbingGraphActorCritic(spec, int(opts["width"]), int(opts["depth"]), str(opts["conv"]))
    return FactoredBraidActorCritic(spec, int(opts["width"]), int(opts["depth"]), int(opts["kernel"]))


__all__ = [
    "POLICIES",
    "FactoredBraidActorCritic",
    "MLPActorCritic",
    "NetSpec",
    "build_net",
    "default_options",
    "factored_columns",
    "spec_of",
]
