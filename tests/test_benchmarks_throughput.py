"""Smoke runs of the UnKnot-v0 and NN-FT throughput benchmarks (``--quick``): JSON lines, targets, the results page."""

from __future__ import annotations

import json
from pathlib import Path

from tests.benchmark_support import by_bench, needs_benchmarks, run_script

pytestmark = needs_benchmarks


def test_unknot_throughput_quick_writes_its_page(tmp_path: Path) -> None:
    records = run_script(
        "unknot_throughput.py",
        "--quick",
        "--time-scale",
        "0.2",
        "--sizes",
        "1,64",
        "--with-load",
        "--out-dir",
        str(tmp_path),
    )
    by = by_bench([r for r in records if "bench" in r])  # the last line says what was written
    assert {"machine", "kernel_replay", "verify", "env_single", "env_vector", "total"} <= set(by)
    assert by["machine"][0]["threads"]["OMP_WAIT_POLICY"]  # the thread settings are recorded
    assert all(r["moves_per_s"] > 0 for r in by["verify"])
    assert all(r["illegal_actions"] == 0 for r in by["env_single"])
    assert {(r["phase"], r["B"]) for r in by["env_vector"]} == {(p, b) for p in ("quiet", "loaded") for b in (1, 64)}
    assert all(r["numba_threads"] == 1 for r in by["env_vector"])  # small batches step on one thread
    assert all(1 <= r["other_threads"] <= r["B"] for r in by["env_vector"])  # the comparison: every numba thread
    report = json.loads((tmp_path / "unknot-throughput.json").read_text())
    assert len(report["records"]) == len(records) - 1  # all but the "wrote" line
    text = (tmp_path / "unknot-throughput.md").read_text()
    assert "python benchmarks/unknot_throughput.py --quick --time-scale 0.2 --sizes 1,64 --with-load" in text
    for heading in ("## Acceptance", "## Kernel", "## Single env", "## Vector env", "To reproduce"):
        assert heading in text
    assert "| loaded | 64 |" in text and (tmp_path / "unknot-throughput.png").stat().st_size > 0


def test_fieldtheory_throughput_quick_reports_both_ways_and_the_ratio() -> None:
    by = by_bench(run_script("fieldtheory_throughput.py", "--quick", "--workers", "2"))
    sampler = by["erfnet_sampler"][0]
    assert sampler["workers"] == 2 and sampler["target"] == 5_000_000
    assert sampler["ratio"] > 1 and sampler["batched_one_worker_net_points_per_s"] > sampler["loop_net_points_per_s"]
    stream = by["erfnet_stream"][0]
    assert stream["networks"] == 250_000
    assert stream["peak_rss_mb_after"] - stream["peak_rss_mb_before"] < 200  # memory stays bounded
    assert stream["max_abs_g2_error"] < 0.01
