"""Ribbon-v0 kernel against KnotInfo's whole tables: the checks too slow for the test suite.

Sections (each prints JSON lines; ``--only`` picks some):

- ``tables``: signature, determinant, Alexander polynomial and tau of every
  knot of KnotInfo up to ``--max-crossings`` (default 13: all 12,965),
  computed by the kernel from KnotInfo's PD codes, against KnotInfo's columns;
- ``slice``: every slice knot (smooth 4-genus 0, 511 up to 13 crossings) gets a
  ``not_slice`` certificate for the signature, the determinant, Fox-Milnor,
  tau, and Levine-Tristram at every prime power q <= 32 and every 0 < j < q:
  the number accepted must be 0;
- ``ribbon``: a one-band search (each candidate band, then ``simplify(0)``) on
  every slice knot up to 11 crossings, every certificate found re-verified;
- ``nonslice``: the same search, exhaustively, on every non-slice knot up to
  ``--nonslice-crossings`` (default 9): it must never reach the unlink;
- ``transplant``: the moves of every certificate found, replayed on every knot
  up to 11 crossings: accepted only where KnotInfo says slice;
- ``hostile``: how often random band specs make spherogram loop forever (a
  two-second alarm per spec), and how long 2,000 ``simplify`` moves take on
  a 400-crossing alternating diagram (measured on the first moves and
  extrapolated; ``--full`` runs all 2,000).

Usage::

    python benchmarks/ribbon_tables_check.py                 # everything, about 25 minutes on our 2-core VM
    python benchmarks/ribbon_tables_check.py --only slice tables --max-crossings 11
    python benchmarks/ribbon_tables_check.py --quick         # small versions of every section
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import time
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import spherogram  # noqa: E402
import sympy  # noqa: E402
from _common import emit, machine, rounded  # noqa: E402
from rigorgym.envs.ribbon import KnotInstance, candidate_bands, make_certificate  # noqa: E402
from rigorgym.verifiers import FORMAT, KERNEL_VERSION, verify  # noqa: E402
from rigorgym.verifiers import slice_obstructions as so  # noqa: E402
from rigorgym.verifiers.diagram import Diagram, IllegalMove, apply_band, apply_move, simplify  # noqa: E402
from spherogram.links.bands.core import Band, compress_band_spec, normalize_crossing_labels  # noqa: E402
from spherogram.links.links_base import CrossingStrand  # noqa: E402

SECTIONS = ("tables", "slice", "ribbon", "nonslice", "transplant", "hostile")
PRIME_POWERS = [q for q in range(2, 33) if so.is_prime_power(q)]
T = sympy.Symbol("t")


class Hang(BaseException):
    """Raised by the alarm; a BaseException so that the kernel's ``except Exception`` cannot swallow it."""


def _ring(*_: Any) -> None:
    raise Hang


def alarm(seconds: float) -> None:
    signal.signal(signal.SIGALRM, _ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def no_alarm() -> None:
    signal.setitimer(signal.ITIMER_REAL, 0)


@cache
def knotinfo() -> dict[str, dict[str, str]]:
    import database_knotinfo

    return {r["name"]: r for r in database_knotinfo.link_list()[1:] if r["crossing_number"] != "0"}


def crossings(name: str) -> int:
    return int(knotinfo()[name]["crossing_number"])


def is_slice(name: str) -> bool | None:
    g = knotinfo()[name]["smooth_four_genus"]
    if g == "0":
        return True
    if g.isdigit() or g == "[1,2]":
        return False
    return None


def pd(name: str) -> list[list[int]]:
    return json.loads(knotinfo()[name]["pd_notation"])


def cert(code: list[list[int]], moves: list[Any], claim: str, name: str | None = None) -> dict[str, Any]:
    instance: dict[str, Any] = {"pd": code}
    if name:
        instance["name"] = name
    return {"format": FORMAT, "env": "Ribbon-v0", "claim": claim, "instance": instance, "moves": moves}


def normalised(coeffs: list[int]) -> list[int]:
    coeffs = list(coeffs)
    while coeffs and coeffs[0] == 0:
        coeffs.pop(0)
    while coeffs and coeffs[-1] == 0:
        coeffs.pop()
    return [-c for c in coeffs] if sum(coeffs) < 0 else coeffs


def knotinfo_alexander(text: str) -> list[int]:
    expr = sympy.sympify(text.replace("^", "**"), locals={"t": T})
    num, _ = sympy.fraction(sympy.together(expr))
    return normalised([int(c) for c in reversed(sympy.Poly(sympy.expand(num), T).all_coeffs())])


def names_an_edge_twice(d: Diagram, spec: str) -> bool:
    b = Band(spec)
    link = spherogram.Link(d.to_json())
    normalize_crossing_labels(link)
    seen = set()
    for c, s in b.cs_along_top:
        o = CrossingStrand(link.crossings[c], s).opposite()
        edge = frozenset({(c, s), (o.crossing.label, o.strand_index)})
        if edge in seen:
            return True
        seen.add(edge)
    return False


# --- sections ----------------------------------------------------------------------------------------------------


def section_tables(max_crossings: int) -> None:
    names = [n for n in knotinfo() if crossings(n) <= max_crossings]
    wrong: dict[str, list[Any]] = {"signature": [], "determinant": [], "alexander": [], "tau": []}
    seconds = Counter()
    skipped_tau = []
    for name in names:
        row = knotinfo()[name]
        d = Diagram.from_pd(pd(name))
        start = time.perf_counter()
        sig = so.signature(d)
        seconds["signature"] += time.perf_counter() - start
        if sig != int(row["signature"]):
            wrong["signature"].append((name, sig, int(row["signature"])))
        start = time.perf_counter()
        det = so.determinant(d)
        seconds["determinant"] += time.perf_counter() - start
        if det != int(row["determinant"]):
            wrong["determinant"].append((name, det, int(row["determinant"])))
        start = time.perf_counter()
        alex = so.alexander(d)
        seconds["alexander"] += time.perf_counter() - start
        want = knotinfo_alexander(row["alexander_polynomial"])
        if normalised(alex) not in (want, want[::-1]):
            wrong["alexander"].append((name, alex, want))
        start = time.perf_counter()
        try:
            tau = so.tau(d)
        except ValueError as exc:
            skipped_tau.append((name, str(exc)[:60]))
            tau = None
        seconds["tau"] += time.perf_counter() - start
        if tau is not None and str(tau) != row["ozsvath_szabo_tau_invariant"]:
            wrong["tau"].append((name, tau, row["ozsvath_szabo_tau_invariant"]))
    for key, bad in wrong.items():
        emit(
            {
                "section": "tables",
                "invariant": key,
                "knots": len(names),
                "max_crossings": max_crossings,
                "disagree": len(bad),
                "sign_flips": sum(1 for b in bad if key in ("signature", "tau") and b[1] == -int(b[2])),
                "examples": bad[:10],
                "seconds": rounded(seconds[key]),
                "ms_per_knot": rounded(1000 * seconds[key] / len(names)),
                **({"tau_refused": len(skipped_tau), "tau_refused_examples": skipped_tau[:5]} if key == "tau" else {}),
            }
        )


def section_slice(max_crossings: int) -> None:
    names = [n for n in knotinfo() if is_slice(n) is True and crossings(n) <= max_crossings]
    # Uncached: one pass with the kernel exactly as shipped, for the timings.
    moves = [{"op": "invariant", "name": n} for n in ("signature", "determinant", "fox_milnor", "tau")]
    for move in moves:
        accepted, undecided, start = [], 0, time.perf_counter()
        for name in names:
            v = verify(cert(pd(name), [move], "not_slice", name))
            if v.valid:
                accepted.append(name)
            undecided += "undecided" in v.reason
        elapsed = time.perf_counter() - start
        emit(
            {
                "section": "slice",
                "invariant": move["name"],
                "slice_knots": len(names),
                "accepted": len(accepted),
                "accepted_examples": accepted[:10],
                "undecided": undecided,
                "seconds": rounded(elapsed),
                "ms_per_certificate": rounded(1000 * elapsed / len(names)),
            }
        )
    # Levine-Tristram at every prime power q <= 32 and every 0 < j < q; Seifert matrices memoised per knot.
    real = so.seifert_matrix
    memo: dict[Diagram, list[list[int]]] = {}

    def seifert(d: Diagram) -> list[list[int]]:
        if d not in memo:
            memo[d] = real(d)
        return [list(r) for r in memo[d]]

    so.seifert_matrix = seifert
    try:
        accepted, undecided, count, start = [], [], 0, time.perf_counter()
        for name in names:
            for q in PRIME_POWERS:
                for j in range(1, q):
                    move = {"op": "invariant", "name": "levine_tristram", "q": q, "j": j}
                    v = verify(cert(pd(name), [move], "not_slice", name))
                    count += 1
                    if v.valid:
                        accepted.append((name, q, j))
                    if "undecided" in v.reason:
                        undecided.append((name, q, j))
        elapsed = time.perf_counter() - start
    finally:
        so.seifert_matrix = real
    emit(
        {
            "section": "slice",
            "invariant": "levine_tristram",
            "prime_powers": PRIME_POWERS,
            "slice_knots": len(names),
            "certificates": count,
            "accepted": len(accepted),
            "accepted_examples": accepted[:10],
            "undecided": len(undecided),
            "undecided_examples": undecided[:10],
            "seconds": rounded(elapsed),
            "note": "Seifert matrices memoised per knot",
        }
    )


@cache
def one_band_certificate(name: str) -> tuple[dict[str, Any] | None, int]:
    """The first candidate band after which simplify(0) leaves no crossings, and the bands tried."""
    instance = KnotInstance(tuple(tuple(x) for x in pd(name)), name)
    d = instance.diagram()
    cands = candidate_bands(d)
    for tried, b in enumerate(cands, start=1):
        if simplify(apply_move(d, b.move), 0).crossings == 0:
            return make_certificate(instance, [b.move, {"op": "simplify", "seed": 0}]), tried
    return None, len(cands)


def section_ribbon(max_crossings: int) -> dict[str, dict[str, Any]]:
    names = [n for n in knotinfo() if is_slice(n) is True and crossings(n) <= max_crossings]
    found: dict[str, dict[str, Any]] = {}
    start = time.perf_counter()
    missed = []
    for name in names:
        c, _ = one_band_certificate(name)
        if c is None:
            missed.append(name)
            continue
        v = verify(c)
        if not v.valid:
            emit({"section": "ribbon", "error": "found certificate does not verify", "knot": name, "reason": v.reason})
            continue
        found[name] = c
    emit(
        {
            "section": "ribbon",
            "slice_knots": len(names),
            "max_crossings": max_crossings,
            "found": len(found),
            "missed": missed,
            "seconds": rounded(time.perf_counter() - start),
        }
    )
    return found


def section_nonslice(max_crossings: int) -> None:
    names = [n for n in knotinfo() if is_slice(n) is False and crossings(n) <= max_crossings]
    successes, bands, start = [], 0, time.perf_counter()
    for name in names:
        d = Diagram.from_pd(pd(name))
        for b in candidate_bands(d):
            bands += 1
            e = apply_move(d, b.move)
            if e.components != 2:
                successes.append((name, b.spec, "components", e.components))
            for seed in (0, 1):
                if simplify(e, seed).crossings == 0:
                    successes.append((name, b.spec, seed))
    emit(
        {
            "section": "nonslice",
            "non_slice_knots": len(names),
            "max_crossings": max_crossings,
            "bands_tried": bands,
            "simplifications": 2 * bands,
            "reached_unlink": len(successes),
            "examples": successes[:10],
            "seconds": rounded(time.perf_counter() - start),
        }
    )


def section_transplant(found: dict[str, dict[str, Any]], max_crossings: int) -> None:
    targets = [n for n in knotinfo() if crossings(n) <= max_crossings]
    accepted, bad, hung, count = [], [], [], 0
    start = time.perf_counter()
    for source, c in found.items():
        for target in targets:
            if target == source:
                continue
            count += 1
            alarm(30)
            try:
                v = verify(cert(pd(target), c["moves"], "ribbon", target))
            except Hang:
                hung.append((source, target))
                continue
            finally:
                no_alarm()
            if v.valid:
                accepted.append((source, target))
                if is_slice(target) is not True:
                    bad.append((source, target, knotinfo()[target]["smooth_four_genus"]))
    emit(
        {
            "section": "transplant",
            "certificates": len(found),
            "targets": len(targets),
            "replays": count,
            "accepted": len(accepted),
            "accepted_examples": accepted[:20],
            "accepted_on_non_slice": len(bad),
            "bad_examples": bad[:10],
            "hung": hung[:10],
            "seconds": rounded(time.perf_counter() - start),
        }
    )


def alternating_400() -> list[list[int]]:
    rng = random.Random(2)
    while True:
        word = [rng.choice((1, -2)) for _ in range(400)]
        link = spherogram.ClosedBraid(word)
        if len(link.link_components) == 1:
            return [list(x) for x in link.PD_code()]


def section_hostile(quick: bool, full: bool) -> None:
    # 1. random band specs: how many hang in spherogram's add_one_band
    rng = random.Random(11)
    outcomes: Counter[str] = Counter()
    hangs: list[tuple[str, str, bool]] = []
    per_knot = 40 if quick else 150
    start = time.perf_counter()
    for name in ("3_1", "4_1", "6_1", "7_4", "8_20", "9_46", "10_3", "8_8"):
        d = Diagram.from_pd([list(x) for x in spherogram.Link(name).PD_code()])
        for _ in range(per_knot):
            k = rng.choice((0, 0, 1, 1, 2, 3))
            top = [(rng.randrange(d.crossings), rng.randrange(4)) for _ in range(k + 2)]
            spec = compress_band_spec(top, rng.randrange(2**k), rng.randint(-3, 3))
            twice = names_an_edge_twice(d, spec)
            alarm(2)
            try:
                apply_band(d, spec)
                outcomes["legal"] += 1
            except IllegalMove:
                outcomes["illegal"] += 1
            except Hang:
                outcomes["hang"] += 1
                hangs.append((name, spec, twice))
            finally:
                no_alarm()
            outcomes["names_an_edge_twice"] += twice
    emit(
        {
            "section": "hostile",
            "check": "random band specs",
            "specs": sum(outcomes[k] for k in ("legal", "illegal", "hang")),
            **outcomes,
            "hangs_naming_an_edge_twice": sum(1 for h in hangs if h[2]),
            "hang_examples": [h[:2] for h in hangs[:10]],
            "seconds": rounded(time.perf_counter() - start),
        }
    )
    # 2. 2,000 simplify moves on a 400-crossing alternating diagram
    code = alternating_400()
    d = Diagram.from_pd(code)
    sample = 2000 if full else (10 if quick else 60)
    times = []
    state = d
    for seed in range(sample):
        start = time.perf_counter()
        state = simplify(state, seed)
        times.append(time.perf_counter() - start)
    per_move = sum(times) / len(times)
    record: dict[str, Any] = {
        "section": "hostile",
        "check": "simplify moves on 400 crossings",
        "crossings": d.crossings,
        "crossings_after": state.crossings,
        "moves_timed": sample,
        "s_per_move": rounded(per_move),
        "max_s_per_move": rounded(max(times)),
        "extrapolated_s_for_2000": rounded(2000 * per_move),
    }
    if full:
        start = time.perf_counter()
        v = verify(cert(code, [{"op": "simplify", "seed": s} for s in range(2000)], "ribbon"))
        record["verify_2000_s"] = rounded(time.perf_counter() - start)
        record["verdict"] = v.reason
    emit(record)
    # 3. the not_slice limit: a 40-crossing knot (at the cap)
    cap = getattr(so, "MAX_INVARIANT_CROSSINGS", 40)
    rng = random.Random(4)
    gens = (1, 2, 3, 4) if cap % 2 == 0 else (1, 2, 3)  # n transpositions: a single cycle needs the right parity
    while True:
        link = spherogram.ClosedBraid([rng.choice(gens) * rng.choice((1, -1)) for _ in range(cap)])
        if len(link.link_components) == 1:
            break
    code = [list(x) for x in link.PD_code()]
    for name in ("signature", "determinant", "fox_milnor", "levine_tristram", "tau"):
        move = {"op": "invariant", "name": name, **({"q": 3, "j": 1} if name == "levine_tristram" else {})}
        start = time.perf_counter()
        v = verify(cert(code, [move], "not_slice"))
        emit(
            {
                "section": "hostile",
                "check": "not_slice at the crossing cap",
                "crossings": len(code),
                "invariant": name,
                "seconds": rounded(time.perf_counter() - start),
                "valid": v.valid,
                "reason": v.reason[:100],
            }
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--max-crossings", type=int, default=13, help="tables and slice sections")
    parser.add_argument("--ribbon-crossings", type=int, default=11)
    parser.add_argument("--nonslice-crossings", type=int, default=9)
    parser.add_argument("--transplant-crossings", type=int, default=11)
    parser.add_argument("--quick", action="store_true", help="small versions of every section")
    parser.add_argument("--full", action="store_true", help="run all 2,000 simplify moves on 400 crossings")
    args = parser.parse_args()
    if args.quick:
        args.max_crossings, args.ribbon_crossings, args.nonslice_crossings, args.transplant_crossings = 9, 9, 6, 8
    emit({"section": "setup", "kernel": KERNEL_VERSION, "machine": machine(), "args": vars(args)})
    start = time.perf_counter()
    if "tables" in args.only:
        section_tables(args.max_crossings)
    if "slice" in args.only:
        section_slice(args.max_crossings)
    found: dict[str, dict[str, Any]] = {}
    if "ribbon" in args.only or "transplant" in args.only:
        found = section_ribbon(args.ribbon_crossings)
    if "nonslice" in args.only:
        section_nonslice(args.nonslice_crossings)
    if "transplant" in args.only:
        section_transplant(found, args.transplant_crossings)
    if "hostile" in args.only:
        section_hostile(args.quick, args.full)
    emit({"section": "done", "seconds": rounded(time.perf_counter() - start)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
