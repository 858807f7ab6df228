"""Build the ``ribbon-gen-<c>`` suites: ribbon knots of about ``c`` crossings, ribbon by construction
(run: ``python -m rigorgym.envs.suites.build_ribbon_gen [--only ribbon-gen-30] [--progress]``).

Instance ``k`` of ``ribbon-gen-<c>`` is a function of ``(c, k)`` alone (:func:`generate`): with
``random.Random(crc32("ribbon-gen-<c>/<k>"))``,

0. a target size drawn within 10% of ``c``;
1. **an unlink**: two circles, one passing over the other twice (:data:`TWO_CIRCLES`), grown by the hard-unknot
   suites' inflation (:func:`~rigorgym.envs.suites.build_unknot_diagrams.inflate`: seeded spherogram
   ``backtrack``, R3 moves then rounds of R2/R3 moves, no R1) to a drawn size of 4 to ``c / 4`` crossings. It
   is still the two-component unlink (Reidemeister moves);
2. **a fusion**: a band from a random edge of one component whose core weaves across as many strands as the
   target leaves room for (half the missing crossings: a finger of the edge pushed over or under a random
   neighbouring edge, again and again, two crossings each), then on until its tip borders the other
   component, and across that face to it, with a random number of half twists in -2..2 of the parity that
   keeps the orientation (:func:`rigorgym.verifiers.bands.fusion`). Most of the knot's crossings are the
   band's: a diagram that Reidemeister moves do not shrink back to a small knot. The result is a knot bounding a ribbon disk: the two disks of the
   unlink joined by the band. The band is **not** stored: the disk is the solver's to find;
   Odd ``k``: first a third circle split off one of the two by a fission band that R1/R2 removals then undo
   (so the three are an unlink), and **two** such fusions, the second joining the last circle: the knot
   bounds a ribbon disk of three disks and two bands, and a solver needs two bands. The row records
   ``fusion_bands``;
3. **shuffle**: the same inflation (R3 moves; R2/R3 growth only if still under the target).

An attempt is kept if the result is one component, has no kink, has Alexander polynomial != 1 (computed by
the kernel's :mod:`rigorgym.verifiers.pd_alexander`: so it is certainly not the unknot), its size is in
range, and regina's diagram signature differs from every earlier instance's. Rows are ``{"id", "pd",
"name"}`` like the other Ribbon-v0 suites; ``data/sources/ribbon-gen-<c>.construction.json`` keeps, per id,
the Alexander polynomial, the number of fusion bands, the attempts and the generator index. Whether the suite is what it says is checked by the benchmark that
certifies it (``benchmarks/ribbon_pd.py``): a ``ribbon`` certificate verified by the kernel is a proof.
"""

from __future__ import annotations

import argparse
import json
import random
import time
import zlib
from typing import Any

from rigorgym.envs.suites.build_unknot_diagrams import distinct_items, has_kink, inflate
from rigorgym.envs.suites.writer import OUT, write_suite
from rigorgym.verifiers.bands import component_of, fission, fusion, legal_bands
from rigorgym.verifiers.pd import PD
from rigorgym.verifiers.pd_alexander import alexander_polynomial
from rigorgym.verifiers.reidemeister import SIDES, edge_side, legal_moves
from rigorgym.verifiers.reidemeister import apply_move as reidemeister_move

ENV = "Ribbon-v0"
GEN_CROSSINGS = (20, 30, 50, 70)
GEN_SIZE = 200
MAX_ATTEMPTS = 400
#: Two circles, the first passing over the second at both crossings (a two-component unlink diagram).
TWO_CIRCLES = [[1, 3, 2, 4], [2, 3, 1, 4]]


def gen_name(crossings: int) -> str:
    return f"ribbon-gen-{crossings}"


def gen_range(crossings: int) -> tuple[int, int]:
    """Crossing counts allowed in the suite of ``crossings``: within 10%."""
    return -(-9 * crossings // 10), 11 * crossings // 10


def push_finger(link: PD, tip: int, rng: random.Random) -> tuple[PD, int]:
    """Push a finger of edge ``tip`` across another edge of a face it borders (over or under, at random).

    Returns the diagram and the new tip: the pushed strand's edge between the two new crossings, which lies
    in the face beyond the crossed edge."""
    side = rng.choice(SIDES)
    face = link.face(link.dart(tip, side))
    others = [edge_side(link, p) for p in face if edge_side(link, p)[0] != tip]
    if not others:
        return link, tip
    f, t = rng.choice(others)
    over = rng.random() < 0.5
    move = (
        {"op": "r2_add", "over": tip, "over_side": side, "under": f, "under_side": t}
        if over
        else {"op": "r2_add", "over": f, "over_side": t, "under": tip, "under_side": side}
    )
    after = reidemeister_move(link, move)
    n, slots = link.size, ((1, 3) if over else (0, 2))
    new_tip = next(
        after.crossings[n][a] for a in slots if after.crossings[n][a] in {after.crossings[n + 1][b] for b in slots}
    )
    return after, new_tip


def random_fusion(link: PD, rng: random.Random, pushes: int) -> PD | None:
    """A coherent band from a random edge of one component, its core weaving across ``pushes`` strands (fingers
    pushed over or under at random), to an edge of the other component on a face the finger's tip reaches."""
    comp = component_of(link)
    tip = rng.randint(1, 2 * link.size)
    home = comp[link.tail(tip)]
    for _ in range(pushes):
        link, tip = push_finger(link, tip, rng)
    for _ in range(4 * pushes + 8):  # then on until the tip borders the other component
        comp = component_of(link)
        ends = [
            (edge_side(link, p), side) for side in SIDES for p in link.face(link.dart(tip, side)) if comp[p] != home
        ]
        if ends:
            ((f, t), side) = rng.choice(ends)
            h = rng.choice([h for h in range(-2, 3) if (side == t) == (h % 2 == 0)])
            return fusion(link, tip, side, f, t, h)
        link, tip = push_finger(link, tip, rng)
    return None


def _reduces_to_circles(d: PD) -> bool:
    """Whether R1/R2 removals alone take ``d`` to no crossings (then it is an unlink)."""
    while d.size:
        removals = [m for m in legal_moves(d) if m["op"] in ("r1_remove", "r2_remove")]
        if not removals:
            return False
        d = reidemeister_move(d, removals[0])
    return True


def three_circles(unlink: PD, rng: random.Random) -> PD | None:
    """A three-component unlink: a fission band of ``unlink`` (no twist) whose result removals undo."""
    bands = [b for b in legal_bands(unlink, 0)]
    rng.shuffle(bands)
    for band in bands:
        split = fission(unlink, band)
        if _reduces_to_circles(split):
            return split
    return None


def generate(crossings: int, index: int) -> dict[str, Any]:
    """Instance ``index`` of ``ribbon-gen-<crossings>`` (module docstring)."""
    name = gen_name(crossings)
    rng = random.Random(zlib.crc32(f"{name}/{index}".encode()))
    low, high = gen_range(crossings)
    for attempt in range(MAX_ATTEMPTS):
        target = rng.randint(low, high)
        unlink = PD.from_pd(inflate(TWO_CIRCLES, rng.randint(4, max(4, crossings // 4)), rng.getrandbits(62)))
        if unlink.components() != 2:
            raise ValueError(f"{name}/{index}: the grown unlink has {unlink.components()} components")
        fusions = 1 + index % 2  # odd indices: a fusion of three circles by two bands
        knot: PD | None = unlink if fusions == 1 else three_circles(unlink, rng)
        for _ in range(fusions):
            if knot is not None:
                knot = random_fusion(knot, rng, max(1, (target - knot.size) // (2 * fusions)))
        if knot is None or knot.size > high:
            continue
        poly = alexander_polynomial(knot.to_json())
        if knot.components() != 1 or poly == (1,):
            continue
        pd = inflate(knot.to_json(), target, rng.getrandbits(62))
        if not low <= len(pd) <= high or has_kink(pd):
            continue
        grown = PD.from_pd(pd)
        if grown.components() != 1 or alexander_polynomial(pd) != poly:  # Reidemeister moves keep both
            raise ValueError(f"{name}/{index}: the inflation changed the knot")
        return {"pd": pd, "crossings": len(pd), "alexander": list(poly), "fusion_bands": fusions,
                "attempts": attempt + 1, "index": index}  # fmt: skip
    raise RuntimeError(f"{name}/{index}: no knot in {MAX_ATTEMPTS} attempts")


def build(crossings: int, progress: bool = False) -> None:
    name = gen_name(crossings)
    start = time.perf_counter()
    made, duplicates = distinct_items(lambda index: generate(crossings, index), GEN_SIZE, set(), name, progress)
    instances: list[dict[str, Any]] = []
    construction: dict[str, dict[str, Any]] = {}  # per id: Alexander polynomial, bands, generator index
    for k, item in enumerate(made):
        instances.append({"id": f"{name}/{k:04d}", "pd": item.pop("pd"), "name": f"RG{crossings}-{k:03d}"})
        construction[instances[-1]["id"]] = item
    low, high = gen_range(crossings)
    notes = f"sources/{name}.construction.json"
    (OUT / notes).write_text(json.dumps(construction, indent=0) + "\n")
    write_suite(
        name,
        ENV,
        f"{GEN_SIZE} ribbon knots of {low}-{high} crossings, ribbon by construction: a fusion band of a grown "
        "two-component unlink, then grown by Reidemeister II/III moves (envs/suites/build_ribbon_gen.py); the band "
        "is not stored; every knot has Alexander polynomial != 1",
        instances,
        max_crossings=max(len(x["pd"]) for x in instances),
        construction=notes,
        slice=True,
        duplicates_skipped=duplicates,
        build_s=round(time.perf_counter() - start, 1),
    )


def check(crossings: int) -> dict[str, Any]:
    """Independent checks of a built suite: regina's Alexander polynomial (not the kernel's) equals the stored one
    and is not 1; Fox-Milnor (a ribbon knot's Delta is f(t) f(1/t)) and the square determinant hold for every row,
    as they must for knots that are ribbon by construction."""
    from rigorgym.envs.suites import load_suite
    from rigorgym.verifiers.diagram import Diagram
    from rigorgym.verifiers.slice_obstructions import alexander, fox_milnor_obstructs

    rows = load_suite(gen_name(crossings)).instances
    built = json.loads((OUT / "sources" / f"{gen_name(crossings)}.construction.json").read_text())
    counts = {"rows": len(rows), "alexander_agrees": 0, "not_unknot": 0, "fox_milnor_ok": 0, "square_det": 0}
    for row in rows:
        coeffs = alexander(Diagram.from_pd(row["pd"]))  # regina's, normalised to Delta(1) > 0
        stored = list(built[row["id"]]["alexander"])
        if sum(stored) < 0:
            stored = [-c for c in stored]
        counts["alexander_agrees"] += coeffs == stored or coeffs == stored[::-1]
        counts["not_unknot"] += coeffs != [1]
        counts["fox_milnor_ok"] += not fox_milnor_obstructs(coeffs)[0]
        det = abs(sum(c * (-1) ** i for i, c in enumerate(coeffs)))
        counts["square_det"] += int(det**0.5 + 0.5) ** 2 == det
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", help="build only this suite (repeatable)")
    parser.add_argument("--progress", action="store_true", help="show a progress bar")
    parser.add_argument("--check", action="store_true", help="build nothing; check the built suites and print")
    args = parser.parse_args()
    names = {gen_name(c): c for c in GEN_CROSSINGS}
    if args.check:
        for name in args.only or list(names):
            print(name, check(names[name]))
        return
    for name in args.only or list(names):
        if name not in names:
            parser.error(f"unknown suite {name!r}; known: {', '.join(names)}")
        build(names[name], args.progress)


if __name__ == "__main__":
    main()
