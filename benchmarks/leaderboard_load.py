"""Leaderboard under load: N concurrent submissions on loopback, latency, throughput, nothing lost.

Starts a server process (``python -m rigorgym.leaderboard serve``) on a
temporary SQLite file (or ``--db URL``, e.g. PostgreSQL), or uses a running
one (``--server URL --token T``). Fires ``--n`` submissions at once (each a
few valid certificates of ``unknot-random-L10`` solved by the greedy search,
padded so that every submission is distinct), then waits until all are
verified and checks that every accepted submission is recorded exactly once.
Prints JSON lines: ``submit`` (p50/p99 latency, submissions/s), ``verify``
(certificates/s of server-side verification) and ``check`` (accepted,
recorded, lost, duplicated). Exit 1 if anything was refused, lost or doubled.

Usage::

    python benchmarks/leaderboard_load.py                 # 50 concurrent submissions, own server
    python benchmarks/leaderboard_load.py --n 200 --db postgresql://postgres@127.0.0.1:5432/lb
    python benchmarks/leaderboard_load.py --server http://127.0.0.1:8000 --token rglb_...
    python benchmarks/leaderboard_load.py --n 200 --out-dir docs/results   # add this run to the results page

With ``--out-dir`` the run's lines are appended to ``leaderboard-load.jsonl`` there (one run per back end is
kept: a new run replaces the previous one on the same back end) and ``leaderboard-load.md`` is redrawn from it.
"""

from __future__ import annotations

import argparse
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
from pathlib import Path
from typing import Any

import httpx
from _common import Recorder, machine, rounded
from _common import emit as print_record

SUITE = "unknot-random-L10"

#: Prints each record as a JSON line and keeps it for the page written by ``--out-dir``.
emit = Recorder()


def certificates(k: int) -> list[dict[str, Any]]:
    """Valid certificates for the first ``k`` instances of the suite (greedy best-first search)."""
    from rigorgym.agents.greedy import best_first
    from rigorgym.envs.suites import load_suite
    from rigorgym.verifiers.braid import Braid

    out = []
    for inst in load_suite(SUITE).instances[:k]:
        moves = best_first(Braid.from_json(inst["braid"]), budget_s=5.0)
        if moves is None:
            raise SystemExit(f"greedy search did not solve {inst['id']}")
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
    out = json.loads(json.dumps(certs))
    out[0]["moves"] = [{"op": "insert", "i": 0, "g": 1}, {"op": "cancel", "i": 0}] * j + out[0]["moves"]
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "rigorgym.leaderboard", "serve", "--db", db, "--port", str(port)]
        + ["--workers", str(workers), "--rate-limit", "100000"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise SystemExit("the leaderboard server exited on start")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the leaderboard server did not start")
        time.sleep(0.2)


async def fire(url: str, tokens: list[str], bodies: list[dict[str, Any]]) -> list[tuple[int, float, Any]]:
    """Post every body at once; (status, seconds, answer) per body."""
    limits = httpx.Limits(max_connections=len(bodies) + 10)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:

        async def one(j: int, body: dict[str, Any]) -> tuple[int, float, Any]:
            start = time.perf_counter()
            response = await client.post(
                "/api/submissions", json=body, headers={"Authorization": f"Bearer {tokens[j % len(tokens)]}"}
            )
            elapsed = time.perf_counter() - start
            return response.status_code, elapsed, response.json()

        return await asyncio.gather(*(one(j, b) for j, b in enumerate(bodies)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=50, help="concurrent submissions (default 50)")
    parser.add_argument("--certs", type=int, default=4, help="certificates per submission (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="verifier processes of the server it starts")
    parser.add_argument("--db", help="database of the server it starts (default: a temporary SQLite file)")
    parser.add_argument("--server", help="use a running server instead")
    parser.add_argument("--token", action="append", default=[], help="token(s) for --server (repeatable)")
    parser.add_argument("--timeout-s", type=float, default=600, help="how long to wait for verification")
    parser.add_argument(
        "--out-dir", type=Path, help="append this run to leaderboard-load.jsonl there and redraw the page"
    )
    args = parser.parse_args(argv)
    if args.n < 1 or args.certs < 1 or args.workers < 1:
        parser.error("--n, --certs and --workers must be >= 1")
    backend = "server" if args.server else (args.db or "sqlite").split(":", 1)[0].split("+", 1)[0]
    emit(
        {
            "benchmark": "leaderboard_load",
            "phase": "machine",
            **machine(),
            "backend": backend,
            "n": args.n,
            "certificates_each": args.certs,
            "verifier_workers": args.workers,
        }
    )
    code = run(args)
    if args.out_dir is not None:
        write_page(args.out_dir, emit.records)
    return code


def run(args: argparse.Namespace) -> int:
    """Fire the submissions, wait for verification, check the board; 0 if nothing was refused, lost or doubled."""
    certs = certificates(args.certs)
    run_tag = f"load-{os.getpid()}-{int(time.time())}"
    bodies = [{"suite": SUITE, "agent": f"{run_tag}/{j}", "certificates": variant(certs, j)} for j in range(args.n)]
    process = None
    store = None
    with tempfile.TemporaryDirectory(prefix="rigorgym-load-") as folder:
        try:
            if args.server:
                if not args.token:
                    raise SystemExit("--server needs --token")
                url, tokens = args.server.rstrip("/"), args.token
            else:
                from rigorgym.leaderboard.store import Store

                db = args.db or f"sqlite:///{Path(folder) / 'lb.sqlite3'}"
                store = Store(db)
                store.migrate()
                tokens = [store.create_token(f"{run_tag}-{k}") for k in range(5)]
                process, url = start_server(db, args.workers)
            start = time.perf_counter()
            results = asyncio.run(fire(url, tokens, bodies))
            wall = time.perf_counter() - start
            accepted = [answer["id"] for status, _, answer in results if status == 202]
            refused = [(status, answer) for status, _, answer in results if status != 202]
            latencies = [seconds for _, seconds, _ in results]
            emit(
                {
                    "benchmark": "leaderboard_load",
                    "phase": "submit",
                    "n": args.n,
                    "certificates_each": args.certs,
                    "accepted": len(accepted),
                    "refused": len(refused),
                    "p50_ms": rounded(1000 * statistics.median(latencies)),
                    "p99_ms": rounded(1000 * percentile(latencies, 0.99)),
                    "max_ms": rounded(1000 * max(latencies)),
                    "wall_s": rounded(wall),
                    "submissions_per_s": rounded(len(results) / wall),
                }
            )
            deadline = time.monotonic() + args.timeout_s
            pending = set(accepted)
            while pending and time.monotonic() < deadline:
                for entry in httpx.get(f"{url}/api/leaderboard/{SUITE}", timeout=60).json():
                    if entry["status"] == "verified":
                        pending.discard(entry["id"])
                if pending:
                    time.sleep(0.2)
            verify_s = time.perf_counter() - start
            emit(
                {
                    "benchmark": "leaderboard_load",
                    "phase": "verify",
                    "certificates": len(accepted) * args.certs,
                    "unverified_submissions": len(pending),
                    "seconds_from_first_submit": rounded(verify_s),
                    "certificates_per_s": rounded(len(accepted) * args.certs / verify_s),
                }
            )
            board = [e for e in httpx.get(f"{url}/api/leaderboard/{SUITE}", timeout=60).json()]
            mine = [e["id"] for e in board if e["agent"].startswith(run_tag + "/")]
            check = {
                "benchmark": "leaderboard_load",
                "phase": "check",
                "accepted": len(accepted),
                "recorded": len(mine),
                "lost": len(set(accepted) - set(mine)),
                "duplicated": len(mine) - len(set(mine)),
                "unexpected": len(set(mine) - set(accepted)),
                "wrong_scores": sum(1 for e in board if e["id"] in set(accepted) and e["solved"] != args.certs),
            }
            if store is not None:
                counts = store.counts()
                check["db_submissions"] = counts["submissions"]
                check["db_certificates"] = counts["certificates"]
                check["db_exactly_once"] = counts == {
                    "submissions": len(accepted),
                    "certificates": len(accepted) * args.certs,
                    "pending": 0,
                }
            emit(check)
            if refused:
                print(f"refused: {refused[:3]}", file=sys.stderr)
            ok = (
                not refused
                and not pending
                and check["lost"] == check["duplicated"] == check["unexpected"] == check["wrong_scores"] == 0
                and check.get("db_exactly_once", True)
            )
            return 0 if ok else 1
        finally:
            if process is not None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
            if store is not None:
                store.close()


# -- the results page ------------------------------------------------------------------------------


def write_page(out_dir: Path, records: list[dict[str, Any]]) -> None:
    """Keep the latest run per back end in leaderboard-load.jsonl and draw leaderboard-load.md from it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = out_dir / "leaderboard-load.jsonl"
    runs = _runs(json.loads(line) for line in lines.read_text().splitlines() if line.strip()) if lines.exists() else []
    runs = [r for r in runs if r[0]["backend"] != records[0]["backend"]] + [records]
    lines.write_text("".join(json.dumps(rec) + "\n" for run_records in runs for rec in run_records))
    (out_dir / "leaderboard-load.md").write_text(page(runs))
    print_record(
        {"benchmark": "leaderboard_load", "phase": "wrote", "files": [str(lines), str(out_dir / "leaderboard-load.md")]}
    )


def _runs(records: Any) -> list[list[dict[str, Any]]]:
    runs: list[list[dict[str, Any]]] = []
    for rec in records:
        if rec["phase"] == "machine":
            runs.append([])
        runs[-1].append(rec)
    return runs


def page(runs: list[list[dict[str, Any]]]) -> str:
    out = [
        "# Leaderboard under concurrent load",
        "",
        "Produced by `python benchmarks/leaderboard_load.py --n N --out-dir docs/results` (with `--db URL` for "
        "PostgreSQL), one run per back end; raw lines in [leaderboard-load.jsonl](leaderboard-load.jsonl). Each run "
        "starts a server (`rigorgym leaderboard serve`, its verifier worker processes) on loopback, fires N "
        f"submissions at once (each a few valid certificates of `{SUITE}`, padded so that all are distinct, spread "
        "over 5 tokens), waits until every one is verified, and checks the board and the database: every accepted "
        "submission recorded exactly once, with its score.",
        "",
        "| back end | submissions at once | certificates each | accepted | refused | submit p50 / p99 / max ms | "
        "submissions/s | verified certificates/s | lost | duplicated | wrong scores | database exactly once | machine |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for run_records in runs:
        by = {rec["phase"]: rec for rec in run_records}
        m, sub, ver, chk = by["machine"], by.get("submit"), by.get("verify"), by.get("check")
        if not (sub and ver and chk):
            continue
        out.append(
            f"| {m['backend']} | {sub['n']} | {sub['certificates_each']} | {sub['accepted']} | {sub['refused']} | "
            f"{sub['p50_ms']:.0f} / {sub['p99_ms']:.0f} / {sub['max_ms']:.0f} | {sub['submissions_per_s']:.1f} | "
            f"{ver['certificates_per_s']:.1f} | {chk['lost']} | {chk['duplicated']} | {chk['wrong_scores']} | "
            f"{'yes' if chk.get('db_exactly_once') else 'n/a'} | {m['cpu_count']}-core {m['cpu']}, load {m['loadavg']} |"
        )
    out += [
        "",
        "Verification is the server's: every certificate is replayed by the kernel in the verifier processes before "
        "a submission is scored, so certificates/s here includes queueing, replay and the database writes.",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    raise SystemExit(main())
