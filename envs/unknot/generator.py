"""Instance generators for UnKnot-v0, injected into the env (Jumanji style).

A generator is any callable ``gen(rng: numpy.random.Generator) -> BraidInstance``;
the env calls it on every reset with its own seeded ``np_random``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rigorgym.verifiers.braid import Braid

from ..injection import copy_sharing_instances
from . import core
from .actions import INSERT, OP_NAMES, ROTATE, STABILIZE
from .types import BraidInstance


def _core_move_to_kernel(kind: int, pos: int, gen: int) -> dict[str, Any]:
    if kind == INSERT:
        return {"op": "insert", "i": pos, "g": gen}
    if kind == STABILIZE:
        return {"op": "stabilize", "sign": gen}
    if kind == ROTATE:
        return {"op": "rotate", "k": pos}
    return {"op": OP_NAMES[kind], "i": pos}


def invert_moves(start_length: int, moves: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Kernel moves that undo ``moves`` (stabilize/insert/commute/braid/rotate), in reverse order.

    ``start_length`` is the word length before the first move; it is needed to
    invert rotations. The result, applied to the grown braid, returns the start.
    """
    lengths = [start_length]
    for m in moves:
        grow = {"insert": 2, "stabilize": 1}.get(m["op"], 0)
        lengths.append(lengths[-1] + grow)
    inverse: list[dict[str, Any]] = []
    for m, length in zip(reversed(moves), reversed(lengths[1:]), strict=True):
        op = m["op"]
        if op == "stabilize":
            inverse.append({"op": "destabilize"})
        elif op == "insert":
            inverse.append({"op": "cancel", "i": m["i"]})
        elif op in ("commute", "braid"):
            inverse.append({"op": op, "i": m["i"]})
        elif op == "rotate":
            inverse.append({"op": "rotate", "k": (length - m["k"]) % length})
        else:
            raise ValueError(f"cannot invert op {op!r}")
    return inverse


def _grow(
    rng: np.random.Generator, strands: int, word: Sequence[int], target_strands: int, length: int, mix: int
) -> tuple[BraidInstance, np.ndarray]:
    cur = len(word)
    if cur:
        Braid.checked(strands, list(word))  # the start must be valid: the result is trusted
    if target_strands < strands or length < cur + (target_strands - strands):
        raise ValueError("cannot shrink a braid by growing it")
    if (length - cur - (target_strands - strands)) % 2:
        raise ValueError(
            f"length {length} has the wrong parity: each stabilization adds one letter, each insertion two"
        )
    events = (target_strands - strands) + (length - cur - (target_strands - strands)) // 2
    row = np.zeros(length + 1, np.int32)
    row[0] = strands
    row[1 : 1 + cur] = word
    uniforms = rng.random(events * (4 + mix))
    moves = np.zeros((events * (1 + mix), 3), np.int32)
    count = core.grow(uniforms, target_strands, length, mix, row, cur, moves)
    # every step was a kernel move from a valid braid, so the result is valid by construction
    return BraidInstance.trusted(int(row[0]), tuple(row[1 : 1 + length].tolist())), moves[:count]


def grow_braid(
    rng: np.random.Generator, strands: int, word: Sequence[int], target_strands: int, length: int, mix: int
) -> tuple[BraidInstance, list[dict[str, Any]]]:
    """Grow ``(strands, word)`` by random kernel moves to ``target_strands`` and ``length``.

    Returns the grown instance and the kernel moves applied (see ``ScrambleGenerator``).
    """
    instance, moves = _grow(rng, strands, word, target_strands, length, mix)
    return instance, [_core_move_to_kernel(*m) for m in moves.tolist()]


@dataclass(frozen=True)
class ScrambleGenerator:
    """Random unknots: the trivial braid grown by random inverse Markov moves.

    Distribution: start from the empty braid on one strand. Make
    ``strands - 1`` stabilizations and ``(length - strands + 1) / 2``
    insertions in a uniformly random order (the first is always a
    stabilization); a stabilization takes a uniform sign, an insertion a
    uniform position ``0..L`` and a uniform generator ``±1..±(n-1)``. After
    each of them, ``mix`` moves drawn uniformly from the legal commutations,
    braid relations and non-trivial rotations of the current word. Every
    step is a kernel move with a kernel inverse, so the closure is the unknot.
    """

    strands: int = 3
    length: int = 20
    mix: int = 2

    def __post_init__(self) -> None:
        if self.strands < 2:
            raise ValueError("ScrambleGenerator needs strands >= 2")
        if self.length < self.strands - 1 or (self.length - self.strands + 1) % 2:
            raise ValueError(
                f"length must be >= strands - 1 and of the same parity (strands={self.strands}, length={self.length})"
            )

    def scramble(self, rng: np.random.Generator) -> tuple[BraidInstance, list[dict[str, Any]]]:
        """An instance and the moves that built it from the trivial braid."""
        return grow_braid(rng, 1, (), self.strands, self.length, self.mix)

    def __call__(self, rng: np.random.Generator) -> BraidInstance:
        return _grow(rng, 1, (), self.strands, self.length, self.mix)[0]

    def batch(self, rngs: Sequence[np.random.Generator]) -> list[BraidInstance]:
        """``[self(rng) for rng in rngs]``, grown in one numba call (the vector env's resets).

        Each ``rng`` draws exactly what ``self(rng)`` draws, so the results are identical.
        """
        events = (self.strands - 1) + (self.length - self.strands + 1) // 2
        uniforms = np.stack([rng.random(events * (4 + self.mix)) for rng in rngs])
        rows = np.zeros((len(rngs), self.length + 1), np.int32)
        rows[:, 0] = 1
        core.grow_batch(uniforms, self.strands, self.length, self.mix, rows, events * (1 + self.mix))
        return [BraidInstance.trusted(self.strands, tuple(row)) for row in rows[:, 1:].tolist()]


def parity_length(strands: int, length: int) -> int:
    """``length``, or ``length + 1`` where a scramble on ``strands`` strands cannot have it.

    A scrambled unknot on ``n`` strands has ``n - 1`` stabilization letters plus
    two letters per insertion, so its length has the parity of ``n - 1``
    (:class:`ScrambleGenerator` refuses any other). One letter more is the
    nearest length above that it can have.
    """
    return length + (length - strands + 1) % 2


@dataclass(frozen=True)
class ScrambleMixGenerator:
    """Scrambled unknots of several sizes: a uniform ``(strands, length)`` pair, then :class:`ScrambleGenerator`.

    Why: one env then trains a policy on every braid size it will be evaluated
    on (a mixed curriculum, as the unknot zoo needs), and the vector env still
    grows its resets in one numba call per size (:meth:`batch`).

    Each instance draws one uniform integer from ``rng`` to pick a pair of
    ``strands`` x ``lengths`` (every combination, equally likely), then exactly
    what ``ScrambleGenerator(strands, length, mix)(rng)`` draws. A length whose
    parity does not match ``strands - 1`` is raised by one
    (:func:`parity_length`): ``strands=(3, 4), lengths=(20,)`` gives length 20
    on 3 strands and 21 on 4. :attr:`pairs` lists the distinct pairs after that
    adjustment (two lengths that become one count once). The env's
    ``max_length``/``max_strands`` must fit the largest pair (UnKnot-v0's 128
    and 8 fit the defaults).
    """

    strands: tuple[int, ...] = (3, 5, 7)
    lengths: tuple[int, ...] = (20, 40, 60, 96)
    mix: int = 2
    _scramblers: tuple[ScrambleGenerator, ...] = field(default=(), init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        strands, lengths = tuple(self.strands), tuple(self.lengths)
        for name, values in (("strands", strands), ("lengths", lengths)):
            if not values or any(isinstance(v, bool) or not isinstance(v, int | np.integer) for v in values):
                raise ValueError(f"ScrambleMixGenerator needs a non-empty tuple of integer {name}, got {values!r}")
        if min(strands) < 2:
            raise ValueError(f"ScrambleMixGenerator needs strands >= 2, got {strands}")
        if isinstance(self.mix, bool) or not isinstance(self.mix, int | np.integer) or self.mix < 0:
            raise ValueError(f"ScrambleMixGenerator needs an integer mix >= 0, got {self.mix!r}")
        strands = tuple(dict.fromkeys(int(n) for n in strands))
        lengths = tuple(dict.fromkeys(int(n) for n in lengths))
        short = [(n, x) for n in strands for x in lengths if x < n - 1]
        if short:
            raise ValueError(f"length must be >= strands - 1 for every pair; (strands, length) {short[0]} is not")
        scramblers = tuple(ScrambleGenerator(n, parity_length(n, x), int(self.mix)) for n in strands for x in lengths)
        object.__setattr__(self, "strands", strands)
        object.__setattr__(self, "lengths", lengths)
        object.__setattr__(self, "_scramblers", tuple(dict.fromkeys(scramblers)))

    @property
    def pairs(self) -> tuple[tuple[int, int], ...]:
        """The ``(strands, length)`` pairs drawn from, lengths parity-adjusted, each drawn with equal probability."""
        return tuple((g.strands, g.length) for g in self._scramblers)

    def _pick(self, rng: np.random.Generator) -> ScrambleGenerator:
        return self._scramblers[int(rng.integers(len(self._scramblers)))]

    def __call__(self, rng: np.random.Generator) -> BraidInstance:
        return self._pick(rng)(rng)

    def batch(self, rngs: Sequence[np.random.Generator]) -> list[BraidInstance]:
        """``[self(rng) for rng in rngs]``: rows grouped by their pair, each group grown by ``ScrambleGenerator.batch``.

        Each ``rng`` draws its pair, then what that pair's generator draws, as in
        :meth:`__call__`; so the results are identical to calling one by one.
        """
        groups: dict[ScrambleGenerator, list[int]] = {}
        for i, rng in enumerate(rngs):
            groups.setdefault(self._pick(rng), []).append(i)
        out: list[BraidInstance | None] = [None] * len(rngs)
        for scrambler, rows in groups.items():
            for i, instance in zip(rows, scrambler.batch([rngs[i] for i in rows]), strict=True):
                out[i] = instance
        return [x for x in out if x is not None]


def closure_is_knot(strands: int, word: Sequence[int]) -> bool:
    """Whether the braid's permutation is a single cycle (so its closure has one component)."""
    perm = list(range(strands))
    for x in word:
        a = abs(x) - 1
        perm[a], perm[a + 1] = perm[a + 1], perm[a]
    i, steps = perm[0], 1
    while i != 0:
        i, steps = perm[i], steps + 1
    return steps == strands


def simplifies_to_unknot(strands: int, word: Sequence[int], seed: int) -> bool:
    """SnapPy's ``simplify('global')`` reaches zero crossings: a proof by Reidemeister moves.

    The caller checks first that the closure is a knot (:func:`closure_is_knot`).
    """
    import snappy

    state = random.getstate()
    random.seed(seed)  # spherogram's simplification draws from Python's random
    try:
        link = snappy.Link(braid_closure=list(word))
        link.simplify("global")
        # A crossingless closure of a one-cycle braid is one unknotted circle
        # (spherogram then moves it to ``unlinked_unknot_components``).
        return len(link.crossings) == 0
    finally:
        random.setstate(state)


@dataclass(frozen=True)
class RandomWordGenerator:
    """Uniform random braid words whose closure SnapPy proves to be the unknot.

    Draws words uniformly from ``±1..±(strands-1)``; keeps those whose
    permutation is one cycle (a knot, so ``length`` must have the parity of
    ``strands - 1``) and which ``simplify('global')`` reduces to 0 crossings.
    Rejection sampling: slow for long words, which is why the word suites ship
    as data (``rigorgym.envs.suites``).
    """

    strands: int = 3
    length: int = 20
    max_tries: int = 1_000_000

    def __post_init__(self) -> None:
        if self.strands < 2 or (self.length - self.strands + 1) % 2 or self.length < self.strands - 1:
            raise ValueError("RandomWordGenerator needs strands >= 2 and length of the parity of strands - 1")

    def __call__(self, rng: np.random.Generator) -> BraidInstance:
        gens = np.arange(1, self.strands)
        for _ in range(self.max_tries):
            word = (rng.choice(gens, self.length) * rng.choice((-1, 1), self.length)).tolist()
            if closure_is_knot(self.strands, word) and simplifies_to_unknot(
                self.strands, word, int(rng.integers(2**31))
            ):
                return BraidInstance(self.strands, tuple(word))
        raise RuntimeError(f"no unknot found in {self.max_tries} random words")


@dataclass(frozen=True)
class InstanceListGenerator:
    """Instances from a list (a suite, a user's file): uniformly at random, or in order."""

    instances: tuple[BraidInstance, ...]
    shuffle: bool = True
    _cursor: list[int] = field(default_factory=lambda: [0], compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.instances:
            raise ValueError("no instances given")

    def __call__(self, rng: np.random.Generator) -> BraidInstance:
        if self.shuffle:
            return self.instances[int(rng.integers(len(self.instances)))]
        i = self._cursor[0]
        self._cursor[0] = (i + 1) % len(self.instances)
        return self.instances[i]


@dataclass(frozen=True)
class SuiteGenerator:
    """Instances of a frozen benchmark suite (``rigorgym list suites``), loaded on first use."""

    suite: str
    shuffle: bool = True
    _loaded: list[InstanceListGenerator] = field(default_factory=list, compare=False, repr=False)

    def __deepcopy__(self, memo: dict[int, Any]) -> SuiteGenerator:
        return copy_sharing_instances(self)  # gym.make copies kwargs: share the loaded suite, not copy it

    def __call__(self, rng: np.random.Generator) -> BraidInstance:
        if not self._loaded:
            from rigorgym.envs.suites import load_suite

            suite = load_suite(self.suite)
            if suite.env != "UnKnot-v0":
                raise ValueError(f"suite {self.suite} is not an UnKnot-v0 suite")
            instances = tuple(BraidInstance.from_instance(x) for x in suite.instances)
            self._loaded.append(InstanceListGenerator(instances, self.shuffle))
        return self._loaded[0](rng)


def knot_instance(name: str | None = None, pd: Any = None) -> BraidInstance:
    """A braid for a knot given by name (``"4_1"``, ``"K8a1"``) or PD code, via SnapPy's ``braid_word()``.

    A nontrivial knot is a legal instance that simply cannot be won.
    """
    import snappy

    if (name is None) == (pd is None):
        raise ValueError("give exactly one of a knot name or a PD code")
    try:
        link = snappy.Link(name if name is not None else pd)
    except Exception as exc:  # SnapPy raises many types for bad names and codes
        raise ValueError(f"SnapPy cannot read the knot {name or pd!r}: {exc}") from exc
    if len(link.link_components) != 1:
        raise ValueError(f"{name or 'the PD code'} has {len(link.link_components)} components, not one")
    word = [int(x) for x in link.braid_word()]
    strands = max((abs(x) for x in word), default=0) + 1
    return BraidInstance(strands, tuple(word), name)


def knot_generator(name: str | None = None, pd: Any = None) -> InstanceListGenerator:
    """A generator that always returns the braid of one knot."""
    return InstanceListGenerator((knot_instance(name, pd),), shuffle=False)


__all__ = [
    "InstanceListGenerator",
    "RandomWordGenerator",
    "ScrambleGenerator",
    "ScrambleMixGenerator",
    "closure_is_knot",
    "grow_braid",
    "invert_moves",
    "knot_generator",
    "knot_instance",
    "parity_length",
    "simplifies_to_unknot",
    "SuiteGenerator",
]
