"""``benchmarks/rerun_pages.py``: one command list for every page in docs/results, and nothing run by ``--list``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "rerun_pages.py"

pytestmark = pytest.mark.skipif(not SCRIPT.is_file(), reason="no benchmarks folder (not a source checkout)")


def runner():
    spec = importlib.util.spec_from_file_location("_rerun_pages", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_results_page_has_its_commands_and_their_scripts_exist() -> None:
    pages = runner().PAGES
    assert set(pages) == {p.stem for p in (ROOT / "docs" / "results").glob("*.md")}
    for name, commands in pages.items():
        for command in commands:
            script = command.partition(" > ")[0].split()[0]
            assert (ROOT / script).is_file(), f"{name}: {script}"


def test_list_prints_the_commands_and_runs_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    log = tmp_path / "log"
    assert runner().main(["--list", "--only", "metricflow,fieldtheory", "--log", str(log)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "metricflow: python benchmarks/metricflow_results.py"  # the order given
    assert [line.split(":")[0] for line in lines] == ["metricflow", "fieldtheory", "fieldtheory"]
    assert not log.exists()


def test_an_unknown_page_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        runner().main(["--only", "nope"])
    assert exc.value.code == 2
    assert "unknown page(s) nope" in capsys.readouterr().err
