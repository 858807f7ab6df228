"""RLModules (RLlib's new API stack) over the zoo's MLP and GNN encoders, with action masks honoured.

:class:`ZooActorCriticModule` serves PPO, APPO and IMPALA: the same
:class:`~rigorgym.agents.policies.actor_critic.ActorCritic` network that A3C
trains (encoder, logits head, value head), plus the target copy APPO asks
for. :class:`ZooQModule` serves DQN: RLlib's default DQN module with its
encoder and Q head replaced by the zoo's encoder and a linear head. Illegal
actions get a very negative logit / Q-value (finite, as in RLlib's
action-masking example, so that entropies and losses stay finite); DQN's
epsilon-random exploration alone may still pick one, which the envs treat as a
penalised no-op.

``model_config``: ``{"policy": "mlp"|"gnn", "options": {...}, "torch_threads": 1}``
(the zoo's encoder options: ``hidden`` or ``conv``, ``depth``, ``width``; torch
threads of each process that builds the module).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from ray.rllib.algorithms.dqn.default_dqn_rl_module import QF_PREDS
from ray.rllib.algorithms.dqn.torch.default_dqn_torch_rl_module import DefaultDQNTorchRLModule
from ray.rllib.core.columns import Columns
from ray.rllib.core.learner.utils import make_target_network
from ray.rllib.core.models.base import ENCODER_OUT
from ray.rllib.core.rl_module.apis import TARGET_NETWORK_ACTION_DIST_INPUTS, TargetNetworkAPI, ValueFunctionAPI
from ray.rllib.core.rl_module.torch import TorchRLModule
from ray.rllib.utils.schedules.scheduler import Scheduler
from torch import nn

from ..policies import make_encoder
from ..policies.actor_critic import ActorCritic
from .envs import MASK, OBS

#: the logit / Q-value of an illegal action (finite: RLlib's distributions and losses must not see -inf)
ILLEGAL = -1e9


def _float_obs(obs: Any) -> Any:
    if isinstance(obs, dict):
        return {k: v.float() for k, v in obs.items()}
    return obs.float()


def _mask_scores(scores: torch.Tensor, mask: torch.Tensor, fill: float = ILLEGAL) -> torch.Tensor:
    legal = mask.bool()
    legal = legal | ~legal.any(dim=-1, keepdim=True)  # a row with no legal action stays unmasked
    return scores.masked_fill(~legal, fill)


def _options(model_config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    # Small nets on a few cores: more torch threads than one per process only contend (10x slower per call).
    torch.set_num_threads(int(model_config.get("torch_threads", 1)))
    options = dict(model_config.get("options") or {})
    return str(model_config.get("policy", "mlp")), options


class ZooActorCriticModule(TorchRLModule, ValueFunctionAPI, TargetNetworkAPI):
    """Masked actor-critic for PPO, APPO and IMPALA (the target network is APPO's old policy)."""

    def setup(self) -> None:
        policy, options = _options(self.model_config)
        self.net = ActorCritic(policy, self.observation_space[OBS], int(self.action_space.n), **options)

    def _logits(self, net: ActorCritic, batch: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor]:
        obs = batch[Columns.OBS]
        logits, value = net(_float_obs(obs[OBS]))
        return _mask_scores(logits, obs[MASK]), value

    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        logits, _ = self._logits(self.net, batch)
        return {Columns.ACTION_DIST_INPUTS: logits}

    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        logits, value = self._logits(self.net, batch)
        return {Columns.ACTION_DIST_INPUTS: logits, Columns.EMBEDDINGS: value}

    def compute_values(self, batch: dict[str, Any], embeddings: Any = None) -> torch.Tensor:
        if embeddings is not None:  # _forward_train's value (PPO's learner passes it back)
            return embeddings
        return self._logits(self.net, batch)[1]

    def make_target_networks(self) -> None:
        self._old_net = make_target_network(self.net)

    def get_target_network_pairs(self) -> list[tuple[nn.Module, nn.Module]]:
        return [(self.net, self._old_net)]

    def forward_target(self, batch: dict[str, Any]) -> dict[str, Any]:
        return {TARGET_NETWORK_ACTION_DIST_INPUTS: self._logits(self._old_net, batch)[0]}

    def get_non_inference_attributes(self) -> list[str]:
        return ["_old_net"]


class _Encoder(nn.Module):
    """The zoo encoder as RLlib's DQN module calls it: ``encoder(batch)[ENCODER_OUT]``."""

    def __init__(self, policy: str, space: Any, options: dict[str, Any]) -> None:
        super().__init__()
        self.net = make_encoder(policy, space, **options)

    def forward(self, batch: dict[str, Any]) -> dict[str, Any]:
        return {ENCODER_OUT: self.net(_float_obs(batch[Columns.OBS][OBS]))}


class ZooQModule(DefaultDQNTorchRLModule):
    """RLlib's DQN module (double Q, target network, epsilon schedule) over a zoo encoder, Q-values masked."""

    def setup(self) -> None:
        policy, options = _options(self.model_config)
        self.uses_dueling = False
        self.uses_double_q = bool(self.model_config.get("double_q", True))
        self.num_atoms = 1
        self.epsilon_schedule = Scheduler(
            fixed_value_or_schedule=self.model_config.get("epsilon", [(0, 1.0), (10_000, 0.05)]),
            framework=self.framework,
        )
        self.encoder = _Encoder(policy, self.observation_space[OBS], options)
        self.af = nn.Linear(self.encoder.net.features_dim, int(self.action_space.n))

    def _qf_forward_helper(self, batch: dict[str, Any], encoder: Any, head: Any) -> dict[str, Any]:
        # -inf, not ILLEGAL: RLlib's epsilon-random exploration draws among the actions whose Q-value is not
        # -inf, so every action taken is legal; the learner gathers Q-values by index, never multiplies them
        q = head(encoder(batch)[ENCODER_OUT])
        return {QF_PREDS: _mask_scores(q, batch[Columns.OBS][MASK], fill=-math.inf)}
