"""The shipped Ribbon-v0 suites (built by ``python -m rigorgym.envs.suites.build_ribbon``)."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from functools import lru_cache

import pytest
from rigorgym.envs.suites import content_hash, list_suites, load_suite, suite_info
from rigorgym.verifiers.diagram import Diagram

SIZES = {
    "ribbon-knotinfo-12": 158,
    "ribbon-knotinfo-13": 511,
    "notslice-knotinfo-12": 2819,
    "notslice-knotinfo-13": 9629,  # the 13-crossing knots only (tests/test_slice_tables.py)
    "ribbon-doubles-30": 100,
    **{f"ribbon-gen-{c}": 200 for c in (20, 30, 50, 70)},  # envs/suites/build_ribbon_gen.py
}
KNOTINFO = ("ribbon-knotinfo-12", "ribbon-knotinfo-13", "notslice-knotinfo-12")
DOUBLE_NAME = re.compile(r"^(K(1[0-4])[an]\d+)#-\1$")


@lru_cache(maxsize=1)
def knotinfo() -> dict[str, dict[str, str]]:
    """KnotInfo's knots by name (row 0 of link_list() holds the column titles)."""
    import database_knotinfo

    return {row["name"]: row for row in database_knotinfo.link_list()[1:]}


def _is_knot(pd: list[list[int]]) -> bool:
    return Diagram.from_pd(pd).components == 1


def test_ribbon_suites_are_listed() -> None:
    assert set(SIZES) <= set(list_suites("Ribbon-v0"))


@pytest.mark.parametrize("name", sorted(SIZES))
def test_suite_loads_with_size_hash_and_unique_ids(name: str) -> None:
    suite = load_suite(name)
    info = suite_info(name)
    assert suite.env == info["env"] == "Ribbon-v0"
    assert len(suite) == info["size"] == SIZES[name]
    assert suite.hash == info["hash"] == content_hash(suite.instances)
    ids = [x["id"] for x in suite.instances]
    assert ids == [f"{name}/{i:04d}" for i in range(len(ids))]
    for x in suite.instances:
        assert set(x) == {"id", "pd", "name"}
        assert isinstance(x["name"], str) and x["name"]
        assert all(len(c) == 4 and all(type(v) is int for v in c) for c in x["pd"])
    assert len({x["name"] for x in suite.instances}) == len(suite)
    assert info["slice"] is (not name.startswith("notslice"))
    assert info["max_crossings"] == max(len(x["pd"]) for x in suite.instances)


@pytest.mark.parametrize("name", sorted(SIZES))
def test_every_instance_is_a_knot_the_kernel_accepts(name: str) -> None:
    instances = load_suite(name).instances
    if len(instances) > 1000:
        instances = random.Random(0).sample(instances, 300)
    for x in instances:
        assert _is_knot(x["pd"]), x["id"]


@pytest.mark.parametrize("name", KNOTINFO)
def test_knotinfo_suites_match_knotinfo(name: str) -> None:
    table = knotinfo()
    bound = int(name.rsplit("-", 1)[1])
    want_slice = name.startswith("ribbon")
    suite = load_suite(name)
    for x in suite.instances:
        row = table[x["name"]]
        assert x["pd"] == json.loads(row["pd_notation"]), x["name"]  # verbatim
        assert 0 < int(row["crossing_number"]) == len(x["pd"]) <= bound
        genus = row["smooth_four_genus"]
        assert (genus == "0") if want_slice else genus.isdigit() and int(genus) >= 1, (x["name"], genus)
    # complete: every knot of the table with that status is there
    expected = {
        n
        for n, row in table.items()
        if 0 < int(row["crossing_number"]) <= bound
        and (row["smooth_four_genus"] == "0" if want_slice else row["smooth_four_genus"] not in ("0", "[0,1]"))
    }
    assert {x["name"] for x in suite.instances} == expected


def test_ribbon_and_notslice_names_are_disjoint() -> None:
    notslice = {x["name"] for x in load_suite("notslice-knotinfo-12").instances}
    for name in ("ribbon-knotinfo-12", "ribbon-knotinfo-13"):
        assert not notslice & {x["name"] for x in load_suite(name).instances}
    small = {x["name"] for x in load_suite("ribbon-knotinfo-12").instances}
    assert small <= {x["name"] for x in load_suite("ribbon-knotinfo-13").instances}
    assert {"6_1", "8_20", "9_46"} <= small


def test_doubles_shape() -> None:
    suite = load_suite("ribbon-doubles-30")
    per_crossing: Counter[int] = Counter()
    for x in suite.instances:
        m = DOUBLE_NAME.match(x["name"])
        assert m, x["name"]
        c = int(m.group(2))
        per_crossing[c] += 1
        assert max(20, 2 * c + 1) <= len(x["pd"]) <= 30, (x["name"], len(x["pd"]))
    assert per_crossing == {c: 20 for c in range(10, 15)}
    info = suite_info("ribbon-doubles-30")
    assert info["min_crossings"] == min(len(x["pd"]) for x in suite.instances)
