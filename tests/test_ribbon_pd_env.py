"""Ribbon-PD-v0: the Ribbon game on the project's own PD kernel (envs/ribbon/pd_env.py, pd_logic.py, pd_core.py).

Checked here: the compiled candidate lists equal the Python reference and the kernel's own enumerations;
every listed move is one the kernel plays; every trajectory replays through the kernel to the env's
diagram; won episodes give certificates that verify; seeding is deterministic; bad actions are no-ops.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from rigorgym.envs.ribbon import KnotInstance, pd_core, pd_logic
from rigorgym.envs.ribbon.pd_env import RibbonPDEnv
from rigorgym.verifiers import verify
from rigorgym.verifiers.bands import apply_move, legal_bands
from rigorgym.verifiers.pd import PD
from rigorgym.verifiers.reidemeister import IllegalMove, legal_moves

import rigorgym  # noqa: F401  (registers the ids)

SUITES = Path(__file__).resolve().parents[1] / "envs" / "suites" / "data"


def _knots(suite: str, count: int) -> list[dict[str, Any]]:
    with (SUITES / f"{suite}.jsonl").open() as handle:
        return [json.loads(line) for line, _ in zip(handle, range(count), strict=False)]


def _random_diagrams(seed: int, count: int) -> list[PD]:
    """Diagrams reached by random legal play (bands, fingers, R3, reduce) from suite knots."""
    rng = np.random.default_rng(seed)
    env = RibbonPDEnv(max_crossings=96)
    out = []
    for row in _knots("ribbon-gen-20", 6) + _knots("ribbon-knotinfo-13", 6):
        _, info = env.reset(seed=int(rng.integers(1 << 30)), options={"instance": row})
        for _ in range(count):
            action = int(rng.choice(np.flatnonzero(info["action_mask"])))
            _, _, terminated, truncated, info = env.step(action)
            assert env.diagram is not None
            out.append(env.diagram)
            if terminated or truncated:
                break
    return out


DIAGRAMS = _random_diagrams(0, 12)


def test_compiled_lists_equal_the_python_reference() -> None:
    assert len(DIAGRAMS) > 100
    for d in DIAGRAMS:
        for sizes in ((64, 256, 256, 1), (3, 17, 40, 2), (0, 0, 1, 0), (1000, 10_000, 10_000, 3)):
            assert pd_core.candidates(d, *sizes) == pd_logic.candidates(d, *sizes), sizes


def test_lists_equal_the_kernels_own_enumerations() -> None:
    """R3 moves and reducibility agree with the kernel's ``legal_moves``; bands with its ``legal_bands``."""
    for d in DIAGRAMS:
        lists = pd_logic.candidates(d, 10_000, 100_000, 100_000, 2)
        kernel = legal_moves(d)
        assert [pd_logic.to_move("r3", m) for m in lists.r3] == [m for m in kernel if m["op"] == "r3"]
        removals = [m for m in kernel if m["op"] in ("r1_remove", "r2_remove")]
        assert lists.can_reduce == bool(removals)
        assert [pd_logic.to_move("finger", m) for m in lists.finger] == [m for m in kernel if m["op"] == "r2_add"]
        assert [pd_logic.to_move("band", m) for m in lists.band] == legal_bands(d, 2)


def test_every_listed_move_is_played_by_the_kernel() -> None:
    for d in DIAGRAMS[::3]:
        lists = pd_logic.candidates(d, 64, 64, 64, 1)
        for block in ("r3", "finger", "band"):
            for entry in getattr(lists, block):
                apply_move(d, pd_logic.to_move(block, entry))  # raises IllegalMove if not
        reduced, moves = pd_logic.reduce(d)
        assert pd_logic.first_removal(reduced) is None
        assert reduced.size == d.size - sum(1 if m["op"] == "r1_remove" else 2 for m in moves)


def test_trajectories_replay_through_the_kernel_and_wins_verify() -> None:
    rng = np.random.default_rng(1)
    env = gym.make("Ribbon-PD-Gen20-v0", max_episode_steps=60)
    wins = 0
    for episode in range(30):
        _, info = env.reset(seed=episode)
        unwrapped = env.unwrapped
        assert isinstance(unwrapped, RibbonPDEnv) and unwrapped.instance is not None
        state = PD.from_pd([list(c) for c in unwrapped.instance.pd])
        done = False
        while not done:
            legal = np.flatnonzero(info["action_mask"])
            # prefer bands and reductions: random fingers only grow the diagram
            small = legal[(legal == 0) | (legal >= unwrapped.layout["band"])]
            action = int(rng.choice(small if len(small) and rng.random() < 0.8 else legal))
            before = len(unwrapped.moves)
            _, _, terminated, truncated, info = env.step(action)
            assert not info["illegal_action"]
            for move in unwrapped.moves[before:]:
                state = apply_move(state, move)
            assert state == unwrapped.diagram
            done = terminated or truncated
        if terminated:
            wins += 1
            assert verify(info["certificate"]).valid
        else:  # an unwon episode claimed as a proof is refused
            cert = unwrapped.certificate()
            assert not verify(cert).valid
    assert wins >= 1


def _win_within(env: RibbonPDEnv, depth: int) -> dict[str, Any] | None:
    """Depth-first over reduce and R3 actions from the env's state: a won episode's info, or None."""
    if depth == 0:
        return None
    mask = env.action_masks()
    lo = env.layout["r3"]
    for action in [0, *(lo + k for k in range(env.max_r3) if mask[lo + k])]:
        if not mask[action]:
            continue
        trial = copy.deepcopy(env)
        _, reward, terminated, _, info = trial.step(action)
        if terminated:
            assert reward > 5
            return info
        found = _win_within(trial, depth - 1)
        if found is not None:
            return found
    return None


def test_a_one_band_knot_is_won_by_a_band_then_reidemeister_moves() -> None:
    """6_1: a band action, then reduce and R3 actions, leave two crossingless circles; the certificate verifies."""
    env = RibbonPDEnv(max_r3=8)
    instance = KnotInstance.from_instance(_knots("ribbon-knotinfo-12", 1)[0])
    for k in range(env.max_bands):
        _, info = env.reset(seed=0, options={"instance": instance})
        action = env.layout["band"] + k
        if not info["action_mask"][action]:
            break
        _, _, terminated, _, info = env.step(action)
        won = info if terminated else _win_within(env, 4)
        if won is not None:
            cert = won["certificate"]
            assert verify(cert).valid and cert["env"] == "Ribbon-v0"
            assert cert["moves"][0]["op"] == "fission" and won["bands_used"] == 1
            return
    pytest.fail("no band and four reduce/R3 actions win 6_1")


def test_seeded_runs_are_identical() -> None:
    def run() -> list[Any]:
        env = gym.make("Ribbon-PD-v0")
        rng = np.random.default_rng(7)
        obs, info = env.reset(seed=3)
        trace = [obs["pd"].tobytes()]
        for _ in range(25):
            obs, reward, terminated, truncated, info = env.step(int(rng.choice(np.flatnonzero(info["action_mask"]))))
            trace.append((obs["pd"].tobytes(), obs["bands"].tobytes(), reward))
            if terminated or truncated:
                obs, info = env.reset()
        return trace

    assert run() == run()


@pytest.mark.parametrize("action", [-1, 10**9, 2.5, "0", None, np.int64(576)])
def test_bad_actions_are_no_ops(action: Any) -> None:
    env = RibbonPDEnv()
    obs, _ = env.reset(seed=0, options={"instance": _knots("ribbon-knotinfo-12", 1)[0]})
    moves = env.moves
    obs2, reward, terminated, truncated, info = env.step(action)
    assert info["illegal_action"] and reward < 0 and not terminated and not truncated
    assert env.moves == moves and np.array_equal(obs["pd"], obs2["pd"])


def test_masks_and_observation_agree() -> None:
    env = RibbonPDEnv(max_r3=8, max_fingers=16, max_bands=32)
    obs, info = env.reset(seed=0, options={"instance": _knots("ribbon-gen-30", 1)[0]})
    assert np.array_equal(obs["action_mask"].astype(bool), env.action_masks())
    assert env.observation_space.contains(obs)
    for block, key, width in (("finger", "fingers", 16), ("band", "bands", 32)):
        lo = env.layout[block]
        listed = int(env.action_masks()[lo : lo + width].sum())
        assert listed == int((obs[key].any(axis=1)).sum()) > 0
        assert env.action_moves(lo)[0]["op"] == ("r2_add" if block == "finger" else "fission")
    # the band budget: no band listed once max_band_moves bands are played
    env = RibbonPDEnv(max_band_moves=0)
    _, info = env.reset(seed=0, options={"instance": _knots("ribbon-knotinfo-12", 1)[0]})
    assert not info["action_mask"][env.layout["band"] :].any()


def test_refuses_bad_arguments_and_instances() -> None:
    with pytest.raises(ValueError, match="max_half_twists"):
        RibbonPDEnv(max_half_twists=17)
    with pytest.raises(ValueError, match="max_bands"):
        RibbonPDEnv(max_bands=0)
    env = RibbonPDEnv(max_crossings=4)
    with pytest.raises(ValueError, match="max_crossings=4"):
        env.reset(options={"instance": _knots("ribbon-knotinfo-12", 1)[0]})
    with pytest.raises(gym.error.ResetNeeded):
        RibbonPDEnv().step(0)


def test_render_modes() -> None:
    env = RibbonPDEnv(render_mode="ansi")
    env.reset(seed=0, options={"instance": _knots("ribbon-knotinfo-12", 1)[0]})
    text = env.render()
    assert isinstance(text, str) and "crossings=6" in text and "PD [[" in text
    env = RibbonPDEnv(render_mode="rgb_array")
    env.reset(seed=0, options={"instance": _knots("ribbon-knotinfo-12", 1)[0]})
    image = env.render()
    assert isinstance(image, np.ndarray) and image.ndim == 3 and image.dtype == np.uint8


def test_kernel_refusal_is_a_no_op_never_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were a listed move ever refused by the kernel, the step is an illegal no-op and the action is masked."""
    env = RibbonPDEnv()
    _, info = env.reset(seed=0, options={"instance": _knots("ribbon-knotinfo-12", 1)[0]})
    action = env.layout["band"]

    def refuse(*_: Any) -> Any:
        raise IllegalMove("refused")

    monkeypatch.setattr(pd_logic, "apply_move", refuse)
    _, _, _, _, info = env.step(action)
    assert info["illegal_action"] and not env.action_masks()[action] and env.moves == []
