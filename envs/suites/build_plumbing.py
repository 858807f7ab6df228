"""Build the Kirby-Plumbing-v0 suites once; the output ships in ``data/``
(run: ``python -m rigorgym.envs.suites.build_plumbing``).

Every pair is drawn from a seed derived from the suite name and its index, so
a rebuild reproduces the files exactly. ``--only NAME`` rebuilds one suite.
"""

from __future__ import annotations

import argparse
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from rigorgym.envs.kirby_plumbing.generator import DistinctPairGenerator, RiPutrovGenerator, RiPutrovPaperGenerator
from rigorgym.envs.suites.writer import write_suite
from tqdm import tqdm


@dataclass(frozen=True)
class PlumbingSuite:
    """One suite: Ri-Putrov pairs (or distinct pairs) with n nodes, k scramble moves, graphs capped at max_nodes."""

    name: str
    nodes: int
    scramble_moves: int
    max_nodes: int
    size: int
    distinct: bool = False
    paper: bool = False  # the published protocol (RiPutrovPaperGenerator): 100 attempts, no cap

    def generator(self) -> RiPutrovGenerator | DistinctPairGenerator | RiPutrovPaperGenerator:
        if self.paper:
            return RiPutrovPaperGenerator(self.nodes, self.scramble_moves)
        kind = DistinctPairGenerator if self.distinct else RiPutrovGenerator
        return kind(self.nodes, self.scramble_moves, max_nodes=self.max_nodes)

    def description(self) -> str:
        if self.paper:
            return (
                f"{self.size} homeomorphic pairs by the published Ri-Putrov protocol (songjin91/LearningPlumbings, "
                f"test.py and utils.py), generator RiPutrovPaperGenerator(nodes={self.nodes}, "
                f"attempts={self.scramble_moves}, weight_range=20, d_range=20, max_nodes=None): a random tree on "
                f"{self.nodes} vertices (weights uniform in [-20, 20], vertex i joined to a uniform earlier vertex), "
                f"each copy given its own {self.scramble_moves} random move attempts (vertex uniform, type uniform in "
                "{1, 2, 3}, up or down and sign uniform; an illegal attempt does nothing but counts); no size cap"
            )
        what = (
            "pairs with different H_1 (a tree and a copy with one weight perturbed)"
            if self.distinct
            else ("homeomorphic pairs by the Ri-Putrov protocol")
        )
        return (
            f"{self.size} {what}: random trees of n={self.nodes} nodes, weights in [-20, 20], each copy scrambled "
            f"by k={self.scramble_moves} random moves in both directions, graphs capped at {self.max_nodes} nodes"
        )


SUITES = (
    PlumbingSuite("plumbing-small-6", 6, 20, 32, 1000),
    PlumbingSuite("plumbing-ri-putrov-10", 10, 100, 48, 1000),
    PlumbingSuite("plumbing-large-25", 25, 200, 80, 500),
    PlumbingSuite("plumbing-distinct-10", 10, 100, 48, 500, distinct=True),
    PlumbingSuite("plumbing-ri-putrov-paper", 10, 100, 0, 1000, paper=True),
)


def _rng(name: str, k: int) -> np.random.Generator:
    return np.random.default_rng([zlib.crc32(name.encode()), k])


def build(suite: PlumbingSuite) -> None:
    gen = suite.generator()
    instances: list[dict[str, Any]] = []
    for i in tqdm(range(suite.size), desc=suite.name):
        pair = gen(_rng(suite.name, i)).to_instance()
        instances.append({"id": f"{suite.name}/{i:04d}", **pair})
    largest = max(len(g["nodes"]) for x in instances for g in x["graphs"])
    write_suite(
        suite.name,
        "Kirby-Plumbing-v0",
        suite.description(),
        instances,
        max_nodes=largest,
        distinct=suite.distinct,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", action="append", help="build only this suite (repeatable)")
    args = parser.parse_args()
    by_name = {s.name: s for s in SUITES}
    for name in args.only or list(by_name):
        if name not in by_name:
            parser.error(f"unknown suite {name!r}; known: {', '.join(by_name)}")
        build(by_name[name])


if __name__ == "__main__":
    main()
