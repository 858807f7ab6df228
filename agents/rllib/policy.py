"""Acting with an RLlib-trained agent folder, without Ray: the networks are plain torch modules.

``rigorgym train --backend rllib`` writes ``model.pt``, the ``state_dict`` of
the network its RLModule wraps: an
:class:`~rigorgym.agents.policies.actor_critic.ActorCritic` for PPO, APPO and
IMPALA, a :class:`QNetwork` for DQN. ``rigorgym solve --agent DIR`` loads it
here and plays the masked argmax (or samples) like every other agent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from torch import nn

from ..algos.saved import AgentCard, BadAgentDir, masked_choice
from ..policies import make_encoder
from ..policies.actor_critic import ActorCritic, to_tensor


class QNetwork(nn.Module):
    """Encoder and a linear Q head: DQN's acting network (``encoder`` and ``head`` as in RLlib's DQN module)."""

    def __init__(self, policy: str, observation_space: spaces.Space[Any], n_actions: int, **options: Any) -> None:
        super().__init__()
        self.encoder = make_encoder(policy, observation_space, **options)
        self.head = nn.Linear(self.encoder.features_dim, n_actions)

    def forward(self, obs: Any) -> torch.Tensor:
        return self.head(self.encoder(obs))


def build_network(
    algo: str, policy: str, space: spaces.Space[Any], n_actions: int, options: dict[str, Any]
) -> nn.Module:
    """The acting network of an RLlib algorithm (``ppo``, ``appo``, ``impala``: actor-critic; ``dqn``: Q)."""
    if algo == "dqn":
        return QNetwork(policy, space, n_actions, **dict(options))
    return ActorCritic(policy, space, n_actions, **dict(options))


class RLlibPolicy:
    """An :class:`~rigorgym.agents.algos.saved.ActingPolicy` over logits (actor-critic) or Q-values (DQN)."""

    def __init__(self, network: nn.Module, observation_space: spaces.Space[Any]) -> None:
        self.network = network.eval()
        self.observation_space = observation_space

    def scores(self, obs: Any) -> np.ndarray:
        with torch.no_grad():
            out = self.network(to_tensor([obs], self.observation_space))
        return (out[0] if isinstance(out, tuple) else out)[0].numpy()

    def act(self, obs: Any, mask: np.ndarray, deterministic: bool, rng: np.random.Generator) -> int:
        return masked_choice(self.scores(obs), mask, deterministic, rng)


def load_policy(folder: str | Path) -> RLlibPolicy:
    """The acting policy of an agent folder written by ``rigorgym train --backend rllib``."""
    import rigorgym  # noqa: F401  (registers the envs)

    folder = Path(folder)
    card = AgentCard.read(folder)
    algo = card.algo.removeprefix("rllib_")
    env = gym.make(card.env_id, **card.env_kwargs)
    try:
        # a self-play scrambler has one action more than its game (stop): its card says how many
        n_actions = int(card.algo_args.get("n_actions", env.action_space.n))
        network = build_network(algo, card.policy, env.observation_space, n_actions, card.policy_options)
        space = env.observation_space
    finally:
        env.close()
    try:
        network.load_state_dict(torch.load(folder / card.model_file, weights_only=True))
    except (RuntimeError, OSError) as exc:
        raise BadAgentDir(f"{folder}: cannot load {card.model_file} ({exc})") from None
    return RLlibPolicy(network, space)
