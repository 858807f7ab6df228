"""Andrews–Curtis moves on balanced presentations with two generators (the kernel of AndrewsCurtis-v0).

A presentation ``<x, y | r0, r1>`` is two words in the free group on
``x = 1`` and ``y = 2`` (a negative letter is an inverse): signed integer
lists, no padding. Every move below is a composite of the Andrews–Curtis
moves (replace a relator by its product with the other or its inverse, by a
conjugate, by its inverse, or exchange the two), so a replay that ends at
``<x, y | x^±1, y^±1>`` proves the starting presentation AC-trivial:

``concat`` ``{"i", "j", "sign"}``
    ``r_i <- r_i · r_j^sign`` with ``j != i`` and ``sign`` in {1, -1}.
``conjugate`` ``{"i", "generator"}``
    ``r_i <- g · r_i · g^-1`` with ``g`` in {1, -1, 2, -2}.
``invert`` ``{"i"}``
    ``r_i <- r_i^-1``.
``swap`` ``{}``
    ``(r_0, r_1) <- (r_1, r_0)``.

After every move **both** relators are freely and cyclically reduced
(cancel ``a a^-1`` anywhere, then ``a ... a^-1`` at the two ends): free
reduction does not change the group element and cyclic reduction is a
conjugation, so both are AC moves too. This is the normalisation of the
source environment (Shehper et al., arXiv:2408.15332), whose twelve AC′
moves are the ``concat`` and ``conjugate`` moves above (see
:data:`SOURCE_MOVES`): on a cyclically reduced relator a conjugation either
rotates the word or leaves it as it was.

The claim ``ac_trivial`` holds when, after the replay (and the same
reduction), one relator is ``x`` or ``x^-1`` and the other ``y`` or
``y^-1``. Everything here is exact integer list manipulation; plain Python,
no dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import eq, neg
from typing import Any

Word = tuple[int, ...]
LETTERS = (1, -1, 2, -2)
_LETTER_SET, _INT = frozenset(LETTERS), frozenset({int})  # bools are refused by their type, not their value
OPS = ("concat", "conjugate", "invert", "swap")
FIELDS = {
    "concat": {"op", "i", "j", "sign"},
    "conjugate": {"op", "i", "generator"},
    "invert": {"op", "i"},
    "swap": {"op"},
}

_CONCAT_FIELDS, _CONJUGATE_FIELDS = frozenset(FIELDS["concat"]), frozenset(FIELDS["conjugate"])

#: The twelve AC′ moves of the source environment (``ac_solver``'s ``ACMove``), by its action id.
SOURCE_MOVES: tuple[dict[str, Any], ...] = (
    {"op": "concat", "i": 1, "j": 0, "sign": 1},
    {"op": "concat", "i": 0, "j": 1, "sign": -1},
    {"op": "concat", "i": 1, "j": 0, "sign": -1},
    {"op": "concat", "i": 0, "j": 1, "sign": 1},
    {"op": "conjugate", "i": 1, "generator": -1},
    {"op": "conjugate", "i": 0, "generator": -2},
    {"op": "conjugate", "i": 1, "generator": -2},
    {"op": "conjugate", "i": 0, "generator": 1},
    {"op": "conjugate", "i": 1, "generator": 1},
    {"op": "conjugate", "i": 0, "generator": 2},
    {"op": "conjugate", "i": 1, "generator": 2},
    {"op": "conjugate", "i": 0, "generator": -1},
)


class InvalidPresentation(ValueError):
    """Input that is not a presentation on two generators."""


class IllegalMove(ValueError):
    """A move that is not one of the documented moves with valid arguments."""


def _is_int(value: Any) -> bool:
    return type(value) is int  # JSON integers; bools (and other int subclasses) are refused


def free_reduce(word: Word) -> Word:
    """Cancel every ``a a^-1`` (a stack: linear time)."""
    out: list[int] = []
    for letter in word:
        if out and out[-1] == -letter:
            out.pop()
        else:
            out.append(letter)
    return tuple(out)


def cyclic_reduce(word: Word) -> Word:
    """The freely reduced word with ``a ... a^-1`` stripped from its two ends (a conjugate of it)."""
    reduced = free_reduce(word)
    lo, hi = 0, len(reduced)
    while hi - lo >= 2 and reduced[lo] == -reduced[hi - 1]:
        lo += 1
        hi -= 1
    return reduced[lo:hi]


def inverse(word: Word) -> Word:
    return tuple(-letter for letter in reversed(word))


def is_cyclically_reduced(word: Word) -> bool:
    """No ``a a^-1`` anywhere and, for two letters or more, not ``a ... a^-1``."""
    if len(word) >= 2 and word[0] == -word[-1]:
        return False
    return not any(map(eq, word[1:], map(neg, word)))  # some letter followed by its inverse (C loops)


def _join(u: Word, v: Word) -> Word:
    """``free_reduce(u + v)`` for freely reduced ``u`` and ``v``: only the junction can cancel."""
    k, top = 0, min(len(u), len(v))
    while k < top and u[-1 - k] == -v[k]:
        k += 1
    return u[: len(u) - k] + v[k:] if k else u + v


def _strip(word: Word) -> Word:
    """``cyclic_reduce`` of a freely reduced word."""
    lo, hi = 0, len(word)
    while hi - lo >= 2 and word[lo] == -word[hi - 1]:
        lo += 1
        hi -= 1
    return word[lo:hi] if lo else word


@dataclass(frozen=True)
class Presentation:
    """Two relators on the generators x = 1, y = 2; built from JSON by :meth:`from_json` (validated there)."""

    relators: tuple[Word, Word]
    #: both relators freely and cyclically reduced (every state after a move is): moves then cancel at the
    #: junctions only, which is what makes a replay fast; the result is the same as reducing from scratch
    reduced_form: bool = False

    @classmethod
    def from_json(cls, relators: Any, max_length: int) -> Presentation:
        """``[[...], [...]]``: two lists of letters in {1, -1, 2, -2}, each at most ``max_length`` long."""
        if not isinstance(relators, list) or len(relators) != 2:
            raise InvalidPresentation("relators must be a list of exactly two words (a balanced presentation on x, y)")
        words = []
        for k, word in enumerate(relators):
            if not isinstance(word, list):
                raise InvalidPresentation(f"relator {k} must be a list of letters")
            if len(word) > max_length:
                raise InvalidPresentation(f"relator {k} has {len(word)} letters, over the limit of {max_length}")
            if set(map(type, word)) <= _INT and _LETTER_SET.issuperset(word):  # the common case, in C loops
                words.append(tuple(word))
                continue
            for letter in word:
                if not _is_int(letter) or letter not in LETTERS:
                    shown = repr(letter)[:40]
                    raise InvalidPresentation(
                        f"relator {k}: letter {shown} is not one of 1, -1, 2, -2 (x, x^-1, y, y^-1; two generators)"
                    )
            words.append(tuple(word))
        return cls((words[0], words[1]), all(is_cyclically_reduced(w) for w in words))

    def to_json(self) -> list[list[int]]:
        return [list(self.relators[0]), list(self.relators[1])]

    @property
    def length(self) -> int:
        return len(self.relators[0]) + len(self.relators[1])

    def reduced(self) -> Presentation:
        """Both relators freely and cyclically reduced."""
        if self.reduced_form:
            return self
        return Presentation((cyclic_reduce(self.relators[0]), cyclic_reduce(self.relators[1])), True)

    @property
    def is_trivial(self) -> bool:
        """``<x, y | x^±1, y^±1>`` in either order, after reduction."""
        a, b = self.reduced().relators
        return len(a) == 1 and len(b) == 1 and {abs(a[0]), abs(b[0])} == {1, 2}


def _index(move: dict[str, Any], key: str) -> int:
    value = move[key]
    if type(value) is not int or not 0 <= value <= 1:
        raise IllegalMove(f"{key} must be 0 or 1 (a relator), got {repr(value)[:40]}")
    return int(value)


def check_move(move: Any) -> dict[str, Any]:
    """The move if it is well formed (exact fields, valid arguments), else :class:`IllegalMove`."""
    if not isinstance(move, dict):
        raise IllegalMove("a move is an object")
    op = move.get("op")
    if type(op) is not str or op not in FIELDS:  # an unhashable op (a list) must be refused, not raise
        raise IllegalMove(f"op must be one of {', '.join(OPS)}, got {repr(op)[:40]}")
    if move.keys() != FIELDS[op]:
        raise IllegalMove(f"a {op} move has exactly the fields {', '.join(sorted(FIELDS[op]))}")
    if op == "concat":
        i, j = _index(move, "i"), _index(move, "j")
        if i == j:
            raise IllegalMove("concat needs two different relators (r_i r_i is not an AC move)")
        if type(move["sign"]) is not int or move["sign"] not in (1, -1):
            raise IllegalMove(f"sign must be 1 or -1, got {repr(move['sign'])[:40]}")
    elif op == "conjugate":
        _index(move, "i")
        g = move["generator"]
        if type(g) is not int or g not in LETTERS:
            raise IllegalMove(f"generator must be one of 1, -1, 2, -2, got {repr(g)[:40]}")
    elif op == "invert":
        _index(move, "i")
    return move


def step(relators: tuple[Word, Word], reduced: bool, move: Any) -> tuple[Word, Word]:
    """The relators after ``move`` (both then freely and cyclically reduced); ``reduced``: they are already.

    The replay's inner step, on plain tuples (a frozen dataclass per move costs a third of a replay). A
    well-formed ``concat`` or ``conjugate`` on reduced relators is checked and applied inline (the bulk of every
    replay); anything else goes through :func:`check_move`, which also words the refusals.
    """
    if reduced and type(move) is dict:
        keys = move.keys()
        if keys == _CONCAT_FIELDS and move["op"] == "concat":
            i, j, sign = move["i"], move["j"], move["sign"]
            if (
                type(i) is int
                and type(j) is int
                and type(sign) is int
                and i + j == 1
                and 0 <= i <= 1
                and sign in (1, -1)
            ):
                word = _strip(_join(relators[i], relators[j] if sign == 1 else inverse(relators[j])))
                return (word, relators[1]) if i == 0 else (relators[0], word)
        elif keys == _CONJUGATE_FIELDS and move["op"] == "conjugate":
            i, g = move["i"], move["generator"]
            if type(i) is int and type(g) is int and 0 <= i <= 1 and g in _LETTER_SET:
                word = _strip(_join(_join((g,), relators[i]), (-g,)))
                return (word, relators[1]) if i == 0 else (relators[0], word)
    move = check_move(move)
    op = move["op"]
    r0, r1 = relators
    if reduced:  # the same result as below, by cancelling at the junctions only
        if op == "concat":
            word = _strip(
                _join(relators[move["i"]], relators[move["j"]] if move["sign"] == 1 else inverse(relators[move["j"]]))
            )
        elif op == "conjugate":
            g = move["generator"]
            word = _strip(_join(_join((g,), relators[move["i"]]), (-g,)))
        elif op == "invert":
            word = inverse(relators[move["i"]])
        else:
            return r1, r0
        return (word, r1) if move["i"] == 0 else (r0, word)
    r = [r0, r1]
    if op == "concat":
        i, j = move["i"], move["j"]
        r[i] = r[i] + (r[j] if move["sign"] == 1 else inverse(r[j]))
    elif op == "conjugate":
        i, g = move["i"], move["generator"]
        r[i] = (g, *r[i], -g)
    elif op == "invert":
        r[move["i"]] = inverse(r[move["i"]])
    else:
        r = [r1, r0]
    return cyclic_reduce(r[0]), cyclic_reduce(r[1])


def replay(
    relators: tuple[Word, Word], reduced: bool, moves: list[Any], max_length: int, max_work: int
) -> tuple[tuple[Word, Word], int, str | None]:
    """Play ``moves`` from ``relators``: (the relators reached, the moves played, why the replay stopped or None).

    The certificate check's loop: the same result as :func:`step` move after move (differential tests say so),
    with the common well-formed ``concat`` and ``conjugate`` on reduced relators inlined (a function call per
    letter test would be most of a replay). Anything else goes through :func:`step`, whose :class:`IllegalMove`
    message becomes the reason. ``max_work`` bounds the sum over moves of the two relators' lengths + 2, and
    no relator may exceed ``max_length`` letters after any move.
    """
    r0, r1 = relators
    work = 0
    letters, ints = _LETTER_SET, int
    for done, move in enumerate(moves):
        work += len(r0) + len(r1) + 2
        if work > max_work:
            return (r0, r1), done, f"replay exceeds the work limit of {max_work}"
        word: Word | None = None
        if reduced and type(move) is dict:
            op, size = move.get("op"), len(move)
            if op == "conjugate" and size == 3:
                i, g = move.get("i"), move.get("generator")
                if type(i) is ints and type(g) is ints and g in letters and 0 <= i <= 1:
                    # g w g^-1 on a cyclically reduced w: a rotation by one letter, or w itself
                    w = r1 if i else r0
                    if len(w) > 1:
                        if w[0] == -g:
                            word = w[1:] + w[:1]
                        elif w[-1] == g:
                            word = w[-1:] + w[:-1]
                    if word is None:
                        word = w
            elif op == "concat" and size == 4:
                i, j, sign = move.get("i"), move.get("j"), move.get("sign")
                if type(i) is ints and type(j) is ints and type(sign) is ints and i + j == 1 and 0 <= i <= 1:
                    if sign == 1 or sign == -1:
                        u, v = (r1, r0) if i else (r0, r1)
                        if sign == -1:
                            v = tuple(map(neg, reversed(v)))
                        # only the junction can cancel (both freely reduced), then strip the two ends
                        k, top = 0, min(len(u), len(v))
                        while k < top and u[-1 - k] == -v[k]:
                            k += 1
                        w = u[: len(u) - k] + v[k:] if k else u + v
                        lo, hi = 0, len(w)
                        while hi - lo >= 2 and w[lo] == -w[hi - 1]:
                            lo += 1
                            hi -= 1
                        word = w[lo:hi] if lo else w
            if word is not None:
                if len(word) > max_length:
                    return (r0, r1), done, f"a relator exceeds the limit of {max_length} letters"
                if i:
                    r1 = word
                else:
                    r0 = word
                continue
        try:
            r0, r1 = step((r0, r1), reduced, move)
        except IllegalMove as exc:
            return (r0, r1), done, str(exc)
        reduced = True
        if len(r0) > max_length or len(r1) > max_length:
            return (r0, r1), done, f"a relator exceeds the limit of {max_length} letters"
    return (r0, r1), len(moves), None


def apply_move(state: Presentation, move: Any) -> Presentation:
    """The presentation after ``move`` (both relators then freely and cyclically reduced)."""
    return Presentation(step(state.relators, state.reduced_form, move), True)
