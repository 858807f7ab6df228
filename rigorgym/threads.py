"""Thread settings that hold up on a shared, busy CPU (docs/performance.md).

Measured on a 2-core machine with one other busy process (issue #18): a
3-layer GCN training step took 840 ms with torch's default 2 threads and 30 ms
with one; the numba vector env at B = 64 ran 8,000 steps/s with 2 threads and
1.67 M with one. The cause is OpenMP's spin-waiting: a worker that waits at a
barrier burns its time slice while the thread it waits for sits behind the
neighbour. So rigorgym

* sets ``OMP_WAIT_POLICY=PASSIVE`` when the package is imported (waiting
  threads sleep instead of spinning), unless the user set it. OpenMP reads it
  once, when its runtime loads (``import torch``, numba's first parallel
  loop): import ``rigorgym`` before ``torch`` for it to apply.
  :func:`status` says whether it came too late;
* trains with **one** torch thread unless asked otherwise
  (:func:`training_threads`): the networks are small, one thread is about as
  fast as two, and it leaves the other cores to the env and to other jobs;
* runs the vector env's parallel loop on one thread below
  :data:`PARALLEL_MIN_ROWS_PER_THREAD` rows per thread (:func:`parallel_threads`).

What the user set always wins: ``OMP_WAIT_POLICY``, ``OMP_NUM_THREADS``,
``MKL_NUM_THREADS``, ``NUMBA_NUM_THREADS``, an explicit
``torch.set_num_threads``/``numba.set_num_threads`` (where it can be told
from the default), the ``--threads`` flag of ``rigorgym train``, and
``RIGORGYM_THREADS``, the project's own knob: at most that many threads
for torch and numba in rigorgym's code (also the default of the variables
above, when set before rigorgym is imported).

This module imports neither torch nor numba: it must run before either loads
its OpenMP runtime.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

ENV_VAR = "RIGORGYM_THREADS"

#: Below this many rows per thread the vector env steps on one thread (the
#: fork/join and wake-up cost more than the loop saves; with a busy neighbour,
#: much more). B = 1,024 on 2 threads is the smallest parallel case on 2 cores.
PARALLEL_MIN_ROWS_PER_THREAD = 512

#: What :func:`apply_environment` set (name → value), for :func:`status`.
_set_by_rigorgym: dict[str, str] = {}
_openmp_loaded_first: bool | None = None
_numba_launched = False


def configured() -> int | None:
    """``RIGORGYM_THREADS`` as a positive int, or None when unset (a bad value warns and is ignored)."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        warnings.warn(f"{ENV_VAR}={raw!r} is not a positive integer; ignored", RuntimeWarning, stacklevel=2)
        return None
    return value


def openmp_loaded() -> bool:
    """Whether an OpenMP runtime (GNU, LLVM or Intel) is already loaded in this process."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            text = maps.read()
    except OSError:  # not Linux: torch is the usual loader
        return "torch" in sys.modules
    return any(name in text for name in ("libgomp", "libomp.", "libiomp"))


def apply_environment() -> dict[str, str]:
    """Set the defaults that must precede the OpenMP runtime; never override a variable the user set.

    Called when ``rigorgym`` is imported. Returns what it set.
    """
    global _openmp_loaded_first
    if _openmp_loaded_first is None:
        _openmp_loaded_first = openmp_loaded()
    wanted = {"OMP_WAIT_POLICY": "PASSIVE"}
    cap = configured()
    if cap is not None:
        wanted.update({name: str(cap) for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")})
    done = {}
    for name, value in wanted.items():
        if name not in os.environ:
            os.environ[name] = value
            done[name] = value
    _set_by_rigorgym.update(done)
    return done


def user_set(name: str) -> bool:
    """Whether environment variable ``name`` was set by someone other than rigorgym."""
    return name in os.environ and _set_by_rigorgym.get(name) != os.environ[name]


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def torch_default_threads() -> int:
    """The intra-op thread count torch starts with in this process (what ``torch.get_num_threads`` gives untouched)."""
    raw = os.environ.get("OMP_NUM_THREADS", "")
    try:
        return max(1, int(raw.split(",")[0]))
    except ValueError:
        return _cpus()


def training_threads(requested: int = 0) -> int:
    """Torch intra-op threads for a training run.

    ``requested`` (``--threads``) if positive; else ``RIGORGYM_THREADS``; else
    what the user chose for torch (``OMP_NUM_THREADS`` in the environment, or a
    ``torch.set_num_threads`` call, seen as a count other than torch's
    default); else 1.
    """
    if requested > 0:
        return requested
    cap = configured()
    if cap is not None:
        return cap
    import torch

    current = torch.get_num_threads()
    if user_set("OMP_NUM_THREADS") or current != torch_default_threads():
        return current
    return 1


def parallel_threads(rows: int, available: int | None = None) -> int:
    """Threads for a numba ``prange`` loop over ``rows`` independent rows (the vector env's step).

    At most ``available`` (default: numba's current count, from
    ``NUMBA_NUM_THREADS`` or ``numba.set_num_threads``) and
    ``RIGORGYM_THREADS``; one thread per :data:`PARALLEL_MIN_ROWS_PER_THREAD` rows.
    """
    if available is None:
        available = numba_threads()
    cap = configured()
    if cap is not None:
        available = min(available, cap)
    return max(1, min(available, rows // PARALLEL_MIN_ROWS_PER_THREAD))


def numba_threads() -> int:
    """``numba.get_num_threads()``, launching numba's thread pool first without touching torch's thread count.

    Launching numba's OpenMP layer resets torch's intra-op count to its default
    (measured: ``torch.set_num_threads(1)``, then the first parallel numba call,
    and torch runs 2 threads again); the first call puts it back.
    """
    global _numba_launched
    import numba

    if _numba_launched:
        return numba.get_num_threads()
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    count = numba.get_num_threads()  # launches the pool
    if torch is not None and torch.get_num_threads() != before:
        torch.set_num_threads(before)
    _numba_launched = True
    return count


@contextmanager
def parallel_rows(rows: int) -> Iterator[int]:
    """numba's thread count set to :func:`parallel_threads` ``(rows)`` for the block, then restored."""
    import numba

    before = numba_threads()
    threads = parallel_threads(rows, before)
    if threads == before:
        yield threads
        return
    numba.set_num_threads(threads)
    try:
        yield threads
    finally:
        numba.set_num_threads(before)


def status() -> dict[str, Any]:
    """The settings in force, for benchmark records and bug reports."""
    out: dict[str, Any] = {
        name: os.environ.get(name)
        for name in (ENV_VAR, "OMP_WAIT_POLICY", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
    }
    out["set_by_rigorgym"] = sorted(_set_by_rigorgym)
    out["openmp_loaded_before_rigorgym"] = bool(_openmp_loaded_first)
    if "torch" in sys.modules:
        out["torch_threads"] = sys.modules["torch"].get_num_threads()
    if "numba" in sys.modules:
        numba = sys.modules["numba"]
        out["numba_threads"] = numba_threads()
        out["numba_threading_layer"] = numba.threading_layer()  # launched by get_num_threads
    return out
