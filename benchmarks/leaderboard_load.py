"""Leaderboard under load: N concurrent submissions on loopback, latency, throughput, nothing lost.

The driver is :func:`rigorgym.leaderboard.load.run_load`: it starts a server
process (``python -m rigorgym.leaderboard serve``) on a temporary SQLite file
(or ``--db URL``, e.g. PostgreSQL), or uses a running one (``--server URL
--token T``), fires ``--n`` submissions at once (each a few valid certificates
of ``unknot-random-L10`` solved by the greedy search, padded so that every
submission is distinct), then waits until all are verified and checks that
every accepted submission is recorded exactly once. Prints JSON lines:
``submit`` (p50/p99 latency, submissions/s), ``verify`` (certificates/s of
server-side verification) and ``check`` (accepted, recorded, lost,
duplicated). Exit 1 if anything was refused, lost or doubled.

Usage::

    python benchmarks/leaderboard_load.py                 # 50 concurrent submissions, own server
    python benchmarks/leaderboard_load.py --n 200 --db postgresql://postgres@127.0.0.1:5432/lb
    python benchmarks/leaderboard_load.py --server http://127.0.0.1:8000 --token rglb_...
    python benchmarks/leaderboard_load.py --n 200 --out-dir docs/results   # add this run to the results page
    python benchmarks/leaderboard_load.py --from-json docs/results/leaderboard-load.json --out-dir docs/results

With ``--out-dir`` the run is added to the runs kept in ``leaderboard-load.json`` there (one run per back end: a
new run replaces the previous one on the same back end) and ``leaderboard-load.md`` is redrawn from them.
``--from-json`` redraws the page from saved runs without measuring anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import Recorder, machine, public_command
from _report import ResultsPage
from rigorgym.leaderboard.load import SUITE, keep_latest, run_load, split_runs

STEM = "leaderboard-load"
SECRET = ("--db", "--server", "--token")
COLUMNS = [
    "back end", "submissions at once", "certificates each", "accepted", "refused", "submit p50 / p99 / max ms",
    "submissions/s", "verified certificates/s", "lost", "duplicated", "wrong scores", "database exactly once",
    "machine", "measured",
]  # fmt: skip


def saved_runs(out_dir: Path, source: Path | None = None) -> list[list[dict[str, Any]]]:
    """The runs kept in ``source`` (default ``out_dir/leaderboard-load.json``, else the older ``.jsonl``)."""
    source = source or out_dir / f"{STEM}.json"
    if source.suffix == ".json" and source.exists():
        return list(json.loads(source.read_text())["runs"])
    lines = source.with_suffix(".jsonl")
    if lines.exists():
        return split_runs([json.loads(line) for line in lines.read_text().splitlines() if line.strip()])
    return []


def row(run: list[dict[str, Any]]) -> list[Any] | None:
    by = {rec["phase"]: rec for rec in run}
    m, sub, ver, chk = by["machine"], by.get("submit"), by.get("verify"), by.get("check")
    if not (sub and ver and chk):
        return None
    db = " --db URL" if m["backend"] == "postgresql" else ""
    old = f"`python benchmarks/leaderboard_load.py --n {sub['n']}{db}` (date not recorded)"
    when = f"{m['date']}: `{m['command']}`" if "command" in m else old
    return [
        m["backend"], sub["n"], sub["certificates_each"], sub["accepted"], sub["refused"],
        f"{sub['p50_ms']:.0f} / {sub['p99_ms']:.0f} / {sub['max_ms']:.0f}", round(sub["submissions_per_s"], 1),
        round(ver["certificates_per_s"], 1), chk["lost"], chk["duplicated"], chk["wrong_scores"],
        "yes" if chk.get("db_exactly_once") else "n/a", f"{m['cpu_count']}-core {m['cpu']}, load {m['loadavg']}", when,
    ]  # fmt: skip


def hide_urls(argv: list[str]) -> list[str]:
    """``argv`` with the values of ``--db``, ``--server`` and ``--token`` replaced (they may hold secrets)."""
    out, hide = [], False
    for arg in argv:
        name = arg.split("=", 1)[0]
        if hide:
            out.append("URL" if out[-1] != "--token" else "TOKEN")
        else:
            out.append(f"{name}=…" if "=" in arg and name in SECRET else arg)
        hide = not hide and name in SECRET and "=" not in arg
    return out


def new_page(argv: list[str]) -> ResultsPage:
    return ResultsPage(STEM, "Leaderboard under concurrent load", __file__, hide_urls(argv))


def write_page(page: ResultsPage, out_dir: Path, runs: list[list[dict[str, Any]]], rerendered: bool) -> None:
    if rerendered:
        page.text("Re-rendered from the saved runs in the JSON (`--from-json`): nothing was measured by this command.")
    page.text(
        "One run per back end (`python benchmarks/leaderboard_load.py --n N --out-dir docs/results`, with `--db URL` "
        "for PostgreSQL); every run's own command, date and load are in its row. Each run starts a server "
        "(`rigorgym leaderboard serve`, its verifier worker processes) on loopback, fires N submissions at once (each a "
        f"few valid certificates of `{SUITE}`, padded so that all are distinct, spread over 5 tokens), waits until "
        "every one is verified, and checks the board and the database: every accepted submission recorded exactly "
        "once, with its score."
    )
    page.table(COLUMNS, [r for r in map(row, runs) if r is not None])
    page.text(
        "Verification is the server's: every certificate is replayed by the kernel in the verifier processes before "
        "a submission is scored, so certificates/s here includes queueing, replay and the database writes."
    )
    page.reproduce(
        "python benchmarks/leaderboard_load.py --n 200 --out-dir docs/results",
        "python benchmarks/leaderboard_load.py --n 200 --db postgresql://USER@HOST:5432/DB --out-dir docs/results",
    )
    page.write(out_dir, {"suite": SUITE, "runs": runs})


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=50, help="concurrent submissions (default 50)")
    parser.add_argument("--certs", type=int, default=4, help="certificates per submission (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="verifier processes of the server it starts")
    parser.add_argument("--db", help="database of the server it starts (default: a temporary SQLite file)")
    parser.add_argument("--server", help="use a running server instead")
    parser.add_argument("--token", action="append", default=[], help="token(s) for --server (repeatable)")
    parser.add_argument("--timeout-s", type=float, default=600, help="how long to wait for verification")
    parser.add_argument("--out-dir", type=Path, help="add this run to leaderboard-load.json there and redraw the page")
    parser.add_argument("--from-json", type=Path, help="only redraw the page (into --out-dir) from saved runs")
    args = parser.parse_args(argv)
    if args.n < 1 or args.certs < 1 or args.workers < 1:
        parser.error("--n, --certs and --workers must be >= 1")
    if args.server and not args.token:
        parser.error("--server needs --token")
    page = new_page(argv)
    if args.from_json:
        write_page(page, args.out_dir or args.from_json.parent, saved_runs(args.from_json.parent, args.from_json), True)
        return 0
    emit = Recorder()
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
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "command": public_command(Path(__file__).name, hide_urls(argv)),
        }
    )
    result = run_load(args.n, args.certs, args.workers, args.db, args.server, args.token, args.timeout_s, emit)
    if result.refused:
        print(f"refused: {result.refused[:3]}", file=sys.stderr)
    if args.out_dir is not None:
        write_page(page, args.out_dir, keep_latest(saved_runs(args.out_dir), emit.records), False)
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
