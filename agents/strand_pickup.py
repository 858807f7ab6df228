"""Strand pickup compiled into Reidemeister moves: reroute an over- (or under-) strand along a shortest path.

SnapPy's ``simplify('pickup')`` lifts a maximal over-strand ``S`` off the
diagram and lays it back along a shortest path of the dual graph of the rest,
``D − S``, between the faces where ``S`` starts and ends. It is an isotopy
because ``S`` lies above everything it crosses. Here the same reroute is
played as kernel moves, so that it can go into a certificate:

* ``D − S`` does not change while ``S`` moves above it: its crossings (the
  crossings of ``D`` that ``S`` does not pass over), its edges (chains of
  ``D``-edges through ``S``'s crossings) and its faces (``D``'s faces merged
  across ``S``'s edges). ``S``'s route is a path in the dual graph of
  ``D − S``, crossing the edges ``S`` passes over.
* The new route ``P`` is a breadth-first shortest path that does not cross
  ``S`` and leaves and reaches ``S``'s ends on the same side. ``S`` and ``P``
  bound a region; its crossings of ``D − S``, ``Δ``, are those ``S`` must
  pass over.
* SnapPy's shortest path (crossing ``S`` costs nothing,
  :meth:`Rest.free_distance`) may be shorter than any route beside ``S``:
  typically it winds around an end, leaving ``u0`` on one side and reaching
  ``u1`` on the other. That changes the diagram's rotation number, so no
  R2/R3 sweep reaches it. Then an R1 kink on ``S``'s last edge supplies the
  turn: the strand up to the kink has a route beside it, one edge longer,
  and after its sweep the kink leaves with an R2 removal
  (:func:`_spin_reroute`; kept only if the diagram lost crossings).
* Sweep: an R2 removal of a bigon between two consecutive crossings of ``S``;
  an R3 of a triangle between two consecutive crossings of ``S`` and a
  crossing of ``Δ`` (``S`` is over both strands there, so the R3 is legal);
  when neither applies, an R2 addition that pushes ``S`` over the next edge
  around a crossing of ``Δ`` next to it, which makes such a triangle. Each
  R3 moves one crossing of ``Δ`` to the other side of ``S``.

Every step is a kernel move, so the result is an isotopy whatever happens; a
sweep that does not reach the expected length in its move budget is undone.
Written by hand: no library compiles strand rerouting into Reidemeister moves.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rigorgym.verifiers.pd import PD
from rigorgym.verifiers.reidemeister import IllegalMove, edge_side

if TYPE_CHECKING:
    from .diagram_search import Tape

OVER, UNDER = 1, 0


@dataclass(frozen=True)
class Strand:
    """A maximal run of over (``kind`` 1) or under (0) passages: the tail position of its first edge, its length."""

    kind: int
    start: int  # position where S's first edge leaves its start crossing u0
    length: int  # crossings S passes over (under)


def strands(d: PD, kind: int) -> list[Strand]:
    """Every maximal run of ``kind`` passages with an end crossing of the other kind, longest first."""
    found: list[Strand] = []
    for p in range(len(d.out)):
        # p is the tail of an edge leaving a passage of the other kind: a possible start
        if not d.out[p] or (p & 1) == kind:
            continue
        q, length = d.other[p], 0
        while (q & 1) == kind and length <= d.size:
            length += 1
            q = d.other[q ^ 2]
        if 2 <= length <= d.size:
            found.append(Strand(kind, p, length))
    found.sort(key=lambda s: -s.length)
    return found


def walk(d: PD, strand: Strand, stop: int | None = None) -> tuple[list[int], int]:
    """``S``'s entry positions at its crossings (in order) and the entry position at its end crossing.

    With ``stop``, ``S`` is the part of the strand before crossing ``stop`` (which it still passes over or under).
    """
    entries = []
    q = d.other[strand.start]
    while (q & 1) == strand.kind and q >> 2 != stop:
        entries.append(q)
        q = d.other[q ^ 2]
        if len(entries) > d.size:
            raise RuntimeError("strand does not end")  # pragma: no cover - a strand has an end crossing
    return entries, q


class Rest:
    """``D − S``: its crossings and edges (chains of ``D``-edges through ``S``'s crossings), with ``D``'s faces."""

    def __init__(self, d: PD, strand: Strand, stop: int | None = None) -> None:
        entries, end = walk(d, strand, stop)
        #: tails of S's edges, first to last
        self.s_tails = [strand.start] + [q ^ 2 for q in entries]
        self.s_crossings = {q >> 2 for q in entries}
        self.ends = (strand.start >> 2, end >> 2)
        self.face_of: dict[int, int] = {dart: k for k, face in enumerate(d.faces()) for dart in face}
        #: D − S edges by their end positions: (tail, head, whether S crosses them)
        self.edges: dict[frozenset[int], tuple[int, int, bool]] = {}
        #: tail of a D-edge not on S -> the D − S edge it is a piece of
        self.piece_of: dict[int, frozenset[int]] = {}
        for p in range(len(d.out)):
            if p >> 2 in self.s_crossings or not d.out[p] or p == strand.start:
                continue
            pieces, q = [p], d.other[p]
            while q >> 2 in self.s_crossings:  # straight through S's crossings
                pieces.append(q ^ 2)
                q = d.other[q ^ 2]
            key = frozenset((p, q))
            self.edges[key] = (p, q, len(pieces) > 1)
            for tail in pieces:
                self.piece_of[tail] = key
        # the faces of D on the right and the left of S's first and last edges (S runs along the orientation)
        last = entries[-1] ^ 2
        self.first_sides = (self.face_of[strand.start], self.face_of[entries[0]])
        self.last_sides = (self.face_of[last], self.face_of[end])

    def shortest(self, d: PD, last: int | None = None) -> list[frozenset[int]] | None:
        """A shortest new route beside ``S``: the ``D − S`` edges it crosses, in order (None if none).

        Breadth-first over the faces of ``D`` across edges not on ``S``, from the face on one side of
        ``S``'s first edge to the face on the same side of its last edge (both sides tried, the shorter
        kept). The route never crosses ``S``, so it does not wind around an end of ``S``, and together with
        ``S`` it bounds the region the sweep passes over. With ``last`` (the tail of a ``D``-edge next to
        that face) the route ends by crossing that edge.
        """
        graph: dict[int, list[tuple[int, int]]] = {}
        for tail in self.piece_of:
            a, b = self.face_of[tail], self.face_of[d.other[tail]]
            if a != b:
                graph.setdefault(a, []).append((b, tail))
                graph.setdefault(b, []).append((a, tail))
        best: list[frozenset[int]] | None = None
        for side in (0, 1):
            source, target = self.first_sides[side], self.last_sides[side]
            if last is not None:
                faces = (self.face_of[last], self.face_of[d.other[last]])
                if target not in faces or faces[0] == faces[1]:
                    continue
                target = faces[1] if faces[0] == target else faces[0]
            back: dict[int, tuple[int, int] | None] = {source: None}
            queue = deque([source])
            while queue:
                f = queue.popleft()
                if f == target:
                    break
                for g, tail in sorted(graph.get(f, [])):
                    if g not in back:
                        back[g] = (f, tail)
                        queue.append(g)
            if target not in back:
                continue
            path: list[frozenset[int]] = [] if last is None else [self.piece_of[last]]
            f = target
            while (step := back[f]) is not None:
                f, tail = step
                path.append(self.piece_of[tail])
            if best is None or len(path) < len(best):
                best = path[::-1]
        return best

    def free_distance(self, d: PD) -> int | None:
        """SnapPy's route length: the fewest ``D − S`` edges a path between ``S``'s ends crosses (crossing ``S`` free).

        When it is below the length of :meth:`shortest`, the short routes wind around an end of ``S``.
        """
        free = set(self.s_tails)
        graph: dict[int, list[tuple[int, int]]] = {}
        for p in range(len(d.out)):
            if d.out[p]:
                a, b, w = self.face_of[p], self.face_of[d.other[p]], 0 if p in free else 1
                graph.setdefault(a, []).append((b, w))
                graph.setdefault(b, []).append((a, w))
        dist = dict.fromkeys(self.first_sides, 0)
        queue = deque(self.first_sides)
        while queue:  # 0-1 breadth-first search
            f = queue.popleft()
            for g, w in graph.get(f, []):
                if dist[f] + w < dist.get(g, len(d.out)):
                    dist[g] = dist[f] + w
                    if w:
                        queue.append(g)
                    else:
                        queue.appendleft(g)
        found = [dist[f] for f in self.last_sides if f in dist]
        return min(found) if found else None

    def region(self, barrier: set[frozenset[int]]) -> set[int]:
        """The crossings of ``D − S`` that ``S`` must pass to reach the new route.

        The closed curve old route · new route⁻¹ passes through ``S``'s end crossings ``u0``, ``u1``; of
        its two sides, ``S`` may only sweep the one that meets no edge of ``u0`` or ``u1`` (else it would
        pass over its own end). So: the crossings not reachable from ``u0``'s or ``u1``'s unbarred edges.
        If the good sides at the two ends differ (the new route winds around an end) this is empty, and
        the sweep falls short of the new route and is undone.
        """
        neighbours: dict[int, list[int]] = {}
        for key, (p, q, _) in self.edges.items():
            if key not in barrier:
                neighbours.setdefault(p >> 2, []).append(q >> 2)
                neighbours.setdefault(q >> 2, []).append(p >> 2)
        nodes = {p >> 2 for key in self.edges for p in key} - set(self.ends)
        stack = [w for end in self.ends for w in neighbours.get(end, []) if w not in self.ends]
        seen = set(stack)
        while stack:
            v = stack.pop()
            for w in neighbours.get(v, []):
                if w not in seen and w not in self.ends:
                    seen.add(w)
                    stack.append(w)
        return nodes - seen


def _shift(index: int, gone: list[int]) -> int:
    return index - sum(1 for g in gone if g < index)


def reroute(tape: Tape, strand: Strand, max_moves: int = 400) -> bool:
    """Reroute ``strand`` along a shortest path if that is shorter; True if the diagram lost crossings.

    A route beside ``S`` is swept directly; when only a route that winds around an end is shorter, the end is
    spun first (:func:`_spin_reroute`). The moves go onto ``tape``; a failed attempt restores it.
    """
    d = tape.d
    rest = Rest(d, strand)
    path = rest.shortest(d)
    beside = len(path) if path is not None else d.size + 1
    if path is not None and beside < strand.length and _sweep(tape, strand, rest, path, max_moves):
        return True
    distance = rest.free_distance(d)
    if distance is None or distance >= min(beside, strand.length):
        return False
    return _spin_reroute(tape, strand, max_moves)


def _sweep(
    tape: Tape, strand: Strand, rest: Rest, path: list[frozenset[int]], max_moves: int, stop: int | None = None
) -> bool:
    """Sweep ``S`` (the part before crossing ``stop`` if given) onto ``path``; True if it got there.

    On failure the tape is restored.
    """
    d = tape.d
    barrier = set(path) | {key for key, (_, _, crossed) in rest.edges.items() if crossed}
    delta = rest.region(barrier)
    saved_d, saved_len = tape.d, len(tape.moves)
    target = d.size - strand.length + len(path)
    start_crossing, start_slot = strand.start >> 2, strand.start & 3
    for _ in range(max_moves):
        d = tape.d
        if not delta and d.size <= target:
            return True
        s = Strand(strand.kind, 4 * start_crossing + start_slot, 0)
        move = _sweep_move(d, s, walk(d, s, stop)[0], delta)
        if move is None:
            break
        try:
            tape.play(move)
        except IllegalMove:  # pragma: no cover - the sweep only proposes legal moves
            break
        if move["op"] == "r2_remove":
            gone = sorted(_corners(d, move))
            if stop in gone:  # pragma: no cover - the end crossing is never a bigon corner of the sweep
                break
            start_crossing = _shift(start_crossing, gone)
            stop = None if stop is None else _shift(stop, gone)
            delta = {_shift(v, gone) for v in delta}
        elif move["op"] == "r3":
            delta -= _corners(d, move)
    if not delta and tape.d.size <= target:
        return True
    tape.d = saved_d
    del tape.moves[saved_len:]
    return False


def _spin_reroute(tape: Tape, strand: Strand, max_moves: int) -> bool:
    """A reroute whose route winds around the end ``u1``: kink, sweep the strand up to the kink, unkink.

    Such a route changes the diagram's rotation number, so R2 and R3 alone cannot reach it. An R1 kink on
    ``S``'s last edge, crossed first as ``S`` passes (over for an over-strand), adds the missing turn: the
    strand up to the kink crossing ``κ`` (where ``S`` still passes over) then has a route beside it that
    crosses the edge ``κ → u1`` once, at ``μ``, and arrives at ``κ`` on the side it left ``u0``. After that
    sweep ``κ`` and ``μ`` bound a bigon, which the R2 removal of :meth:`Tape.basic` takes away with the
    kink. Both sides of the kink are tried; True if the diagram lost crossings (else the tape is restored).
    """
    d, saved_len = tape.d, len(tape.moves)
    _, end = walk(d, strand)
    edge = d.crossings[end >> 2][end & 3]
    kink = d.size  # the crossing r1_add appends
    for side in ("left", "right"):
        tape.play({"op": "r1_add", "edge": edge, "side": side, "first": "over" if strand.kind == OVER else "under"})
        # the edge κ → u1 leaves κ where the strand's second passage (of the other kind) goes out
        after = next(p for p in range(4 * kink, 4 * kink + 4) if (p & 1) != strand.kind and tape.d.out[p])
        rest = Rest(tape.d, strand, stop=kink)
        path = rest.shortest(tape.d, last=after)
        if path is not None and len(path) <= strand.length and _sweep(tape, strand, rest, path, max_moves, kink):
            tape.basic()
            if tape.d.size < d.size:
                return True
        tape.d = d
        del tape.moves[saved_len:]
    return False


def _corners(d: PD, move: dict[str, Any]) -> set[int]:
    """The crossings at the corners of the face a move names."""
    return {x >> 2 for x in d.face(d.dart(move["edge"], move["side"]))}


def _sweep_move(d: PD, s: Strand, entries: list[int], delta: set[int]) -> dict[str, Any] | None:
    """The next move of the sweep (module docstring), or None if none applies."""
    other = d.other
    darts = [q ^ 2 for q in entries[:-1]]  # S's edges between consecutive crossings of S, leaving c_i
    for p in darts:  # an R3 that moves a crossing of Δ across S
        for dart in (p, other[p]):
            face = d.face(dart)
            corners = {x >> 2 for x in face}
            if len(face) == 3 and len(corners) == 3 and corners - {p >> 2, other[p] >> 2} <= delta:
                edge, side = edge_side(d, dart)
                return {"op": "r3", "edge": edge, "side": side}
    for p in darts:  # a bigon between two consecutive crossings of S: a backtrack
        for dart in (p, other[p]):
            face = d.face(dart)
            if len(face) == 2 and face[0] >> 2 != face[1] >> 2 and (face[0] & 1) == (other[face[0]] & 1):
                edge, side = edge_side(d, dart)
                return {"op": "r2_remove", "edge": edge, "side": side}
    s_crossings = {q >> 2 for q in entries}
    for q in entries:  # S crosses a strand at c = q >> 2 whose piece from c ends at a crossing v of Δ
        for piece in ((q & ~3) | ((q + 1) & 3), (q & ~3) | ((q + 3) & 3)):
            v_pos = other[piece]
            if v_pos >> 2 in delta and v_pos >> 2 not in s_crossings:
                move = _make_triangle(d, s, piece, v_pos)
                if move is not None:
                    return move
    return None


def _make_triangle(d: PD, s: Strand, piece: int, v_pos: int) -> dict[str, Any] | None:
    """An R2 addition pushing S over the edge next to the piece ``c -> v`` around ``v``, in a face they share.

    The face walked by the dart ``piece`` (leaving ``c`` towards ``v``) holds, just before it, the S edge
    that arrives at ``c``, and just after it the edge leaving ``v`` by the next slot; the face walked by
    ``v_pos`` (leaving ``v`` towards ``c``) holds the S edge leaving ``c`` after it and the edge before it at
    ``v`` before. Either way the R2 leaves a triangle ``(c, v, new)`` for the R3 that follows.
    """
    for dart in (piece, v_pos):
        face = d.face(dart)
        k = face.index(dart)
        before, after = face[k - 1], face[(k + 1) % len(face)]
        s_dart, e_dart = (before, after) if dart == piece else (after, before)
        s_edge, s_side = edge_side(d, s_dart)
        e_edge, e_side = edge_side(d, e_dart)
        if s_edge == e_edge or len(face) < 3:
            continue
        if s.kind == OVER:
            return {"op": "r2_add", "over": s_edge, "over_side": s_side, "under": e_edge, "under_side": e_side}
        return {"op": "r2_add", "over": e_edge, "over_side": e_side, "under": s_edge, "under_side": s_side}
    return None


def pickup_pass(tape: Tape, rng: random.Random, kinds: tuple[int, ...] = (OVER, UNDER)) -> bool:
    """One pickup as SnapPy does it: the longest strands first (ties in random order); True if one shortened."""
    for kind in kinds:
        found = strands(tape.d, kind)
        by_length: dict[int, list[Strand]] = {}
        for s in found:
            by_length.setdefault(s.length, []).append(s)
        for length in sorted(by_length, reverse=True):
            group = by_length[length]
            rng.shuffle(group)
            for s in group:
                if reroute(tape, s):
                    return True
    return False
