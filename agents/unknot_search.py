"""``guided``: best-first search over braid words by macro moves, ranked by a learned value.

Why macros: the kernel's moves (docs/design.md §2.1) are tiny, and most of them
(commutations, rotations, insertions anywhere) lead nowhere. The search here
moves in bigger, purposeful steps, each one a short run of kernel moves:

- a *handle* ``σ_k^e W σ_k^-e`` or ``σ_k^e W σ_k^e`` (two cyclically
  consecutive letters on generator ``k``, where ``W`` holds no ``σ_k`` and
  only one neighbouring generator ``m = k ± 1``) is rewritten so that the
  count of ``σ_k`` drops: with no ``m`` letter the pair cancels; with one
  it is a braid relation (same-sign ``aba → bab``, or a mixed-sign one
  ``a^e b^d a^-e → b^-e a^d b^e`` = insert + braid + cancel); with ``c ≥ 2``
  ``m`` letters of one sign it is Dehornoy's handle reduction, which grows
  the word by ``2(c - 1)`` (allowed only up to a length bound);
- an *exchange move* (Birman–Menasco) when the top generator occurs twice
  with opposite signs: a stabilization, six braid relations and a
  destabilization;
- a *conjugation* by a generator (insert + rotate), a growth move;
- after every macro the word is *normalized*: commuting cancellations are
  made; whenever the top generator ``σ_{n-1}`` occurs once it is rotated to
  the end and destabilized, and whenever ``σ_1`` occurs once the braid is
  conjugated by ``σ_1 ... σ_{n-1}`` so that it can be destabilized too.

Birman–Menasco's theorem (closed braids of the unknot simplify by exchange
moves, braid isotopy and destabilizations, without stabilizing) is why the
search never stabilizes except inside an exchange move.

States (words up to rotation) are ranked by a value: the small torch net of
:mod:`.unknot_value` by default, or, in the ablation (``value="hand"``), the
hand heuristic ``length + 2 (strands - 1) + (top count - 1)``. The search
runs on plain tuples; the path found is compiled to kernel moves and played
through the env, which writes the certificate (and the runner re-verifies it
with the kernel). Written by hand: no library searches braid words.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import gymnasium as gym
from rigorgym.envs.unknot.types import BraidInstance
from rigorgym.verifiers.braid import Braid

from .base import Budget, SolveResult, as_budget
from .unknot_features import hand_value, top_count  # noqa: F401  (top_count re-exported; shared with the value net)

Word = tuple[int, ...]
State = tuple[int, Word]
#: A kernel move in compact form: (op, a, b); expanded to §2.1 JSON by :func:`to_kernel`.
Op = tuple[str, int, int]
#: A macro: (kind, position of x, position of y, extra) on the word it applies to.
Macro = tuple[str, int, int, int]
#: Ranks a batch of states; lower is closer to the unknot.
Scorer = Callable[[Sequence[State]], list[float]]


def to_kernel(op: Op) -> dict[str, Any]:
    """The §2.1 JSON of a compact move."""
    name, a, b = op
    if name in ("cancel", "commute", "braid"):
        return {"op": name, "i": a}
    if name == "rotate":
        return {"op": "rotate", "k": a}
    if name == "insert":
        return {"op": "insert", "i": a, "g": b}
    if name == "stabilize":
        return {"op": "stabilize", "sign": a}
    return {"op": "destabilize"}


class Tape:
    """A braid being rewritten by kernel moves, recording them (a plain list: the search's hot path).

    Each method does exactly what the kernel's move does (no wrap-around:
    callers rotate first), so that the recorded moves replay to the same word.
    """

    __slots__ = ("n", "w", "ops", "peak")

    def __init__(self, n: int, word: Sequence[int]) -> None:
        self.n = n
        self.w = list(word)
        self.ops: list[Op] = []
        self.peak = len(self.w)  # the longest word on the way: the env must hold it

    def rotate(self, k: int) -> None:
        if k % len(self.w):
            k %= len(self.w)
            self.w = self.w[k:] + self.w[:k]
            self.ops.append(("rotate", k, 0))

    def commute(self, i: int) -> None:
        w = self.w
        w[i], w[i + 1] = w[i + 1], w[i]
        self.ops.append(("commute", i, 0))

    def braid(self, i: int) -> None:
        w = self.w
        w[i], w[i + 1], w[i + 2] = w[i + 1], w[i], w[i + 1]
        self.ops.append(("braid", i, 0))

    def cancel(self, i: int) -> None:
        del self.w[i : i + 2]
        self.ops.append(("cancel", i, 0))

    def insert(self, i: int, g: int) -> None:
        self.w[i:i] = [g, -g]
        self.ops.append(("insert", i, g))
        self.peak = max(self.peak, len(self.w))

    def stabilize(self, sign: int) -> None:
        self.w.append(sign * self.n)
        self.n += 1
        self.ops.append(("stabilize", sign, 0))
        self.peak = max(self.peak, len(self.w))

    def destabilize(self) -> None:
        self.w.pop()
        self.n -= 1
        self.ops.append(("destabilize", 0, 0))

    def slide_right(self, src: int, dst: int) -> None:
        """Move the letter at ``src`` right to ``dst`` by commutations (the caller checks they commute)."""
        for q in range(src, dst):
            self.commute(q)

    def slide_left(self, src: int, dst: int) -> None:
        """Move the letter at ``src`` left to ``dst`` by commutations."""
        for q in range(src - 1, dst - 1, -1):
            self.commute(q)

    def conjugate_triple(self, i: int) -> None:
        """``(x, m, x^-1)`` at ``i`` → ``(m'^-e, k^d, m'^e)``: the mixed-sign braid relation as kernel moves.

        With ``x = σ_k^e`` and ``m = σ_j^d`` (``|j - k| = 1``):
        ``σ_k^e σ_j^d σ_k^-e = σ_j^-e σ_k^d σ_j^e``. It is insert + braid +
        cancel (the kernel's braid move needs one sign).
        """
        x, m = self.w[i], self.w[i + 1]
        e, d, j = (1 if x > 0 else -1), (1 if m > 0 else -1), abs(m)
        if d == e:
            self.insert(i, -e * j)  # σ_j^-e σ_j^e x m x^-1
            self.braid(i + 1)  # σ_j^-e x m x x^-1
            self.cancel(i + 3)
        else:
            self.insert(i + 3, -e * j)  # x m x^-1 σ_j^-e σ_j^e
            self.braid(i + 1)  # x x^-1 m' x^-1 σ_j^e
            self.cancel(i)


def exchange(tape: Tape, i: int) -> None:
    """Birman–Menasco's exchange move ``s^e B s^-e A → s^-e B s^e A`` (``s = σ_{n-1}``, ``A, B`` below it).

    The two letters on the top generator are at ``i`` and later; the move is
    a stabilization, six braid relations and a destabilization (found by a
    breadth-first search over blocks ``A``, ``B`` that commute with the new
    generator ``t = σ_n``). Closed braids of the unknot simplify by exchange
    moves and destabilizations without growing the braid index.
    """
    n = tape.n
    tape.rotate(i)
    w = tape.w
    j = next(q for q in range(1, len(w)) if abs(w[q]) == n - 1)
    e = _sign(w[0])
    s = e * (n - 1)
    bl, size = j - 1, len(w)
    a = size - bl - 2
    tape.rotate(bl + 2)  # A s B S
    tape.insert(size - 1, s)  # A s B s S S
    tape.rotate(size)  # S S A s B s
    tape.stabilize(e)  # S S A s B s t
    tape.rotate(size + 1)  # s t S S A s B
    tape.conjugate_triple(0)  # T s t S A s B
    tape.conjugate_triple(1)  # T T s t A s B
    tape.slide_right(3, 3 + a)  # T T s A t s B
    size = len(tape.w)
    tape.rotate(size - bl)  # B T T s A t s
    tape.slide_left(bl, 0)  # T B T s A t s
    tape.rotate(size - 2)  # t s T B T s A
    tape.conjugate_triple(0)  # S t s B T s A
    tape.slide_left(3 + bl, 3)  # S t s T B s A
    tape.conjugate_triple(1)  # S S t s B s A
    tape.rotate(3)  # s B s A S S t
    tape.destabilize()  # s B s A S S
    tape.rotate(len(tape.w) - 1)  # S s B s A S
    tape.cancel(0)  # B s A S


def shift_down(tape: Tape) -> None:
    """Destabilize at the bottom: ``W σ_1^e`` with ``W`` in ``σ_2..σ_{n-1}`` becomes a braid on ``n - 1`` strands.

    The kernel destabilizes only at the top, so the word is conjugated by
    ``δ = σ_1 ... σ_{n-1}`` (``δ^-1 σ_i δ = σ_{i-1}``): ``δ^-1`` is pushed
    through ``W`` letter by letter (one braid relation each), the leftover
    ``δ^-1 σ_1^e δ`` is rewritten by ``n - 2`` mixed braid relations to hold
    ``σ_{n-1}`` once, and that letter is destabilized. The word grows by
    ``2n - 5`` letters.
    """
    n, w = tape.n, tape.w
    tape.rotate(next(q for q, x in enumerate(w) if abs(x) == 1) + 1)  # W σ_1^e
    e = _sign(tape.w[-1])
    for g in range(1, n):
        tape.insert(g - 1, g)  # δ δ^-1 W σ_1^e
    tape.rotate(n - 1)  # δ^-1 W σ_1^e δ, δ^-1 = σ_{n-1}^-1 ... σ_1^-1
    size = len(tape.w) - 2 * (n - 1) - 1
    for p in range(size):
        x = tape.w[p + n - 1]
        i = abs(x)
        q0 = p + n - 1 - i  # where σ_i^-1 σ_{i-1}^-1 sit in δ^-1
        tape.slide_left(p + n - 1, q0 + 2)
        if x < 0:
            tape.braid(q0)
        else:
            tape.conjugate_triple(q0)
        tape.slide_left(q0, p)
    p = size
    tape.cancel(p + n - 2 if e > 0 else p + n - 1)
    c0 = p + n - 2
    for k in range(2, n):
        tape.slide_right(c0 - (k - 1), c0 - 1)
        tape.slide_left(c0 + (k - 1), c0 + 1)
        tape.conjugate_triple(c0 - 1)
    tape.rotate(c0 + 1)
    tape.destabilize()


def _sign(x: int) -> int:
    return 1 if x > 0 else -1


def handles(n: int, w: Word, max_inner: int) -> Iterator[Macro]:
    """Every handle macro of the cyclic word ``w`` (see the module docstring).

    A macro ``(kind, i, j, c)``: letters ``w[i]`` and ``w[j]`` (``j`` cyclically
    after ``i``) on one generator ``k``; ``kind`` is ``"cancel"`` (inverse
    letters, nothing in between that fails to commute), ``"mixed"`` (inverse
    letters around ``c`` letters ``m^d`` of one sign, ``c <= max_inner``) or
    ``"braid"`` (equal letters around one ``m`` letter of the same sign).
    """
    length = len(w)
    if length < 2:
        return
    where: dict[int, list[int]] = {}
    for p, x in enumerate(w):
        where.setdefault(abs(x), []).append(p)
    for k, occ in where.items():
        if len(occ) < 2:
            continue
        for t, i in enumerate(occ):
            j = occ[(t + 1) % len(occ)]
            x, y = w[i], w[j]
            inner, gen, sign, ok = 0, 0, 0, True
            q = (i + 1) % length
            while q != j:
                a = abs(w[q])
                if a == k - 1 or a == k + 1:
                    s = _sign(w[q])
                    if inner and (a != gen or s != sign):
                        ok = False
                        break
                    inner, gen, sign = inner + 1, a, s
                q = (q + 1) % length
            if not ok:
                continue
            if y == -x:
                if inner == 0:
                    yield ("cancel", i, j, 0)
                elif inner <= max_inner:
                    yield ("mixed", i, j, inner)
            elif inner == 1 and sign == _sign(x):
                yield ("braid", i, j, 1)


def _inner_positions(w: list[int], start: int, stop: int, k: int) -> list[int]:
    """Positions in ``start..stop-1`` of letters on a neighbour of generator ``k``."""
    return [q for q in range(start, stop) if abs(abs(w[q]) - k) == 1]


def apply_macro(tape: Tape, macro: Macro) -> None:
    """Rewrite ``tape`` by ``macro`` (from :func:`handles` or a conjugation), recording kernel moves."""
    kind, i, j, c = macro
    if kind == "conjugate":
        # g w g^-1 with g = c: insert (g^-1, g) at 0... then rotate the leading g^-1 to the end.
        tape.insert(0, c)
        tape.rotate(1)
        return
    if j < i:  # the handle wraps around the end: x to position 0 (one rotation)
        tape.rotate(i)
        i, j = 0, (j - i) % len(tape.w)
    k = abs(tape.w[i])
    if kind == "cancel":
        tape.slide_left(j, i + 1)
        tape.cancel(i)
        return
    if kind == "braid":
        (p,) = _inner_positions(tape.w, i + 1, j, k)
        tape.slide_right(i, p - 1)
        tape.slide_left(j, p + 1)
        tape.braid(p - 1)
        return
    # "mixed": Dehornoy's handle reduction, one inner letter at a time.
    x = tape.w[i]
    pos = i
    for t in range(c):
        p = _inner_positions(tape.w, pos + 1, len(tape.w), k)[0]
        tape.slide_right(pos, p - 1)
        if t < c - 1:
            tape.insert(p + 1, -x)  # x m x^-1 x ...: the handle on this m, then carry x on
            tape.conjugate_triple(p - 1)
            pos = p + 2
        else:
            # every earlier step added two letters before the closing letter y
            tape.slide_left(j + 2 * (c - 1), p + 1)
            tape.conjugate_triple(p - 1)


def cancel_nearest(tape: Tape, cancels: Sequence[Macro]) -> None:
    """Make the cancellation whose letters are closest (fewest commutations), in place when it does not wrap.

    Why the nearest: cancelling a pair first shortens every pair around it, so
    innermost-first costs the fewest kernel moves.
    """
    length = len(tape.w)
    _, i, j, _ = min(cancels, key=lambda m: ((m[2] - m[1]) % length, m[1]))
    apply_macro(tape, ("cancel", i, j, 0))


def normalize(tape: Tape, max_length: int = 10_000) -> None:
    """Make every commuting cancellation and every destabilization (top, or bottom by :func:`shift_down`).

    All of them are progress: fewer letters, or fewer strands (Birman–Menasco:
    the unknot needs no growth of the braid index).
    """
    while True:
        w = tape.w
        if tape.n >= 2:
            top = [p for p, x in enumerate(w) if abs(x) == tape.n - 1]
            if len(top) == 1:
                tape.rotate(top[0] + 1)
                tape.destabilize()
                continue
        cancels = [m for m in handles(tape.n, tuple(w), 0) if m[0] == "cancel"]
        if cancels:
            cancel_nearest(tape, cancels)
            continue
        if tape.n >= 3 and len(w) + 2 * tape.n <= max_length and sum(1 for x in w if abs(x) == 1) == 1:
            shift_down(tape)
            continue
        return


def canonical(n: int, w: Sequence[int]) -> State:
    """The state up to rotation (Booth's least rotation): conjugate words are one state to the search."""
    length = len(w)
    if length < 2:
        return n, tuple(w)
    s = list(w) + list(w)
    fail = [-1] * len(s)
    k = 0
    for j in range(1, len(s)):
        sj = s[j]
        i = fail[j - k - 1]
        while i != -1 and sj != s[k + i + 1]:
            if sj < s[k + i + 1]:
                k = j - i - 1
            i = fail[i]
        if i == -1 and sj != s[k + i + 1]:
            if sj < s[k + i + 1]:
                k = j
            fail[j - k] = -1
        else:
            fail[j - k] = i + 1
    return n, tuple(s[k : k + length])


@dataclass
class SearchConfig:
    """The knobs of :func:`guided_search` (defaults as benchmarked)."""

    #: Most inner letters of a growing handle reduction (``c`` above); 1 means never grow by handles.
    max_inner: int = 3
    #: Growth allowed above the shortest word seen so far, in letters.
    slack: int = 8
    #: Weight of the path cost (macros so far) next to the value: 0 is greedy best-first.
    path_weight: float = 0.05
    #: Conjugations by single generators as successors (growth by 2; off: they cost more than they find).
    conjugations: bool = False
    #: Exchange moves when the top generator occurs twice with opposite signs.
    exchanges: bool = True
    #: Stop after this many expansions (None: only the clock stops it), for deterministic runs.
    max_expansions: int | None = None
    #: Largest word (letters) and strand count the env can hold: the search stays inside.
    max_length: int = 10_000
    max_strands: int = 127


@dataclass
class SearchOutcome:
    """A path of kernel moves (None if none was found) and the effort spent."""

    moves: list[dict[str, Any]] | None
    expansions: int
    states: int
    #: The exact braids after each macro on the path found (start, normalized, first): training data.
    path: list[State] = field(default_factory=list)


def successors(n: int, w: Word, cfg: SearchConfig, bound: int) -> Iterator[tuple[int, Word, list[Op]]]:
    """The normalized results of every macro on ``(n, w)`` that stays within ``bound`` letters."""
    macros: list[Macro] = [m for m in handles(n, w, cfg.max_inner) if m[0] != "cancel"]
    if cfg.conjugations and len(w) + 2 <= bound:
        macros += [("conjugate", 0, 0, s * g) for g in range(1, n) for s in (1, -1)]
    top = [p for p, x in enumerate(w) if abs(x) == n - 1]
    if cfg.exchanges and n < cfg.max_strands and len(top) == 2 and w[top[0]] == -w[top[1]]:
        macros.append(("exchange", top[0], top[1], 0))
    for macro in macros:
        if macro[0] == "mixed" and len(w) + 2 * (macro[3] - 1) > bound:
            continue
        tape = Tape(n, w)
        if macro[0] == "exchange":
            exchange(tape, macro[1])
        else:
            apply_macro(tape, macro)
        normalize(tape, cfg.max_length)
        if len(tape.w) <= bound and tape.peak <= cfg.max_length:
            yield tape.n, tuple(tape.w), tape.ops


def guided_search(start: Braid, scorer: Scorer, budget_s: float, cfg: SearchConfig) -> SearchOutcome:
    """Best-first search from ``start`` to the trivial braid on one strand; kernel moves of the path found.

    A state is a word up to rotation; the moves that reached it are kept with
    the exact (rotated) word they produced, so the path replays move for move.
    """
    deadline = time.perf_counter() + budget_s
    tape = Tape(start.strands, start.word)
    normalize(tape, cfg.max_length)
    first: State = (tape.n, tuple(tape.w))
    # parent: canonical state -> (parent canonical state, exact word reached, ops from the parent's exact word)
    parent: dict[State, tuple[State | None, State, list[Op]]] = {canonical(*first): (None, first, tape.ops)}
    tie = itertools.count()
    heap: list[tuple[float, int, int, State]] = [(0.0, next(tie), 0, canonical(*first))]
    shortest = len(first[1]) + 2 * first[0]
    expansions = 0
    while heap:
        _, _, depth, key = heapq.heappop(heap)
        exact = parent[key][1]
        n, w = exact
        if n == 1 and not w:
            moves, states = _path(parent, key)
            return SearchOutcome(moves, expansions, len(parent), states)
        if time.perf_counter() > deadline or (cfg.max_expansions is not None and expansions >= cfg.max_expansions):
            break
        expansions += 1
        shortest = min(shortest, len(w) + 2 * n)
        bound = min(cfg.max_length, shortest + cfg.slack)
        fresh: list[tuple[State, State, list[Op]]] = []
        for n2, w2, ops in successors(n, w, cfg, bound):
            child = canonical(n2, w2)
            if child not in parent:
                parent[child] = (key, (n2, w2), ops)
                fresh.append((child, (n2, w2), ops))
        if not fresh:
            continue
        values = scorer([s for _, s, _ in fresh])
        for (child, _, _), v in zip(fresh, values, strict=True):
            heapq.heappush(heap, (v + cfg.path_weight * (depth + 1), next(tie), depth + 1, child))
    return SearchOutcome(None, expansions, len(parent))


def _path(
    parent: dict[State, tuple[State | None, State, list[Op]]], key: State
) -> tuple[list[dict[str, Any]], list[State]]:
    """The kernel moves from the start to ``key``, and the exact braids the macros passed through."""
    chunks: list[list[Op]] = []
    states: list[State] = []
    node: State | None = key
    while node is not None:
        prev, exact, ops = parent[node]
        chunks.append(ops)
        states.append(exact)
        node = prev
    return [to_kernel(op) for chunk in reversed(chunks) for op in chunk], states[::-1]


def braid_board(env: gym.Env, instance: Any, agent: str) -> tuple[BraidInstance, Any, Any]:
    """``(instance, unwrapped env, its action layout)`` for a braid search; TypeError on an env of another game."""
    inst = instance if isinstance(instance, BraidInstance) else BraidInstance.from_instance(instance)
    game = env.unwrapped
    layout = getattr(game, "layout", None)
    if layout is None:
        raise TypeError(f"the {agent} agent plays UnKnot-v0 envs (an env with an action layout)")
    return inst, game, layout


def replay_certificate(
    game: Any, layout: Any, inst: BraidInstance, moves: Sequence[dict[str, Any]], seed: int, name: str
) -> dict[str, Any] | None:
    """Play ``moves`` on the unwrapped env (a path may be longer than a TimeLimit allows); its certificate or None."""
    game.reset(seed=seed, options={"instance": inst})
    for move in moves:
        game.step(layout.from_move(move))
    if not game.solved:
        return None
    cert: dict[str, Any] = game.certificate()
    cert["meta"]["agent"] = name
    return cert


@dataclass
class GuidedSearch:
    """``guided``: handle-macro best-first search ranked by the shipped value net (``value="hand"``: ablation)."""

    name: str = "guided"
    value: str = "learned"
    config: SearchConfig = field(default_factory=SearchConfig)
    weights: str | None = None
    _scorer: Scorer | None = field(default=None, repr=False)
    LIMITS: ClassVar[tuple[str, ...]] = ("max_expansions",)

    def __post_init__(self) -> None:
        if self.value not in ("learned", "hand"):
            raise ValueError(f"value must be 'learned' or 'hand', got {self.value!r}")

    def scorer(self) -> Scorer:
        """The ranking function (the net is loaded once, on first use: torch is slow to import)."""
        if self._scorer is None:
            if self.value == "hand":
                self._scorer = hand_value
            else:
                from .unknot_value import load_value

                self._scorer = load_value(self.weights).score
        return self._scorer

    def solve(self, env: gym.Env, instance: Any, budget_s: Budget | float, seed: int) -> SolveResult:
        start = time.perf_counter()
        budget = as_budget(budget_s)
        inst, game, layout = braid_board(env, instance, "guided")
        # Keep every word the path visits inside the env.
        cfg = replace(
            self.config,
            max_length=min(self.config.max_length, layout.max_length),
            max_strands=min(self.config.max_strands, layout.max_strands),
        )
        if budget.max_expansions is not None:
            cfg = replace(cfg, max_expansions=min(budget.max_expansions, cfg.max_expansions or budget.max_expansions))
        outcome = guided_search(inst.braid, self.scorer(), budget.seconds, cfg)
        extra = {"expansions": outcome.expansions, "states": outcome.states, "value": self.value}
        if outcome.moves is None:
            return SolveResult(None, time.perf_counter() - start, 0, extra)
        cert = replay_certificate(game, layout, inst, outcome.moves, seed, self.name)
        return SolveResult(cert, time.perf_counter() - start, len(outcome.moves), extra)
