"""Fixtures and helpers for the leaderboard tests (imported by tests/test_leaderboard_*.py).

PostgreSQL: a throwaway server per test session (initdb + pg_ctl on a
temporary folder and a free loopback port). PostgreSQL refuses to run as
root, so as root the binaries run as the ``postgres`` system user through
``runuser`` (the folder is handed to that user); as any other user they run
directly. The tests that need it skip when initdb/pg_ctl are absent, or when
running as root with no ``postgres`` user. ``$RIGORGYM_TEST_POSTGRES_URL``
(e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``) uses a running
server instead; a database is created on it per test.
"""

from __future__ import annotations

import functools
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUITE = "unknot-random-L10"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@functools.lru_cache(maxsize=4)
def _solved(suite: str, n: int) -> str:
    from rigorgym.agents.greedy import best_first
    from rigorgym.envs.suites import load_suite
    from rigorgym.verifiers.braid import Braid

    out = []
    for inst in load_suite(suite).instances[:n]:
        moves = best_first(Braid.from_json(inst["braid"]), budget_s=5.0)
        assert moves is not None, inst["id"]
        out.append(
            {
                "format": "rigorgym-certificate/1",
                "env": "UnKnot-v0",
                "claim": "unknot",
                "instance": {k: v for k, v in inst.items() if k != "id"},
                "moves": moves,
                "meta": {"agent": "greedy", "instance_id": inst["id"]},
            }
        )
    return json.dumps(out)


def solved_certificates(n: int = 12, suite: str = SUITE) -> list[dict[str, Any]]:
    """Valid certificates for the first ``n`` instances of an UnKnot suite (fresh copies each call)."""
    return json.loads(_solved(suite, n))


def padded(cert: dict[str, Any], pairs: int) -> dict[str, Any]:
    """The same proof with ``pairs`` extra insert/cancel pairs in front: still valid, more moves, a new digest."""
    out = json.loads(json.dumps(cert))
    out["moves"] = [{"op": "insert", "i": 0, "g": 1}, {"op": "cancel", "i": 0}] * pairs + out["moves"]
    return out


def broken(cert: dict[str, Any]) -> dict[str, Any]:
    """The same instance with an illegal first move: matches the suite, verifies invalid."""
    out = json.loads(json.dumps(cert))
    out["moves"] = [{"op": "cancel", "i": 999}, *out["moves"]]
    return out


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'lb.sqlite3'}"


# -- PostgreSQL -------------------------------------------------------------------------


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name) or (f"/usr/local/bin/{name}" if os.path.exists(f"/usr/local/bin/{name}") else None)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


class PostgresServer:
    """initdb + pg_ctl start on a temporary folder; ``url(db)`` names a database on it."""

    def __init__(self) -> None:
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not (initdb and pg_ctl):
            pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found")
        self.prefix: list[str] = []
        self.folder = Path(tempfile.mkdtemp(prefix="rigorgym-pg-"))
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no 'postgres' user to run PostgreSQL as")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        self.pg_ctl = pg_ctl
        data = self.folder / "data"
        self._run([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run([pg_ctl, "-D", str(data), "-o", options, "-l", str(self.folder / "log"), "-w", "-t", "60", "start"])

    def _run(self, argv: list[str]) -> None:
        done = subprocess.run(self.prefix + argv, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed: {done.stderr or done.stdout}")

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def create_database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run([self.pg_ctl, "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


class ExternalPostgres:
    """A server someone else runs (``$RIGORGYM_TEST_POSTGRES_URL``, a superuser URL): databases are created on it."""

    def __init__(self, url: str) -> None:
        self.base = url.replace("postgresql+psycopg://", "postgresql://", 1)

    def create_database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.base, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        head, _, _ = self.base.rpartition("/")
        return f"{head}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | ExternalPostgres]:
    """A PostgreSQL to create test databases on: ``$RIGORGYM_TEST_POSTGRES_URL`` if set, else a throwaway server."""
    external = os.environ.get("RIGORGYM_TEST_POSTGRES_URL")
    if external:
        yield ExternalPostgres(external)
        return
    server = PostgresServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database on each back end."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return request.getfixturevalue("postgres").create_database()


def wait_for(predicate: Any, timeout_s: float = 60.0, poll_s: float = 0.1) -> Any:
    """Poll ``predicate`` until it returns something truthy (or fail after ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s")
        time.sleep(poll_s)
