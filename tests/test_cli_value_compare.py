"""``rigorgym train --algo guided-value`` and ``rigorgym evaluate --compare``: the two protocols behind the CLI.

The value net trained from the command line is a folder that ``--agent DIR`` plays as ``guided`` (its
certificates verify), and ``--compare`` runs several agents on the same instances, counting only the
certificates the kernel accepts. User mistakes: one line, exit 2, nothing written. In-process and tiny
(a 4-diagram training set, 3 instances), so the file stays fast.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from rigorgym.agents.base import Budget, SolveResult, as_budget
from rigorgym.agents.greedy import GreedySearch
from rigorgym.agents.registry import AGENTS
from rigorgym.verifiers import verify

from rigorgym.cli import main
from tests.cli_support import bad_input, ok

SUITE = ("--suite", "unknot-random-L10", "--limit", "3")
#: A tiny, deterministic training run: the expansion cap binds long before the clock.
TINY = ("--set", "diagrams=4", "--set", "per_size=0", "--set", "rounds=0", "--set", "epochs=1",
        "--set", "budget_s=30", "--set", "max_expansions=300")  # fmt: skip


@pytest.fixture(scope="module")
def value_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """One value net trained by the CLI for the whole file: (folder, stdout, stderr)."""
    out = tmp_path_factory.mktemp("value") / "net"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        assert main(["train", "UnKnot-v0", "--algo", "guided-value", "--seed", "3", *TINY, "--out", str(out)]) == 0
    return out, stdout.getvalue(), stderr.getvalue()


# -- train --algo guided-value ---------------------------------------------------------------------


def test_train_guided_value_writes_a_folder_of_kind_unknot_value(value_dir: tuple[Path, str, str]) -> None:
    out, stdout, stderr = value_dir
    assert stdout.splitlines()[-1] == str(out)  # the last line printed is the folder, as for every algo
    assert stdout.startswith("trained guided-value on UnKnot-v0: 4 instances")
    assert sorted(p.name for p in out.iterdir()) == ["card.json", "value.pt"]
    card = json.loads((out / "card.json").read_text())
    assert card["kind"] == "unknot-value" and card["env_id"] == "UnKnot-v0"
    assert card["args"] == {"diagrams": 4, "per_size": 0, "rounds": 0, "budget_s": 30, "max_expansions": 300,
                            "epochs": 1, "seed": 3}  # fmt: skip
    assert card["command"].startswith("rigorgym train UnKnot-v0 --algo guided-value --seed 3")
    assert card["rounds"][0]["solved"] >= 1 and card["rounds"][0]["choices"] >= 1
    records = [json.loads(line) for line in stderr.splitlines()]  # progress: the records, as JSON lines
    assert [r["phase"] for r in records] == ["data", "solve", "train", "done"]


def test_solve_with_the_trained_folder_plays_guided_and_verifies(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, value_dir: tuple[Path, str, str]
) -> None:
    folder = value_dir[0]
    certs = tmp_path / "c.jsonl"
    stdout, _ = ok(capsys, "solve", "UnKnot-v0", *SUITE, "--agent", str(folder), "--max-expansions", "2000",
                   "--out", str(certs))  # fmt: skip
    assert stdout.startswith("solved 3/3")
    lines = [json.loads(line) for line in certs.read_text().splitlines()]
    assert len(lines) == 3 and all(verify(c).valid for c in lines)
    assert {c["meta"]["agent"] for c in lines} == {str(folder)}

    from rigorgym.agents.registry import make_agent
    from rigorgym.agents.unknot_search import GuidedSearch

    agent = make_agent(str(folder))
    assert isinstance(agent, GuidedSearch) and agent.weights == str(folder)
    # guided honours expansions, not env steps: the folder says so as guided would
    assert "cannot honour --max-steps" in bad_input(
        capsys, "solve", "UnKnot-v0", *SUITE, "--agent", str(folder), "--max-steps", "10", "--out", str(tmp_path / "x")
    )
    assert not (tmp_path / "x").exists()


def test_a_value_folder_does_not_play_other_games(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, value_dir: tuple[Path, str, str]
) -> None:
    out = tmp_path / "c.jsonl"
    line = bad_input(capsys, "solve", "Kirby-Plumbing-v0", "--suite", "plumbing-small-6", "--agent",
                     str(value_dir[0]), "--out", str(out))  # fmt: skip
    assert "value net of guided" in line and "Kirby-Plumbing-v0" in line
    assert not out.exists()


@pytest.mark.parametrize(
    ("weights", "expected"), [(b"not a torch file", "cannot load value-net weights"), (None, "no value-net weights")]
)
def test_a_value_folder_whose_weights_do_not_load_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, weights: bytes | None, expected: str
) -> None:
    folder = tmp_path / "net"
    folder.mkdir()
    (folder / "card.json").write_text(json.dumps({"kind": "unknot-value", "env_id": "UnKnot-v0"}))
    if weights is not None:
        (folder / "value.pt").write_bytes(weights)
    out = tmp_path / "c.jsonl"
    assert expected in bad_input(
        capsys, "solve", "UnKnot-v0", "--pd", "[[1,1,2,2]]", "--agent", str(folder), "--out", str(out)
    )
    assert not out.exists() and not (tmp_path / "c.jsonl.partial").exists()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (("--set", "no_such=1"), "guided-value has no option 'no_such'; its options: diagrams, per_size"),
        (("--set", "seed=1"), "the seed is --seed"),
        (("--set", "diagrams=1.5"), "diagrams=1.5: guided-value takes int for diagrams"),
        (("--set", "budget_s=fast"), 'budget_s="fast": guided-value takes float'),
        (("--set", "budget_s=NaN"), "budget_s must be a finite number"),
        (("--set", "epochs=0"), "epochs must be >= 1"),
        (("--set", "rounds=-1"), "rounds must be >= 0"),
        (("--set", "diagrams=0", "--set", "per_size=0"), "no training instances"),
        (("--set", "diagrams"), "--set takes KEY=VALUE"),
        (("--policy", "gnn"), "--policy does not apply to --algo guided-value"),
        (("--steps", "100"), "--steps does not apply"),
        (("--threads", "2"), "--threads does not apply"),
        (("--backend", "rllib"), "--backend rllib does not apply"),
        (("--seed", "-1"), "--seed must be >= 0"),
    ],
)
def test_train_guided_value_bad_input_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: tuple[str, ...], expected: str
) -> None:
    out = tmp_path / "net"
    assert expected in bad_input(capsys, "train", "UnKnot-v0", "--algo", "guided-value", *extra, "--out", str(out))
    assert not out.exists() and not list(tmp_path.iterdir())


@pytest.mark.parametrize("env", ["Kirby-Plumbing-v0", "Ribbon-v0", "NNFieldTheory-v0", "NoSuch-v0"])
def test_train_guided_value_takes_unknot_envs_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, env: str
) -> None:
    out = tmp_path / "net"
    line = bad_input(capsys, "train", env, "--algo", "guided-value", "--out", str(out))
    assert ("is for UnKnot envs" in line) if env != "NoSuch-v0" else ("unknown env" in line)
    assert not out.exists()


def test_train_guided_value_refuses_a_non_empty_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine\n")
    assert "exists and is not empty" in bad_input(capsys, "train", "UnKnot-Easy-v0", "--algo", "guided-value",
                                                  "--out", str(tmp_path))  # fmt: skip
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_the_rl_algorithms_still_need_policy_and_steps(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "agent"
    assert "--algo ppo needs --policy and --steps" in bad_input(capsys, "train", "UnKnot-v0", "--algo", "ppo",
                                                                "--out", str(out))  # fmt: skip
    assert "--algo dqn needs --steps" in bad_input(capsys, "train", "UnKnot-v0", "--algo", "dqn", "--policy", "mlp",
                                                   "--out", str(out))  # fmt: skip
    assert not out.exists()


# -- evaluate --compare ------------------------------------------------------------------------------


@dataclass
class Liar:
    """Greedy's certificate with its last move cut off: a claim the kernel must refuse."""

    name: str = "liar"
    LIMITS: ClassVar[tuple[str, ...]] = ("max_expansions",)

    def solve(self, env: Any, instance: Any, budget_s: Budget | float, seed: int) -> SolveResult:
        result = GreedySearch().solve(env, instance, as_budget(budget_s), seed)
        assert result.certificate is not None
        result.certificate["moves"] = result.certificate["moves"][:-1]
        return result


def _table(stdout: str) -> dict[str, list[str]]:
    """The compare table's rows by agent (the header line and the budget line left out)."""
    lines = stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:3] == ["agent", "solved", "verified"])
    return {line.split()[0]: line.split()[1:] for line in lines[header + 1 :] if not line.startswith("->")}


def test_compare_runs_every_agent_on_the_same_instances_and_counts_verified(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    value_dir: tuple[Path, str, str],
) -> None:
    monkeypatch.setitem(AGENTS, "liar", (Liar, "returns invalid certificates", ("UnKnot-v0",)))
    folder = str(value_dir[0])
    rows_file = tmp_path / "rows.jsonl"
    stdout, _ = ok(capsys, "evaluate", "UnKnot-v0", *SUITE, "--compare", f"guided,greedy,{folder},liar",
                   "--max-expansions", "2000", "--budget-s", "60", "--seed", "5", "--out", str(rows_file))  # fmt: skip
    assert "UnKnot-v0 unknot-random-L10: 3 instances, budget 60s per instance, --max-expansions 2000, seed 5" in stdout
    table = _table(stdout)
    assert list(table) == ["guided", "greedy", folder, "liar"]
    for agent in ("guided", "greedy", folder):
        assert table[agent][:2] == ["3/3", "3/3"]
    assert table["liar"][:2] == ["0/3", "0/3"] and table["liar"][-1] == "-"  # claimed 3, none verified, no moves
    rows = [json.loads(line) for line in rows_file.read_text().splitlines()]
    assert [r["agent"] for r in rows] == ["guided", "greedy", folder, "liar"]
    for r in rows:
        assert (r["env"], r["suite"], r["seed"], r["instances"], r["max_expansions"]) == (
            "UnKnot-v0", "unknot-random-L10", 5, 3, 2000)  # fmt: skip
        assert [p["id"] for p in r["per_instance"]] == [f"unknot-random-L10/00{k}" for k in range(3)]
    liar = rows[-1]
    assert (liar["claimed"], liar["solved"]) == (3, 0)
    assert not (tmp_path / "rows.jsonl.partial").exists()


def test_compare_at_a_wall_clock_budget_json(capsys: pytest.CaptureFixture[str]) -> None:
    stdout, _ = ok(capsys, "evaluate", "UnKnot-Easy-v0", *SUITE, "--compare", "greedy,random", "--budget-s", "0.05",
                   "--json")  # fmt: skip
    rows = [json.loads(line) for line in stdout.splitlines()]
    assert [(r["agent"], r["env"], r["instances"], r["budget_s"]) for r in rows] == [
        ("greedy", "UnKnot-Easy-v0", 3, 0.05), ("random", "UnKnot-Easy-v0", 3, 0.05)]  # fmt: skip
    assert rows[0]["solved"] == 3 and "max_expansions" not in rows[0] and "per_instance" not in rows[0]
    assert all(r["solved"] <= r["claimed"] <= 3 and math.isfinite(r["mean_seconds_all"]) for r in rows)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (("--compare", "guided,nosuch"), "unknown agent 'nosuch'"),
        (("--compare", ""), "comma-separated list of agents"),
        (("--compare", ",,"), "comma-separated list of agents"),
        (("--compare", "guided,,greedy"), "empty agent name"),
        (("--compare", "greedy,guided,greedy"), "agent greedy appears twice"),
        (("--compare", "pretrained,unknot-value-expert"), "names one agent twice: pretrained and unknot-value-expert"),
        (("--compare", "greedy,normal-form"), "agent normal-form does not play UnKnot-v0"),
        (("--compare", "greedy", "--agent", "random"), "--compare and --agent exclude each other"),
        (("--compare", "greedy", "--restarts", "4"), "--compare and --restarts exclude each other"),
        (("--compare", "greedy,random", "--max-expansions", "10"), "agent random cannot honour --max-expansions"),
        (("--compare", "greedy", "--jobs", "0"), "--jobs must be >= 1"),
        (("--compare", "greedy", "--budget-s", "inf"), "--budget-s must be a finite number"),
        (("--compare", "greedy", "--force"), "--force goes with --out"),
        ((), "evaluate needs --agent A (one agent) or --compare"),
        (("--agent", "greedy", "--jobs", "2"), "--jobs goes with --compare"),
    ],
)
def test_compare_bad_input_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: tuple[str, ...], expected: str
) -> None:
    out = tmp_path / "rows.jsonl"
    argv = ["evaluate", "UnKnot-v0", *SUITE, *extra]
    if "--compare" in extra and "--force" not in extra:
        argv += ["--out", str(out)]
    assert expected in bad_input(capsys, *argv)
    assert not list(tmp_path.iterdir())


def test_compare_is_for_unknot_envs(capsys: pytest.CaptureFixture[str]) -> None:
    line = bad_input(capsys, "evaluate", "Kirby-Plumbing-v0", "--suite", "plumbing-small-6", "--compare",
                     "normal-form,random")  # fmt: skip
    assert "--compare is for UnKnot envs" in line


def test_compare_refuses_an_existing_out_without_force(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "rows.jsonl"
    out.write_text("keep me\n")
    argv = ["evaluate", "UnKnot-v0", "--suite", "unknot-random-L10", "--limit", "1", "--compare", "greedy",
            "--max-expansions", "500", "--budget-s", "60", "--out", str(out)]  # fmt: skip
    assert "add --force" in bad_input(capsys, *argv)
    assert out.read_text() == "keep me\n"
    ok(capsys, *argv, "--force")
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert (row["agent"], row["solved"], row["claimed"]) == ("greedy", 1, 1)
