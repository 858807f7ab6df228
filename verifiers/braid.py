"""The braid moves of docs/design.md §2.1, written plainly.

This module is part of the trusted kernel: a certificate for ``UnKnot-v0`` is
valid exactly when these functions accept every move and the final braid is
the trivial braid on one strand. Nothing here is clever on purpose; speed
lives in ``rigorgym.envs.unknot`` and is checked against this code by tests.

A braid is ``Braid(strands, word)`` with ``word`` a tuple of non-zero ints,
``k`` meaning sigma_k and ``-k`` its inverse, ``1 <= |k| <= strands - 1``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, TypeGuard

#: The op names and the fields each one reads (besides "op").
MOVE_FIELDS: dict[str, frozenset[str]] = {
    "cancel": frozenset({"i"}),
    "commute": frozenset({"i"}),
    "braid": frozenset({"i"}),
    "insert": frozenset({"i", "g"}),
    "rotate": frozenset({"k"}),
    "stabilize": frozenset({"sign"}),
    "destabilize": frozenset(),
}


class IllegalMove(ValueError):
    """A move that is malformed or whose precondition fails."""


class InvalidBraid(ValueError):
    """A braid instance that breaks the rules of §2.1."""


def describe(value: Any) -> str:
    """A short, safe rendering of an untrusted value for an error message.

    ``repr`` is not safe: it fails on integers of more than 4300 digits and
    recurses on deeply nested lists.
    """
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return repr(value) if value.bit_length() <= 64 else "a huge integer"
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:40]) + "..."
    return f"a {type(value).__name__}"


def _is_int(x: Any) -> TypeGuard[int]:
    # JSON booleans are Python ints; they are not letters or positions.
    return isinstance(x, int) and not isinstance(x, bool)


class Braid(NamedTuple):
    """A braid on ``strands`` strands.

    Build one from outside data with :meth:`from_json` (or :meth:`checked`),
    which validates it. :func:`apply_move` does not re-validate: each move of
    §2.1 maps a valid braid to a valid braid, which keeps replay fast.
    """

    strands: int
    word: tuple[int, ...]

    @classmethod
    def checked(cls, strands: Any, word: Any) -> Braid:
        """Validate ``strands`` and ``word`` and build the braid."""
        if not _is_int(strands) or strands < 1:
            raise InvalidBraid(f"strands must be an integer >= 1, got {describe(strands)}")
        if not isinstance(word, (list, tuple)):
            raise InvalidBraid("word must be a list of integers")
        for x in word:
            if not _is_int(x) or x == 0 or abs(x) > strands - 1:
                raise InvalidBraid(f"letter {describe(x)} is not a generator of the braid group on {strands} strands")
        return cls(strands, tuple(word))

    @classmethod
    def from_json(cls, data: Any) -> Braid:
        """Build a braid from the ``{"strands": n, "word": [...]}`` object of §2.4."""
        if not isinstance(data, Mapping):
            raise InvalidBraid("braid must be an object with 'strands' and 'word'")
        extra = set(data) - {"strands", "word"}
        if extra:
            raise InvalidBraid(f"unknown braid field(s): {sorted(map(describe, extra))}")
        if "strands" not in data or "word" not in data:
            raise InvalidBraid("braid needs both 'strands' and 'word'")
        if not isinstance(data["word"], list):
            raise InvalidBraid("braid 'word' must be a list of integers")
        return cls.checked(data["strands"], data["word"])

    def to_json(self) -> dict[str, Any]:
        return {"strands": self.strands, "word": list(self.word)}

    @property
    def is_trivial_knot(self) -> bool:
        """True for the trivial braid on one strand: its closure is the unknot."""
        return self.strands == 1 and not self.word


def _position(move: Mapping[str, Any], name: str) -> int:
    value = move[name]
    if not _is_int(value):
        raise IllegalMove(f"field {name!r} must be an integer, got {describe(value)}")
    return value


def _cyclic_index(move: Mapping[str, Any], length: int, needed: int) -> int:
    """Read field ``i`` for a ↻ op that looks at ``needed`` cyclic positions."""
    i = _position(move, "i")
    if length < needed:
        raise IllegalMove(f"{move['op']} needs a word of length >= {needed}, the word has {length}")
    if not 0 <= i < length:
        raise IllegalMove(f"position i={i} outside 0..{length - 1}")
    return i


def apply_move(braid: Braid, move: Any) -> Braid:
    """Return the braid after ``move``; raise :class:`IllegalMove` if it is not legal."""
    if not isinstance(move, dict):
        raise IllegalMove("a move must be an object with an 'op' field")
    op = move.get("op")
    if not isinstance(op, str) or op not in MOVE_FIELDS:
        raise IllegalMove(f"unknown op {describe(op)}")
    # Fields beyond those the op reads are ignored (shared/contract pins this down).
    for name in MOVE_FIELDS[op]:
        if name not in move:
            raise IllegalMove(f"op {op!r} needs the field {name!r}")

    n, w = braid.strands, braid.word
    length = len(w)

    if op == "cancel":
        i = _cyclic_index(move, length, 2)
        j = (i + 1) % length
        if w[i] != -w[j]:
            raise IllegalMove(f"cancel at {i}: letters {w[i]} and {w[j]} are not inverse")
        # j == 0 only when i is the last position: the pair wraps around the end.
        return Braid(n, w[:i] + w[i + 2 :] if j else w[1:i])

    if op == "commute":
        i = _cyclic_index(move, length, 2)
        j = (i + 1) % length
        if abs(abs(w[i]) - abs(w[j])) < 2:
            raise IllegalMove(f"commute at {i}: generators {w[i]} and {w[j]} are adjacent")
        new = list(w)
        new[i], new[j] = w[j], w[i]
        return Braid(n, tuple(new))

    if op == "braid":
        i = _cyclic_index(move, length, 3)
        p0, p1, p2 = i, (i + 1) % length, (i + 2) % length
        a, b, c = w[p0], w[p1], w[p2]
        if not (a == c and (a > 0) == (b > 0) and abs(abs(a) - abs(b)) == 1):
            raise IllegalMove(f"braid at {i}: ({a}, {b}, {c}) is not (a, b, a) of one sign")
        new = list(w)
        new[p0], new[p1], new[p2] = b, a, b
        return Braid(n, tuple(new))

    if op == "insert":
        i = _position(move, "i")
        g = _position(move, "g")
        if not 0 <= i <= length:
            raise IllegalMove(f"insert position i={i} outside 0..{length}")
        if not 1 <= abs(g) <= n - 1:
            raise IllegalMove(f"insert generator g={g} outside ±1..±{n - 1}")
        return Braid(n, w[:i] + (g, -g) + w[i:])

    if op == "rotate":
        k = _position(move, "k")
        if not 0 <= k < length:
            raise IllegalMove(f"rotate k={k} outside 0..{length - 1}")
        return Braid(n, w[k:] + w[:k])

    if op == "stabilize":
        sign = move["sign"]
        if not _is_int(sign) or sign not in (1, -1):
            raise IllegalMove(f"stabilize sign must be 1 or -1, got {describe(sign)}")
        return Braid(n + 1, w + (sign * n,))

    # op == "destabilize"
    if n < 2:
        raise IllegalMove("destabilize needs at least two strands")
    if not w or abs(w[-1]) != n - 1:
        raise IllegalMove(f"destabilize: the last letter is not ±{n - 1}")
    if n - 1 in w[:-1] or 1 - n in w[:-1]:
        raise IllegalMove(f"destabilize: another letter is ±{n - 1}")
    return Braid(n - 1, w[:-1])
