"""``rigorgym leaderboard`` sub-commands in-process: tokens, errors as one line with exit 2, the parser's shape."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from rigorgym.leaderboard.cli import add_parser, main

from tests.leaderboard_support import SUITE, free_port, sqlite_url


def test_token_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = sqlite_url(tmp_path)
    assert main(["token", "create", "alice", "--db", db]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("rglb_") and len(token) > 40
    assert main(["token", "create", "bob", "--db", db]) == 0
    capsys.readouterr()
    assert main(["token", "list", "--db", db]) == 0
    listed = capsys.readouterr().out
    assert "alice" in listed and "bob" in listed and token not in listed
    assert main(["token", "revoke", "alice", "--db", db]) == 0
    assert main(["token", "revoke", "nobody", "--db", db]) == 2
    assert main(["token", "create", "--db", db]) == 2
    assert main(["migrate", "--db", db]) == 0


def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    missing = str(tmp_path / "missing.jsonl")
    assert main(["submit", missing, "--suite", SUITE, "--server", url, "--token", "t"]) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    assert main(["submit", str(bad), "--suite", SUITE, "--server", url, "--token", "t"]) == 2
    good = tmp_path / "good.jsonl"
    good.write_text('{"meta": {"agent": "x"}}\n')
    assert main(["submit", str(good), "--suite", SUITE, "--server", url]) == 2  # no token
    assert main(["submit", str(good), "--suite", SUITE, "--server", url, "--token", "t"]) == 1  # nobody listening
    assert main(["token", "list", "--db", "nosuchdriver://x"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert all(line.startswith("rigorgym leaderboard: error:") for line in err.strip().splitlines())


def test_parser_plugs_into_a_parent() -> None:
    parser = argparse.ArgumentParser(prog="rigorgym")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    args = parser.parse_args(["leaderboard", "serve", "--port", "9000", "--db", "sqlite:///x"])
    assert args.leaderboard_command == "serve" and args.port == 9000 and callable(args.run)
    args = parser.parse_args(["leaderboard", "submit", "c.jsonl", "--suite", "s", "--server", "u", "--wait"])
    assert args.wait and args.token is None
