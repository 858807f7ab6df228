"""UnKnot-Diagram-v0 (``envs/unknot_diagram``): exact masks, seeded determinism, replay through the kernel."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
from rigorgym.envs.unknot_diagram import (
    DiagramInstance,
    ScrambledUnknotGenerator,
    SuiteGenerator,
    UnKnotDiagramEnv,
)
from rigorgym.verifiers import verify
from rigorgym.verifiers.reidemeister import IllegalMove, apply_move

import rigorgym  # noqa: F401  (registers the ids)

TREFOIL = [[1, 5, 2, 4], [3, 1, 4, 6], [5, 3, 6, 2]]


def test_the_mask_is_exactly_the_kernels_legality() -> None:
    env = UnKnotDiagramEnv(ScrambledUnknotGenerator(8, 10), max_crossings=12)
    env.reset(seed=1)
    rng = np.random.default_rng(1)
    for _ in range(60):
        mask, d = env.action_masks(), env.diagram
        assert d is not None
        for a in range(env.layout.size):
            move = env.layout.decode(a, d)
            legal = move is not None
            if legal:
                try:
                    after = apply_move(d, move)
                    legal = after.size <= env.max_crossings
                except IllegalMove:
                    legal = False
            assert legal == mask[a], (a, move)
        _, _, terminated, _, _ = env.step(int(rng.choice(np.flatnonzero(mask))))
        if terminated:
            env.reset()


def test_seeded_determinism_and_replay() -> None:
    def episode(seed: int) -> tuple[list[int], list[dict]]:
        env = gym.make("UnKnot-Diagram-v0")
        env.reset(seed=seed)
        env.action_space.seed(seed)
        rng = np.random.default_rng(seed)
        actions = []
        for _ in range(40):
            a = int(rng.choice(np.flatnonzero(env.unwrapped.action_masks())))
            actions.append(a)
            env.step(a)
        return actions, env.unwrapped.moves

    assert episode(3) == episode(3)
    env = UnKnotDiagramEnv()
    env.reset(seed=3)
    _, moves = episode(3)
    state = env.diagram
    for move in moves:
        state = apply_move(state, move)
    assert state.size >= 0


def test_a_won_episode_is_a_verified_certificate() -> None:
    env = UnKnotDiagramEnv(max_crossings=8)
    env.reset(options={"instance": {"pd": [[1, 1, 2, 2]]}})
    _, reward, terminated, truncated, info = env.step(0)  # R1 remove crossing 0
    assert terminated and not truncated and reward > 5
    assert verify(info["certificate"]).valid


def test_illegal_actions_are_penalised_no_ops() -> None:
    env = UnKnotDiagramEnv(max_crossings=8)
    obs, _ = env.reset(options={"instance": {"pd": TREFOIL}})
    for bad in (-1, env.layout.size, 0, "r1", 2.5, np.array([0.0])):
        obs2, reward, terminated, _, info = env.step(bad)
        assert info["illegal_action"] and reward < 0 and not terminated
        assert np.array_equal(obs2["pd"], obs["pd"])


def test_instances_are_validated() -> None:
    with pytest.raises(ValueError, match="components"):
        DiagramInstance.from_instance({"pd": [[1, 3, 2, 4], [4, 2, 3, 1]]})
    with pytest.raises(ValueError, match="invalid PD"):
        DiagramInstance.from_instance({"pd": [[1, 2, 3, 4]]})
    with pytest.raises(ValueError, match="not shipped"):
        SuiteGenerator("no-such-suite")(np.random.default_rng(0))
    with pytest.raises(ValueError, match="max_crossings"):
        UnKnotDiagramEnv(max_crossings=0)


def test_scrambles_are_unknots_of_the_asked_size() -> None:
    import knot_floer_homology
    import spherogram

    gen = ScrambledUnknotGenerator(12, 30)
    rng = np.random.default_rng(0)
    for _ in range(4):
        instance = gen(rng)
        assert instance.crossings == 12
        link = spherogram.Link([list(c) for c in instance.pd])
        link.simplify("basic")
        if link.crossings:
            assert knot_floer_homology.pd_to_hfk(link.PD_code())["total_rank"] == 1


@pytest.mark.parametrize("mode", ["ansi", "rgb_array"])
def test_render_modes(mode: str) -> None:
    env = gym.make("UnKnot-Diagram-v0", render_mode=mode)
    env.reset(seed=0)
    out = env.render()
    if mode == "ansi":
        assert isinstance(out, str) and "crossings" in out
    else:
        assert isinstance(out, np.ndarray) and out.ndim == 3 and out.shape[2] == 3 and out.dtype == np.uint8


def test_sb3_maskable_ppo_trains_and_its_folder_solves(tmp_path) -> None:
    """``rigorgym train`` (SB3's MaskablePPO) and ``rigorgym solve`` with its folder, in process (the CLI's
    own process is exercised by tests/test_vec_diagram.py and tests/test_cli.py)."""
    from rigorgym.cli import main

    out = tmp_path / "agent"
    assert main(["train", "UnKnot-Diagram-v0", "--algo", "maskable_ppo", "--policy", "mlp", "--steps", "256",
                 "--out", str(out)]) == 0  # fmt: skip
    certs = tmp_path / "c.jsonl"
    assert main(["solve", "UnKnot-Diagram-v0", "--agent", str(out), "--pd", "[[1,1,2,2]]", "--budget-s", "2",
                 "--out", str(certs)]) == 0  # fmt: skip
    cert = json.loads(certs.read_text().splitlines()[0])
    assert verify(cert).valid
