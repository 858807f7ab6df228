"""The macro policy: a learned choice among ``guided``'s macro moves, played alone (no search, no restarts).

Why: a policy over UnKnot-v0's ~2,000 primitive moves has to learn long runs
of commutations before anything visible happens, and the best such policy
solves 0–65% of the random unknot word suites (docs/results/unknot-zoo.md).
The guided search already knows the moves worth making, its *macros*
(:mod:`.unknot_search`: handle reductions, braid relations, exchange moves,
each followed by the same normalization of cancellations and
destabilizations). Here a policy decides among them, one macro at a time,
and never looks back:

    π(s) = argmin over the macro successors s' of s of  V(s')

with ``V`` a value net (:mod:`.unknot_value`; its softmax ranking loss makes
``softmax(-V)`` over a state's successors a policy, and :func:`choose`
samples from it when not deterministic). That is one greedy episode: no
state is expanded twice, nothing is undone, nothing is remembered but the
macro in progress. The macros and the normalization are hand-written (the
same code as ``guided``); what is learned is which macro to make, about
5–10 decisions per solved braid of 40 letters, each followed by tens of
kernel moves. Reported as such beside the flat policies.

:class:`MacroActingPolicy` is the :class:`~.algos.saved.ActingPolicy`
face (one env action per call, as the papers' protocol plays
:mod:`.protocols.pure_policy`), and :class:`MacroAgent` the agent that
protocol takes for a value folder. :func:`rollout` plays the same policy on
plain tuples (training and quick checks), move for move the same episode.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from .unknot_search import Op, Scorer, SearchConfig, State, Tape, canonical, normalize, successors, to_kernel

#: Macros per episode at most (a solved 100-letter braid takes about 20).
MAX_MACROS = 400


def _bound(n: int, w: Sequence[int], cfg: SearchConfig) -> int:
    """Longest word a macro may make from ``(n, w)``: the state's own size plus the slack (no memory)."""
    return min(cfg.max_length, len(w) + 2 * n + cfg.slack)


def choose(
    n: int,
    w: Sequence[int],
    scorer: Scorer,
    cfg: SearchConfig,
    rng: np.random.Generator | None = None,
    temperature: float = 1.0,
    tabu: set[State] | None = None,
    move_weight: float = 0.0,
) -> tuple[int, tuple[int, ...], list[Op]] | None:
    """The macro successor the policy makes from a normalized ``(n, w)`` (None when there is none).

    ``rng`` None: the argmin of the value (ties: the first, in :func:`successors`' order);
    otherwise a sample from ``softmax(-V / temperature)``. With ``tabu``, the braids already
    reached this episode (up to rotation): ``(n, w)`` is added to it and no successor in it is made.
    ``move_weight`` adds that much per kernel move of the macro to its value (prefer cheap macros: the
    protocol caps an episode's kernel moves).
    """
    kids = [(n2, tuple(w2), ops) for n2, w2, ops in successors(n, tuple(w), cfg, _bound(n, w, cfg))]
    if tabu is not None:
        tabu.add(canonical(n, w))
        kids = [k for k in kids if canonical(k[0], k[1]) not in tabu]
    if not kids:
        return None
    values = np.asarray(scorer([(a, b) for a, b, _ in kids]), np.float64)
    if move_weight:
        values = values + move_weight * np.array([len(ops) for _, _, ops in kids], np.float64)
    if rng is None:
        return kids[int(np.argmin(values))]
    z = -(values - values.min()) / temperature
    p = np.exp(z)
    return kids[int(rng.choice(len(kids), p=p / p.sum()))]


@dataclass
class Episode:
    """One episode of the macro policy on plain tuples: the states after each macro and the kernel moves."""

    states: list[State] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)
    solved: bool = False


def rollout(
    n: int,
    word: Sequence[int],
    scorer: Scorer,
    cfg: SearchConfig,
    max_moves: int | None = None,
    rng: np.random.Generator | None = None,
    tabu: bool = True,
    move_weight: float = 0.0,
    deadline: float | None = None,
) -> Episode:
    """Play the policy from ``(n, word)`` until the trivial braid, a dead end, or ``max_moves`` kernel moves.

    ``tabu``: the policy never makes a braid it has reached before in the episode (the shipped policy);
    off, it is memoryless and may cycle (until the move cap). ``deadline`` (``time.perf_counter()``) ends the
    episode unsolved when passed (a search's wall-clock budget).
    """
    seen: set[State] | None = set() if tabu else None
    tape = Tape(n, word)
    normalize(tape, cfg.max_length)
    ep = Episode([(tape.n, tuple(tape.w))], list(tape.ops))
    cap = math.inf if max_moves is None else max_moves
    while len(ep.ops) <= cap and len(ep.states) <= MAX_MACROS:
        n, w = ep.states[-1]
        if n == 1 and not w:
            ep.solved = True
            break
        if deadline is not None and time.perf_counter() > deadline:
            break
        step = choose(n, w, scorer, cfg, rng, tabu=seen, move_weight=move_weight)
        if step is None:
            break
        ep.states.append((step[0], step[1]))
        ep.ops.extend(step[2])
    ep.solved = ep.solved and len(ep.ops) <= cap
    return ep


def _replay(n: int, w: Sequence[int], ops: Sequence[Op]) -> list[State]:
    """The braid before each of ``ops`` (the kernel's moves, replayed on a tape)."""
    tape = Tape(n, w)
    before: list[State] = []
    for name, a, b in ops:
        before.append((tape.n, tuple(tape.w)))
        if name in ("cancel", "commute", "braid"):
            getattr(tape, name)(a)
        elif name == "rotate":
            tape.rotate(a)
        elif name == "insert":
            tape.insert(a, b)
        elif name == "stabilize":
            tape.stabilize(a)
        else:
            tape.destabilize()
    return before


def decode(obs: Any) -> State:
    """``(strands, word)`` of an UnKnot-v0 observation (flat ``[n, word..., 0...]`` or the dict form)."""
    if isinstance(obs, dict):
        length = int(np.asarray(obs["length"]).reshape(-1)[0])
        return int(np.asarray(obs["strands"]).reshape(-1)[0]), tuple(int(x) for x in obs["word"][:length])
    row = np.asarray(obs).reshape(-1)
    word = row[1:]
    return int(row[0]), tuple(int(x) for x in word[word != 0])


@dataclass
class MacroActingPolicy:
    """The macro policy as an :class:`~.algos.saved.ActingPolicy` on one UnKnot-v0 board.

    Each call returns one kernel move as the board's action index. When no
    macro is in progress (or the observation is not the one the macro in
    progress expects, e.g. after a reset) it normalizes and picks the next
    macro from the observed braid, and queues its moves. The board's size
    bounds the macros (no word longer, no more strands than it holds).
    """

    scorer: Scorer
    max_length: int
    max_strands: int
    config: SearchConfig = field(default_factory=SearchConfig)
    #: Never make a braid reached before in the episode (see :func:`rollout`).
    tabu: bool = True
    #: Value added per kernel move of a macro (:func:`choose`).
    move_weight: float = 0.0
    _queue: list[tuple[State, int]] = field(default_factory=list, init=False, repr=False)
    _seen: set[State] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        from rigorgym.envs.unknot.actions import ActionLayout

        self.layout = ActionLayout(self.max_length, self.max_strands)
        self.config = replace(self.config, max_length=self.max_length, max_strands=self.max_strands)

    def plan(self, n: int, w: Sequence[int], rng: np.random.Generator | None) -> list[Op]:
        """The kernel moves of the next step from ``(n, w)``: its normalization, then one chosen macro."""
        tape = Tape(n, w)
        normalize(tape, self.config.max_length)
        if tape.ops or (tape.n == 1 and not tape.w):
            return tape.ops
        tabu = self._seen if self.tabu else None
        step = choose(tape.n, tape.w, self.scorer, self.config, rng, tabu=tabu, move_weight=self.move_weight)
        return [] if step is None else step[2]

    def reset(self) -> None:
        """Forget the macro in progress and the braids reached (a new episode)."""
        self._queue = []
        self._seen = set()

    def act(self, obs: Any, mask: np.ndarray, deterministic: bool, rng: np.random.Generator) -> int:
        state = decode(obs)
        if not self._queue or self._queue[0][0] != state:
            ops = self.plan(*state, None if deterministic else rng)
            before = _replay(*state, ops)
            self._queue = [(b, self.layout.from_move(to_kernel(op))) for b, op in zip(before, ops, strict=True)]
        if self._queue and mask[self._queue[0][1]]:
            return self._queue.pop(0)[1]
        self._queue = []
        legal = np.flatnonzero(mask)  # a dead end: any legal move (the episode will run out of moves)
        return int(legal[0]) if legal.size else 0


@dataclass
class MacroAgent:
    """A value folder played by the papers' protocol (:func:`.protocols.pure_policy.play`) as a macro policy.

    ``folder`` ``"hand"`` plays the hand value instead (the ablation: nothing learned), and ``"random"``
    the random macro walker (a uniform choice among the successors, from ``default_rng(seed)``): the
    baseline of a policy over macros, as the random walker over kernel moves is of the flat policies.
    """

    folder: Path
    name: str = ""
    episode_steps: int | None = None
    tabu: bool = True
    #: None: the value folder's ``move_weight`` (its card; 0 when it has none or for ``hand``).
    move_weight: float | None = None
    seed: int = 0
    card: Any = field(init=False)
    _scorer: Scorer | None = field(default=None, init=False, repr=False)
    _policies: dict[tuple[int, int], MacroActingPolicy] = field(default_factory=dict, init=False, repr=False)
    _board: gym.Env[Any, Any] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        from types import SimpleNamespace

        from .unknot_features import hand_value
        from .unknot_value import load_value

        kind = str(self.folder) if str(self.folder) in ("hand", "random") else "value"
        self.folder = Path(self.folder)
        self.name = self.name or str(self.folder)
        net = load_value(self.folder) if kind == "value" else None
        if kind == "random":
            rng = np.random.default_rng(self.seed)
            self._scorer = lambda states: rng.random(len(states)).tolist()
        else:
            self._scorer = hand_value if net is None else net.score
        if self.move_weight is None:
            self.move_weight = 0.0 if net is None else float(net.card.get("move_weight", 0.0))
        self.card = SimpleNamespace(env_id="UnKnot-v0", env_kwargs={})

    @property
    def policy(self) -> MacroActingPolicy:
        """The acting policy for the board last given to :meth:`board_for`."""
        game = self._board
        if game is None:
            raise RuntimeError("call board_for(env) first: the policy moves on that board")
        key = (game.layout.max_length, game.layout.max_strands)
        if key not in self._policies:
            assert self._scorer is not None
            self._policies[key] = MacroActingPolicy(
                self._scorer, *key, tabu=self.tabu, move_weight=self.move_weight or 0.0
            )
        return self._policies[key]

    def board_for(self, env: gym.Env[Any, Any]) -> gym.Env[Any, Any]:
        """Any UnKnot-v0 board: the policy reads braids, not a fixed observation size."""
        game = env.unwrapped
        if getattr(game, "layout", None) is None:
            raise TypeError("the macro policy plays UnKnot-v0 boards")
        self._board = game
        return game

    def episode_limit(self, env: gym.Env[Any, Any]) -> int:
        if self.episode_steps:
            return self.episode_steps
        spec = env.spec or gym.spec("UnKnot-v0")
        return int(spec.max_episode_steps or 1000)

    def accepts(self, cert: dict[str, Any]) -> bool:
        """Whether the kernel accepts ``cert`` (signed by this agent)."""
        from rigorgym.verifiers import verify

        cert["meta"]["agent"] = self.name
        return bool(verify(cert).valid)


@dataclass
class MacroSampler:
    """``macro-sample``: the macro policy as a search, one greedy episode then sampled restarts (tabu each).

    Why a search from a policy: a best-first search spends its budget where its value
    is flat, while independent episodes of a stochastic policy explore different
    routes; each restart succeeds with the policy's own probability, which is what
    TRPO on the macro policy raises (:mod:`.algos.macro_trpo`). ``value``:
    ``"hand"``, or a value folder (its ``hand_weight`` and ``move_weight`` apply).
    Episodes are sampled from ``softmax(-score / temperature)`` with
    ``default_rng(seed)``; a ``max_expansions`` budget counts macro decisions over
    all episodes (deterministic runs), the wall clock stops it otherwise.
    """

    name: str = "macro-sample"
    value: str = "hand"
    temperature: float = 1.0
    LIMITS: ClassVar[tuple[str, ...]] = ("max_expansions",)
    _scorer: Scorer | None = field(default=None, init=False, repr=False)
    _move_weight: float = field(default=0.0, init=False, repr=False)

    def scorer(self) -> Scorer:
        if self._scorer is None:
            from .unknot_features import hand_value

            if self.value == "hand":
                self._scorer = hand_value
            else:
                from .unknot_value import load_value

                net = load_value(self.value)
                self._scorer, self._move_weight = net.score, float(net.card.get("move_weight", 0.0))
        return self._scorer

    def solve(self, env: gym.Env[Any, Any], instance: Any, budget_s: Any, seed: int) -> Any:
        from .base import SolveResult, as_budget
        from .unknot_search import braid_board, replay_certificate

        start = time.perf_counter()
        budget = as_budget(budget_s)
        inst, game, layout = braid_board(env, instance, "macro-sample")
        cfg = SearchConfig(max_length=layout.max_length, max_strands=layout.max_strands)
        score = self.scorer()
        scaled: Scorer = score if self.temperature == 1.0 else (lambda s: [v / self.temperature for v in score(s)])
        rng = np.random.default_rng(seed)
        decisions = episodes = 0
        cap = budget.max_expansions
        ep: Episode | None = None
        while time.perf_counter() - start < budget.seconds and (cap is None or decisions < cap):
            ep = rollout(inst.strands, inst.word, scaled, cfg, None, None if episodes == 0 else rng,
                         move_weight=self._move_weight / self.temperature, deadline=start + budget.seconds)  # fmt: skip
            episodes += 1
            decisions += len(ep.states) - 1
            if ep.solved:
                break
        extra = {"episodes": episodes, "decisions": decisions, "value": self.value}
        if ep is None or not ep.solved:
            return SolveResult(None, time.perf_counter() - start, 0, extra)
        cert = replay_certificate(game, layout, inst, [to_kernel(op) for op in ep.ops], seed, self.name)
        return SolveResult(cert, time.perf_counter() - start, len(ep.ops), extra)


__all__ = ["MAX_MACROS", "MacroSampler", "Episode", "MacroActingPolicy", "MacroAgent", "choose", "decode", "rollout"]
