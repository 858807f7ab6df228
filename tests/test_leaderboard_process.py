"""A real server process: the CLI (token, serve, submit), kill -9 during verification, and resuming.

The server verifies slowly here (a testing knob delays each certificate) so
that the kill lands while verification is under way, deterministically.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from rigorgym.leaderboard.cli import main as cli_main
from rigorgym.leaderboard.client import submit
from rigorgym.leaderboard.store import Store

from tests.leaderboard_support import SUITE, broken, free_port, padded, solved_certificates, sqlite_url, wait_for

CLI = [sys.executable, "-m", "rigorgym.leaderboard"]


def _start(db: str, port: int, delay_s: float) -> subprocess.Popen:
    env = {**os.environ, "RIGORGYM_LEADERBOARD_VERIFY_DELAY_S": str(delay_s)}
    process = subprocess.Popen(
        [*CLI, "serve", "--db", db, "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, so the teardown can end its workers too
    )

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {process.stderr.read().decode()[-2000:]}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(up, timeout_s=60, poll_s=0.2)
    return process


def _end(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return sqlite_url(tmp_path)


@pytest.mark.slow
def test_kill_9_loses_nothing_and_verification_resumes(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the token command in-process (tests/test_leaderboard_cli.py); the server and `submit --wait` as processes
    assert cli_main(["token", "create", "alice", "--db", db]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("rglb_")
    assert cli_main(["token", "create", "alice", "--db", db]) == 2
    assert "exists" in capsys.readouterr().err

    certs = solved_certificates(4)
    batches = [certs, [padded(c, 1) for c in certs], [broken(certs[0]), *certs[1:3]]]
    port = free_port()
    server = _start(db, port, delay_s=0.5)
    url = f"http://127.0.0.1:{port}"
    store = Store(db)
    try:
        ids = [submit(url, token, SUITE, f"agent {k}", batch)["id"] for k, batch in enumerate(batches)]

        def verifying() -> bool:
            with store.engine.connect() as conn:
                done = conn.exec_driver_sql("SELECT count(*) FROM certificates WHERE valid IS NOT NULL").scalar()
            return bool(done)

        wait_for(verifying, timeout_s=60, poll_s=0.05)
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)

        # every accepted submission is there, whole; verification was cut short
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT s.id, s.n_certificates, count(c.id), s.status FROM submissions s "
                "JOIN certificates c ON c.submission_id = s.id GROUP BY s.id, s.n_certificates, s.status"
            ).all()
        assert sorted(r[0] for r in rows) == sorted(ids)
        assert all(r[1] == r[2] for r in rows)
        assert store.counts()["pending"] >= 1

        server = _start(db, port, delay_s=0.0)
        # meanwhile the CLI submits once more and waits for its score
        certs_file = tmp_path / "certs.jsonl"
        certs_file.write_text("".join(json.dumps(padded(c, 2)) + "\n" for c in certs[:2]))
        done = subprocess.run(
            [*CLI, "submit", str(certs_file), "--suite", SUITE, "--server", url, "--token", token, "--wait"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "verified: solved 2/2" in done.stdout
        ids.append(done.stdout.strip().splitlines()[-1])
        assert cli_main(["submit", str(certs_file), "--suite", SUITE, "--server", url, "--token", token]) == 2
        assert "409" in capsys.readouterr().err

        wait_for(lambda: store.counts()["pending"] == 0, timeout_s=60)
        board = {e["id"]: e for e in httpx.get(f"{url}/api/leaderboard/{SUITE}").json()}
        assert sorted(board) == sorted(ids)  # each accepted submission exactly once
        assert [board[i]["solved"] for i in ids] == [4, 4, 2, 2]
        assert store.counts()["certificates"] == 4 + 4 + 3 + 2
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after shutting down
    finally:
        store.close()
        _end(server)
