"""Ribbon-v0 and its tiers as Gymnasium environments (docs/design.md §3)."""

from __future__ import annotations

import warnings
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st
from rigorgym.envs.games import game_of
from rigorgym.envs.ribbon import (
    KnotInstance,
    KnotListGenerator,
    RandomRibbonGenerator,
    RibbonEnv,
    RibbonReward,
    SuiteGenerator,
    candidate_bands,
    crossing_graph,
    reverse_pd,
    ribbon_double,
    rolfsen_names,
    to_pyg,
)
from rigorgym.envs.suites import list_suites
from rigorgym.verifiers import verify
from rigorgym.verifiers.diagram import Diagram, IllegalMove, apply_band, apply_move
from rigorgym.verifiers.slice_obstructions import signature

import rigorgym  # noqa: F401  (registers the ids)

RIBBON_IDS = ["Ribbon-v0", "Ribbon-Easy-v0", "Ribbon-KnotInfo12-v0", "Ribbon-KnotInfo13-v0", "Ribbon-Doubles-v0"]
SUITE_IDS = {
    "Ribbon-KnotInfo12-v0": "ribbon-knotinfo-12",
    "Ribbon-KnotInfo13-v0": "ribbon-knotinfo-13",
    "Ribbon-Doubles-v0": "ribbon-doubles-30",
}
SIX_ONE = KnotInstance.from_name("6_1")


def _registered(env_id: str) -> bool:
    return env_id in gym.registry


def _check(env: gym.Env) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    complaints = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert not complaints, complaints


def _legal(mask: np.ndarray, rng: np.random.Generator) -> int:
    legal = np.flatnonzero(mask)
    assert len(legal) > 0, "a live state with no legal action"
    return int(rng.choice(legal))


def _replay(env: RibbonEnv) -> Any:
    """The env's recorded moves replayed through the kernel from the instance."""
    state = env.instance.diagram()
    for move in env.moves:
        state = apply_move(state, move)
    return state


def _solving_action(env: RibbonEnv, instance: KnotInstance) -> int:
    """A band action that wins on ``instance`` in one step (found by trying them)."""
    _, info = env.reset(seed=0, options={"instance": instance})
    for action in np.flatnonzero(info["action_mask"][1:]) + 1:
        env.reset(seed=0, options={"instance": instance})
        _, _, terminated, _, _ = env.step(int(action))
        if terminated:
            return int(action)
    raise AssertionError("no band action solves the instance")


# -- registration and the Gymnasium checker ------------------------------------------------------


def test_suite_tiers_are_registered_when_their_suite_ships() -> None:
    for env_id, suite in SUITE_IDS.items():
        assert _registered(env_id) == (suite in list_suites())
    assert _registered("Ribbon-v0") and _registered("Ribbon-Easy-v0")
    assert game_of("Ribbon-Easy-v0").env == "Ribbon-v0"


@pytest.mark.parametrize("env_id", RIBBON_IDS)
def test_registered_and_passes_check_env(env_id: str) -> None:
    """Registered as a RibbonEnv; Gymnasium's checker runs on every registered id in tests/test_env.py."""
    if not _registered(env_id):
        pytest.skip(f"{env_id}: suite not shipped")
    spec = gym.spec(env_id)
    assert str(spec.entry_point).startswith("rigorgym.")  # so tests/test_env.py checks it
    assert spec.max_episode_steps and spec.max_episode_steps > 0
    env = gym.make(env_id)
    assert isinstance(env.unwrapped, RibbonEnv)
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)


@pytest.mark.parametrize("render_mode", ["ansi", "rgb_array"])
def test_check_env_with_render_modes(render_mode: str) -> None:
    env = gym.make("Ribbon-Easy-v0", render_mode=render_mode)
    _check(env.unwrapped)
    env.reset(seed=0)
    frame = env.render()
    if render_mode == "ansi":
        assert isinstance(frame, str)
        counts, pd = frame.splitlines()
        assert "crossings=" in counts and "components=1" in counts and "bands=0/3" in counts
        assert pd == f"PD {env.unwrapped.diagram.to_json()}"
    else:
        assert isinstance(frame, np.ndarray) and frame.dtype == np.uint8
        assert frame.ndim == 3 and frame.shape[2] == 3 and frame.shape[0] > 50 and frame.shape[1] > 50
        assert frame.std() > 0


def test_render_of_a_crossingless_diagram_and_without_mode() -> None:
    env = RibbonEnv(render_mode="rgb_array")
    env.reset(options={"instance": {"pd": [[1, 1, 2, 2]]}})  # a kink: simplify wins with no band
    env.step(0)
    assert env.diagram.crossings == 0
    assert env.render().std() > 0
    assert RibbonEnv().render() is None


def test_bad_constructor_arguments() -> None:
    for kwargs in ({"render_mode": "human"}, {"max_bands": 0}, {"max_twists": -1}, {"max_twists": 17},
                   {"max_band_len": 1}, {"max_band_moves": -1}, {"max_crossings": 0}):  # fmt: skip
        with pytest.raises(ValueError):
            RibbonEnv(**kwargs)
    with pytest.raises(gym.error.ResetNeeded):
        RibbonEnv().step(0)
    assert RibbonEnv(max_bands=10).action_space.n == 11


# -- determinism and seeding ---------------------------------------------------------------------


def _trajectory(env_id: str, seed: int, steps: int = 12) -> list[Any]:
    env = gym.make(env_id)
    obs, info = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    out: list[Any] = [obs]
    for _ in range(steps):
        action = _legal(info["action_mask"], rng) if rng.random() < 0.9 else int(rng.integers(env.action_space.n))
        obs, reward, terminated, truncated, info = env.step(action)
        out.append((obs, reward, terminated, truncated, list(env.unwrapped.moves)))
        if terminated or truncated:
            obs, info = env.reset()
            out.append(obs)
    return out


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_same_seed_same_trajectory() -> None:
    first, second = _trajectory("Ribbon-Easy-v0", 3), _trajectory("Ribbon-Easy-v0", 3)
    assert len(first) == len(second)
    assert all(_equal(a, b) for a, b in zip(first, second, strict=True))


def test_seeded_resets_draw_the_same_instances() -> None:
    env = gym.make("Ribbon-v0")

    def draws() -> list[Any]:
        env.reset(seed=11)
        out = [env.unwrapped.instance]
        for _ in range(3):
            env.reset()
            out.append(env.unwrapped.instance)
        return out

    a, b = draws(), draws()
    assert a == b
    assert all(x.name.endswith("#-" + x.name.split("#-")[0]) for x in a)


# -- masks and illegal actions ---------------------------------------------------------------------


def test_every_masked_in_action_is_legal_for_the_kernel() -> None:
    env = RibbonEnv(generator=KnotListGenerator(["5_2"]))
    _, info = env.reset(seed=0)
    diagram = env.diagram
    assert info["action_mask"][0]
    for k in np.flatnonzero(info["action_mask"][1:]) + 1:
        move = env.action_move(int(k))
        assert move == {"op": "band", "band": env.candidates[k - 1].spec}
        after = apply_move(diagram, move)
        assert after.components == 2
    assert env.candidates == candidate_bands(diagram, 1, None)[:256]
    assert not info["action_mask"][1 + len(env.candidates) :].any()


def test_illegal_actions_are_penalised_no_ops() -> None:
    env = gym.make("Ribbon-Easy-v0")
    obs, info = env.reset(seed=5, options={"instance": SIX_ONE})  # fewer candidates than actions
    n_actions = env.action_space.n
    masked = np.flatnonzero(~info["action_mask"])
    assert len(masked)
    penalty = float(RibbonReward()(6, 6, 0, 0, 0, 0))
    assert penalty == pytest.approx(-1.05)
    bad_actions: list[Any] = [
        -1, n_actions, 10**30, int(masked[0]), 2.0, float("nan"), "0", None, True, [0], (0,), {"a": 0},
        np.array([0, 1]), np.array([[1]], dtype=float), np.float64(1.0), np.bool_(True), np.int64(-5), object(),
    ]  # fmt: skip
    pd = env.unwrapped.diagram
    for action in bad_actions:
        new_obs, reward, terminated, truncated, new_info = env.step(action)
        assert new_info["illegal_action"], action
        assert reward == pytest.approx(penalty), action
        assert not terminated and not truncated
        assert _equal(new_obs, obs), action
        assert (new_info["action_mask"] == info["action_mask"]).all()
        assert env.unwrapped.diagram == pd
    assert env.unwrapped.moves == []


def test_bands_are_masked_out_when_the_budget_is_spent() -> None:
    env = RibbonEnv(generator=KnotListGenerator(["7_4"]), max_band_moves=1, simplify_after_band=False)
    _, info = env.reset(seed=0)
    band = int(np.flatnonzero(info["action_mask"][1:])[0]) + 1
    _, _, terminated, truncated, info = env.step(band)
    assert not terminated and not truncated and not info["illegal_action"]
    assert [m["op"] for m in env.moves] == ["band"] and info["components"] == 2
    assert info["action_mask"].tolist() == [True] + [False] * env.max_bands
    _, _, terminated, truncated, info = env.step(0)  # the one simplification left: win or give up
    assert terminated or truncated
    assert [m["op"] for m in env.moves] == ["band", "simplify"]


def test_random_actions_never_crash_and_observations_stay_in_space() -> None:
    rng = np.random.default_rng(0)
    env = gym.make("Ribbon-Easy-v0")
    obs, info = env.reset(seed=1)
    for _ in range(40):
        action = _legal(info["action_mask"], rng) if rng.random() < 0.7 else int(rng.integers(-3, 300))
        obs, reward, terminated, truncated, info = env.step(action)
        assert env.observation_space.contains(obs)
        assert np.isfinite(reward)
        assert (info["action_mask"] == env.unwrapped.action_masks()).all()
        assert (obs["band_mask"] == info["action_mask"][1:]).all()
        assert obs["stats"].tolist()[:4] == [info["crossings"], info["components"], info["free_unknots"],
                                              info["bands_used"]]  # fmt: skip
        assert info["components"] == info["bands_used"] + 1  # every legal band adds one component
        if terminated:
            assert verify(info["certificate"]).valid
        if terminated or truncated:
            obs, info = env.reset()


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**16), steps=st.integers(1, 5), auto=st.booleans())
def test_random_play_replays_exactly_through_the_kernel(seed: int, steps: int, auto: bool) -> None:
    env = RibbonEnv(generator=RandomRibbonGenerator(4, 1), simplify_after_band=auto, max_band_moves=2)
    _, info = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        action = _legal(info["action_mask"], rng) if rng.random() < 0.85 else int(rng.integers(0, 300))
        _, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            break
    assert _replay(env) == env.diagram
    if env.solved:
        assert verify(env.certificate()).valid


def test_a_kernel_rejection_is_a_penalised_no_op_and_is_masked_afterwards(monkeypatch: pytest.MonkeyPatch) -> None:
    from rigorgym.envs.ribbon import env as env_module

    def refuse(diagram: Any, spec: Any) -> Any:
        raise IllegalMove("refused")

    env = RibbonEnv(generator=KnotListGenerator(["4_1"]))
    env.reset(seed=0)
    monkeypatch.setattr(env_module, "apply_band", refuse)
    _, reward, _, _, info = env.step(1)
    assert info["illegal_action"] and reward < -1 and not info["action_mask"][1] and env.moves == []


# -- success and certificates --------------------------------------------------------------------


def test_a_band_solves_6_1_with_a_certificate_the_kernel_accepts() -> None:
    env = RibbonEnv(generator=KnotListGenerator([SIX_ONE]))
    action = _solving_action(env, SIX_ONE)
    env.reset(seed=0)
    _, reward, terminated, truncated, info = env.step(action)
    assert terminated and not truncated and reward > 9
    cert = info["certificate"]
    assert cert["env"] == "Ribbon-v0" and cert["claim"] == "ribbon"
    assert cert["instance"] == {"pd": [list(x) for x in SIX_ONE.pd], "name": "6_1"}
    assert [m["op"] for m in cert["moves"]] == ["band", "simplify"]
    assert cert["moves"] == env.moves and cert["meta"]["seed"] == 0
    verdict = verify(cert)
    assert verdict.valid, verdict.reason
    assert info["crossings"] == 0 and info["components"] == 2 and not info["action_mask"].any()
    # the env method builds the same certificate from moves (as search agents do)
    assert env.make_certificate(SIX_ONE, env.moves) == cert


def test_a_kink_is_won_by_simplification_alone() -> None:
    env = RibbonEnv()
    _, info = env.reset(seed=0, options={"instance": {"pd": [[1, 1, 2, 2]], "id": "kink/0"}})
    _, _, terminated, _, info = env.step(0)
    assert terminated and verify(info["certificate"]).valid
    assert info["certificate"]["meta"]["instance_id"] == "kink/0"


# -- instances at reset and generators -------------------------------------------------------------


def test_reset_with_an_instance_dict_or_object() -> None:
    env = gym.make("Ribbon-v0")
    as_dict = {"pd": [list(x) for x in SIX_ONE.pd], "name": "6_1"}
    for given_instance in (as_dict, SIX_ONE):
        _, info = env.reset(seed=0, options={"instance": given_instance})
        assert env.unwrapped.instance == SIX_ONE and info["crossings"] == 6 and info["bands_used"] == 0


def test_bad_instances_raise_value_errors() -> None:
    env = RibbonEnv(max_crossings=8)
    cases = [
        ({"pd": [[1, 2, 3]]}, "crossing"),
        ({"pd": [[1, 2, 3, 4]]}, "appears"),
        ({"pd": "6_1"}, "list"),
        ({"knot": []}, "'pd'"),
        ({"pd": [], "colour": 1}, "unknown"),
        ({"pd": [[1, 3, 2, 4], [3, 1, 4, 2]]}, "components"),  # the Hopf link is not a knot
        ({"pd": [list(x) for x in KnotInstance.from_name("K12n553").pd]}, "max_crossings"),
    ]
    for instance, message in cases:
        with pytest.raises(ValueError, match=message):
            env.reset(options={"instance": instance})
    with pytest.raises(ValueError, match="unknown knot"):
        KnotListGenerator(["99_99"])
    with pytest.raises(ValueError, match="not shipped"):
        SuiteGenerator("ribbon-nonexistent")(np.random.default_rng(0))
    with pytest.raises(ValueError, match="not a Ribbon-v0"):
        SuiteGenerator("plumbing-small-6")(np.random.default_rng(0))


def test_generators() -> None:
    rng = np.random.default_rng(0)
    ordered = KnotListGenerator(["3_1", [list(x) for x in SIX_ONE.pd], {"pd": [[1, 1, 2, 2]]}], shuffle=False)
    assert [ordered(rng).crossings for _ in range(4)] == [3, 6, 1, 3]
    assert rolfsen_names(3, 6) == ("3_1", "4_1", "5_1", "5_2", "6_1", "6_2", "6_3")
    assert len(rolfsen_names(3, 8)) == 35
    gen = RandomRibbonGenerator(6, 0)
    knot = gen(np.random.default_rng(1))
    base = knot.name.split("#-")[0]
    assert knot.crossings == 2 * KnotInstance.from_name(base).crossings
    assert signature(knot.diagram()) == 0  # K # -K is slice
    scrambled = RandomRibbonGenerator(6, 3)(np.random.default_rng(1))
    assert scrambled.crossings >= knot.crossings
    assert RandomRibbonGenerator(6, 3)(np.random.default_rng(1)) == scrambled  # seeded
    suites = [s for s in SUITE_IDS.values() if s in list_suites()]
    if suites:
        suite = SuiteGenerator(suites[0], shuffle=False)
        first = suite(rng)
        assert first.id is not None and first.id.startswith(suites[0])


def test_minus_k_is_the_reversed_mirror() -> None:
    trefoil = KnotInstance.from_name("3_1")
    pd = [list(x) for x in trefoil.pd]
    assert reverse_pd(reverse_pd(pd)) == pd
    # the square knot 3_1 # -3_1 has signature 0; the granny 3_1 # 3_1 has signature +-4
    square = KnotInstance(ribbon_double(trefoil.pd), "square").diagram()
    assert signature(square) == 0 and abs(signature(trefoil.diagram())) == 2
    # reversing keeps every crossing sign of a knot
    assert (
        crossing_graph(KnotInstance(tuple(map(tuple, reverse_pd(pd)))).diagram()).signs
        == crossing_graph(trefoil.diagram()).signs
    )


# -- the graph view --------------------------------------------------------------------------------


def test_crossing_graph_and_to_pyg() -> None:
    import torch

    diagram = SIX_ONE.diagram()
    graph = crossing_graph(diagram)
    assert len(graph.signs) == 6 and set(graph.signs) <= {-1, 1}
    assert len(graph.arcs) == 12  # one arc per PD label
    # each crossing has two arcs in and two out, one over and one under each way
    for c in range(6):
        outs = sorted(s for t, s, _, _ in graph.arcs if t == c)
        ins = sorted(s for _, _, h, s in graph.arcs if h == c)
        assert len(outs) == len(ins) == 2 and outs[0] % 2 != outs[1] % 2 and ins[0] % 2 != ins[1] % 2
    data = to_pyg(diagram)
    assert data.x.shape == (6, 1) and data.x.dtype == torch.float32
    assert data.edge_index.shape == (2, 24) and data.edge_attr.shape == (24, 3)
    assert data.num_nodes == 6 and data.components == 1 and data.free_unknots == 0
    env = RibbonEnv(generator=KnotListGenerator([SIX_ONE]))
    env.reset(seed=0)
    assert torch.equal(env.graph_data().edge_index, data.edge_index)
    banded = apply_band(diagram, candidate_bands(diagram)[0].spec)
    assert to_pyg(banded).num_nodes == banded.crossings
    empty = to_pyg(Diagram((), 2))
    assert empty.num_nodes == 0 and empty.edge_index.shape == (2, 0) and empty.free_unknots == 2


def test_observation_encodes_the_diagram() -> None:
    env = RibbonEnv(generator=KnotListGenerator([SIX_ONE]), max_crossings=8, max_bands=300)
    obs, info = env.reset(seed=0)
    pd = np.array(env.diagram.pd)
    assert (obs["pd"][:6] == pd).all() and (obs["pd"][6:] == -1).all()
    assert obs["crossing_mask"].tolist() == [1] * 6 + [0] * 2
    assert obs["signs"][:6].tolist() == list(crossing_graph(env.diagram).signs) and not obs["signs"][6:].any()
    n = len(env.candidates)
    assert obs["band_mask"].sum() == n and obs["bands"][n:].sum() == 0
    first = env.candidates[0]
    assert obs["bands"][0, 4] == first.twists and obs["bands"][0, 5] == first.crossed
    assert obs["stats"].tolist() == [6, 1, 0, 0, 3]
