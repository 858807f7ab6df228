"""Re-verification on a Ray cluster: ``rigorgym verify --backend ray`` and ``leaderboard serve --verify-backend ray``.

The same contract as the local :class:`~.pool.VerifierPool`: certificates
travel as JSON text and are parsed on the worker, each under a wall-clock
limit (an invalid verdict saying so) and a memory limit per task; a worker
that dies is retried once, then its certificate gets an invalid verdict
saying so. Certificates go out in chunks of :data:`CHUNK` (one task each, to
keep Ray's per-task cost small); a chunk whose worker died twice is verified
again one certificate per task, so one poisonous certificate fails alone.
Every verdict carries the worker's kernel version: a cluster whose nodes run
another kernel than this process is refused (:class:`KernelMismatch`), since
the leaderboard records the kernel a verdict came from.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rigorgym.cluster import DEFAULT_MEMORY_LIMIT_MB, TIMED_OUT, fan_out, run_limited

#: certificates per Ray task
CHUNK = 32


class KernelMismatch(RuntimeError):
    """The cluster's workers run another kernel version than this process."""


def _failure(reason: str, malformed: bool = False) -> dict[str, Any]:
    return {"valid": False, "reason": reason, "moves_checked": 0, "malformed": malformed}


def _verify_text(body: str) -> dict[str, Any]:
    from rigorgym.verifiers import verify

    try:
        return verify(json.loads(body)).to_json()
    except MemoryError:
        return _failure("the certificate exceeds the memory limit of the verifier")
    except RecursionError:
        return _failure("malformed certificate: nested too deeply", malformed=True)
    except Exception as exc:  # never let one certificate take the task down (as the local pool)
        return _failure(f"verifier error ({type(exc).__name__}); certificate rejected", malformed=True)


def verify_texts(bodies: Sequence[str], time_limit_s: float) -> tuple[str, list[dict[str, Any]]]:
    """On a worker: the kernel version and one verdict per certificate text, each under ``time_limit_s``."""
    from rigorgym.verifiers import KERNEL_VERSION

    verdicts = []
    for body in bodies:
        verdict = run_limited(_verify_text, (body,), time_limit_s, 0)
        if verdict == TIMED_OUT:
            verdict = _failure(f"verification exceeded the time limit of {time_limit_s:g} s")
        verdicts.append(verdict)
    return KERNEL_VERSION, verdicts


def _checked(kernel: str) -> None:
    from rigorgym.verifiers import KERNEL_VERSION

    if kernel != KERNEL_VERSION:
        raise KernelMismatch(f"the cluster's workers run kernel {kernel}, this process {KERNEL_VERSION}")


def verify_on_ray(
    bodies: Sequence[str],
    time_limit_s: float = 60.0,
    memory_limit_mb: int = 1024,
    num_cpus: float = 1.0,
    on_retry: Callable[[int, str], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(index, verdict)`` for every certificate text, in order (the caller has joined a cluster);
    ``stop()`` true ends it early (the tasks still running are cancelled)."""
    chunks = [(list(bodies[i : i + CHUNK]), time_limit_s) for i in range(0, len(bodies), CHUNK)]
    limits: dict[str, Any] = {"num_cpus": num_cpus, "memory_limit_mb": memory_limit_mb, "stop": stop}
    for done in fan_out(verify_texts, chunks, on_retry=on_retry, **limits):
        start = done.index * CHUNK
        if done.failed is None:
            kernel, verdicts = done.value
            _checked(kernel)
            yield from enumerate(verdicts, start)
            continue
        singles = [([body], time_limit_s) for body in chunks[done.index][0]]
        for one in fan_out(verify_texts, singles, **limits):
            if one.failed is not None:
                yield start + one.index, _failure("the verifier process died on this certificate (memory limit?)")
                continue
            kernel, verdicts = one.value
            _checked(kernel)
            yield start + one.index, verdicts[0]


@dataclass
class RayVerifierPool:
    """:class:`~.pool.VerifierPool`'s interface over a Ray cluster (the leaderboard's ``--verify-backend ray``)."""

    address: str | None = None
    time_limit_s: float = 60.0
    memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB
    num_cpus: float = 1.0
    _joined: Any = field(default=None, repr=False)

    def start(self) -> None:
        """Join the cluster (once) and check that its workers run this kernel."""
        if self._joined is not None:
            return
        from rigorgym.cluster import connected

        joined = connected(self.address)
        joined.__enter__()
        self._joined = joined
        import ray

        kernel, _ = ray.get(ray.remote(num_cpus=self.num_cpus)(verify_texts).remote([], 1.0))
        _checked(kernel)

    def close(self) -> None:
        joined, self._joined = self._joined, None
        if joined is not None:
            joined.__exit__(None, None, None)

    def __enter__(self) -> RayVerifierPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def verify(
        self, bodies: Sequence[str], stop: Callable[[], bool] = lambda: False
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Yield ``(index, verdict)`` per certificate text; ``stop()`` true ends the batch (the rest stay pending)."""
        self.start()
        yield from verify_on_ray(bodies, self.time_limit_s, self.memory_limit_mb, self.num_cpus, stop=stop)
