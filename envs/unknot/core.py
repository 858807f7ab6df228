"""Fast braid state transitions for UnKnot-v0 (numba), shared by the single and the vector env.

A state is one ``int8`` row ``[n, w_0, ..., w_{Lmax-1}]`` (the observation
itself: strand count, then the word padded with zeros) plus its length ``L``.
These functions mirror ``rigorgym.verifiers.braid`` move for move; the kernel
stays the reference, and the property tests replay every trajectory through
it. Written by hand because no library steps braid words in batches.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .actions import BRAID, CANCEL, COMMUTE, INSERT, ROTATE, STABILIZE


@njit(cache=True, inline="always")
def _destabilizable(row: np.ndarray, length: int) -> bool:
    n = row[0]
    if n < 2 or length < 1 or abs(row[length]) != n - 1:
        return False
    for p in range(1, length):
        if abs(row[p]) == n - 1:
            return False
    return True


@njit(cache=True)
def is_legal(row, length, lmax, nmax, kind, pos, gen) -> bool:
    """Whether the move (kind, pos, gen) is legal in the env (a subset of the kernel's)."""
    n = row[0]
    if kind == CANCEL or kind == COMMUTE:
        if length < 2 or pos >= length:
            return False
        a = row[1 + pos]
        b = row[1 + (pos + 1) % length]
        if kind == CANCEL:
            return a == -b
        return abs(abs(a) - abs(b)) >= 2
    if kind == BRAID:
        if length < 3 or pos >= length:
            return False
        a = row[1 + pos]
        b = row[1 + (pos + 1) % length]
        c = row[1 + (pos + 2) % length]
        return a == c and (a > 0) == (b > 0) and abs(abs(a) - abs(b)) == 1
    if kind == ROTATE:
        return 1 <= pos < length
    if kind == INSERT:
        return pos <= length and length + 2 <= lmax and abs(gen) <= n - 1
    if kind == STABILIZE:
        return n < nmax and length + 1 <= lmax
    return _destabilizable(row, length)


@njit(cache=True, inline="always")
def _rotate_left(a, length, k) -> None:
    """``a[:length]`` rotated left by ``k`` in place (explicit loops: numba's overlapping slice copies allocate)."""
    tmp = np.empty(k, a.dtype)
    for q in range(k):
        tmp[q] = a[q]
    for q in range(length - k):
        a[q] = a[q + k]
    for q in range(k):
        a[length - k + q] = tmp[q]


@njit(cache=True)
def apply_legal(row, length, kind, pos, gen) -> int:
    """Apply a legal move in place; return the new length (the strand count is ``row[0]``)."""
    w = row[1:]
    if kind == CANCEL:
        if pos + 1 < length:
            for p in range(pos, length - 2):
                w[p] = w[p + 2]
        else:  # the pair wraps around the end: drop the last and the first letter
            for p in range(length - 2):
                w[p] = w[p + 1]
        w[length - 2] = 0
        w[length - 1] = 0
        return length - 2
    if kind == COMMUTE:
        q = (pos + 1) % length
        t = w[pos]
        w[pos] = w[q]
        w[q] = t
        return length
    if kind == BRAID:
        q, r = (pos + 1) % length, (pos + 2) % length
        a, b = w[pos], w[q]
        w[pos] = b
        w[q] = a
        w[r] = b
        return length
    if kind == ROTATE:
        _rotate_left(w, length, pos)
        return length
    if kind == INSERT:
        for p in range(length - 1, pos - 1, -1):
            w[p + 2] = w[p]
        w[pos] = gen
        w[pos + 1] = -gen
        return length + 2
    if kind == STABILIZE:
        w[length] = gen * row[0]
        row[0] += 1
        return length + 1
    # DESTABILIZE
    w[length - 1] = 0
    row[0] -= 1
    return length - 1


@njit(cache=True, inline="always")
def _mask_window(mask, lmax, i, a, b, c, with_braid) -> None:
    # branch-free on purpose: the letters are random, so `and` chains mispredict
    da = abs(a)
    db = abs(b)
    mask[i] = a == -b
    mask[lmax + i] = abs(da - db) >= 2
    mask[2 * lmax + i] = with_braid & (a == c) & ((a > 0) == (b > 0)) & (abs(da - db) == 1)


@njit(cache=True, inline="always")
def _mask_positions(row, length, old_length, lmax, mask) -> None:
    """Cancel, commute and braid entries: positions below ``length``, cleared up to ``old_length``."""
    w = row[1:]
    if length >= 3:
        for i in range(length - 2):
            _mask_window(mask, lmax, i, w[i], w[i + 1], w[i + 2], True)
        # the two windows that wrap around the end of the cyclic word
        _mask_window(mask, lmax, length - 2, w[length - 2], w[length - 1], w[0], True)
        _mask_window(mask, lmax, length - 1, w[length - 1], w[0], w[1], True)
    elif length == 2:
        _mask_window(mask, lmax, 0, w[0], w[1], 0, False)
        _mask_window(mask, lmax, 1, w[1], w[0], 0, False)
    else:
        for i in range(length):
            mask[i] = mask[lmax + i] = mask[2 * lmax + i] = False
    for i in range(length, old_length):
        mask[i] = mask[lmax + i] = mask[2 * lmax + i] = False


@njit(cache=True, inline="always")
def _fill(mask, start, stop, value) -> None:
    # an explicit loop: numba's slice assignment costs more for these short runs
    for q in range(start, stop):
        mask[q] = value


@njit(cache=True, inline="always")
def _mask_growth(n, length, old_n, old_length, lmax, nmax, mask) -> None:
    """Rotate and insert entries, which depend only on ``(n, length)``: rewritten from the old state's.

    Inserts are generator-major (``actions.py``): generator ``c`` owns the run
    ``[base + c (lmax - 1), ...)`` of positions, so each usable generator is
    one contiguous run, and a length change only touches the run's tail.
    """
    for k in range(max(1, min(length, old_length)), max(length, old_length)):
        mask[3 * lmax + k] = k < length
    run = lmax - 1
    base = 4 * lmax
    old_on = old_length + 2 <= lmax and old_n >= 2
    on = length + 2 <= lmax and n >= 2
    if old_on and on and n == old_n:
        for c in range(2 * (n - 1)):
            start = base + c * run
            if length > old_length:
                _fill(mask, start + old_length + 1, start + length + 1, True)
            else:
                _fill(mask, start + length + 1, start + old_length + 1, False)
        return
    if old_on:
        for c in range(2 * (old_n - 1)):
            _fill(mask, base + c * run, base + c * run + old_length + 1, False)
    if on:
        for c in range(2 * (n - 1)):
            _fill(mask, base + c * run, base + c * run + length + 1, True)


@njit(cache=True, inline="always")
def _mask_markov(row, length, lmax, nmax, mask) -> None:
    n = row[0]
    stab = 4 * lmax + (lmax - 1) * 2 * (nmax - 1)
    mask[stab] = mask[stab + 1] = n < nmax and length + 1 <= lmax
    mask[stab + 2] = _destabilizable(row, length)


@njit(cache=True)
def fill_mask(row, length, lmax, nmax, mask) -> None:
    """Write the legal-action mask of a state (layout of ``actions.ActionLayout``)."""
    mask[:] = False
    _mask_positions(row, length, 0, lmax, mask)
    _mask_growth(row[0], length, 1, 0, lmax, nmax, mask)
    _mask_markov(row, length, lmax, nmax, mask)


@njit(cache=True)
def update_mask(row, length, old_n, old_length, lmax, nmax, mask, kind, pos) -> None:
    """Bring the mask of the state ``(old_n, old_length)`` up to date after the move ``(kind, pos)``.

    Only what the move can change is rewritten: a commutation or braid
    relation at ``pos`` changes the windows that start within two places of
    it; other moves shift positions, so their windows are recomputed.
    """
    if (kind == COMMUTE or kind == BRAID) and length >= 5:
        w = row[1:]
        for d in range(-2, 3):
            i = (pos + d) % length
            j = (i + 1) % length
            _mask_window(mask, lmax, i, w[i], w[j], w[(j + 1) % length], True)
    else:
        _mask_positions(row, length, old_length, lmax, mask)
    if length != old_length or row[0] != old_n:
        _mask_growth(row[0], length, old_n, old_length, lmax, nmax, mask)
    _mask_markov(row, length, lmax, nmax, mask)


@njit(cache=True)
def step_one(row, length, action, kind_t, pos_t, gen_t, lmax, nmax, mask):
    """One env step in one call: returns ``(new_length, legal)`` and updates ``mask`` in place."""
    legal = False
    if 0 <= action < kind_t.shape[0]:
        k, p, g = kind_t[action], pos_t[action], gen_t[action]
        legal = is_legal(row, length, lmax, nmax, k, p, g)
        if legal:
            old_n = row[0]
            new_length = apply_legal(row, length, k, p, g)
            update_mask(row, new_length, old_n, length, lmax, nmax, mask, k, p)
            length = new_length
    return length, legal


@njit(cache=True, parallel=True)
def step_batch(
    obs, lengths, actions, fresh, kind_t, pos_t, gen_t, lmax, nmax, legal, masks, out, copy_out, steps, history
) -> None:
    """Step every row, in parallel; a ``fresh`` row (just reset) is not stepped and gets its full mask.

    A stepped row records its action (or -1 when illegal) in ``history`` at
    ``steps[b]`` and counts the step. With ``copy_out``, each updated mask row
    is also copied into ``out`` while it is still in cache (``copy=True``).
    """
    for b in prange(obs.shape[0]):
        if fresh[b]:
            legal[b] = False
            fill_mask(obs[b], lengths[b], lmax, nmax, masks[b])
        else:
            lengths[b], legal[b] = step_one(obs[b], lengths[b], actions[b], kind_t, pos_t, gen_t, lmax, nmax, masks[b])
            history[b, steps[b]] = actions[b] if legal[b] else -1
            steps[b] += 1
        if copy_out:
            out[b, :] = masks[b]


@njit(cache=True)
def grow(uniforms, strands, length, mix, row, cur, moves) -> int:
    """Grow the braid in ``row`` (word length ``cur``) to ``strands`` strands and length ``length``.

    Every step is a kernel move whose inverse is a kernel move, so the knot
    type never changes. ``uniforms`` are floats in [0, 1) drawn by the
    caller's seeded generator (so growth is reproducible); ``moves`` (rows
    ``kind, pos, gen``) receives the moves applied. Returns the number of
    moves. The distribution is documented in ``ScrambleGenerator``.
    """
    lmax = row.shape[0] - 1
    u = 0
    n_moves = 0
    n_stab = strands - row[0]
    n_ins = (length - cur - n_stab) // 2
    events = n_stab + n_ins
    choice = np.empty(3 * lmax, np.int32)
    for e in range(events):
        # the first event is a stabilization, so that inserts have a generator
        left_stab = strands - row[0]
        left = events - e
        if row[0] == 1 or uniforms[u] * left < left_stab:
            kind, p, g = STABILIZE, 0, 1 if uniforms[u + 1] < 0.5 else -1
        else:
            kind = INSERT
            p = min(int(uniforms[u + 1] * (cur + 1)), cur)
            g = 1 + min(int(uniforms[u + 2] * (row[0] - 1)), row[0] - 2)
            if uniforms[u + 3] < 0.5:
                g = -g
        u += 4
        cur = apply_legal(row, cur, kind, p, g)
        moves[n_moves, 0], moves[n_moves, 1], moves[n_moves, 2] = kind, p, g
        n_moves += 1
        for _ in range(mix):
            # uniform over the legal commute, braid and non-trivial rotate moves
            c = 0
            for i in range(cur):
                if is_legal(row, cur, lmax, lmax, COMMUTE, i, 0):
                    choice[c] = i
                    c += 1
                if is_legal(row, cur, lmax, lmax, BRAID, i, 0):
                    choice[c] = lmax + i
                    c += 1
                if i >= 1:
                    choice[c] = 2 * lmax + i
                    c += 1
            if c == 0:
                u += 1
                continue
            pick = choice[min(int(uniforms[u] * c), c - 1)]
            u += 1
            kind = (COMMUTE, BRAID, ROTATE)[pick // lmax]
            p = pick % lmax
            cur = apply_legal(row, cur, kind, p, 0)
            moves[n_moves, 0], moves[n_moves, 1], moves[n_moves, 2] = kind, p, 0
            n_moves += 1
    return n_moves


@njit(cache=True)
def grow_batch(uniforms, strands, length, mix, rows, n_moves) -> None:
    """:func:`grow` from each row's state (word length 0) with its row of ``uniforms``."""
    moves = np.zeros((n_moves, 3), np.int32)
    for b in range(rows.shape[0]):
        grow(uniforms[b], strands, length, mix, rows[b], 0, moves)
