"""Helpers shared by the benchmark scripts: JSON-line output, timing loops, machine facts."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from rigorgym.agents.legal_sampler import sample_batch, sample_one, seed_sampler  # noqa: F401 (the benchmarks' sampler)

import rigorgym


def emit(record: dict[str, Any]) -> None:
    """Print one measurement as a JSON line (flushed, so partial runs still report)."""
    print(json.dumps(record), flush=True)


class Recorder:
    """``emit`` that also keeps every record, for a results page written from the run at its end."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def __call__(self, record: dict[str, Any]) -> None:
        self.records.append(record)
        emit(record)


def rounded(x: float) -> float:
    """Four significant digits: more would be noise on a shared machine."""
    return float(f"{x:.4g}")


def until(seconds: float, chunk: Callable[[], int]) -> tuple[int, float]:
    """Call ``chunk`` (which returns a count) until ``seconds`` have passed; return (count, elapsed)."""
    count = 0
    start = time.perf_counter()
    while True:
        count += chunk()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count, elapsed


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``fn()`` and the seconds it took."""
    start = time.perf_counter()
    return fn(), time.perf_counter() - start


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    try:
        load: list[float] | None = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "loadavg": load,
        "rigorgym": rigorgym.__version__,
    }


def public_command(
    script: str, argv: list[str], private: tuple[str, ...] = ("--out-dir", "--work", "--agents-dir")
) -> str:
    """The command line to quote in a results page: the script and its options, minus local paths."""
    import shlex

    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in private:
            skip = "=" not in arg
            continue
        kept.append(arg)
    return " ".join(["python", f"benchmarks/{script}", *map(shlex.quote, kept)])


def write_report(out_dir: Path, stem: str, report: dict[str, Any], markdown: str) -> list[Path]:
    """Write ``stem.json`` (the report) and ``stem.md`` (its page) into ``out_dir`` and emit what was written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{stem}.json", out_dir / f"{stem}.md"]
    paths[0].write_text(json.dumps(report, indent=1) + "\n")
    paths[1].write_text(markdown)
    emit({"wrote": [str(p) for p in paths]})
    return paths


# -- measuring under contention (issue #18) ----------------------------------------------------

#: The competitor: one CPU-bound process, as another user's job would be.
BUSY_LOOP = "while True: pass"


@contextmanager
def busy_neighbour(settle_s: float = 0.5) -> Iterator[subprocess.Popen[bytes]]:
    """One competing CPU-bound process for the block (``python -c 'while True: pass'``), always killed after."""
    proc = subprocess.Popen([sys.executable, "-c", BUSY_LOOP], stdin=subprocess.DEVNULL)
    try:
        time.sleep(settle_s)  # let it start and take its share
        yield proc
    finally:
        proc.kill()
        proc.wait()


def phases(with_load: bool) -> list[tuple[str, Callable[[], AbstractContextManager[Any]]]]:
    """``[("quiet", …)]``, plus ``("loaded", busy_neighbour)`` with ``--with-load``: (name, context factory)."""
    out: list[tuple[str, Callable[[], AbstractContextManager[Any]]]] = [("quiet", nullcontext)]
    if with_load:
        out.append(("loaded", busy_neighbour))
    return out


def thread_settings() -> dict[str, Any]:
    """The thread settings in force (``rigorgym.threads.status()``), for the machine record."""
    from rigorgym import threads

    return threads.status()


def by_bench(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The records grouped by their ``bench`` field, in order."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        grouped.setdefault(record["bench"], []).append(record)
    return grouped
