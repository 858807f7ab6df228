"""Training instances of the ``unknot-words-*`` suites' kind: random unknot words, for imitation (issue 19).

Why: every learned UnKnot agent so far trained on *scrambles* of the empty
word (:class:`~rigorgym.envs.unknot.generator.ScrambleMixGenerator`) and solves
about 0% of the 5- and 7-strand word suites and of L96, which are uniform
random words whose closure SnapPy unknots, a different distribution. Here:

- :func:`unknot_words`: uniform random words on ``strands`` strands of
  ``length`` letters whose closure SnapPy's ``simplify('global')`` unknots,
  exactly as :class:`~rigorgym.envs.unknot.generator.RandomWordGenerator` (and
  so the suites) keeps them, but drawn in batches: the cheap necessary test
  :func:`alexander_units` (``|Δ(e^{iθ})| = 1``, a float Burau minor over a whole
  batch) rejects most knotted words before SnapPy sees them. Only SnapPy's
  zero-crossing diagram (a proof by Reidemeister moves) admits a word, so the
  distribution is that of the suites; the prefilter only saves time;
- :class:`WordMixGenerator`: fresh words at every draw (no pool: the
  prefilter makes a word cost 10-40 ms on one core), a uniform pick among
  the pairs of the suites (:data:`WORD_PAIRS`) and L96, for which a 5-strand
  length-40 word is grown to 96 letters by
  :func:`~rigorgym.envs.unknot.generator.grow_braid` (insertions and 2 mixing
  moves, as ``build_unknot.build_grown`` made the suite); any word of a word
  suite is drawn again (:func:`suite_words`), so the suites stay unseen;
- :func:`imitating_words`: while active, :mod:`..algos.vec_bc` draws its
  training (and per-round check) instances from a generator instead of
  scrambles.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rigorgym.envs.unknot.generator import closure_is_knot, grow_braid, simplifies_to_unknot
from rigorgym.envs.unknot.types import BraidInstance

#: The (strands, length) of every ``unknot-words-nN-LM`` suite.
WORD_PAIRS = ((3, 20), (3, 40), (3, 60), (5, 20), (5, 40), (7, 40))
#: ``unknot-words-L96``: the cores of ``unknot-words-n5-L40`` grown to 96 letters with 2 mixing moves per growth.
GROWN = ((5, 40), 96, 2)
WORD_SUITES = (
    "unknot-words-n3-L20", "unknot-words-n3-L40", "unknot-words-n3-L60", "unknot-words-n5-L20",
    "unknot-words-n5-L40", "unknot-words-n7-L40", "unknot-words-L96",
)  # fmt: skip
#: Where Δ is evaluated (on the unit circle, away from roots of unity of small order).
THETAS = (0.7, 1.9, 2.6)
BATCH = 512


def alexander_units(strands: int, words: np.ndarray, thetas: Sequence[float] = THETAS) -> np.ndarray:
    """Per row of ``words`` (B, L; letters ±1..±(strands-1)): whether ``|Δ(e^{iθ})| = 1`` at every θ (float test).

    ``Δ`` up to a unit is the minor of ``I - Burau(β)`` with the last row and column cut (as
    :func:`..unknot.alexander_at`, exact there); an unknot's is ``±t^k``, so ``|Δ| = 1`` on the unit
    circle. Necessary, not sufficient: a prefilter before SnapPy, never a proof.
    """
    words = np.asarray(words)
    n = strands
    keep = np.ones(len(words), bool)
    for theta in thetas:
        t = np.exp(1j * theta)
        m = np.broadcast_to(np.eye(n, dtype=complex), (len(words), n, n)).copy()
        rows = np.arange(len(words))
        for col in range(words.shape[1]):
            x = words[:, col]
            i = np.abs(x) - 1
            pos = x > 0
            # column update: [a, b] <- [a*b00 + b*b10, a*b01 + b*b11] with Burau's 2x2 block
            b00 = np.where(pos, 1 - t, 0)
            b01 = np.where(pos, t, 1)
            b10 = np.where(pos, 1, 1 / t)
            b11 = np.where(pos, 0, 1 - 1 / t)
            a, b = m[rows, :, i], m[rows, :, i + 1]
            m[rows, :, i] = a * b00[:, None] + b * b10[:, None]
            m[rows, :, i + 1] = a * b01[:, None] + b * b11[:, None]
        minor = np.eye(n - 1) - m[:, : n - 1, : n - 1]
        keep &= np.abs(np.abs(np.linalg.det(minor)) - 1) < 1e-6
    return keep


def unknot_words(rng: np.random.Generator, strands: int, length: int, count: int) -> list[tuple[int, ...]]:
    """``count`` uniform random words whose closure is a knot that SnapPy's ``simplify('global')`` unknots.

    Every word is drawn uniformly from ``±1..±(strands-1)``; a knot (one-cycle permutation) passing
    :func:`alexander_units` goes to SnapPy (seeded from ``rng``), and only a zero-crossing result keeps it.
    """
    gens = np.arange(1, strands)
    out: list[tuple[int, ...]] = []
    while len(out) < count:
        batch = rng.choice(gens, (BATCH, length)) * rng.choice((-1, 1), (BATCH, length))
        knots = np.array([closure_is_knot(strands, w) for w in batch.tolist()], bool)
        candidates = batch[knots][alexander_units(strands, batch[knots])]
        for word in candidates.tolist():
            if simplifies_to_unknot(strands, word, int(rng.integers(2**31))):
                out.append(tuple(word))
                if len(out) == count:
                    break
    return out


def suite_words() -> frozenset[tuple[int, tuple[int, ...]]]:
    """``(strands, word)`` of every instance of the word suites (what training must never draw)."""
    from rigorgym.envs.suites import load_suite

    return frozenset(
        (int(x["braid"]["strands"]), tuple(int(c) for c in x["braid"]["word"]))
        for name in WORD_SUITES
        for x in load_suite(name).instances
    )


@dataclass(frozen=True)
class WordMixGenerator:
    """Fresh random unknot words of the suites' kinds: a uniform pick among ``pairs`` and (``grown``) L96.

    A draw takes one uniform integer for the kind, then :func:`unknot_words` from the same
    ``rng`` (about 10-40 ms a word on one core, measured: no pre-built pool is needed); for the
    grown kind a word of ``GROWN``'s pair grown to 96 letters by :func:`grow_braid`, as
    ``build_unknot.build_grown`` made ``unknot-words-L96`` from its cores. A word (or core) that
    is an instance of a word suite is drawn again (:attr:`skipped` counts them), so the suites
    stay unseen whatever the seed.
    """

    pairs: tuple[tuple[int, int], ...] = WORD_PAIRS
    grown: bool = True
    _state: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        pairs = tuple((int(n), int(length)) for n, length in self.pairs)
        for n, length in pairs:
            if n < 2 or length < n - 1 or (length - n + 1) % 2:
                raise ValueError(f"(strands, length) {(n, length)}: need strands >= 2, length of parity strands - 1")
        kinds = [(n, length, 0) for n, length in pairs]
        if self.grown:
            kinds.append((GROWN[0][0], GROWN[0][1], GROWN[1]))
        if not kinds:
            raise ValueError("WordMixGenerator needs at least one pair or grown=True")
        object.__setattr__(self, "pairs", pairs)
        self._state.update(kinds=kinds, skipped=0)

    @property
    def kinds(self) -> tuple[tuple[int, int], ...]:
        """The ``(strands, length)`` of each kind drawn (equally likely), the grown kind at its final length."""
        return tuple((n, grow or length) for n, length, grow in self._state["kinds"])

    @property
    def skipped(self) -> int:
        return int(self._state["skipped"])

    def _forbidden(self) -> frozenset[tuple[int, tuple[int, ...]]]:
        if "forbidden" not in self._state:
            self._state["forbidden"] = suite_words()
        return self._state["forbidden"]

    def __call__(self, rng: np.random.Generator) -> BraidInstance:
        n, length, grow = self._state["kinds"][int(rng.integers(len(self._state["kinds"])))]
        while True:
            (word,) = unknot_words(rng, n, length, 1)
            if (n, word) not in self._forbidden():
                break
            self._state["skipped"] += 1
        if grow:
            return grow_braid(rng, n, word, n, grow, GROWN[2])[0]
        return BraidInstance.trusted(n, word)


def derotate(strands: int, word: Sequence[int], moves: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``moves`` from ``(strands, word)`` with their rotations folded into the positions of the moves after them.

    Why: cancel, commute and braid act on cyclic positions, so a rotation only moves the word's origin;
    a plan that rotates a letter to the front and then works there is, on the unrotated word, the same
    work at shifted positions. A policy cannot tell which of the many rotations a plan happened to
    take, but it can see a cancellation or commutation at a position. Rotations are kept only where the
    origin matters: before a stabilization or destabilization (the word's end), as one ``rotate``
    onto the plan's own word. Each move is translated through letter identities, and the result
    reaches the same braid as ``moves`` up to rotation (the trivial braid when ``moves`` does).
    """
    from rigorgym.verifiers.braid import Braid, apply_move

    fresh = iter(range(len(word), 10**9))
    actual = [(k, x) for k, x in enumerate(word)]  # (letter id, letter) of the word the output moves act on
    plan = list(actual)  # the same letters in the plan's rotation
    n, out = strands, []

    def offset() -> int:  # plan == rotate(actual, offset)
        return [k for k, _ in actual].index(plan[0][0]) if plan else 0

    for move in moves:
        op, length, o = move["op"], len(plan), offset()
        if op == "rotate":
            plan = plan[move["k"] :] + plan[: move["k"]]
            continue
        if op in ("stabilize", "destabilize"):
            if o:
                out.append({"op": "rotate", "k": o})
            actual = list(plan)
            out.append(dict(move))
            n = apply_move(Braid(n, tuple(x for _, x in plan)), move).strands
            plan = plan + [(next(fresh), move["sign"] * (n - 1))] if op == "stabilize" else plan[:-1]
            actual = list(plan)
            continue
        if op == "insert":
            i, a = move["i"], (move["i"] + o) % length if length else 0
            pair = [(next(fresh), move["g"]), (next(fresh), -move["g"])]
            plan = plan[:i] + pair + plan[i:]
            actual = actual[:a] + pair + actual[a:]
            out.append({"op": "insert", "i": a, "g": move["g"]})
            continue
        i, a = move["i"], (move["i"] + o) % length
        out.append({**move, "i": a})
        for seq, at in ((plan, i), (actual, a)):
            span = [(at + d) % length for d in range(3 if op == "braid" else 2)]
            letters = [seq[q] for q in span]
            if op == "cancel":
                keep = [x for q, x in enumerate(seq) if q not in span]
                seq[:] = keep
            elif op == "commute":
                seq[span[0]], seq[span[1]] = letters[1], letters[0]
            else:  # braid: (a, b, a) -> (b, a, b), the ids following the letters' places
                (ka, xa), (kb, xb), (kc, _) = letters
                seq[span[0]], seq[span[1]], seq[span[2]] = (ka, xb), (kb, xa), (kc, xb)
    return out


class PlanTable:
    """The ``guided`` search (hand value) as a *consistent* labeller: each braid keeps the next move of the first plan through it.

    Why: vec_bc's :class:`~rigorgym.agents.algos.vec_bc.Expert` searches afresh from every state it is
    asked about, and those answers do not chain: the search normalizes first, so from the middle of a
    growing macro (``insert`` then ``braid`` then ``cancel``) it cancels the letters just inserted, and
    the expert replanned at every state (what DAgger teaches a policy to be) loops. Measured, within
    400 moves: 13/30 of ``unknot-words-n3-L20``, 0/10 of ``n5-L40`` and 0/10 of ``n7-L40`` (first instances). Here a braid met before answers with the move its first plan made from it, and a new one
    is searched and its whole path (loops erased) written down, entries never overwritten: following
    the answers from any braid walks to the trivial braid, so a perfect imitation would too.
    Same interface as vec_bc's ``Expert``: ``actions(strands, word)`` (env actions, or None), ``calls``, ``failures``.
    With ``rotations=False`` each plan goes through :func:`derotate` before it is written down.
    """

    def __init__(self, layout: Any, expansions: int, max_moves: int = 4000, rotations: bool = True) -> None:
        from rigorgym.agents.unknot_features import hand_value
        from rigorgym.agents.unknot_search import SearchConfig, guided_search

        self.layout, self.search, self.value, self.max_moves = layout, guided_search, hand_value, max_moves
        self.rotations = rotations  # False: each plan goes through :func:`derotate` first
        self.config = SearchConfig(
            max_expansions=expansions, max_length=layout.max_length, max_strands=layout.max_strands
        )
        self.next: dict[tuple[int, tuple[int, ...]], dict[str, Any]] = {}
        self.calls = self.failures = self.searches = 0

    def _plan(self, start: tuple[int, tuple[int, ...]]) -> bool:
        from rigorgym.verifiers.braid import Braid, apply_move

        self.searches += 1
        moves = self.search(Braid(*start), self.value, float("inf"), self.config).moves
        if moves is None:
            return False
        if not self.rotations:
            moves = derotate(*start, moves)
        states, braid = [start], Braid(*start)
        for m in moves:
            braid = apply_move(braid, m)
            states.append((braid.strands, braid.word))
        last = {state: k for k, state in enumerate(states)}  # loop erasure: leave each braid from its last visit
        k = 0
        while k < len(moves):
            k = last[states[k]]
            if k >= len(moves):
                break
            self.next.setdefault(states[k], moves[k])
            k += 1
        return True

    def actions(self, strands: int, word: tuple[int, ...]) -> list[int] | None:
        from rigorgym.verifiers.braid import Braid, apply_move

        self.calls += 1
        state, out, seen = (strands, tuple(word)), [], set()
        while state != (1, ()) and len(out) < self.max_moves:
            if state in seen or (state not in self.next and not self._plan(state)):
                self.failures += 1
                return None if not out else out
            seen.add(state)
            move = self.next[state]
            out.append(self.layout.from_move(move))
            braid = apply_move(Braid(*state), move)
            state = (braid.strands, braid.word)
        return out


@contextmanager
def consistent_teacher(rotations: bool = True) -> Iterator[None]:
    """While active, :func:`rigorgym.agents.algos.vec_bc.train` labels with a :class:`PlanTable` (one per run)."""
    from rigorgym.agents.algos import vec_bc

    original = vec_bc.Expert
    vec_bc.Expert = functools.partial(PlanTable, rotations=rotations)
    try:
        yield
    finally:
        vec_bc.Expert = original


@contextmanager
def imitating_words(generator: Any) -> Iterator[None]:
    """While active, :func:`rigorgym.agents.algos.vec_bc.train` draws its instances from ``generator``.

    vec_bc's own ``instances`` draws ScrambleGenerator braids over ``Args.strands`` x ``lengths``;
    both its training instances and its per-round check (``charts/solved_rate``) come from it, so
    both come from ``generator`` here (fresh words from the check's own seed).
    """
    from rigorgym.agents.algos import vec_bc

    original = vec_bc.instances

    def draw(args: Any, rng: np.random.Generator, count: int) -> list[Any]:
        return [generator(rng) for _ in range(count)]

    vec_bc.instances = draw
    try:
        yield
    finally:
        vec_bc.instances = original


def note_generator(folder: Path, generator: Any, teacher: str = "search") -> None:
    """Say in the card's notes which instances (and labeller) the agent imitated (vec_bc's args name scrambles)."""
    from rigorgym.agents.algos.saved import AgentCard

    card = AgentCard.read(folder)
    how = "the guided search" if teacher == "search" else f"the guided search's plans, kept per braid ({teacher})"
    note = f"imitated {how} on {generator!r} (rigorgym.agents.protocols.unknot_words), not on scrambles"
    card.notes = f"{card.notes}; {note}" if card.notes else note
    card.write(folder)


__all__ = [
    "GROWN",
    "WORD_PAIRS",
    "PlanTable",
    "WordMixGenerator",
    "alexander_units",
    "consistent_teacher",
    "derotate",
    "imitating_words",
    "note_generator",
    "suite_words",
    "unknot_words",
]
