"""The folder a training run writes (``rigorgym train --out DIR``), and how a trained policy acts.

Every algorithm writes the same layout, so that ``rigorgym solve --agent DIR``,
``rigorgym evaluate`` and the shipped pretrained agents load any of them:

``DIR/agent.json``
    :class:`AgentCard`: env id and kwargs, algorithm, policy and its options,
    steps, seed, final metrics, versions, the model file's name.
``DIR/<model_file>``
    ``model.zip`` (stable-baselines3 / sb3-contrib ``.save``) or ``model.pt``
    (A3C and RLlib: a torch ``state_dict`` of the acting network; RLlib's own
    checkpoint, for ``--resume``, is ``DIR/checkpoint/``).
``DIR/checkpoints/``, ``DIR/tb/``, ``DIR/wandb/``
    periodic checkpoints, TensorBoard event files, W&B's offline run.

A loaded policy is an :class:`ActingPolicy`: ``act(obs, mask, deterministic,
rng)`` returns one legal action index for one observation.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

CARD_FILE = "agent.json"
ALGOS = ("ppo", "dqn", "trpo", "maskable_ppo", "a3c")
#: the algorithms trained with Ray RLlib (``rigorgym train --backend rllib``); cards name them ``rllib_<algo>``
RLLIB_ALGOS = ("ppo", "appo", "impala", "dqn")
#: the batched trainers on the vector envs (``agents/algos/vec_*.py``), recorded as ``vec_<algo>``
VEC_ALGOS = ("ppo", "a2c", "trpo", "dqn", "bc")
CARD_ALGOS = ALGOS + tuple(f"rllib_{a}" for a in RLLIB_ALGOS) + tuple(f"vec_{a}" for a in VEC_ALGOS)


class BadAgentDir(ValueError):
    """A folder that is not a trained agent (missing or unreadable ``agent.json``, unknown algorithm)."""


@dataclass
class AgentCard:
    """What ``agent.json`` holds: how the agent was trained and how to load it."""

    env_id: str
    algo: str
    policy: str
    steps: int
    seed: int
    model_file: str
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    policy_options: dict[str, Any] = field(default_factory=dict)
    algo_args: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    wall_s: float = 0.0
    rigorgym: str = ""
    created: str = ""
    notes: str = ""

    def write(self, folder: str | Path) -> Path:
        from rigorgym._version import __version__

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.rigorgym = self.rigorgym or __version__
        self.created = self.created or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        path = folder / CARD_FILE
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1, sort_keys=True) + "\n")
        tmp.replace(path)  # atomic: a crash never leaves a half-written card
        return path

    @classmethod
    def read(cls, folder: str | Path) -> AgentCard:
        path = Path(folder) / CARD_FILE
        if not path.is_file():
            raise BadAgentDir(f"{folder}: not a trained agent (no {CARD_FILE}; write one with `rigorgym train`)")
        try:
            data = json.loads(path.read_text())
            card = cls(**data)
        except (json.JSONDecodeError, TypeError) as exc:
            raise BadAgentDir(f"{path}: unreadable agent card ({exc})") from None
        if card.algo not in CARD_ALGOS:
            raise BadAgentDir(f"{path}: unknown algorithm {card.algo!r} (known: {', '.join(CARD_ALGOS)})")
        if not (Path(folder) / card.model_file).is_file():
            raise BadAgentDir(f"{folder}: the model file {card.model_file!r} named in {CARD_FILE} is missing")
        return card


class ActingPolicy(Protocol):
    """A trained policy at inference: one legal action for one (unbatched) observation."""

    def act(self, obs: Any, mask: np.ndarray, deterministic: bool, rng: np.random.Generator) -> int: ...


def masked_choice(logits: np.ndarray, mask: np.ndarray, deterministic: bool, rng: np.random.Generator) -> int:
    """The argmax (or a sample) of ``logits`` over the legal actions only; any legal action if all are -inf."""
    legal = np.flatnonzero(mask)
    if legal.size == 0:
        return 0
    z = np.asarray(logits, np.float64)[legal]
    z = np.where(np.isfinite(z), z, -1e30)
    if deterministic:
        return int(legal[int(np.argmax(z))])
    p = np.exp(z - z.max())
    p /= p.sum()
    return int(rng.choice(legal, p=p))


def ship_agent(
    run_dir: str | Path,
    target: str | Path,
    card_md: str,
    model: str | Path | None = None,
    metrics: dict[str, float] | None = None,
    notes: str | None = None,
) -> Path:
    """Copy a trained agent into ``target`` (e.g. ``agents/data/pretrained/NAME``), replacing what was there.

    Writes ``agent.json`` (the run's card, with ``metrics`` and ``notes`` in
    place of its own when given and a fresh ``created``), the model file (the
    run's final model, or the checkpoint ``model`` under the card's model file
    name) and ``CARD.md`` (a heading with the target's name, then
    ``card_md``). TensorBoard logs and checkpoints stay behind. Returns ``target``.
    """
    import shutil

    run_dir, target = Path(run_dir), Path(target)
    card = AgentCard.read(run_dir)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copyfile(Path(model) if model is not None else run_dir / card.model_file, target / card.model_file)
    if metrics is not None:
        card.metrics = dict(metrics)
    if notes is not None:
        card.notes = notes
    card.created = ""
    card.write(target)
    (target / "CARD.md").write_text(f"# {target.name}\n\n{card_md}")
    return target
