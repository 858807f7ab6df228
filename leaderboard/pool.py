"""Verifier worker processes with a wall-clock and a memory limit per certificate.

The kernel has its own work limits, but a kernel bug or a pathological input
must still not stall or exhaust the server: each certificate is verified in a
separate process, which is killed (and replaced) when it runs past the time
limit, and whose address space is capped (``RLIMIT_AS``) at what it holds
after importing the kernel plus a per-certificate allowance. Workers are
started with ``spawn`` (no state inherited from a threaded server) and exit
on their own when the server dies, since their pipe then closes.

Certificates travel as JSON text and are parsed in the worker: nothing in
them is executed, imported, or used as a path.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any


def _address_space() -> int:
    """Bytes of virtual memory this process holds now (Linux), or 0 when unknown."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _worker_main(conn: Connection, memory_limit_mb: int, delay_s: float) -> None:
    """Verify certificates sent as JSON text; answer each with a verdict dict. Exits when the pipe closes."""
    import json
    import resource

    from rigorgym.verifiers import verify

    held = _address_space()
    if held and memory_limit_mb > 0:
        cap = held + memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    conn.send("ready")
    while True:
        try:
            body = conn.recv()
        except (EOFError, OSError):
            return
        except MemoryError:  # the certificate alone exceeds the allowance; the pipe is now out of step: leave
            conn.send(_failure("the certificate exceeds the memory limit of the verifier"))
            return
        if delay_s:
            time.sleep(delay_s)
        try:
            verdict = verify(json.loads(body)).to_json()
        except MemoryError:
            verdict = _failure("the certificate exceeds the memory limit of the verifier")
        except RecursionError:
            verdict = _failure("malformed certificate: nested too deeply", malformed=True)
        except Exception as exc:  # never let one certificate take the worker down
            verdict = _failure(f"verifier error ({type(exc).__name__}); certificate rejected", malformed=True)
        try:
            conn.send(verdict)
        except (EOFError, OSError):
            return


def _last_word(conn: Connection) -> dict[str, Any] | None:
    """A verdict a dying worker managed to send (e.g. the memory limit hit while receiving), if any."""
    try:
        if conn.poll(0):
            message = conn.recv()
            return message if isinstance(message, dict) else None
    except (EOFError, OSError):
        pass
    return None


def _failure(reason: str, malformed: bool = False) -> dict[str, Any]:
    return {"valid": False, "reason": reason, "moves_checked": 0, "malformed": malformed}


@dataclass
class _Slot:
    """One worker process, and the task it is running (index into the batch, deadline)."""

    process: Any
    conn: Connection
    task: int | None = None
    deadline: float = 0.0
    ready: bool = False


@dataclass
class VerifierPool:
    """A fixed number of worker processes; :meth:`verify` runs a batch across them."""

    workers: int = 2
    time_limit_s: float = 60.0
    memory_limit_mb: int = 1024
    delay_s: float = 0.0
    #: seconds a new worker may take to import the kernel before it is considered broken
    start_timeout_s: float = 120.0
    _slots: list[_Slot] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._ctx = multiprocessing.get_context("spawn")

    def start(self) -> None:
        while len(self._slots) < max(1, self.workers):
            self._slots.append(self._spawn())

    def _spawn(self) -> _Slot:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(
            target=_worker_main,
            args=(child, self.memory_limit_mb, self.delay_s),
            daemon=True,
            name="rigorgym-verifier",
        )
        process.start()
        child.close()
        return _Slot(process, parent, deadline=time.monotonic() + self.start_timeout_s)

    def _replace(self, slot: _Slot) -> _Slot:
        self._kill(slot)
        fresh = self._spawn()
        self._slots[self._slots.index(slot)] = fresh
        return fresh

    @staticmethod
    def _kill(slot: _Slot) -> None:
        try:
            slot.conn.close()
        finally:
            if slot.process.is_alive():
                slot.process.kill()
            slot.process.join(timeout=5)

    def close(self) -> None:
        for slot in self._slots:
            self._kill(slot)
        self._slots.clear()

    def __enter__(self) -> VerifierPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def verify(
        self, bodies: Sequence[str], stop: Callable[[], bool] = lambda: False
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Yield ``(index, verdict)`` for each certificate text, in completion order.

        A certificate that outlives the time limit, or whose worker dies, gets an
        invalid verdict saying so; the worker is replaced. ``stop()`` true ends
        the batch early (the server is shutting down; unfinished ones stay pending).
        """
        self.start()
        queue = list(range(len(bodies)))[::-1]
        failed_sends: dict[int, int] = {}
        running = 0
        while (queue or running) and not stop():
            for slot in list(self._slots):
                if slot.ready and slot.task is None and queue:
                    index = queue.pop()
                    try:
                        slot.conn.send(bodies[index])
                    except (OSError, EOFError):  # the worker died before or while reading this certificate
                        answer = _last_word(slot.conn)
                        self._replace(slot)
                        failed_sends[index] = failed_sends.get(index, 0) + 1
                        if answer is not None:
                            yield index, answer
                        elif failed_sends[index] >= 2:
                            yield index, _failure("the verifier process died on this certificate")
                        else:
                            queue.append(index)  # once more, on a fresh worker
                        continue
                    slot.task, slot.deadline = index, time.monotonic() + self.time_limit_s
                    running += 1
            # only busy or starting workers have a deadline that matters (an idle one keeps its last, stale one)
            deadlines = [s.deadline for s in self._slots if s.task is not None or not s.ready]
            timeout = min(0.5, max(0.0, min(deadlines) - time.monotonic())) if deadlines else 0.5
            ready = wait([s.conn for s in self._slots], timeout=timeout)
            now = time.monotonic()
            for slot in list(self._slots):
                if slot.conn in ready:
                    try:
                        message = slot.conn.recv()
                    except (EOFError, OSError):
                        message = None
                    if message == "ready":
                        slot.ready = True
                        continue
                    if message is None:  # the worker died: out of memory at the OS level, or killed
                        task = slot.task
                        self._replace(slot)
                        if task is not None:
                            running -= 1
                            yield task, _failure("the verifier process died on this certificate (memory limit?)")
                        continue
                    task, slot.task = slot.task, None
                    if task is not None:
                        running -= 1
                        yield task, message
                elif now > slot.deadline and (slot.task is not None or not slot.ready):
                    task = slot.task
                    self._replace(slot)
                    if task is not None:
                        running -= 1
                        yield task, _failure(f"verification exceeded the time limit of {self.time_limit_s:g} s")
