"""Command-line edges (issue #18): a user mistake is one line on stderr, exit 2, nothing written.

Also the deterministic budgets (``--max-steps``, ``--max-expansions``): with one of them binding and a
fixed seed, two runs write the same certificates. Most tests call ``rigorgym.cli.main`` in-process.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from rigorgym.envs.unknot.generator import InstanceListGenerator
from rigorgym.envs.unknot.types import BraidInstance
from rigorgym.verifiers import verify

import rigorgym  # noqa: F401  (registers the envs)
from rigorgym.cli import build_parser, main
from tests.cli_support import bad_input, ok

SUITE = ("--suite", "unknot-random-L10")
TRAIN = ("train", "UnKnot-Easy-v0", "--algo", "ppo", "--policy", "mlp", "--steps", "8", "--no-progress")


def solve(out: Path, *extra: str, agent: str = "greedy", env: str = "UnKnot-v0") -> list[str]:
    return ["solve", env, *extra, "--agent", agent, "--out", str(out)]


# -- 1. seeds --------------------------------------------------------------------------------------


def test_negative_seed_solve(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    assert "--seed must be >= 0" in bad_input(capsys, *solve(out, *SUITE, "--seed", "-5"))
    assert not out.exists() and not list(tmp_path.iterdir())


def test_negative_seed_train(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "agent"
    assert "--seed must be >= 0" in bad_input(capsys, *TRAIN, "--seed", "-1", "--out", str(out))
    assert not out.exists()


# -- 2. --set --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("learning_rate=abc", "learning_rate"),
        ("n_steps=1.5", "n_steps"),
        ('hidden=[64,"x"]', "hidden"),
        ("no_such_option=1", "no option 'no_such_option'"),
    ],
)
def test_train_set_is_checked_before_the_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, setting: str, expected: str
) -> None:
    out = tmp_path / "agent"
    assert expected in bad_input(capsys, *TRAIN, "--set", setting, "--out", str(out))
    assert not out.exists()


def test_train_set_of_the_right_type_passes_the_check(tmp_path: Path) -> None:
    from rigorgym.agents.algos import ppo

    from rigorgym.cli import _check_option_types

    _check_option_types(ppo.Args, {"learning_rate": 1, "hidden": [8, 8], "env_kwargs": {}, "progress": False}, "ppo")


# -- 3. --limit and nothing solved ----------------------------------------------------------------


@pytest.mark.parametrize("command", ["solve", "evaluate"])
@pytest.mark.parametrize("limit", ["0", "-1"])
def test_limit_must_be_positive(capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, limit: str) -> None:
    out = tmp_path / "c.jsonl"
    argv = solve(out, *SUITE, "--limit", limit) if command == "solve" else [
        "evaluate", "UnKnot-v0", "--agent", "greedy", *SUITE, "--limit", limit
    ]  # fmt: skip
    assert "--limit must be >= 1" in bad_input(capsys, *argv)
    assert not list(tmp_path.iterdir())


def test_nothing_solved_prints_no_nan_and_verifies(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """4_1 is not the unknot: nothing is solved, the file is empty, and `verify` calls that 0/0 (exit 0)."""
    out = tmp_path / "c.jsonl"
    stdout, _ = ok(capsys, *solve(out, "--knot", "4_1", "--max-expansions", "50"))
    assert "solved 0/1" in stdout and "median moves -" in stdout and "nan" not in stdout
    assert out.read_text() == ""
    stdout, stderr = ok(capsys, "verify", str(out))
    assert stdout == "" and stderr.strip() == "0/0 certificates valid"
    ok(capsys, "verify", "--json", str(out))


def test_verify_stays_strict_on_garbage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "garbage.jsonl"
    path.write_text("\n  not json\n")
    assert main(["verify", str(path)]) == 2  # verify checks every file, then exits 2 (and prints its summary)
    assert "not valid JSON" in capsys.readouterr().err


# -- 4. budgets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["solve", "evaluate"])
@pytest.mark.parametrize("budget", ["nan", "inf", "-inf", "0", "-1"])
def test_budget_must_be_finite_and_positive(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, budget: str
) -> None:
    out = tmp_path / "c.jsonl"
    base = solve(out, *SUITE, agent="random") if command == "solve" else [
        "evaluate", "UnKnot-v0", "--agent", "random", *SUITE
    ]  # fmt: skip
    assert "--budget-s must be a finite number of seconds > 0" in bad_input(capsys, *base, f"--budget-s={budget}")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("flag", ["--max-steps", "--max-expansions"])
def test_count_limits_must_be_positive(capsys: pytest.CaptureFixture[str], tmp_path: Path, flag: str) -> None:
    assert f"{flag} must be >= 1" in bad_input(capsys, *solve(tmp_path / "c.jsonl", *SUITE, f"{flag}=0"))
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("agent", "env", "flag"),
    [
        ("random", "UnKnot-v0", "--max-expansions"),
        ("greedy", "UnKnot-v0", "--max-steps"),
        ("guided", "UnKnot-v0", "--max-steps"),
        ("normal-form", "Kirby-Plumbing-v0", "--max-expansions"),
        ("best-first", "Ribbon-v0", "--max-steps"),
        ("bo-walker", "Ribbon-v0", "--max-expansions"),
        ("unknot-ppo-mlp", "UnKnot-v0", "--max-expansions"),
    ],
)
def test_a_limit_the_agent_cannot_honour_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, agent: str, env: str, flag: str
) -> None:
    out = tmp_path / "c.jsonl"
    line = bad_input(capsys, *solve(out, "--instances", str(tmp_path / "unused"), flag, "10", agent=agent, env=env))
    assert f"cannot honour {flag}" in line
    assert not list(tmp_path.iterdir())


# -- 5. --threads for every algorithm --------------------------------------------------------------


def test_a3c_takes_threads(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "agent"
    argv = [
        "train", "UnKnot-Easy-v0", "--algo", "a3c", "--policy", "mlp", "--steps", "20", "--workers", "0",
        "--threads", "1", "--hidden", "8", "--no-progress", "--out", str(out),
    ]  # fmt: skip
    stdout, _ = ok(capsys, *argv)
    assert stdout.strip().splitlines()[-1] == str(out)
    assert (out / "agent.json").is_file()


def test_negative_threads_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "agent"
    assert "--threads must be >= 0" in bad_input(capsys, *TRAIN, "--threads", "-2", "--out", str(out))
    assert not out.exists()


# -- 6. RLlib steps below one batch ----------------------------------------------------------------


def test_rllib_steps_below_one_batch_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("ray")
    out = tmp_path / "agent"
    line = bad_input(
        capsys, "train", "UnKnot-v0", "--backend", "rllib", "--algo", "ppo", "--policy", "mlp", "--steps", "100",
        "--out", str(out),
    )  # fmt: skip
    assert "--steps 100 is less than one RLlib ppo training batch of 2000" in line
    assert not out.exists()


# -- 7. --out exists -------------------------------------------------------------------------------


def test_existing_out_needs_force(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    out.write_text("keep me\n")
    assert "add --force" in bad_input(capsys, *solve(out, "--pd", "[[1,1,2,2]]"))
    assert out.read_text() == "keep me\n" and not (tmp_path / "c.jsonl.partial").exists()
    stdout, _ = ok(capsys, *solve(out, "--pd", "[[1,1,2,2]]", "--force"))
    assert "solved 1/1" in stdout
    assert verify(json.loads(out.read_text())).valid


# -- 9. the vector env's info["certificate"] against SyncVectorEnv's ---------------------------------


def test_vector_certificate_info_shapes() -> None:
    """UnKnotVectorEnv: an object array of whole certificates; SyncVectorEnv: a nested dict of arrays."""
    inst = BraidInstance(2, (1,))
    kwargs = {"num_envs": 2, "generator": InstanceListGenerator((inst,))}
    vec = gym.make_vec("UnKnot-v0", vectorization_mode="vector_entry_point", **kwargs)
    sync = gym.make_vec("UnKnot-v0", vectorization_mode="sync", **kwargs)
    action = vec.unwrapped.layout.from_move({"op": "destabilize"})
    infos = []
    for env in (vec, sync):
        env.reset(seed=0)
        _, _, terminated, _, info = env.step(np.array([action, action]))
        assert terminated.all() and info["_certificate"].all()
        infos.append(info["certificate"])
    ours, theirs = infos
    assert isinstance(ours, np.ndarray) and ours.dtype == object and ours.shape == (2,)
    assert all(verify(ours[i]).valid and ours[i]["meta"]["seed"] == i for i in range(2))
    assert isinstance(theirs, dict) and set(theirs) >= {"format", "claim", "instance", "moves", "meta", "_moves"}
    assert list(theirs["moves"][1]) == ours[1]["moves"] == [{"op": "destabilize"}]
    assert theirs["instance"]["braid"]["strands"].tolist() == [2, 2]
    assert theirs["meta"]["seed"].tolist() == [0, 1]


# -- 10. deterministic budgets ---------------------------------------------------------------------

EASY = ((2, [1]), (2, [-1, -1, 1]), (3, [1, 2]), (3, [1, -2]))


def _certificates(capsys: pytest.CaptureFixture[str], out: Path, argv: list[str]) -> list[dict[str, Any]]:
    ok(capsys, *argv, "--force")
    return [json.loads(line) for line in out.read_text().splitlines()]


@pytest.mark.parametrize(
    ("env", "agent", "source", "limit"),
    [
        ("UnKnot-v0", "random", ("--instances", "EASY"), ("--max-steps", "1500")),
        ("UnKnot-v0", "greedy", ("--suite", "unknot-random-L20", "--limit", "4"), ("--max-expansions", "200")),
        ("UnKnot-v0", "guided", ("--suite", "unknot-words-n3-L20", "--limit", "3"), ("--max-expansions", "300")),
        ("Kirby-Plumbing-v0", "normal-form", ("--suite", "plumbing-small-6", "--limit", "6"), ("--max-steps", "40")),
    ],
)
def test_deterministic_budget_repeats(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, env: str, agent: str, source: tuple, limit: tuple
) -> None:
    out = tmp_path / "c.jsonl"
    easy = tmp_path / "easy.jsonl"  # braids of the unknot a few moves from trivial
    easy.write_text("".join(json.dumps({"braid": {"strands": n, "word": w}}) + "\n" for n, w in EASY))
    source = tuple(str(easy) if a == "EASY" else a for a in source)
    argv = solve(out, *source, *limit, "--seed", "3", "--budget-s", "60", agent=agent, env=env)
    first = _certificates(capsys, out, argv)
    second = _certificates(capsys, out, argv)
    assert first == second
    assert first, "the budget is large enough to solve some"
    assert all(verify(c).valid for c in first)


def test_pretrained_plumbing_agent_repeats_under_max_steps(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The shipped plumbing agent (sampled restarts after a greedy episode) under a step budget."""
    out = tmp_path / "c.jsonl"
    argv = solve(
        out, "--suite", "plumbing-ri-putrov-10", "--limit", "2", "--max-steps", "150", "--budget-s", "60",
        agent="plumbing-ppo-gnn", env="Kirby-Plumbing-v0",
    )  # fmt: skip
    first = _certificates(capsys, out, argv)
    assert first == _certificates(capsys, out, argv)
    assert all(verify(c).valid for c in first)


def test_max_steps_caps_the_random_walk() -> None:
    from rigorgym.agents.base import Budget
    from rigorgym.agents.random_walk import RandomWalker
    from rigorgym.agents.runner import make_env_for

    inst = BraidInstance(4, (1, 2, 3, -1, 2, -3, 1, 1, -2, 3))
    env = make_env_for("UnKnot-v0", [inst])
    result = RandomWalker().solve(env, inst, Budget(60.0, max_steps=37), seed=0)
    assert result.steps <= 37


def test_max_expansions_caps_greedy() -> None:
    from rigorgym.agents.greedy import best_first

    hard = BraidInstance(3, (1, 2, 1, 2, 1, 2))  # not the unknot: the search runs to its cap
    assert best_first(hard.braid, 60.0, max_expansions=5) is None


def test_evaluate_reports_the_count_limits(capsys: pytest.CaptureFixture[str]) -> None:
    stdout, _ = ok(capsys, "evaluate", "UnKnot-v0", "--agent", "greedy", *SUITE, "--limit", "2",
                   "--max-expansions", "100", "--json")  # fmt: skip
    summary = json.loads(stdout)
    assert summary["max_expansions"] == 100 and summary["max_steps"] is None and summary["instances"] == 2


# -- 11. the examples in --help run ----------------------------------------------------------------


def _epilog_examples(command: str) -> list[list[str]]:
    """The example command lines of a sub-command's --help (continuations joined, trailing remarks dropped)."""
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    text = sub.choices[command].epilog.replace("\\\n", " ")
    lines = [re.sub(r"^\s*examples?:", "", line) for line in text.splitlines()]
    commands = [re.sub(r"\s+\(.*\)\s*$", "", line).strip() for line in lines]
    return [shlex.split(c)[1:] for c in commands if c.startswith("rigorgym ")]


def test_solve_help_examples_succeed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    examples = [argv for argv in _epilog_examples("solve") if "runs/ppo" not in argv]  # that one needs a trained agent
    assert len(examples) >= 4
    for argv in examples:
        out = tmp_path / "example.jsonl"
        argv = [str(out) if prev == "--out" else a for prev, a in zip(["", *argv[:-1]], argv, strict=True)]
        if "--limit" not in argv and "--suite" in argv:
            argv += ["--limit", "3"]
        stdout, _ = ok(capsys, *argv, "--force")
        assert re.search(r"solved [1-9]\d*/", stdout), (argv, stdout)


def test_an_agent_that_fails_to_load_leaves_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A folder whose card reads but whose model does not load is found once the run starts: still no file."""
    from rigorgym.agents.algos.saved import AgentCard
    from rigorgym.agents.learned import shipped_agents

    folder = tmp_path / "agent"
    folder.mkdir()
    card = AgentCard.read(shipped_agents()["ribbon-maskable-ppo-gnn"])
    card.write(folder)
    (folder / card.model_file).write_bytes(b"not a zip")
    out = tmp_path / "c.jsonl"
    argv = solve(out, "--knot", "3_1", agent=str(folder), env="Ribbon-v0")
    assert "cannot load" in bad_input(capsys, *argv)
    assert not out.exists() and not (tmp_path / "c.jsonl.partial").exists()


def test_a_batched_agent_whose_model_does_not_load_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A vec_* folder with a corrupt model.pt: exit 2 naming the file, nothing written (no traceback)."""
    from rigorgym.agents.algos.saved import AgentCard
    from rigorgym.agents.learned import shipped_agents

    folder = tmp_path / "agent"
    folder.mkdir()
    card = AgentCard.read(shipped_agents()["unknot-ppo-mlp"])
    card.write(folder)
    (folder / card.model_file).write_bytes(b"not a zip")
    out = tmp_path / "c.jsonl"
    argv = solve(out, "--suite", "unknot-random-L20", "--limit", "1", agent=str(folder), env="UnKnot-v0")
    assert "cannot load model.pt" in bad_input(capsys, *argv)
    assert not out.exists() and not (tmp_path / "c.jsonl.partial").exists()
