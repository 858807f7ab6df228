"""Smoke runs of `rigorgym solve` / `rigorgym verify` on Kirby-Plumbing-v0 (docs/design.md §7), in-process."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from rigorgym.envs.suites import load_suite
from rigorgym.verifiers import verify

from tests.cli_support import run_cli

# -2 against (-3 with a -1 leaf): homeomorphic by one blow-down
PAIR = {
    "graphs": [{"nodes": [[0, -2]], "edges": []}, {"nodes": [[0, -3], [1, -1]], "edges": [[0, 1]]}],
    "id": "hand/blowup",
}
# L(5,1) against L(3,1): H_1 = Z/5 and Z/3
DISTINCT = {"graphs": [{"nodes": [[4, -5]], "edges": []}, {"nodes": [[0, -3]], "edges": []}], "id": "hand/distinct"}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=cwd)  # in-process (the process itself: tests/test_cli.py)


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    """Exit 2 with exactly one line on stderr."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def solve(tmp_path: Path, *source: str, out: str = "certs.jsonl") -> subprocess.CompletedProcess:
    return run("solve", "Kirby-Plumbing-v0", *source, "--agent", "normal-form", "--out", str(tmp_path / out))


def test_solve_suite_then_verify(tmp_path: Path) -> None:
    proc = solve(tmp_path, "--suite", "plumbing-small-6", "--limit", "3")
    assert proc.returncode == 0, proc.stderr
    assert "solved 3/3" in proc.stdout
    out = tmp_path / "certs.jsonl"
    certs = read_jsonl(out)
    suite = load_suite("plumbing-small-6").instances[:3]
    assert len(certs) == 3
    for cert, raw in zip(certs, suite, strict=True):
        assert cert["env"] == "Kirby-Plumbing-v0" and cert["claim"] == "homeomorphic"
        assert cert["instance"] == {"graphs": raw["graphs"]}
        assert cert["meta"]["instance_id"] == raw["id"] and cert["meta"]["agent"] == "normal-form"
        assert verify(cert).valid
    assert not (tmp_path / "certs.jsonl.partial").exists()

    proc = run("verify", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("VALID") == 3 and "INVALID" not in proc.stdout

    proc = run("verify", "--json", str(out))
    assert proc.returncode == 0
    verdicts = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [v["valid"] for v in verdicts] == [True] * 3
    assert [v["moves_checked"] for v in verdicts] == [len(c["moves"]) for c in certs]

    # one move dropped: a well-formed certificate that fails, exit 1
    certs[1]["moves"] = certs[1]["moves"][:-1]
    bad = tmp_path / "tampered.jsonl"
    bad.write_text("".join(json.dumps(c) + "\n" for c in certs))
    proc = run("verify", "--json", str(bad))
    assert proc.returncode == 1
    assert [json.loads(line)["valid"] for line in proc.stdout.splitlines()] == [True, False, True]

    # a malformed one (the instance is not a forest): exit 2
    certs[1]["instance"]["graphs"][0]["edges"].append([0, 0])
    bad.write_text(json.dumps(certs[1]) + "\n")
    proc = run("verify", "--json", str(bad))
    assert proc.returncode == 2
    assert json.loads(proc.stdout.splitlines()[0])["malformed"] is True


def test_solve_hand_made_instances(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps(PAIR) + "\n\n" + json.dumps(DISTINCT) + "\n")
    proc = solve(tmp_path, "--instances", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "solved 2/2" in proc.stdout
    first, second = read_jsonl(tmp_path / "certs.jsonl")
    assert first["claim"] == "homeomorphic" and first["meta"]["instance_id"] == "hand/blowup"
    assert first["instance"] == {"graphs": PAIR["graphs"]}  # verbatim, without the id
    assert first["moves"] == [{"op": "blowdown", "v": 1, "graph": 1}]
    assert second["claim"] == "distinct" and second["meta"]["instance_id"] == "hand/distinct"
    assert second["instance"] == {"graphs": DISTINCT["graphs"]}
    proc = run("verify", str(tmp_path / "certs.jsonl"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Z/5" in proc.stdout and "Z/3" in proc.stdout


BAD_INSTANCES = {
    "cycle": {"graphs": [{"nodes": [[0, 1], [1, 1], [2, 1]], "edges": [[0, 1], [1, 2], [2, 0]]}, PAIR["graphs"][0]]},
    "loop": {"graphs": [{"nodes": [[0, 1]], "edges": [[0, 0]]}, PAIR["graphs"][0]]},
    "one-graph": {"graphs": [PAIR["graphs"][0]]},
    "braid": {"braid": {"strands": 3, "word": [1, -2]}},
    "bool-weight": {"graphs": [{"nodes": [[0, True]], "edges": []}, PAIR["graphs"][0]]},
    "unknown-field": {**PAIR, "name": "x"},
    "id-not-a-string": {**PAIR, "id": 7},
}


GRAPH_SHAPE_ERRORS = {
    # a graph without "edges" must be a one-line error, not a KeyError traceback
    "no-edges": {"graphs": [{"nodes": [[0, -2]]}, PAIR["graphs"][0]]},
    # an unknown graph field is rejected as the kernel rejects it, not silently dropped
    "unknown-graph-field": {"graphs": [{"nodes": [[0, -2]], "edges": [], "genus": [1]}, PAIR["graphs"][0]]},
}
BAD_INSTANCES.update(GRAPH_SHAPE_ERRORS)


@pytest.mark.parametrize(
    "kind",
    sorted(BAD_INSTANCES),
)
def test_solve_bad_instance_file_exits_2(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(PAIR) + "\n" + json.dumps(BAD_INSTANCES[kind]) + "\n")
    proc = solve(tmp_path, "--instances", str(path))
    line = one_line_error(proc)
    assert line.startswith("rigorgym: error:"), line
    assert not (tmp_path / "certs.jsonl").exists()


def test_solve_unreadable_instance_files_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("{not json\n")
    one_line_error(solve(tmp_path, "--instances", str(path)))
    one_line_error(solve(tmp_path, "--instances", str(tmp_path / "missing.jsonl")))
    assert not (tmp_path / "certs.jsonl").exists()


def test_solve_knot_with_kirby_exits_2(tmp_path: Path) -> None:
    line = one_line_error(solve(tmp_path, "--knot", "4_1"))
    assert "Kirby-Plumbing-v0" in line
    assert not (tmp_path / "certs.jsonl").exists()


def test_suite_of_the_wrong_env_exits_2(tmp_path: Path) -> None:
    line = one_line_error(solve(tmp_path, "--suite", "unknot-random-L20"))
    assert "unknot-random-L20" in line
    line = one_line_error(
        run(
            "solve", "UnKnot-v0", "--suite", "plumbing-small-6", "--agent", "greedy", "--out", str(tmp_path / "u.jsonl")
        )
    )
    assert "plumbing-small-6" in line
    one_line_error(solve(tmp_path, "--suite", "plumbing-no-such-suite"))
    assert not (tmp_path / "certs.jsonl").exists() and not (tmp_path / "u.jsonl").exists()
