"""Build the UnKnot-v0 suites once; the output ships in ``data/`` (run: ``python -m rigorgym.envs.suites.build_unknot``).

Every instance is drawn from a seed derived from the suite name and its index,
so a rebuild reproduces the files exactly (word filtering through SnapPy is
seeded too). Options: ``--only NAME`` to rebuild one suite, ``--workers``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import zlib
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from rigorgym.envs.suites.writer import OUT, write_suite
from rigorgym.envs.unknot.generator import RandomWordGenerator, ScrambleGenerator, grow_braid, knot_instance
from rigorgym.envs.unknot.types import BraidInstance
from tqdm import tqdm

HARD_50 = OUT / "sources" / "hard_unknots_50.jsonl"
SIZE = 100


def _rng(name: str, k: int) -> np.random.Generator:
    return np.random.default_rng([zlib.crc32(name.encode()), k])


def scramble_strands(length: int) -> int:
    """Strand count of the scramble suite of a given length (odd, so the length parity works)."""
    return 3 if length <= 20 else 5 if length <= 60 else 7


def _word_task(args: tuple[str, int, int, int]) -> list[int]:
    name, k, strands, length = args
    return list(RandomWordGenerator(strands, length)(_rng(name, k)).word)


def _unique(words: Iterable[list[int]], size: int) -> list[list[int]]:
    seen: set[tuple[int, ...]] = set()
    out: list[list[int]] = []
    for w in words:
        if tuple(w) not in seen:
            seen.add(tuple(w))
            out.append(w)
            if len(out) == size:
                break
    return out


def build_words(name: str, strands: int, length: int, workers: int) -> list[dict[str, Any]]:
    tasks = ((name, k, strands, length) for k in range(10 * SIZE))
    with multiprocessing.Pool(workers) as pool:
        results = tqdm(pool.imap(_word_task, tasks), total=SIZE, desc=name)
        words = _unique(results, SIZE)
        pool.terminate()
    return [_entry(name, i, strands, w) for i, w in enumerate(words)]


def _entry(name: str, i: int, strands: int, word: Iterable[int]) -> dict[str, Any]:
    return {"id": f"{name}/{i:03d}", "braid": {"strands": strands, "word": [int(x) for x in word]}}


def build_scramble(name: str, length: int) -> list[dict[str, Any]]:
    gen = ScrambleGenerator(scramble_strands(length), length)
    return [_entry(name, i, gen.strands, gen(_rng(name, i)).word) for i in range(SIZE)]


def build_grown(name: str, cores: list[dict[str, Any]], length: int) -> list[dict[str, Any]]:
    out = []
    for i, core in enumerate(cores):
        n, w = core["braid"]["strands"], core["braid"]["word"]
        grown, _ = grow_braid(_rng(name, i), n, w, n, length, 2)
        out.append(_entry(name, i, n, grown.word))
    return out


def build_hard(name: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Braids of the 50 original very hard unknot diagrams (``sources/hard_unknots_50.jsonl``), with their checks.

    Each diagram is certified the unknot at the source (knot Floer homology of total rank 1; PROVENANCE.md).
    SnapPy's ``braid_word()`` (Vogel's algorithm) turns it into a braid; the braid's closure is then checked
    independently of the conversion: its Alexander polynomial, exact from the closure's PD code (the kernel's own, verifiers/pd_alexander.py), is 1, and
    SnapPy's simplified fundamental group of its complement is Z (one generator, no relator), which by
    Dehn's lemma makes it the unknot. A row failing a check would be left out and listed.
    """
    import snappy
    from rigorgym.verifiers.pd_alexander import alexander_polynomial

    rows = [json.loads(line) for line in HARD_50.read_text().splitlines()]
    out, checks = [], []
    for row in tqdm(rows, desc=name):
        inst: BraidInstance = knot_instance(pd=row["pd"])
        closure = snappy.Link(braid_closure=list(inst.word))
        delta = list(alexander_polynomial([list(c) for c in closure.PD_code()]))
        group = closure.exterior().fundamental_group()
        pi1_z = len(group.generators()) == 1 and not group.relators()
        checks.append(
            {"row": row["row"], "crossings": len(row["pd"]), "strands": inst.strands, "length": len(inst.word),
             "alexander": delta, "pi1_is_z": pi1_z}
        )  # fmt: skip
        if delta == [1] and pi1_z:
            out.append(_entry(name, row["row"], inst.strands, inst.word))
    return out, checks


def write(name: str, description: str, instances: list[dict[str, Any]], **extra: Any) -> None:
    words = [x["braid"]["word"] for x in instances]
    write_suite(
        name,
        "UnKnot-v0",
        description,
        instances,
        max_length=max(map(len, words)),
        max_strands=max(x["braid"]["strands"] for x in instances),
        **extra,
    )


def suite_builders(workers: int) -> dict[str, Callable[[], None]]:
    builders: dict[str, Callable[[], None]] = {}
    for length in range(10, 101, 10):
        name = f"unknot-random-L{length}"

        def scramble(name: str = name, length: int = length) -> None:
            desc = f"ScrambleGenerator(strands={scramble_strands(length)}, length={length}, mix=2), {SIZE} instances"
            write(name, desc, build_scramble(name, length))

        builders[name] = scramble
    for strands, length in ((3, 20), (3, 40), (3, 60), (5, 20), (5, 40), (7, 40)):
        name = f"unknot-words-n{strands}-L{length}"

        def words(name: str = name, strands: int = strands, length: int = length) -> None:
            desc = (
                f"uniform random words on {strands} strands of length {length} that SnapPy's simplify('global') unknots"
            )
            write(name, desc, build_words(name, strands, length, workers))

        builders[name] = words

    def grown() -> None:
        cores = [json.loads(x) for x in (OUT / "unknot-words-n5-L40.jsonl").read_text().splitlines()]
        desc = "the cores of unknot-words-n5-L40 grown to length 96 by insertions and mixing moves"
        write("unknot-words-L96", desc, build_grown("unknot-words-L96", cores, 96))

    builders["unknot-words-L96"] = grown

    def hard() -> None:
        instances, checks = build_hard("unknot-hard")
        desc = (
            "the 50 original very hard unknot diagrams of Applebaum et al. (18-43 crossings, each certified the "
            "unknot by knot Floer homology of total rank 1) turned into braids with SnapPy's braid_word(); each "
            "closure checked again: Alexander polynomial 1 (exact) and fundamental group Z (SnapPy)"
        )
        failed = [c["row"] for c in checks if c["alexander"] != [1] or not c["pi1_is_z"]]
        write("unknot-hard", desc, instances, checks=checks, failed_checks=failed)

    builders["unknot-hard"] = hard
    return builders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", action="append", help="build only this suite (repeatable)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    builders = suite_builders(args.workers)
    for name in args.only or list(builders):
        builders[name]()


if __name__ == "__main__":
    main()
