"""Build the Ribbon-v0 suites once; the output ships in ``data/``
(run: ``python -m rigorgym.envs.suites.build_ribbon``).

Suites
    ``ribbon-knotinfo-12`` / ``ribbon-knotinfo-13``: every nontrivial knot of
    KnotInfo (``database_knotinfo``) with at most 12 / 13 crossings whose
    smooth four-genus is 0 (slice; every such knot in these tables is expected
    to be ribbon). The PD code is KnotInfo's ``pd_notation``, verbatim.

    ``notslice-knotinfo-12``: every nontrivial knot of KnotInfo with at most
    12 crossings whose smooth four-genus is known and positive (not slice,
    hence not ribbon). Knots whose four-genus KnotInfo gives only as an
    interval containing 0 (``[0,1]``) are left out of every suite.

    ``notslice-knotinfo-13``: the same for the knots of exactly 13 crossings
    (a four-genus interval ``[1,2]`` counts as positive). KnotInfo states no
    per-knot reason for a four-genus: what it gives, its ``smooth_four_genus``
    value verbatim and the link of its ``smooth_four_genus_anon`` column (a
    note on the knot in KnotInfo's "specific knots" list) where there is one,
    goes into ``data/sources/notslice-knotinfo-13.four-genus.json``, the names
    grouped by value and by link (the instances stay ``{id, pd, name}``: the
    env, the certificates and the leaderboard repeat them verbatim). Every instance's
    signature and determinant, computed by the kernel from the PD code, must
    equal KnotInfo's ``signature`` and ``determinant`` columns, and KnotInfo's
    four-genus must not be below its own |signature|/2 and |tau| bounds.

    ``ribbon-doubles-30``: K # -K (-K the reverse of the mirror image, so the
    sum is ribbon) for prime knots K of 10-14 crossings from SnapPy's
    Hoste-Thistlethwaite tables, 20 per crossing number, drawn with a seed
    derived from the suite name; each diagram scrambled by spherogram's
    ``backtrack`` (random Reidemeister moves that do not lower the crossing
    number) and ``simplify('basic')`` to 2c+1 .. 30 crossings. (SnapPy's
    15-crossing knot tables are a separate package that is not installed.)

Every instance is checked to be a one-component diagram that the kernel's
:meth:`Diagram.from_pd` accepts. Spherogram's scrambling is seeded and run
with the kernel's deterministic crossing hashes, so a rebuild reproduces the
files exactly. ``--only NAME`` rebuilds one suite.
"""

from __future__ import annotations

import argparse
import json
import random
import zlib
from collections.abc import Callable
from typing import Any

import database_knotinfo
import numpy as np
import spherogram
from rigorgym.envs.suites.writer import OUT, write_suite
from rigorgym.verifiers.diagram import Diagram, _deterministic_hashes
from rigorgym.verifiers.slice_obstructions import alexander, determinant, signature
from tqdm import tqdm

ENV = "Ribbon-v0"
DOUBLES = "ribbon-doubles-30"
DOUBLES_CROSSINGS = range(10, 15)  # crossing numbers of K (SnapPy ships HT tables up to 14 crossings)
DOUBLES_PER_CROSSING = 20
DOUBLES_MIN, DOUBLES_MAX = 20, 30
BACKTRACK_STEPS = 10
MAX_ATTEMPTS = 1000


def _rng(name: str, k: int) -> np.random.Generator:
    return np.random.default_rng([zlib.crc32(name.encode()), k])


# ---------------------------------------------------------------- KnotInfo


def knotinfo_version() -> str:
    from database_knotinfo.__version__ import value

    return str(value)


def knotinfo_knots() -> list[dict[str, str]]:
    """KnotInfo's knot rows (the first row of ``link_list()`` holds the column titles; 0_1 is dropped)."""
    rows = database_knotinfo.link_list()[1:]
    return [r for r in rows if int(r["crossing_number"]) > 0]


def is_slice(row: dict[str, str]) -> bool | None:
    """True for smooth four-genus 0, False when known positive, None when unknown (an interval containing 0)."""
    g = row["smooth_four_genus"].strip()
    if g.isdigit():
        return g == "0"
    low = g.strip("[]").split(",")[0]  # an interval "[a,b]": not slice iff a > 0
    return False if int(low) > 0 else None


def checked(pd: Any, label: str) -> Diagram:
    """The kernel's diagram of ``pd``; raises unless it is a knot (one component)."""
    diagram = Diagram.from_pd(pd)
    if diagram.components != 1 or len(spherogram.Link(pd).link_components) != 1:
        raise ValueError(f"{label}: not a knot diagram")
    return diagram


def four_genus_bounds(value: str) -> tuple[int, int]:
    """KnotInfo's smooth four-genus as (lowest, highest): ``"2"`` -> (2, 2), ``"[1,2]"`` -> (1, 2)."""
    low, _, high = value.strip().strip("[]").partition(",")
    return int(low), int(high or low)


#: KnotInfo's ``*_anon`` columns hold links relative to its site.
KNOTINFO_URL = "https://knotinfo.org/"


def four_genus_notes(suite: str, rows: list[dict[str, str]]) -> dict[str, Any]:
    """What KnotInfo gives for the four-genus of ``rows``: the names by ``smooth_four_genus`` value (verbatim),
    and by the link of their note (``smooth_four_genus_anon``) for those that have one."""
    by_value: dict[str, list[str]] = {}
    for r in sorted(rows, key=lambda r: four_genus_bounds(r["smooth_four_genus"])):
        by_value.setdefault(r["smooth_four_genus"], []).append(r["name"])
    noted: dict[str, list[str]] = {}
    for r in rows:
        if r["smooth_four_genus_anon"].strip():
            noted.setdefault(KNOTINFO_URL + r["smooth_four_genus_anon"].strip(), []).append(r["name"])
    return {
        "suite": suite,
        "source": f"database_knotinfo {knotinfo_version()}, columns smooth_four_genus and smooth_four_genus_anon",
        "four_genus": by_value,
        "noted": noted,
    }


def check_against_knotinfo(diagram: Diagram, row: dict[str, str]) -> None:
    """Raise unless the kernel's signature and determinant are KnotInfo's, and its four-genus respects them."""
    name = row["name"]
    sig, det = signature(diagram), determinant(diagram)
    if sig != int(row["signature"]) or det != int(row["determinant"]):
        raise ValueError(f"{name}: kernel signature {sig}, determinant {det}; KnotInfo {row['signature']}, "
                         f"{row['determinant']}")  # fmt: skip
    low = four_genus_bounds(row["smooth_four_genus"])[0]
    tau = row["ozsvath_szabo_tau_invariant"].strip()
    if 2 * low < abs(sig) or (tau and low < abs(int(tau))):
        raise ValueError(f"{name}: four-genus {row['smooth_four_genus']} below |signature|/2 or |tau| ({sig}, {tau})")


def knotinfo_instance(suite: str, i: int, row: dict[str, str], check_invariants: bool = False) -> dict[str, Any]:
    pd = json.loads(row["pd_notation"])
    if not all(isinstance(v, int) for x in pd for v in x):
        raise ValueError(f"{row['name']}: non-integer PD labels")
    diagram = checked(pd, row["name"])
    if diagram.crossings != int(row["crossing_number"]):
        raise ValueError(f"{row['name']}: PD has {diagram.crossings} crossings, not {row['crossing_number']}")
    if check_invariants:
        check_against_knotinfo(diagram, row)
    return {"id": f"{suite}/{i:04d}", "pd": pd, "name": row["name"]}


def build_knotinfo(suite: str, max_crossings: int, slice_: bool, min_crossings: int = 1, notes: bool = False) -> None:
    """A KnotInfo suite of the knots of ``min_crossings`` .. ``max_crossings`` crossings, slice or not.

    With ``notes``, KnotInfo's four-genus of every instance (and the link of its
    note, where it has one) goes into ``sources/<suite>.four-genus.json``, each
    instance is checked against KnotInfo's signature and determinant
    (:func:`check_against_knotinfo`), and the index records the four-genus counts.
    """
    rows = [r for r in knotinfo_knots() if min_crossings <= int(r["crossing_number"]) <= max_crossings]
    unknown = [r["name"] for r in rows if is_slice(r) is None]
    chosen = [r for r in rows if is_slice(r) is slice_]
    instances = [knotinfo_instance(suite, i, r, notes) for i, r in enumerate(tqdm(chosen, desc=suite))]
    if slice_:
        what = "smooth four-genus 0 (slice; ribbon if the slice-ribbon conjecture holds)"
    else:
        what = "smooth four-genus known and >= 1 (not slice, hence not ribbon)"
    if min_crossings <= 1:
        crossings = f"at most {max_crossings} crossings"
    elif min_crossings == max_crossings:
        crossings = f"exactly {max_crossings} crossings"
    else:
        crossings = f"{min_crossings} to {max_crossings} crossings"
    description = (
        f"every nontrivial knot of KnotInfo (database_knotinfo {knotinfo_version()}) with {crossings} "
        f"and {what}; pd = KnotInfo's pd_notation verbatim, name = KnotInfo's name"
    )
    extra: dict[str, Any] = {"min_crossings": min(len(x["pd"]) for x in instances)} if min_crossings > 1 else {}
    extra |= {"max_crossings": max(len(x["pd"]) for x in instances), "slice": slice_}
    extra["excluded_unknown_four_genus"] = unknown
    if notes:
        path = f"sources/{suite}.four-genus.json"
        notes_ = four_genus_notes(suite, chosen)
        (OUT / path).write_text(json.dumps(notes_, indent=1) + "\n")
        extra["four_genus"] = {value: len(names) for value, names in notes_["four_genus"].items()}
        extra["four_genus_notes"] = path
    write_suite(suite, ENV, description, instances, source=f"database_knotinfo {knotinfo_version()}", **extra)


# ---------------------------------------------------------------- K # -K


def reverse(link: spherogram.Link) -> spherogram.Link:
    """The knot with its orientation reversed, crossings kept in the same order.

    ``PD_code()`` labels the edges 0..2n-1 along the orientation and
    ``Link(pd)`` orients a component from its smallest label towards the
    smaller neighbour; the labels -l mod 2n therefore run the other way.
    """
    pd = link.PD_code()
    m = 2 * len(pd)
    return spherogram.Link([[(-v) % m for v in x] for x in pd])


def _gauss(link: spherogram.Link) -> list[tuple[Any, bool, int]]:
    """(crossing label, passing under, crossing sign) along the one component."""
    return [(cep.crossing.label, cep.strand_index % 2 == 0, cep.crossing.sign) for cep in link.link_components[0]]


def is_sum_with_reverse_mirror(total: spherogram.Link) -> bool:
    """Whether the output of ``K.connected_sum(L)`` is K # -K.

    Along the knot, the crossings of L must be those of K in reverse order
    (orientation reversed), with over and under swapped and signs negated
    (mirror), up to where the sum cuts L open.
    """
    word = _gauss(total)
    part = [label[1] for label, _, _ in word]
    k = next(i for i in range(len(word)) if part[i] == 1 and part[i - 1] == 2)
    word = word[k:] + word[:k]
    first = [(label[0], under, sign) for label, under, sign in word if label[1] == 1]
    second = [(label[0], under, sign) for label, under, sign in word if label[1] == 2]
    if [label[1] for label, _, _ in word] != [1] * len(first) + [2] * len(second):
        return False
    expected = [(label, not under, -sign) for label, under, sign in reversed(first)]
    return any(second[i:] + second[:i] == expected for i in range(len(second)))


def _times(p: list[int], q: list[int]) -> list[int]:
    out = [0] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        for j, b in enumerate(q):
            out[i + j] += a * b
    return out


def double_instance(suite: str, i: int, knot: str, crossings: int, target: int) -> dict[str, Any]:
    """K # -K for the knot named ``knot``, scrambled to between ``target`` and 30 crossings."""
    with _deterministic_hashes():
        k = spherogram.Link(spherogram.Link(knot).PD_code())
        if len(k.crossings) != crossings or len(k.link_components) != 1:
            raise ValueError(f"{knot}: not a {crossings}-crossing knot diagram")
        total = k.connected_sum(reverse(k.mirror()))
        if not is_sum_with_reverse_mirror(total):
            raise ValueError(f"{knot}: the connected sum is not K # -K")
        base_seed = int(_rng(suite, i).integers(2**62))
        for attempt in range(MAX_ATTEMPTS):
            link = total.copy()
            random.seed(base_seed + attempt)
            while len(link.crossings) < target:
                link.backtrack(BACKTRACK_STEPS)
                link.simplify("basic")
            if len(link.crossings) <= DOUBLES_MAX and len(link.link_components) == 1:
                break
        else:
            raise RuntimeError(f"{knot}: no scramble within {target}..{DOUBLES_MAX} crossings")
        pd = [[int(v) for v in x] for x in link.PD_code(min_strand_index=1)]
    name = f"{knot}#-{knot}"
    diagram = checked(pd, name)
    # A sanity check that the scramble is still K # -K: Delta = Delta_K^2.
    delta_k = alexander(Diagram.from_pd([list(x) for x in k.PD_code()]))
    if alexander(diagram) != _times(delta_k, delta_k):
        raise ValueError(f"{name}: invariants do not match K # -K")
    return {"id": f"{suite}/{i:04d}", "pd": pd, "name": name}


def snappy_version() -> str:
    import snappy

    return str(snappy.__version__)


def double_choices(suite: str) -> list[tuple[str, int, int]]:
    """(knot name, crossing number, target crossings): DOUBLES_PER_CROSSING knots per crossing number."""
    import snappy

    out = []
    for c in DOUBLES_CROSSINGS:
        table = snappy.HTLinkExteriors(knots_vs_links="knots", crossings=c)
        rng = _rng(suite, c)
        picks = sorted(int(j) for j in rng.choice(len(table), DOUBLES_PER_CROSSING, replace=False))
        for j in picks:
            target = int(rng.integers(max(DOUBLES_MIN, 2 * c + 1), DOUBLES_MAX + 1))
            out.append((table[j].name(), c, target))
    return out


def build_doubles(suite: str = DOUBLES) -> None:
    choices = double_choices(suite)
    instances = [
        double_instance(suite, i, knot, c, target) for i, (knot, c, target) in enumerate(tqdm(choices, desc=suite))
    ]
    sizes = [len(x["pd"]) for x in instances]
    description = (
        f"{len(instances)} ribbon knots K # -K (-K = reverse of the mirror image) for prime knots K of "
        f"{DOUBLES_CROSSINGS[0]}-{DOUBLES_CROSSINGS[-1]} crossings from SnapPy's Hoste-Thistlethwaite tables, "
        f"{DOUBLES_PER_CROSSING} per crossing number drawn with a seed from the suite name; each diagram "
        f"scrambled by seeded spherogram backtrack({BACKTRACK_STEPS}) + simplify('basic') rounds to between "
        f"2c+1 and {DOUBLES_MAX} crossings; pd in spherogram's PD_code(min_strand_index=1)"
    )
    write_suite(
        suite,
        ENV,
        description,
        instances,
        source=f"snappy {snappy_version()} HTLinkExteriors, spherogram {spherogram.__version__}",
        min_crossings=min(sizes),
        max_crossings=max(sizes),
        slice=True,
    )


def suite_builders() -> dict[str, Callable[[], None]]:
    return {
        "ribbon-knotinfo-12": lambda: build_knotinfo("ribbon-knotinfo-12", 12, True),
        "ribbon-knotinfo-13": lambda: build_knotinfo("ribbon-knotinfo-13", 13, True),
        "notslice-knotinfo-12": lambda: build_knotinfo("notslice-knotinfo-12", 12, False),
        "notslice-knotinfo-13": lambda: build_knotinfo("notslice-knotinfo-13", 13, False, min_crossings=13, notes=True),
        DOUBLES: build_doubles,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", help="build only this suite (repeatable)")
    args = parser.parse_args()
    builders = suite_builders()
    for name in args.only or list(builders):
        if name not in builders:
            parser.error(f"unknown suite {name!r}; known: {', '.join(builders)}")
        builders[name]()


if __name__ == "__main__":
    main()
