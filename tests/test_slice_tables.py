"""The 13-crossing slice table ``notslice-knotinfo-13`` (built by ``python -m rigorgym.envs.suites.build_ribbon``).

Fast checks only: the suite, its index entry and KnotInfo's four-genus notes
beside it agree with each other and with a few rows looked up in KnotInfo
(``database_knotinfo`` 2026.11.2). The build itself checks every PD code
against KnotInfo's signature and determinant (envs/suites/data/sources/PROVENANCE-ribbon.md).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from rigorgym.envs.ribbon import KnotInstance
from rigorgym.envs.suites import DATA, content_hash, list_suites, load_suite, suite_info
from rigorgym.verifiers.diagram import Diagram
from rigorgym.verifiers.slice_obstructions import signature

NAME = "notslice-knotinfo-13"
SIZE = 9629
#: 13-crossing knots whose four-genus KnotInfo gives as [0,1]: in neither the slice nor the non-slice suite
UNKNOWN = ["13n_65", "13n_3871", "13n_3872", "13n_3897", "13n_3936", "13n_4582"]
#: KnotInfo's rows, looked up by hand: four-genus, pd_notation
T_2_13 = [[13, 1, 14, 26], [1, 15, 2, 14], [15, 3, 16, 2], [3, 17, 4, 16], [17, 5, 18, 4], [5, 19, 6, 18],
          [19, 7, 20, 6], [7, 21, 8, 20], [21, 9, 22, 8], [9, 23, 10, 22], [23, 11, 24, 10], [11, 25, 12, 24],
          [25, 13, 26, 12]]  # fmt: skip
K13N123 = [[3, 1, 4, 26], [1, 8, 2, 9], [7, 2, 8, 3], [9, 5, 10, 4], [16, 6, 17, 5], [6, 16, 7, 15],
           [10, 20, 11, 19], [20, 12, 21, 11], [12, 17, 13, 18], [24, 14, 25, 13], [14, 24, 15, 23],
           [18, 22, 19, 21], [22, 25, 23, 26]]  # fmt: skip


@lru_cache(maxsize=1)
def by_name() -> dict[str, dict[str, Any]]:
    return {x["name"]: x for x in load_suite(NAME).instances}


@lru_cache(maxsize=1)
def notes() -> dict[str, Any]:
    return dict(json.loads((DATA / suite_info(NAME)["four_genus_notes"]).read_text()))


def test_suite_loads_with_its_index_entry() -> None:
    assert NAME in list_suites("Ribbon-v0")
    suite, info = load_suite(NAME), suite_info(NAME)
    assert len(suite) == info["size"] == SIZE
    assert suite.hash == info["hash"] == content_hash(suite.instances)
    assert info["min_crossings"] == info["max_crossings"] == 13 and info["slice"] is False
    assert info["excluded_unknown_four_genus"] == UNKNOWN
    assert info["four_genus"] == {"1": 6242, "[1,2]": 13, "2": 2324, "3": 829, "4": 197, "5": 23, "6": 1}
    assert sum(info["four_genus"].values()) == SIZE


def test_every_row_is_a_13_crossing_knotinfo_knot() -> None:
    instances = load_suite(NAME).instances
    assert [x["id"] for x in instances] == [f"{NAME}/{i:04d}" for i in range(SIZE)]
    for x in instances:
        assert set(x) == {"id", "pd", "name"}
        assert x["name"].startswith(("13a_", "13n_")), x["name"]
        assert len(x["pd"]) == 13 and all(len(c) == 4 and all(type(v) is int for v in c) for c in x["pd"])
        assert sorted(v for c in x["pd"] for v in c) == sorted(list(range(1, 27)) * 2), x["name"]
    assert len(by_name()) == SIZE
    # the env reads them (KnotInstance validates through the kernel): a few spread over the suite
    for x in instances[:: SIZE // 7]:
        assert KnotInstance.from_instance(x).diagram().components == 1


def test_known_rows() -> None:
    rows = by_name()
    torus = rows["13a_4878"]  # T(2,13): the one knot of four-genus 6
    assert torus["pd"] == T_2_13
    assert signature(Diagram.from_pd(torus["pd"])) == -12  # KnotInfo's signature; |sigma| / 2 = 6 = g4
    assert rows["13n_123"]["pd"] == K13N123 and rows["13n_123"]["id"] == f"{NAME}/4874"
    for name in UNKNOWN:
        assert name not in rows
    slice_13 = {x["name"] for x in load_suite("ribbon-knotinfo-13").instances if len(x["pd"]) == 13}
    assert len(slice_13) == 353 and not slice_13 & set(rows)


def test_four_genus_notes_cover_the_suite() -> None:
    data = notes()
    assert data["suite"] == NAME
    groups = data["four_genus"]
    assert sorted(n for names in groups.values() for n in names) == sorted(by_name())
    assert {k: len(v) for k, v in groups.items()} == suite_info(NAME)["four_genus"]
    assert groups["6"] == ["13a_4878"]
    assert "13a_2554" in groups["[1,2]"] and "13n_123" in groups["1"]
    (link, noted), *others = data["noted"].items()
    assert not others and link == "https://knotinfo.org/descriptions/smooth_4_genus.html#specificknots"
    assert len(noted) == 511 and set(noted) <= set(by_name())
