"""Server settings, in one frozen object so that tests and the CLI build the same server."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

#: the environment variable that names the database when ``--db`` is not given
DB_ENV = "RIGORGYM_LEADERBOARD_DB"


def default_db_url() -> str:
    """``$RIGORGYM_LEADERBOARD_DB``, else an SQLite file under the user's data folder.

    A fixed default (not the current folder) means ``token create`` and
    ``serve`` find the same database wherever they are run from.
    """
    url = os.environ.get(DB_ENV)
    if url:
        return url
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "rigorgym"
    return f"sqlite:///{base / 'leaderboard.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    """Everything a server needs; every limit here is enforced before anything is stored."""

    db_url: str = field(default_factory=default_db_url)
    #: bodies larger than this are refused with 413 before they are parsed
    max_body_bytes: int = 20 * 1024 * 1024
    #: submission bodies read and checked at the same time (bounds the memory a burst of large bodies takes)
    max_concurrent_intake: int = 4
    #: most certificates in one submission (a suite's size bounds it too)
    max_certificates: int = 100_000
    #: verifier worker processes
    workers: int = 2
    #: wall-clock seconds one certificate may take in a worker before the worker is killed
    time_limit_s: float = 60.0
    #: address space a worker may add, per certificate, beyond what it holds after importing the kernel
    memory_limit_mb: int = 1024
    #: submissions a token may post per ``rate_window_s`` (every authenticated attempt counts)
    rate_limit: int = 20
    rate_window_s: float = 60.0
    #: seconds the verifier loop sleeps when no work is pending (it is also woken on each accepted submission)
    poll_s: float = 1.0
    #: testing only: seconds each worker sleeps before verifying a certificate (makes kill -9 tests deterministic)
    verify_delay_s: float = 0.0
    #: run the background verifier in this process (off: only the API, e.g. a second read-only replica)
    verify: bool = True
    #: where certificates are verified: "local" (``workers`` processes here) or "ray" (tasks on a Ray cluster)
    verify_backend: str = "local"
    #: the Ray cluster of ``verify_backend="ray"``: "auto", HOST:PORT, or None for a private local Ray
    ray_address: str | None = None
