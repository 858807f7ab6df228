"""AndrewsCurtis-v0 (``envs/andrews_curtis``): the compiled moves equal the kernel's, exact masks, certificates."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from rigorgym.envs.andrews_curtis import (
    ACReward,
    AndrewsCurtisEnv,
    ListGenerator,
    PresentationInstance,
    ScrambledTrivialGenerator,
    SuiteGenerator,
    core,
)
from rigorgym.envs.andrews_curtis.render import word_text
from rigorgym.envs.games import game_of
from rigorgym.verifiers import verify
from rigorgym.verifiers.andrews_curtis import SOURCE_MOVES, Presentation, cyclic_reduce, is_cyclically_reduced, step

import rigorgym  # noqa: F401  (registers the ids)

Word = tuple[int, ...]


def random_word(rng: np.random.Generator, n: int, reduced: bool) -> Word:
    """A random word of ``n`` letters; freely reduced (no ``a a^-1``) when ``reduced``, else anything."""
    out: list[int] = []
    while len(out) < n:
        letter = int(rng.choice([1, -1, 2, -2]))
        if reduced and out and out[-1] == -letter:
            continue
        out.append(letter)
    return tuple(out)


def load(rel: np.ndarray, meta: np.ndarray, length: int, r0: Word, r1: Word) -> None:
    rel[:] = 0
    rel[: len(r0)], rel[length : length + len(r1)] = r0, r1
    meta[:] = (len(r0), len(r1), int(is_cyclically_reduced(r0) and is_cyclically_reduced(r1)))


def words(rel: np.ndarray, meta: np.ndarray, length: int) -> tuple[Word, Word]:
    row = rel.tolist()
    return tuple(row[: meta[0]]), tuple(row[length : length + meta[1]])


def test_check_env() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(gym.make("AndrewsCurtis-v0").unwrapped)
        check_env(gym.make("AndrewsCurtis-v0", render_mode="ansi").unwrapped)
        check_env(
            gym.make("AndrewsCurtis-v0", generator=ScrambledTrivialGenerator(9, 5), max_relator_length=5).unwrapped
        )
    complaints = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert not complaints, complaints


def test_compiled_moves_and_mask_equal_the_kernel_on_random_states() -> None:
    """Every action on 3,000 random states (a third not cyclically reduced, lengths up to and at ``L``): the
    compiled step gives the kernel's relators, and the mask is exactly "both within ``L``"."""
    rng = np.random.default_rng(0)
    checked = unreduced = 0
    for length in (1, 2, 5, 9, 16):
        rel, meta = np.zeros(2 * length, np.int8), np.zeros(3, np.int32)
        mask, buf = np.zeros(12, bool), np.zeros(2 * length + 2, np.int8)
        for _ in range(600):
            raw = rng.random() < 0.33
            r0, r1 = (random_word(rng, int(rng.integers(0, length + 1)), not raw) for _ in range(2))
            if not raw:  # cyclically reduced words, as every state after a move
                r0, r1 = cyclic_reduce(r0), cyclic_reduce(r1)
            reduced = is_cyclically_reduced(r0) and is_cyclically_reduced(r1)
            unreduced += not reduced
            load(rel, meta, length, r0, r1)
            core.fill_mask(rel, meta, length, mask, buf)
            for action, move in enumerate(SOURCE_MOVES):
                expected = step((r0, r1), reduced, dict(move))
                legal = max(map(len, expected)) <= length
                assert mask[action] == legal, (r0, r1, action)
                load(rel, meta, length, r0, r1)
                assert core.apply_action(rel, meta, length, action, buf) == legal
                if legal:
                    assert words(rel, meta, length) == expected, (r0, r1, action)
                    assert not rel[meta[0] : length].any() and not rel[length + meta[1] :].any()
                    assert meta[2] == 1
                else:
                    assert words(rel, meta, length) == (r0, r1)
                checked += 1
    assert checked == 36_000 and unreduced > 500


def test_random_play_replays_through_the_kernel_exactly() -> None:
    """Random actions (legal or not) on random scrambles and unreduced instances: after every step the env's
    relators are the kernel's replay of ``env.moves`` from the instance, and the observation pads them."""
    rng = np.random.default_rng(1)
    env = AndrewsCurtisEnv(ScrambledTrivialGenerator(12, 10), max_relator_length=10)
    for episode in range(30):
        if episode % 3 == 2:
            raw = (random_word(rng, 8, False), random_word(rng, 7, False))
            obs, info = env.reset(seed=episode, options={"instance": {"relators": [list(r) for r in raw]}})
        else:
            obs, info = env.reset(seed=episode)
        assert env.instance is not None
        state = env.instance.presentation()
        for _ in range(40):
            a = int(rng.integers(0, 12))
            obs, reward, terminated, _, info = env.step(a)
            if not info["illegal_action"]:
                state = Presentation(step(state.relators, state.reduced_form, env.moves[-1]), True)
            assert env.relators == state.relators
            assert obs[: len(state.relators[0])].tolist() == list(state.relators[0])
            assert info["length"] == state.length and reward == (-state.length if not terminated else 2 * 10 * 1000)
            assert terminated == state.is_trivial
            if terminated:
                assert verify(info["certificate"]).valid
                break


def test_won_episodes_give_verified_certificates() -> None:
    """Random legal play on short scrambles wins often; every win's certificate replays, with exactly the legal
    moves played (illegal actions in between leave no trace)."""
    env = AndrewsCurtisEnv(ScrambledTrivialGenerator(3, 6), max_relator_length=6, horizon=50)
    rng = np.random.default_rng(2)
    wins = 0
    for episode in range(60):
        _, info = env.reset(seed=episode)
        for _ in range(50):
            a = int(rng.choice(np.flatnonzero(info["action_mask"]))) if rng.random() < 0.8 else 99
            _, reward, terminated, _, info = env.step(a)
            if terminated:
                cert = info["certificate"]
                assert verify(cert).valid and reward == 50 * 6 * 2
                assert cert["moves"] == env.moves and len(cert["moves"]) == info["steps"]
                assert cert["meta"]["seed"] == episode
                wins += 1
                break
    assert wins >= 10
    # the one-move win of <x, y | xy, y>: r0 <- r0 r1^-1
    env.reset(options={"instance": {"relators": [[1, 2], [2]], "name": "xy"}})
    _, _, terminated, _, info = env.step(1)
    assert terminated and verify(info["certificate"]).valid and info["certificate"]["instance"]["name"] == "xy"


def test_illegal_actions_are_no_ops_never_crashes() -> None:
    env = AndrewsCurtisEnv(max_relator_length=4)
    obs, info = env.reset(options={"instance": {"relators": [[1, 1, 2, 2], [2, 1, 1, 2]]}})
    masked = np.flatnonzero(~info["action_mask"])
    assert masked.size  # r0 r1^±1 and r1 r0^±1 need more than 4 letters
    for bad in (-1, 12, 10**12, "r1", 2.5, None, np.array([0.0]), np.array([1, 2]), True, *masked.tolist()):
        obs2, reward, terminated, truncated, info = env.step(bad)
        assert info["illegal_action"] and not terminated and not truncated and reward == -8
        assert np.array_equal(obs2, obs) and info["steps"] == 0
    _, _, _, _, info = env.step(np.int64(4))  # a legal conjugation
    assert not info["illegal_action"] and info["steps"] == 1
    with pytest.raises(gym.error.ResetNeeded):
        AndrewsCurtisEnv().step(0)


def test_seeded_determinism() -> None:
    def episode(seed: int) -> tuple[list[int], list[list[int]]]:
        env = gym.make("AndrewsCurtis-v0")
        one: Any = env.unwrapped
        obs, info = env.reset(seed=seed)
        rng = np.random.default_rng(seed)
        seen = [obs.tolist()]
        for _ in range(30):
            obs, *_ = env.step(int(rng.choice(np.flatnonzero(one.action_masks()))))
            seen.append(obs.tolist())
        return one.actions, seen

    assert episode(3) == episode(3)
    assert episode(3) != episode(4)


def test_scrambles_are_trivial_by_construction() -> None:
    """Each scramble: trivial abelianisation (exponent-sum matrix of determinant ±1), not the trivial
    presentation itself, and the kernel's replay of its actions from <x, y | x, y> reproduces it."""
    rng = np.random.default_rng(3)
    for gen in (ScrambledTrivialGenerator(30, 36), ScrambledTrivialGenerator(0, 36), ScrambledTrivialGenerator(5, 3)):
        for _ in range(100):
            rel, meta, actions = gen.scramble(int(rng.integers(0, 2**63)))
            length = gen.max_relator_length
            r0, r1 = tuple(rel[: meta[0]].tolist()), tuple(rel[length : length + meta[1]].tolist())
            sums = [[sum(np.sign(c) for c in r if abs(c) == g) for g in (1, 2)] for r in (r0, r1)]
            assert abs(sums[0][0] * sums[1][1] - sums[0][1] * sums[1][0]) == 1
            assert len(actions) >= gen.moves and not Presentation((r0, r1), True).is_trivial
            state: tuple[Word, Word] = ((1,), (2,))
            for a in actions:
                state = step(state, True, dict(SOURCE_MOVES[a]))
                assert max(map(len, state)) <= gen.max_relator_length
            assert state == (r0, r1)
    instance = ScrambledTrivialGenerator(30, 36)(np.random.default_rng(0))
    assert isinstance(instance, PresentationInstance) and instance.length >= 3


def test_instances_generators_reward_render_and_games_table() -> None:
    env = AndrewsCurtisEnv(max_relator_length=4)
    with pytest.raises(ValueError, match="max_relator_length=4"):
        env.reset(options={"instance": {"relators": [[1, 2, 1, 2, 1], [2]]}})
    with pytest.raises(ValueError, match="not one of"):
        env.reset(options={"instance": {"relators": [[3], [2]]}})
    with pytest.raises(ValueError, match="not shipped"):
        SuiteGenerator("no-such-suite")(np.random.default_rng(0))
    with pytest.raises(ValueError, match="max_relator_length"):
        AndrewsCurtisEnv(max_relator_length=0)
    with pytest.raises(TypeError, match="generator"):
        AndrewsCurtisEnv(generator="scramble")
    items = (PresentationInstance(((1, 2), (2,))), PresentationInstance(((2, 1), (1,))))
    env = AndrewsCurtisEnv(ListGenerator(items, shuffle=False), reward_fn=ACReward(success_bonus=5.0))
    assert env.reset(seed=0)[1]["length"] == 3 and env.instance == items[0]
    assert env.reset()[1]["length"] == 3 and env.instance == items[1]
    assert env.step(4)[1] == -3.0 and env.step(1)[1] == 5.0  # r1 <- x^-1 r1 x (no change), then r0 <- r0 r1^-1
    assert word_text((-1, 2, 2, 1, -2, -2, -2)) == "x^-1 y^2 x y^-3" and word_text(()) == "1"
    made = gym.make("AndrewsCurtis-v0", render_mode="ansi")
    made.reset(options={"instance": {"relators": [[-1, 2, 2, 1, -2, -2, -2], [1]]}})
    assert made.render() == "presentation: length 8 (7 + 1), step 0\nr0 = x^-1 y^2 x y^-3\nr1 = x"
    drawn = gym.make("AndrewsCurtis-v0", render_mode="rgb_array")  # what SB3's make_vec_env asks for
    drawn.reset(options={"instance": {"relators": [[-1, 2], [1]]}})
    image = drawn.render()
    assert image.dtype == np.uint8 and image.shape == (22, 36 * 8 + 4, 3)
    assert tuple(image[3, 3]) == (244, 164, 164) and tuple(image[13, 3]) == (178, 34, 34)  # x^-1 on row 0, x on row 1
    game = game_of("AndrewsCurtis-v0")
    given = [game.read_instance({"relators": [[1] * 30, [2]]})]
    assert game.fit({"max_relator_length": 36}, given) == {"max_relator_length": 60}
    assert game.fit({}, [game.read_instance({"relators": [[1], [2]]})]) == {"max_relator_length": 36}


def test_the_zoo_trains_on_it_and_its_folders_solve(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SB3's MaskablePPO (through make_vec_env, which asks for rgb_array) and the batched PPO train a few hundred
    steps (``rigorgym train``, in process); ``rigorgym solve`` plays each folder on scrambles and the kernel accepts
    every certificate it writes."""
    from rigorgym.cli import main

    train = ["train", "AndrewsCurtis-v0", "--policy", "mlp", "--out"]
    assert (
        main([*train, str(tmp_path / "sb3"), "--algo", "maskable_ppo", "--steps", "256", "--set", "n_steps=128"]) == 0
    )
    assert main([*train, str(tmp_path / "vec"), "--backend", "vec", "--algo", "ppo", "--num-envs", "32", "--steps",
                 "1024"]) == 0  # fmt: skip
    found = []
    for name in ("sb3", "vec"):
        out = tmp_path / f"{name}.jsonl"
        solve = ["solve", "AndrewsCurtis-v0", "--agent", str(tmp_path / name), "--suite", "ac-scramble-10"]
        assert main([*solve, "--limit", "3", "--budget-s", "1", "--out", str(out)]) == 0
        assert "/3" in capsys.readouterr().out
        found += [json.loads(line) for line in out.read_text().splitlines()]  # the solved ones
    assert found and all(verify(c).valid for c in found)


def test_a_graph_policy_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """AndrewsCurtis-v0's observation is a flat integer Box, which the GNN's graph view would read as a braid."""
    from rigorgym.cli import main

    for backend in ("sb3", "vec"):
        with pytest.raises(SystemExit) as exc:
            main(["train", "AndrewsCurtis-v0", "--backend", backend, "--algo", "ppo", "--policy", "gnn", "--steps",
                  "64", "--out", str(tmp_path / backend)])  # fmt: skip
        err = capsys.readouterr().err
        assert exc.value.code == 2 and len(err.strip().splitlines()) == 1 and "gnn" in err
        assert not (tmp_path / backend).exists()
