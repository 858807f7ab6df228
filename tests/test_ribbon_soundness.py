"""Soundness of Ribbon-v0 certificates over KnotInfo's tables.

No ``not_slice`` certificate verifies for a slice knot, and no ``ribbon``
certificate for a knot KnotInfo lists as not slice:

* every slice knot of at most 13 crossings in KnotInfo (``smooth_four_genus``
  0: 511 knots, from KnotInfo's PD codes) gets a ``not_slice`` certificate
  for the signature, the determinant, Fox-Milnor, tau and Levine-Tristram
  signatures at prime-power roots of unity: all rejected;
* ribbon certificates found here for small slice knots (a candidate band,
  then ``simplify(seed=0)``) verify, and tampered versions do not;
* transplanted certificates (the moves of one knot's certificate replayed
  on another knot's PD code) verify only for knots KnotInfo lists as slice;
* seeded random band-and-simplify play on non-slice knots never reaches a
  crossingless diagram, so never a valid certificate.

``benchmarks/ribbon_tables_check.py`` runs the same checks over the whole
tables (every Levine-Tristram root up to order 32, tau of every knot, the
full transplant matrix, exhaustive one-band search on non-slice knots).
"""

from __future__ import annotations

import copy
import random
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import pytest
from rigorgym.agents.protocols.ribbon import crossings, is_slice, knotinfo, pd  # KnotInfo's rows and its slice answer
from rigorgym.envs.ribbon import KnotInstance, candidate_bands, make_certificate
from rigorgym.verifiers import FORMAT, verify
from rigorgym.verifiers import slice_obstructions as so
from rigorgym.verifiers.diagram import Diagram, apply_move, simplify

#: small slice knots for which one candidate band and simplify(0) give the unlink (searched in this order)
RIBBON_SEARCH = ("6_1", "8_8", "8_9", "8_20", "9_27", "9_41", "9_46", "10_3", "10_35", "10_75", "10_137", "10_140")

#: prime powers q: not_slice certificates at exp(2 pi i j / q) for every 0 < j <= q / 2 (sigma_j = sigma_{q-j})
LT_ORDERS = (3, 4, 5, 7, 8)


class Hang(BaseException):
    """Raised by :func:`deadline` (a BaseException: the kernel's ``except Exception`` cannot swallow it)."""


@contextmanager
def deadline(seconds: float, what: str = "") -> Iterator[None]:
    def ring(*_: Any) -> None:
        raise Hang(f"{what} still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def slice_knots(max_crossings: int = 13) -> list[str]:
    return [n for n in knotinfo() if is_slice(n) is True and crossings(n) <= max_crossings]


def non_slice_knots(max_crossings: int) -> list[str]:
    return [n for n in knotinfo() if is_slice(n) is False and crossings(n) <= max_crossings]


def not_slice(name: str, move: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "env": "Ribbon-v0",
        "claim": "not_slice",
        "instance": {"pd": pd(name), "name": name},
        "moves": [move],
        "meta": {"agent": "soundness-test"},
    }


def ribbon(name: str, moves: list[Any]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "env": "Ribbon-v0",
        "claim": "ribbon",
        "instance": {"pd": pd(name), "name": name},
        "moves": copy.deepcopy(moves),
        "meta": {"agent": "soundness-test"},
    }


@pytest.fixture(scope="module", autouse=True)
def shared_seifert_matrices() -> Iterator[None]:
    """Each knot's Seifert matrix once for the module (the kernel's own function, memoised per diagram)."""
    real = so.seifert_matrix
    memo: dict[Diagram, list[list[int]]] = {}

    def seifert(d: Diagram) -> list[list[int]]:
        if d not in memo:
            memo[d] = real(d)
        return [list(row) for row in memo[d]]

    mp = pytest.MonkeyPatch()
    mp.setattr(so, "seifert_matrix", seifert)
    yield
    mp.undo()


# --- not_slice on slice knots ------------------------------------------------------------------------------------


def test_the_slice_table() -> None:
    names = slice_knots(13)
    assert len(names) == 511
    assert all(knotinfo()[n]["pd_notation"] for n in names)
    for n in names:
        assert Diagram.from_pd(pd(n)).components == 1, n


@pytest.mark.parametrize("invariant", ["signature", "determinant", "fox_milnor", "tau"])
def test_no_not_slice_certificate_for_a_slice_knot(invariant: str) -> None:
    accepted, undecided = [], []
    for name in slice_knots(13):
        v = verify(not_slice(name, {"op": "invariant", "name": invariant}))
        assert not v.malformed and "verifier error" not in v.reason, (name, v.reason)
        if v.valid:
            accepted.append((name, v.reason))
        elif "undecided" in v.reason:
            undecided.append(name)
    assert not accepted, f"not_slice certificates accepted for slice knots: {accepted[:10]}"
    assert not undecided, f"undecided on slice knots of at most 13 crossings: {undecided[:10]}"


def test_no_levine_tristram_certificate_for_a_slice_knot() -> None:
    accepted, checked = [], 0
    for name in slice_knots(13):
        for q in LT_ORDERS:
            for j in range(1, q // 2 + 1):
                v = verify(not_slice(name, {"op": "invariant", "name": "levine_tristram", "q": q, "j": j}))
                checked += 1
                assert not v.malformed, v.reason
                if v.valid:
                    accepted.append((name, q, j, v.reason))
    assert checked == 511 * sum(q // 2 for q in LT_ORDERS)
    assert not accepted, accepted[:10]


def test_obstructions_do_prove_non_slice_knots() -> None:
    """The other side: where KnotInfo's signature is non-zero or its determinant not a square, the
    certificate verifies (up to 10 crossings; a sanity check that the soundness tests test something)."""
    for name in non_slice_knots(10):
        row = knotinfo()[name]
        if int(row["signature"]) != 0:
            assert verify(not_slice(name, {"op": "invariant", "name": "signature"})).valid, name
        det = int(row["determinant"])
        if int(det**0.5 + 0.5) ** 2 != det:
            assert verify(not_slice(name, {"op": "invariant", "name": "determinant"})).valid, name


# --- ribbon certificates -----------------------------------------------------------------------------------------


@cache
def ribbon_certificate(name: str) -> dict[str, Any] | None:
    """A ribbon certificate for ``name``: the first candidate band after which simplify(0) leaves no crossings."""
    instance = KnotInstance(tuple(tuple(x) for x in pd(name)), name)
    d = instance.diagram()
    for b in candidate_bands(d):
        if simplify(apply_move(d, b.move), 0).crossings == 0:
            return make_certificate(instance, [b.move, {"op": "simplify", "seed": 0}])
    return None


@cache
def found() -> dict[str, dict[str, Any]]:
    out = {}
    for name in RIBBON_SEARCH:
        assert is_slice(name), name
        c = ribbon_certificate(name)
        if c is not None:
            out[name] = c
    return out


def test_ribbon_certificates_of_small_slice_knots_verify() -> None:
    certs = found()
    assert len(certs) >= 8, sorted(certs)
    for name, c in certs.items():
        v = verify(c)
        assert v.valid and v.moves_checked == 2, (name, v.reason)
        assert c["instance"]["pd"] == pd(name) and c["instance"]["name"] == name


def test_tampered_ribbon_certificates_are_rejected() -> None:
    for name, c in found().items():
        spec = c["moves"][0]["band"]
        body, bits, twists = spec.split("_")
        tampered = {
            "no band": [c["moves"][1]],
            "no simplify": [c["moves"][0]],
            "wrong parity": [{"op": "band", "band": f"{body}_{bits}_{int(twists) + 1}"}, c["moves"][1]],
            "band twice": [c["moves"][0], c["moves"][0], c["moves"][1]],
            "band after": [c["moves"][1], c["moves"][0]],
        }
        for what, moves in tampered.items():
            t = copy.deepcopy(c)
            t["moves"] = moves
            with deadline(20, f"{name} {what}"):
                v = verify(t)
            if v.valid:  # only possible if the tampered moves are themselves a ribbon proof
                d = Diagram.from_pd(pd(name))
                for m in moves:
                    d = apply_move(d, m)
                assert d.crossings == 0 and d.components == 1 + sum(m["op"] == "band" for m in moves), (name, what)
            else:
                assert not v.malformed, (name, what, v.reason)
        as_not_slice = copy.deepcopy(c)
        as_not_slice["claim"] = "not_slice"
        assert not verify(as_not_slice).valid


def test_transplanted_certificates_verify_only_on_slice_knots() -> None:
    """The moves of each found certificate, replayed on every knot of at most 9 crossings (the benchmark
    script does every knot of at most 11)."""
    targets = [n for n in knotinfo() if crossings(n) <= 9]
    accepted: list[tuple[str, str]] = []
    for source, c in found().items():
        for target in targets:
            if target == source:
                continue
            t = copy.deepcopy(c)
            t["instance"] = {"pd": pd(target), "name": target}
            with deadline(20, f"{source} -> {target}"):
                v = verify(t)
            assert not v.malformed, v.reason
            if v.valid:
                accepted.append((source, target))
                assert is_slice(target) is True, (
                    f"{source}'s certificate proves {target} ribbon: KnotInfo says not slice"
                )
    # the control: the same knot with its PD labels shifted is the same diagram, so the moves replay
    for source, c in found().items():
        t = copy.deepcopy(c)
        t["instance"] = {"pd": [[v + 7 for v in x] for x in pd(source)]}
        assert verify(t).valid, source


# --- random play on non-slice knots ------------------------------------------------------------------------------


def random_play(name: str, rng: random.Random, bands: int) -> tuple[list[dict[str, Any]], Diagram]:
    d = Diagram.from_pd(pd(name))
    moves: list[dict[str, Any]] = []
    for _ in range(bands):
        cands = candidate_bands(d)
        if not cands:
            break
        for m in (rng.choice(cands).move, {"op": "simplify", "seed": rng.randrange(2**16)}):
            d = apply_move(d, m)
            moves.append(m)
        assert d.components == 1 + sum(m["op"] == "band" for m in moves)
    return moves, d


def test_random_band_play_never_unknots_a_non_slice_knot() -> None:
    rng = random.Random(2024)
    names = random.Random(1).sample(non_slice_knots(10), 25) + random.Random(2).sample(non_slice_knots(12), 5)
    for name in names:
        for bands in (1, 2):
            moves, d = random_play(name, rng, bands)
            assert d.crossings > 0, f"{name}: {moves} reach a crossingless diagram; KnotInfo says not slice"
            v = verify(ribbon(name, moves))
            assert not v.valid and v.moves_checked == len(moves), (name, moves, v.reason)


def test_one_band_search_fails_on_non_slice_knots() -> None:
    """The search that finds ribbon certificates for slice knots, run on non-slice knots: never succeeds."""
    names = ["3_1", "4_1", "5_2", "6_2", "7_4"]
    for name in names:
        assert is_slice(name) is False
        assert ribbon_certificate(name) is None, name


def test_found_moves_on_mirrors_and_reverses() -> None:
    """A slice knot's mirror image is slice: its certificate there may or may not replay, but a replay that
    verifies must end on the unlink (checked by replaying independently)."""
    for name, c in found().items():
        mirrored = [[x[1], x[2], x[3], x[0]] for x in pd(name)]  # rotating each crossing swaps over and under
        t = copy.deepcopy(c)
        t["instance"] = {"pd": mirrored}
        try:
            d = Diagram.from_pd(mirrored)
        except Exception:
            continue
        if d.components != 1:
            continue
        with deadline(20, name):
            v = verify(t)
        assert not v.malformed or "not a knot" in v.reason
        if v.valid:
            for m in c["moves"]:
                d = apply_move(d, m)
            assert d.crossings == 0 and d.components == 2
