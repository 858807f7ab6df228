"""Running a benchmark script of benchmarks/ and reading its JSON lines (the smoke tests' helper).

The scripts run in the test's own process, through their ``main(argv)``: a
fresh interpreter would spend 1-3 s on imports (torch, SnapPy) that this
process has already paid for, and the suite runs dozens of them. A script's
own subprocesses (a child interpreter it measures, a worker pool) still start
as they would from the command line.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"

#: Mark for modules that need the source checkout's benchmarks folder.
needs_benchmarks = pytest.mark.skipif(not BENCH.is_dir(), reason="no benchmarks folder (not a source checkout)")


@dataclass
class Ran:
    """What a script's ``main`` did: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def run_main(name: str, *args: str) -> Ran:
    """``python benchmarks/NAME ARGS`` through the script's ``main``, here, from the repository root."""
    path = BENCH / name
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))  # the scripts import their shared helpers (_common, _report) by name
    spec = importlib.util.spec_from_file_location(f"_bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # a forked worker pool unpickles the script's functions by this name
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            spec.loader.exec_module(module)
            code = module.main(list(args))
        except SystemExit as exc:  # argparse's usage errors, and scripts that exit with a status
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Ran(int(code or 0), out.getvalue(), err.getvalue())


def run_script(name: str, *args: str) -> list[dict[str, Any]]:
    """Run ``benchmarks/NAME`` (in this process, see above) and parse every stdout line as JSON."""
    done = run_main(name, *args)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines, "no output"
    return [json.loads(line) for line in lines]


def by_bench(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The records grouped by their ``bench`` field."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        grouped.setdefault(record["bench"], []).append(record)
    return grouped
