"""The shipped UnKnot-Diagram-v0 suites (built by ``python -m rigorgym.envs.suites.build_unknot_diagrams``)."""

from __future__ import annotations

import json

import pytest
from rigorgym.envs.suites import content_hash, list_suites, load_suite, suite_info
from rigorgym.envs.suites.build_unknot_diagrams import (
    DECOYS,
    GEN_CROSSINGS,
    HARD,
    check_knot_diagram,
    csv_rows,
    diagram_sig,
    gen_name,
    gen_range,
    generate_hard,
    hfk_total_rank,
    knotted_rows,
    originals,
)
from rigorgym.verifiers.diagram import Diagram
from rigorgym.verifiers.slice_obstructions import alexander

ENV = "UnKnot-Diagram-v0"
SIZES = {
    HARD: 50,
    DECOYS: 345,
    "unknot-diagram-classic": 5,
    **{gen_name(c): 200 for c in GEN_CROSSINGS},
}


def test_the_suites_are_listed_under_their_env() -> None:
    assert set(SIZES) == set(list_suites(ENV))


@pytest.mark.parametrize("name", sorted(SIZES))
def test_suite_loads_with_size_hash_and_unique_ids(name: str) -> None:
    suite = load_suite(name)
    info = suite_info(name)
    assert suite.env == info["env"] == ENV
    assert len(suite) == info["size"] == SIZES[name]
    assert suite.hash == info["hash"] == content_hash(suite.instances)
    ids = [x["id"] for x in suite.instances]
    assert len(set(ids)) == len(ids) and all(i.startswith(f"{name}/") for i in ids)
    assert len({json.dumps(x["pd"]) for x in suite.instances}) == len(suite)  # no diagram twice
    for x in suite.instances:
        assert all(len(c) == 4 and all(type(v) is int for v in c) for c in x["pd"])
        assert x["crossings"] == len(x["pd"])
    sizes = [x["crossings"] for x in suite.instances]
    assert (info["min_crossings"], info["max_crossings"]) == (min(sizes), max(sizes))


@pytest.mark.parametrize("name", sorted(SIZES))
def test_a_sample_is_a_one_component_diagram(name: str) -> None:
    suite = load_suite(name)
    for x in suite.instances[:: max(1, len(suite) // 4)]:
        check_knot_diagram(x["pd"], x["id"])


def test_hard_suite_is_the_originals_verbatim() -> None:
    suite = load_suite(HARD)
    rows = originals()
    assert [x["id"] for x in suite.instances] == [f"{HARD}/{r['row']:03d}" for r in rows]
    assert [x["pd"] for x in suite.instances] == [r["pd"] for r in rows]
    assert all(x["hfk_total_rank"] == 1 and x["pi1"] == "Z" for x in suite.instances)
    assert suite_info(HARD)["not_untangled"] == sum(x["simplify_global_best"] > 0 for x in suite.instances)
    for x in sorted(suite.instances, key=lambda x: x["crossings"])[:2]:
        assert hfk_total_rank(x["pd"]) == 1


def test_decoys_are_the_knotted_csv_rows_verbatim_with_alexander_not_one() -> None:
    suite = load_suite(DECOYS)
    rows = csv_rows()
    assert [x["id"] for x in suite.instances] == [f"{DECOYS}/{r:03d}" for r in knotted_rows()]
    for x in suite.instances:
        assert x["pd"] == rows[int(x["id"].rsplit("/", 1)[1])]
        assert x["answer"] == "knotted"
        assert (x["alexander"] == [1]) == x.get("alexander_trivial", False)
    assert suite_info(DECOYS)["alexander_trivial"] == [x["id"] for x in suite.instances if x.get("alexander_trivial")]
    for x in sorted(suite.instances, key=lambda x: x["crossings"])[:3]:
        assert alexander(Diagram.from_pd(x["pd"])) == x["alexander"] != [1]


def test_classic_suite_names_and_certificates() -> None:
    suite = load_suite("unknot-diagram-classic")
    by_name = {x["name"]: x for x in suite.instances}
    assert set(by_name) == {"gordian", "monster", "unknot_28", "unknot_43", "unknot_78"}
    assert by_name["gordian"]["crossings"] == 141 and by_name["monster"]["crossings"] == 10
    for x in suite.instances:
        assert x.get("hfk_total_rank") == 1 or isinstance(x.get("unknotting_simplify_seed"), int)
    assert hfk_total_rank(by_name["monster"]["pd"]) == 1


@pytest.mark.parametrize("crossings", GEN_CROSSINGS)
def test_generated_suite_is_in_range_hard_and_certified(crossings: int) -> None:
    suite = load_suite(gen_name(crossings))
    low, high = gen_range(crossings)
    hard_ids = {x["id"] for x in load_suite(HARD).instances}
    for x in suite.instances:
        assert low <= x["crossings"] <= high
        assert x["simplify_global_best"] > 0
        assert x["hfk_total_rank"] == 1 and x["pi1"] == "Z"
        assert x["original"] in hard_ids


@pytest.mark.parametrize("crossings", GEN_CROSSINGS)
def test_generated_diagrams_are_new(crossings: int) -> None:
    """No two generated diagrams are the same diagram, nor is one an original (regina's signature)."""
    sigs = [diagram_sig(x["pd"]) for x in load_suite(gen_name(crossings)).instances]
    assert len(set(sigs)) == len(sigs)
    assert not set(sigs) & {diagram_sig(r["pd"]) for r in originals()}


def test_generated_instances_rebuild_exactly() -> None:
    """The build script regenerates the first gen-20 instances byte for byte."""
    suite = load_suite(gen_name(20))
    for x in suite.instances[:3]:
        assert generate_hard(20, int(x["id"].rsplit("/", 1)[1])) == x
    assert hfk_total_rank(suite.instances[0]["pd"]) == 1
