"""The macro policy (issue 19): the env episode is the tuple rollout, certificates verify, tabu never repeats.

Also the DAgger trainer's smallest run and the benchmark's smoke run.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rigorgym.agents.learned import PRETRAINED_DIR
from rigorgym.agents.macro_policy import MacroActingPolicy, MacroAgent, choose, decode, rollout
from rigorgym.agents.protocols.pure_policy import Protocol, evaluate_policy
from rigorgym.agents.unknot_features import hand_value
from rigorgym.agents.unknot_search import SearchConfig, canonical
from rigorgym.envs.suites import load_suite
from rigorgym.envs.unknot.types import BraidInstance

import rigorgym  # noqa: F401  (registers the envs)

ROOT = Path(__file__).resolve().parents[1]
VALUE = PRETRAINED_DIR / "unknot-value-expert"
BOARD = SearchConfig(max_length=128, max_strands=8)


def instances(suite: str, count: int) -> list[BraidInstance]:
    return [BraidInstance.from_instance(x) for x in list(load_suite(suite).instances)[:count]]


@pytest.mark.parametrize("tabu", [True, False])
def test_the_env_episode_is_the_rollout_and_verifies(tabu: bool) -> None:
    """Played one kernel move per call through the protocol, the policy makes exactly the rollout's moves."""
    insts = instances("unknot-words-n5-L40", 6)
    agent = MacroAgent(VALUE, tabu=tabu)
    evaluation = evaluate_policy("UnKnot-v0", insts, agent, Protocol(1, True, 400))
    from rigorgym.agents.unknot_value import load_value

    score = load_value(VALUE).score
    episodes = [rollout(x.strands, x.word, score, BOARD, 400, tabu=tabu) for x in insts]
    assert [o.solved for o in evaluation.outcomes] == [e.solved for e in episodes]
    assert [o.moves for o in evaluation.outcomes if o.solved] == [len(e.ops) for e in episodes if e.solved]
    assert sum(o.solved for o in evaluation.outcomes) >= 4  # every one verified by the kernel (pure_policy.play)


def test_tabu_never_makes_a_braid_twice_and_memoryless_may() -> None:
    for x in instances("unknot-words-n7-L40", 12):
        ep = rollout(x.strands, x.word, hand_value, BOARD, None, tabu=True)
        keys = [canonical(*s) for s in ep.states]
        assert len(keys) == len(set(keys))
        assert ep.solved == (ep.states[-1] == (1, ()))


def test_choose_is_the_argmin_and_samples_only_successors() -> None:
    x = instances("unknot-words-n5-L40", 1)[0]
    from rigorgym.agents.unknot_search import Tape, normalize, successors

    tape = Tape(x.strands, x.word)
    normalize(tape)
    n, w = tape.n, tuple(tape.w)
    kids = [(a, tuple(b)) for a, b, _ in successors(n, w, BOARD, len(w) + 2 * n + BOARD.slack)]
    best = choose(n, w, hand_value, BOARD)
    assert best is not None and (best[0], best[1]) == kids[int(np.argmin(hand_value(kids)))]
    rng = np.random.default_rng(0)
    for _ in range(5):
        step = choose(n, w, hand_value, BOARD, rng=rng)
        assert step is not None and (step[0], step[1]) in kids
    seen = {canonical(*k) for k in kids}
    assert choose(n, w, hand_value, BOARD, tabu=seen) is None  # every successor already reached


def test_the_acting_policy_replans_after_a_reset_and_reads_both_observations() -> None:
    import gymnasium as gym

    env = gym.make("UnKnot-v0").unwrapped
    x = instances("unknot-words-n3-L20", 1)[0]
    policy = MacroActingPolicy(hand_value, env.layout.max_length, env.layout.max_strands)
    obs, info = env.reset(seed=0, options={"instance": x})
    assert decode(obs) == (x.strands, tuple(x.word))
    assert decode({"strands": [x.strands], "length": [len(x.word)], "word": list(x.word) + [0, 0]}) == decode(obs)
    rng = np.random.default_rng(0)
    first = policy.act(obs, info["action_mask"], True, rng)
    env.step(first)
    obs, info = env.reset(seed=0, options={"instance": x})  # the queued macro no longer matches: replan
    policy.reset()
    assert policy.act(obs, info["action_mask"], True, rng) == first


def test_a_value_cards_move_weight_is_the_policys(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "v"
    shutil.copytree(VALUE, folder)
    card = json.loads((folder / "card.json").read_text())
    (folder / "card.json").write_text(json.dumps({**card, "move_weight": 0.02}))
    assert MacroAgent(folder).move_weight == 0.02
    assert MacroAgent(VALUE).move_weight == 0.0
    assert MacroAgent(Path("hand")).move_weight == 0.0


def test_dagger_and_the_benchmark_smoke_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DAgger's smallest run writes a value folder; the page is written (in-process: imports are most of it).

    TRPO's training path is the CLI test's; the shipped TRPO folders are copied in beside the new one.
    """
    import shutil

    where, page = tmp_path / "pretrained", tmp_path / "page"
    for name in ("unknot-macro-trpo", "unknot-macro-trpo-scratch"):
        shutil.copytree(PRETRAINED_DIR / name, where / name)
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    monkeypatch.chdir(tmp_path)
    import unknot_macro_policy

    argv = ["--quick", "--train", "dagger", "--pretrained", str(where), "--out-dir", str(page)]
    assert unknot_macro_policy.main(argv) == 0
    card = json.loads((where / "unknot-macro-policy" / "card.json").read_text())
    assert card["kind"] == "unknot-value" and card["rounds"] and "move_weight" in card
    report = json.loads((page / "unknot-macro-policy.json").read_text())
    assert {r["agent"] for r in report["rows"]} >= {"TRPO (from scratch)", "random walker", "random macro walker"}
    assert all(r["verified"] == r["solved"] for r in report["rows"])
    assert "## Acceptance" in (page / "unknot-macro-policy.md").read_text()


def test_cli_trains_macro_trpo_and_evaluates_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``rigorgym train UnKnot-v0 --algo macro-trpo`` (smallest run) writes a folder ``evaluate --attempts`` plays."""
    from rigorgym.cli import main

    out = tmp_path / "trpo"
    sets = ["pool_per_kind=1", "heldout_per_kind=1", "iterations=1", "episodes=2", "eval_every=1"]
    argv = ["train", "UnKnot-v0", "--algo", "macro-trpo", "--no-progress", "--out", str(out)]
    assert main([*argv, *[x for s in sets for x in ("--set", s)]]) == 0
    card = json.loads((out / "card.json").read_text())
    assert card["algo"] == "macro_trpo" and card["command"].startswith("rigorgym train UnKnot-v0 --algo macro-trpo")
    capsys.readouterr()
    ev = ["evaluate", "UnKnot-v0", "--agent", str(out), "--suite", "unknot-words-n3-L20", "--limit", "2",
          "--attempts", "1", "--deterministic", "--json"]  # fmt: skip
    assert main(ev) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["instances"] == 2 and summary["solved"] == summary["verified"]


@pytest.mark.parametrize(
    "extra, needle",
    [
        (["--set", "prior=x"], "prior must be"),
        (["--set", "iterations=0"], "iterations must be"),
        (["--set", "seed=3"], "the seed is --seed"),
        (["--set", "nope=1"], "has no option 'nope'"),
        (["--set", "episodes=1.5"], "takes int"),
        (["--steps", "10"], "--steps does not apply"),
    ],
)
def test_cli_macro_trpo_bad_input(
    extra: list[str], needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rigorgym.cli import main

    out = tmp_path / "never"
    with pytest.raises(SystemExit) as exc:
        main(["train", "UnKnot-v0", "--algo", "macro-trpo", "--out", str(out), *extra])
    assert exc.value.code == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and needle in err[0], err
    assert not out.exists()


def test_macro_sample_solves_verifies_and_is_deterministic_under_a_decision_budget() -> None:
    """``macro-sample``: certificates the kernel accepts; with ``max_expansions`` (decisions) the same run twice."""
    from rigorgym.agents.base import Budget
    from rigorgym.agents.registry import make_agent
    from rigorgym.agents.runner import make_env_for
    from rigorgym.verifiers import verify

    insts = instances("unknot-words-n7-L40", 4)
    env = make_env_for("UnKnot-v0", insts)
    agent = make_agent("macro-sample")
    budget = Budget(30.0, max_expansions=200)
    first = [agent.solve(env, x, budget, k) for k, x in enumerate(insts)]
    again = [agent.solve(env, x, budget, k) for k, x in enumerate(insts)]
    assert sum(r.certificate is not None for r in first) >= 3
    assert all(verify(r.certificate).valid for r in first if r.certificate is not None)
    assert [r.certificate for r in first] == [r.certificate for r in again]
    assert all(r.extra["decisions"] <= 200 + 60 for r in first)  # the episode in progress finishes


def test_a_cards_hand_weight_is_the_values() -> None:
    """TRPO from scratch ships ``hand_weight`` 0: its score is the net alone; the others add the hand value."""
    import torch
    from rigorgym.agents.unknot_value import batch_features, load_value

    states = [(x.strands, tuple(x.word)) for x in instances("unknot-words-n5-L40", 3)]
    feats, hand = batch_features(states)
    with torch.no_grad():
        for name, weight in (("unknot-macro-trpo-scratch", 0.0), ("unknot-macro-trpo", 1.0)):
            value = load_value(PRETRAINED_DIR / name)
            assert value.hand_weight == weight
            net = value.model(torch.from_numpy(feats)).double().numpy()
            assert np.allclose(value.score(states), weight * hand + net, atol=1e-4)
