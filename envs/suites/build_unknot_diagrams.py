"""Build the UnKnot-Diagram-v0 suites once; the output ships in ``data/``
(run: ``python -m rigorgym.envs.suites.build_unknot_diagrams [--only NAME] [--progress]``).

Every instance is ``{"id": ..., "pd": [[a, b, c, d], ...], ...}``, a PD code in
spherogram's / KnotTheory's convention (``a`` the incoming under-strand, then
counter-clockwise); extra keys record what was checked.

Suites
    ``unknot-diagram-hard``: the 50 original very hard unknot diagrams of
    ``sources/hard_unknots_50.jsonl`` (the DeepMind data of Applebaum et al.,
    arXiv:2409.09032; provenance in ``sources/PROVENANCE.md``), ``pd`` verbatim,
    ids keeping the csv row numbers. Each is re-certified here (knot Floer
    homology of total rank 1; SnapPy's knot group is Z) and SnapPy's
    ``simplify('global')`` is run from seeds 0-4 (the fewest crossings it
    reaches is recorded).

    ``unknot-diagram-decoys``: the 345 rows of ``sources/very_hard_unknots.csv``
    that its classification file calls knotted (an original with 1-5 crossings
    changed, as ``check_hard_unknots`` checks for the 49 whose original is
    among the 50), ``pd`` verbatim, ``"answer": "knotted"``. The Alexander
    polynomial of each is computed here (exact, regina); a row whose polynomial
    is 1 would stay, marked ``"alexander_trivial": true``.

    ``unknot-diagram-classic``: the named hard unknots that ship with installed
    packages: regina's ``ExampleLink.gordian()`` (Haken's Gordian unknot, 141
    crossings) and ``ExampleLink.monster()``, and the three unknot Gauss codes
    of spherogram's ``dev/other_link_formats.py`` (28, 43 and 78 crossings; that
    file does not say where they come from). regina's
    ``ExampleLink.cubicalUnknot()`` is a spatial (3-dimensional) link, not a
    diagram, and is left out. Each is certified by knot Floer homology of total
    rank 1 (the Gordian unknot: 56 s), except the 43-crossing diagram, on which
    the HFK program ran 8 minutes without an answer: it is certified by SnapPy's
    ``simplify('global')`` reaching 0 crossings from a recorded seed (a sequence
    of Reidemeister moves, hence a proof). (SnapPy's knot group, the second
    certificate of the other suites, ran over 6 minutes on the Gordian unknot.)

    ``unknot-diagram-hard-gen-20`` / ``-40`` / ``-80``: 200 diagrams each with
    crossings within 10% of 20 / 40 / 80, made by **inflating the hard
    originals** (see :func:`generate_hard`): an original drawn with a seed,
    scrambled by seeded random Reidemeister III moves and grown by seeded
    Reidemeister II moves (spherogram's ``backtrack``, no Reidemeister I) to a
    drawn target size. An instance is kept only if ``simplify('global')`` from
    seeds 0-4 does not reach 0 crossings (the notion of hard of the originals);
    each kept diagram is certified: SnapPy's knot group of the stored PD
    simplifies to Z, and knot Floer homology has total rank 1 on the smallest
    diagram ``simplify('global')`` reaches from it (isotopic; the program can
    run for many minutes on the inflated diagram itself). The DeepMind way
    (random diagrams, crossing changes until the unknot) was tried first: on
    thousands of diagrams of 20-80 crossings it never produced a diagram this
    filter keeps (``--random-yield N`` measures it again, see
    :func:`random_unknot_attempt`), so the generated suites are variations of
    the originals, not independent diagrams.

Reproducible: spherogram iterates over sets of crossings, which by default hash
by memory address; every spherogram call here runs inside the kernel's
``_deterministic_hashes`` (crossing hashes from a counter) with ``random``
seeded just before, so a rebuild gives the same files and hashes.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import random
import time
import zlib
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import spherogram
from rigorgym.envs.suites.writer import OUT, write_suite
from rigorgym.verifiers.diagram import Diagram, _deterministic_hashes
from rigorgym.verifiers.slice_obstructions import alexander
from tqdm import tqdm

ENV = "UnKnot-Diagram-v0"
SOURCES = OUT / "sources"
HARD = "unknot-diagram-hard"
DECOYS = "unknot-diagram-decoys"
CLASSIC = "unknot-diagram-classic"
GEN_CROSSINGS = (20, 40, 80)
GEN_SIZE = 200
#: SnapPy's ``simplify('global')`` is run once from each of these seeds (the "5 random restarts").
RESTART_SEEDS = (0, 1, 2, 3, 4)
#: Classic diagrams certified by simplification, not HFK: the HFK program ran 8 minutes on it without an answer.
CLASSIC_NO_HFK = ("unknot_43",)
#: Inflation: R3 moves first (crossings kept), then rounds of ``backtrack(GROW_STEPS)`` with R2 probability GROW_R2.
MIX_STEPS = 30
GROW_STEPS = 4
GROW_R2 = 0.25
MAX_ATTEMPTS = 50

PD = list[list[int]]


def gen_name(crossings: int) -> str:
    return f"unknot-diagram-hard-gen-{crossings}"


def gen_range(crossings: int) -> tuple[int, int]:
    """Crossing counts allowed in the suite of ``crossings``: within 10%."""
    return -(-9 * crossings // 10), 11 * crossings // 10


def _seed(name: str, k: int) -> int:
    """A seed for item ``k`` of suite ``name`` (stable across Python versions and processes)."""
    return zlib.crc32(f"{name}/{k}".encode())


def _pd(link: spherogram.Link) -> PD:
    return [[int(v) for v in x] for x in link.PD_code(min_strand_index=1)]


# ---------------------------------------------------------------- checks


def check_knot_diagram(pd: PD, label: str) -> None:
    """Raise unless ``pd`` is a one-component diagram that the kernel and spherogram read with all its crossings."""
    diagram = Diagram.from_pd(pd)
    with _deterministic_hashes():
        link = spherogram.Link(pd)
        crossings, components = len(link.crossings), len(link.link_components)
    if diagram.components != 1 or components != 1 or crossings != len(pd) or diagram.crossings != len(pd):
        raise ValueError(f"{label}: not a one-component diagram with {len(pd)} crossings")


def diagram_sig(pd: PD) -> str:
    """regina's signature of the diagram: equal for diagrams that differ by relabelling, reflection or reversal."""
    import regina

    return str(regina.Link.fromPD(pd).sig())


def has_kink(pd: PD) -> bool:
    """A crossing joined to itself by an edge (an R1 loop): the HFK program refuses such diagrams."""
    return any(len(set(x)) < 4 for x in pd)


def hfk_total_rank(pd: PD, calls: int = 1) -> int:
    """Total rank of knot Floer homology (Szabó's program): 1 exactly for the unknot.

    With ``calls`` > 1 the first result of 1 is returned: knot_floer_homology
    1.2.2 sometimes answers a wrong rank on a large unknot diagram (484 on a
    73-crossing one of gen-80, then 1 on the next call with the same input), so
    an unknot by construction gets a few calls; a 1 is never taken as the only
    proof (see :func:`pi1_is_z`).
    """
    from knot_floer_homology import pd_to_hfk

    rank = 0
    for _ in range(calls):
        rank = int(pd_to_hfk(pd)["total_rank"])
        if rank == 1:
            break
    return rank


def pi1_is_z(pd: PD) -> bool:
    """Whether SnapPy simplifies the knot group of ``pd`` to one generator and no relator (then it is the unknot)."""
    import snappy

    random.seed(0)
    group = snappy.Link(pd).exterior().fundamental_group()
    return bool(group.num_generators() == 1 and not group.relators())


def simplify_global_reduced(pd: PD, seeds: Iterable[int] = RESTART_SEEDS) -> PD:
    """The smallest diagram SnapPy's ``simplify('global')`` reaches, one fresh run per seed (stops at 0 crossings).

    Reidemeister moves only, so it is isotopic to ``pd`` (a knot: one component or none).
    """
    best = pd
    for seed in seeds:
        with _deterministic_hashes():
            link = spherogram.Link(pd)
            random.seed(seed)
            link.simplify("global")
            if len(link.crossings) < len(best) or best is pd:
                best = _pd(link)
        if not best:
            break
    return best


def simplify_global_best(pd: PD, seeds: Iterable[int] = RESTART_SEEDS) -> int:
    """Fewest crossings SnapPy's ``simplify('global')`` reaches, one fresh run per seed (stops at 0)."""
    return len(simplify_global_reduced(pd, seeds))


def unknotting_seed(pd: PD, seeds: Iterable[int] = range(100)) -> int | None:
    """The first seed from which ``simplify('global')`` reaches 0 crossings: a Reidemeister proof of the unknot."""
    for seed in seeds:
        if simplify_global_best(pd, (seed,)) == 0:
            return seed
    return None


# ---------------------------------------------------------------- sources


@lru_cache(maxsize=1)
def originals() -> tuple[dict[str, Any], ...]:
    """The 50 original very hard unknots (rows of ``sources/hard_unknots_50.jsonl``)."""
    lines = (SOURCES / "hard_unknots_50.jsonl").read_text().splitlines()
    return tuple(json.loads(x) for x in lines if x.strip())


def csv_rows() -> list[PD]:
    with (SOURCES / "very_hard_unknots.csv").open() as handle:
        return [ast.literal_eval(r["pd"]) for r in csv.DictReader(handle)]


def knotted_rows() -> list[int]:
    classes = json.loads((SOURCES / "very_hard_unknots_csv_classification.json").read_text())
    return sorted(classes["knotted_rows"])


def _versions() -> str:
    import knot_floer_homology
    import regina
    import snappy

    return (
        f"snappy {snappy.__version__}, spherogram {spherogram.__version__}, regina {regina.versionString()}, "
        f"knot_floer_homology {getattr(knot_floer_homology, '__version__', '?')}"
    )


# ---------------------------------------------------------------- suites 1-3


def build_hard(progress: bool = False) -> None:
    instances = []
    for row in tqdm(originals(), desc=HARD, disable=not progress):
        pd = row["pd"]
        check_knot_diagram(pd, f"row {row['row']}")
        rank = hfk_total_rank(pd)
        if rank != 1 or not pi1_is_z(pd):
            raise ValueError(f"row {row['row']}: knot Floer homology of total rank {rank} or knot group not Z")
        instances.append(
            {
                "id": f"{HARD}/{row['row']:03d}",
                "pd": pd,
                "crossings": len(pd),
                "hfk_total_rank": rank,
                "pi1": "Z",
                "simplify_global_best": simplify_global_best(pd),
            }
        )
    sizes = [x["crossings"] for x in instances]
    description = (
        f"the {len(instances)} original very hard unknot diagrams behind rows of very_hard_unknots.csv (DeepMind, "
        "Applebaum et al. arXiv:2409.09032, via dtubbenhauer/unknotter), pd verbatim, ids = csv row numbers; each "
        "re-certified here by knot Floer homology of total rank 1 and by SnapPy's knot group simplifying to Z (pi1); "
        "simplify_global_best = fewest crossings SnapPy's "
        f"simplify('global') reaches from seeds {list(RESTART_SEEDS)}"
    )
    write_suite(
        HARD,
        ENV,
        description,
        instances,
        source="envs/suites/data/sources/hard_unknots_50.jsonl",
        tools=_versions(),
        min_crossings=min(sizes),
        max_crossings=max(sizes),
        restart_seeds=list(RESTART_SEEDS),
        not_untangled=sum(x["simplify_global_best"] > 0 for x in instances),
        answer="unknot",
    )


def build_decoys(progress: bool = False) -> None:
    rows = csv_rows()
    instances = []
    for r in tqdm(knotted_rows(), desc=DECOYS, disable=not progress):
        pd = rows[r]
        check_knot_diagram(pd, f"row {r}")
        poly = alexander(Diagram.from_pd(pd))
        item: dict[str, Any] = {
            "id": f"{DECOYS}/{r:03d}",
            "pd": pd,
            "answer": "knotted",
            "crossings": len(pd),
            "alexander": poly,
        }
        if poly == [1]:
            item["alexander_trivial"] = True
        instances.append(item)
    trivial = [x["id"] for x in instances if x.get("alexander_trivial")]
    with_original = len({r["row"] for r in originals()} & set(knotted_rows()))
    sizes = [x["crossings"] for x in instances]
    description = (
        f"the {len(instances)} rows of very_hard_unknots.csv that its classification calls knotted (hard originals "
        f"with 1-5 crossings changed; checked for the {with_original} whose original is in {HARD}), pd verbatim, "
        "answer 'knotted'; alexander = the Alexander polynomial (regina, "
        "exact, lowest degree first), which is not 1 for every one of them"
        + (f" except {len(trivial)} marked alexander_trivial" if trivial else "")
    )
    write_suite(
        DECOYS,
        ENV,
        description,
        instances,
        source="envs/suites/data/sources/very_hard_unknots.csv (knotted_rows of very_hard_unknots_csv_classification.json)",
        tools=_versions(),
        min_crossings=min(sizes),
        max_crossings=max(sizes),
        alexander_trivial=trivial,
        answer="knotted",
    )


def classic_diagrams() -> list[tuple[str, PD, str]]:
    """(name, PD, where from) for the hard unknots that installed packages ship."""
    import regina
    from spherogram.dev import other_link_formats as gauss

    out: list[tuple[str, PD, str]] = []
    for name, label in (("gordian", "Haken's Gordian unknot"), ("monster", "the monster unknot")):
        link = getattr(regina.ExampleLink, name)()
        pd = [[int(v) for v in x] for x in link.pdData()]
        out.append((name, pd, f"regina {regina.versionString()} ExampleLink.{name}() ({label}), pdData()"))
    for name in ("unknot_28", "unknot_43", "unknot_78"):
        with _deterministic_hashes():
            pd = _pd(gauss.from_gauss_code(getattr(gauss, name)))
        where = f"spherogram {spherogram.__version__} spherogram/dev/other_link_formats.py {name} (Gauss code; from_gauss_code)"
        out.append((name, pd, where))
    return out


def build_classic(progress: bool = False) -> None:
    instances = []
    for i, (name, pd, where) in enumerate(tqdm(classic_diagrams(), desc=CLASSIC, disable=not progress)):
        check_knot_diagram(pd, name)
        item: dict[str, Any] = {
            "id": f"{CLASSIC}/{i:03d}",
            "pd": pd,
            "name": name,
            "source": where,
            "crossings": len(pd),
        }
        if name not in CLASSIC_NO_HFK:
            rank = hfk_total_rank(pd)
            if rank != 1:
                raise ValueError(f"{name}: knot Floer homology of total rank {rank}")
            item["hfk_total_rank"] = rank
        else:
            seed = unknotting_seed(pd)
            if seed is None:
                raise ValueError(f"{name}: no certificate (simplify('global') never reached 0 crossings)")
            item["unknotting_simplify_seed"] = seed
        item["simplify_global_best"] = simplify_global_best(pd)
        instances.append(item)
    description = (
        "named hard unknot diagrams shipped by installed packages: regina's Gordian unknot (Haken, 141 crossings) "
        "and monster unknot, and the three unknot Gauss codes of spherogram's dev/other_link_formats.py (28, 43, 78 "
        "crossings); certified by knot Floer homology of total rank 1, or (unknot_43, on which the HFK program ran 8 "
        "minutes without an answer) by SnapPy's simplify('global') reaching 0 crossings from the recorded seed "
        "(unknotting_simplify_seed); "
        "regina's cubicalUnknot is a spatial link, not a diagram, and is left out"
    )
    sizes = [x["crossings"] for x in instances]
    write_suite(
        CLASSIC,
        ENV,
        description,
        instances,
        source="regina ExampleLink, spherogram.dev.other_link_formats",
        tools=_versions(),
        min_crossings=min(sizes),
        max_crossings=max(sizes),
        answer="unknot",
    )


# ---------------------------------------------------------------- generated suites


def anchor_pool(crossings: int) -> list[dict[str, Any]]:
    """The originals an instance of about ``crossings`` crossings may grow from: 40%-110% of its size."""
    low, high = 2 * crossings / 5, gen_range(crossings)[1]
    return [row for row in originals() if low <= row["crossings"] <= high]


def inflate(pd: PD, target: int, seed: int) -> PD:
    """``pd`` scrambled by MIX_STEPS random R3 moves, then grown by rounds of random R2/R3 moves to >= ``target``.

    spherogram's ``backtrack`` (moves that never lower the crossing count) with
    no R1 moves; ``random`` is seeded and the crossing hashes are the kernel's
    counter, so the result is a function of (pd, target, seed).
    """
    with _deterministic_hashes():
        link = spherogram.Link(pd)
        random.seed(seed)
        link.backtrack(MIX_STEPS, prob_type_1=0, prob_type_2=0)
        while len(link.crossings) < target:
            link.backtrack(GROW_STEPS, prob_type_1=0, prob_type_2=GROW_R2)
        return _pd(link)


def generate_hard(crossings: int, index: int) -> dict[str, Any]:
    """Instance ``index`` of ``unknot-diagram-hard-gen-<crossings>``: a function of its two arguments alone.

    (The suite holds the first GEN_SIZE indices whose diagrams are distinct from
    each other and from the originals, by regina's diagram signature; the id
    carries the index.)

    Attempt ``a`` draws an original from :func:`anchor_pool`, a target size in
    :func:`gen_range` (at least the original's size) and a seed from
    ``random.Random(crc32("<suite>/<index>"))``, inflates the original
    (:func:`inflate`), and keeps the result if its size is in range, it is one
    component without a kink, and ``simplify('global')`` from RESTART_SEEDS
    does not reach 0 crossings; it is then certified: SnapPy's knot group of
    the stored ``pd`` is Z, and knot Floer homology has total rank 1 (in one of
    up to 3 calls) on the smallest diagram those runs reach (isotopic to it:
    the HFK program ran over 8 minutes on one stored diagram of gen-80 and on
    its ``simplify('basic')``, 0.2 s on this one).
    """
    name = gen_name(crossings)
    rng = random.Random(_seed(name, index))
    low, high = gen_range(crossings)
    pool = anchor_pool(crossings)
    for attempt in range(MAX_ATTEMPTS):
        row = rng.choice(pool)
        target = rng.randint(max(low, row["crossings"]), high)
        seed = rng.getrandbits(62)
        pd = inflate(row["pd"], target, seed)
        if not low <= len(pd) <= high or has_kink(pd):
            continue
        check_knot_diagram(pd, f"{name}/{index}")
        reduced = simplify_global_reduced(pd)
        best = len(reduced)
        if best == 0:
            continue
        rank = hfk_total_rank(reduced, calls=3)
        if rank != 1 or not pi1_is_z(pd):  # impossible (Reidemeister moves of an unknot), so fail loudly
            raise ValueError(f"{name}/{index}: knot Floer homology of total rank {rank} or knot group not Z")
        return {
            "id": f"{name}/{index:03d}",
            "pd": pd,
            "crossings": len(pd),
            "hfk_total_rank": rank,
            "pi1": "Z",
            "simplify_global_best": best,
            "original": f"{HARD}/{row['row']:03d}",
            "inflate_seed": seed,
            "attempts": attempt + 1,
        }
    raise RuntimeError(f"{name}/{index}: no hard diagram in {MAX_ATTEMPTS} attempts")


def distinct_items(
    make: Callable[[int], dict[str, Any]], size: int, seen: set[str], desc: str, progress: bool = False
) -> tuple[list[dict[str, Any]], int]:
    """``make(0), make(1), ...`` until ``size`` items whose diagrams (regina's signature of ``item["pd"]``) are
    new; ``seen`` holds the signatures to avoid and grows. Returns the items and how many were skipped."""
    items: list[dict[str, Any]] = []
    index = duplicates = 0
    with tqdm(total=size, desc=desc, disable=not progress) as bar:
        while len(items) < size:
            item = make(index)
            index += 1
            key = diagram_sig(item["pd"])
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
            items.append(item)
            bar.update()
    return items, duplicates


def build_gen(crossings: int, progress: bool = False) -> None:
    name = gen_name(crossings)
    start = time.perf_counter()
    seen = {diagram_sig(row["pd"]) for row in originals()}
    instances, duplicates = distinct_items(
        lambda index: generate_hard(crossings, index), GEN_SIZE, seen, name, progress
    )
    seconds = time.perf_counter() - start
    tried = sum(x["attempts"] for x in instances)
    sizes = [x["crossings"] for x in instances]
    low, high = gen_range(crossings)
    description = (
        f"{len(instances)} unknot diagrams with {low}-{high} crossings made by inflating the originals of {HARD} "
        f"with {2 * crossings / 5:g}-{high} crossings: seeded spherogram backtrack, {MIX_STEPS} R3 moves then rounds "
        f"of backtrack({GROW_STEPS}, R1 0, R2 {GROW_R2}) to a target size drawn in range; kept only if SnapPy's "
        f"simplify('global') from seeds {list(RESTART_SEEDS)} does not reach 0 crossings "
        "(simplify_global_best = fewest reached); each certified by SnapPy's knot group of the stored pd simplifying "
        "to Z and by knot Floer homology of total rank 1 on the smallest diagram those runs reach (isotopic); "
        "variations of the originals, not independent diagrams (random diagrams made unknots by crossing changes "
        "never passed the filter); distinct diagrams (regina's signature, up to relabelling, reflection and reversal), "
        "none an original's"
    )
    report = {"suite": name, "kept": len(instances), "tried": tried, "duplicates": duplicates}
    print(json.dumps({**report, "seconds": round(seconds, 1)}))
    write_suite(
        name,
        ENV,
        description,
        instances,
        source=f"{HARD} (sources/hard_unknots_50.jsonl), inflated",
        tools=_versions(),
        generator="build_unknot_diagrams.generate_hard",
        target_crossings=crossings,
        min_crossings=min(sizes),
        max_crossings=max(sizes),
        restart_seeds=list(RESTART_SEEDS),
        originals_used=len({x["original"] for x in instances}),
        attempts=tried,
        skipped_duplicate_indices=duplicates,
        answer="unknot",
    )


# ---------------------------------------------------------------- the DeepMind way, for the record


def random_unknot_attempt(crossings: int, index: int) -> dict[str, Any]:
    """One try of the DeepMind way: a random one-component diagram made the unknot by crossing changes.

    A uniformly random 4-valent planar map with ``crossings`` vertices
    (spherogram's PlanarMap, edge-connectivity 4: no kinks) drawn until its
    diagram has one component, crossings as the map gives them (a fair coin
    each); then crossings are made descending (first met on the over-strand
    from the base point) one at a time in a random order until the Alexander
    polynomial is 1 (a descending diagram is the unknot, so this ends).
    Returns its crossing count, the changes made, and the fewest crossings
    ``simplify('global')`` reaches (reaching 0 proves the unknot; a diagram it
    cannot untangle is checked by knot Floer homology of what it reaches, and
    one that is knotted after all counts as not hard). Slow at 80 crossings
    (about 100 s a try, mostly regina's Alexander polynomial after each change).
    """
    from spherogram.links.random_links import map_to_link, random_map

    rng = random.Random(_seed(f"random-unknot-{crossings}", index))
    while True:
        with _deterministic_hashes():
            random.seed(rng.getrandbits(62))
            link = map_to_link(random_map(crossings, 4))
            if len(link.link_components) == 1:
                pd = _pd(link)
                break
    m = 2 * len(pd)
    changes = 0
    for i in rng.sample(range(len(pd)), len(pd)):
        a, b, c, d = pd[i]
        over_in = b if d == b % m + 1 else d
        if over_in > a:  # met first as the under-strand: change it (rotate the tuple)
            pd[i] = [b, c, d, a] if over_in == b else [d, a, b, c]
            changes += 1
            if alexander(Diagram.from_pd(pd)) == [1]:
                break
    reduced = simplify_global_reduced(pd)
    if reduced and hfk_total_rank(reduced, calls=3) != 1:  # Alexander polynomial 1 but knotted: not an unknot
        return {"crossings": len(pd), "changes": changes, "simplify_global_best": 0, "knotted": True}
    return {"crossings": len(pd), "changes": changes, "simplify_global_best": len(reduced)}


def random_yield(tries: int, sizes: Iterable[int] = GEN_CROSSINGS, progress: bool = False) -> None:
    for crossings in sizes:
        kept = 0
        start = time.perf_counter()
        for i in tqdm(range(tries), desc=f"random-unknot-{crossings}", disable=not progress):
            kept += random_unknot_attempt(crossings, i)["simplify_global_best"] > 0
        seconds = round(time.perf_counter() - start, 1)
        print(json.dumps({"crossings": crossings, "tried": tries, "hard": kept, "seconds": seconds}))


# ---------------------------------------------------------------- main


def suite_builders(progress: bool) -> dict[str, Callable[[], None]]:
    builders: dict[str, Callable[[], None]] = {
        HARD: lambda: build_hard(progress),
        DECOYS: lambda: build_decoys(progress),
        CLASSIC: lambda: build_classic(progress),
    }
    for crossings in GEN_CROSSINGS:
        builders[gen_name(crossings)] = lambda c=crossings: build_gen(c, progress)  # type: ignore[misc]
    return builders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", help="build only this suite (repeatable)")
    parser.add_argument("--progress", action="store_true", help="show a progress bar")
    parser.add_argument(
        "--random-yield", type=int, metavar="N", help="build nothing; try the DeepMind way N times per size and print"
    )
    parser.add_argument("--yield-crossings", type=int, action="append", help="sizes for --random-yield (repeatable)")
    args = parser.parse_args()
    if args.random_yield:
        random_yield(args.random_yield, args.yield_crossings or GEN_CROSSINGS, args.progress)
        return
    builders = suite_builders(args.progress)
    for name in args.only or list(builders):
        if name not in builders:
            parser.error(f"unknown suite {name!r}; known: {', '.join(builders)}")
        builders[name]()


if __name__ == "__main__":
    main()
