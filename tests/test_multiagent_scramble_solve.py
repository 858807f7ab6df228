"""scramble_solve_v0: PettingZoo conformance, determinism, zero-sum rewards, certificates and the suite exporter."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rigorgym.envs.suites as suites
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test
from rigorgym.envs.kirby_plumbing.actions import BLOWDOWN, BLOWUP_DISJOINT
from rigorgym.envs.multiagent import (
    SCRAMBLER,
    SOLVER,
    GameStats,
    export_suite,
    hardest,
    kernel_policy,
    play,
    random_policy,
    scramble_solve_v0,
    unknot_proof,
)
from rigorgym.verifiers import verify
from rigorgym.verifiers.pd import PD
from rigorgym.verifiers.reidemeister import apply_move, legal_moves

GAMES = ["UnKnot-v0", "Kirby-Plumbing-v0", "UnKnot-Diagram-v0", "AndrewsCurtis-v0"]
SMALL = {"scramble_moves": 6, "solver_moves": 25}


def _stabilize_destabilize(env):
    """Actions of the braid game: the scrambler stabilizes once and stops; the solver destabilizes."""
    layout = env.unwrapped.inner.layout
    return layout.from_move({"op": "stabilize", "sign": 1}), layout.from_move({"op": "destabilize"})


@pytest.mark.parametrize("game", GAMES)
def test_pettingzoo_conformance(game: str) -> None:
    api_test(scramble_solve_v0.env(game=game, **SMALL), num_cycles=500)
    parallel_api_test(scramble_solve_v0.parallel_env(game=game, **SMALL), num_cycles=500)
    seed_test(lambda: scramble_solve_v0.env(game=game, **SMALL), num_cycles=500)
    parallel_seed_test(lambda: scramble_solve_v0.parallel_env(game=game, **SMALL), num_cycles=500)


@pytest.mark.parametrize("game", GAMES)
def test_seeded_games_repeat_exactly(game: str) -> None:
    def run(seed: int) -> list[dict]:
        env = scramble_solve_v0.env(game=game, **SMALL)
        return [s.to_record() for s in play(env, random_policy(seed), random_policy(seed + 1), episodes=3, seed=seed)]

    first = run(7)
    assert first == run(7)
    assert first != run(8)


@pytest.mark.parametrize("game", GAMES)
def test_rewards_are_zero_sum_every_step(game: str) -> None:
    env = scramble_solve_v0.env(game=game, **SMALL)
    policy = random_policy(3)
    for seed in range(3):
        env.reset(seed=seed)
        totals = dict.fromkeys((SCRAMBLER, SOLVER), 0.0)
        for agent in env.agent_iter():
            obs, reward, terminated, truncated, _ = env.last()
            totals[agent] += reward
            env.step(None if terminated or truncated else policy(obs, agent))
            if len(env.agents) == 2:
                assert env.rewards[SCRAMBLER] == -env.rewards[SOLVER]
        assert totals[SCRAMBLER] == pytest.approx(-totals[SOLVER], abs=1e-9)
        assert totals[SOLVER] != 0.0  # every solver move costs or earns something


def test_undone_braid_scramble_wins_with_a_verified_certificate() -> None:
    env = scramble_solve_v0.env(game="UnKnot-v0", scramble_moves=5, solver_moves=5, render_mode="ansi")
    env.reset(seed=0)
    stabilize, destabilize = _stabilize_destabilize(env)
    stop = env.unwrapped.stop_action
    assert env.observe(SCRAMBLER)["action_mask"][stop] == 0  # the trivial braid is already won: no handing it over
    env.step(stabilize)
    assert env.observe(SCRAMBLER)["action_mask"][stop] == 1
    env.step(stop)
    assert env.agent_selection == SOLVER
    assert env.observe(SOLVER)["action_mask"][destabilize] == 1
    assert "phase solve" in env.render()
    env.step(destabilize)
    _, reward, terminated, _, info = env.last()
    assert terminated and info["winner"] == SOLVER
    # the single-agent reward (-0.05 per step, +0.1 per unit of complexity removed, +10) plus the win bonus
    assert reward == pytest.approx(-0.05 + 0.1 * 2 + 10 + 10)
    assert env.unwrapped._cumulative_rewards[SCRAMBLER] == pytest.approx(-reward)
    assert info["instance"] == {"braid": {"strands": 2, "word": [1]}}
    assert info["scramble"] == {
        "start": {"braid": {"strands": 1, "word": []}},
        "moves": [{"op": "stabilize", "sign": 1}],
    }
    cert = info["certificate"]
    assert cert["instance"] == info["instance"] and cert["moves"] == [{"op": "destabilize"}]
    assert verify(cert).valid


def test_undone_plumbing_scramble_wins_with_a_verified_certificate() -> None:
    env = scramble_solve_v0.env(game="Kirby-Plumbing-v0", scramble_moves=1, solver_moves=5)
    env.reset(seed=4)
    inner = env.unwrapped.inner
    nodes = len(inner.graphs()[0])
    env.step(inner.layout.encode(0, BLOWUP_DISJOINT, 0, 1))  # the budget of one move ends the scramble
    assert env.agent_selection == SOLVER
    env.step(inner.layout.encode(0, BLOWDOWN, nodes))  # the new +1 vertex takes the last slot
    _, _, terminated, _, info = env.last()
    assert terminated and info["winner"] == SOLVER and info["solver_moves"] == 1
    assert info["certificate"]["instance"] == info["instance"]
    assert verify(info["certificate"]).valid


def _replays(scramble: dict, instance: dict) -> bool:
    """Whether the scramble's kernel moves turn its start diagram into the instance (as canonical PD codes)."""
    diagram = PD.from_pd(scramble["start"]["pd"])
    for move in scramble["moves"]:
        diagram = apply_move(diagram, move)
    return diagram == PD.from_pd(instance["pd"])


def test_undone_diagram_scramble_wins_with_a_verified_certificate() -> None:
    env = scramble_solve_v0.env(game="UnKnot-Diagram-v0", scramble_moves=5, solver_moves=5, render_mode="ansi")
    env.reset(seed=0)
    raw = env.unwrapped
    inner, stop = raw.inner, raw.stop_action
    assert inner.diagram.crossings == ((1, 1, 2, 2),)  # the trivial start: the one-crossing kink
    mask = env.observe(SCRAMBLER)["action_mask"]
    assert mask[stop] == 1  # the kink is not won as it stands: the scrambler may hand it over at once
    assert mask[raw.rules.action_of(inner, {"op": "r1_remove", "crossing": 0})] == 0  # removals are the solver's
    kink = {"op": "r1_add", "edge": 1, "side": "left", "first": "over"}
    env.step(raw.rules.action_of(inner, kink))
    env.step(stop)
    assert env.agent_selection == SOLVER and "phase solve" in env.render()
    for _ in range(2):  # two kinks, each undone by an R1 removal
        (move,) = [m for m in legal_moves(inner.diagram) if m["op"] == "r1_remove"][:1]
        env.step(raw.rules.action_of(inner, move))
    _, reward, terminated, _, info = env.last()
    assert terminated and info["winner"] == SOLVER and info["solver_moves"] == 2
    # DiagramReward: -0.01 per step, +0.1 per crossing removed, +10 on success; then the win bonus
    assert reward == pytest.approx(-0.01 + 0.1 + 10 + 10)
    assert info["scramble"] == {"start": {"pd": [[1, 1, 2, 2]]}, "moves": [kink]}
    assert info["instance"] == {"pd": [[1, 3, 2, 2], [4, 3, 1, 4]]} and _replays(info["scramble"], info["instance"])
    cert = info["certificate"]
    assert cert["claim"] == "unknot" and cert["instance"] == info["instance"] and len(cert["moves"]) == 2
    assert verify(cert).valid


def _diagram_search(max_steps: int = 30_000):
    """diagram-search as a kernel-move solver (its ``unknot`` certificate's moves)."""
    from rigorgym.agents.base import Budget
    from rigorgym.agents.registry import make_agent

    search = make_agent("diagram-search")

    def solve(instance: dict) -> list[dict] | None:
        cert = search.solve(None, instance, Budget(20.0, max_steps=max_steps), 0).certificate
        return cert["moves"] if cert is not None and cert["claim"] == "unknot" else None

    return solve


def test_diagram_search_wins_scrambles_and_a_hard_unknot_through_the_game() -> None:
    solve = _diagram_search()
    env = scramble_solve_v0.env(game="UnKnot-Diagram-v0", scramble_moves=12, solver_moves=200)
    games = play(env, random_policy(0), kernel_policy(env, solve), episodes=4, seed=0)
    for game in games:
        assert game.solved and game.scramble_length > 0 and _replays(game.scramble, game.instance)
        assert game.certificate["instance"] == game.instance and verify(game.certificate).valid
        assert game.certificate["moves"] == solve(game.instance)  # the search's moves, played as actions
    # a hard unknot (unknot-diagram-hard/049, 20 crossings; it needs crossings added first) as the start
    hard = suites.load_suite("unknot-diagram-hard").instances[12]
    assert hard["id"] == "unknot-diagram-hard/049"
    env = scramble_solve_v0.env(game="UnKnot-Diagram-v0", scramble_moves=2, solver_moves=400, max_crossings=96)
    policy = kernel_policy(env, solve)
    env.reset(seed=0, options={"instance": {"pd": hard["pd"]}})
    for agent in env.agent_iter():
        obs, _, terminated, truncated, info = env.last()
        if agent == SOLVER and terminated:
            final = info
        env.step(None if terminated or truncated else policy(obs, agent))
    assert final["winner"] == SOLVER and _replays(final["scramble"], final["instance"])
    cert = final["certificate"]
    assert verify(cert).valid and max(c for c in _sizes(cert)) > len(final["instance"]["pd"])


def _sizes(cert: dict) -> list[int]:
    """The crossing count of each diagram along a certificate's replay."""
    diagram, sizes = PD.from_pd(cert["instance"]["pd"]), []
    for move in cert["moves"]:
        diagram = apply_move(diagram, move)
        sizes.append(diagram.size)
    return sizes


def test_diagram_action_of_inverts_the_layout() -> None:
    five_one = [[2, 8, 3, 7], [4, 10, 5, 9], [6, 2, 7, 1], [8, 4, 9, 3], [10, 6, 1, 5]]  # faces: 2 pentagons
    raw = scramble_solve_v0.raw_env(game="UnKnot-Diagram-v0", scramble_moves=1, solver_moves=1)
    raw.reset(seed=0, options={"instance": {"pd": five_one}})
    inner = raw.inner
    moves = legal_moves(inner.diagram)
    for move in moves:  # every kernel move of the diagram has an action (reach 3 spans a pentagon) ...
        inner.reset(options={"instance": {"pd": five_one}})
        action = raw.rules.action_of(inner, move)
        assert action is not None and inner.action_masks()[action]
        inner.step(action)
        assert inner.certificate()["moves"] == [move]  # ... and that action plays exactly it
    inner.reset(options={"instance": {"pd": five_one}})
    for bad in ({"op": "r1_remove", "crossing": 0}, {"op": "r3", "edge": 99, "side": "left"}, {"op": "x"}, None):
        assert raw.rules.action_of(inner, bad) is None  # illegal here, no such edge, malformed
    narrow = scramble_solve_v0.raw_env(game="UnKnot-Diagram-v0", reach=1, scramble_moves=1, solver_moves=1)
    narrow.reset(seed=0, options={"instance": {"pd": five_one}})
    far = [m for m in moves if m["op"] == "r2_add" and narrow.rules.action_of(narrow.inner, m) is None]
    assert far  # R2 additions across a pentagon: legal for the kernel, outside a layout of reach 1
    with pytest.raises(ValueError, match="kernel_policy"):
        kernel_policy(scramble_solve_v0.env(game="UnKnot-v0"), _diagram_search())


def test_a_scramble_that_changes_nothing_is_won_without_a_move() -> None:
    env = scramble_solve_v0.env(game="Kirby-Plumbing-v0", scramble_moves=2, solver_moves=5)
    env.reset(seed=1)
    inner = env.unwrapped.inner
    env.step(inner.layout.encode(0, BLOWUP_DISJOINT, 0, 1))
    env.step(inner.layout.encode(1, BLOWUP_DISJOINT, 0, 1))  # both graphs alike again: won as it stands
    _, reward, terminated, _, info = env.last()
    assert terminated and info["winner"] == SOLVER and info["solver_moves"] == 0
    assert reward == env.unwrapped.win_bonus
    assert info["certificate"]["moves"] == [] and verify(info["certificate"]).valid


@pytest.mark.parametrize("game", GAMES)
def test_illegal_actions_are_penalised_no_ops(game: str) -> None:
    env = scramble_solve_v0.env(game=game, scramble_moves=8, solver_moves=8)
    env.reset(seed=2)
    unwrapped = env.unwrapped
    n = unwrapped.stop_action
    mask = env.observe(SCRAMBLER)["action_mask"]
    env.step(int(np.flatnonzero(mask[:n])[0]))  # one legal move, so that the start is not won as it stands
    masked = [int(a) for a in np.flatnonzero(env.observe(SCRAMBLER)["action_mask"] == 0)[:1]]  # AC: none may be
    for bad in (-1, n + 1, None, "x", 1.5, np.array([0.5]), *(masked or [-2])):
        before = env.observe(SCRAMBLER)["observation"]
        env.step(bad)
        assert env.rewards == {SOLVER: unwrapped.illegal_penalty, SCRAMBLER: -unwrapped.illegal_penalty}
        assert env.infos[SCRAMBLER]["illegal_action"]
        after = env.observe(SCRAMBLER)["observation"]
        if unwrapped.phase == "solve":  # the last turn handed over: the solver's episode restarts a step count
            before, after = (
                {k: v for k, v in x.items() if k != "stats"} if isinstance(x, dict) else x for x in (before, after)
            )
        assert json.dumps(before, default=np.ndarray.tolist) == json.dumps(after, default=np.ndarray.tolist)
    # the eighth turn (the last illegal one) ended the scramble
    assert env.agent_selection == SOLVER and unwrapped.phase == "solve"
    env.step(-5)
    assert env.infos[SOLVER]["illegal_action"] and env.rewards[SOLVER] < 0
    assert env.rewards[SCRAMBLER] == -env.rewards[SOLVER]


def test_parallel_env_reads_only_the_active_player() -> None:
    par = scramble_solve_v0.parallel_env(game="UnKnot-v0", scramble_moves=1, solver_moves=3)
    obs, _ = par.reset(seed=0)
    stabilize, destabilize = _stabilize_destabilize(par)
    assert obs[SOLVER]["action_mask"].sum() == 0 and obs[SCRAMBLER]["action_mask"][stabilize] == 1
    obs, rewards, _, _, infos = par.step({SCRAMBLER: stabilize, SOLVER: destabilize})
    assert infos[SOLVER]["active_agent"] == SOLVER and obs[SCRAMBLER]["action_mask"].sum() == 0
    _, rewards, terminations, _, infos = par.step({SCRAMBLER: 0, SOLVER: destabilize})
    assert all(terminations.values()) and not par.agents
    assert rewards[SOLVER] == -rewards[SCRAMBLER] > 10
    assert verify(infos[SOLVER]["certificate"]).valid


def test_given_start_and_generator_start() -> None:
    env = scramble_solve_v0.env(game="UnKnot-v0", scramble_moves=3, solver_moves=3)
    env.reset(seed=0, options={"instance": {"braid": {"strands": 3, "word": [1, -2]}}})
    assert env.observe(SCRAMBLER)["observation"][:3].tolist() == [3, 1, -2]
    env = scramble_solve_v0.env(game="UnKnot-v0", start="generator", scramble_moves=3, solver_moves=3)
    env.reset(seed=0)
    assert env.observe(SCRAMBLER)["observation"][0] == 3  # ScrambleGenerator(strands=3, length=20)
    with pytest.raises(ValueError):
        scramble_solve_v0.env(game="Ribbon-v0")


@pytest.fixture
def suite_folder(tmp_path, monkeypatch):
    """Point the shipped suite loader at a temporary folder (its caches emptied before and after)."""
    monkeypatch.setattr(suites, "DATA", tmp_path)
    suites._index.cache_clear()
    suites._checked_lines.cache_clear()
    yield tmp_path
    suites._index.cache_clear()
    suites._checked_lines.cache_clear()


def test_exported_suite_loads_and_every_braid_is_an_unknot(suite_folder) -> None:
    env = scramble_solve_v0.env(game="UnKnot-v0", scramble_moves=10, solver_moves=15)
    games = play(env, random_policy(0), random_policy(1), episodes=12, seed=0)
    games = [GameStats.from_record(json.loads(json.dumps(g.to_record()))) for g in games]  # as from a log
    entry = export_suite(games, suite_folder, "unknot-adv-test", size=6)
    suite = suites.load_suite("unknot-adv-test")  # the loader checks the content hash against the index
    assert suite.hash == entry["hash"] and suites.suite_info("unknot-adv-test") == entry
    assert entry["size"] == len(suite) == 6 and suite.env == "UnKnot-v0"
    assert [x["id"] for x in suite.instances] == [f"unknot-adv-test/{i:03d}" for i in range(6)]
    chosen = hardest(games, 6)
    assert [g.solved for g in chosen] == sorted(g.solved for g in chosen)  # lost games first
    for x, game in zip(suite.instances, chosen, strict=True):
        assert {"braid": x["braid"]} == game.instance
        cert = unknot_proof(game)
        assert verify({**cert, "instance": {"braid": x["braid"]}}).valid
    assert entry["max_length"] == max(len(x["braid"]["word"]) for x in suite.instances)


def test_exporter_refuses_what_it_cannot_prove(tmp_path) -> None:
    env = scramble_solve_v0.env(game="UnKnot-v0", scramble_moves=2, solver_moves=1)
    (game,) = play(env, random_policy(0), random_policy(1), episodes=1, seed=0)
    knotted = GameStats.from_record({**game.to_record(), "solved": False, "certificate": None})
    knotted.scramble = {"start": {"braid": {"strands": 2, "word": [1, 1, 1]}}, "moves": []}
    knotted.instance = {"braid": {"strands": 2, "word": [1, 1, 1]}}  # the trefoil: no proof exists
    with pytest.raises(ValueError, match="no kernel proof"):
        export_suite([knotted], tmp_path, "unknot-bad")
    assert not (tmp_path / "unknot-bad.jsonl").exists()
    (plumbing,) = play(scramble_solve_v0.env(game="Kirby-Plumbing-v0", **SMALL), random_policy(0), random_policy(1))
    with pytest.raises(ValueError, match="UnKnot-v0"):
        export_suite([plumbing], tmp_path, "unknot-bad")


def test_ac_greedy_wins_presentation_scrambles_through_the_game() -> None:
    """AndrewsCurtis-v0: the scrambler plays AC′ moves from <x, y | x, y>, ac-greedy's moves (the twelve env
    actions only) are played as actions, and the win's certificate is exactly them."""
    from rigorgym.agents.andrews_curtis_search import SourceGreedy
    from rigorgym.agents.base import Budget
    from rigorgym.envs.andrews_curtis import PresentationInstance

    def solve(instance: dict) -> list | None:
        cert = SourceGreedy().solve(
            None, PresentationInstance.from_instance(instance), Budget(5.0, max_steps=20_000), 0
        )
        return cert.certificate["moves"] if cert.certificate is not None else None

    env = scramble_solve_v0.env(game="AndrewsCurtis-v0", scramble_moves=6, solver_moves=100)
    games = play(env, random_policy(1), kernel_policy(env, solve), episodes=4, seed=0)
    won = [g for g in games if g.solved]
    assert won and all(verify(g.certificate).valid and g.certificate["moves"] == solve(g.instance) for g in won)
