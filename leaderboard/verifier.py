"""The background loop that turns pending certificates into verdicts.

It reads its work from the database, not from memory: whatever was accepted
and not yet verified when the server last stopped (or was killed) is simply
the first work it finds on start. Verdicts are written in small batches; a
crash between batches loses only unwritten verdicts, which are recomputed.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from rigorgym.verifiers import KERNEL_VERSION

from .config import Settings
from .pool import VerifierPool
from .store import Store

log = logging.getLogger("rigorgym.leaderboard")

#: certificates taken from the database per round, and verdicts written per transaction
BATCH = 64
WRITE_EVERY = 16


def _pool(settings: Settings) -> Any:
    """The local worker processes, or the Ray cluster of ``--verify-backend ray`` (same limits, same verdicts)."""
    if settings.verify_backend == "ray":
        from .ray_pool import RayVerifierPool

        return RayVerifierPool(settings.ray_address, settings.time_limit_s, settings.memory_limit_mb)
    return VerifierPool(
        workers=settings.workers,
        time_limit_s=settings.time_limit_s,
        memory_limit_mb=settings.memory_limit_mb,
        delay_s=settings.verify_delay_s,
    )


class Verifier:
    """Owns the worker pool and a thread that verifies pending certificates until stopped."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.pool = _pool(settings)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rigorgym-verifier-loop", daemon=True)

    def start(self) -> None:
        self.pool.start()
        self._thread.start()

    def wake(self) -> None:
        """Called after each accepted submission, so that verification starts at once."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)
        self.pool.close()

    def run_once(self) -> int:
        """Verify one batch of pending certificates; how many verdicts were written."""
        work = self.store.pending_work(BATCH)
        written = 0
        buffer = []
        for index, verdict in self.pool.verify([w.body for w in work], stop=self._stop.is_set):
            buffer.append((work[index], verdict))
            if len(buffer) >= WRITE_EVERY:
                self.store.record_verdicts(buffer, KERNEL_VERSION)
                written += len(buffer)
                buffer = []
        if buffer:
            self.store.record_verdicts(buffer, KERNEL_VERSION)
            written += len(buffer)
        return written

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.run_once():
                    continue
            except Exception:  # a database hiccup must not end verification for good
                log.exception("verifier round failed; retrying")
            self._wake.wait(self.settings.poll_s)
            self._wake.clear()
