"""The compiled game logic of AndrewsCurtis-v0: the twelve AC′ moves, the mask, a batch of steps, the scramble.

A state is one padded row ``rel`` of ``2 L`` int8 letters (``r0`` in
``rel[:L]``, ``r1`` in ``rel[L:]``, zeros after each relator: exactly the
observation, the source's layout) and ``meta`` int32 ``[len0, len1,
reduced]``. A step is the kernel's :func:`rigorgym.verifiers.andrews_curtis.step`
on :data:`~rigorgym.verifiers.andrews_curtis.SOURCE_MOVES`: build the new
relator, free-reduce it (a stack), strip ``a ... a^-1`` from its ends, and
reduce the other relator too while the state is not yet reduced (an
instance given unreduced at reset: the kernel reduces both relators after
the first move). An action is legal iff both results have at most ``L``
letters; the mask is exact (tests/test_andrews_curtis_env.py checks it and
every step against the kernel on thousands of random states).

Written by hand: no library steps AC moves in compiled code (the source's
``ac_solver`` is pure Python over numpy), and the vector env needs a step
of a few hundred nanoseconds. On a reduced state the mask costs almost
nothing: a conjugation of a cyclically reduced word is a rotation of it
(always legal), and a product's length needs only its junction and end
cancellations.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from rigorgym.verifiers.andrews_curtis import SOURCE_MOVES

#: ``step_row`` results: the action was illegal (a no-op) or applied.
ILLEGAL_ACTION, APPLIED = 0, 1
N_ACTIONS = len(SOURCE_MOVES)
CONCAT, CONJUGATE = 0, 1


def _table() -> np.ndarray:
    """``SOURCE_MOVES`` as rows ``[op, i, j, sign, generator]`` (op 0 concat, 1 conjugate)."""
    rows = []
    for m in SOURCE_MOVES:
        if m["op"] == "concat":
            rows.append([CONCAT, m["i"], m["j"], m["sign"], 0])
        else:
            rows.append([CONJUGATE, m["i"], 1 - m["i"], 0, m["generator"]])
    return np.array(rows, np.int64)


MOVES = _table()


@njit(cache=True, inline="always")
def _cyclic_reduce(buf, n: int) -> tuple[int, int]:
    """Free-reduce ``buf[:n]`` in place (a stack), then strip ``a ... a^-1`` ends: the word is ``buf[lo:lo+m]``."""
    top = 0
    for p in range(n):
        c = buf[p]
        if top > 0 and buf[top - 1] == -c:
            top -= 1
        else:
            buf[top] = c
            top += 1
    lo, hi = 0, top
    while hi - lo >= 2 and buf[lo] == -buf[hi - 1]:
        lo += 1
        hi -= 1
    return lo, hi - lo


@njit(cache=True)
def _build(rel, meta, length: int, action: int, buf) -> int:
    """The unreduced new relator of ``action`` in ``buf`` (its length returned)."""
    op, i, j, sign, g = MOVES[action, 0], MOVES[action, 1], MOVES[action, 2], MOVES[action, 3], MOVES[action, 4]
    a = meta[i]
    base = i * length
    if op == CONCAT:
        for p in range(a):
            buf[p] = rel[base + p]
        b = meta[j]
        other = j * length
        if sign == 1:
            for p in range(b):
                buf[a + p] = rel[other + p]
        else:
            for p in range(b):
                buf[a + p] = -rel[other + b - 1 - p]
        return a + b
    buf[0] = g
    for p in range(a):
        buf[1 + p] = rel[base + p]
    buf[a + 1] = -g
    return a + 2


@njit(cache=True, inline="always")
def _letter(rel, base: int, n: int, sign: int, p: int) -> int:
    """Letter ``p`` of the relator at ``base`` (``n`` letters), or of its inverse when ``sign`` is -1."""
    if sign == 1:
        return rel[base + p]
    return -rel[base + n - 1 - p]


@njit(cache=True)
def _concat_length(rel, meta, length: int, i: int, j: int, sign: int) -> int:
    """Length of ``cyclic_reduce(r_i r_j^sign)`` for cyclically reduced relators, without building it."""
    a, b = meta[i], meta[j]
    u, v = i * length, j * length
    k, top = 0, min(a, b)
    while k < top and rel[u + a - 1 - k] == -_letter(rel, v, b, sign, k):
        k += 1
    m, head = a + b - 2 * k, a - k
    lo, hi = 0, m
    while hi - lo >= 2:
        first = rel[u + lo] if lo < head else _letter(rel, v, b, sign, lo - head + k)
        q = hi - 1
        last = rel[u + q] if q < head else _letter(rel, v, b, sign, q - head + k)
        if first != -last:
            break
        lo += 1
        hi -= 1
    return hi - lo


@njit(cache=True)
def fill_mask(rel, meta, length: int, mask, buf) -> None:
    """The exact legality of the twelve actions: both relators of the result at most ``length`` letters."""
    if meta[2]:
        for action in range(N_ACTIONS):
            if MOVES[action, 0] == CONJUGATE:
                mask[action] = True  # a rotation of a cyclically reduced word: same length
            else:
                mask[action] = (
                    _concat_length(rel, meta, length, MOVES[action, 1], MOVES[action, 2], MOVES[action, 3]) <= length
                )
        return
    # Not yet reduced (an instance given so): the other relator only shrinks, so only the new one can overflow.
    for action in range(N_ACTIONS):
        n = _build(rel, meta, length, action, buf)
        _, m = _cyclic_reduce(buf, n)
        mask[action] = m <= length


@njit(cache=True)
def _write(rel, meta, length: int, r: int, buf, lo: int, m: int) -> None:
    """Relator ``r`` <- ``buf[lo:lo+m]``, zero-padded (only the letters past the new end that were set)."""
    base = r * length
    for p in range(m):
        rel[base + p] = buf[lo + p]
    for p in range(m, meta[r]):
        rel[base + p] = 0
    meta[r] = m


@njit(cache=True)
def apply_action(rel, meta, length: int, action: int, buf) -> bool:
    """The kernel's step of ``SOURCE_MOVES[action]`` if it keeps both relators within ``length`` (else no change)."""
    n = _build(rel, meta, length, action, buf)
    lo, m = _cyclic_reduce(buf, n)
    if m > length:
        return False
    i = MOVES[action, 1]
    _write(rel, meta, length, i, buf, lo, m)
    if not meta[2]:
        o = 1 - i
        base = o * length
        n = meta[o]
        for p in range(n):
            buf[p] = rel[base + p]
        lo, m = _cyclic_reduce(buf, n)
        _write(rel, meta, length, o, buf, lo, m)
        meta[2] = 1
    return True


@njit(cache=True)
def is_trivial(rel, meta, length: int) -> bool:
    """``<x, y | x^±1, y^±1>`` in either order (on a reduced state; the kernel's ``is_trivial``)."""
    if meta[0] != 1 or meta[1] != 1:
        return False
    a, b = abs(rel[0]), abs(rel[length])
    return a != b


@njit(cache=True)
def step_row(rel, meta, length: int, action: int, mask, buf) -> int:
    """One env step on one presentation: apply ``action`` if the mask allows, then refresh the mask."""
    if action < 0 or action >= N_ACTIONS or not mask[action]:
        return ILLEGAL_ACTION
    apply_action(rel, meta, length, action, buf)
    fill_mask(rel, meta, length, mask, buf)
    return APPLIED


@njit(cache=True)
def _step_rows(lo, hi, rel, meta, length, actions, skip, masks, history, n_moves, steps, result, solved, lengths):
    """Rows ``lo..hi-1`` of a batch (the state arrays with a leading batch axis)."""
    buf = np.zeros(2 * length + 2, np.int8)
    for b in range(lo, hi):
        if skip[b]:
            result[b] = ILLEGAL_ACTION
            solved[b] = False
            lengths[b] = meta[b, 0] + meta[b, 1]
            continue
        r = step_row(rel[b], meta[b], length, actions[b], masks[b], buf)
        result[b] = r
        if r == APPLIED:
            k = n_moves[b]
            if k < history.shape[1]:
                history[b, k] = actions[b]
            n_moves[b] = k + 1
        steps[b] += 1
        solved[b] = r == APPLIED and is_trivial(rel[b], meta[b], length)
        lengths[b] = meta[b, 0] + meta[b, 1]


@njit(cache=True, parallel=True)
def step_batch(rel, meta, length, actions, skip, masks, history, n_moves, steps, result, solved, lengths, chunks):
    """:func:`step_row` on every row not in ``skip``, the rows split in ``chunks`` contiguous blocks (one per thread)."""
    b = rel.shape[0]
    for c in prange(chunks):
        _step_rows(
            c * b // chunks, (c + 1) * b // chunks, rel, meta, length, actions, skip, masks, history, n_moves, steps,
            result, solved, lengths,
        )  # fmt: skip


@njit(cache=True)
def step_batch_serial(
    rel, meta, length, actions, skip, masks, history, n_moves, steps, result, solved, lengths, chunks
):
    """:func:`step_batch` on one thread (small batches: no fork/join; ``chunks`` is ignored)."""
    _step_rows(
        0, rel.shape[0], rel, meta, length, actions, skip, masks, history, n_moves, steps, result, solved, lengths
    )


@njit(cache=True, inline="always")
def _next(state) -> np.uint64:
    """splitmix64: the generator's own stream (numba's global generator is not per-instance)."""
    state[0] += np.uint64(0x9E3779B97F4A7C15)
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def _choose(mask, state) -> int:
    """A uniform True index of ``mask`` (-1 if none); ``r mod count`` of a 64-bit draw (bias < count / 2^64)."""
    count = 0
    for i in range(mask.shape[0]):
        count += mask[i]
    if count == 0:
        return -1
    r = np.int64(_next(state) % np.uint64(count))
    for i in range(mask.shape[0]):
        if mask[i]:
            if r == 0:
                return i
            r -= 1
    return -1


@njit(cache=True)
def scramble(rel, meta, length: int, moves: int, seed: int, mask, buf, played) -> int:
    """:class:`.generator.ScrambledTrivialGenerator`: ``<x, y | x, y>`` then ``moves`` uniform legal actions, more
    while the result is still trivial (at most ``played.shape[0]`` in all); the actions go to ``played``.

    Leaves ``mask`` filled for the result; returns the number of actions played (-1: still trivial at the cap).
    """
    state = np.zeros(1, np.uint64)
    state[0] = np.uint64(seed)
    for p in range(rel.shape[0]):
        rel[p] = 0
    rel[0], rel[length] = 1, 2
    meta[0], meta[1], meta[2] = 1, 1, 1
    done = 0
    while done < played.shape[0]:
        if done >= moves and not is_trivial(rel, meta, length):
            break
        fill_mask(rel, meta, length, mask, buf)
        a = _choose(mask, state)
        apply_action(rel, meta, length, a, buf)
        played[done] = a
        done += 1
    fill_mask(rel, meta, length, mask, buf)
    return -1 if is_trivial(rel, meta, length) else done
