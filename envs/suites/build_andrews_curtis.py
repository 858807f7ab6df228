"""Build the AndrewsCurtis-v0 suites once; the output ships in ``data/``
(run: ``python -m rigorgym.envs.suites.build_andrews_curtis [--only NAME]``).

Every instance is ``{"id": ..., "relators": [r0, r1], "name": ...}``: two words on x = 1, y = 2 (negative =
inverse), the fields the kernel's instance reads.

Suites
    ``ac-miller-schupp``: the 1,190 Miller–Schupp presentations MS(n, w) = <x, y | x^-1 y^n x y^-(n+1), x^-1 w>
    (n = 1..7, |w| <= 7) of ``sources/andrews_curtis/miller_schupp_all.txt`` (``ac_solver`` 0.1.0, Shehper et al.,
    arXiv:2408.15332), relators verbatim (zero padding dropped), ids ``ms-<n>-<row>`` keeping the 0-based line
    of the file. The file is checked first (:func:`check_sources`).

    ``ac-ms-greedy-unsolved``: the 657 of those that are not in ``miller_schupp_greedy_solved.txt`` (the source's
    greedy search did not solve them), same ids.

    ``ac-akbulut-kirby``: AK(n) = <x, y | x^n y^-(n+1), x y x y^-1 x^-1 y^-1> (x^n = y^(n+1), xyx = yxy) for
    n = 2..6. AK(2) is AC-trivial; AK(3) is stably AC-trivial (Shehper et al. 2024), its AC-triviality open;
    n >= 4 open.

    ``ac-scramble-10`` / ``-30`` / ``-100``: 200 presentations each, the trivial presentation <x, y | x, y>
    scrambled by k random kernel moves (:func:`scramble`), hence AC-trivial by construction (the moves are
    invertible AC moves).

Reproducible: the scrambles draw from ``random.Random(crc32("<suite>/<index>"))``; a rebuild gives the same
files and hashes.
"""

from __future__ import annotations

import argparse
import ast
import random
import zlib
from collections.abc import Callable
from typing import Any

from rigorgym.envs.suites.writer import OUT, write_suite
from rigorgym.verifiers.andrews_curtis import SOURCE_MOVES, cyclic_reduce, is_cyclically_reduced, step

ENV = "AndrewsCurtis-v0"
SOURCES = OUT / "sources" / "andrews_curtis"
ALL_FILE, GREEDY_FILE, BFS_FILE = (
    "miller_schupp_all.txt",
    "miller_schupp_greedy_solved.txt",
    "miller_schupp_bfs_solved.txt",
)
MS, UNSOLVED, AK = "ac-miller-schupp", "ac-ms-greedy-unsolved", "ac-akbulut-kirby"
SOURCE = "ac_solver 0.1.0 (PyPI; Shehper et al., arXiv:2408.15332), ac_solver/search/miller_schupp/data/"
SCRAMBLE_MOVES = (10, 30, 100)
SCRAMBLE_SIZE = 200
#: a scramble move that would make a relator longer than this is redrawn
SCRAMBLE_CAP = 24
AK_RANGE = range(2, 7)

Word = tuple[int, ...]


def _seed(name: str, k: int) -> int:
    """A seed for item ``k`` of suite ``name`` (stable across Python versions and processes)."""
    return zlib.crc32(f"{name}/{k}".encode())


# ---------------------------------------------------------------- words


def power(letter: int, k: int) -> Word:
    """``letter^k`` as a word (a negative ``k``: the inverse letter)."""
    return (letter,) * k if k >= 0 else (-letter,) * -k


def word_name(w: Word) -> str:
    """``y^2 x^-1 y``: runs of one letter with their exponents."""
    parts: list[str] = []
    k = 0
    while k < len(w):
        run = k
        while run < len(w) and w[run] == w[k]:
            run += 1
        exponent = (run - k) * (1 if w[k] > 0 else -1)
        letter = "x" if abs(w[k]) == 1 else "y"
        parts.append(letter if exponent == 1 else f"{letter}^{exponent}")
        k = run
    return " ".join(parts) or "1"


def exponent_sums(w: Word) -> tuple[int, int]:
    return sum(1 if a == 1 else -1 for a in w if abs(a) == 1), sum(1 if a == 2 else -1 for a in w if abs(a) == 2)


def abelian_det(r0: Word, r1: Word) -> int:
    """Determinant of the exponent-sum matrix: ±1 exactly when the abelianisation is trivial (necessary for {1})."""
    (a, b), (c, d) = exponent_sums(r0), exponent_sums(r1)
    return a * d - b * c


def ms_relator0(n: int) -> Word:
    """``x^-1 y^n x y^-(n+1)``: the relation x^-1 y^n x = y^(n+1)."""
    return (-1, *power(2, n), 1, *power(2, -(n + 1)))


def ak_relators(n: int) -> tuple[Word, Word]:
    """AK(n): ``x^n y^-(n+1)`` and ``x y x y^-1 x^-1 y^-1`` (x^n = y^(n+1), xyx = yxy)."""
    return (*power(1, n), *power(2, -(n + 1))), (1, 2, 1, -2, -1, -2)


# ---------------------------------------------------------------- the source files and their checks


def parse_line(line: str, where: str) -> tuple[Word, Word, int]:
    """(r0, r1, padded length of a relator) of one line; ValueError unless it is two zero-padded words."""
    values = ast.literal_eval(line)
    if not isinstance(values, list) or not values or len(values) % 2:
        raise ValueError(f"{where}: not a list of even length")
    half = len(values) // 2
    words = []
    for part in (values[:half], values[half:]):
        k = len(part)
        while k and part[k - 1] == 0:
            k -= 1
        if not k or any(type(a) is not int or a not in (1, -1, 2, -2) for a in part[:k]):
            raise ValueError(f"{where}: a relator is empty or has a letter outside ±1, ±2 before its padding")
        words.append(tuple(part[:k]))
    return words[0], words[1], half


def read_source(name: str) -> list[tuple[Word, Word, int]]:
    lines = (SOURCES / name).read_text().splitlines()
    return [parse_line(line, f"{name}:{k}") for k, line in enumerate(lines) if line.strip()]


def ms_n(r0: Word) -> int:
    """The ``n`` of relator 0, checked to be exactly ``x^-1 y^n x y^-(n+1)`` with 1 <= n <= 7."""
    n = (len(r0) - 3) // 2
    if not 1 <= n <= 7 or r0 != ms_relator0(n):
        raise ValueError(f"relator 0 {r0} is not x^-1 y^n x y^-(n+1) with 1 <= n <= 7")
    return n


def check_sources() -> dict[str, Any]:
    """Check the three source files against invariants of their own; raise on the first failure, else a report.

    Every line parses (two relators, letters in ±1, ±2, zeros only as padding at the end); relator 0 is exactly
    x^-1 y^n x y^-(n+1) with n in 1..7; relator 1 is x^-1 w with |w| <= 7 and w of x-exponent sum 0 (the
    Miller–Schupp condition); both relators are cyclically reduced; the padding is the source's
    ``2 max(2n + 3, 8) + 2``; the exponent-sum matrix has determinant ±1 (trivial abelianisation); no line
    repeats, nor repeats another's relator 1 up to rotation or inversion for the same n; greedy ⊂ all and bfs ⊂
    greedy, each in the order of the first file.
    """
    rows = {name: read_source(name) for name in (ALL_FILE, GREEDY_FILE, BFS_FILE)}
    sets = {name: [(r0, r1) for r0, r1, _ in data] for name, data in rows.items()}
    per_n: dict[int, int] = {}
    per_w: dict[int, int] = {}
    classes: set[tuple[int, Word]] = set()
    for k, (r0, r1, half) in enumerate(rows[ALL_FILE]):
        n = ms_n(r0)
        if r1[0] != -1 or len(r1) - 1 > 7 or exponent_sums(r1[1:])[0] != 0:
            raise ValueError(f"line {k}: relator 1 {r1} is not x^-1 w with |w| <= 7 and zero x-exponent sum")
        if not (is_cyclically_reduced(r0) and is_cyclically_reduced(r1)):
            raise ValueError(f"line {k}: a relator is not cyclically reduced")
        if half != 2 * max(2 * n + 3, 8) + 2:
            raise ValueError(f"line {k}: padded to {half}, not the source's 2 max(2n + 3, 8) + 2")
        if abs(abelian_det(r0, r1)) != 1:
            raise ValueError(f"line {k}: abelianisation not trivial")
        inv = tuple(-a for a in reversed(r1))
        cls = min(w[t:] + w[:t] for w in (r1, inv) for t in range(len(w)))
        if (n, cls) in classes:
            raise ValueError(f"line {k}: relator 1 repeats another's up to rotation and inversion (n = {n})")
        classes.add((n, cls))
        per_n[n] = per_n.get(n, 0) + 1
        per_w[len(r1) - 1] = per_w.get(len(r1) - 1, 0) + 1
    position = {p: k for k, p in enumerate(sets[ALL_FILE])}
    for name in sets:
        if len(set(sets[name])) != len(sets[name]):
            raise ValueError(f"{name}: a presentation repeats")
    for sub, sup in ((GREEDY_FILE, ALL_FILE), (BFS_FILE, GREEDY_FILE)):
        if not set(sets[sub]) <= set(sets[sup]):
            raise ValueError(f"{sub} is not a subset of {sup}")
    for name in (GREEDY_FILE, BFS_FILE):
        order = [position[p] for p in sets[name]]
        if order != sorted(order):
            raise ValueError(f"{name} is not in the order of {ALL_FILE}")
    return {
        "lines": {name: len(data) for name, data in sets.items()},
        "per_n": dict(sorted(per_n.items())),
        "per_w_length": dict(sorted(per_w.items())),
        "greedy_unsolved": len(sets[ALL_FILE]) - len(sets[GREEDY_FILE]),
    }


# ---------------------------------------------------------------- suites


def ms_instances() -> tuple[list[dict[str, Any]], set[tuple[Word, Word]]]:
    """The Miller–Schupp instances in file order, and the set the source's greedy solved."""
    greedy = {(r0, r1) for r0, r1, _ in read_source(GREEDY_FILE)}
    out = []
    for row, (r0, r1, _) in enumerate(read_source(ALL_FILE)):
        n = ms_n(r0)
        out.append({"id": f"ms-{n}-{row}", "relators": [list(r0), list(r1)], "name": f"MS({n}, {word_name(r1[1:])})"})
    return out, greedy


def build_ms() -> None:
    report = check_sources()
    instances, greedy = ms_instances()
    bfs = {(r0, r1) for r0, r1, _ in read_source(BFS_FILE)}
    description = (
        f"the {len(instances)} Miller-Schupp presentations MS(n, w) = <x, y | x^-1 y^n x y^-(n+1), x^-1 w>, "
        "n = 1..7, |w| <= 7 (w of zero x-exponent sum, one w per class up to rotation, as generated by the "
        "source), of ac_solver 0.1.0 (Shehper et al., arXiv:2408.15332), relators verbatim; ids ms-<n>-<row>, "
        "row = 0-based line of the source file; checked: relator 0 exactly x^-1 y^n x y^-(n+1), relator 1 "
        "x^-1 w, cyclically reduced, trivial abelianisation, no repeats; the source's greedy search solved 533 "
        "(greedy_solved lists them), its BFS 278, its PPO agent 431"
    )
    write_suite(
        MS,
        ENV,
        description,
        instances,
        source=SOURCE + ALL_FILE.replace("miller_schupp_all", "all_presentations"),
        checks=report,
        greedy_solved=sorted(x["id"] for x in instances if _pair(x) in greedy),
        bfs_solved=sorted(x["id"] for x in instances if _pair(x) in bfs),
        published_solved={"greedy": 533, "bfs": 278, "ppo": 431},
        answer="ac_trivial",
    )
    unsolved = [x for x in instances if _pair(x) not in greedy]
    write_suite(
        UNSOLVED,
        ENV,
        f"the {len(unsolved)} presentations of {MS} that the source's greedy search (10^6 nodes) did not "
        "AC-trivialise: those not in greedy_solved_presentations.txt of ac_solver 0.1.0; same ids",
        unsolved,
        source=SOURCE + "all_presentations.txt minus greedy_solved_presentations.txt",
        answer="ac_trivial",
    )


def _pair(x: dict[str, Any]) -> tuple[Word, Word]:
    return tuple(x["relators"][0]), tuple(x["relators"][1])


def build_ak() -> None:
    instances: list[dict[str, Any]] = []
    for n in AK_RANGE:
        r0, r1 = ak_relators(n)
        if abs(abelian_det(r0, r1)) != 1:
            raise ValueError(f"AK({n}): abelianisation not trivial")
        instances.append({"id": f"ak-{n}", "relators": [list(r0), list(r1)], "name": f"AK({n})"})
    description = (
        "the Akbulut-Kirby presentations AK(n) = <x, y | x^n = y^(n+1), xyx = yxy> (relators x^n y^-(n+1) and "
        "x y x y^-1 x^-1 y^-1), n = 2..6: AK(2) is AC-trivial (Myasnikov, Myasnikov & Shpilrain, 'On the "
        "Andrews-Curtis equivalence', Contemp. Math. 296, 2002, arXiv:math/0302080); AK(3) is stably AC-trivial "
        "(Shehper et al., arXiv:2408.15332, 2024) and whether it is AC-trivial is open; for n >= 4 no "
        "AC-trivialisation is known. Presentations of the trivial group (trivial abelianisation checked)"
    )
    write_suite(AK, ENV, description, instances, source="the definition (Akbulut & Kirby, Topology 24, 1985)")


def scramble(k: int, rng: random.Random, cap: int = SCRAMBLE_CAP) -> tuple[tuple[Word, Word], list[int]]:
    """The trivial presentation <x, y | x, y> after ``k`` kernel moves drawn from ``rng``; (relators, actions).

    Each move is drawn uniformly from the twelve AC′ moves (``SOURCE_MOVES``, the concat and conjugate moves)
    plus ``invert`` of either relator (14 in all); a draw that would leave the state unchanged or make a relator
    longer than ``cap`` is redrawn, so every kept move changes the state. AC moves are invertible, so the result
    is AC-trivial.
    """
    moves = [*SOURCE_MOVES, {"op": "invert", "i": 0}, {"op": "invert", "i": 1}]
    state: tuple[Word, Word] = ((1,), (2,))
    actions: list[int] = []
    while len(actions) < k:
        a = rng.randrange(len(moves))
        nxt = step(state, True, moves[a])
        if nxt == state or max(len(nxt[0]), len(nxt[1])) > cap:
            continue
        state = nxt
        actions.append(a)
    return state, actions


def build_scramble(k: int) -> None:
    name = f"ac-scramble-{k}"
    instances: list[dict[str, Any]] = []
    seen: set[tuple[Word, Word]] = set()
    index = 0
    while len(instances) < SCRAMBLE_SIZE:
        state, _ = scramble(k, random.Random(_seed(name, index)))
        index += 1
        r0, r1 = state
        if state in seen or (len(r0) == 1 and len(r1) == 1) or abs(abelian_det(r0, r1)) != 1:
            continue  # repeats and scrambles that came back to a trivial presentation are skipped
        if (cyclic_reduce(r0), cyclic_reduce(r1)) != state:
            raise ValueError(f"{name}/{index}: not reduced")
        seen.add(state)
        instances.append({"id": f"{name}/{index - 1:03d}", "relators": [list(r0), list(r1)]})
    lengths = [len(x["relators"][0]) + len(x["relators"][1]) for x in instances]
    description = (
        f"{len(instances)} presentations AC-trivial by construction: <x, y | x, y> scrambled by {k} random kernel "
        "moves, each uniform over the 12 AC' moves of the source plus invert of either relator (14), a draw that "
        f"changes nothing or makes a relator longer than {SCRAMBLE_CAP} letters redrawn; seed crc32('<suite>/<index>'),"
        " id = that index; repeats and scrambles back to a trivial presentation skipped; trivial abelianisation "
        "checked for each"
    )
    write_suite(
        name,
        ENV,
        description,
        instances,
        generator="build_andrews_curtis.scramble",
        moves=k,
        relator_cap=SCRAMBLE_CAP,
        skipped_indices=index - len(instances),
        min_total_length=min(lengths),
        max_total_length=max(lengths),
        answer="ac_trivial",
    )


def suite_builders() -> dict[str, Callable[[], None]]:
    builders: dict[str, Callable[[], None]] = {MS: build_ms, AK: build_ak}
    for k in SCRAMBLE_MOVES:
        builders[f"ac-scramble-{k}"] = lambda k=k: build_scramble(k)  # type: ignore[misc]
    return builders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", help="build only this suite (repeatable; ac-miller-schupp also "
                        f"writes {UNSOLVED})")  # fmt: skip
    parser.add_argument("--check", action="store_true", help="only check the source files and print the report")
    args = parser.parse_args()
    if args.check:
        print(check_sources())
        return
    builders = suite_builders()
    for name in args.only or list(builders):
        if name not in builders:
            parser.error(f"unknown suite {name!r}; known: {', '.join(builders)}")
        builders[name]()


if __name__ == "__main__":
    main()
