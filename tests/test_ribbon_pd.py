"""``ribbon-pd``: ribbon certificates found and replayed on the PD kernel alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from rigorgym.agents import AGENTS, make_agent
from rigorgym.agents.base import Budget
from rigorgym.agents.registry import agent_supports
from rigorgym.agents.ribbon_pd import (
    RibbonPD,
    component_codes,
    determinant_vanishes,
    linking_numbers_vanish,
    may_be_unlink,
)
from rigorgym.envs.ribbon import KnotInstance
from rigorgym.verifiers import verify
from rigorgym.verifiers.bands import OPS, fission, legal_bands
from rigorgym.verifiers.pd import PD


def test_registered() -> None:
    assert "ribbon-pd" in AGENTS and make_agent("ribbon-pd").name == "ribbon-pd"
    assert agent_supports("ribbon-pd", "Ribbon-v0") and not agent_supports("ribbon-pd", "UnKnot-Diagram-v0")


@pytest.mark.parametrize("name", ["6_1", "8_20", "9_46"])
def test_ribbon_certificates_need_no_spherogram(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    inst = KnotInstance.from_name(name)

    def no_spherogram(*args: object, **kwargs: object) -> None:
        raise AssertionError("the PD replay must not build a spherogram diagram")

    import rigorgym.verifiers.diagram as spherogram_kernel

    monkeypatch.setattr(spherogram_kernel.Diagram, "from_pd", no_spherogram)
    result = RibbonPD(obstruct=False).solve(None, inst, Budget(30.0, max_steps=5000), 0)
    cert = result.certificate
    assert cert is not None
    assert verify(cert).valid and cert["claim"] == "ribbon" and cert["meta"]["agent"] == "ribbon-pd"
    assert {m["op"] for m in cert["moves"]} <= set(OPS)
    assert sum(m["op"] == "fission" for m in cert["moves"]) == 1
    again = RibbonPD(obstruct=False).solve(None, inst, Budget(30.0, max_steps=5000), 0)
    assert again.certificate is not None and again.certificate["moves"] == cert["moves"]  # seeded: the same


def test_the_screen_reads_components_and_linking_numbers() -> None:
    knot = PD.from_pd(KnotInstance.from_name("6_1").to_instance()["pd"])
    assert not may_be_unlink(knot)  # one component, but Alexander polynomial 2t^2 - 5t + 2: not the unknot
    trefoil = PD.from_pd(KnotInstance.from_name("3_1").to_instance()["pd"])
    assert not may_be_unlink(trefoil)
    split = [fission(trefoil, band) for band in legal_bands(trefoil, 2)]
    assert all(len(component_codes(d)) == 2 for d in split)
    # the trefoil is not slice: no band of it gives a two-component unlink, and most fail the screen
    assert sum(may_be_unlink(d) for d in split) < len(split)
    # a band with one half twist more links the two components once: linking number +-1, screened out
    assert any(not linking_numbers_vanish(d) for d in split)


def test_a_knot_that_is_not_slice_gets_no_ribbon_certificate() -> None:
    result = RibbonPD(obstruct=False).solve(None, KnotInstance.from_name("3_1"), Budget(3.0, max_steps=600), 0)
    assert result.certificate is None


def test_with_obstructions_a_not_slice_knot_is_answered_not_slice() -> None:
    cert = make_agent("ribbon-pd").solve(None, KnotInstance.from_name("4_1"), 10.0, 0).certificate
    assert cert is not None and cert["claim"] == "not_slice" and verify(cert).valid


def test_the_benchmark_quick_run_writes_its_page(tmp_path: Path) -> None:
    from tests.benchmark_support import run_script

    records = run_script("ribbon_pd.py", "--quick", "--workers", "1", "--out-dir", str(tmp_path))
    suite = next(r for r in records if r.get("bench") == "ribbon-pd")
    assert suite["knots"] == 6 and suite["certified"] >= 5
    replay = next(r for r in records if r.get("bench") == "ribbon-pd-replay")
    assert replay["moves_per_s"] > 0 and replay["certificates"] == suite["certified"]
    assert "band-move verification" in (tmp_path / "ribbon-pd.md").read_text()


def test_generated_ribbon_knots_are_knots_and_get_certified() -> None:
    """ribbon-gen's construction (a fusion of an unlink): deterministic, one component, not the unknot, ribbon."""
    from rigorgym.envs.suites.build_ribbon_gen import gen_range, generate
    from rigorgym.verifiers.pd_alexander import alexander_polynomial

    item = generate(20, 0)
    assert item == generate(20, 0)
    low, high = gen_range(20)
    d = PD.from_pd(item["pd"])
    assert d.components() == 1 and low <= d.size <= high
    assert alexander_polynomial(item["pd"]) == tuple(item["alexander"]) != (1,)
    cert = RibbonPD(obstruct=False).solve(None, {"pd": item["pd"]}, Budget(30.0, max_steps=20_000), 0).certificate
    assert cert is not None and verify(cert).valid


def test_the_determinant_screen_keeps_unlinks_and_drops_knots() -> None:
    for name in ("3_1", "4_1", "6_1", "8_20"):  # determinants 3, 5, 9, 9: a knot is never split
        assert not determinant_vanishes(PD.from_pd(KnotInstance.from_name(name).to_instance()["pd"]))
    six = PD.from_pd(KnotInstance.from_name("6_1").to_instance()["pd"])
    band = {"op": "fission", "edge": 8, "side": "right", "to": 3, "to_side": "left", "half_twists": 1}
    assert determinant_vanishes(fission(six, band))  # docs/certificates.md: this band gives the unlink


def test_a_double_shows_its_sum_and_mirror_and_the_band_tree_certifies_it() -> None:
    """K # -K (read from the PD code only): a visible sum of two 10-crossing summands, mirror-edge pairs, and
    a two-band disk that needs the band tree (a reduction between the bands); the certificate replays."""
    from rigorgym.agents.diagram_search import DiagramSearch
    from rigorgym.agents.ribbon_mirror import sum_shape
    from rigorgym.agents.ribbon_tree import BandTree
    from rigorgym.envs.ribbon import make_certificate
    from rigorgym.envs.suites import load_suite

    raw = next(x for x in load_suite("ribbon-doubles-30").instances if x["name"] == "K10a46#-K10a46")
    untangler = DiagramSearch()
    reduced = untangler.reduce(PD.from_pd(raw["pd"]), Budget(5.0, max_steps=5000), 0)
    shape = sum_shape(reduced.d)
    assert shape is not None and sorted(shape.edge_side.values()).count(0) >= 18 and shape.mirror
    assert all(shape.edge_side[e] == 0 and shape.edge_side[f] == 1 for e, f in shape.mirror)
    moves = BandTree().search(
        reduced.d, list(reduced.moves), Budget(20.0), 0, lambda: False, may_be_unlink,
        lambda d: not linking_numbers_vanish(d), lambda d, steps: untangler.untangle(d, Budget(10.0, max_steps=steps), 0),
        set(),
    )  # fmt: skip
    assert moves is not None
    cert = make_certificate(KnotInstance.from_instance(raw), moves, seed=0)
    assert verify(cert).valid and cert["claim"] == "ribbon"
    assert sum(m["op"] == "fission" for m in moves) == 2
