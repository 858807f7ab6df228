"""Self-play on the scramble-solve game with RLlib's multi-agent new API stack: a scrambler and a solver, both learned.

:class:`ScrambleSolveMultiAgentEnv` turns the PettingZoo AEC game
(:mod:`rigorgym.envs.multiagent.scramble_solve_v0`) into RLlib's turn-based
``MultiAgentEnv`` (only the player to move observes; the rewards the AEC env
accumulated for the other player reach it at its next turn or at the end, so
each game's two returns still sum to zero). Observations are renamed to the
layout of :mod:`.envs` (``{"observations", "action_mask"}``), so the masked
:class:`~.modules.ZooActorCriticModule` serves both players unchanged.

:func:`train_selfplay` trains PPO with a ``MultiRLModuleSpec`` of two such
modules, ``"scrambler"`` and ``"solver"`` (agent id = module id), and writes::

    OUT/scrambler/{agent.json, model.pt}   acting weights, the layout of rigorgym train --backend rllib
    OUT/solver/{agent.json, model.pt}      (the solver folder is playable by ``rigorgym solve --agent``)
    OUT/checkpoint/                        RLlib's checkpoint of the whole algorithm (+ rigorgym.json)
    OUT/tb/                                TensorBoard: charts/* of the game, <policy>/charts/*, <policy>/losses/*

The scrambler's action space is the game's plus ``stop``, one more than the
single-agent env's: :func:`load_player` loads either folder (the card's
``algo_args["n_actions"]`` says how many actions the network has).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces
from ray.rllib.env.multi_agent_env import MultiAgentEnv
from rigorgym.envs.multiagent import SCRAMBLER, SOLVER, scramble_solve_v0

from .envs import MASK, OBS

PLAYERS = (SCRAMBLER, SOLVER)
TUNE_NAME = "rigorgym/scramble_solve_v0"
SOLVED_WINDOW = 100  # games behind charts/solved_rate


# -- the env ---------------------------------------------------------------------------------------


class ScrambleSolveMultiAgentEnv(MultiAgentEnv):
    """The AEC scramble-solve game as RLlib's turn-based ``MultiAgentEnv`` (``config``: ``raw_env``'s kwargs).

    Written here rather than taken from RLlib's ``PettingZooEnv`` because the
    modules read ``"observations"`` (PettingZoo's key is ``"observation"``),
    ``full_scramble`` (a config key) edits the scrambler's mask, and the infos
    are cut to the few scalars the metrics need (no instances or certificates
    stored in every episode).
    """

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__()
        import rigorgym  # noqa: F401  (registers the games in this env runner's process)

        config = dict(config or {})
        self.full_scramble = bool(config.pop("full_scramble", False))
        self.outcome_reward = bool(config.pop("outcome_reward", False))
        opponent = config.pop("opponent", None)
        self.game = scramble_solve_v0.env(**config)
        self.opponent = _load_opponent(opponent, self.game.unwrapped.game) if opponent else None
        self.rng = np.random.default_rng(0)
        raw = self.game.unwrapped
        self.possible_agents = list(PLAYERS)
        self.agents = list(PLAYERS)
        self.observation_spaces = {
            a: spaces.Dict(
                {OBS: raw.observation_space(a)["observation"], MASK: raw.observation_space(a)["action_mask"]}
            )
            for a in PLAYERS
        }
        self.action_spaces = {a: raw.action_space(a) for a in PLAYERS}

    def _observe(self, agent: str) -> dict[str, Any]:
        obs = self.game.observe(agent)
        mask = obs["action_mask"]
        if self.full_scramble and agent == SCRAMBLER:
            mask = _no_stop(mask)
        return {OBS: obs["observation"], MASK: mask}

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        self.game.reset(seed=seed, options=options)
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.agents = [a for a in PLAYERS if self.opponent is None or a != SOLVER]
        agent = self.game.agent_selection
        return {agent: self._observe(agent)}, {}

    def _play_opponent(self) -> None:
        """The frozen solver's turns, played greedily inside the env (RLlib never sees them)."""
        while self.game.agents and self.game.agent_selection == SOLVER:
            observation, _, term, trunc, _ = self.game.last()
            if term or trunc:
                return
            mask = np.asarray(observation["action_mask"], dtype=bool)
            self.game.step(self.opponent.act(observation["observation"], mask, True, self.rng))

    def _outcome(self, agent: str, info: dict[str, Any]) -> float:
        """``outcome_reward``: at the end of the game only, the scrambler gets its hardness (1 for a solver
        loss, else the fraction of the solver's move budget the win took) and the solver the negative."""
        if "winner" not in info:
            return 0.0
        budget = max(1, int(self.game.unwrapped.solver_moves))
        hardness = 1.0 if info["winner"] != SOLVER else min(1.0, float(info["solver_moves"]) / budget)
        return hardness if agent == SCRAMBLER else -hardness

    def step(self, action_dict: dict[str, Any]) -> tuple[dict[str, Any], ...]:
        self.game.step(action_dict[self.game.agent_selection])
        if self.opponent is not None:
            self._play_opponent()
        obs: dict[str, Any] = {}
        rewards: dict[str, float] = {}
        terminated: dict[str, bool] = {}
        truncated: dict[str, bool] = {}
        infos: dict[str, Any] = {}
        # the player to move next; at the end of the game, every player in turn (each with its last rewards)
        while self.game.agents:
            _, reward, term, trunc, info = self.game.last()
            agent = self.game.agent_selection
            obs[agent] = self._observe(agent)
            terminated[agent], truncated[agent] = bool(term), bool(trunc)
            infos[agent] = {
                k: v for k, v in info.items() if k in ("phase", "scramble_length", "solver_moves", "winner")
            }
            rewards[agent] = self._outcome(agent, infos[agent]) if self.outcome_reward else float(reward)
            if not (term or trunc):
                break
            self.game.step(None)
        over = not self.game.agents
        if self.opponent is not None:  # the embedded solver is part of the env, not an RLlib agent
            for out in (obs, rewards, terminated, truncated, infos):
                out.pop(SOLVER, None)
        self.agents = [a for a in self.game.agents if self.opponent is None or a != SOLVER]
        terminated["__all__"] = over and all(terminated.values())
        truncated["__all__"] = over and not terminated["__all__"]
        return obs, rewards, terminated, truncated, infos

    def close(self) -> None:
        self.game.close()


def _load_opponent(agent: str, game: str) -> Any:
    """A solver agent folder (or ``"pretrained"``: the shipped one of the game) as an acting policy."""
    from ..learned import load_policy, pretrained_for

    return load_policy(pretrained_for(game, policy=True) if agent == "pretrained" else agent)


def _no_stop(mask: np.ndarray) -> np.ndarray:
    """The scrambler's mask with ``stop`` (its last action) masked while some move is legal."""
    mask = np.array(mask, copy=True)
    if mask[:-1].any():
        mask[-1] = 0
    return mask


def without_stop(policy: Any) -> Any:
    """A :func:`rigorgym.envs.multiagent.play` scrambler policy that never plays ``stop`` while it can move.

    Every scramble then has the full length, as the shipped ``unknot-random-L*`` braids do, which
    keeps a learned scrambler from the short scrambles the solver's shaping rewards push it to.
    """

    def act(observation: dict[str, Any], agent: str) -> Any:
        if agent == SCRAMBLER:
            observation = {**observation, "action_mask": _no_stop(observation["action_mask"])}
        return policy(observation, agent)

    return act


def make_selfplay_env(config: dict[str, Any]) -> ScrambleSolveMultiAgentEnv:
    """The creator Ray Tune calls on every env runner."""
    return ScrambleSolveMultiAgentEnv(config)


def register() -> str:
    """Register the game with ``ray.tune.registry``; returns the name to put in ``config.environment``."""
    from ray.tune.registry import register_env

    register_env(TUNE_NAME, make_selfplay_env)
    return TUNE_NAME


def agent_to_module(agent_id: str, episode: Any = None, **kwargs: Any) -> str:
    """Each player has its own policy, named like the player."""
    return str(agent_id)


# -- the run ---------------------------------------------------------------------------------------


@dataclass
class SelfPlayArgs:
    """One self-play run (CleanRL style): the game's kwargs, PPO's, and where to write."""

    game: str = "UnKnot-v0"
    steps: int = 100_000  # env steps (turns of either player) sampled
    seed: int = 1
    out: Path = Path("runs/selfplay")
    scramble_moves: int = 20
    solver_moves: int | None = None  # None: the game's max_episode_steps
    full_scramble: bool = False  # mask the scrambler's stop while it can move (every scramble is scramble_moves long)
    # a frozen solver (an agent folder, or "pretrained") that plays the solver's turns inside the env; then only
    # the scrambler learns, against that solver (a fixed-opponent variant of self-play)
    opponent: str | None = None
    outcome_reward: bool = False  # end-of-game rewards only: the scrambler's is how hard the game was for the solver
    env_kwargs: dict[str, Any] = field(default_factory=dict)  # the single-agent env's (e.g. max_length)
    time_budget_s: float | None = None  # also stop (and save) after this many seconds of training
    policy: str = "mlp"
    hidden: tuple[int, ...] | None = None
    lr: float = 3e-4
    gamma: float = 0.99
    train_batch_size: int = 2000
    minibatch_size: int = 128
    num_epochs: int = 4
    entropy_coeff: float = 0.01
    train: tuple[str, ...] = PLAYERS  # the policies that learn
    address: str | None = None  # None: a local Ray (or the one already up); "auto" or HOST:PORT: that cluster
    num_env_runners: int = 0  # 0: sample in the driver process
    progress: bool = True

    def game_config(self) -> dict[str, Any]:
        return {
            "game": self.game,
            "scramble_moves": self.scramble_moves,
            "solver_moves": self.solver_moves,
            "full_scramble": self.full_scramble,
            "opponent": self.opponent,
            "outcome_reward": self.outcome_reward,
            **self.env_kwargs,
        }

    def policy_options(self) -> dict[str, Any]:
        return {"hidden": list(self.hidden)} if self.hidden else {}


def validate(args: SelfPlayArgs) -> None:
    """ValueError on bad input, before Ray starts or anything is written."""
    if args.steps < 1:
        raise ValueError(f"steps must be >= 1, got {args.steps}")
    if args.num_env_runners < 0:
        raise ValueError(f"num_env_runners must be >= 0, got {args.num_env_runners}")
    if args.address is not None:
        from .train import check_address

        check_address(args.address)
    if args.policy != "mlp":
        raise ValueError("self-play trains MLP policies (the game's observation is the single-agent env's Box)")
    unknown = set(args.train) - set(PLAYERS)
    if unknown or not args.train:
        raise ValueError(f"train must name some of {PLAYERS}, got {args.train}")
    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"out {out} exists and is not an empty folder")
    ScrambleSolveMultiAgentEnv(args.game_config()).close()  # the game's own checks (game, moves)


def _callbacks() -> type:
    from ray.rllib.callbacks.callbacks import RLlibCallback

    class GameMetrics(RLlibCallback):
        """Per game: did the solver win, how long was the scramble, how many moves did a win take."""

        def on_episode_end(self, *, episode: Any, metrics_logger: Any = None, **kwargs: Any) -> None:
            last = episode.get_infos(-1)
            info = last.get(SOLVER) or last.get(SCRAMBLER) or {}
            if "winner" not in info:
                return
            solved = info["winner"] == SOLVER
            metrics_logger.log_value("solved_rate", float(solved), reduce="mean", window=SOLVED_WINDOW)
            metrics_logger.log_value(
                "scramble_length", float(info["scramble_length"]), reduce="mean", window=SOLVED_WINDOW
            )
            if solved:
                metrics_logger.log_value(
                    "solved_moves", float(info["solver_moves"]), reduce="mean", window=SOLVED_WINDOW
                )

    return GameMetrics


def build_config(args: SelfPlayArgs, env_name: str) -> Any:
    """PPO over two masked actor-critic modules, one per player."""
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.core.rl_module.multi_rl_module import MultiRLModuleSpec
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec

    from .modules import ZooActorCriticModule

    model_config = {"policy": args.policy, "options": args.policy_options(), "torch_threads": 1}
    specs = {p: RLModuleSpec(module_class=ZooActorCriticModule, model_config=model_config) for p in PLAYERS}
    return (
        PPOConfig()
        .environment(env_name, env_config=args.game_config())
        .framework("torch")
        .training(
            lr=args.lr,
            gamma=args.gamma,
            train_batch_size_per_learner=args.train_batch_size,
            minibatch_size=args.minibatch_size,
            num_epochs=args.num_epochs,
            entropy_coeff=args.entropy_coeff,
        )
        .env_runners(num_env_runners=args.num_env_runners, num_envs_per_env_runner=1)
        .learners(num_learners=0)
        .multi_agent(policies=set(PLAYERS), policy_mapping_fn=agent_to_module, policies_to_train=list(args.train))
        .rl_module(rl_module_spec=MultiRLModuleSpec(rl_module_specs=specs))
        .callbacks(_callbacks())
        .debugging(seed=args.seed, log_level="ERROR")
        .reporting(metrics_num_episodes_for_smoothing=SOLVED_WINDOW)
    )


def scalars(result: dict[str, Any], sps: float) -> dict[str, float]:
    """One iteration's result under the project's names: the game's ``charts/*``, then ``<policy>/...``."""
    from .train import LOSS_NAMES

    runners = result.get("env_runners", {})
    out: dict[str, Any] = {
        "charts/solved_rate": runners.get("solved_rate"),
        "charts/scramble_length": runners.get("scramble_length"),
        "charts/episode_moves": runners.get("solved_moves"),
        "charts/episodic_length": runners.get("episode_len_mean"),
        "charts/SPS": sps,
    }
    returns = runners.get("module_episode_returns_mean", {})
    for player in PLAYERS:
        out[f"{player}/charts/episodic_return"] = returns.get(player)
        learner = result.get("learners", {}).get(player, {})
        for key, name in LOSS_NAMES.items():
            if key in learner:
                out[f"{player}/{name}"] = learner[key]
    return {k: float(v) for k, v in out.items() if isinstance(v, int | float) and np.isfinite(v)}


def _write_player(algo: Any, args: SelfPlayArgs, player: str, out: Path, steps: int, metrics: dict[str, float]) -> Path:
    """``OUT/<player>/{model.pt, agent.json}``: the acting network's ``state_dict``, as :mod:`.train` writes it."""
    import ray
    import torch

    from ..algos.saved import AgentCard

    folder = out / player
    folder.mkdir(parents=True, exist_ok=True)
    module = algo.get_module(player)
    torch.save({k: v.detach().cpu().clone() for k, v in module.net.state_dict().items()}, folder / "model.pt")
    config = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(args).items()}
    AgentCard(
        env_id=args.game,
        algo="rllib_ppo",
        policy=args.policy,
        steps=steps,
        seed=args.seed,
        model_file="model.pt",
        env_kwargs=dict(args.env_kwargs),
        policy_options=args.policy_options(),
        algo_args={**config, "role": player, "n_actions": int(module.action_space.n), "selfplay": True},
        metrics={k.split("/", 1)[1]: v for k, v in metrics.items() if k.startswith("charts/")},
        notes=f"the {player} of a scramble_solve_v0 self-play run (Ray RLlib {ray.__version__} PPO, new API stack)",
    ).write(folder)
    return folder


def train_selfplay(
    game: str = "UnKnot-v0",
    steps: int = 100_000,
    seed: int = 1,
    out: str | Path = "runs/selfplay",
    scramble_moves: int = 20,
    time_budget_s: float | None = None,
    **options: Any,
) -> Path:
    """Train both players by PPO self-play and write ``out`` (see the module docstring); returns it.

    ``options`` are the other fields of :class:`SelfPlayArgs` (an unknown one
    is a ValueError). A local Ray is started unless one is already up or
    ``address`` names a cluster to join; ``num_env_runners`` spreads sampling over it.
    """
    import os

    import ray
    from torch.utils.tensorboard import SummaryWriter
    from tqdm import tqdm

    from ..algos.common import torch_threads
    from .train import CHECKPOINT_META

    known = set(SelfPlayArgs.__dataclass_fields__)
    if set(options) - known:
        raise ValueError(
            f"unknown self-play options {sorted(set(options) - known)} (known: {', '.join(sorted(known))})"
        )
    if options.get("hidden") is not None:
        options["hidden"] = tuple(options["hidden"])
    if "train" in options:
        options["train"] = tuple(options["train"])
    elif options.get("opponent"):
        options["train"] = (SCRAMBLER,)  # the embedded solver is frozen
    args = SelfPlayArgs(
        game=game,
        steps=int(steps),
        seed=int(seed),
        out=Path(out),
        scramble_moves=scramble_moves,
        time_budget_s=time_budget_s,
        **options,
    )
    validate(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = False
    if not ray.is_initialized():
        os.environ.setdefault("RAY_DEDUP_LOGS", "0")
        if args.address is not None:
            ray.init(address=args.address, logging_level="ERROR", log_to_driver=False)
        else:
            cpus = max(2, args.num_env_runners + 1)
            ray.init(num_cpus=cpus, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
        started = True
    start = time.perf_counter()
    steps_done = 0
    metrics: dict[str, float] = {}
    try:
        with torch_threads(1):
            algo = build_config(args, register()).build_algo()
            writer = SummaryWriter(str(out / "tb"))
            bar = tqdm(total=args.steps, unit="step", disable=not args.progress, desc="self-play ppo")
            try:
                while steps_done < args.steps and not (
                    args.time_budget_s is not None and time.perf_counter() - start >= args.time_budget_s
                ):
                    result = algo.train()
                    runners = result.get("env_runners", {})
                    steps_done = int(runners.get("num_env_steps_sampled_lifetime") or 0)
                    metrics = scalars(result, steps_done / max(time.perf_counter() - start, 1e-9))
                    for name, value in metrics.items():
                        writer.add_scalar(name, value, steps_done)
                    bar.n = min(steps_done, args.steps)
                    bar.set_postfix(solved=f"{metrics.get('charts/solved_rate', 0.0):.2f}")
                    bar.refresh()
            finally:
                bar.close()
                writer.close()
            algo.save_to_path(str((out / "checkpoint").resolve()))
            meta = {"env_id": args.game, "algo": "ppo", "steps": steps_done, "selfplay": list(PLAYERS)}
            (out / "checkpoint" / CHECKPOINT_META).write_text(json.dumps(meta) + "\n")
            for player in PLAYERS:
                _write_player(algo, args, player, out, steps_done, metrics)
            algo.stop()
    finally:
        if started:
            ray.shutdown()
    summary = {"steps": steps_done, "wall_s": time.perf_counter() - start, "metrics": metrics}
    (out / "selfplay.json").write_text(json.dumps(summary, indent=1) + "\n")
    return out


# -- acting without Ray ----------------------------------------------------------------------------


def load_player(folder: str | Path) -> Any:
    """The acting policy (:class:`~.policy.RLlibPolicy`) of ``OUT/scrambler`` or ``OUT/solver``.

    :func:`.policy.load_policy` sizes the network by the single-agent env and
    so loads the solver only; this reads the action count from the card.
    """
    import gymnasium as gym
    import torch

    import rigorgym  # noqa: F401

    from ..algos.saved import AgentCard, BadAgentDir
    from .policy import RLlibPolicy, build_network

    folder = Path(folder)
    card = AgentCard.read(folder)
    env = gym.make(card.env_id, **card.env_kwargs)
    try:
        space = env.observation_space
        n_actions = int(card.algo_args.get("n_actions", env.action_space.n))
    finally:
        env.close()
    network = build_network("ppo", card.policy, space, n_actions, card.policy_options)
    try:
        network.load_state_dict(torch.load(folder / card.model_file, weights_only=True))
    except (RuntimeError, OSError) as exc:
        raise BadAgentDir(f"{folder}: cannot load {card.model_file} ({exc})") from None
    return RLlibPolicy(network, space)


def game_policy(acting: Any, deterministic: bool = False, seed: int | None = 0) -> Any:
    """An acting policy as a :func:`rigorgym.envs.multiagent.play` policy (``(obs_dict, agent) -> action``).

    The game's observation is the single-agent env's, so any UnKnot-v0 agent
    (the shipped solver included) plays the solver this way.
    """
    rng = np.random.default_rng(seed)

    def act(observation: dict[str, Any], agent: str) -> int:
        return int(acting.act(observation["observation"], observation["action_mask"], deterministic, rng))

    return act


__all__ = [
    "PLAYERS",
    "ScrambleSolveMultiAgentEnv",
    "SelfPlayArgs",
    "agent_to_module",
    "build_config",
    "game_policy",
    "load_player",
    "register",
    "train_selfplay",
    "without_stop",
]
