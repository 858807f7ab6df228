"""Smoke runs of the Kirby-Plumbing benchmarks (``--quick``): they run, print JSON lines and write their files.

The figures themselves are machine-dependent and not checked; what must hold is
that the scripts keep working as the library changes, and that every field the
results pages read is there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.benchmark_support import ROOT, needs_benchmarks, run_script

pytestmark = needs_benchmarks


def test_plumbing_throughput_quick(tmp_path: Path) -> None:
    records = run_script("plumbing_throughput.py", "--quick", "--out-dir", str(tmp_path))
    by: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by.setdefault(record.get("bench", "wrote"), []).append(record)
    assert {
        "machine",
        "env_single",
        "env_vs_reference",
        "kernel_replay",
        "verify",
        "normal_form",
        "anchor",
        "total",
    } <= set(by)
    assert by["machine"][0]["quick"] is True and by["machine"][0]["kernel"]
    envs = by["env_single"]
    assert {r["env"] for r in envs} == {"gym.make('Kirby-Plumbing-v0')", "gym.make('Kirby-Plumbing-RiPutrov-v0')"}
    for r in envs:
        assert r["steps"] > 0 and r["steps_per_s"] > 0 and r["illegal_actions"] == 0
        assert {"steps_per_s_with_sampling", "time_per_trial_s", "anchor_moves_per_s", "ratio_to_anchor"} <= set(r)
    references = [r for r in envs if "reference_check" in r]
    assert len(references) == 2
    for r in references:  # the reference plays the same game as the env
        agree, total = r["reference_check"].split()[0].split("/")
        assert agree == total and "reference_mismatch" not in r
    for r in by["env_single"]:
        if "target" in r:
            assert isinstance(r["meets_target"], bool) and "20000" in r["target"]
    assert all(r["ratio"] > 0 and r["ratio_with_sampling"] > 0 for r in by["env_vs_reference"])
    for r in by["kernel_replay"] + by["verify"]:
        assert r["moves_per_s"] > 0 and r["certs_per_s"] > 0 and r["count"] > 0
    assert all("50000" in r["target"] and isinstance(r["meets_target"], bool) for r in by["verify"])
    for r in by["normal_form"]:
        assert r["certified"] == r["verified"] == r["pairs"] > 0
        assert r["pairs_per_s"] > 0 and r["median_moves"] > 0 and "100" in r["target"]
    anchor = by["anchor"][0]
    assert anchor["anchor_moves_per_s"] == 1400 and anchor["anchor_s_per_trial"] == 9.4
    assert anchor["moves_ratio"] > 0 and anchor["trial_speedup"] > 0
    # the page is written from the run's records, through the shared reporter
    page = (tmp_path / "plumbing-throughput.md").read_text()
    assert "python benchmarks/plumbing_throughput.py --quick" in page and "## Acceptance" in page
    assert "`plumbing-ri-putrov-10`" in page and "Against the anchor" in page
    report = json.loads((tmp_path / "plumbing-throughput.json").read_text())
    assert [r for r in report["records"] if "wrote" not in r] == [r for r in records if "wrote" not in r]


def test_plumbing_throughput_rerenders_from_json(tmp_path: Path) -> None:
    """The committed page regenerates from its committed raw report."""
    run_script("plumbing_throughput.py", "--from-json", str(ROOT / "docs" / "results" / "plumbing-throughput.json"),
               "--out-dir", str(tmp_path))  # fmt: skip
    page = (tmp_path / "plumbing-throughput.md").read_text()
    assert "not re-measured" in page and "## Kernel" in page


def test_plumbing_normal_form_quick(tmp_path: Path) -> None:
    records = run_script("plumbing_normal_form.py", "--quick", "--out-dir", str(tmp_path))
    rows = [r for r in records if r.get("bench") == "normal_form"]
    assert {r["suite"] for r in rows} == {
        "plumbing-small-6",
        "plumbing-ri-putrov-10",
        "plumbing-large-25",
        "plumbing-distinct-10",
        "plumbing-ri-putrov-paper",
    }
    for r in rows:
        assert r["pairs"] == 10 and r["verified"] == r["certified"]
        keys = {"fraction", "claims", "median_moves", "mean_moves", "max_moves", "pairs_per_s", "kernel"}
        assert keys <= set(r)
    distinct = next(r for r in rows if r["suite"] == "plumbing-distinct-10")
    assert distinct["claims"] == {"distinct": distinct["certified"]}
    randoms = [r for r in records if r.get("bench") == "random"]
    assert {r["suite"] for r in randoms} == {"plumbing-small-6", "plumbing-ri-putrov-10"}
    assert all(r["seconds_per_pair"] > 0 and r["verified"] == r["certified"] for r in randoms)
    assert records[-1]["wrote"]
    for name in ("plumbing-normal-form.json", "plumbing-normal-form.md", "plumbing-normal-form.png"):
        assert (tmp_path / name).is_file() and (tmp_path / name).stat().st_size > 0
    report = json.loads((tmp_path / "plumbing-normal-form.json").read_text())
    assert report["kernel"] == report["machine"]["kernel"] and report["config"]["quick"] is True
    assert len(report["normal_form"]) == 5 and len(report["random"]) == 2
    markdown = (tmp_path / "plumbing-normal-form.md").read_text()
    assert "python benchmarks/plumbing_normal_form.py" in markdown and "| plumbing-small-6 |" in markdown


def test_plumbing_normal_form_rerenders_from_json(tmp_path: Path) -> None:
    """The committed page regenerates from its committed raw report."""
    committed = ROOT / "docs" / "results" / "plumbing-normal-form.json"
    run_script("plumbing_normal_form.py", "--from-json", str(committed), "--out-dir", str(tmp_path))
    page = (tmp_path / "plumbing-normal-form.md").read_text()
    assert "not re-measured" in page and "| plumbing-small-6 |" in page and "## Reference" in page


def test_plumbing_classifier_rerenders_from_json(tmp_path: Path) -> None:
    """The classifier's page and model card regenerate from the committed report (no data, no training)."""
    committed = ROOT / "docs" / "results" / "plumbing-classifier.json"
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    run_script("plumbing_classifier.py", "--from-json", str(committed), "--out-dir", str(tmp_path),
               "--model-dir", str(model))  # fmt: skip
    page = (tmp_path / "plumbing-classifier.md").read_text()
    assert "not re-measured" in page and "## Accuracy" in page and "Does the classifier help" in page
    assert (model / "CARD.md").read_text().startswith("# plumbing-classifier")
