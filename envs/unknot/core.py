"""Fast braid state transitions for UnKnot-v0 (numba), shared by the single and the vector env.

A state is one ``int32`` row ``[n, w_0, ..., w_{Lmax-1}]`` (the observation
itself: strand count, then the word padded with zeros) plus its length ``L``.
These functions mirror ``rigorgym.verifiers.braid`` move for move; the kernel
stays the reference, and the property tests replay every trajectory through
it. Written by hand because no library steps braid words in batches.
"""

from __future__ import annotations

import numpy as np
from numba import njit

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
def is_legal(row, length, lmax, nmax, kind, pos, gen) -> bool:  # type: ignore[no-untyped-def]
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


@njit(cache=True)
def apply_legal(row, length, kind, pos, gen) -> int:  # type: ignore[no-untyped-def]
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
        tmp = w[:length].copy()
        for p in range(length):
            w[p] = tmp[(p + pos) % length]
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


@njit(cache=True)
def fill_mask(row, length, lmax, nmax, mask) -> None:  # type: ignore[no-untyped-def]
    """Write the legal-action mask of a state (layout of ``actions.ActionLayout``)."""
    n = row[0]
    w = row[1:]
    mask[:] = False
    if length >= 2:
        for i in range(length):
            j = i + 1 if i + 1 < length else 0  # cyclic, without a slow modulo
            a = w[i]
            b = w[j]
            mask[i] = a == -b
            mask[lmax + i] = abs(abs(a) - abs(b)) >= 2
            if length >= 3:
                k = j + 1 if j + 1 < length else 0
                mask[2 * lmax + i] = a == w[k] and (a > 0) == (b > 0) and abs(abs(a) - abs(b)) == 1
    if length >= 2:
        mask[3 * lmax + 1 : 3 * lmax + length] = True
    n_gen = 2 * (nmax - 1)
    if length + 2 <= lmax and n >= 2:
        base = 4 * lmax
        usable = 2 * (n - 1)
        for i in range(length + 1):
            mask[base + i * n_gen : base + i * n_gen + usable] = True
    stab = 4 * lmax + (lmax - 1) * n_gen
    if n < nmax and length + 1 <= lmax:
        mask[stab] = True
        mask[stab + 1] = True
    mask[stab + 2] = _destabilizable(row, length)


@njit(cache=True)
def step_one(row, length, action, kind_t, pos_t, gen_t, lmax, nmax, mask):  # type: ignore[no-untyped-def]
    """One env step in one call: returns ``(new_length, legal)`` and refreshes ``mask``."""
    legal = False
    if 0 <= action < kind_t.shape[0]:
        k, p, g = kind_t[action], pos_t[action], gen_t[action]
        legal = is_legal(row, length, lmax, nmax, k, p, g)
        if legal:
            length = apply_legal(row, length, k, p, g)
    fill_mask(row, length, lmax, nmax, mask)
    return length, legal


@njit(cache=True)
def step_batch(obs, lengths, actions, skip, kind_t, pos_t, gen_t, lmax, nmax, legal, masks) -> None:  # type: ignore[no-untyped-def]
    """Step every row whose ``skip`` flag is off; refresh every mask."""
    for b in range(obs.shape[0]):
        a = actions[b]
        if skip[b] or not 0 <= a < kind_t.shape[0]:
            legal[b] = False
        else:
            k, p, g = kind_t[a], pos_t[a], gen_t[a]
            ok = is_legal(obs[b], lengths[b], lmax, nmax, k, p, g)
            legal[b] = ok
            if ok:
                lengths[b] = apply_legal(obs[b], lengths[b], k, p, g)
        fill_mask(obs[b], lengths[b], lmax, nmax, masks[b])


@njit(cache=True)
def grow(uniforms, strands, length, mix, row, cur, moves) -> int:  # type: ignore[no-untyped-def]
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
