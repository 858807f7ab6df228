"""``rigorgym.fieldtheory.experiments``: every acceptance experiment at a tiny size, the acceptance lines, the figure."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("optuna")

from rigorgym.fieldtheory import CosNet, ErfNet  # noqa: E402
from rigorgym.fieldtheory import experiments as ex  # noqa: E402


@pytest.fixture(scope="module")
def res() -> dict[str, Any]:
    seen: list[dict[str, Any]] = []
    out = {
        "g2": ex.g2_checks(0.005, seen.append, nets=[(ErfNet(1, 100, 1.0, 0.5), 1), (CosNet(2, 4, 1.0, 5.0), 2)]),
        "g4": ex.g4_scan(0.002, seen.append, widths=(10, 100)),
        "phi4": ex.phi4_scan(0.01, seen.append, couplings_rw=(0.25, 1.0), couplings_hmc=(0.25,), hmc_chains=100),
        "optuna": ex.optuna_scan(0.1, seen.append, knobs_trials=((("sigma", "mass"), 4),)),
        "symmetry": ex.symmetry_checks(0.005, seen.append),
    }
    out["emitted"] = [r["bench"] for r in seen]
    return out


def test_records_have_their_fields(res: dict[str, Any]) -> None:
    assert [r["width"] for r in res["g2"]] == [100, 4] and all(len(r["mc"]) == 5 for r in res["g2"])
    assert res["g4"]["widths"] == [10, 100] and res["g4"]["networks"] == 2000 and np.isfinite(res["g4"]["slope"])
    rows = res["phi4"]["rows"]
    assert [r["coupling"] for r in rows] == [0.25, 1.0] and "hmc_shift" in rows[0] and "hmc_shift" not in rows[1]
    assert len(res["optuna"]["sigma+mass"]["runs"]) == 2
    assert len(res["symmetry"]) == 8
    assert res["emitted"].count("g2") == 2 and res["emitted"].count("g4") == 2 and "g4_slope" in res["emitted"]


def test_acceptance_lines_and_figure(res: dict[str, Any]) -> None:
    lines = ex.acceptance(res)
    assert len(lines) == 7 and all(isinstance(ok, bool) for _, _, ok in lines)
    assert lines[0][1].endswith("over 1 ensembles × 15 pairs") and "2 targets" in lines[5][0]
    fig = ex.results_figure(res)
    assert len(fig.axes) == 6
