"""Fanning independent pieces of work (instances to solve, certificates to verify) out as Ray tasks.

``rigorgym solve|evaluate|verify --backend ray`` and the leaderboard's
``--verify-backend ray`` share this module (docs/cluster.md). What it adds to
plain ``ray.remote``:

* results come back **in item order** (:func:`fan_out` buffers the ones that
  finish early), so a caller can append them to a file a resumed run trusts;
* each task runs under a wall-clock limit (``SIGALRM`` in the worker's main
  thread: the task returns :data:`TIMED_OUT`, the worker lives on) and a
  memory limit (a watchdog thread ends the worker when its resident memory
  grows past the allowance: a search that explodes takes down one worker, not
  the node);
* a task whose worker dies (killed, out of memory, node lost) is retried
  **once**, then reported as failed: never lost, never run twice after it
  succeeded.

Ray is imported lazily, so ``import rigorgym`` stays light; nothing of
rigorgym is imported here (the layers below use it like
:mod:`rigorgym.threads`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

#: per-task memory allowance beyond what the worker holds when the task starts (``--memory-limit-mb``)
DEFAULT_MEMORY_LIMIT_MB = 4096
#: what a task that ran past its time limit returns instead of its value
TIMED_OUT = "rigorgym-cluster-timed-out"
#: testing only: comma-separated item indices whose task ends its worker at once, on every attempt
DIE_ENV = "RIGORGYM_RAY_TEST_DIE_ON"
#: seconds between the memory watchdog's looks at the worker's resident memory
_WATCH_S = 0.05


class ClusterError(ValueError):
    """A cluster that cannot be used (no Ray, an unreachable address): one line for the user, exit 2."""


def check_address(address: str) -> None:
    """Fail fast on a malformed or unreachable ``--address`` (Ray itself would retry for a minute)."""
    if address == "auto":
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(f"--address must be auto or HOST:PORT, got {address!r}")
    try:
        with socket.create_connection((host, int(port)), timeout=3):
            pass
    except OSError as exc:
        raise ClusterError(
            f"no Ray cluster at {address} ({exc.strerror or exc}); start one with `ray start --head`"
        ) from None


def require_ray() -> None:
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        raise ClusterError("--backend ray needs Ray: pip install 'rigorgym[rllib]'")


@contextmanager
def connected(address: str | None) -> Iterator[None]:
    """Join ``address`` (``auto`` or ``HOST:PORT``) or start a private local Ray; leave what was joined.

    A Ray this process already runs is used as it is (and left running), whatever ``address`` says.
    """
    require_ray()
    import ray

    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    _token_auth()
    with _ray_messages_to_stderr():
        if ray.is_initialized():
            yield
            return
        with _joined(address):
            yield


@contextmanager
def _joined(address: str | None) -> Iterator[None]:
    import ray

    if address is not None:
        check_address(address)
        try:
            ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            first = (str(exc).splitlines() or ["?"])[0]
            raise ClusterError(f"cannot join the Ray cluster at {address}: {first}") from None
    else:
        ray.init(include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


@contextmanager
def _ray_messages_to_stderr() -> Iterator[None]:
    """Ray prints its raylet's messages (e.g. "A worker died ...") on the driver's stdout; the command's own
    output (certificates' verdicts, JSON lines) is there, so they go to stderr while the cluster is in use."""
    try:
        from ray._private import worker
    except ImportError:
        yield
        return
    original = worker.print_to_stdstream

    def to_stderr(data: dict[str, Any], ignore_prefix: bool) -> None:
        original({**data, "is_err": True}, ignore_prefix)

    worker.print_to_stdstream = to_stderr
    try:
        yield
    finally:
        worker.print_to_stdstream = original


def _token_auth() -> None:
    """Send the token ``ray start`` saved (~/.ray/auth_token), as the ``ray`` command does: without it a driver
    cannot join a cluster of Ray >= 2.5x that has token authentication on (its default)."""
    try:
        from ray._private.authentication.authentication_token_setup import maybe_enable_token_auth_if_token_available
    except ImportError:  # another Ray: it does what it does
        return
    maybe_enable_token_auth_if_token_available(warn_if_disabled=False)


def slots(num_cpus_per_task: float) -> int:
    """How many tasks of ``num_cpus_per_task`` CPUs the cluster runs at once (at least 1)."""
    import ray

    cpus = float(ray.cluster_resources().get("CPU", 1.0))
    return max(1, int(cpus // num_cpus_per_task))


# -- the worker side -------------------------------------------------------------------------------------------


class _TimeLimit(BaseException):
    """Raised in the task by SIGALRM (a BaseException, so an agent's ``except Exception`` cannot swallow it)."""


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _watch_memory(limit_bytes: int, done: threading.Event) -> None:
    """End the worker (exit 137, as the OOM killer would) once it holds more than ``limit_bytes``."""
    while not done.wait(_WATCH_S):
        if _resident_bytes() > limit_bytes:
            os._exit(137)


def _on_alarm(_signum: int, _frame: Any) -> None:
    raise _TimeLimit


def run_limited(fn: Callable[..., Any], args: tuple[Any, ...], time_limit_s: float, memory_limit_mb: int) -> Any:
    """``fn(*args)`` under the limits; :data:`TIMED_OUT` when the clock ran out (Ray runs a task in its main thread)."""
    import signal

    done = threading.Event()
    held = _resident_bytes()
    if held and memory_limit_mb > 0:
        limit = held + memory_limit_mb * 1024 * 1024
        threading.Thread(target=_watch_memory, args=(limit, done), daemon=True).start()
    alarm = threading.current_thread() is threading.main_thread() and time_limit_s > 0
    previous = signal.signal(signal.SIGALRM, _on_alarm) if alarm else None
    try:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, time_limit_s)
        return fn(*args)
    except _TimeLimit:
        return TIMED_OUT
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        done.set()


def _task(fn: Callable[..., Any], args: tuple[Any, ...], time_limit_s: float, memory_limit_mb: int, die: bool) -> Any:
    if die:
        os._exit(1)
    return run_limited(fn, args, time_limit_s, memory_limit_mb)


# -- the driver side -------------------------------------------------------------------------------------------


@dataclass
class Done:
    """One item's outcome: its value (``failed`` None), or why its worker died twice."""

    index: int
    value: Any
    failed: str | None = None
    attempts: int = 1


def _dying() -> set[int]:
    return {int(x) for x in os.environ.get(DIE_ENV, "").split(",") if x.strip().isdigit()}


def _crash_types() -> tuple[type[BaseException], ...]:
    from ray import exceptions as rx

    return (
        rx.WorkerCrashedError, rx.NodeDiedError, rx.OutOfMemoryError, rx.ObjectLostError, rx.OwnerDiedError,
        rx.LocalRayletDiedError, rx.TaskCancelledError,
    )  # fmt: skip


def fan_out(
    fn: Callable[..., Any],
    items: Sequence[tuple[Any, ...]],
    *,
    num_cpus: float = 1.0,
    time_limit_s: float = 0.0,
    memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB,
    retries: int = 1,
    max_in_flight: int | None = None,
    on_retry: Callable[[int, str], None] | None = None,
    first: int = 0,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[Done]:
    """Run ``fn(*items[k])`` as Ray tasks and yield each :class:`Done` **in order of k**.

    ``fn`` must be a module-level function of a module every node imports. A task whose worker dies is
    run again (``retries`` times, ``on_retry(k, why)`` told); after that it is a failed :class:`Done`.
    An exception raised by ``fn`` itself is raised here (as the local backend would). Stopping the
    iteration (Ctrl-C, ``close()``) cancels the tasks still running. ``first`` numbers the items from
    ``first`` (a resumed run), also in the indices of :data:`DIE_ENV`. ``stop()`` true ends the iteration
    early (checked at least every half second), as ``close()`` does.
    """
    import ray
    from ray.exceptions import RayTaskError

    remote = ray.remote(max_retries=0, num_cpus=num_cpus)(_task).options(name=fn.__name__)  # ray::<name> in ps
    window = max_in_flight or 2 * slots(num_cpus)
    dying = _dying()
    queue: deque[tuple[int, int]] = deque((k, 1) for k in range(len(items)))
    pending: dict[Any, tuple[int, int]] = {}
    finished: dict[int, Done] = {}
    crashes = _crash_types()
    next_out = 0
    try:
        while next_out < len(items) and not stop():
            while queue and len(pending) < window:
                k, attempt = queue.popleft()
                die = first + k in dying
                pending[remote.remote(fn, items[k], time_limit_s, memory_limit_mb, die)] = (k, attempt)
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=0.5)
            for ref in ready:
                k, attempt = pending.pop(ref)
                try:
                    finished[k] = Done(first + k, ray.get(ref), attempts=attempt)
                except RayTaskError as exc:  # fn raised: as the local backend would
                    raise exc.as_instanceof_cause() from None
                except crashes as exc:
                    _retry_or_fail(k, attempt, type(exc).__name__, retries, queue, finished, first, on_retry)
            while next_out in finished:
                yield finished.pop(next_out)
                next_out += 1
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)


def _retry_or_fail(
    k: int,
    attempt: int,
    why: str,
    retries: int,
    queue: deque[tuple[int, int]],
    finished: dict[int, Done],
    first: int,
    on_retry: Callable[[int, str], None] | None,
) -> None:
    """Queue item ``k`` again (first in line, so ordered output is not held up) or record it as failed."""
    reason = {
        "WorkerCrashedError": "its worker died (killed, or past the memory limit)",
        "OutOfMemoryError": "its worker ran out of memory",
    }.get(why, f"its worker was lost ({why})")
    if attempt <= retries:
        queue.appendleft((k, attempt + 1))
        if on_retry is not None:
            on_retry(first + k, reason)
    else:
        finished[k] = Done(first + k, None, failed=f"{reason} ({attempt} attempts)", attempts=attempt)
