"""Smoke runs of the `rigorgym` command (docs/design.md §7) with tiny budgets.

Most run ``rigorgym.cli.main`` in-process (a subprocess pays ~2-4 s of imports each, and what they check is
the command's output and exit status, not the process); ``process=True`` runs the installed ``rigorgym``
script itself where the process boundary is the point (the entry point, stdin, a benchmark's own output).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from rigorgym.envs.suites import list_suites
from rigorgym.envs.unknot import BraidInstance, ScrambleGenerator
from rigorgym.envs.unknot.generator import invert_moves
from rigorgym.verifiers import verify

import rigorgym  # noqa: F401
from tests.cli_support import run_cli

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, **kwargs: Any) -> subprocess.CompletedProcess:
    return run_cli(*args, **kwargs)


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    """Exit 2 with exactly one line on stderr."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def _certificate(seed: int, ident: str | None = None) -> dict[str, Any]:
    """A valid certificate: an inverse scramble played through the env."""
    scrambled, moves = ScrambleGenerator(3, 10).scramble(np.random.default_rng(seed))
    inst = BraidInstance(scrambled.strands, scrambled.word, ident)
    env = gym.make("UnKnot-v0")
    env.reset(seed=seed, options={"instance": inst})
    info: dict[str, Any] = {}
    for move in invert_moves(0, moves):
        _, _, terminated, _, info = env.step(env.unwrapped.layout.from_move(move))
    assert terminated
    cert = info["certificate"]
    assert verify(cert).valid
    return cert


@pytest.fixture(scope="module")
def certs() -> list[dict[str, Any]]:
    return [_certificate(seed, f"cli/{seed}") for seed in range(3)]


def _invalid(cert: dict[str, Any]) -> dict[str, Any]:
    """Well formed, but the last move is missing: the claim fails."""
    bad = json.loads(json.dumps(cert))
    bad["moves"] = bad["moves"][:-1]
    assert not verify(bad).valid and not verify(bad).malformed
    return bad


def _jsonl(path: Path, items: list[Any]) -> Path:
    path.write_text("".join(json.dumps(x) + "\n" for x in items))
    return path


# -- help and list --------------------------------------------------------------------


def test_help() -> None:
    proc = run("--help", process=True)  # the installed `rigorgym` script
    assert proc.returncode == 0
    for word in ("list", "verify", "solve", "bench", "example"):
        assert word in proc.stdout


@pytest.mark.parametrize("sub", ["verify", "solve"])
def test_subcommand_help_has_an_example(sub: str) -> None:
    proc = run(sub, "--help")
    assert proc.returncode == 0
    assert "example" in proc.stdout.lower()


def test_no_command_is_bad_input() -> None:
    one_line_error(run())


def test_list_everything() -> None:
    proc = run("list")
    assert proc.returncode == 0
    for heading in ("envs:", "agents:", "suites:"):
        assert heading in proc.stdout
    assert "UnKnot-v0" in proc.stdout and "greedy" in proc.stdout and "unknot-random-L10" in proc.stdout


def test_list_envs() -> None:
    proc = run("list", "envs")
    assert proc.returncode == 0
    assert "agents:" not in proc.stdout and "suites:" not in proc.stdout
    ids = [env_id for env_id, spec in gym.registry.items() if str(spec.entry_point).startswith("rigorgym.")]
    for env_id in ids:
        assert env_id in proc.stdout


def test_list_agents() -> None:
    proc = run("list", "agents")
    assert proc.returncode == 0
    assert "envs:" not in proc.stdout
    assert "random" in proc.stdout and "greedy" in proc.stdout


def test_list_suites() -> None:
    proc = run("list", "suites")
    assert proc.returncode == 0
    assert "envs:" not in proc.stdout
    for name in list_suites():
        assert name in proc.stdout


def test_list_unknown_topic_is_bad_input() -> None:
    one_line_error(run("list", "planets"))


# -- verify ---------------------------------------------------------------------------


def test_verify_valid_jsonl(tmp_path: Path, certs: list[dict[str, Any]]) -> None:
    proc = run("verify", str(_jsonl(tmp_path / "certs.jsonl", certs)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("VALID") == len(certs)
    assert "INVALID" not in proc.stdout


def test_verify_valid_single_objects(tmp_path: Path, certs: list[dict[str, Any]]) -> None:
    files = []
    for k, cert in enumerate(certs[:2]):
        path = tmp_path / f"cert{k}.json"
        path.write_text(json.dumps(cert, indent=2))  # one pretty-printed object per file
        files.append(str(path))
    proc = run("verify", *files)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("VALID") == 2


def test_verify_any_invalid_exits_1(tmp_path: Path, certs: list[dict[str, Any]]) -> None:
    path = _jsonl(tmp_path / "mixed.jsonl", [certs[0], _invalid(certs[1]), certs[2]])
    proc = run("verify", str(path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.count("INVALID") == 1


def test_verify_json_one_verdict_per_line(tmp_path: Path, certs: list[dict[str, Any]]) -> None:
    path = _jsonl(tmp_path / "mixed.jsonl", [certs[0], _invalid(certs[1])])
    single = tmp_path / "one.json"
    single.write_text(json.dumps(certs[2]))
    proc = run("verify", "--json", str(path), str(single))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 3
    verdicts = [json.loads(line) for line in lines]
    assert [v["valid"] for v in verdicts] == [True, False, True]
    for v, cert in zip(verdicts, [certs[0], _invalid(certs[1]), certs[2]], strict=True):
        assert {"valid", "reason", "moves_checked"} <= set(v)
        assert isinstance(v["reason"], str) and v["reason"]
        assert v["moves_checked"] == verify(cert).moves_checked
    assert verdicts[1]["moves_checked"] == len(certs[1]["moves"]) - 1


BAD_INPUTS = {
    "malformed-certificate": lambda c: json.dumps({**c, "format": "not-a-certificate"}) + "\n",
    "not-an-object": lambda c: "[1, 2, 3]\n",
    "not-json": lambda c: "this is not json\n{\n",
    "half-json-lines": lambda c: json.dumps(c) + "\n" + "{oops\n",
}  # an empty file is "0/0 certificates valid", exit 0 (tests/test_cli_edges.py)


@pytest.mark.parametrize("kind", list(BAD_INPUTS))
def test_verify_bad_input_exits_2(tmp_path: Path, certs: list[dict[str, Any]], kind: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(BAD_INPUTS[kind](certs[0]))
    proc = run("verify", str(path))
    assert proc.returncode == 2, (proc.stdout, proc.stderr)


def test_verify_binary_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.bin"
    path.write_bytes(bytes(range(256)) * 4)
    assert run("verify", str(path)).returncode == 2


def test_verify_missing_file_exits_2(tmp_path: Path) -> None:
    proc = run("verify", str(tmp_path / "nope.jsonl"))
    assert proc.returncode == 2
    assert "nope.jsonl" in proc.stderr


def test_verify_file_over_max_bytes_exits_2(tmp_path: Path, certs: list[dict[str, Any]]) -> None:
    path = _jsonl(tmp_path / "certs.jsonl", certs)
    proc = run("verify", "--max-bytes", "100", str(path))
    assert proc.returncode == 2
    assert "100" in proc.stderr


def test_verify_malformed_beats_invalid(tmp_path: Path, certs: list[dict[str, Any]]) -> None:
    bad = _jsonl(tmp_path / "a.jsonl", [_invalid(certs[0])])
    ugly = _jsonl(tmp_path / "b.jsonl", [{"format": "rigorgym-certificate/1"}])
    proc = run("verify", str(bad), str(ugly))
    assert proc.returncode == 2


def test_verify_without_files_is_bad_input() -> None:
    one_line_error(run("verify"))


# -- solve ----------------------------------------------------------------------------


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_solve_suite_with_greedy(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    proc = run(
        "solve",
        "UnKnot-v0",
        "--suite",
        "unknot-random-L10",
        "--limit",
        "3",
        "--agent",
        "greedy",
        "--budget-s",
        "1",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    match = re.search(r"solved (\d+)/3", proc.stdout)
    assert match, proc.stdout
    written = _read_jsonl(out)
    assert int(match.group(1)) == len(written) == 3
    for k, cert in enumerate(written):
        assert verify(cert).valid
        assert cert["meta"]["instance_id"] == f"unknot-random-L10/{k:03d}"
        assert cert["meta"]["agent"] == "greedy"
    check = run("verify", str(out))
    assert check.returncode == 0, check.stdout + check.stderr


def test_solve_instances_file(tmp_path: Path) -> None:
    instances = [
        {"id": "first", "braid": {"strands": 3, "word": [1, 2]}},
        {"braid": {"strands": 2, "word": [1, -1, 1]}},
        {"id": "third", "braid": {"strands": 3, "word": [2, -1, 2, -2]}},
    ]
    src = _jsonl(tmp_path / "inst.jsonl", instances)
    out = tmp_path / "out.jsonl"
    proc = run("solve", "UnKnot-v0", "--instances", str(src), "--agent", "greedy", "--budget-s", "1", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "solved 3/3" in proc.stdout
    written = _read_jsonl(out)
    assert len(written) == 3
    for cert, inst in zip(written, instances, strict=True):
        assert verify(cert).valid
        assert cert["instance"] == {"braid": inst["braid"]}  # verbatim, without the id
        assert cert["meta"].get("instance_id") == inst.get("id")
        if "id" not in inst:
            assert "instance_id" not in cert["meta"]


def test_solve_trivial_instance(tmp_path: Path) -> None:
    """The trivial braid is a valid instance whose certificate has no moves."""
    src = _jsonl(tmp_path / "inst.jsonl", [{"id": "zero", "braid": {"strands": 1, "word": []}}])
    out = tmp_path / "out.jsonl"
    proc = run("solve", "UnKnot-v0", "--instances", str(src), "--agent", "greedy", "--budget-s", "1", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "solved 1/1" in proc.stdout
    (cert,) = _read_jsonl(out)
    assert verify(cert).valid and cert["moves"] == []


def test_solve_nontrivial_knot_solves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    proc = run("solve", "UnKnot-v0", "--knot", "3_1", "--agent", "greedy", "--budget-s", "0.5", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "solved 0/1" in proc.stdout
    assert out.exists() and _read_jsonl(out) == []


def test_solve_bad_pd_json(tmp_path: Path) -> None:
    line = one_line_error(
        run("solve", "UnKnot-v0", "--pd", "[[1,2,", "--agent", "greedy", "--out", str(tmp_path / "o.jsonl"))
    )
    assert "pd" in line.lower()
    assert not (tmp_path / "o.jsonl").exists()


def test_solve_unknown_suite(tmp_path: Path) -> None:
    line = one_line_error(
        run("solve", "UnKnot-v0", "--suite", "no-such-suite", "--agent", "greedy", "--out", str(tmp_path / "o.jsonl"))
    )
    assert "no-such-suite" in line and "unknot-random-L10" in line


def test_solve_unknown_agent(tmp_path: Path) -> None:
    line = one_line_error(
        run(
            "solve",
            "UnKnot-v0",
            "--suite",
            "unknot-random-L10",
            "--agent",
            "nobody",
            "--out",
            str(tmp_path / "o.jsonl"),
        )
    )
    assert "nobody" in line and "greedy" in line


@pytest.mark.parametrize("env_id", ["UnKnot-v9", "Nope-v0"])
def test_solve_unknown_env(tmp_path: Path, env_id: str) -> None:
    line = one_line_error(
        run(
            "solve",
            env_id,
            "--suite",
            "unknot-random-L10",
            "--limit",
            "1",
            "--agent",
            "greedy",
            "--out",
            str(tmp_path / "o.jsonl"),
        )
    )
    assert env_id in line


@pytest.mark.parametrize(
    "args",
    [
        ["solve", "UnKnot-v0", "--suite", "unknot-random-L10", "--agent", "greedy"],  # no --out
        ["solve", "UnKnot-v0", "--agent", "greedy", "--out", "o.jsonl"],  # no instance source
        ["solve", "UnKnot-v0", "--suite", "unknot-random-L10", "--out", "o.jsonl"],  # no --agent
        [
            "solve",
            "UnKnot-v0",
            "--suite",
            "unknot-random-L10",
            "--knot",
            "3_1",
            "--agent",
            "greedy",
            "--out",
            "o.jsonl",
        ],  # two sources
    ],
    ids=["no-out", "no-source", "no-agent", "two-sources"],
)
def test_solve_missing_or_conflicting_args(tmp_path: Path, args: list[str]) -> None:
    one_line_error(run(*args, cwd=tmp_path))
    assert not (tmp_path / "o.jsonl").exists()


def _bad_instances(tmp_path: Path, text: str | None) -> str:
    path = tmp_path / "inst.jsonl"
    if text is not None:
        path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    "case",
    [
        ("instances-missing", lambda p: ["--instances", _bad_instances(p, None)]),
        (
            "instances-not-json",
            lambda p: ["--instances", _bad_instances(p, '{"braid": {"strands": 2, "word": [1]}}\n{no\n')],
        ),
        (
            "instances-bad-braid",
            lambda p: ["--instances", _bad_instances(p, '{"braid": {"strands": 2, "word": [5]}}\n')],
        ),
        ("knot-unknown", lambda p: ["--knot", "NOTAKNOT"]),
        ("budget-zero", lambda p: ["--suite", "unknot-random-L10", "--budget-s", "0"]),
        (
            "out-folder-missing",
            lambda p: ["--suite", "unknot-random-L10", "--limit", "1", "--out", str(p / "missing" / "o.jsonl")],
        ),
        ("out-is-a-folder", lambda p: ["--suite", "unknot-random-L10", "--limit", "1", "--out", str(p)]),
        ("out-not-writable", lambda p: ["--suite", "unknot-random-L10", "--limit", "1", "--out", "/proc/o.jsonl"]),
    ],
    ids=lambda c: c[0],
)
def test_solve_bad_input(tmp_path: Path, case: Any) -> None:
    extra = case[1](tmp_path)
    out = [] if "--out" in extra else ["--out", str(tmp_path / "o.jsonl")]
    one_line_error(run("solve", "UnKnot-v0", *extra, "--agent", "greedy", *out))
    assert not (tmp_path / "o.jsonl").exists()
    assert not (tmp_path / "missing").exists()


# -- bench ----------------------------------------------------------------------------


def test_bench_lists_benchmarks() -> None:
    folder = ROOT / "benchmarks"
    proc = run("bench")
    if not folder.is_dir():
        line = one_line_error(proc)
        assert "benchmarks" in line
        return
    assert proc.returncode == 0, proc.stderr
    shipped = sorted(p.stem for p in folder.glob("*.py") if not p.name.startswith("_"))
    rows = [line.split(maxsplit=1) for line in proc.stdout.splitlines() if line.strip()]
    assert [row[0] for row in rows] == shipped
    assert all(len(row) == 2 for row in rows), "every benchmark has a one-line description"


def test_bench_with_a_benchmarks_folder(tmp_path: Path) -> None:
    (tmp_path / "hello.py").write_text(
        "import json, sys\nprint(json.dumps({'bench': 'hello', 'args': sys.argv[1:]}))\n"
    )
    (tmp_path / "_helper.py").write_text("")
    env = {"RIGORGYM_BENCHMARKS": str(tmp_path)}
    listed = run("bench", env=env)
    assert listed.returncode == 0 and listed.stdout.split() == ["hello"]
    ran = run("bench", "hello", "--quick", env=env, process=True)  # the benchmark's own stdout
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {"bench": "hello", "args": ["--quick"]}
    line = one_line_error(run("bench", "nope", env=env))
    assert "nope" in line


def test_bench_without_a_benchmarks_folder(tmp_path: Path) -> None:
    line = one_line_error(run("bench", env={"RIGORGYM_BENCHMARKS": str(tmp_path / "missing")}))
    assert "benchmarks" in line


def test_verify_reads_stdin(tmp_path: Path) -> None:
    cert = {
        "format": "rigorgym-certificate/1",
        "env": "UnKnot-v0",
        "claim": "unknot",
        "instance": {"braid": {"strands": 2, "word": [1]}},
        "moves": [{"op": "destabilize"}],
    }
    done = subprocess.run(
        [sys.executable, "-m", "rigorgym", "verify", "-", "--json"],
        input=json.dumps(cert) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout.strip())
    assert verdict["valid"] is True and verdict["where"] == "<stdin>"


# -- train, evaluate, solve --agent DIR (the training runs themselves: tests/test_training.py) ------------


@pytest.mark.parametrize("sub", ["train", "evaluate"])
def test_training_commands_have_an_example(sub: str) -> None:
    proc = run(sub, "--help")
    assert proc.returncode == 0
    assert "example" in proc.stdout.lower() and f"rigorgym {sub} " in proc.stdout


def test_solve_agent_folder_that_is_not_an_agent(tmp_path: Path) -> None:
    line = one_line_error(
        run("solve", "UnKnot-v0", "--knot", "3_1", "--agent", str(tmp_path), "--out", str(tmp_path / "o.jsonl"))
    )
    assert "agent.json" in line


def test_evaluate_bad_input(tmp_path: Path) -> None:
    line = one_line_error(run("evaluate", "UnKnot-v0", "--agent", "nobody", "--suite", "unknot-random-L10"))
    assert "nobody" in line
    line = one_line_error(run("evaluate", "UnKnot-v0", "--agent", "greedy", "--suite", "ribbon-knotinfo-12"))
    assert "ribbon-knotinfo-12" in line


def test_evaluate_baseline_json() -> None:
    proc = run(
        "evaluate", "UnKnot-v0", "--agent", "greedy", "--suite", "unknot-random-L10", "--limit", "2",
        "--budget-s", "1", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["instances"] == 2 and summary["solved"] == round(2 * summary["solved_fraction"])


# `train --backend rllib --address` of an unreachable cluster: tests/test_training.py::test_cli_train_bad_input
