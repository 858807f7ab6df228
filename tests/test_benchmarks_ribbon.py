"""Smoke runs of ``benchmarks/ribbon_results.py``: a suite, then ``--update`` with another one."""

from __future__ import annotations

import json
from pathlib import Path

from tests.benchmark_support import ROOT, Ran, needs_benchmarks, run_main

pytestmark = needs_benchmarks


def _run(*args: str) -> Ran:
    return run_main("ribbon_results.py", "--workers", "1", "--budget-s", "10", *args)


def test_update_keeps_the_other_suites(tmp_path: Path) -> None:
    first = _run("--suites", "ribbon-knotinfo-12", "--limit", "2", "--out-dir", str(tmp_path))
    assert first.returncode == 0, first.stderr[-2000:]
    second = _run("--suites", "notslice-knotinfo-12", "--limit", "2", "--out-dir", str(tmp_path), "--update")
    assert second.returncode == 0, second.stderr[-2000:]
    saved = json.loads((tmp_path / "ribbon.json").read_text())
    assert list(saved["suites"]) == ["ribbon-knotinfo-12", "notslice-knotinfo-12"]  # the order of SUITES
    assert all(s["summary"]["certified"] == 2 for s in saved["suites"].values())
    assert "updated" in saved["measured"]["date"]
    text = (tmp_path / "ribbon.md").read_text()
    assert "ribbon-knotinfo-12" in text and "notslice-knotinfo-12" in text


def test_update_refuses_another_budget(tmp_path: Path) -> None:
    first = _run("--suites", "ribbon-knotinfo-12", "--limit", "1", "--out-dir", str(tmp_path))
    assert first.returncode == 0, first.stderr[-2000:]
    before = (tmp_path / "ribbon.json").read_text()
    done = run_main("ribbon_results.py", "--budget-s", "5", "--suites", "notslice-knotinfo-12", "--limit", "1",
                    "--out-dir", str(tmp_path), "--update")  # fmt: skip
    assert done.returncode == 2 and "another agent or budget" in done.stderr
    assert (tmp_path / "ribbon.json").read_text() == before


def _script(name: str, *args: str) -> Ran:
    return run_main(name, *args)


def test_ribbon_solvers_merges_runs_into_its_page(tmp_path: Path) -> None:
    common = ("--suite", "ribbon-knotinfo-12", "--limit", "2", "--budget-s", "10", "--out-dir", str(tmp_path))
    for agent in ("best-first", "bo-walker"):
        done = _script("ribbon_solvers.py", "--agents", agent, *common)
        assert done.returncode == 0, done.stderr[-2000:]
    saved = json.loads((tmp_path / "ribbon-solvers.json").read_text())
    assert (
        sorted((r["agent"], r["solved"]) for r in saved["rows"])
        == [("best-first", True)] * 2 + [("bo-walker", True)] * 2
    )
    assert len(saved["runs"]) == 2
    lines = tmp_path / "obstructions.jsonl"
    lines.write_text(json.dumps({"suite": "notslice-knotinfo-12", "crossings": 3, "knots": 1, "obstructed": 1,
                                 "by_invariant": {"signature": 1}, "median_s": 0.01, "p90_s": 0.01, "max_s": 0.01,
                                 "missed": []}) + "\n")  # fmt: skip
    done = _script(
        "ribbon_solvers.py", "--from-json", str(tmp_path / "ribbon-solvers.json"), "--obstructions", str(lines)
    )
    assert done.returncode == 0, done.stderr[-2000:]
    text = (tmp_path / "ribbon-solvers.md").read_text()
    assert "| best-first | 2/2 (100.0%) |" in text and "| bo-walker | 2/2 (100.0%) |" in text
    assert "Re-rendered" in text and "| notslice-knotinfo-12 | 3 |" in text and "## bo-walker tuning" in text


def test_pages_rerender_from_their_json(tmp_path: Path) -> None:
    for name, stem in (("ribbon_rl_vs_bo.py", "ribbon-rl"), ("ribbon_results.py", "ribbon")):
        (tmp_path / f"{stem}.json").write_text((ROOT / "docs" / "results" / f"{stem}.json").read_text())
        done = _script(name, "--from-json", str(tmp_path / f"{stem}.json"))
        assert done.returncode == 0, done.stderr[-2000:]
        text = (tmp_path / f"{stem}.md").read_text()
        assert "Re-rendered" in text and f"({stem}.png)" in text and (tmp_path / f"{stem}.png").exists()


def test_slice_obstructions_writes_and_rerenders_its_page(tmp_path: Path) -> None:
    done = _script("slice_obstructions.py", "--suites", "notslice-knotinfo-13,ribbon-knotinfo-12", "--limit", "3",
                   "--out-dir", str(tmp_path))  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    totals = {r["totals"]: r for r in lines if "totals" in r}
    assert totals["notslice-knotinfo-13"]["knots"] == 3 and totals["ribbon-knotinfo-12"]["obstructed"] == 0
    assert all(not r["rejected"] for r in lines if "suite" in r)
    saved = json.loads((tmp_path / "slice.json").read_text())
    assert saved["lines"] == [r for r in lines if "suite" in r]
    done = _script("slice_obstructions.py", "--from-json", str(tmp_path / "slice.json"))
    assert done.returncode == 0, done.stderr[-2000:]
    text = (tmp_path / "slice.md").read_text()
    assert "Re-rendered" in text and "| notslice-knotinfo-13 | 13 | 3 |" in text and "## Unobstructed knots" in text
