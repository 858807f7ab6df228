"""The leaderboard under load: N concurrent submissions on loopback, latency, throughput, nothing lost.

:func:`run_load` starts a server process (``python -m rigorgym.leaderboard serve``) on a database (by default a
temporary SQLite file), or uses a running one, fires ``n`` submissions at once (each ``certs`` valid certificates
of :data:`SUITE` solved by the greedy search, padded so that every submission is distinct), waits until all are
verified and checks that every accepted submission is recorded exactly once. It returns records (JSON-ready dicts,
``phase`` ``submit``, ``verify`` and ``check``) and whether nothing was refused, lost or doubled.
``benchmarks/leaderboard_load.py`` prints them and writes ``docs/results/leaderboard-load.md``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

#: the suite whose certificates are submitted
SUITE = "unknot-random-L10"
Record = dict[str, Any]


def _r(x: float) -> float:
    return float(f"{x:.4g}")


def certificates(k: int) -> list[dict[str, Any]]:
    """Valid certificates for the first ``k`` instances of :data:`SUITE` (greedy best-first search)."""
    from rigorgym.agents.greedy import best_first
    from rigorgym.envs.suites import load_suite
    from rigorgym.verifiers.braid import Braid

    out = []
    for inst in load_suite(SUITE).instances[:k]:
        moves = best_first(Braid.from_json(inst["braid"]), budget_s=5.0)
        if moves is None:
            raise RuntimeError(f"greedy search did not solve {inst['id']}")
        out.append(
            {
                "format": "rigorgym-certificate/1",
                "env": "UnKnot-v0",
                "claim": "unknot",
                "instance": {"braid": inst["braid"]},
                "moves": moves,
                "meta": {"agent": "greedy", "instance_id": inst["id"]},
            }
        )
    return out


def variant(certs: list[dict[str, Any]], j: int) -> list[dict[str, Any]]:
    """Submission ``j``: the same proofs, the first one padded by ``j`` insert/cancel pairs (a distinct digest)."""
    out: list[dict[str, Any]] = json.loads(json.dumps(certs))
    out[0]["moves"] = [{"op": "insert", "i": 0, "g": 1}, {"op": "cancel", "i": 0}] * j + out[0]["moves"]
    return out


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: str, workers: int, timeout_s: float = 120) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``rigorgym.leaderboard serve`` on ``db`` in its own session; the process and its URL once healthy."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "rigorgym.leaderboard", "serve", "--db", db, "--port", str(port)]
        + ["--workers", str(workers), "--rate-limit", "100000"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise RuntimeError("the leaderboard server exited on start")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop_server(process)
            raise RuntimeError("the leaderboard server did not start")
        time.sleep(0.2)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL to its process group after a minute."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


async def fire(url: str, tokens: list[str], bodies: list[dict[str, Any]]) -> list[tuple[int, float, Any]]:
    """Post every body at once (tokens in turn); (status, seconds, answer) per body."""
    limits = httpx.Limits(max_connections=len(bodies) + 10)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:

        async def one(j: int, body: dict[str, Any]) -> tuple[int, float, Any]:
            start = time.perf_counter()
            response = await client.post(
                "/api/submissions", json=body, headers={"Authorization": f"Bearer {tokens[j % len(tokens)]}"}
            )
            elapsed = time.perf_counter() - start
            return response.status_code, elapsed, response.json()

        return list(await asyncio.gather(*(one(j, b) for j, b in enumerate(bodies))))


@dataclass
class LoadResult:
    """What :func:`run_load` measured: the records, the refused answers, and whether the board is exact."""

    records: list[Record] = field(default_factory=list)
    refused: list[tuple[int, Any]] = field(default_factory=list)
    ok: bool = False


def run_load(
    n: int = 50,
    certs: int = 4,
    workers: int = 2,
    db: str | None = None,
    server: str | None = None,
    tokens: list[str] | None = None,
    timeout_s: float = 600,
    emit: Callable[[Record], None] | None = None,
) -> LoadResult:
    """Fire ``n`` submissions of ``certs`` certificates at once, wait for verification, check the board.

    Starts a server with ``workers`` verifier processes on ``db`` (default: a temporary SQLite file) unless
    ``server`` (a URL, with ``tokens``) names a running one. Each record is passed to ``emit`` as it is made.
    """
    if n < 1 or certs < 1 or workers < 1:
        raise ValueError("n, certs and workers must be >= 1")
    if server and not tokens:
        raise ValueError("a running server needs tokens")
    result = LoadResult()

    def record(rec: Record) -> None:
        rec = {"benchmark": "leaderboard_load", **rec}
        result.records.append(rec)
        if emit is not None:
            emit(rec)

    proofs = certificates(certs)
    run_tag = f"load-{os.getpid()}-{int(time.time())}"
    bodies = [{"suite": SUITE, "agent": f"{run_tag}/{j}", "certificates": variant(proofs, j)} for j in range(n)]
    process = None
    store = None
    with tempfile.TemporaryDirectory(prefix="rigorgym-load-") as folder:
        try:
            if server:
                url, keys = server.rstrip("/"), list(tokens or [])
            else:
                from rigorgym.leaderboard.store import Store

                db = db or f"sqlite:///{Path(folder) / 'lb.sqlite3'}"
                store = Store(db)
                store.migrate()
                keys = [store.create_token(f"{run_tag}-{k}") for k in range(5)]
                process, url = start_server(db, workers)
            start = time.perf_counter()
            results = asyncio.run(fire(url, keys, bodies))
            wall = time.perf_counter() - start
            accepted = [answer["id"] for status, _, answer in results if status == 202]
            result.refused = [(status, answer) for status, _, answer in results if status != 202]
            latencies = [seconds for _, seconds, _ in results]
            record(
                {
                    "phase": "submit",
                    "n": n,
                    "certificates_each": certs,
                    "accepted": len(accepted),
                    "refused": len(result.refused),
                    "p50_ms": _r(1000 * statistics.median(latencies)),
                    "p99_ms": _r(1000 * percentile(latencies, 0.99)),
                    "max_ms": _r(1000 * max(latencies)),
                    "wall_s": _r(wall),
                    "submissions_per_s": _r(len(results) / wall),
                }
            )
            deadline = time.monotonic() + timeout_s
            pending = set(accepted)
            while pending and time.monotonic() < deadline:
                for entry in httpx.get(f"{url}/api/leaderboard/{SUITE}", timeout=60).json():
                    if entry["status"] == "verified":
                        pending.discard(entry["id"])
                if pending:
                    time.sleep(0.2)
            verify_s = time.perf_counter() - start
            record(
                {
                    "phase": "verify",
                    "certificates": len(accepted) * certs,
                    "unverified_submissions": len(pending),
                    "seconds_from_first_submit": _r(verify_s),
                    "certificates_per_s": _r(len(accepted) * certs / verify_s),
                }
            )
            board = list(httpx.get(f"{url}/api/leaderboard/{SUITE}", timeout=60).json())
            mine = [e["id"] for e in board if e["agent"].startswith(run_tag + "/")]
            check: Record = {
                "phase": "check",
                "accepted": len(accepted),
                "recorded": len(mine),
                "lost": len(set(accepted) - set(mine)),
                "duplicated": len(mine) - len(set(mine)),
                "unexpected": len(set(mine) - set(accepted)),
                "wrong_scores": sum(1 for e in board if e["id"] in set(accepted) and e["solved"] != certs),
            }
            if store is not None:
                counts = store.counts()
                check["db_submissions"] = counts["submissions"]
                check["db_certificates"] = counts["certificates"]
                check["db_exactly_once"] = counts == {
                    "submissions": len(accepted),
                    "certificates": len(accepted) * certs,
                    "pending": 0,
                }
            record(check)
            result.ok = (
                not result.refused
                and not pending
                and check["lost"] == check["duplicated"] == check["unexpected"] == check["wrong_scores"] == 0
                and check.get("db_exactly_once", True)
            )
            return result
        finally:
            if process is not None:
                stop_server(process)
            if store is not None:
                store.close()


def split_runs(records: list[Record]) -> list[list[Record]]:
    """Records of several runs, one after another, cut into runs (each starts with its ``machine`` record)."""
    runs: list[list[Record]] = []
    for rec in records:
        if rec["phase"] == "machine" or not runs:
            runs.append([])
        runs[-1].append(rec)
    return runs


def keep_latest(runs: list[list[Record]], new: list[Record]) -> list[list[Record]]:
    """``runs`` with ``new`` in place of the earlier run on the same back end (one run per back end)."""
    return [r for r in runs if r[0].get("backend") != new[0].get("backend")] + [new]
