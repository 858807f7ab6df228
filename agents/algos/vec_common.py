"""What the batched trainers (:mod:`.vec_ppo`, :mod:`.vec_a2c`, :mod:`.vec_trpo`, :mod:`.vec_dqn`) share.

Each trainer keeps in its own file what makes its algorithm (its ``Args``, its
loss or update, its loop); the plumbing around it is here, written once:

* the vector env (:func:`make_envs`), the seeding header, the network options;
* episode :class:`Stats` (the masked categorical is :mod:`.masked`);
* the argument checks every trainer makes (:func:`check_policy`,
  :func:`check_counts`, :func:`check_net_device_out`, :func:`check_resume`);
* :func:`session`: the setup and teardown of ``train()`` (validate, seed,
  torch threads, envs, the TensorBoard writer tapped for ``on_scalar``);
* :class:`Rollout`: ``num_steps`` steps of every env with the masked sampler,
  and GAE, for the on-policy trainers (PPO, A2C, TRPO);
* the agent folder (:func:`save_folder`, :func:`read_card`, :func:`load_net`),
  parametrised by the algorithm's name.

Next-step auto-reset: the step after an episode ends only resets that env (its
action is ignored, its reward is 0). Such steps are kept out of the loss; the
value of the final observation, computed at that step, bootstraps truncated
episodes (a terminated one does not bootstrap).
"""

from __future__ import annotations

import json
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from ..policies.braid_heads import POLICIES, NetSpec, build_net, default_options, spec_of
from .masked import (  # noqa: F401  (re-exported: the trainers' names before agents.algos.masked)
    MASKED,
    Legal,
    chosen,
    concat_legal,
    legal_lists,
    log_prob_and_entropy,
    masked_entropy,
    masked_log_probs,
    ragged_sample,
    sample_masked,
    sampling_mask,
)
from .saved import AgentCard, BadAgentDir, masked_choice

if TYPE_CHECKING:
    from .common import ScalarTap  # common imports SB3: only where training starts

MODEL_FILE = "model.pt"
STATE_FILE = "trainer.pt"  # optimizer, step count and RNG: what ``resume`` needs beyond the model
STATS_WINDOW = 1000  # finished episodes behind charts/solved_rate and the card's metrics


def policy_options(args: Any) -> dict[str, Any]:
    """The network options of this run (``agent.json``'s ``policy_options``, ``model.pt``'s ``options``)."""
    if args.policy == "mlp":
        return {"hidden": [int(h) for h in args.hidden]}
    if args.policy == "gnn":
        return {"width": args.width, "depth": args.depth, "conv": args.conv}
    return {"width": args.width, "depth": args.depth, "kernel": args.kernel}


# -- argument checks -----------------------------------------------------------------------------------


def check_policy(args: Any) -> None:
    if args.policy not in POLICIES:
        raise ValueError(f"unknown policy {args.policy!r}; choose one of {', '.join(POLICIES)}")


def check_counts(args: Any, names: tuple[str, ...]) -> None:
    for name in names:
        if getattr(args, name) < 1:
            raise ValueError(f"{name} must be >= 1, got {getattr(args, name)}")


def check_net_device_out(args: Any) -> None:
    """The network's sizes, the device, ``env_kwargs`` and the output folder."""
    if args.policy == "mlp" and (not args.hidden or min(args.hidden) < 1):
        raise ValueError(f"hidden sizes must be >= 1, got {args.hidden}")
    if args.policy == "factored" and (args.width < 1 or args.depth < 0 or args.kernel < 1 or args.kernel % 2 == 0):
        raise ValueError(f"factored: width >= 1, depth >= 0, odd kernel; got {args.width}, {args.depth}, {args.kernel}")
    if args.policy == "gnn":
        from ..policies.gnn import CONVS

        if args.width < 1 or args.depth < 0 or args.conv not in CONVS:
            raise ValueError(
                f"gnn: width >= 1, depth >= 0, conv one of {', '.join(CONVS)}; got {args.width}, {args.depth}, {args.conv!r}"
            )
    check_init_from(args)
    device = str(args.device)
    if device != "cpu" and not device.startswith("cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asked for, but torch sees no CUDA GPU here; use device='cpu'")
    try:
        json.dumps(args.env_kwargs)
    except TypeError as exc:
        raise ValueError(f"env_kwargs must be JSON-serialisable (they go into agent.json): {exc}") from None
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out {out} exists and is not a folder")
    if args.resume is None and out.is_dir() and any(out.iterdir()):
        raise ValueError(f"out {out} exists and is not empty; choose a new folder (or resume a checkpoint)")


def warm_start_weights(folder: str | Path, policy: str, spec: NetSpec, options: dict[str, Any]) -> dict[str, Any]:
    """The weights of a vec_* folder's network, if it is the same network (policy, spec, options) as this run's."""
    path = Path(folder) / MODEL_FILE
    if not path.is_file():
        raise ValueError(f"init_from: {folder} is not a batched trainer's agent folder (no {MODEL_FILE})")
    model = torch.load(path, map_location="cpu", weights_only=False)
    theirs = (model["policy"], NetSpec(**model["spec"]), {**default_options(model["policy"]), **model["options"]})
    ours = (policy, spec, {**default_options(policy), **options})
    if theirs != ours:
        raise ValueError(
            f"init_from: {folder} holds a different network ({theirs[0]} {theirs[2]}) than this run's ({policy} {ours[2]}) or another env layout"
        )
    return model["state_dict"]


def check_init_from(args: Any) -> None:
    """``init_from`` names an agent folder of a batched trainer (its network is compared when the run starts)."""
    init_from = getattr(args, "init_from", None)
    if init_from is not None and not (Path(init_from) / MODEL_FILE).is_file():
        raise ValueError(f"init_from: {init_from} is not a batched trainer's agent folder (no {MODEL_FILE})")


def check_steps_left(args: Any, done: Any) -> None:
    if int(done) >= args.steps:
        raise ValueError(f"resume: the checkpoint has {done} steps already; steps is the total to reach")


def check_resume(args: Any, algo: str, *, tagged: bool = True) -> None:
    """``args.resume`` is an ``algo`` checkpoint (``tagged``: its ``trainer.pt`` names the algorithm) with steps to go."""
    state = Path(args.resume) / STATE_FILE
    if not state.is_file():
        raise ValueError(f"resume: {args.resume} is not a {algo} checkpoint folder (no {STATE_FILE})")
    saved = torch.load(state, weights_only=False)
    if tagged and saved.get("algo") != algo:
        raise ValueError(f"resume: {args.resume} is a {saved.get('algo', 'vec_ppo')} checkpoint, not a {algo} one")
    check_steps_left(args, saved["global_step"])


def validate_common(args: Any, algo: str) -> None:
    """The checks of an on-policy trainer whose ``trainer.pt`` names its algorithm (vec_a2c, vec_trpo)."""
    check_policy(args)
    check_counts(args, ("num_envs", "steps", "num_steps"))
    if args.checkpoint_every < 0 or args.threads < 0:
        raise ValueError("checkpoint_every and threads must be >= 0 (0: none / rigorgym's default)")
    if not 0 <= args.gamma <= 1 or not 0 <= args.gae_lambda <= 1:
        raise ValueError(f"need gamma, gae_lambda in [0, 1], got {args.gamma}, {args.gae_lambda}")
    check_net_device_out(args)
    if args.resume is not None:
        check_resume(args, algo)


# -- the env -----------------------------------------------------------------------------------------


def make_envs(args: Any) -> gym.vector.VectorEnv:
    """``num_envs`` copies of ``env_id`` as its batched ``vector_entry_point`` env, with flat observations.

    Kirby-Plumbing's and UnKnot-Diagram's ``Dict`` observations become int16 rows
    (:class:`~..policies.plumbing_heads.FlatPlumbingObservation`,
    :class:`~..policies.diagram_obs.FlatDiagramObservation`).
    """
    import rigorgym  # noqa: F401  (registers the envs)

    from ..policies.diagram_obs import FlatDiagramObservation, is_diagram_space
    from ..policies.plumbing_heads import FlatPlumbingObservation, is_plumbing_space

    envs = gym.make_vec(
        args.env_id, num_envs=args.num_envs, vectorization_mode="vector_entry_point", **dict(args.env_kwargs)
    )
    if is_plumbing_space(envs.single_observation_space):
        return FlatPlumbingObservation(envs)
    if is_diagram_space(envs.single_observation_space):
        return FlatDiagramObservation(envs)
    return envs


def seed_everything(seed: int) -> None:
    """The seeding header (CleanRL): Python, NumPy and torch; the env is seeded at reset."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class Stats:
    """Episode bookkeeping for ``charts/*`` and the card's metrics (the vector env has no episode wrapper)."""

    def __init__(self, num_envs: int) -> None:
        self.ret = np.zeros(num_envs)
        self.len = np.zeros(num_envs, np.int64)
        self.returns: deque[float] = deque(maxlen=STATS_WINDOW)
        self.lengths: deque[int] = deque(maxlen=STATS_WINDOW)
        self.solved: deque[bool] = deque(maxlen=STATS_WINDOW)
        self.episodes = 0

    def step(self, valid: np.ndarray, reward: np.ndarray, ended: np.ndarray, solved: np.ndarray) -> None:
        self.ret += np.where(valid, reward, 0.0)
        self.len += valid
        for i in np.flatnonzero(ended & valid):
            self.returns.append(float(self.ret[i]))
            self.lengths.append(int(self.len[i]))
            self.solved.append(bool(solved[i]))
            self.episodes += 1
        self.ret[ended] = 0.0
        self.len[ended] = 0

    def metrics(self) -> dict[str, float]:
        mean = lambda xs: float(np.mean(xs)) if xs else 0.0  # noqa: E731
        return {
            "episodic_return": mean(self.returns),
            "episodic_length": mean(self.lengths),
            "solved_rate": mean(self.solved),
            "episodes": float(self.episodes),
        }


def episode_charts(metrics: dict[str, float]) -> dict[str, float]:
    """The ``charts/*`` every trainer logs, from :meth:`Stats.metrics` plus ``SPS``."""
    return {
        "charts/SPS": metrics["SPS"],
        "charts/episodic_return": metrics["episodic_return"],
        "charts/episodic_length": metrics["episodic_length"],
        "charts/solved_rate": metrics["solved_rate"],
    }


# -- train()'s setup and teardown -------------------------------------------------------------------


class Session:
    """What a trainer's ``train()`` gets from :func:`session`: the envs, their spec, the device, the writer."""

    def __init__(self, args: Any, envs: gym.vector.VectorEnv, on_scalar: ScalarTap | None, start_wall: float) -> None:
        self.args, self.envs, self.on_scalar, self.start_wall = args, envs, on_scalar, start_wall
        self.out = Path(args.out)
        self.device = torch.device(args.device)
        self.spec = spec_of(envs)
        self.writer: Any = None

    def build_net(self) -> nn.Module:
        """A network of the run's policy and options on its device (``init_from``: with that folder's weights)."""
        net = build_net(self.args.policy, self.spec, policy_options(self.args))
        init_from = getattr(self.args, "init_from", None)
        if init_from is not None and self.args.resume is None:
            net.load_state_dict(warm_start_weights(init_from, self.args.policy, self.spec, policy_options(self.args)))
        return net.to(self.device)

    def resume(self, net: nn.Module) -> dict[str, Any] | None:
        """With ``args.resume``: its weights into ``net``, torch's RNG restored, its ``trainer.pt`` returned."""
        if self.args.resume is None:
            return None
        net.load_state_dict(torch.load(Path(self.args.resume) / MODEL_FILE, weights_only=False)["state_dict"])
        state = torch.load(Path(self.args.resume) / STATE_FILE, weights_only=False)
        torch.set_rng_state(state["torch_rng"])
        return state

    def save(self, folder: Path, algo: str, net: nn.Module, state: dict[str, Any], metrics: dict[str, float]) -> Path:
        """:func:`save_folder` for this run (its wall time counted from the start of ``train``)."""
        return save_folder(folder, self.args, algo, net, self.spec, state, metrics, time.time() - self.start_wall)

    def open_writer(self) -> Any:
        """The output folder and its TensorBoard writer (``tb/``), every scalar also handed to ``on_scalar``."""
        from torch.utils.tensorboard import SummaryWriter

        from .common import TappedWriter

        self.out.mkdir(parents=True, exist_ok=True)
        self.writer = TappedWriter(SummaryWriter(str(self.out / "tb")), self.on_scalar)  # on_scalar: e.g. progress
        return self.writer


@contextmanager
def session(
    args: Any,
    validate: Callable[[Any], None],
    make_envs: Callable[[Any], gym.vector.VectorEnv],
    on_scalar: ScalarTap | None,
) -> Iterator[Session]:
    """Validate, seed, set torch's threads and build the envs; close the writer, then the envs, on the way out."""
    from .common import torch_threads

    validate(args)
    start_wall = time.time()
    seed_everything(args.seed)
    with torch_threads(args.threads):
        envs = make_envs(args)
        try:
            run = Session(args, envs, on_scalar, start_wall)
            try:
                yield run
            finally:
                if run.writer is not None:
                    run.writer.close()
        finally:
            envs.close()


# -- the on-policy rollout ----------------------------------------------------------------------------


def has_legal_path(net: nn.Module, device: torch.device) -> bool:
    """Whether ``net`` scores each row's legal actions only (``legal_logits``, CPU): the Kirby-Plumbing graph network."""
    return device.type == "cpu" and callable(getattr(net, "legal_logits", None))


class Rollout:
    """``num_steps`` steps of every env with the masked sampler, and the episode statistics across rollouts.

    Buffers, the next-step auto-reset bookkeeping (``valid``), the
    illegal-action count; ``name`` prefixes the illegal-sample error.

    ``legal=True`` (a network with ``legal_logits``, see :func:`has_legal_path`):
    each step's logits are those of the legal actions only, sampled by
    :func:`~.masked.ragged_sample` (the dense sampler's draw); the steps' legal
    lists and the taken action's place in them are kept (:meth:`legal_batch`)
    for an update that needs no ``(batch, n_actions)`` tensor either.
    """

    def __init__(
        self,
        args: Any,
        envs: gym.vector.VectorEnv,
        spec: NetSpec,
        device: torch.device,
        seed: int,
        name: str = "",
        legal: bool = False,
    ) -> None:
        n, t_len, a_n = args.num_envs, args.num_steps, spec.n_actions
        self.envs, self.device, self.spec, self.name = envs, device, spec, name
        obs_dtype = torch.from_numpy(np.zeros(0, envs.single_observation_space.dtype)).dtype  # int8 rows on UnKnot
        self.obs = torch.zeros((t_len, n, spec.obs_dim), dtype=obs_dtype, device=device)
        self.mask = torch.zeros((t_len, n, a_n), dtype=torch.bool, device=device)
        self.actions = torch.zeros((t_len, n), dtype=torch.long, device=device)
        self.logprobs = torch.zeros((t_len, n), device=device)
        self.values = torch.zeros((t_len, n), device=device)
        self.rewards = np.zeros((t_len, n), np.float32)
        self.terminated = np.zeros((t_len, n), bool)
        self.ended = np.zeros((t_len, n), bool)
        self.valid = np.zeros((t_len, n), bool)
        self.stats = Stats(n)
        self.illegal = 0  # illegal actions the env saw on real (non-reset) steps: must stay 0
        self.legal = legal
        self.legal_steps: list[Legal] = []  # with ``legal``: each step's legal lists
        self.positions = np.zeros((t_len, n), np.int64)  # with ``legal``: the taken action's place in its list
        self.next_obs, info = envs.reset(seed=seed)
        self.next_mask = np.asarray(info["action_mask"], bool)
        self.needs_reset = np.zeros(n, bool)
        #: the learner sees rewards times this (the stats keep the env's): a reward in the tens of thousands, as
        #: AndrewsCurtis-v0's success bonus, drowns the policy gradient in the value loss under gradient clipping
        self.reward_scale = float(getattr(args, "reward_scale", 1.0))

    def collect(self, net: nn.Module) -> int:
        """Fill the buffers with ``net``'s actions and values; return the env steps taken (reset-only ones not)."""
        n, taken = self.valid.shape[1], 0
        self.legal_steps = []
        for step in range(self.valid.shape[0]):
            self.valid[step] = ~self.needs_reset
            obs_t = torch.as_tensor(self.next_obs, device=self.device)
            mask_np = sampling_mask(self.next_mask)
            mask_t = torch.as_tensor(mask_np, device=self.device)
            self.obs[step], self.mask[step] = obs_t, mask_t
            with torch.no_grad():
                if self.legal:
                    legal = legal_lists(mask_np)
                    z, value = net.legal_logits(obs_t, legal)
                    pos, logp = ragged_sample(z, legal.rowptr)
                    action = torch.from_numpy(chosen(legal, pos))
                    self.legal_steps.append(legal)
                    self.positions[step] = pos
                else:
                    logits, value = net(obs_t)
                    action, logp = sample_masked(logits, mask_t)
            # never an illegal action: checked on every step (cheap next to the network; not an assert, kept under -O)
            if not bool(mask_t.gather(1, action[:, None]).all()):
                who = f"{self.name} " if self.name else ""
                raise RuntimeError(f"{who}sampled an illegal action (a bug in the masked sampler)")
            self.actions[step], self.values[step] = action, value
            self.logprobs[step] = logp
            self.next_obs, reward, term, trunc, info = self.envs.step(action.cpu().numpy())
            self.next_mask = np.asarray(info["action_mask"], bool)
            self.illegal += int(np.sum(np.asarray(info.get("illegal_action", np.zeros(n, bool))) & self.valid[step]))
            self.rewards[step], self.terminated[step] = reward * self.reward_scale, term
            self.ended[step] = term | trunc
            solved = np.asarray(info["_certificate"], bool) if "_certificate" in info else term
            self.stats.step(self.valid[step], reward, self.ended[step], solved)
            self.needs_reset = self.ended[step].copy()
            taken += int(self.valid[step].sum())
        return taken

    def advantages(self, values: np.ndarray, next_value: np.ndarray, gamma: float, lam: float) -> np.ndarray:
        """GAE (``lam=1``: n-step returns less the value); reset-only steps get 0 and ended episodes pass none back."""
        t_len, n = self.valid.shape
        adv = np.zeros((t_len, n), np.float32)
        last = np.zeros(n, np.float32)
        for t in reversed(range(t_len)):
            nv = next_value if t == t_len - 1 else values[t + 1]
            delta = self.rewards[t] + gamma * nv * (1.0 - self.terminated[t]) - values[t]
            last = np.where(self.valid[t], delta + gamma * lam * (1.0 - self.ended[t]) * last, 0.0)
            adv[t] = last
        return adv

    def legal_batch(self) -> tuple[Legal, np.ndarray]:
        """With ``legal``: the legal lists of the flat buffers' rows and the taken action's place in each."""
        return concat_legal(self.legal_steps), self.positions.reshape(-1)

    def real_steps(self) -> torch.Tensor:
        """The indices of the real (non-reset) steps in the flat buffers."""
        return torch.as_tensor(np.flatnonzero(self.valid.reshape(-1)), device=self.device)

    def flat(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The real (non-reset) steps as one batch: indices into the flat buffers, obs, masks, actions."""
        idx = self.real_steps()
        obs = self.obs.reshape(-1, self.spec.obs_dim)[idx]
        return idx, obs, self.mask.reshape(-1, self.spec.n_actions)[idx], self.actions.reshape(-1)[idx]

    def metrics(self, steps: int, clock: float, start_wall: float) -> dict[str, float]:
        """The card's metrics: the episode statistics, env steps/s since ``clock``, illegal actions, wall time."""
        sps = steps / max(time.perf_counter() - clock, 1e-9)
        return {
            **self.stats.metrics(),
            "SPS": sps,
            "illegal_actions": float(self.illegal),
            "wall_s": time.time() - start_wall,
        }


def explained_variance(pred: torch.Tensor, target: torch.Tensor) -> float:
    """1 - Var(target - pred) / Var(target): how much of the returns the value predicts (NaN-free)."""
    var = float(target.var()) if len(target) > 1 else 0.0
    return 0.0 if var == 0 else 1.0 - float((target - pred).var()) / var


# -- the agent folder -------------------------------------------------------------------------------


def save_folder(
    folder: Path,
    args: Any,
    algo: str,
    net: nn.Module,
    spec: NetSpec,
    state: dict[str, Any],
    metrics: dict[str, float],
    wall_s: float,
) -> Path:
    """An agent folder (``agent.json``, ``model.pt``) plus ``trainer.pt`` (``state``): loadable and resumable."""
    folder.mkdir(parents=True, exist_ok=True)
    options = policy_options(args)
    weights = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    torch.save(
        {"policy": args.policy, "spec": spec.to_dict(), "options": options, "state_dict": weights}, folder / MODEL_FILE
    )
    torch.save(state, folder / STATE_FILE)
    algo_args = {k: v for k, v in json.loads(json.dumps(vars(args), default=str)).items() if k not in ("out", "resume")}
    AgentCard(
        env_id=args.env_id,
        algo=algo,
        policy=args.policy,
        steps=int(state["global_step"]),
        seed=args.seed,
        model_file=MODEL_FILE,
        env_kwargs=dict(args.env_kwargs),
        policy_options=options,
        algo_args=algo_args,
        metrics=metrics,
        wall_s=wall_s,
        notes=f"resumed from {args.resume}" if args.resume is not None else warm_note(args),
    ).write(folder)
    return folder


def warm_note(args: Any) -> str:
    """The card's note on a warm start (``init_from``): whose weights the run began with."""
    init_from = getattr(args, "init_from", None)
    if init_from is None:
        return ""
    try:
        card = json.loads((Path(init_from) / "agent.json").read_text())
        what = f"a {card.get('algo')} agent of {card.get('steps')} steps"
    except (OSError, json.JSONDecodeError):
        what = "an agent folder"
    return f"warm start from {init_from} ({what})"


def read_card(folder: str | Path, algo: str) -> AgentCard:
    """``agent.json`` of an ``algo`` folder (read directly: ``AgentCard.read`` checks its list of algorithms)."""
    path = Path(folder) / "agent.json"
    try:
        card = AgentCard(**json.loads(path.read_text()))
    except (OSError, json.JSONDecodeError, TypeError) as exc:
        raise BadAgentDir(f"{folder}: not a trained agent ({exc})") from None
    if card.algo != algo:
        raise BadAgentDir(f"{folder}: an {card.algo} agent, not a {algo} one")
    return card


def check_model_file(folder: str | Path, card: AgentCard) -> None:
    if not (Path(folder) / card.model_file).is_file():
        raise BadAgentDir(f"{folder}: the model file {card.model_file!r} named in agent.json is missing")


def load_net(folder: str | Path) -> tuple[nn.Module, str]:
    """The network of a vec_* folder (``model.pt`` holds its spec and options: no env is built)."""
    import pickle

    try:
        model = torch.load(Path(folder) / MODEL_FILE, map_location="cpu", weights_only=False)
        options = {**default_options(model["policy"]), **model["options"]}
        net = build_net(model["policy"], NetSpec(**model["spec"]), options)
        net.load_state_dict(model["state_dict"])
    except (OSError, EOFError, RuntimeError, KeyError, TypeError, ValueError, pickle.UnpicklingError) as exc:
        raise BadAgentDir(f"{folder}: cannot load {MODEL_FILE} ({type(exc).__name__}: {exc})") from None
    return net, model["policy"]


def one_row(obs: Any) -> torch.Tensor:
    """A single env's observation as the ``(1, D)`` row the trainers' networks take (a ``Dict`` flattened:
    UnKnot-Diagram's by :func:`~..policies.diagram_obs.flatten_diagram`, Kirby-Plumbing's by
    :func:`~..policies.plumbing_heads.flatten_plumbing`)."""
    if isinstance(obs, dict):
        from ..policies.diagram_obs import flatten_diagram, is_diagram_observation
        from ..policies.plumbing_heads import flatten_plumbing

        obs = flatten_diagram(obs) if is_diagram_observation(obs) else flatten_plumbing(obs)
    return torch.as_tensor(np.asarray(obs)).reshape(1, -1)


class VecPPOPolicy:
    """A trained vec_ppo (a2c, trpo) network as an :class:`~.saved.ActingPolicy`: masked argmax or sample of its logits."""

    def __init__(self, net: nn.Module) -> None:
        self.net = net.eval()

    def act(self, obs: Any, mask: np.ndarray, deterministic: bool, rng: np.random.Generator) -> int:
        with torch.no_grad():
            logits, _ = self.net(one_row(obs))
        return masked_choice(logits[0].numpy(), np.asarray(mask, bool), deterministic, rng)

    def scores(self, observations: list[Any]) -> np.ndarray:
        """The logits of many single-env observations in one forward pass (protocols that play many pairs at once)."""
        with torch.no_grad():
            rows = torch.cat([one_row(obs) for obs in observations])
            logits, _ = self.net(rows)
        return logits.numpy()


def load_agent(folder: str | Path, algo: str) -> VecPPOPolicy:
    """The acting policy of an ``algo`` folder whose network acts by its logits (PPO, A2C, TRPO)."""
    check_model_file(folder, read_card(folder, algo))
    net, _ = load_net(folder)
    return VecPPOPolicy(net)
