"""``rigorgym.metricflow.experiments.run_all`` at tiny sizes: every measurement, the acceptance lines, the figure."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("optuna")

from rigorgym.metricflow import experiments  # noqa: E402


def test_quick_run_acceptance_and_figure() -> None:
    seen: list[dict[str, Any]] = []
    res = experiments.run_all(trials=2, emit=seen.append, quick=True)
    assert [r["measure"] for r in seen] == [
        "curvature", "sphere_shrink", "s2_modes", "torus_modes", "perelman", "network_flow", "ntk", "control",
    ]  # fmt: skip
    assert max(res["curvature_max_error"].values()) < 1e-6  # exact at any size
    assert set(res["sphere_shrink"]) == {"S2", "S3", "S2 spectral"}
    assert res["ntk"]["widths"] == [16, 64] and len(res["ntk"]["cholesky"]["change"]) == 2
    lines = experiments.acceptance(res)
    assert len(lines) == 8 and lines[0][2] and all(isinstance(ok, bool) for _, _, ok in lines)
    assert len(experiments.results_figure(res).axes) == 8
