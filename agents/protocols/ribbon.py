"""The Ribbon-v0 kernel against KnotInfo's tables: the soundness checks too slow for the test suite.

Each check returns JSON-ready records (one dict per measurement); ``benchmarks/ribbon_tables_check.py``
prints them. The checks:

- :func:`check_tables`: signature, determinant, Alexander polynomial and tau of every knot of KnotInfo up to
  ``max_crossings``, computed by the kernel from KnotInfo's PD codes, against KnotInfo's columns;
- :func:`check_slice`: every slice knot (smooth 4-genus 0) gets a ``not_slice`` certificate for the signature,
  the determinant, Fox-Milnor, tau, and Levine-Tristram at every prime power q <= 32 and every 0 < j < q: the
  number accepted must be 0;
- :func:`check_ribbon`: a one-band search (each candidate band, then ``simplify(0)``) on every slice knot, every
  certificate found re-verified;
- :func:`check_nonslice`: the same search, exhaustively, on every non-slice knot: it must never reach the unlink;
- :func:`check_transplant`: the moves of every certificate found, replayed on every knot: accepted only where
  KnotInfo says slice;
- :func:`check_hostile`: how often random band specs make spherogram loop forever (a two-second alarm per spec),
  how long ``simplify`` moves take on a 400-crossing alternating diagram, and each ``not_slice`` invariant at the
  crossing cap.

And the solvers on the shipped suites (``benchmarks/ribbon_results.py``, ``benchmarks/ribbon_solvers.py``):
:func:`solve_and_verify` runs an agent on one instance and re-verifies its certificate, :func:`summarise_suite`
states a suite's certified fraction against :data:`TARGETS`, next to the quoted :data:`ANCHOR`.
"""

from __future__ import annotations

import json
import random
import signal
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from rigorgym.envs.ribbon import KnotInstance, candidate_bands, make_certificate
from rigorgym.verifiers import FORMAT, verify
from rigorgym.verifiers import slice_obstructions as so
from rigorgym.verifiers.diagram import Diagram, IllegalMove, apply_band, apply_move, simplify

Record = dict[str, Any]

#: the prime powers q <= 32 at whose roots the Levine-Tristram signatures are checked
PRIME_POWERS = [q for q in range(2, 33) if so.is_prime_power(q)]
#: the knots on which random band specs are tried by :func:`check_hostile`
HOSTILE_KNOTS = ("3_1", "4_1", "6_1", "7_4", "8_20", "9_46", "10_3", "8_8")


def _r(x: float) -> float:
    """Four significant digits."""
    return float(f"{x:.4g}")


class Hang(BaseException):
    """Raised by the alarm; a BaseException so that the kernel's ``except Exception`` cannot swallow it."""


def _ring(*_: Any) -> None:
    raise Hang


@contextmanager
def alarm(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in the block after ``seconds`` of wall time (main thread, Unix only)."""
    signal.signal(signal.SIGALRM, _ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


# --- KnotInfo ------------------------------------------------------------------------------------------------------


@cache
def knotinfo() -> dict[str, dict[str, str]]:
    """KnotInfo's knots (the unknot left out), by name."""
    import database_knotinfo

    return {r["name"]: r for r in database_knotinfo.link_list()[1:] if r["crossing_number"] != "0"}


def crossings(name: str) -> int:
    """KnotInfo's crossing number of ``name``."""
    return int(knotinfo()[name]["crossing_number"])


def is_slice(name: str) -> bool | None:
    """True for smooth 4-genus 0, False where KnotInfo knows it positive, None where it does not say."""
    g = knotinfo()[name]["smooth_four_genus"]
    if g == "0":
        return True
    if g.isdigit() or g == "[1,2]":
        return False
    return None


def pd(name: str) -> list[list[int]]:
    """KnotInfo's PD code of ``name``."""
    code: list[list[int]] = json.loads(knotinfo()[name]["pd_notation"])
    return code


def knots(max_crossings: int, slice_: bool | None | str = "any") -> list[str]:
    """KnotInfo's knots up to ``max_crossings``; only those with ``is_slice == slice_`` unless it is ``"any"``."""
    return [n for n in knotinfo() if crossings(n) <= max_crossings and (slice_ == "any" or is_slice(n) is slice_)]


def cert(code: list[list[int]], moves: list[Any], claim: str, name: str | None = None) -> dict[str, Any]:
    """A Ribbon-v0 certificate of ``claim`` on the diagram ``code``."""
    instance: dict[str, Any] = {"pd": code}
    if name:
        instance["name"] = name
    return {"format": FORMAT, "env": "Ribbon-v0", "claim": claim, "instance": instance, "moves": moves}


def normalised(coeffs: list[int]) -> list[int]:
    """Alexander coefficients without leading and trailing zeros, with a positive sum."""
    coeffs = list(coeffs)
    while coeffs and coeffs[0] == 0:
        coeffs.pop(0)
    while coeffs and coeffs[-1] == 0:
        coeffs.pop()
    return [-c for c in coeffs] if sum(coeffs) < 0 else coeffs


def knotinfo_alexander(text: str) -> list[int]:
    """KnotInfo's Alexander polynomial (a string in t, maybe with negative powers) as normalised coefficients."""
    import sympy

    t = sympy.Symbol("t")
    expr = sympy.sympify(text.replace("^", "**"), locals={"t": t})
    num, _ = sympy.fraction(sympy.together(expr))
    return normalised([int(c) for c in reversed(sympy.Poly(sympy.expand(num), t).all_coeffs())])


def names_an_edge_twice(d: Diagram, spec: str) -> bool:
    """Whether the band ``spec`` crosses some edge of ``d`` twice along its top (the specs that may hang)."""
    import spherogram
    from spherogram.links.bands.core import Band, normalize_crossing_labels
    from spherogram.links.links_base import CrossingStrand

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


# --- the checks ----------------------------------------------------------------------------------------------------


def check_tables(max_crossings: int) -> list[Record]:
    """Signature, determinant, Alexander polynomial and tau by the kernel against KnotInfo: one record each."""
    names = knots(max_crossings)
    wrong: dict[str, list[Any]] = {"signature": [], "determinant": [], "alexander": [], "tau": []}
    seconds: Counter[str] = Counter()
    skipped_tau = []

    def timed(key: str, fn: Any, d: Diagram) -> Any:
        start = time.perf_counter()
        try:
            return fn(d)
        finally:
            seconds[key] += time.perf_counter() - start

    for name in names:
        row = knotinfo()[name]
        d = Diagram.from_pd(pd(name))
        sig = timed("signature", so.signature, d)
        if sig != int(row["signature"]):
            wrong["signature"].append((name, sig, int(row["signature"])))
        det = timed("determinant", so.determinant, d)
        if det != int(row["determinant"]):
            wrong["determinant"].append((name, det, int(row["determinant"])))
        alex = timed("alexander", so.alexander, d)
        want = knotinfo_alexander(row["alexander_polynomial"])
        if normalised(alex) not in (want, want[::-1]):
            wrong["alexander"].append((name, alex, want))
        try:
            tau = timed("tau", so.tau, d)
        except ValueError as exc:
            skipped_tau.append((name, str(exc)[:60]))
            tau = None
        if tau is not None and str(tau) != row["ozsvath_szabo_tau_invariant"]:
            wrong["tau"].append((name, tau, row["ozsvath_szabo_tau_invariant"]))
    return [
        {
            "section": "tables",
            "invariant": key,
            "knots": len(names),
            "max_crossings": max_crossings,
            "disagree": len(bad),
            "sign_flips": sum(1 for b in bad if key in ("signature", "tau") and b[1] == -int(b[2])),
            "examples": bad[:10],
            "seconds": _r(seconds[key]),
            "ms_per_knot": _r(1000 * seconds[key] / max(len(names), 1)),
            **({"tau_refused": len(skipped_tau), "tau_refused_examples": skipped_tau[:5]} if key == "tau" else {}),
        }
        for key, bad in wrong.items()
    ]


def check_slice(max_crossings: int) -> list[Record]:
    """``not_slice`` certificates on every slice knot, for every invariant: how many the kernel accepts (must be 0)."""
    names = knots(max_crossings, True)
    out = []
    # Uncached: one pass with the kernel exactly as shipped, for the timings.
    for invariant in ("signature", "determinant", "fox_milnor", "tau"):
        move = {"op": "invariant", "name": invariant}
        accepted, undecided, start = [], 0, time.perf_counter()
        for name in names:
            v = verify(cert(pd(name), [move], "not_slice", name))
            if v.valid:
                accepted.append(name)
            undecided += "undecided" in v.reason
        elapsed = time.perf_counter() - start
        out.append(
            {
                "section": "slice",
                "invariant": invariant,
                "slice_knots": len(names),
                "accepted": len(accepted),
                "accepted_examples": accepted[:10],
                "undecided": undecided,
                "seconds": _r(elapsed),
                "ms_per_certificate": _r(1000 * elapsed / max(len(names), 1)),
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
    lt_accepted: list[tuple[str, int, int]] = []
    lt_undecided: list[tuple[str, int, int]] = []
    try:
        count, start = 0, time.perf_counter()
        for name in names:
            for q in PRIME_POWERS:
                for j in range(1, q):
                    move = {"op": "invariant", "name": "levine_tristram", "q": q, "j": j}
                    v = verify(cert(pd(name), [move], "not_slice", name))
                    count += 1
                    if v.valid:
                        lt_accepted.append((name, q, j))
                    if "undecided" in v.reason:
                        lt_undecided.append((name, q, j))
        elapsed = time.perf_counter() - start
    finally:
        so.seifert_matrix = real
    out.append(
        {
            "section": "slice",
            "invariant": "levine_tristram",
            "prime_powers": PRIME_POWERS,
            "slice_knots": len(names),
            "certificates": count,
            "accepted": len(lt_accepted),
            "accepted_examples": lt_accepted[:10],
            "undecided": len(lt_undecided),
            "undecided_examples": lt_undecided[:10],
            "seconds": _r(elapsed),
            "note": "Seifert matrices memoised per knot",
        }
    )
    return out


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


def check_ribbon(max_crossings: int) -> tuple[list[Record], dict[str, dict[str, Any]]]:
    """One-band certificates for the slice knots; the records and the certificates found (all re-verified)."""
    names = knots(max_crossings, True)
    found: dict[str, dict[str, Any]] = {}
    out: list[Record] = []
    start = time.perf_counter()
    missed = []
    for name in names:
        c, _ = one_band_certificate(name)
        if c is None:
            missed.append(name)
            continue
        v = verify(c)
        if not v.valid:
            out.append(
                {"section": "ribbon", "error": "found certificate does not verify", "knot": name, "reason": v.reason}
            )
            continue
        found[name] = c
    out.append(
        {
            "section": "ribbon",
            "slice_knots": len(names),
            "max_crossings": max_crossings,
            "found": len(found),
            "missed": missed,
            "seconds": _r(time.perf_counter() - start),
        }
    )
    return out, found


def check_nonslice(max_crossings: int) -> Record:
    """Every candidate band, then simplify with seeds 0 and 1, on every non-slice knot: never the unlink."""
    names = knots(max_crossings, False)
    successes: list[tuple[Any, ...]] = []
    bands, start = 0, time.perf_counter()
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
    return {
        "section": "nonslice",
        "non_slice_knots": len(names),
        "max_crossings": max_crossings,
        "bands_tried": bands,
        "simplifications": 2 * bands,
        "reached_unlink": len(successes),
        "examples": successes[:10],
        "seconds": _r(time.perf_counter() - start),
    }


def check_transplant(found: dict[str, dict[str, Any]], max_crossings: int, timeout_s: float = 30) -> Record:
    """Replay every found certificate's moves on every other knot: accepted only on knots KnotInfo says slice."""
    targets = knots(max_crossings)
    accepted, bad, hung, count = [], [], [], 0
    start = time.perf_counter()
    for source, c in found.items():
        for target in targets:
            if target == source:
                continue
            count += 1
            try:
                with alarm(timeout_s):
                    v = verify(cert(pd(target), c["moves"], "ribbon", target))
            except Hang:
                hung.append((source, target))
                continue
            if v.valid:
                accepted.append((source, target))
                if is_slice(target) is not True:
                    bad.append((source, target, knotinfo()[target]["smooth_four_genus"]))
    return {
        "section": "transplant",
        "certificates": len(found),
        "targets": len(targets),
        "replays": count,
        "accepted": len(accepted),
        "accepted_examples": accepted[:20],
        "accepted_on_non_slice": len(bad),
        "bad_examples": bad[:10],
        "hung": hung[:10],
        "seconds": _r(time.perf_counter() - start),
    }


def alternating_400() -> list[list[int]]:
    """The PD code of a seeded 400-crossing one-component closed braid in σ₁, σ₂⁻¹ (alternating)."""
    import spherogram

    rng = random.Random(2)
    while True:
        link = spherogram.ClosedBraid([rng.choice((1, -2)) for _ in range(400)])
        if len(link.link_components) == 1:
            return [list(x) for x in link.PD_code()]


def random_band_specs(per_knot: int, seed: int = 11) -> Record:
    """Random band specs on :data:`HOSTILE_KNOTS`: how many are legal, illegal, or hang spherogram (2 s alarm)."""
    import spherogram
    from spherogram.links.bands.core import compress_band_spec

    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    hangs: list[tuple[str, str, bool]] = []
    start = time.perf_counter()
    for name in HOSTILE_KNOTS:
        d = Diagram.from_pd([list(x) for x in spherogram.Link(name).PD_code()])
        for _ in range(per_knot):
            k = rng.choice((0, 0, 1, 1, 2, 3))
            top = [(rng.randrange(d.crossings), rng.randrange(4)) for _ in range(k + 2)]
            spec = compress_band_spec(top, rng.randrange(2**k), rng.randint(-3, 3))
            twice = names_an_edge_twice(d, spec)
            try:
                with alarm(2):
                    apply_band(d, spec)
                outcomes["legal"] += 1
            except IllegalMove:
                outcomes["illegal"] += 1
            except Hang:
                outcomes["hang"] += 1
                hangs.append((name, spec, twice))
            outcomes["names_an_edge_twice"] += twice
    return {
        "section": "hostile",
        "check": "random band specs",
        "specs": sum(outcomes[k] for k in ("legal", "illegal", "hang")),
        **outcomes,
        "hangs_naming_an_edge_twice": sum(1 for h in hangs if h[2]),
        "hang_examples": [h[:2] for h in hangs[:10]],
        "seconds": _r(time.perf_counter() - start),
    }


def simplify_400(sample: int, verify_all: bool = False) -> Record:
    """``sample`` simplify moves on :func:`alternating_400`, extrapolated to 2,000; ``verify_all`` verifies 2,000."""
    code = alternating_400()
    d = Diagram.from_pd(code)
    times = []
    state = d
    for seed in range(sample):
        start = time.perf_counter()
        state = simplify(state, seed)
        times.append(time.perf_counter() - start)
    per_move = sum(times) / len(times)
    record: Record = {
        "section": "hostile",
        "check": "simplify moves on 400 crossings",
        "crossings": d.crossings,
        "crossings_after": state.crossings,
        "moves_timed": sample,
        "s_per_move": _r(per_move),
        "max_s_per_move": _r(max(times)),
        "extrapolated_s_for_2000": _r(2000 * per_move),
    }
    if verify_all:
        start = time.perf_counter()
        v = verify(cert(code, [{"op": "simplify", "seed": s} for s in range(2000)], "ribbon"))
        record["verify_2000_s"] = _r(time.perf_counter() - start)
        record["verdict"] = v.reason
    return record


def invariants_at_cap() -> list[Record]:
    """Each ``not_slice`` invariant on a seeded random knot with as many crossings as the kernel allows."""
    import spherogram

    cap = getattr(so, "MAX_INVARIANT_CROSSINGS", 40)
    rng = random.Random(4)
    gens = (1, 2, 3, 4) if cap % 2 == 0 else (1, 2, 3)  # n transpositions: a single cycle needs the right parity
    while True:
        link = spherogram.ClosedBraid([rng.choice(gens) * rng.choice((1, -1)) for _ in range(cap)])
        if len(link.link_components) == 1:
            break
    code = [list(x) for x in link.PD_code()]
    out = []
    for name in ("signature", "determinant", "fox_milnor", "levine_tristram", "tau"):
        move = {"op": "invariant", "name": name, **({"q": 3, "j": 1} if name == "levine_tristram" else {})}
        start = time.perf_counter()
        v = verify(cert(code, [move], "not_slice"))
        out.append(
            {
                "section": "hostile",
                "check": "not_slice at the crossing cap",
                "crossings": len(code),
                "invariant": name,
                "seconds": _r(time.perf_counter() - start),
                "valid": v.valid,
                "reason": v.reason[:100],
            }
        )
    return out


def check_hostile(quick: bool = False, full: bool = False) -> list[Record]:
    """Random band specs, simplify on 400 crossings (all 2,000 moves verified if ``full``), invariants at the cap."""
    sample = 2000 if full else (10 if quick else 60)
    return [random_band_specs(40 if quick else 150), simplify_400(sample, full), *invariants_at_cap()]


# --- the solvers on the shipped suites ------------------------------------------------------------------------------

#: the Ribbon-v0 suites, in the order of the results page
SUITES = ("ribbon-knotinfo-12", "ribbon-knotinfo-13", "ribbon-doubles-30", "notslice-knotinfo-12")
#: ``ruehlef/ribbon`` (closed binary, a BO-weighted random walker), run once on the reference machine; quoted
ANCHOR: dict[str, Any] = {
    "source": "ruehlef/ribbon (closed binary, BO-weighted random walker), run on this machine, 30 s per knot",
    "ribbon-knotinfo-13": {"solved": 495, "of": 511, "median_s": 0.39, "p90_s": 5.8},
    "ribbon-knotinfo-12": {"solved": 154, "of": 158},
}
#: the fraction of each suite a solver must certify
TARGETS = {
    "ribbon-knotinfo-12": 1.0,
    "ribbon-knotinfo-13": 0.995,
    "ribbon-doubles-30": 0.90,
    "notslice-knotinfo-12": 0.99,
}
#: the claim a certificate must make on each suite (``ribbon`` unless named here)
EXPECTED_CLAIM = {"notslice-knotinfo-12": "not_slice"}


def solve_and_verify(agent_name: str, raw: dict[str, Any], budget_s: float, seed: int) -> Record:
    """Run the agent ``agent_name`` on one suite instance and re-verify its certificate with the kernel.

    One row: id, name, crossings, seconds (wall time of ``solve``), steps, claim (None without a certificate),
    verified, the number of band moves and, for ``not_slice``, the invariant used. Picklable, for process pools.
    """
    from rigorgym.agents.registry import make_agent

    instance = KnotInstance.from_instance(raw)
    start = time.perf_counter()
    result = make_agent(agent_name).solve(None, instance, budget_s, seed)
    seconds = time.perf_counter() - start
    cert_ = result.certificate
    verdict = verify(cert_) if cert_ is not None else None
    moves = cert_["moves"] if cert_ is not None else []
    return {
        "id": raw["id"],
        "name": raw.get("name"),
        "crossings": len(raw["pd"]),
        "seconds": seconds,
        "steps": result.steps,
        "claim": cert_["claim"] if cert_ is not None else None,
        "verified": bool(verdict and verdict.valid),
        "bands": sum(m.get("op") == "band" for m in moves),
        "invariant": moves[0].get("name") if cert_ is not None and cert_["claim"] == "not_slice" else None,
    }


def percentile(values: list[float], q: float) -> float | None:
    """The ``q`` quantile by nearest rank, None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summarise_suite(suite: str, rows: list[Record], budget_s: float) -> Record:
    """Certified count and fraction against :data:`TARGETS`, seconds over the certified knots, bands or invariants."""
    expected = EXPECTED_CLAIM.get(suite, "ribbon")
    good = [r for r in rows if r["verified"] and r["claim"] == expected]
    wrong = [r for r in rows if r["verified"] and r["claim"] != expected]
    times = [r["seconds"] for r in good]
    p90 = percentile(times, 0.9)
    out: Record = {
        "bench": "ribbon_suite",
        "suite": suite,
        "knots": len(rows),
        "certified": len(good),
        "fraction": _r(len(good) / len(rows)) if rows else 0.0,
        "wrong_claim": len(wrong),
        "median_s": _r(statistics.median(times)) if times else None,
        "p90_s": _r(p90) if p90 is not None else None,
        "max_s": _r(max(times)) if times else None,
        "knots_per_minute": _r(60 * len(rows) / max(sum(r["seconds"] for r in rows), 1e-9)),
        "budget_s": budget_s,
        "target_fraction": TARGETS[suite],
        "meets_target": bool(rows) and len(good) / len(rows) >= TARGETS[suite],
        "uncertified": [r["name"] or r["id"] for r in rows if not (r["verified"] and r["claim"] == expected)],
    }
    if expected == "ribbon":
        out["bands"] = dict(sorted(Counter(r["bands"] for r in good).items()))
    else:
        out["by_invariant"] = dict(Counter(r["invariant"] for r in good).most_common())
    if suite in ANCHOR:
        out["anchor"] = ANCHOR[suite]
    return out


# --- tuning the bo-walker (benchmarks/tune_bo_walker.py) ------------------------------------------------------------

#: pairs (K, K') whose (K # -K) # (K' # -K') join the training knots: ribbon knots that need two bands
COMPOSITES = (("3_1", "3_1"), ("3_1", "4_1"), ("4_1", "4_1"), ("3_1", "5_1"))


def composite(a: str, b: str) -> KnotInstance:
    """(a # -a) # (b # -b), a ribbon knot that needs two bands (-K: the reverse of the mirror image)."""
    import spherogram
    from rigorgym.envs.suites.build_ribbon import reverse
    from rigorgym.verifiers.diagram import _deterministic_hashes

    def double(name: str) -> Any:
        k = spherogram.Link(spherogram.Link(name).PD_code())
        return k.connected_sum(reverse(k.mirror()))

    with _deterministic_hashes():
        link = double(a).connected_sum(double(b))
        code = tuple(tuple(int(v) for v in x) for x in link.PD_code(min_strand_index=1))
    return KnotInstance(code, f"({a}#-{a})#({b}#-{b})")


def training_knots(max_crossings: int) -> list[KnotInstance]:
    """The slice knots of ``ribbon-knotinfo-12`` up to ``max_crossings`` and the :data:`COMPOSITES`."""
    from rigorgym.envs.suites import load_suite

    knots_ = [
        KnotInstance.from_instance(x)
        for x in load_suite("ribbon-knotinfo-12").instances
        if len(x["pd"]) <= max_crossings
    ]
    return knots_ + [composite(a, b) for a, b in COMPOSITES]


def walker_objective(
    params: dict[str, Any], knots_: list[KnotInstance], seeds: int, max_cost: int, memo: Any = None
) -> Record:
    """Mean log cost per solve of a ``BoWalker(params)`` over ``knots_`` × ``seeds`` (a failure counts 2·max_cost).

    The cost counts one unit per band screened and ``KERNEL_COST`` per kernel simplification (machine-independent);
    ``memo`` (a ``WalkerMemo``) shares screens and kernel results across calls.
    """
    import math

    from rigorgym.agents.bo_walker import BoWalker

    walker = BoWalker(params)
    if memo is not None:
        walker.memo = memo
    walker.max_cost = max_cost
    logs, solved = [], 0
    for knot in knots_:
        diagram = knot.diagram()
        for s in range(seeds):
            out = walker.search(diagram, time.perf_counter() + 600, s)
            cost = out.extra.get("cost", 0) if out.moves is not None else 2 * max_cost
            solved += out.moves is not None
            logs.append(math.log(max(cost, 1)))
    return {"objective": statistics.fmean(logs), "solved": solved, "runs": len(knots_) * seeds}


def walker_params(trial: Any) -> dict[str, Any]:
    """The walker's search space, drawn from an optuna trial: feature weights, ``descend``, ``walk_steps``."""
    from rigorgym.agents.ribbon_search import FEATURES

    return {
        "weights": {f: trial.suggest_float(f, -3.0, 3.0) for f in FEATURES},
        "descend": trial.suggest_float("descend", 0.0, 0.3),
        "walk_steps": trial.suggest_int("walk_steps", 4, 200, log=True),
        "max_bands": 3,
        "max_twists": 2,
    }
