"""The compiled game logic of UnKnot-Diagram-v0: one step, a batch of steps, and the scramble generator (numba).

Thin over the kernel's fast path (:mod:`rigorgym.verifiers.pd_fast`): a step
decodes the action exactly as :class:`.actions.ActionLayout` does, applies
the move with the kernel's own array code, recomputes the exact mask and
writes the observation. The single env and the vector env both step through
:func:`step_row`, so they cannot drift (tests/test_unknot_diagram_vector.py).
Written by hand: no library steps Reidemeister moves in compiled code.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from rigorgym.verifiers.pd_fast import (
    OK,
    R1_ADD,
    R2_ADD,
    apply,
    decode,
    fill_mask,
)

#: ``step_row`` results: the action was illegal (no-op), applied, or hit a kernel inconsistency (a bug).
ILLEGAL_ACTION, APPLIED, KERNEL_BUG = 0, 1, 2


@njit(cache=True)
def write_observation(flat, meta, steps: int, pd, live, stats, previous: int) -> None:
    """The padded PD code ``(N, 4)``, the live-crossing flags and ``[crossings, steps]``.

    ``previous`` >= 0: the arrays hold this function's observation of a diagram of ``previous`` crossings,
    so only the first ``max(n, previous)`` rows can differ (the rest stay zero); -1 writes every row.
    """
    n = meta[0]
    rows = pd.shape[0] if previous < 0 else min(pd.shape[0], max(n, previous))
    for i in range(rows):
        if i < n:
            for s in range(4):
                pd[i, s] = flat[4 * i + s]
            live[i] = 1
        else:
            for s in range(4):
                pd[i, s] = 0
            live[i] = 0
    stats[0] = n
    stats[1] = steps


@njit(cache=True)
def step_row(
    flat, out, other, tails, meta, first, scratch, max_crossings: int, reach: int, action: int, mask, move
) -> int:
    """One env step on one diagram: decode ``action`` into ``move``, apply it if the mask allows, refresh the mask."""
    if action < 0 or action >= mask.shape[0] or not mask[action]:
        return ILLEGAL_ACTION
    before = meta[0]
    if not decode(flat, out, other, tails, before, max_crossings, reach, action, move):
        return ILLEGAL_ACTION
    status = apply(flat, out, other, tails, meta, first, scratch, move[0], move[1], move[2], move[3], move[4])
    if status != OK:
        return KERNEL_BUG  # the exact mask allowed a move the kernel refuses (or left the state half-written)
    fill_mask(flat, out, other, meta[0], max_crossings, reach, mask, scratch, before)
    return APPLIED


@njit(cache=True)
def _step_rows(lo, hi, state, view, max_crossings, reach, actions, skip, masks, history, n_moves, steps, result):
    """Rows ``lo..hi-1`` of a batch: ``state`` the seven arrays of :class:`pd_fast.Buffers` with a batch axis (in
    its ``args()`` order), ``view`` the observation arrays ``(pd, crossing_mask, stats)``."""
    flat, out, other, tails, meta, first, scratch = state
    pd, live, stats = view
    move = np.zeros(5, np.int64)
    for b in range(lo, hi):
        if skip[b]:
            result[b] = ILLEGAL_ACTION
            continue
        before = meta[b, 0]
        r = step_row(
            flat[b], out[b], other[b], tails[b], meta[b], first[b], scratch[b], max_crossings, reach, actions[b],
            masks[b], move,
        )  # fmt: skip
        result[b] = r
        if r == APPLIED:
            k = n_moves[b]
            if k < history.shape[1]:
                for j in range(5):
                    history[b, k, j] = move[j]
            n_moves[b] = k + 1
        steps[b] += 1
        write_observation(flat[b], meta[b], n_moves[b], pd[b], live[b], stats[b], before)


@njit(cache=True, parallel=True)
def step_batch(state, view, max_crossings, reach, actions, skip, masks, history, n_moves, steps, result, chunks):
    """:func:`step_row` on every row not in ``skip``, the rows split in ``chunks`` contiguous blocks (one per thread)."""
    b = state[0].shape[0]
    for c in prange(chunks):
        _step_rows(
            c * b // chunks, (c + 1) * b // chunks, state, view, max_crossings, reach, actions, skip, masks, history,
            n_moves, steps, result,
        )  # fmt: skip


@njit(cache=True)
def step_batch_serial(state, view, max_crossings, reach, actions, skip, masks, history, n_moves, steps, result, chunks):
    """:func:`step_batch` on one thread (small batches: no fork/join; ``chunks`` is ignored)."""
    _step_rows(
        0, state[0].shape[0], state, view, max_crossings, reach, actions, skip, masks, history, n_moves, steps, result
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
def _choose(mask, lo: int, hi: int, state) -> int:
    """A uniform True index of ``mask[lo:hi]`` (-1 if none); ``r mod count`` of a 64-bit draw (bias < count / 2^64)."""
    count = 0
    for i in range(lo, hi):
        count += mask[i]
    if count == 0:
        return -1
    r = np.int64(_next(state) % np.uint64(count))
    for i in range(lo, hi):
        if mask[i]:
            if r == 0:
                return i
            r -= 1
    return -1


@njit(cache=True)
def scramble(
    flat, out, other, tails, meta, first, scratch, crossings: int, shuffles: int, reach: int, seed: int, mask
) -> int:
    """:class:`.generator.ScrambledUnknotGenerator` on a loaded kink: grow by R2/R1 additions, shuffle by R3.

    ``mask`` is the layout of ``crossings + 2`` crossings; returns the kernel status (OK unless a bug).
    """
    state = np.zeros(1, np.uint64)
    state[0] = np.uint64(seed)
    cap = crossings + 2
    r1_add, r2_remove, r3, r2_add = cap, 9 * cap, 13 * cap, 17 * cap
    move = np.zeros(5, np.int64)
    while meta[0] < crossings:
        fill_mask(flat, out, other, meta[0], cap, reach, mask, scratch, -1)
        a = -1
        if meta[0] + 2 <= crossings:
            a = _choose(mask, r2_add, mask.shape[0], state)
        if a < 0:
            a = _choose(mask, r1_add, r2_remove, state)
        decode(flat, out, other, tails, meta[0], cap, reach, a, move)
        status = apply(flat, out, other, tails, meta, first, scratch, move[0], move[1], move[2], move[3], move[4])
        if status != OK or (move[0] != R1_ADD and move[0] != R2_ADD):
            return status if status != OK else -1
    for _ in range(shuffles):
        fill_mask(flat, out, other, meta[0], cap, reach, mask, scratch, -1)
        a = _choose(mask, r3, r2_add, state)
        if a < 0:
            break
        decode(flat, out, other, tails, meta[0], cap, reach, a, move)
        status = apply(flat, out, other, tails, meta, first, scratch, move[0], move[1], move[2], move[3], move[4])
        if status != OK:
            return status
    return OK
