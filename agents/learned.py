"""Trained agents at inference: any agent folder of ``rigorgym train`` as a policy and as a solving agent.

:func:`load_policy` turns a folder into an :class:`~.algos.saved.ActingPolicy`
whatever the algorithm: for stable-baselines3 / sb3-contrib models it reads
the policy's logits (PPO, TRPO, MaskablePPO) or Q-values (DQN) for one
observation and picks the best (or samples among the) *legal* actions with
:func:`~.algos.saved.masked_choice`, so masks are honoured at inference even
for the algorithms that cannot mask in training; A3C folders are delegated to
:mod:`.algos.a3c`.

:class:`LearnedAgent` is the :class:`~.base.Agent` of ``rigorgym solve
--agent DIR`` and ``rigorgym evaluate``: one greedy episode, then sampled
restarts, until the env hands out a certificate that the kernel accepts or the
budget is spent (then nothing: never an unverified claim). The budget is
wall-clock seconds and, optionally, ``max_steps`` env steps over all
episodes (a deterministic budget: the same seed then gives the same result).
That is a solver, not the papers' evaluation of a policy by itself (K
episodes per instance, no restarts, no clock): that one is
:mod:`.protocols.pure_policy` (``rigorgym evaluate --attempts K``), which
plays through :meth:`LearnedAgent.board_for`, :meth:`~LearnedAgent.episode_limit`
and :meth:`~LearnedAgent.accepts`.

A value-net folder (``rigorgym train UnKnot-v0 --algo guided-value``, its
``card.json`` of kind :data:`VALUE_KIND`) is no policy: ``make_agent(DIR)``
gives the ``guided`` search ranked by that net instead (:func:`value_agent`).
"""

from __future__ import annotations

import json
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from .algos.saved import ALGOS, ActingPolicy, AgentCard, BadAgentDir, masked_choice
from .base import Budget, SolveResult, as_budget

PRETRAINED_DIR = Path(__file__).resolve().parent / "data" / "pretrained"
SB3_ALGOS = ("ppo", "dqn", "trpo", "maskable_ppo")
#: ``kind`` in the ``card.json`` of a value-net folder (``rigorgym train UnKnot-v0 --algo guided-value``):
#: ``--agent DIR`` plays it as ``guided`` ranked by that net (such a folder has no ``agent.json``).
VALUE_KIND = "unknot-value"


class NoPretrainedAgent(LookupError):
    """No shipped agent plays the game asked for."""


def sb3_class(algo: str) -> Any:
    """The SB3 / sb3-contrib class that saved a model of ``algo`` (imported lazily: torch is slow to import)."""
    if algo == "ppo":
        from stable_baselines3 import PPO

        return PPO
    if algo == "dqn":
        from stable_baselines3 import DQN

        return DQN
    if algo == "trpo":
        from sb3_contrib import TRPO

        return TRPO
    if algo == "maskable_ppo":
        from sb3_contrib import MaskablePPO

        return MaskablePPO
    raise ValueError(f"{algo!r} is not a stable-baselines3 algorithm (known: {', '.join(SB3_ALGOS)})")


class SB3Policy:
    """An SB3 / sb3-contrib model as an :class:`ActingPolicy`: masked argmax or sample of its action scores.

    The scores are the actor's logits (PPO, TRPO, MaskablePPO) or the Q-values
    (DQN; sampling then is a softmax over Q-values, used only for restarts).
    """

    def __init__(self, model: Any, algo: str) -> None:
        self.model = model
        self.algo = algo
        self.observation_space = model.observation_space
        self.action_space = model.action_space
        model.policy.set_training_mode(False)

    def scores(self, obs: Any) -> np.ndarray:
        """One score per action for one (unbatched) observation."""
        import torch

        tensor, _ = self.model.policy.obs_to_tensor(obs)
        with torch.no_grad():
            if self.algo == "dqn":
                out = self.model.q_net(tensor)
            else:
                out = self.model.policy.get_distribution(tensor).distribution.logits
        return out[0].cpu().numpy()

    def act(self, obs: Any, mask: np.ndarray, deterministic: bool, rng: np.random.Generator) -> int:
        return masked_choice(self.scores(obs), mask, deterministic, rng)


def load_model(folder: str | Path, device: str = "cpu") -> Any:
    """The SB3 model of an agent folder (PPO, DQN, TRPO, MaskablePPO)."""
    folder = Path(folder)
    card = AgentCard.read(folder)
    return sb3_class(card.algo).load(folder / card.model_file, device=device)


def _load_vec_policy(folder: Path, algo: str) -> ActingPolicy:
    """A batched trainer's folder (``vec_<algo>``): its own module loads it (its own network, torch only).

    Imported by name, so a card of a trainer this install lacks is a clear
    :class:`BadAgentDir`, not an ImportError.
    """
    import importlib
    import importlib.util

    name = f"{__package__}.algos.{algo}"
    if importlib.util.find_spec(name) is None:
        raise BadAgentDir(f"{folder}: a {algo} agent, but this rigorgym has no {algo} trainer ({name}) to load it")
    return importlib.import_module(name).load_policy(folder)


def load_policy(folder: str | Path, device: str = "cpu") -> ActingPolicy:
    """The acting policy of any agent folder written by ``rigorgym train``.

    Raises :class:`BadAgentDir` for a folder that is not a trained agent.
    """
    folder = Path(folder)
    card = AgentCard.read(folder)
    if card.algo == "a3c":
        from .algos import a3c  # imported here: A3C's module is only needed for A3C folders

        return a3c.load_policy(folder)
    if card.algo.startswith("vec_"):
        return _load_vec_policy(folder, card.algo)
    if card.algo.startswith("rllib_"):
        from .rllib.policy import load_policy as load_rllib_policy  # torch only: no Ray needed to act

        return load_rllib_policy(folder)
    try:
        model = sb3_class(card.algo).load(folder / card.model_file, device=device)
    except (OSError, ValueError, KeyError, RuntimeError, zipfile.BadZipFile) as exc:
        raise BadAgentDir(f"{folder}: cannot load {card.model_file} ({exc})") from None
    return SB3Policy(model, card.algo)


def game_name(env_id: str) -> str:
    """The game of an env id ("UnKnot-v0", "Kirby-Plumbing-v0", "Ribbon-v0", "Ribbon-PD-v0"); tiers share it.

    A policy plays the observations of one env class, so the Ribbon game's two classes are two names here."""
    from rigorgym.envs.games import game_of

    import rigorgym  # noqa: F401  (registers the envs)

    return game_of(env_id).agent_family


def check_game(card: AgentCard, env_id: str, folder: str | Path = "") -> None:
    """Refuse an agent trained on another game than ``env_id``'s (a BadAgentDir that says which)."""
    try:
        theirs, ours = game_name(card.env_id), game_name(env_id)
    except ValueError as exc:
        raise BadAgentDir(f"{folder}: {exc}") from None
    if theirs != ours:
        raise BadAgentDir(
            f"{folder}: the agent was trained on {card.env_id} (game {theirs}) and cannot play {env_id} (game {ours})"
        )


def _same_spaces(env: gym.Env[Any, Any], other: gym.Env[Any, Any]) -> bool:
    return env.observation_space == other.observation_space and env.action_space == other.action_space


def is_value_folder(path: str | Path) -> bool:
    """Whether ``path`` is a value-net folder: its ``card.json`` says ``"kind": "unknot-value"`` (no torch needed)."""
    card = Path(path) / "card.json"
    if not card.is_file():
        return False
    try:
        data = json.loads(card.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and data.get("kind") == VALUE_KIND


def value_agent(folder: str | Path) -> Any:
    """``guided`` ranked by the value net in ``folder``; the weights load now, so a bad file is a BadAgentDir up front."""
    from .unknot_search import GuidedSearch
    from .unknot_value import BadValueWeights, load_value

    try:
        net = load_value(folder)
    except BadValueWeights as exc:
        cause = exc.__cause__  # torch's own message runs to many lines: its first sentence is the reason
        reason = str(exc) if cause is None else f"cannot load value-net weights from {Path(folder) / 'value.pt'}"
        if cause is not None and str(cause).strip():
            reason += f" ({str(cause).strip().splitlines()[0].split('. ')[0]})"
        raise BadAgentDir(f"{folder}: {reason}") from None
    return GuidedSearch(name=str(folder), weights=str(folder), _scorer=net.score)


@dataclass
class LearnedAgent:
    """A trained agent folder as a solver (the :class:`~.base.Agent` protocol).

    On the env it is given when that env's observation and action spaces are
    the ones the agent was trained on (any tier of the same game sized alike);
    otherwise on its own copy of the training env (``env_kwargs`` of its card),
    into which an instance may not fit: then the result says so in
    ``extra["reason"]``. Episodes last the given env's ``max_episode_steps``
    (or ``episode_steps``). It searches with its policy: one greedy episode,
    then sampled restarts; on UnKnot, an agent of the batched trainers
    (``vec_*``) searches by beam instead (:mod:`.policy_search`, the learned
    search: the policy's log-probabilities order a beam over the env's moves).
    """

    folder: Path
    name: str = ""
    episode_steps: int | None = None
    device: str = "cpu"
    card: AgentCard = field(init=False)
    _policy: ActingPolicy | None = field(default=None, init=False, repr=False)
    _own_env: gym.Env[Any, Any] | None = field(default=None, init=False, repr=False)
    _search: Any = field(default=None, init=False, repr=False)
    LIMITS: ClassVar[tuple[str, ...]] = ("max_steps",)  # env steps over all episodes

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        self.card = AgentCard.read(self.folder)
        self.name = self.name or str(self.folder)

    @property
    def policy(self) -> ActingPolicy:
        """The loaded policy, warmed up by one action (torch's first forward pass is slow)."""
        if self._policy is None:
            policy = load_policy(self.folder, self.device)
            env = self.training_env()
            obs, info = env.reset(seed=0)
            policy.act(obs, info["action_mask"], True, np.random.default_rng(0))
            self._policy = policy
        return self._policy

    def training_env(self) -> gym.Env[Any, Any]:
        """The unwrapped env the agent was trained on (its observation and action spaces are the model's)."""
        if self._own_env is None:
            import rigorgym  # noqa: F401

            self._own_env = gym.make(self.card.env_id, **self.card.env_kwargs).unwrapped
        return self._own_env

    def board_for(self, env: gym.Env[Any, Any]) -> gym.Env[Any, Any]:
        """Where to play: the given (unwrapped) env if the model reads its observations, else the training env."""
        game = env.unwrapped
        own = self.training_env()
        return game if _same_spaces(game, own) else own

    def episode_limit(self, env: gym.Env[Any, Any]) -> int:
        """Moves per episode: ``episode_steps`` if set, else ``env``'s ``max_episode_steps`` (the board is unwrapped)."""
        if self.episode_steps:
            return self.episode_steps
        spec = env.spec or gym.spec(self.card.env_id)
        return int(spec.max_episode_steps or gym.spec(self.card.env_id).max_episode_steps or 1000)

    def refusal(self, env: gym.Env[Any, Any], instances: list[Any]) -> str | None:
        """One line when some instance does not fit the board this agent plays on (its network reads only
        observations of the env it was trained on), else None; checked before any work."""
        board = self.board_for(env)
        misfits: list[str] = []
        for instance in instances:
            try:
                board.reset(seed=0, options={"instance": instance})
            except ValueError as exc:
                misfits.append(str(exc))
        if not misfits:
            return None
        kwargs = ", ".join(f"{k}={v}" for k, v in self.card.env_kwargs.items() if k != "max_episode_steps")
        return (
            f"agent {self.name} cannot take {len(misfits)} of {len(instances)} instances ({misfits[0]}): its "
            f"network reads the env it was trained on, {self.card.env_id}({kwargs}); use an agent trained on "
            "boards of that size, or a search agent"
        )

    def accepts(self, cert: dict[str, Any]) -> bool:
        """Whether the kernel accepts ``cert`` (signed by this agent): only such a certificate is ever passed on."""
        from rigorgym.verifiers import verify

        cert["meta"]["agent"] = self.name
        return bool(verify(cert).valid)

    def _obstruction(self, instance: Any, seed: int) -> dict[str, Any] | None:
        """A verified ``not_slice`` certificate for a Ribbon instance, or None."""
        cert = _ribbon_obstruction(instance, seed, self.name)
        return cert if cert is not None and self.accepts(cert) else None

    def solve(self, env: gym.Env[Any, Any], instance: Any, budget_s: Budget | float, seed: int) -> SolveResult:
        budget = as_budget(budget_s)
        seconds = budget.seconds
        env_id = env.spec.id if env.spec is not None else self.card.env_id
        check_game(self.card, env_id, self.folder)
        if game_name(env_id) == "UnKnot-v0" and self.card.algo.startswith("vec_"):
            return self._beam(env, instance, budget, seed)
        policy = self.policy  # loaded once, outside the budget
        start = time.perf_counter()
        board = self.board_for(env)
        limit = self.episode_limit(env)
        rng = np.random.default_rng(seed)
        steps = episodes = invalid = 0
        extra: dict[str, Any] = {"own_env": board is not env.unwrapped}

        def done(cert: dict[str, Any] | None) -> SolveResult:
            extra.update(episodes=episodes, invalid=invalid)
            return SolveResult(cert, time.perf_counter() - start, steps, extra)

        if game_name(env_id) in ("Ribbon-v0", "Ribbon-PD-v0"):
            # as every Ribbon-v0 solver: a slice obstruction first (a not_slice certificate), then the policy
            cert = self._obstruction(instance, seed)
            if cert is not None:
                extra["claim"] = "not_slice"
                return done(cert)

        while time.perf_counter() - start < seconds and budget.steps_left(steps):
            deterministic = episodes == 0  # one greedy episode, then sampled restarts
            try:
                obs, info = board.reset(seed=seed if episodes == 0 else None, options={"instance": instance})
            except ValueError as exc:  # the instance does not fit the agent's env
                extra["reason"] = f"the instance does not fit the env {self.card.env_id} was trained on: {exc}"
                return done(None)
            episodes += 1
            if board.solved:  # type: ignore[attr-defined]  (solved from the start: no moves needed)
                cert = board.certificate()  # type: ignore[attr-defined]
                if self.accepts(cert):
                    return done(cert)
                invalid += 1
                break
            for _ in range(limit):
                if not budget.steps_left(steps):
                    break
                action = policy.act(obs, info["action_mask"], deterministic, rng)
                obs, _, terminated, truncated, info = board.step(action)
                steps += 1
                if "certificate" in info:
                    if self.accepts(info["certificate"]):
                        return done(info["certificate"])
                    invalid += 1  # an env bug: never passed on
                if terminated or truncated or time.perf_counter() - start >= seconds:
                    break
        return done(None)

    def _beam(self, env: gym.Env[Any, Any], instance: Any, budget: Budget, seed: int) -> SolveResult:
        """UnKnot, a batched trainer's policy: the learned search (:mod:`.policy_search`), not restarts.

        The search loads its own network once, outside the budget (the acting policy is not needed).
        """
        from .policy_search import PolicyBeamSearch

        if self._search is None:
            self._search = PolicyBeamSearch(self.folder, name=self.name)
        start = time.perf_counter()
        board = self.board_for(env)
        result = self._search.solve(board, instance, budget, seed)
        cert = result.certificate if result.certificate is not None and self.accepts(result.certificate) else None
        extra = {**result.extra, "own_env": board is not env.unwrapped, "search": "beam"}
        return SolveResult(cert, time.perf_counter() - start, result.steps, extra)


def _ribbon_obstruction(instance: Any, seed: int, agent: str) -> dict[str, Any] | None:
    from rigorgym.envs.ribbon import make_certificate

    from .ribbon_search import as_instance
    from .slice_obstruction import find_obstruction

    knot = as_instance(instance)
    move = find_obstruction(knot.diagram())
    if move is None:
        return None
    cert = make_certificate(knot, [move], "not_slice", seed)
    cert["meta"]["agent"] = agent
    return cert


def shipped_agents() -> dict[str, Path]:
    """The pretrained agents inside the package (``agents/data/pretrained/NAME/agent.json``), by name."""
    if not PRETRAINED_DIR.is_dir():
        return {}
    return {p.name: p for p in sorted(PRETRAINED_DIR.iterdir()) if (p / "agent.json").is_file()}


def _shipped_value_cards(only_pretrained: bool = True) -> dict[str, tuple[Path, dict[str, Any]]]:
    """The value-net folders inside the package (``only_pretrained``: those marked ``"solve_as_pretrained":
    true``), with their cards, by name."""
    if not PRETRAINED_DIR.is_dir():
        return {}
    out: dict[str, tuple[Path, dict[str, Any]]] = {}
    for p in sorted(PRETRAINED_DIR.iterdir()):
        if is_value_folder(p):
            try:
                card = json.loads((p / "card.json").read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError):
                continue
            if card.get("solve_as_pretrained") is True or not only_pretrained:
                out[p.name] = (p, card)
    return out


def shipped_values() -> dict[str, tuple[Path, dict[str, Any]]]:
    """Every value-net folder inside the package, with its card, by name (``--agent NAME`` takes each)."""
    return _shipped_value_cards(only_pretrained=False)


def shipped_value_folders() -> dict[str, Path]:
    """The value-net folders inside the package that ship as their game's ``pretrained`` solver, by name.

    A folder qualifies when its ``card.json`` is of kind ``unknot-value`` and
    says ``"solve_as_pretrained": true`` (the expert-iteration value does).
    """
    return {name: folder for name, (folder, _) in _shipped_value_cards().items()}


def pretrained_for(env_id: str, policy: bool = False) -> Path:
    """The shipped agent that ``--agent pretrained`` means for ``env_id``.

    For solving (``policy=False``), a shipped learned *search* of the game
    comes first (on UnKnot: ``guided`` ranked by the expert-iteration value,
    :func:`shipped_value_folders`); otherwise, and always when a *policy* is
    needed (``evaluate --attempts``, self-play opponents), the shipped agent of
    the game with the best ``metrics["solved_rate"]`` on its card.
    """
    game = game_name(env_id)
    if not policy:
        for folder, card in _shipped_value_cards().values():
            try:
                if game_name(str(card.get("env_id", ""))) == game:
                    return folder
            except ValueError:  # a card naming no known env
                continue
    best: tuple[float, str, Path] | None = None
    for name, folder in shipped_agents().items():
        try:
            card = AgentCard.read(folder)
            if game_name(card.env_id) != game:
                continue
        except (BadAgentDir, ValueError):
            continue
        key = (float(card.metrics.get("solved_rate", 0.0)), name, folder)
        if best is None or key[0] > best[0]:
            best = key
    if best is None:
        raise NoPretrainedAgent(
            f"no pretrained agent ships for {game} (the game of {env_id}); train one with `rigorgym train {env_id} ...`"
        )
    return best[2]


__all__ = [
    "ALGOS",
    "VALUE_KIND",
    "LearnedAgent",
    "NoPretrainedAgent",
    "SB3Policy",
    "check_game",
    "is_value_folder",
    "load_model",
    "load_policy",
    "pretrained_for",
    "shipped_agents",
    "shipped_value_folders",
    "shipped_values",
    "value_agent",
]
