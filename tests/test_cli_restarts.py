"""``rigorgym evaluate --restarts K``: the Ri–Putrov protocol behind the CLI (agents.protocols.ri_putrov)."""

from __future__ import annotations

import json

import pytest

from rigorgym.cli import main


def test_restarts_evaluates_the_shipped_agent(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["evaluate", "Kirby-Plumbing-v0", "--agent", "pretrained", "--suite", "plumbing-ri-putrov-10"]
    assert main([*args, "--restarts", "2", "--limit", "3", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["pairs"] == 3 and summary["restarts"] == 2 and summary["move_budget"] == 200
    assert summary["verified"] == summary["solved"] >= 1  # every counted pair's certificate passed the kernel
    assert set(summary["by_attempts"]) == {"1", "2"}


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["Kirby-Plumbing-v0", "--agent", "pretrained", "--suite", "plumbing-ri-putrov-10", "--restarts", "0"], ">= 1"),
        (["UnKnot-v0", "--agent", "greedy", "--suite", "unknot-random-L20", "--restarts", "3"], "Kirby-Plumbing"),
        (["Kirby-Plumbing-v0", "--agent", "normal-form", "--suite", "plumbing-small-6", "--restarts", "3"], "folder"),
    ],
)
def test_restarts_bad_input_is_one_line(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", *argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]
