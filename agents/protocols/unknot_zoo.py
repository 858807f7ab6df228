"""The "Learning to unknot" zoo on the batched trainers, evaluated as the paper did (issue 19).

Why a module of its own: the first zoo (removed) trained through SB3 for a
few thousand steps and scored agents by a restart *search* under a wall
clock, while Gukov, Halverson, Ruehle and Sułkowski (2021) report what a
trained policy does *alone*. Here:

- :func:`curriculum`: the training instances, :class:`ScrambleMixGenerator`
  over the sizes of the suites (3, 5, 7 strands; 20, 40, 60, 96 letters, one
  pair drawn uniformly per episode), on UnKnot-v0's board (``max_length``
  128, ``max_strands`` 8), which holds every ``unknot-words-*`` and
  ``unknot-random-L20..L100`` instance (at most 100 letters, 7 strands);
- :func:`train_agent`: one algorithm for a budget of env steps: ``ppo``,
  ``trpo``, ``a2c`` and ``dqn`` on the batched vector env
  (``rigorgym.agents.algos.vec_*``), ``maskable_ppo`` through SB3
  (:func:`rigorgym.agents.train.train`);
- :func:`evaluate_suite`: the papers' protocol (:mod:`.pure_policy`): one
  greedy episode per instance, at most :data:`MOVE_CAP` moves, no search,
  no restarts, every certificate re-verified by the kernel;
- :class:`RandomWalker`: the paper's baseline under the same protocol, a
  uniform choice among the legal moves;
- :func:`run_zoo` and :func:`targets`: the whole comparison and issue 19's
  acceptance lines (``benchmarks/unknot_zoo.py`` is a thin script over them).
"""

from __future__ import annotations

import dataclasses
import importlib
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from rigorgym.envs.unknot.generator import ScrambleMixGenerator

from .pure_policy import PolicyEvaluation, Protocol, evaluate_policy, move_cap, play
from .unknot import natural_key, rounded, sample, wilson

ENV_ID = "UnKnot-v0"  # its board (max_length 128, max_strands 8) holds every suite below
#: Moves per episode, in evaluation and in training: about four times the longest suite's braid (100 letters);
#: the imitation policy's solved braids took about one move per letter (docs/results/unknot-imitation.md).
MOVE_CAP = 400
STRANDS = (3, 5, 7)  # the curriculum: the suites' strand counts ...
LENGTHS = (20, 40, 60, 96)  # ... and lengths (unknot-random-L100: 4 letters past the longest, on 7 strands)
MIX = 2  # ScrambleGenerator's mixing moves after each growth move (the unknot-random suites' value)
WORD_SUITES = (
    "unknot-words-n3-L20", "unknot-words-n3-L40", "unknot-words-n3-L60", "unknot-words-n5-L20",
    "unknot-words-n5-L40", "unknot-words-n7-L40", "unknot-words-L96",
)  # fmt: skip
SCRAMBLE_SUITES = ("unknot-random-L20", "unknot-random-L40", "unknot-random-L60", "unknot-random-L100")
SUITES = (*WORD_SUITES, *SCRAMBLE_SUITES)
VEC_ALGOS = ("trpo", "a2c", "ppo", "dqn")  # the batched trainers (A2C: the synchronous A3C)
ZOO_ALGOS = (*VEC_ALGOS, "maskable_ppo")  # the order: TRPO, A2C/A3C, PPO, DQN, MaskablePPO
POLICIES = ("mlp", "factored")  # the batched trainers' UnKnot networks; MaskablePPO always takes SB3's MLP
#: Options beside each trainer's defaults: vec_ppo's lr 3e-3 is tuned for its small MLP; its docstring
#: trains the other networks at 1e-4 to 1e-3.
VEC_OPTIONS: dict[tuple[str, str], dict[str, Any]] = {("ppo", "factored"): {"lr": 1e-3}}
RANDOM = "random"  # the random walker's row
TARGET = 0.80  # issue 19: the best learned agent, pure policy, on every unknot-words suite
#: A record sink (``print`` a JSON line, keep it for the page).
Sink = Callable[[dict[str, Any]], None]


def _ignore(record: dict[str, Any]) -> None:
    return None


# -- training ------------------------------------------------------------------------------------------


def curriculum(strands: Sequence[int] = STRANDS, lengths: Sequence[int] = LENGTHS) -> ScrambleMixGenerator:
    """The zoo's training instances: scrambled unknots of every (strands, length) pair, uniformly mixed."""
    return ScrambleMixGenerator(tuple(strands), tuple(lengths), MIX)


def agent_name(algo: str, policy: str) -> str:
    """The label of a zoo agent and its folder, e.g. ``trpo-mlp``; MaskablePPO is always ``maskable-ppo-mlp``."""
    return f"{algo.replace('_', '-')}-{'mlp' if algo == 'maskable_ppo' else policy}"


@contextmanager
def _with_generator(module: Any, factory: str, generator: Any) -> Iterator[None]:
    """While training, ``module.factory`` (a trainer's env factory) builds its envs with ``generator``.

    Why: the trainers build envs from ``env_kwargs``, which go into
    ``agent.json`` and must be JSON, and a generator object is not. The
    folder's card still names UnKnot-v0 and its board, so every tool loads and
    plays it; :func:`_note_curriculum` writes the generator into the card.
    """
    original = getattr(module, factory)

    def build(args: Any, *rest: Any, **kwargs: Any) -> Any:
        with_generator = dataclasses.replace(args, env_kwargs={**args.env_kwargs, "generator": generator})
        return original(with_generator, *rest, **kwargs)

    setattr(module, factory, build)
    try:
        yield
    finally:
        setattr(module, factory, original)


def _note_curriculum(folder: Path, generator: Any) -> None:
    """Say in the card's notes which instances the agent trained on (its ``env_kwargs`` cannot hold them)."""
    from rigorgym.agents.algos.saved import AgentCard

    card = AgentCard.read(folder)
    note = f"trained on {generator!r} (rigorgym.agents.protocols.unknot_zoo), not on UnKnot-v0's own generator"
    card.notes = f"{card.notes}; {note}" if card.notes else note
    card.write(folder)


def _train_vec(algo: str, steps: int, out: Path, generator: Any, options: dict[str, Any]) -> Path:
    """One batched trainer (``rigorgym.agents.algos.vec_<algo>``) on the curriculum."""
    module = importlib.import_module(f"rigorgym.agents.algos.vec_{algo}")
    options = {**options, **VEC_OPTIONS.get((algo, options["policy"]), {})}
    with _with_generator(module, "make_envs", generator):
        return Path(module.train(module.Args(env_id=ENV_ID, steps=steps, out=out, **options)))


def _train_maskable_ppo(steps: int, out: Path, generator: Any, options: dict[str, Any]) -> Path:
    """SB3's MaskablePPO (sb3-contrib, one env, its MLP) on the curriculum, through ``rigorgym.agents.train``."""
    from rigorgym.agents.algos import common
    from rigorgym.agents.train import train

    sb3 = {k: options[k] for k in ("threads", "device", "env_kwargs")}
    with _with_generator(common, "make_env", generator):
        return train(ENV_ID, "maskable_ppo", "mlp", steps, options["seed"], out, progress=False, **sb3)


def train_agent(
    algo: str,
    steps: int,
    out: Path,
    policy: str = "mlp",
    num_envs: int | None = None,
    seed: int = 1,
    threads: int = 0,
    device: str = "cpu",
    episode_steps: int = MOVE_CAP,
    generator: Any = None,
) -> dict[str, Any]:
    """Train one zoo agent for ``steps`` env steps into the new folder ``out``; return its training row.

    ``generator`` defaults to :func:`curriculum`; episodes are truncated at
    ``episode_steps`` moves, the evaluation's cap. ``num_envs`` (batched
    trainers only; None: the trainer's default) and ``policy`` (``mlp`` or
    ``factored``) do not apply to MaskablePPO, which steps one SB3 env with
    its MLP. Raises ValueError for an unknown algorithm or policy.
    """
    if algo not in ZOO_ALGOS or policy not in POLICIES:
        raise ValueError(f"algo must be one of {', '.join(ZOO_ALGOS)} and policy one of {', '.join(POLICIES)}")
    generator = curriculum() if generator is None else generator
    options: dict[str, Any] = {"policy": policy, "seed": seed, "threads": threads, "device": device,
                               "env_kwargs": {"max_episode_steps": episode_steps}}  # fmt: skip
    if num_envs is not None and algo in VEC_ALGOS:
        options["num_envs"] = num_envs
    if algo == "maskable_ppo":
        folder = _train_maskable_ppo(steps, Path(out), generator, options)
    else:
        folder = _train_vec(algo, steps, Path(out), generator, options)
    _note_curriculum(folder, generator)
    return trained_row(folder, algo, steps)


def trained_row(folder: Path, algo: str, budget: int) -> dict[str, Any]:
    """A trained folder's row: its env steps against the budget, the trainer's wall time, steps/s, solved rate.

    ``budget`` is what was asked for; a folder's own card, when it records the
    trainer's ``steps`` argument, says better (a zoo re-evaluated later).
    """
    from rigorgym.agents.algos.saved import AgentCard

    card = AgentCard.read(folder)
    budget = int(card.algo_args.get("steps", budget))
    return {
        "agent": folder.name,
        "algo": algo,
        "trainer": card.algo,
        "policy": card.policy,
        "policy_options": card.policy_options,
        "budget": budget,
        "steps": card.steps,
        "wall_s": rounded(card.wall_s),
        "steps_per_s": rounded(card.steps / card.wall_s) if card.wall_s > 0 else None,
        "train_solved_rate": rounded(card.metrics.get("solved_rate", 0.0)),
        "folder": str(folder),
    }


# -- the random walker --------------------------------------------------------------------------------


class UniformPolicy:
    """The random walker's move: uniform over the legal actions (it has no argmax, so ``deterministic`` is moot)."""

    def act(self, obs: Any, mask: np.ndarray, deterministic: bool, rng: np.random.Generator) -> int:
        legal = np.flatnonzero(mask)
        return int(legal[rng.integers(len(legal))]) if len(legal) else 0


@dataclasses.dataclass
class RandomWalker:
    """The uniform policy in the shape of agent that :func:`.pure_policy.play` takes.

    Why not an agent folder: :func:`.pure_policy.evaluate_policy` loads
    trained weights and the walker has none. It goes through the same
    ``play`` loop as the trained agents, on the same board (UnKnot-v0's), and
    only certificates that the kernel accepts count.
    """

    name: str = RANDOM
    policy: UniformPolicy = dataclasses.field(default_factory=UniformPolicy)
    card: Any = dataclasses.field(default_factory=lambda: SimpleNamespace(env_id=ENV_ID))

    def board_for(self, env: Any) -> Any:
        return env.unwrapped

    def episode_limit(self, env: Any) -> int:
        """The env's episode length: the cap when the protocol names none (the zoo always names one)."""
        return int(env.spec.max_episode_steps)

    def accepts(self, cert: dict[str, Any]) -> bool:
        from rigorgym.verifiers import verify

        cert["meta"]["agent"] = self.name
        return bool(verify(cert).valid)


def evaluate_random(instances: Sequence[Any], protocol: Protocol, seed: int = 0) -> PolicyEvaluation:
    """The random walker under ``protocol`` on UnKnot-v0's board (the one the zoo trains on), seeds ``seed + k``."""
    import gymnasium as gym

    import rigorgym  # noqa: F401  (registers the envs)

    walker, env = RandomWalker(), gym.make(ENV_ID)
    try:
        out = PolicyEvaluation(protocol, *move_cap(walker, env, protocol))
        out.outcomes = [play(walker, env, x, protocol, seed + k) for k, x in enumerate(instances)]
    finally:
        env.close()
    return out


# -- evaluation ---------------------------------------------------------------------------------------


def evaluate_suite(
    agent: str | Path | Any, suite: str, per_suite: int, seed: int = 0, cap: int = MOVE_CAP, name: str = ""
) -> dict[str, Any]:
    """``agent`` (an agent folder, :data:`RANDOM`, or a loaded agent named ``name``) alone on a seeded sample of
    ``suite``: one row.

    The protocol is ``Protocol(attempts=1, deterministic=True,
    max_moves=cap)``: one greedy episode per instance (instance k reset
    with seed ``seed + k``). ``moves`` lists, in ``ids`` order, the length of
    each accepted certificate (None: unsolved).
    """
    from rigorgym.envs.unknot.types import BraidInstance

    rows = sample(suite, per_suite, seed)
    instances = [BraidInstance.from_instance(x) for x in rows]
    protocol = Protocol(attempts=1, deterministic=True, max_moves=cap)
    start = time.perf_counter()
    if isinstance(agent, str) and agent == RANDOM:
        evaluation = evaluate_random(instances, protocol, seed)
    else:
        evaluation = evaluate_policy(ENV_ID, instances, agent, protocol, seed)
    summary = evaluation.summary()
    return {
        "agent": name or (RANDOM if str(agent) == RANDOM else Path(agent).name),
        "suite": suite,
        "instances": summary["instances"],
        "solved": summary["solved"],
        "solved_fraction": rounded(summary["solved_fraction"]),
        "ci95": wilson(summary["solved"], summary["instances"]),
        "mean_moves": None if summary["mean_moves"] is None else rounded(summary["mean_moves"]),
        "verified": summary["verified"],
        "unfit": summary["unfit"],
        "mean_length": rounded(statistics.fmean(len(x.word) for x in instances)),
        "strands": max(x.strands for x in instances),
        "move_cap": summary["protocol"]["move_cap"],
        "seconds": rounded(time.perf_counter() - start),
        "ids": [x["id"] for x in rows],
        "moves": [o.moves for o in evaluation.outcomes],
    }


def run_zoo(
    budgets: Mapping[str, int],
    suites: Sequence[str],
    per_suite: int,
    work: Path,
    policy: str = "mlp",
    num_envs: int | None = None,
    seed: int = 1,
    threads: int = 0,
    device: str = "cpu",
    cap: int = MOVE_CAP,
    skip_training: bool = False,
    on_record: Sink = _ignore,
) -> dict[str, Any]:
    """Train each algorithm of ``budgets`` (env steps) into ``work/NAME``, then play it and the walker on ``suites``.

    With ``skip_training`` the folders already in ``work`` are read instead
    (ValueError when one is missing). Returns ``training`` (rows of
    :func:`trained_row`), ``agents`` (the walker first), ``suites`` (natural
    order) and ``results`` (rows of :func:`evaluate_suite`); every row also
    goes to ``on_record`` as it is made.
    """
    training = []
    for algo, steps in budgets.items():
        folder = work / agent_name(algo, policy)
        if skip_training:
            if not (folder / "agent.json").is_file():
                raise ValueError(f"--skip-training: no trained agent in {folder}")
            row = trained_row(folder, algo, steps)
        else:
            row = train_agent(algo, steps, folder, policy, num_envs, seed, threads, device, cap)
        training.append(row)
        on_record({"bench": "unknot_zoo_train", **row})
    agents = [RANDOM, *(row["agent"] for row in training)]
    ordered = sorted(suites, key=natural_key)
    results = []
    for suite in ordered:
        for agent in agents:
            row = evaluate_suite(RANDOM if agent == RANDOM else work / agent, suite, per_suite, seed, cap)
            results.append(row)
            on_record({"bench": "unknot_zoo", **{k: v for k, v in row.items() if k not in ("ids", "moves")}})
    return {"training": training, "agents": agents, "suites": ordered, "results": results}


def targets(results: Sequence[Mapping[str, Any]], agents: Sequence[str]) -> list[tuple[str, str, bool]]:
    """Issue 19's two lines, as (target, measured, holds), over the suites that were evaluated.

    1. The best learned agent (highest lowest solved fraction over the
       ``unknot-words-*`` suites) solves at least :data:`TARGET` of each.
    2. Every TRPO agent solves strictly more than the random walker on every suite.
    """
    by = {(r["agent"], r["suite"]): r["solved_fraction"] for r in results}
    suites = list(dict.fromkeys(r["suite"] for r in results))
    words = [s for s in suites if s in WORD_SUITES]
    learned = [a for a in agents if a != RANDOM]
    out = []
    if words and learned:
        worst = {a: min(by[a, s] for s in words) for a in learned}
        best = max(learned, key=lambda a: worst[a])
        lowest = min(words, key=lambda s: by[best, s])
        out.append((f"pure policy: the best learned agent solves >= {TARGET:.0%} of every unknot-words suite "
                    f"evaluated ({len(words)}), L96 included",
                    f"{best}: lowest {by[best, lowest]:.0%} ({lowest})", worst[best] >= TARGET))  # fmt: skip
    for trpo in (a for a in learned if a.startswith("trpo-")):
        lost = [s for s in suites if by[trpo, s] <= by[RANDOM, s]]
        measured = "beats it on all" if not lost else f"not ahead on {len(lost)}: " + ", ".join(lost)
        out.append((f"{trpo} beats the random walker on every suite evaluated ({len(suites)})", measured, not lost))
    return out


__all__ = [
    "MOVE_CAP",
    "RANDOM",
    "SUITES",
    "ZOO_ALGOS",
    "RandomWalker",
    "UniformPolicy",
    "agent_name",
    "curriculum",
    "evaluate_random",
    "evaluate_suite",
    "run_zoo",
    "targets",
    "train_agent",
    "trained_row",
]
