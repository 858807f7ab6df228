"""``rigorgym ARGS`` for the command tests: in-process through ``rigorgym.cli.main``, or as a real process.

In-process is the default: a subprocess pays ~2-4 s of imports (torch, gymnasium, snappy) for each call, and
what most tests check is the command's output and exit status, not the process. ``process=True`` runs the
installed ``rigorgym`` script where the process boundary is the point (the entry point, a child's own output).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

EXE = shutil.which("rigorgym", path=str(Path(sys.executable).parent)) or shutil.which("rigorgym")


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, process: bool = False
) -> subprocess.CompletedProcess:
    """Exit status, stdout and stderr of ``rigorgym ARGS``; no traceback on either stream."""
    if process:
        command = [EXE, *args] if EXE else [sys.executable, "-m", "rigorgym", *args]
        proc = subprocess.run(
            command, capture_output=True, text=True, timeout=60, cwd=cwd, env={**os.environ, **(env or {})}
        )
    else:
        proc = _in_process(list(args), cwd, env or {})
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout, proc.stdout
    return proc


def _in_process(argv: list[str], cwd: Path | None, env: dict[str, str]) -> subprocess.CompletedProcess:
    from rigorgym.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in env}
    here = os.getcwd()
    os.environ.update(env)
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse and the one-line errors (exit 2)
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.chdir(here)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return subprocess.CompletedProcess(["rigorgym", *argv], code, out.getvalue(), err.getvalue())


def bad_input(capsys: Any, *argv: str) -> str:
    """Run the CLI in-process; assert exit 2 with exactly one line on stderr (no traceback); return the line."""
    import pytest

    from rigorgym.cli import main

    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def ok(capsys: Any, *argv: str) -> tuple[str, str]:
    """Run the CLI in-process; assert exit 0; return (stdout, stderr)."""
    from rigorgym.cli import main

    assert main(list(argv)) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err
