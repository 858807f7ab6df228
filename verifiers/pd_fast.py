"""The Reidemeister kernel's compiled fast path: the moves of :mod:`.reidemeister` on flat arrays (numba).

Why: the plain kernel spends about 19 µs of Python per move (most of it
renumbering the edges into canonical form), which caps a replay at ~50,000
moves/s and the env at a few thousand steps/s. This module is a line-by-line
transcription of :mod:`.pd` (``_partners``, ``_canonical``, faces) and
:mod:`.reidemeister` (the five moves and their legality checks) onto integer
arrays, plus the env's action mask and decoding (:class:`ActionLayout
<rigorgym.envs.unknot_diagram.actions.ActionLayout>`), so that a whole replay
or a batch of env steps is one compiled call. Everything is integer
arithmetic: exact.

Trust: the plain kernel stays the reference. The certificate checker
accepts on the fast path only (it never turns a rejection into an
acceptance), and takes every rejection's message from the plain kernel;
``tests/test_pd_fast.py`` checks that both give the same diagram after every
move of random play and the same verdict on thousands of random and sloppy
move lists.

State of a diagram with ``n`` crossings (canonical form, docs/certificates.md)
    ``flat[:4n]`` the labels by position, ``out[:4n]`` 1 where the position is
    its edge's tail, ``other[:4n]`` the partner position, ``tails[1:2n+1]``
    the tail position of each edge; ``meta = [n, loops]``. Arrays are sized
    for a capacity of ``cap`` crossings (``4 cap`` positions); ``first`` and
    ``scratch`` are work space of ``2 cap + 8`` and at least ``12 cap`` entries.

A move is a row of 5 ints ``(op, a, b, c, d)``:
    ``R1_REMOVE (crossing)``, ``R1_ADD (edge, side, first)``,
    ``R2_REMOVE (edge, side)``, ``R2_ADD (over, over_side, under,
    under_side)``, ``R3 (edge, side)``; side 0 = left, 1 = right; first 0 =
    over, 1 = under.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from .pd import PD

R1_REMOVE, R1_ADD, R2_REMOVE, R2_ADD, R3 = 0, 1, 2, 3, 4
OPS = ("r1_remove", "r1_add", "r2_remove", "r2_add", "r3")
#: Move statuses: applied; illegal; past the capacity (or, in a replay, past ``max_crossings``); inconsistent
#: directions (a kernel bug, never user input); and, in a replay only, past the work limit.
OK, ILLEGAL, FULL, BUG, WORK = 0, 1, 2, 3, 4
SIDES = ("left", "right")
FIRST = ("over", "under")

#: R1-add slots (:data:`.reidemeister._KINKS`), indexed by ``2 side + first``: piece 0 before, 1 loop, 2 after.
KINK_PIECE = np.array([[1, 0, 2, 1], [0, 2, 1, 1], [1, 1, 2, 0], [0, 1, 1, 2]], np.int64)
KINK_OUT = np.array([[0, 0, 1, 1], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 1, 1]], np.int8)


#: The integer type of labels and positions: int32 halves the memory a batch of diagrams streams through per step
#: (labels and positions stay below 8 * MAX_CROSSINGS + 8, far inside its range).
INDEX = np.int32
#: Unsigned index casts for the hot loops (labels and positions are never negative where they index).
U = np.uint32


class Buffers:
    """The arrays of one diagram of capacity ``cap`` (see the module docstring)."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.flat = np.zeros(4 * cap, INDEX)
        self.out = np.zeros(4 * cap, np.int8)
        self.other = np.zeros(4 * cap, INDEX)
        self.tails = np.zeros(2 * cap + 2, INDEX)
        self.meta = np.zeros(2, np.int64)
        self.first = np.zeros(2 * cap + 8, INDEX)
        self.scratch = np.zeros(16 * cap, INDEX)  # 12 cap are needed; 16 measured faster in a batch (row stride)

    def load(self, flat: Any, out: Any, loops: int) -> None:
        """Load a canonical diagram (``PD.labels``, ``PD.out``)."""
        size = len(flat)
        self.flat[:size] = flat
        self.out[:size] = out
        self.meta[0], self.meta[1] = size // 4, loops
        status = canonical(self.flat, self.out, self.other, self.tails, size // 4, 2 * self.cap + 7, self.first)
        if status != OK:
            raise ValueError("not a canonical diagram")

    def args(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return (self.flat, self.out, self.other, self.tails, self.meta, self.first, self.scratch)


@njit(cache=True, inline="always")
def rot(p: int) -> int:
    return (p & ~3) | ((p + 1) & 3)


@njit(cache=True)
def canonical(flat, out, other, tails, n, maxlabel, first) -> int:  # type: ignore[no-untyped-def]
    """Partners and canonical labels of ``flat[:4n]`` (any labels in ``0..maxlabel``), in place (pd._canonical).

    Indices go through :data:`U` (unsigned): numba then skips the negative-index check, which sits on the
    pointer chase of the walk below (measured ~20% of this function).
    """
    size = 4 * n
    for unused in range(maxlabel + 1):
        first[unused] = -1
    pairs = 0
    for p in range(size):
        label = U(flat[p])
        q = first[label]
        if q == -1:
            first[label] = p
        elif q == -2:
            return BUG
        else:
            other[p] = q
            other[U(q)] = p
            first[label] = -2
            pairs += 1
    if 2 * pairs != size:
        return BUG  # a label that occurs once
    # the old labels are no longer needed: 0 marks a position not yet renumbered
    for p in range(size):
        flat[p] = 0
    following = 1
    for start in range(size):
        if flat[start]:
            continue
        tail = U(start if out[start] else other[start])
        x = tail
        while True:
            head = U(other[x])
            if not out[x] or out[head]:
                return BUG
            flat[x] = following
            flat[head] = following
            tails[following] = x
            following += 1
            x = U(head ^ U(2))
            if x == tail:
                break
    return OK


@njit(cache=True, inline="always")
def dart_of(other, tails, edge: int, side: int) -> int:  # type: ignore[no-untyped-def]
    """PD.dart: the tail walks the face on the right of its edge, the head the face on the left."""
    tail: int = tails[edge]
    return tail if side == 1 else int(other[tail])


@njit(cache=True)
def face_length(other, dart: int) -> int:  # type: ignore[no-untyped-def]
    length = 1
    x = rot(other[dart])
    while x != dart:
        length += 1
        x = rot(other[x])
    return length


@njit(cache=True)
def _find(parent, x: int) -> int:  # type: ignore[no-untyped-def]
    while parent[x] != x:
        x = parent[x]
    return x


@njit(cache=True)
def _rejoin(flat, out, other, tails, meta, first, scratch, gone_a: int, gone_b: int, p1, q1, p2, q2) -> int:  # type: ignore[no-untyped-def]
    """reidemeister._rejoin: delete crossings ``gone_a``/``gone_b`` and join the edges of positions (p1, q1), (p2, q2).

    ``p2 < 0``: one join only. ``first`` serves as the union-find parent array over labels ``0..2n``.
    """
    n, loops = meta[0], meta[1]
    parent = first
    for x in range(2 * n + 1):
        parent[x] = x
    j0, j1, j2, j3 = flat[p1], flat[q1], -1, -1
    a, b = _find(parent, j0), _find(parent, j1)
    if a != b:
        parent[a] = b
    if p2 >= 0:
        j2, j3 = flat[p2], flat[q2]
        a, b = _find(parent, j2), _find(parent, j3)
        if a != b:
            parent[a] = b
    # the distinct roots of the joined labels (at most 4; -1: none)
    r0 = np.int64(_find(parent, j0))
    r1 = np.int64(_find(parent, j1))
    r1 = np.int64(-1) if r1 == r0 else r1
    r2 = np.int64(_find(parent, j2)) if j2 >= 0 else np.int64(-1)
    r2 = np.int64(-1) if r2 == r0 or r2 == r1 else r2
    r3 = np.int64(_find(parent, j3)) if j3 >= 0 else np.int64(-1)
    r3 = np.int64(-1) if r3 == r0 or r3 == r1 or r3 == r2 else r3
    w = 0
    for p in range(4 * n):
        c = p >> 2
        if c != gone_a and c != gone_b:
            flat[w] = _find(parent, flat[p])
            out[w] = out[p]
            w += 1
    # present labels: mark in scratch (0..2n)
    for x in range(2 * n + 1):
        scratch[x] = 0
    for p in range(w):
        scratch[flat[p]] = 1
    for r in (r0, r1, r2, r3):
        if r >= 0 and scratch[r] == 0:
            loops += 1
    meta[0], meta[1] = w // 4, loops
    return canonical(flat, out, other, tails, w // 4, 2 * n, first)


@njit(cache=True)
def apply(flat, out, other, tails, meta, first, scratch, op: int, a: int, b: int, c: int, d: int) -> int:  # type: ignore[no-untyped-def]
    """Apply one move in place (reidemeister.apply_move); the status says whether it was legal."""
    n = meta[0]
    cap = flat.shape[0] // 4
    edges = 2 * n
    if op == R1_REMOVE:
        if a < 0 or a >= n:
            return ILLEGAL
        base = 4 * a
        s = -1
        for t in range(4):
            if flat[base + t] == flat[base + ((t + 1) & 3)]:
                s = t
                break
        if s < 0:
            return ILLEGAL
        return _rejoin(
            flat, out, other, tails, meta, first, scratch, a, -1, base + ((s + 2) & 3), base + ((s + 3) & 3), -1, -1
        )
    if op == R1_ADD:
        if a < 1 or a > edges or b < 0 or b > 1 or c < 0 or c > 1:
            return ILLEGAL
        if n + 1 > cap:
            return FULL
        tail = tails[a]
        fresh = 2 * n + 1
        flat[tail] = fresh
        flat[other[tail]] = fresh + 2
        row = 2 * b + c
        for s in range(4):
            flat[4 * n + s] = fresh + KINK_PIECE[row, s]
            out[4 * n + s] = KINK_OUT[row, s]
        meta[0] = n + 1
        return canonical(flat, out, other, tails, n + 1, fresh + 2, first)
    if op == R2_REMOVE or op == R3:
        if a < 1 or a > edges or b < 0 or b > 1:
            return ILLEGAL
        dart = dart_of(other, tails, a, b)
        length = face_length(other, dart)
        if op == R2_REMOVE:
            if length != 2:
                return ILLEGAL
            x, y = dart, rot(other[dart])
            if x >> 2 == y >> 2:
                return ILLEGAL
            t = other[x]
            if (x & 1) != (t & 1):
                return ILLEGAL
            u = other[y]
            return _rejoin(flat, out, other, tails, meta, first, scratch, x >> 2, y >> 2, x ^ 2, t ^ 2, y ^ 2, u ^ 2)
        if length != 3:
            return ILLEGAL
        d0 = dart
        d1 = rot(other[d0])
        d2 = rot(other[d1])
        if d0 >> 2 == d1 >> 2 or d0 >> 2 == d2 >> 2 or d1 >> 2 == d2 >> 2:
            return ILLEGAL
        if not ((d0 & 1 and other[d0] & 1) or (d1 & 1 and other[d1] & 1) or (d2 & 1 and other[d2] & 1)):
            return ILLEGAL
        fresh = 2 * n + 1
        for p in range(4 * n):
            scratch[p] = flat[p]
        for k in range(3):
            dk = d0 if k == 0 else (d1 if k == 1 else d2)
            e = other[dk]
            flat[dk] = scratch[e ^ 2]
            flat[e] = scratch[dk ^ 2]
            flat[dk ^ 2] = fresh + k
            flat[e ^ 2] = fresh + k
        return canonical(flat, out, other, tails, n, fresh + 2, first)
    if op == R2_ADD:
        if a < 1 or a > edges or c < 1 or c > edges or b < 0 or b > 1 or d < 0 or d > 1:
            return ILLEGAL
        if a == c:
            return ILLEGAL
        if n + 2 > cap:
            return FULL
        p1 = dart_of(other, tails, a, b)
        p2 = dart_of(other, tails, c, d)
        found = p1 == p2
        x = rot(other[p1])
        while x != p1 and not found:
            found = x == p2
            x = rot(other[x])
        if not found:
            return ILLEGAL
        q1, q2 = other[p1], other[p2]
        fwd1, fwd2 = out[p1], out[p2]
        fresh = 2 * n + 1
        pre1, post1, pre2, post2, tip, mid = fresh, fresh + 1, fresh + 2, fresh + 3, fresh + 4, fresh + 5
        flat[p1] = pre1
        flat[q1] = post1
        flat[p2] = pre2
        flat[q2] = post2
        base = 4 * n
        n1, n2 = 1 - fwd1, 1 - fwd2
        if fwd2:
            flat[base], flat[base + 1], flat[base + 2], flat[base + 3] = mid, pre1, post2, tip
            out[base], out[base + 1], out[base + 2], out[base + 3] = n2, n1, fwd2, fwd1
            flat[base + 4], flat[base + 5], flat[base + 6], flat[base + 7] = pre2, post1, mid, tip
            out[base + 4], out[base + 5], out[base + 6], out[base + 7] = n2, fwd1, fwd2, n1
        else:
            flat[base], flat[base + 1], flat[base + 2], flat[base + 3] = post2, tip, mid, pre1
            out[base], out[base + 1], out[base + 2], out[base + 3] = fwd2, fwd1, n2, n1
            flat[base + 4], flat[base + 5], flat[base + 6], flat[base + 7] = mid, tip, pre2, post1
            out[base + 4], out[base + 5], out[base + 6], out[base + 7] = fwd2, n1, n2, fwd1
        meta[0] = n + 2
        return canonical(flat, out, other, tails, n + 2, fresh + 5, first)
    return ILLEGAL


@njit(cache=True)
def replay(moves, flat, out, other, tails, meta, first, scratch, max_work: int, max_crossings: int):  # type: ignore[no-untyped-def]
    """Apply ``moves`` (rows of 5) in turn: (status, index of the move that stopped it, or the count if OK).

    As the plain replay: the work (the sum over moves of the crossings each acts on, plus one) past
    ``max_work`` stops it before the move (WORK), a move leaving more than ``max_crossings`` crossings after
    it (FULL); an ILLEGAL move leaves the state as it was before that move.
    """
    work = 0
    for i in range(moves.shape[0]):
        work += meta[0] + 1
        if work > max_work:
            return WORK, i
        status = apply(
            flat,
            out,
            other,
            tails,
            meta,
            first,
            scratch,
            moves[i, 0],
            moves[i, 1],
            moves[i, 2],
            moves[i, 3],
            moves[i, 4],
        )
        if status != OK:
            return status, i
        if meta[0] > max_crossings:
            return FULL, i
    return OK, moves.shape[0]


@njit(cache=True)
def fill_mask(flat, out, other, n: int, max_crossings: int, reach: int, mask, seen, previous: int) -> None:  # type: ignore[no-untyped-def]
    """ActionLayout.mask, in place (``mask`` of ActionLayout.size; ``seen``: the scratch, in three parts).

    ``previous`` >= 0 says ``mask`` holds this function's mask of a diagram of ``previous`` crossings: then
    only the entries a diagram of ``max(n, previous)`` crossings can set are cleared (an env step on a small
    diagram would otherwise spend most of its time clearing the whole layout); -1 clears everything. No default:
    numba dispatches a call that leaves out a defaulted argument through its slow Python path (~25 µs).
    """
    r1_add, r2_remove, r3, r2_add = max_crossings, 9 * max_crossings, 13 * max_crossings, 17 * max_crossings
    if previous < 0:
        mask[:] = False
    else:
        m = max(n, previous)  # names (2 (label - 1) + out) stay below 4 m, R1 additions below 8 m
        mask[:m] = False
        mask[r1_add : r1_add + 8 * m] = False
        mask[r2_remove : r2_remove + 4 * m] = False
        mask[r3 : r3 + 4 * m] = False
        mask[r2_add : r2_add + 8 * reach * m] = False
    grow = n + 2 <= max_crossings
    if grow:
        # every dart has a name below 4n and, on a face of length > reach, all 2 reach entries of its name are legal
        # unless a partner lies on its own edge: set the block at once, clear the exceptions below
        mask[r2_add : r2_add + 8 * reach * n] = True
    if n + 1 <= max_crossings:
        for i in range(r1_add, r1_add + 8 * n):
            mask[i] = True
    third = seen.shape[0] // 3
    names = seen[:third]
    darts = seen[third : 2 * third]
    step = seen[2 * third :]
    for p in range(4 * n):
        step[p] = rot(other[p])  # no dependency between positions: the walk below then chases one load a step
    for start in range(4 * n):
        if step[start] < 0:  # walked already (a walked dart's step is set to -1)
            continue
        length = 0
        x = U(start)
        while True:
            darts[length] = x
            names[length] = 2 * (flat[x] - 1) + out[x]  # off the chase: these loads overlap its latency
            length += 1
            following = U(step[x])
            step[x] = -1
            x = following
            if x == start:
                break
        if length > 3 and not grow:
            continue
        if length == 1:  # a monogon: two neighbouring slots of its crossing share an edge, a kink (R1 removal)
            mask[start >> 2] = True
        elif length == 2:
            if darts[0] >> 2 != darts[1] >> 2 and (darts[0] & 1) == (other[darts[0]] & 1):
                mask[r2_remove + names[0]] = True
                mask[r2_remove + names[1]] = True
        elif length == 3:
            c0, c1, c2 = darts[0] >> 2, darts[1] >> 2, darts[2] >> 2
            if c0 != c1 and c0 != c2 and c1 != c2:
                over = False
                for j in range(3):
                    if darts[j] & 1 and other[darts[j]] & 1:
                        over = True
                if over:
                    for j in range(3):
                        mask[r3 + names[j]] = True
        if not grow:
            continue
        top = min(reach, length - 1)
        for j in range(length):
            x = names[j]
            base = r2_add + x * 2 * reach
            for k in range(top, reach):  # no partner that far along a short face
                mask[base + 2 * k] = False
                mask[base + 2 * k + 1] = False
            y = j
            for k in range(top):
                y += 1
                if y == length:
                    y = 0
                if names[y] >> 1 == x >> 1:  # the partner is on the same edge
                    mask[base + 2 * k] = False
                    mask[base + 2 * k + 1] = False


@njit(cache=True)
def decode(flat, out, other, tails, n: int, max_crossings: int, reach: int, index: int, move) -> bool:  # type: ignore[no-untyped-def]
    """ActionLayout.decode into ``move`` (5 ints); False when the index names nothing in this state."""
    edges = 2 * n
    r1_add, r2_remove, r3, r2_add = max_crossings, 9 * max_crossings, 13 * max_crossings, 17 * max_crossings
    if index < 0 or index >= r2_add + 8 * max_crossings * reach:
        return False
    if index < r1_add:
        if index >= n:
            return False
        move[0], move[1], move[2], move[3], move[4] = R1_REMOVE, index, 0, 0, 0
        return True
    if index < r2_remove:
        e, rest = divmod(index - r1_add, 4)
        if e >= edges:
            return False
        move[0], move[1], move[2], move[3], move[4] = R1_ADD, e + 1, rest >> 1, rest & 1, 0
        return True
    if index < r2_add:
        op = R2_REMOVE if index < r3 else R3
        e, side = divmod(index - (r2_remove if op == R2_REMOVE else r3), 2)
        if e >= edges:
            return False
        move[0], move[1], move[2], move[3], move[4] = op, e + 1, side, 0, 0
        return True
    name, rest = divmod(index - r2_add, 2 * reach)
    e, side = divmod(name, 2)
    k, role = divmod(rest, 2)
    if e >= edges or n == 0:
        return False
    dart = dart_of(other, tails, e + 1, side)
    x = dart
    for _ in range(k + 1):
        x = rot(other[x])
        if x == dart:
            return False
    f, t = flat[x], out[x]
    if f == e + 1:
        return False
    if role == 0:
        move[0], move[1], move[2], move[3], move[4] = R2_ADD, e + 1, side, f, t
    else:
        move[0], move[1], move[2], move[3], move[4] = R2_ADD, f, t, e + 1, side
    return True


@njit(cache=True)
def components(other, n: int, seen) -> int:  # type: ignore[no-untyped-def]
    """Components through crossings (PD.components without the loops)."""
    for p in range(4 * n):
        seen[p] = 0
    count = 0
    for p in range(4 * n):
        if seen[p]:
            continue
        count += 1
        x = p
        while not seen[x]:
            seen[x] = 1
            seen[other[x]] = 1
            x = other[x] ^ 2
    return count


def to_pd(buffers: Buffers) -> PD:
    """The kernel object of a canonical state (no renumbering: the arrays are canonical already)."""
    n = int(buffers.meta[0])
    labels = tuple(buffers.flat[: 4 * n].tolist())
    crossings = tuple(zip(labels[0::4], labels[1::4], labels[2::4], labels[3::4], strict=True))
    tails = (0, *buffers.tails[1 : 2 * n + 1].tolist())
    out = tuple(bool(x) for x in buffers.out[: 4 * n].tolist())
    return PD(crossings, int(buffers.meta[1]), out, tuple(buffers.other[: 4 * n].tolist()), labels, tails)


def to_json(move: Any) -> dict[str, Any]:
    """The kernel's JSON of a move row."""
    op, a, b, c, d = (int(x) for x in move)
    if op == R1_REMOVE:
        return {"op": "r1_remove", "crossing": a}
    if op == R1_ADD:
        return {"op": "r1_add", "edge": a, "side": SIDES[b], "first": FIRST[c]}
    if op == R2_ADD:
        return {"op": "r2_add", "over": a, "over_side": SIDES[b], "under": c, "under_side": SIDES[d]}
    return {"op": OPS[op], "edge": a, "side": SIDES[b]}


_FIELDS = {
    "r1_remove": ("crossing",),
    "r1_add": ("edge", "side", "first"),
    "r2_remove": ("edge", "side"),
    "r2_add": ("over", "over_side", "under", "under_side"),
    "r3": ("edge", "side"),
}
_CODE = {name: code for code, name in enumerate(OPS)}
_BOUND = 1 << 40


def _small_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and -_BOUND < x < _BOUND


def encode(moves: Any) -> np.ndarray | None:
    """The rows of a JSON move list, or None if any move is not well formed (the plain kernel then says why).

    Checks exactly what ``reidemeister.apply_move`` checks before it looks at the diagram: an object with a
    known ``op`` and exactly its fields, integer edges (not booleans), sides and passes among the names.
    """
    rows = np.zeros((len(moves), 5), np.int64)
    for i, move in enumerate(moves):
        if not isinstance(move, dict):
            return None
        op = move.get("op")
        keys = _FIELDS.get(op) if isinstance(op, str) else None
        if keys is None or len(move) != len(keys) + 1 or any(k not in move for k in keys):
            return None
        row = rows[i]
        row[0] = _CODE[str(op)]
        if op == "r1_remove":
            if not _small_int(move["crossing"]):
                return None
            row[1] = move["crossing"]
            continue
        if op == "r2_add":
            over, under, s, t = move["over"], move["under"], move["over_side"], move["under_side"]
            if not (_small_int(over) and _small_int(under)) or s not in SIDES or t not in SIDES:
                return None
            row[1], row[2], row[3], row[4] = over, SIDES.index(s), under, SIDES.index(t)
            continue
        edge, side = move["edge"], move["side"]
        if not _small_int(edge) or side not in SIDES:
            return None
        row[1], row[2] = edge, SIDES.index(side)
        if op == "r1_add":
            if move["first"] not in FIRST:
                return None
            row[3] = FIRST.index(move["first"])
    return rows
