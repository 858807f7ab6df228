"""Moves for the AndrewsCurtis-v0 search agents: the kernel's step specialised, products of rotations, the endgame.

Everything here plays the kernel's moves (:mod:`rigorgym.verifiers.andrews_curtis`: after every move both
relators are freely and cyclically reduced). ``_source_child`` is the kernel's step of one of the twelve
``SOURCE_MOVES``; ``_macro_moves`` spells a product ``rot_a(r_i) · rot_c(r_j)^±1`` as single-letter conjugations
and one ``concat``; :func:`endgame` finishes any presentation with a relator meeting a generator exactly once.
ac-search keeps words as bytes (letter ``l -> l + 2``) so that rotations, inverses and keys run in C.
"""

from __future__ import annotations

from typing import Any

from rigorgym.verifiers.andrews_curtis import SOURCE_MOVES, _join, _strip
from rigorgym.verifiers.andrews_curtis import step as kernel_step

Word = tuple[int, ...]
State = tuple[Word, Word]
Move = dict[str, Any]

# ---------------------------------------------------------------- the kernel's step, specialised


def _inverse(w: Word) -> Word:
    return tuple(-a for a in reversed(w))


def _product(u: Word, v: Word) -> Word:
    """``cyclic_reduce(u v)`` for cyclically reduced ``u`` and ``v`` (cancellation at the junctions only)."""
    return _strip(_join(u, v))


def _conjugate(w: Word, g: int) -> Word:
    """``cyclic_reduce(g w g^-1)`` for cyclically reduced ``w``: a rotation by one letter, or ``w`` itself."""
    if not w:
        return w
    if w[0] == -g:
        return w[1:] + (w[0],) if len(w) > 1 else w
    if w[-1] == g:
        return (w[-1],) + w[:-1] if len(w) > 1 else w
    return w


def _source_child(state: State, action: int) -> State:
    """The kernel's step of ``SOURCE_MOVES[action]`` on a reduced state (checked against the kernel in the tests)."""
    move = SOURCE_MOVES[action]
    i = move["i"]
    if move["op"] == "concat":
        other = state[move["j"]]
        word = _product(state[i], other if move["sign"] == 1 else _inverse(other))
    else:
        word = _conjugate(state[i], move["generator"])
    return (word, state[1]) if i == 0 else (state[0], word)


def is_trivial(state: State) -> bool:
    a, b = state
    return len(a) == 1 and len(b) == 1 and abs(a[0]) != abs(b[0])


def source_cap(state: State) -> int:
    """The source's relator length cap (its padding), ``max(18, 2 L + 2)`` for ``L`` the longer relator."""
    return max(18, 2 * max(len(state[0]), len(state[1])) + 2)


def replay(relators: State, moves: list[Move]) -> State:
    """The relators after ``moves`` by the kernel's own step (a path's check before it becomes a certificate)."""
    for move in moves:
        relators = kernel_step(relators, True, move)
    return relators


# ---------------------------------------------------------------- the endgame: a generator met once


def _once(w: Word) -> int:
    """A generator (1 for x, 2 for y) whose letters occur exactly once in ``w``, else 0."""
    for g in (1, 2):
        if sum(1 for a in w if abs(a) == g) == 1:
            return g
    return 0


def endgame(state: State) -> list[Move] | None:
    """Kernel moves from ``state`` to the trivial presentation when a relator meets a generator exactly once.

    If ``r_s = g u`` up to rotation with ``u`` free of ``g``, then ``g = u^-1`` and substituting it for each
    ``g^±1`` of the other relator (one product ``rot(r_m) · rot(r_s)^±1`` each, cancelling that letter) leaves a
    word in the other generator alone, ``h^k``; the group is trivial iff ``k = ±1``, and then ``r_s`` loses its
    ``h`` letters one product with ``h^±1`` at a time. None when no relator qualifies or ``k != ±1``.
    """
    for s in (0, 1):
        g = _once(state[s])
        if g:
            break
    else:
        return None
    m = 1 - s
    moves: list[Move] = []

    def play(batch: list[Move]) -> None:
        nonlocal state
        moves.extend(batch)
        state = replay(state, batch)

    while True:
        other = state[m]
        q = next((t for t in range(len(other)) if abs(other[t]) == g), -1)
        if q < 0:
            break
        f = other[q]
        p = next(t for t in range(len(state[s])) if abs(state[s][t]) == g)
        e = state[s][p]
        # rot(r_m) ends with g^f; rot(r_s)^sign must start with g^-f
        c, sign = (p, 1) if e == -f else (p + 1, -1)
        batch = _macro_moves(state, m, q + 1, c, sign)
        play(batch)
    if len(state[m]) != 1:
        return None
    while len(state[s]) > 1:
        r = state[s]
        q = next(t for t in range(len(r)) if abs(r[t]) != g)
        play(_macro_moves(state, s, q + 1, 0, -1 if r[q] == state[m][0] else 1))
    return moves if is_trivial(state) else None


# ---------------------------------------------------------------- ac-search

# ac-search keeps words as bytes (letter l -> l + 2, so the inverse letter is 4 - code): rotations, inverses and
# comparisons then run in C, which matters because every child's class key looks at all its rotations.
_INV = bytes((4 - c) % 256 for c in range(256))


def _encode(w: Word) -> bytes:
    return bytes(a + 2 for a in w)


def _decode(b: bytes) -> Word:
    return tuple(c - 2 for c in b)


def _binverse(b: bytes) -> bytes:
    return b[::-1].translate(_INV)


def _bproduct(u: bytes, v: bytes) -> bytes:
    """:func:`_product` on encoded words."""
    k, top = 0, min(len(u), len(v))
    while k < top and u[-1 - k] + v[k] == 4:
        k += 1
    w = u[: len(u) - k] + v[k:] if k else u + v
    lo, hi = 0, len(w)
    while hi - lo >= 2 and w[lo] + w[hi - 1] == 4:
        lo += 1
        hi -= 1
    return w[lo:hi] if lo else w


def _bkey(w: bytes) -> bytes:
    """The least rotation of ``w`` or of its inverse: equal for words one conjugation/inversion apart."""
    n = len(w)
    d, e = w + w, _binverse(w) * 2
    return min([d[k : k + n] for k in range(n)] + [e[k : k + n] for k in range(n)], default=w)


def class_key(state: State) -> tuple[bytes, bytes]:
    """A presentation up to rotating or inverting either relator and swapping them."""
    a, b = _bkey(_encode(state[0])), _bkey(_encode(state[1]))
    return (a, b) if a <= b else (b, a)


def _rotations(i: int, w: Word, k: int) -> list[Move]:
    """Kernel conjugations that rotate relator ``i`` (cyclically reduced ``w``) left by ``k`` letters, the short way."""
    n = len(w)
    k %= max(n, 1)
    if k <= n - k:
        return [{"op": "conjugate", "i": i, "generator": -w[t]} for t in range(k)]
    return [{"op": "conjugate", "i": i, "generator": w[n - 1 - t]} for t in range(n - k)]


def _macro_moves(state: State, i: int, a: int, c: int, sign: int) -> list[Move]:
    """Rotate ``r_i`` left by ``a``, ``r_j`` left by ``c``, then ``r_i <- r_i r_j^sign`` (kernel moves)."""
    j = 1 - i
    return [
        *_rotations(i, state[i], a),
        *_rotations(j, state[j], c),
        {"op": "concat", "i": i, "j": j, "sign": sign},
    ]
