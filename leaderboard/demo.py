"""A one-call local leaderboard for ``make demo``: serve on SQLite in a temporary folder, submit, rank, stop.

The caller's ``__main__`` must be import-safe (an ``if __name__ ==
"__main__"`` guard): the verifier workers are started with ``spawn``.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from .app import create_app
from .client import leaderboard, submit, wait_verified
from .config import Settings
from .store import Store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalServer:
    """A leaderboard server in a background thread of this process (``with LocalServer(...) as server``)."""

    def __init__(self, settings: Settings, port: int | None = None) -> None:
        self.settings = settings
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="rigorgym-leaderboard", daemon=True)

    def __enter__(self) -> LocalServer:
        self._thread.start()
        deadline = time.monotonic() + 120
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the leaderboard server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=60)


def format_ranking(suite: str, entries: list[dict[str, Any]]) -> str:
    lines = [f"leaderboard {suite}:", f"  {'#':>2}  {'submitter':<12} {'agent':<24} {'solved':>6} {'moves':>7}"]
    for e in entries:
        lines.append(
            f"  {e['rank'] or '-':>2}  {e['submitter'][:12]:<12} {e['agent'][:24]:<24} "
            f"{e['solved'] if e['solved'] is not None else '-':>6} {e['total_moves'] if e['total_moves'] is not None else '-':>7}"
        )
    return "\n".join(lines)


def run_demo(
    certificates: list[dict[str, Any]],
    suite: str,
    agent: str = "demo agent",
    submitter: str = "demo",
    timeout_s: float = 300.0,
    workers: int = 1,
) -> str:
    """Serve, submit ``certificates`` for ``suite``, wait for verification; prints and returns the report.

    The server runs on a free loopback port with an SQLite file in a temporary
    folder, and is stopped (and the folder removed) before returning.
    """
    with tempfile.TemporaryDirectory(prefix="rigorgym-leaderboard-") as folder:
        db = f"sqlite:///{Path(folder) / 'leaderboard.sqlite3'}"
        store = Store(db)
        store.migrate()
        token = store.create_token(submitter)
        store.close()
        with LocalServer(Settings(db_url=db, workers=workers)) as server:
            answer = submit(server.url, token, suite, agent, certificates)
            entry = wait_verified(server.url, answer["id"], timeout_s)
            report = "\n".join(
                [
                    format_ranking(suite, leaderboard(server.url, suite)),
                    f"  submission {entry['id']}: {entry['solved']}/{entry['certificates']} valid, "
                    f"kernel {entry['kernel_version']}",
                    f"  page: {server.url}{answer['page']} (the server stops when the demo ends)",
                ]
            )
    print(report, flush=True)
    return report
