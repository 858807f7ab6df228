"""``rigorgym leaderboard serve|submit|token|migrate`` (docs/design.md §6, §7).

Hooked into ``rigorgym`` by :func:`add_parser`; also runnable as
``python -m rigorgym.leaderboard``. Exit codes as for every rigorgym command:
0 success (``submit``: the submission was accepted), 1 a failure that is not
the user's input (server unreachable, verification not finished in time),
2 bad input or a request the server refused (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
TOKEN_ENV = "RIGORGYM_LEADERBOARD_TOKEN"


class _Refused(Exception):
    """Bad input found deep in a sub-command: one line on stderr, exit 2."""


def _error(message: str, code: int = EXIT_BAD_INPUT) -> int:
    print(f"rigorgym leaderboard: error: {message}", file=sys.stderr)
    return code


def _db_help() -> str:
    return "database URL: sqlite:///PATH or postgresql://USER@HOST/DB (default $RIGORGYM_LEADERBOARD_DB or a file under ~/.local/share/rigorgym)"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``leaderboard`` and its sub-commands to a parent's subparsers; returns the ``leaderboard`` parser."""
    fmt = argparse.RawDescriptionHelpFormatter
    top = subparsers.add_parser(
        "leaderboard",
        help="serve a leaderboard, submit certificates, manage tokens",
        epilog="examples: rigorgym leaderboard token create alice --db sqlite:///lb.sqlite3\n"
        "          rigorgym leaderboard serve --db sqlite:///lb.sqlite3 --port 8000\n"
        "          rigorgym leaderboard submit certs.jsonl --suite unknot-random-L20 --server http://127.0.0.1:8000 "
        "--token rglb_... --wait",
        formatter_class=fmt,
    )
    sub = top.add_subparsers(dest="leaderboard_command", required=True, parser_class=type(top))

    p = sub.add_parser(
        "serve",
        help="run the server (API, web page, verification)",
        epilog="example: rigorgym leaderboard serve --db postgresql://lb@127.0.0.1/lb --host 127.0.0.1 --port 8000",
    )
    p.add_argument("--db", help=_db_help())
    p.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (put a reverse proxy in front)")
    p.add_argument("--port", type=int, default=8000, help="default 8000")
    p.add_argument("--workers", type=int, default=2, help="verifier processes (default 2)")
    p.add_argument("--max-body-mb", type=float, default=20.0, help="largest accepted request body (default 20)")
    p.add_argument("--time-limit-s", type=float, default=60.0, help="per certificate (default 60)")
    p.add_argument("--memory-limit-mb", type=int, default=1024, help="per certificate (default 1024)")
    p.add_argument("--rate-limit", type=int, default=20, help="submissions per token per minute (default 20)")
    p.add_argument(
        "--verify-backend",
        choices=["local", "ray"],
        default="local",
        help="local: --workers processes here (default); ray: tasks on a Ray cluster (docs/cluster.md)",
    )
    p.add_argument("--address", metavar="ADDR", help="--verify-backend ray: the cluster, auto or HOST:PORT")
    p.set_defaults(run=handle)

    p = sub.add_parser(
        "submit",
        help="submit certificates for a suite",
        epilog="example: rigorgym leaderboard submit certs.jsonl --suite unknot-random-L20 "
        "--server http://127.0.0.1:8000 --token rglb_... --wait",
    )
    p.add_argument("certs", metavar="CERTS.jsonl", help="certificates, one per line (as `rigorgym solve` writes)")
    p.add_argument("--suite", required=True, help="the suite the certificates solve")
    p.add_argument("--server", required=True, help="e.g. http://127.0.0.1:8000")
    p.add_argument("--token", help=f"bearer token (default ${TOKEN_ENV})")
    p.add_argument("--agent", help="agent description (default: meta.agent of the first certificate)")
    p.add_argument("--wait", action="store_true", help="wait for verification and print the verified score")
    p.add_argument("--timeout-s", type=float, default=600.0, help="how long --wait waits (default 600)")
    p.set_defaults(run=handle)

    p = sub.add_parser(
        "token",
        help="create, list or revoke submitter tokens",
        epilog="example: rigorgym leaderboard token create alice --db sqlite:///lb.sqlite3  (the token is the last line)",
    )
    p.add_argument("action", choices=["create", "list", "revoke"])
    p.add_argument("name", nargs="?", help="the submitter name shown on the leaderboard (create, revoke)")
    p.add_argument("--db", help=_db_help())
    p.set_defaults(run=handle)

    p = sub.add_parser(
        "migrate", help="create or upgrade the database schema", epilog="example: rigorgym leaderboard migrate --db URL"
    )
    p.add_argument("--db", help=_db_help())
    p.set_defaults(run=handle)
    return top


def handle(args: argparse.Namespace) -> int:
    """Run the chosen ``leaderboard`` sub-command; the exit code."""
    command = args.leaderboard_command
    import importlib.util

    needed = ["sqlalchemy", "alembic", "httpx"] + (["fastapi", "uvicorn"] if command == "serve" else [])
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        return _error(f"missing {', '.join(missing)}: pip install 'rigorgym[leaderboard]'")
    try:
        if command == "serve":
            return _serve(args)
        if command == "submit":
            return _submit(args)
        if command == "token":
            return _token(args)
        return _migrate(args)
    except _Refused as exc:
        return _error(str(exc))
    except KeyboardInterrupt:
        return 130


def _store(args: argparse.Namespace) -> Any:
    from sqlalchemy.exc import SQLAlchemyError

    from .config import default_db_url
    from .store import Store

    url = args.db or default_db_url()
    try:
        store = Store(url)
        store.migrate()
    except (SQLAlchemyError, ValueError, OSError) as exc:
        raise _Refused(f"cannot open database {url}: {(str(exc).splitlines() or ['?'])[0]}") from None
    return store


def _migrate(args: argparse.Namespace) -> int:
    store = _store(args)
    store.close()
    print(f"database {store.url.split('@')[-1]} is at the latest schema")
    return EXIT_OK


def _token(args: argparse.Namespace) -> int:
    from .store import NameTaken

    if args.action in ("create", "revoke") and not args.name:
        return _error(f"token {args.action} needs a NAME")
    if args.name is not None and not (1 <= len(args.name) <= 100 and args.name.isprintable()):
        return _error("a token NAME is 1 to 100 printable characters")
    store = _store(args)
    try:
        if args.action == "create":
            try:
                secret = store.create_token(args.name)
            except NameTaken:
                return _error(f"a token named {args.name!r} exists (revoke it or pick another name)")
            print(f"token for {args.name} (shown once; only its hash is stored):", file=sys.stderr)
            print(secret)
        elif args.action == "revoke":
            if not store.revoke_token(args.name):
                return _error(f"no token named {args.name!r}")
            print(f"revoked {args.name}")
        else:
            for t in store.tokens():
                print(f"{t['name']}\t{t['created_at']}\t{'revoked' if t['revoked'] else 'active'}")
    finally:
        store.close()
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app
    from .config import Settings, default_db_url

    if not 0 <= args.port <= 65535 or args.workers < 1 or args.max_body_mb <= 0 or args.rate_limit < 1:
        return _error("--port, --workers, --max-body-mb and --rate-limit must be in range")
    _check_verify_backend(args)
    settings = Settings(
        db_url=args.db or default_db_url(),
        max_body_bytes=int(args.max_body_mb * 1024 * 1024),
        workers=args.workers,
        time_limit_s=args.time_limit_s,
        memory_limit_mb=args.memory_limit_mb,
        rate_limit=args.rate_limit,
        verify_delay_s=float(os.environ.get("RIGORGYM_LEADERBOARD_VERIFY_DELAY_S", "0")),
        verify_backend=args.verify_backend,
        ray_address=args.address,
    )
    _store(args).close()  # a bad URL is a one-line error here, not a traceback inside uvicorn
    print(f"rigorgym leaderboard on http://{args.host}:{args.port}/ (API docs /docs)", file=sys.stderr, flush=True)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning", proxy_headers=True)
    return EXIT_OK


def _check_verify_backend(args: argparse.Namespace) -> None:
    """``--address`` only with ``--verify-backend ray``; Ray installed; the cluster reachable: before serving."""
    if args.verify_backend != "ray":
        if args.address is not None:
            raise _Refused("--address is for --verify-backend ray (a Ray cluster)")
        return
    from rigorgym.cluster import ClusterError, check_address, require_ray

    try:
        require_ray()
        if args.address is not None:
            check_address(args.address)
    except ClusterError as exc:
        raise _Refused(str(exc)) from None


def read_jsonl(path: str) -> list[Any]:
    """The certificates of a JSON-lines file (a single JSON object or array is accepted too)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    try:
        whole = json.loads(text)
        return whole if isinstance(whole, list) else [whole]
    except ValueError:
        pass
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{n}: not valid JSON ({exc})") from None
    if not out:
        raise ValueError(f"{path}: no certificates")
    return out


def _submit(args: argparse.Namespace) -> int:
    from .client import SubmitError, submit, wait_verified

    token = args.token or os.environ.get(TOKEN_ENV)
    if not token:
        return _error(f"--token (or ${TOKEN_ENV}) is required")
    try:
        certificates = read_jsonl(args.certs)
    except ValueError as exc:
        return _error(str(exc))
    agent = args.agent
    if agent is None:
        meta = certificates[0].get("meta") if isinstance(certificates[0], dict) else None
        agent = str(meta.get("agent")) if isinstance(meta, dict) and meta.get("agent") else "unnamed agent"
    try:
        answer = submit(args.server, token, args.suite, agent, certificates)
    except SubmitError as exc:
        return _error(f"submission refused: {exc}" if exc.status else str(exc), EXIT_BAD_INPUT if exc.status else 1)
    print(f"accepted {answer['certificates']} certificates for {answer['suite']}: submission {answer['id']}")
    print(f"  {args.server.rstrip('/')}{answer['page']}")
    if args.wait:
        try:
            entry = wait_verified(args.server, answer["id"], args.timeout_s)
        except SubmitError as exc:
            return _error(str(exc), EXIT_FAILED)
        print(
            f"verified: solved {entry['solved']}/{entry['certificates']}, total moves {entry['total_moves']} "
            f"(kernel {entry['kernel_version']})"
        )
    print(answer["id"])
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """``python -m rigorgym.leaderboard ...``: the same sub-commands without the ``rigorgym`` front end."""
    parser = argparse.ArgumentParser(prog="rigorgym")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    args = parser.parse_args(["leaderboard", *(sys.argv[1:] if argv is None else argv)])
    return int(args.run(args))
