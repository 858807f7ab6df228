"""Training: tiny smoke runs of every SB3 algorithm x policy, the agent folder, determinism, resume, logging,
LearnedAgent's certificates, and the `train` / `evaluate` / `solve --agent DIR` commands.

Every run is a few dozen env steps on one torch thread (a shared 2-core CPU trains tiny networks many
times faster on one thread); nothing here tests that an agent learns.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from rigorgym.agents.algos.saved import AgentCard, BadAgentDir
from rigorgym.agents.learned import LearnedAgent, check_game, load_model, load_policy
from rigorgym.agents.registry import make_agent
from rigorgym.agents.runner import run_agent
from rigorgym.agents.train import algo_options, train
from rigorgym.envs.unknot import BraidInstance
from rigorgym.verifiers import verify
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import rigorgym  # noqa: F401

# UnKnot-Easy-v0 (3 strands, words of 10) on a 24-letter board: 237 actions, 20-move episodes.
UNKNOT = ("UnKnot-Easy-v0", {"max_length": 24, "max_strands": 4, "max_episode_steps": 20})
PLUMBING = ("Kirby-Plumbing-Easy-v0", {"max_episode_steps": 20})
RIBBON = ("Ribbon-Easy-v0", {"max_episode_steps": 8})
TINY = {"hidden": (16,), "net_arch": (16,), "depth": 1, "width": 16, "progress": False, "threads": 1}
HYPER: dict[str, dict[str, Any]] = {
    "ppo": {"n_steps": 32, "batch_size": 16, "n_epochs": 1},
    "maskable_ppo": {"n_steps": 32, "batch_size": 16, "n_epochs": 1},
    "trpo": {"n_steps": 32, "batch_size": 16, "n_critic_updates": 1, "cg_max_steps": 3},
    "dqn": {"learning_starts": 16, "buffer_size": 500, "batch_size": 16, "target_update_interval": 32},
}
LOSS_TAGS = {
    "ppo": {"losses/policy_loss", "losses/value_loss", "losses/entropy", "losses/approx_kl"},
    "maskable_ppo": {"losses/policy_loss", "losses/value_loss", "losses/entropy"},
    "trpo": {"losses/policy_loss", "losses/value_loss", "losses/approx_kl"},
    "dqn": {"losses/td_loss"},
}


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tiny_run(out: Path, game: tuple[str, dict[str, Any]], algo: str, policy: str, steps: int = 64, **more: Any) -> Path:
    env_id, env_kwargs = game
    options = {**TINY, **HYPER[algo], "env_kwargs": env_kwargs, **more}
    return train(env_id, algo, policy, steps, 3, out, **options)


def observations(env_id: str, env_kwargs: dict[str, Any], n: int, seed: int = 0) -> list[tuple[Any, np.ndarray]]:
    """(observation, mask) pairs along a random legal walk."""
    env = gym.make(env_id, **env_kwargs)
    rng = np.random.default_rng(seed)
    obs, info = env.reset(seed=seed)
    out = []
    for _ in range(n):
        out.append((obs, info["action_mask"]))
        obs, _, terminated, truncated, info = env.step(int(rng.choice(np.flatnonzero(info["action_mask"]))))
        if terminated or truncated:
            obs, info = env.reset()
    env.close()
    return out


def check_folder(folder: Path, game: tuple[str, dict[str, Any]], algo: str, policy: str) -> None:
    """agent.json, model.zip, TensorBoard tags, and a loaded policy that acts as the model does."""
    card = AgentCard.read(folder)
    assert (card.env_id, card.algo, card.policy, card.seed) == (game[0], algo, policy, 3)
    assert card.steps >= 64 and card.model_file == "model.zip" and card.env_kwargs == game[1]
    assert {"solved_rate", "episode_moves", "SPS"} <= set(card.metrics) and card.wall_s > 0
    events = EventAccumulator(str(folder / "tb")).Reload()
    tags = set(events.Tags()["scalars"])
    assert {"charts/solved_rate", "charts/episode_moves", "charts/SPS", *LOSS_TAGS[algo]} <= tags, tags
    assert not any(t.startswith("train/") for t in tags), tags
    if "losses/entropy" in tags:  # CleanRL's sign: the entropy itself, not SB3's entropy loss
        assert all(e.value > 0 for e in events.Scalars("losses/entropy"))
    # round trip: the loaded policy's greedy action is the model's own prediction
    model = load_model(folder)
    acting = load_policy(folder)
    rng = np.random.default_rng(0)
    for obs, mask in observations(*game, n=4):
        ones = np.ones_like(mask)
        kwargs = {"action_masks": ones} if algo == "maskable_ppo" else {}
        expected = int(model.predict(obs, deterministic=True, **kwargs)[0])
        assert acting.act(obs, ones, True, rng) == expected
        legal = acting.act(obs, mask, False, rng)
        assert mask[legal], "a masked action was chosen"


# -- smoke runs: every algorithm x policy on UnKnot, one algorithm per policy on the other games -------


@pytest.mark.parametrize("policy", ["mlp", "gnn"])
@pytest.mark.parametrize("algo", ["ppo", "dqn", "trpo", "maskable_ppo"])
def test_smoke_unknot(tmp_path: Path, algo: str, policy: str) -> None:
    folder = tiny_run(tmp_path / "agent", UNKNOT, algo, policy)
    check_folder(folder, UNKNOT, algo, policy)


# On the other games, a Latin square: every algorithm and both policies on each game, and every algorithm x
# policy pair on one of them (the full grid is on UnKnot above). What a game changes is its observation (read by
# the policy) and its action mask (read by the algorithm); the other half of the 16 runs proves nothing more.
OTHER_GAMES = [
    (PLUMBING, "ppo", "mlp"), (PLUMBING, "dqn", "gnn"), (PLUMBING, "trpo", "gnn"), (PLUMBING, "maskable_ppo", "mlp"),
    (RIBBON, "ppo", "gnn"), (RIBBON, "dqn", "mlp"), (RIBBON, "trpo", "mlp"), (RIBBON, "maskable_ppo", "gnn"),
]  # fmt: skip


def test_other_games_square_covers_every_pair() -> None:
    algos = set(HYPER)
    for game in (PLUMBING, RIBBON):
        assert {a for g, a, _ in OTHER_GAMES if g is game} == algos
        assert {p for g, _, p in OTHER_GAMES if g is game} == {"mlp", "gnn"}
    assert {(a, p) for _, a, p in OTHER_GAMES} == {(a, p) for a in algos for p in ("mlp", "gnn")}


@pytest.mark.parametrize(
    ("game", "algo", "policy"),
    OTHER_GAMES,
    ids=[f"{'plumbing' if g is PLUMBING else 'ribbon'}-{a}-{p}" for g, a, p in OTHER_GAMES],
)
def test_smoke_other_games(tmp_path: Path, game: tuple[str, dict[str, Any]], algo: str, policy: str) -> None:
    steps = 32 if game is RIBBON else 64
    more = {"n_steps": 16, "batch_size": 16} if game is RIBBON and algo != "dqn" else {}
    folder = tiny_run(tmp_path / "agent", game, algo, policy, steps, **more)
    card = AgentCard.read(folder)
    assert (card.env_id, card.algo, card.policy) == (game[0], algo, policy)
    obs, mask = observations(*game, n=1)[0]
    assert mask[load_policy(folder).act(obs, mask, True, np.random.default_rng(0))]


def test_a3c_dispatch(tmp_path: Path) -> None:
    """``train(..., "a3c")`` reaches A3C (in-process worker) and its folder loads like the others."""
    folder = train(
        UNKNOT[0], "a3c", "mlp", 40, 3, tmp_path / "a3c", workers=0, n_steps=10, hidden=(16,),
        env_kwargs=UNKNOT[1], progress=False,
    )  # fmt: skip
    assert AgentCard.read(folder).algo == "a3c"
    obs, mask = observations(*UNKNOT, n=1)[0]
    assert mask[load_policy(folder).act(obs, mask, True, np.random.default_rng(0))]


@pytest.mark.parametrize("policy", ["mlp", "gnn"])
@pytest.mark.parametrize("game", [PLUMBING, RIBBON], ids=["plumbing", "ribbon"])
def test_a3c_smoke_other_games(tmp_path: Path, game: tuple[str, dict[str, Any]], policy: str) -> None:
    """A3C (in-process worker) on the other two games, with both policies: it trains and its policy acts legally."""
    folder = train(
        game[0], "a3c", policy, 24, 3, tmp_path / "a3c", workers=0, n_steps=8, env_kwargs=game[1], progress=False
    )
    card = AgentCard.read(folder)
    assert (card.env_id, card.algo, card.policy) == (game[0], "a3c", policy)
    obs, mask = observations(*game, n=1)[0]
    assert mask[load_policy(folder).act(obs, mask, True, np.random.default_rng(0))]


# -- determinism, checkpoints, resume ----------------------------------------------------------------


def _params(folder: Path) -> dict[str, torch.Tensor]:
    return load_model(folder).policy.state_dict()


def test_same_seed_same_agent(tmp_path: Path) -> None:
    a = tiny_run(tmp_path / "a", UNKNOT, "ppo", "mlp")
    b = tiny_run(tmp_path / "b", UNKNOT, "ppo", "mlp")
    pa, pb = _params(a), _params(b)
    assert all(torch.equal(pa[k], pb[k]) for k in pa)
    pol_a, pol_b = load_policy(a), load_policy(b)
    for obs, mask in observations(*UNKNOT, n=5):
        ra, rb = np.random.default_rng(1), np.random.default_rng(1)
        assert pol_a.act(obs, mask, False, ra) == pol_b.act(obs, mask, False, rb)
    c = train(UNKNOT[0], "ppo", "mlp", 64, 4, tmp_path / "c", env_kwargs=UNKNOT[1], **TINY, **HYPER["ppo"])
    pc = _params(c)
    assert any(not torch.equal(pa[k], pc[k]) for k in pa), "another seed gave the same weights"


def test_checkpoints_and_resume(tmp_path: Path) -> None:
    first = tiny_run(tmp_path / "first", UNKNOT, "ppo", "gnn", steps=64, checkpoint_every=32)
    checkpoints = sorted((first / "checkpoints").glob("*.zip"))
    assert [p.name for p in checkpoints] == ["model_32_steps.zip", "model_64_steps.zip"]
    resumed = tiny_run(tmp_path / "resumed", UNKNOT, "ppo", "gnn", steps=96, resume=checkpoints[0])
    card = AgentCard.read(resumed)
    assert card.steps == 96 and "resumed from" in card.notes
    steps = [e.step for e in EventAccumulator(str(resumed / "tb")).Reload().Scalars("charts/solved_rate")]
    assert min(steps) > 32, "a resumed run counts on from the checkpoint's steps"
    # resuming in place (the run's own folder) is allowed; a checkpoint already past --steps is not
    tiny_run(first, UNKNOT, "ppo", "gnn", steps=96, resume=first)
    assert AgentCard.read(first).steps == 96
    with pytest.raises(ValueError, match="total to reach"):
        tiny_run(tmp_path / "again", UNKNOT, "ppo", "gnn", steps=64, resume=checkpoints[1])
    assert not (tmp_path / "again").exists(), "refused before anything is written"
    (tmp_path / "junk.zip").write_text("not a zip")
    with pytest.raises(ValueError, match="not a stable-baselines3 checkpoint"):
        tiny_run(tmp_path / "again", UNKNOT, "ppo", "gnn", steps=64, resume=tmp_path / "junk.zip")


@pytest.mark.slow  # wandb starts its own service process
def test_wandb_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    folder = tiny_run(tmp_path / "agent", UNKNOT, "ppo", "mlp", steps=32, wandb_project="rigorgym-test")
    runs = list((folder / "wandb").rglob("offline-run-*"))
    assert runs, list((folder / "wandb").rglob("*"))


# -- input checks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"env_id": "NoSuchEnv-v0"}, "unknown env"),
        ({"algo": "sac"}, "unknown algorithm"),
        ({"policy": "cnn"}, "unknown policy"),
        ({"steps": 0}, "steps must be >= 1"),
        ({"conv": "xyz"}, "unknown GNN layer"),
        ({"bogus": 1}, "no option 'bogus'"),
        ({"resume": "missing.zip"}, "no such checkpoint"),
    ],
)
def test_bad_inputs(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    kwargs: dict[str, Any] = {"env_id": UNKNOT[0], "algo": "ppo", "policy": "gnn", "steps": 10, "seed": 0}
    kwargs.update(change)
    with pytest.raises(ValueError, match=message):
        train(out=tmp_path / "out", progress=False, **kwargs)
    assert not (tmp_path / "out").exists(), "nothing is written on bad input"


@pytest.mark.parametrize(
    ("env_id", "algo", "policy", "message"),
    [
        ("MetricFlow-v0", "ppo", "gnn", "the gnn policy reads the graph of a topology game"),
        ("NNFieldTheory-v0", "dqn", "mlp", "dqn needs a Discrete action space"),
        ("MetricFlow-v0", "maskable_ppo", "mlp", "maskable_ppo needs a Discrete action space"),
        ("NNFieldTheory-v0", "a3c", "mlp", "a3c needs a Discrete action space"),
    ],
)
def test_simulators_refuse_what_cannot_read_their_spaces(
    tmp_path: Path, env_id: str, algo: str, policy: str, message: str
) -> None:
    """The simulators observe and act in Box spaces: a graph policy or a discrete-action algorithm is refused up front."""
    with pytest.raises(ValueError, match=message):
        train(env_id, algo, policy, 10, 0, tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "agent.json").write_text("{}")
    with pytest.raises(ValueError, match="not empty"):
        train(UNKNOT[0], "ppo", "mlp", 10, 0, tmp_path / "out")
    assert (tmp_path / "out" / "agent.json").read_text() == "{}"
    assert "n_steps" in algo_options("ppo") and "workers" in algo_options("a3c")


# -- LearnedAgent: verified certificates only --------------------------------------------------------


@pytest.fixture(scope="module")
def unknot_agent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    return tiny_run(tmp_path_factory.mktemp("learned") / "agent", UNKNOT, "maskable_ppo", "mlp", steps=32)


EASY = [BraidInstance(1, ()), BraidInstance(2, (1,)), BraidInstance(2, (-1,)), BraidInstance(3, (1, -2))]


def test_learned_agent_certificates_verify(unknot_agent: Path) -> None:
    """Through the runner (an env sized to the suite, not to the agent): every certificate verifies."""
    outcomes = list(run_agent(UNKNOT[0], EASY, str(unknot_agent), budget_s=3.0, seed=0, progress=False))
    solved = [o for o in outcomes if o.result.certificate is not None]
    assert len(solved) >= 3, [o.result.extra for o in outcomes]
    for o in solved:
        assert o.verified and verify(o.result.certificate).valid
    assert outcomes[0].result.extra["own_env"], "the runner's env is larger: the agent plays on its own"
    assert isinstance(make_agent(str(unknot_agent)), LearnedAgent)


def test_learned_agent_never_returns_unverified(unknot_agent: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Invalid:
        valid = False
        reason = "rejected for the test"

    monkeypatch.setattr("rigorgym.verifiers.verify", lambda cert: Invalid())
    env = gym.make(UNKNOT[0], **UNKNOT[1])
    result = LearnedAgent(unknot_agent).solve(env, EASY[1], budget_s=3.0, seed=0)
    assert result.certificate is None and result.extra["invalid"] >= 1


def test_learned_agent_other_game(unknot_agent: Path) -> None:
    with pytest.raises(BadAgentDir, match="cannot play Ribbon-v0"):
        check_game(AgentCard.read(unknot_agent), "Ribbon-v0", unknot_agent)
    check_game(AgentCard.read(unknot_agent), "UnKnot-v0", unknot_agent)  # another tier of the same game
    env = gym.make("Kirby-Plumbing-Easy-v0")
    with pytest.raises(BadAgentDir):
        LearnedAgent(unknot_agent).solve(env, None, 0.1, 0)


def test_instance_too_large(unknot_agent: Path) -> None:
    env = gym.make("UnKnot-v0")  # 128 letters: not the agent's 24
    big = BraidInstance(3, tuple([1, -1] * 14))
    result = LearnedAgent(unknot_agent).solve(env, big, budget_s=1.0, seed=0)
    assert result.certificate is None and "does not fit" in result.extra["reason"]


# -- the commands ------------------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess:
    """``rigorgym ARGS`` through ``rigorgym.cli.main`` in this process (the process itself: tests/test_cli.py)."""
    from rigorgym.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    proc = subprocess.CompletedProcess(["rigorgym", *args], code, out.getvalue(), err.getvalue())
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_cli_train(tmp_path: Path) -> None:
    out = tmp_path / "agent"
    proc = cli(
        "train", UNKNOT[0], "--algo", "ppo", "--policy", "mlp", "--steps", "64", "--seed", "0", "--out", str(out),
        "--hidden", "16", "--env-kwargs", json.dumps(UNKNOT[1]), "--set", "n_steps=32", "--set", "batch_size=16",
        "--checkpoint-every", "32", "--no-progress", "--threads", "1",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == str(out)
    card = AgentCard.read(out)
    assert card.algo_args["n_steps"] == 32 and card.policy_options == {"hidden": [16]}
    assert (out / "checkpoints" / "model_64_steps.zip").is_file()
    assert "not empty" in one_line_error(
        cli("train", UNKNOT[0], "--algo", "ppo", "--policy", "mlp", "--steps", "8", "--out", str(out))
    )


def test_cli_evaluate(unknot_agent: Path) -> None:
    proc = cli("evaluate", UNKNOT[0], "--agent", str(unknot_agent), "--suite", "unknot-random-L10", "--limit", "2",
               "--budget-s", "0.3", "--json")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["instances"] == 2 and 0.0 <= summary["solved_fraction"] <= 1.0
    assert summary["median_seconds"] is not None
    line = one_line_error(cli("evaluate", "Ribbon-v0", "--agent", str(unknot_agent), "--suite", "ribbon-knotinfo-12"))
    assert "cannot play Ribbon-v0" in line


def test_cli_solve_agent_folder(unknot_agent: Path, tmp_path: Path) -> None:
    instances = tmp_path / "easy.jsonl"
    instances.write_text("".join(json.dumps({"braid": {"strands": 2, "word": [w]}}) + "\n" for w in (1, -1)))
    certs = tmp_path / "certs.jsonl"
    proc = cli("solve", UNKNOT[0], "--instances", str(instances), "--agent", str(unknot_agent), "--budget-s", "3",
               "--out", str(certs))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in certs.read_text().splitlines()]
    assert lines and all(verify(c).valid for c in lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--algo", "sac", "--policy", "mlp", "--steps", "8"], "invalid choice"),
        (["--algo", "ppo", "--policy", "mlp", "--steps", "0"], "steps must be >= 1"),
        (["--algo", "trpo", "--policy", "mlp", "--steps", "8", "--backend", "rllib"], "not on RLlib's new API stack"),
        (["--algo", "appo", "--policy", "mlp", "--steps", "8"], "needs --backend rllib"),
        (
            ["--algo", "ppo", "--policy", "mlp", "--steps", "8", "--backend", "rllib", "--address", "127.0.0.1:9"],
            "no Ray cluster at 127.0.0.1:9",
        ),
        (
            ["--algo", "ppo", "--policy", "mlp", "--steps", "8", "--backend", "rllib", "--set", "bogus=1"],
            "unknown option 'bogus'",
        ),
        (["--algo", "ppo", "--policy", "mlp", "--steps", "8", "--set", "nonsense=1"], "no option 'nonsense'"),
        (["--algo", "ppo", "--policy", "gnn", "--steps", "8", "--workers", "2"], "no option 'workers'"),
        (["--algo", "ppo", "--policy", "mlp", "--steps", "8", "--env-kwargs", "[1]"], "JSON object"),
    ],
)
def test_cli_train_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    line = one_line_error(cli("train", UNKNOT[0], *args, "--out", str(tmp_path / "out")))
    assert message in line
    assert not (tmp_path / "out").exists()


def test_cli_pretrained(tmp_path: Path) -> None:
    """``--agent pretrained`` picks a shipped agent, or says in one line that none ships for the game."""
    from rigorgym.agents.learned import NoPretrainedAgent, pretrained_for

    try:
        pretrained_for("Ribbon-v0")
    except NoPretrainedAgent:
        line = one_line_error(
            cli("solve", "Ribbon-v0", "--knot", "6_1", "--agent", "pretrained", "--out", str(tmp_path / "c.jsonl"))
        )
        assert "no pretrained agent" in line
    else:
        pytest.skip("a pretrained Ribbon agent ships: covered by the demo")


def test_pretrained_choice(unknot_agent: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``pretrained`` is the shipped agent of the game with the best solved_rate on its card."""
    import shutil

    from rigorgym.agents import learned

    for name, rate in (("weak", 0.2), ("strong", 0.9)):
        shutil.copytree(unknot_agent, tmp_path / name)
        card = AgentCard.read(tmp_path / name)
        card.metrics["solved_rate"] = rate
        card.write(tmp_path / name)
    (tmp_path / "not-an-agent").mkdir()
    monkeypatch.setattr(learned, "PRETRAINED_DIR", tmp_path)
    assert set(learned.shipped_agents()) == {"weak", "strong"}
    assert learned.pretrained_for("UnKnot-Medium-v0") == tmp_path / "strong"
    with pytest.raises(learned.NoPretrainedAgent, match="Kirby-Plumbing"):
        learned.pretrained_for("Kirby-Plumbing-v0")
    # A shipped learned search (a value folder marked to solve as pretrained) comes first for solving,
    # never where a policy is needed; an unmarked value folder is not a candidate.
    for name, marked in (("value-marked", True), ("value-plain", False)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "card.json").write_text(
            json.dumps({"kind": "unknot-value", "env_id": "UnKnot-v0", "solve_as_pretrained": marked})
        )
    assert set(learned.shipped_value_folders()) == {"value-marked"}
    assert learned.pretrained_for("UnKnot-Medium-v0") == tmp_path / "value-marked"
    assert learned.pretrained_for("UnKnot-Medium-v0", policy=True) == tmp_path / "strong"


def test_learned_ribbon_agent_tries_obstructions_first() -> None:
    """As every Ribbon-v0 solver, a learned agent first looks for a slice obstruction (no policy step needed)."""
    from rigorgym.agents.learned import pretrained_for
    from rigorgym.agents.runner import run_agent
    from rigorgym.envs.ribbon import KnotInstance

    folder = pretrained_for("Ribbon-v0")
    (outcome,) = run_agent("Ribbon-v0", [KnotInstance.from_name("3_1")], str(folder), 5.0, 0, progress=False)
    assert outcome.verified and outcome.certificate is not None
    assert outcome.certificate["claim"] == "not_slice" and outcome.result.steps == 0
