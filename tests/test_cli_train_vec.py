"""``rigorgym train ENV --backend vec`` (issue 19): the batched trainers from the command line.

One tiny vec_ppo run (8 envs, 128 steps on a 24 x 4 UnKnot-Easy layout), then
``solve`` and ``evaluate`` with its folder; and the user mistakes, each one
line on stderr, exit 2, no folder. In-process, as tests/test_cli_edges.py.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
import torch
from rigorgym.agents.algos.saved import CARD_ALGOS, BadAgentDir
from rigorgym.agents.learned import load_policy
from rigorgym.verifiers import verify

from rigorgym.cli import main

ENV_KWARGS = '{"max_length": 24, "max_strands": 4}'
SUITE = ("--suite", "unknot-random-L10", "--limit", "2")


def vec(out: Path, *extra: str, algo: str = "ppo") -> list[str]:
    """A tiny ``train --backend vec`` command line (extra flags after the defaults)."""
    return [
        "train", "UnKnot-Easy-v0", "--backend", "vec", "--algo", algo, "--policy", "mlp",
        "--num-envs", "8", "--steps", "128", "--env-kwargs", ENV_KWARGS, "--out", str(out),
        "--set", "num_steps=16", "--set", "hidden=[32, 32]", *extra,
    ]  # fmt: skip


def bad_input(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the CLI in-process; assert exit 2 with exactly one line on stderr (no traceback); return the line."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def test_train_solve_evaluate(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "agent"
    assert main(vec(out)) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[-1] == str(out)  # the folder last
    assert lines[0].startswith("trained vec_ppo/mlp on UnKnot-Easy-v0: ") and "steps/s" in lines[0]
    assert "step " in captured.err and "SPS" in captured.err  # the progress line
    card = json.loads((out / "agent.json").read_text())
    assert card["algo"] == "vec_ppo" and card["steps"] >= 128 and card["env_kwargs"] == json.loads(ENV_KWARGS)
    assert card["algo_args"]["num_envs"] == 8 and card["algo_args"]["hidden"] == [32, 32]

    certs = tmp_path / "certs.jsonl"
    assert (
        main(["solve", "UnKnot-Easy-v0", *SUITE, "--agent", str(out), "--max-steps", "200", "--out", str(certs)]) == 0
    )
    assert "solved" in capsys.readouterr().out
    for line in certs.read_text().splitlines():
        assert verify(json.loads(line)).valid

    argv = ["evaluate", "UnKnot-Easy-v0", *SUITE, "--agent", str(out), "--attempts", "1", "--deterministic", "--json"]
    assert main(argv) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["instances"] == 2 and row["protocol"]["name"] == "pure-policy"


def test_plumbing_gnn_trains_and_solves(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Kirby-Plumbing through the batched trainers: the per-place graph network, then ``solve`` with the folder."""
    out = tmp_path / "plumbing"
    argv = ["train", "Kirby-Plumbing-Easy-v0", "--backend", "vec", "--algo", "a2c", "--policy", "gnn", "--conv", "gcn"]
    argv += ["--num-envs", "8", "--steps", "128", "--width", "8", "--depth", "1", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    card = json.loads((out / "agent.json").read_text())
    assert card["algo"] == "vec_a2c" and card["policy"] == "gnn" and card["algo_args"]["conv"] == "gcn"
    capsys.readouterr()
    certs = tmp_path / "plumbing.jsonl"
    solve = ["solve", "Kirby-Plumbing-v0", "--suite", "plumbing-small-6", "--limit", "2", "--agent", str(out)]
    assert main([*solve, "--max-steps", "50", "--out", str(certs)]) in (0, 1)  # a tiny agent may solve none
    for line in certs.read_text().splitlines():
        assert verify(json.loads(line)).valid
    factored = [*argv[:7], "factored", "--steps", "16", "--out", str(tmp_path / "never")]
    assert "the factored policy is for UnKnot envs" in bad_input(capsys, factored)
    assert not (tmp_path / "never").exists()


def test_no_progress_is_quiet(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "quiet"
    assert main(vec(out, "--no-progress", "--steps", "16", "--set", "update_epochs=1")) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--num-envs", "0"], "--num-envs must be >= 1"),
        (["--set", "nosuchkey=1"], "vec_ppo has no option 'nosuchkey'"),
        (["--set", "lr=abc"], 'lr="abc": vec_ppo takes float for lr'),
        (["--set", "seed=3"], "give it as --seed"),
        (["--address", "auto"], "--address does not apply to --backend vec"),
        (["--num-env-runners", "2"], "--num-env-runners does not apply to --backend vec"),
        (["--n-envs", "2"], "use --num-envs"),
        (["--env-kwargs", '{"nope": 1}'], "--env-kwargs for UnKnot-Easy-v0"),
        (["--policy", "gnn"], "the gnn policy of the batched trainers is for Kirby-Plumbing envs"),
        (["--resume", "nowhere"], "not a vec_ppo checkpoint folder"),
    ],
)
def test_bad_vec_input(capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: list[str], message: str) -> None:
    out = tmp_path / "agent"
    assert message in bad_input(capsys, vec(out, *extra))
    assert not out.exists()


def test_unknown_and_unwritten_algos(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "agent"
    assert "invalid choice" in bad_input(capsys, vec(out, algo="nosuch"))
    assert "has no batched trainer" in bad_input(capsys, vec(out, algo="appo"))
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name.endswith("vec_dqn") else real(name, *a)
    )
    assert "not available" in bad_input(capsys, vec(out, algo="dqn"))
    assert not out.exists()


def test_vec_flags_on_other_backends(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "agent"
    sb3 = ["train", "UnKnot-Easy-v0", "--algo", "ppo", "--policy", "mlp", "--steps", "8", "--out", str(out)]
    assert "--num-envs is for --backend vec" in bad_input(capsys, [*sb3, "--num-envs", "4"])
    assert "--device is for --backend vec" in bad_input(capsys, [*sb3, "--device", "cpu"])
    assert "needs --backend vec" in bad_input(capsys, [*sb3[:2], "--algo", "a2c", *sb3[4:]])
    assert not out.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is here")
def test_cuda_without_gpu(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "agent"
    assert "no CUDA GPU" in bad_input(capsys, vec(out, "--device", "cuda"))
    assert not out.exists()


def test_cards_of_all_vec_trainers_are_known(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert {"vec_ppo", "vec_a2c", "vec_trpo", "vec_dqn"} <= set(CARD_ALGOS)
    folder = tmp_path / "card"
    folder.mkdir()
    (folder / "model.pt").write_bytes(b"")
    card = {
        "env_id": "UnKnot-Easy-v0",
        "algo": "vec_trpo",
        "policy": "mlp",
        "steps": 1,
        "seed": 1,
        "model_file": "model.pt",
    }
    (folder / "agent.json").write_text(json.dumps(card))
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name.endswith("vec_trpo") else real(name, *a)
    )
    with pytest.raises(BadAgentDir, match="no vec_trpo trainer"):
        load_policy(folder)
    shutil.rmtree(folder)
