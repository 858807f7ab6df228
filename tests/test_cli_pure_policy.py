"""``rigorgym evaluate --attempts K [--deterministic]``: the papers' protocol, a trained policy alone (issue 19).

The shipped UnKnot agent (``pretrained``) plays the first instances of a suite:
one greedy episode per instance reproduces exactly, ``--attempts 3`` uses at
most 3 episodes, every counted certificate passes the kernel, and an instances
file gives what its suite gives. Bad input is one line on stderr, exit 2, nothing
written. In-process through ``rigorgym.cli.main``, as tests/test_cli_edges.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rigorgym.agents.learned import PRETRAINED_DIR, pretrained_for
from rigorgym.agents.protocols.pure_policy import Protocol, evaluate_policy
from rigorgym.envs.games import game_of
from rigorgym.envs.suites import load_suite
from rigorgym.verifiers import verify

import rigorgym  # noqa: F401  (registers the envs)
from rigorgym.cli import main

ENV = "UnKnot-v0"
SUITE = "unknot-random-L10"
BASE = ("evaluate", ENV, "--agent", "pretrained")


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """``rigorgym evaluate ... --json`` in-process: exit 0, one JSON object on stdout."""
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def bad_input(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Exit 2 with exactly one line on stderr (no traceback) and nothing on stdout; return the line."""
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    assert exc.value.code == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert not captured.out
    return lines[0]


def suite_rows(count: int, suite: str = SUITE) -> list[dict[str, Any]]:
    return [dict(x) for x in list(load_suite(suite).instances)[:count]]


def write_rows(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def greedy_run() -> dict[str, Any]:
    """One ``--attempts 1 --deterministic`` run (the papers' protocol) on 6 instances, shared by the tests."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*BASE, "--suite", SUITE, "--limit", "6", "--attempts", "1", "--deterministic", "--json"])
    assert code == 0
    return json.loads(out.getvalue())


def test_one_greedy_episode_reproduces(greedy_run: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    again = run_json(capsys, *BASE, "--suite", SUITE, "--limit", "6", "--attempts", "1", "--deterministic")
    assert again == greedy_run
    assert greedy_run["episodes"] == [1] * 6 and greedy_run["mean_episodes"] == 1.0
    assert greedy_run["protocol"] == {
        "name": "pure-policy",
        "attempts": 1,
        "deterministic": True,
        "move_cap": 200,  # UnKnot-v0's max_episode_steps
        "move_cap_source": "UnKnot-v0 max_episode_steps",
    }
    assert greedy_run["solved"] >= 1 and greedy_run["verified"] == greedy_run["claimed"] == greedy_run["solved"]


def test_attempts_3_uses_at_most_3_episodes(capsys: pytest.CaptureFixture[str]) -> None:
    # a cap of 7 moves leaves some first episodes short of a proof: later (sampled) ones are used
    got = run_json(capsys, *BASE, "--suite", SUITE, "--limit", "8", "--attempts", "3", "--max-steps", "7")
    assert len(got["episodes"]) == got["instances"] == 8
    assert all(1 <= e <= 3 for e in got["episodes"]) and got["max_episodes"] <= 3
    assert got["mean_episodes"] == pytest.approx(sum(got["episodes"]) / 8)
    assert got["protocol"]["move_cap"] == 7 and got["protocol"]["move_cap_source"] == "--max-steps"
    assert got["protocol"]["deterministic"] is False
    assert got["steps"] <= 3 * 7 * 8


def test_an_unsolved_instance_uses_every_attempt(capsys: pytest.CaptureFixture[str]) -> None:
    got = run_json(capsys, *BASE, "--suite", SUITE, "--limit", "3", "--attempts", "3", "--max-steps", "2")
    assert got["solved"] == 0 and got["episodes"] == [3, 3, 3] and got["mean_moves"] is None
    assert got["steps"] == 3 * 3 * 2  # every episode ran to the cap, no more


def test_every_counted_certificate_verifies() -> None:
    game = game_of(ENV)
    instances = [game.read_instance(r) for r in suite_rows(8)]
    evaluation = evaluate_policy(ENV, instances, pretrained_for(ENV, policy=True), Protocol(2, True, 7), seed=0)
    summary = evaluation.summary()
    solved = [o for o in evaluation.outcomes if o.solved]
    assert summary["solved"] == len(solved) >= 1
    for outcome in solved:
        assert outcome.certificate is not None and verify(outcome.certificate).valid
        assert outcome.moves is not None and outcome.episodes <= 2
    assert all(o.episodes == 2 for o in evaluation.outcomes if not o.solved)


def test_printed_summary_names_the_protocol_and_cap(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main([*BASE, "--suite", SUITE, "--limit", "2", "--attempts", "2", "--deterministic", "--max-steps", "50"]) == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{ENV} {SUITE}: solved ") and "verified" in out[0] and "mean episodes" in out[0]
    assert "up to 2 episodes per instance, the first greedy (argmax), then sampled" in out[1]
    assert "move cap 50 per episode (--max-steps)" in out[1]


def test_an_instances_file_round_trips(
    greedy_run: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_rows(tmp_path / "mine.jsonl", suite_rows(6))
    got = run_json(capsys, *BASE, "--instances", str(path), "--attempts", "1", "--deterministic")
    assert got["instances_file"] == str(path) and got["suite"] is None
    same = ("suite", "instances_file")
    assert {k: v for k, v in got.items() if k not in same} == {k: v for k, v in greedy_run.items() if k not in same}


def test_plain_evaluate_reads_an_instances_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_rows(tmp_path / "mine.jsonl", suite_rows(2))
    got = run_json(capsys, "evaluate", ENV, "--agent", "greedy", "--instances", str(path), "--max-expansions", "500")
    assert got["instances"] == 2 and got["instances_file"] == str(path)


def test_compare_reads_an_instances_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_rows(tmp_path / "mine.jsonl", suite_rows(2))
    got = run_json(capsys, "evaluate", ENV, "--compare", "greedy", "--instances", str(path), "--budget-s", "2")
    assert got["agent"] == "greedy" and got["instances"] == 2 and got["suite"] == str(path)


# -- bad input: one line, exit 2, nothing written --------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--agent", "pretrained", "--suite", SUITE, "--attempts", "0"], "--attempts must be >= 1"),
        (["--agent", "pretrained", "--suite", SUITE, "--attempts", "-2"], "--attempts must be >= 1"),
        (["--agent", "greedy", "--suite", SUITE, "--attempts", "1"], "greedy is a search agent"),
        (["--agent", "guided", "--suite", SUITE, "--attempts", "1"], "guided is a search agent"),
        (["--agent", "random", "--suite", SUITE, "--attempts", "1", "--max-steps", "5"], "random is a search agent"),
        (["--agent", "pretrained", "--suite", SUITE, "--attempts", "1", "--restarts", "2"], "exclude each other"),
        (["--compare", "pretrained,greedy", "--suite", SUITE, "--attempts", "1"], "exclude each other"),
        (["--agent", "pretrained", "--suite", SUITE, "--deterministic"], "--deterministic goes with --attempts"),
        (["--agent", "pretrained", "--suite", SUITE, "--attempts", "1", "--budget-s", "2"], "--budget-s means nothing"),
        (["--agent", "pretrained", "--suite", SUITE, "--attempts", "1", "--max-expansions", "9"], "--max-expansions"),
        (
            ["--agent", "pretrained", "--suite", SUITE, "--attempts", "1", "--max-steps", "0"],
            "--max-steps must be >= 1",
        ),
        (["--agent", "pretrained", "--suite", "no-such-suite", "--attempts", "1"], "no-such-suite"),
    ],
)
def test_bad_protocol_flags(
    extra: list[str], needle: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert needle in bad_input(capsys, "evaluate", ENV, *extra)
    assert not list(tmp_path.iterdir())


def test_a_value_net_folder_plays_as_the_macro_policy(capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(PRETRAINED_DIR / "unknot-value")  # guided's shipped net: alone, the macro policy
    argv = (*BASE[:3], folder, "--suite", "unknot-words-n5-L20", "--limit", "4", "--attempts", "1", "--deterministic")
    out = run_json(capsys, *argv)
    assert out["solved"] == out["verified"] == out["claimed"] >= 3 and out["episodes"] == [1] * 4
    assert run_json(capsys, *argv) == out  # one greedy episode: reproducible
    line = bad_input(capsys, "evaluate", "Kirby-Plumbing-v0", "--agent", folder, "--suite", "plumbing-small-6",
                     "--attempts", "1")  # fmt: skip
    assert "value net of guided" in line and "Kirby-Plumbing-v0" in line


def test_instances_and_suite_exclude_each_other(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_rows(tmp_path / "mine.jsonl", suite_rows(1))
    line = bad_input(capsys, *BASE, "--suite", SUITE, "--instances", str(path), "--attempts", "1")
    assert "--instances" in line and "--suite" in line
    assert bad_input(capsys, *BASE, "--attempts", "1")  # neither: also one line
    line = bad_input(capsys, "evaluate", "Kirby-Plumbing-v0", "--agent", "pretrained", "--instances", str(path),
                     "--restarts", "2")  # fmt: skip
    assert "--restarts plays a shipped suite" in line
    assert [p.name for p in tmp_path.iterdir()] == ["mine.jsonl"]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "cannot read"),
        ("", "no instances"),
        ('{"braid": {"strands": 3, "word": [1, -1]}}\n{"braid": \n', "mine.jsonl:2: not valid JSON"),
        ('{"braid": {"strands": 3, "word": [1, -1]}}\n[1, 2]\n', "mine.jsonl:2: each line must be one instance"),
        ('\n{"braid": {"strands": 3, "word": [1, "x"]}}\n', "mine.jsonl:2:"),
        (
            '{"id": "p", "graphs": [{"nodes": [[0, -1]], "edges": []}, {"nodes": [[0, -1]], "edges": []}]}\n',
            "mine.jsonl:1: an instance of Kirby-Plumbing-v0, not of UnKnot-v0",
        ),  # fmt: skip
    ],
)
def test_bad_instances_files(
    content: str | None, needle: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "mine.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    for extra in (["--attempts", "1"], []):  # the policy alone, and the solver as before
        assert needle in bad_input(capsys, *BASE, "--instances", str(path), *extra)
    assert [p.name for p in tmp_path.iterdir()] == ([] if content is None else ["mine.jsonl"])
