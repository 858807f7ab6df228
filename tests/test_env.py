"""UnKnot-v0 and its tiers as Gymnasium environments (docs/design.md §3)."""

from __future__ import annotations

import pickle
import subprocess
import sys
import warnings
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from rigorgym.envs.suites import load_suite
from rigorgym.envs.unknot import (
    BraidInstance,
    InstanceListGenerator,
    ScrambleGenerator,
    SuiteGenerator,
    UnKnotEnv,
    UnknotReward,
    knot_generator,
)
from rigorgym.envs.unknot.generator import invert_moves
from rigorgym.verifiers import verify

import rigorgym  # noqa: F401  (registers the ids)

RIGORGYM_IDS = sorted(env_id for env_id, spec in gym.registry.items() if str(spec.entry_point).startswith("rigorgym."))

# Small unknots that a few random legal moves can win (destabilize, rotate, cancel).
TINY = (
    BraidInstance(2, (1,)),
    BraidInstance(2, (-1,)),
    BraidInstance(3, (1, 2)),
    BraidInstance(3, (2, -1)),
    BraidInstance(2, (1, -1, 1)),
)


def _check(env: gym.Env) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    complaints = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert not complaints, complaints


def _legal(mask: np.ndarray, rng: np.random.Generator, layout: Any = None) -> int:
    """A uniformly random legal action; given the ``layout``, half the time one that does not grow the word."""
    legal = np.flatnonzero(mask)
    assert len(legal) > 0, "a state with no legal action"
    if layout is not None and rng.random() < 0.5:
        shrinking = legal[(legal < layout.insert_base) | (legal == layout.n_actions - 1)]
        if len(shrinking):
            return int(rng.choice(shrinking))
    return int(rng.choice(legal))


def _penalty(length: int, strands: int) -> float:
    """The reward of an illegal (no-op) action under the default reward."""
    return float(UnknotReward()(length, strands, length, strands, 0, 0))


def _play_inverse(env: gym.Env, inst: BraidInstance, inverse: list[dict[str, Any]]) -> tuple[dict[str, Any], list]:
    """Reset on ``inst``, play the inverse scramble; return the last info and the step results."""
    layout = env.unwrapped.layout
    _, info = env.reset(seed=0, options={"instance": inst})
    results = []
    for move in inverse:
        action = layout.from_move(move)
        assert info["action_mask"][action], f"inverse move {move} is masked"
        obs, reward, terminated, truncated, info = env.step(action)
        results.append((reward, terminated, truncated))
    return info, results


# -- the Gymnasium checker ------------------------------------------------------------


def test_ids_are_registered() -> None:
    for env_id in ("UnKnot-v0", "UnKnot-Easy-v0", "UnKnot-Medium-v0", "UnKnot-Hard-v0"):
        assert env_id in RIGORGYM_IDS
    for env_id in RIGORGYM_IDS:
        spec = gym.spec(env_id)
        assert spec.max_episode_steps is not None and spec.max_episode_steps > 0
        if str(spec.entry_point).endswith("unknot.env:UnKnotEnv"):
            assert spec.vector_entry_point is not None


@pytest.mark.parametrize("env_id", RIGORGYM_IDS)
def test_check_env_every_registered_id(env_id: str) -> None:
    _check(gym.make(env_id).unwrapped)


@pytest.mark.parametrize("render_mode", [None, "ansi", "rgb_array"])
def test_check_env_dict_observation_and_render_modes(render_mode: str | None) -> None:
    _check(gym.make("UnKnot-v0", observation="dict", render_mode=render_mode).unwrapped)
    _check(gym.make("UnKnot-v0", render_mode=render_mode).unwrapped)


def test_make_by_module_prefix_in_fresh_interpreter(tmp_path) -> None:
    code = (
        "import gymnasium as gym\n"
        "env = gym.make('rigorgym:UnKnot-v0')\n"
        "obs, info = env.reset(seed=0)\n"
        "a = int(info['action_mask'].nonzero()[0][0])\n"
        "obs, r, te, tr, info = env.step(a)\n"
        "assert not info['illegal_action']\n"
        "print('OK', type(env.unwrapped).__name__)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "OK UnKnotEnv" in proc.stdout


# -- determinism and seeding ----------------------------------------------------------


def _rollout(env: gym.Env, seed: int, steps: int, shrink: bool, policy_seed: int = 123) -> list[tuple]:
    rng = np.random.default_rng(policy_seed)
    layout = env.unwrapped.layout if shrink else None
    obs, info = env.reset(seed=seed)
    trace: list[tuple] = [("reset", obs.tolist(), info["action_mask"].tolist())]
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(_legal(info["action_mask"], rng, layout))
        assert env.observation_space.contains(obs)
        cert = info.get("certificate")
        trace.append((obs.tolist(), reward, terminated, truncated, info["action_mask"].tolist(), cert))
        if terminated or truncated:
            trace.append(("end", env.unwrapped.certificate()))
            obs, info = env.reset()
            trace.append(("reset", obs.tolist(), info["action_mask"].tolist()))
    return trace


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_episode_steps": 40},
        {"max_episode_steps": 6, "generator": InstanceListGenerator(TINY)},
    ],
    ids=["scramble", "tiny"],
)
def test_same_seed_same_trajectory(kwargs: dict[str, Any]) -> None:
    shrink = "generator" in kwargs
    first = _rollout(gym.make("UnKnot-v0", **kwargs), seed=7, steps=120, shrink=shrink)
    second = _rollout(gym.make("UnKnot-v0", **kwargs), seed=7, steps=120, shrink=shrink)
    assert first == second
    if "generator" in kwargs:  # tiny instances: some episodes were won, with certificates
        certs = [step[5] for step in first if len(step) == 6 and step[5] is not None]
        assert certs, "no episode was won"
        for cert in certs:
            assert verify(cert).valid
            assert cert["meta"]["seed"] == 7
    other = _rollout(gym.make("UnKnot-v0", **kwargs), seed=8, steps=120, shrink=shrink)
    assert other != first


def test_different_seeds_give_different_instances() -> None:
    env = gym.make("UnKnot-v0")
    braids = set()
    for seed in range(12):
        env.reset(seed=seed)
        braids.add(env.unwrapped.braid)
    assert len(braids) == 12

    # and reseeding reproduces the instance sequence
    def sequence() -> list:
        env.reset(seed=3)
        out = [env.unwrapped.braid]
        for _ in range(3):
            env.reset()
            out.append(env.unwrapped.braid)
        return out

    first = sequence()
    assert len(set(first)) == len(first)
    assert sequence() == first


@pytest.mark.parametrize("unwrapped", [False, True])
def test_pickle_roundtrip_steps_identically(unwrapped: bool) -> None:
    env = gym.make("UnKnot-v0")
    if unwrapped:
        env = env.unwrapped
    _, info = env.reset(seed=11)
    rng = np.random.default_rng(0)
    for _ in range(5):  # some history before pickling
        _, _, _, _, info = env.step(_legal(info["action_mask"], rng))
    clone = pickle.loads(pickle.dumps(env))
    assert clone.unwrapped.braid == env.unwrapped.braid
    assert clone.unwrapped.moves == env.unwrapped.moves
    assert np.array_equal(clone.unwrapped.action_masks(), env.unwrapped.action_masks())
    for _ in range(60):
        action = _legal(info["action_mask"], rng)
        a = env.step(action)
        b = clone.step(action)
        assert np.array_equal(a[0], b[0]) and a[1:4] == b[1:4]
        assert np.array_equal(a[4]["action_mask"], b[4]["action_mask"])
        info = a[4]
        if a[2] or a[3]:
            break
    assert clone.unwrapped.moves == env.unwrapped.moves
    assert clone.unwrapped.certificate() == env.unwrapped.certificate()
    # the env's random generator travelled too: the next instances agree
    env.reset()
    clone.reset()
    assert clone.unwrapped.braid == env.unwrapped.braid


# -- illegal actions ------------------------------------------------------------------


def _assert_noop(env: UnKnotEnv, action: Any) -> None:
    obs0 = env._observation() if hasattr(env, "_observation") else None
    braid0, moves0 = env.braid, env.moves
    mask0 = env.action_masks().copy()
    length, strands = len(braid0[1]), braid0[0]
    obs, reward, terminated, truncated, info = env.step(action)
    assert env.braid == braid0, f"action {action!r} changed the braid"
    assert env.moves == moves0, f"action {action!r} was recorded as a move"
    if obs0 is not None:
        assert np.array_equal(obs, obs0)
    assert reward == pytest.approx(_penalty(length, strands)), f"action {action!r}"
    assert not terminated and not truncated
    assert info["illegal_action"] is True
    assert np.array_equal(info["action_mask"], mask0)
    assert "certificate" not in info


def test_masked_out_actions_are_penalised_noops() -> None:
    env = gym.make("UnKnot-v0").unwrapped
    _, info = env.reset(seed=0)
    illegal = np.flatnonzero(~info["action_mask"])
    assert len(illegal) > 0
    rng = np.random.default_rng(0)
    for action in rng.choice(illegal, 25, replace=False):
        _assert_noop(env, int(action))
        _assert_noop(env, np.int64(action))


@pytest.mark.parametrize("kind", ["negative", "n_actions", "far", "np_negative"])
def test_out_of_range_ints_are_penalised_noops(kind: str) -> None:
    env = gym.make("UnKnot-v0").unwrapped
    env.reset(seed=1)
    n = env.action_space.n
    action = {"negative": -1, "n_actions": n, "far": n + 10_000, "np_negative": np.int64(-5)}[kind]
    _assert_noop(env, action)


@pytest.mark.parametrize(
    "action",
    [2**70, -(2**70), float("inf"), float("-inf"), float("nan")],
    ids=["huge", "-huge", "inf", "-inf", "nan"],
)
def test_unrepresentable_actions_never_raise(action: Any) -> None:
    env = gym.make("UnKnot-v0").unwrapped
    env.reset(seed=1)
    _assert_noop(env, action)


@pytest.mark.parametrize(
    "action",
    [0.5, 1.5, 2.25, np.float32(3.7), "3", "abc", None, [1, 2], object(), 1 + 2j],
    ids=["0.5", "1.5", "2.25", "f32", "str3", "str", "None", "list", "object", "complex"],
)
def test_garbage_actions_are_penalised_noops(action: Any) -> None:
    """Non-integer actions are not in Discrete(n): a no-op with the penalty, never a move."""
    env = gym.make("UnKnot-v0").unwrapped
    # a state where cancel at 0..3 are all legal: a truncating int() would play them
    env.reset(options={"instance": BraidInstance(3, (1, -1, 1, -1, 1, -1, 2, -2))})
    assert env.action_masks()[:4].all()
    _assert_noop(env, action)


def test_action_masks_is_info_mask() -> None:
    env = gym.make("UnKnot-v0")
    _, info = env.reset(seed=2)
    assert np.array_equal(env.unwrapped.action_masks(), info["action_mask"])
    assert info["action_mask"].dtype == np.bool_
    assert info["action_mask"].shape == (env.action_space.n,)
    rng = np.random.default_rng(2)
    for t in range(50):
        action = _legal(info["action_mask"], rng) if t % 5 else -1
        _, _, terminated, truncated, info = env.step(action)
        assert np.array_equal(env.unwrapped.action_masks(), info["action_mask"])
        if terminated or truncated:
            _, info = env.reset()


def test_mask_agrees_with_kernel() -> None:
    """An action is unmasked iff the kernel accepts its move on the current braid (for in-env moves)."""
    from rigorgym.verifiers.braid import Braid, IllegalMove, apply_move

    env = gym.make("UnKnot-v0", max_length=24, max_strands=4).unwrapped
    _, info = env.reset(seed=5)
    rng = np.random.default_rng(5)
    for _ in range(15):
        strands, word = env.braid
        braid = Braid(strands, word)
        for action in range(env.action_space.n):
            move = env.layout.to_move(action)
            try:
                after = apply_move(braid, move)
                kernel_ok = move != {"op": "rotate", "k": 0}
            except IllegalMove:
                kernel_ok = False
            if kernel_ok and (len(after.word) > env.layout.max_length or after.strands > env.layout.max_strands):
                kernel_ok = False  # legal in the kernel but does not fit the env
            assert bool(info["action_mask"][action]) == kernel_ok, (env.braid, move)
        _, _, _, _, info = env.step(_legal(info["action_mask"], rng))


# -- winning ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env_id,gen,seed",
    [
        ("UnKnot-v0", ScrambleGenerator(3, 20), 0),
        ("UnKnot-v0", ScrambleGenerator(3, 20), 1),
        ("UnKnot-Medium-v0", ScrambleGenerator(5, 40), 2),
        ("UnKnot-Hard-v0", ScrambleGenerator(7, 100), 3),
    ],
)
@pytest.mark.parametrize("ident", [None, "my-instance/7"])
def test_inverse_scramble_wins_with_valid_certificate(env_id: str, gen: ScrambleGenerator, seed: int, ident) -> None:
    scrambled, moves = gen.scramble(np.random.default_rng(seed))
    inst = BraidInstance(scrambled.strands, scrambled.word, ident)
    inverse = invert_moves(0, moves)
    env = gym.make(env_id)
    info, results = _play_inverse(env, inst, inverse)
    assert [r[1] for r in results] == [False] * (len(results) - 1) + [True]
    assert not any(r[2] for r in results)
    assert results[-1][0] >= UnknotReward().success_bonus - 1
    cert = info["certificate"]
    verdict = verify(cert)
    assert verdict.valid, verdict.reason
    assert verdict.moves_checked == len(inverse)
    assert cert["instance"] == inst.to_instance()
    assert cert["moves"] == inverse
    assert cert["env"] == "UnKnot-v0" and cert["claim"] == "unknot"
    if ident is None:
        assert "instance_id" not in cert["meta"]
    else:
        assert cert["meta"]["instance_id"] == ident
    assert env.unwrapped.braid == (1, ())


def test_instance_given_as_dict_with_id() -> None:
    env = gym.make("UnKnot-v0")
    raw = {"id": "dict-1", "braid": {"strands": 3, "word": [1, 2]}}
    _, info = env.reset(options={"instance": raw})
    assert env.unwrapped.braid == (3, (1, 2))
    destab = env.unwrapped.layout.from_move({"op": "destabilize"})
    env.step(destab)
    _, reward, terminated, _, info = env.step(destab)
    assert terminated
    cert = info["certificate"]
    assert verify(cert).valid
    assert cert["instance"] == {"braid": {"strands": 3, "word": [1, 2]}}
    assert cert["meta"]["instance_id"] == "dict-1"


def test_bad_instance_option_raises_value_error() -> None:
    env = gym.make("UnKnot-v0")
    with pytest.raises(ValueError):
        env.reset(options={"instance": {"braid": {"strands": 2, "word": [5]}}})
    with pytest.raises(ValueError):
        env.reset(options={"instance": {"knot": "3_1"}})


# -- rendering ------------------------------------------------------------------------


def test_render_ansi() -> None:
    env = gym.make("UnKnot-v0", render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    assert isinstance(text, str) and text
    assert f"n={env.unwrapped.braid[0]}" in text
    env.reset(options={"instance": BraidInstance(1, ())})
    assert isinstance(env.render(), str)


def test_render_rgb_array() -> None:
    env = gym.make("UnKnot-v0", render_mode="rgb_array")
    for options in (None, {"instance": BraidInstance(1, ())}):
        env.reset(seed=0, options=options)
        img = env.render()
        assert isinstance(img, np.ndarray)
        assert img.ndim == 3 and img.shape[2] == 3
        assert img.shape[0] > 0 and img.shape[1] > 0
        assert img.dtype == np.uint8
        assert img.min() < img.max(), "a blank image"


def test_render_none_and_bad_mode() -> None:
    env = gym.make("UnKnot-v0").unwrapped
    env.reset(seed=0)
    assert env.render() is None
    with pytest.raises(ValueError):
        UnKnotEnv(render_mode="human")


@pytest.mark.parametrize("env_id", ["UnKnot-v0", "Kirby-Plumbing-v0", "Ribbon-v0"])
@pytest.mark.parametrize("argument", ["generator", "reward_fn"])
def test_injected_callables_are_checked_at_construction(env_id: str, argument: str) -> None:
    """A non-callable generator or reward is named when the env is made, not at the first reset."""
    with pytest.raises(TypeError, match=f"{argument} must be callable, got 'nope'"):
        gym.make(env_id, **{argument: "nope"})


@pytest.mark.parametrize("kwargs", [{"max_strands": 2.5}, {"max_length": True}, {"max_length": "64"}])
def test_unknot_sizes_must_be_integers(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=f"{next(iter(kwargs))} must be an integer"):
        UnKnotEnv(**kwargs)


# -- sizes ----------------------------------------------------------------------------


def test_instance_too_long_raises_clear_value_error() -> None:
    env = UnKnotEnv(max_length=8)
    with pytest.raises(ValueError, match="max_length"):
        env.reset(options={"instance": BraidInstance(3, (1, -1) * 5)})
    env.reset(options={"instance": BraidInstance(3, (1, -1) * 4)})  # exactly max_length fits
    assert env.braid == (3, (1, -1) * 4)
    with pytest.raises(ValueError, match="max_length"):
        UnKnotEnv(generator=ScrambleGenerator(3, 20), max_length=10).reset(seed=0)


def test_instance_too_many_strands_raises_clear_value_error() -> None:
    env = UnKnotEnv(max_strands=4)
    with pytest.raises(ValueError, match="max_strands"):
        env.reset(options={"instance": BraidInstance(5, (4,))})
    with pytest.raises(ValueError, match="max_strands"):
        gym.make("UnKnot-v0", generator=ScrambleGenerator(7, 30), max_strands=5).reset(seed=0)


# -- injection ------------------------------------------------------------------------


def test_injected_reward_fn_is_used() -> None:
    calls: list[tuple] = []

    def reward_fn(prev_length, prev_strands, length, strands, legal, solved):  # type: ignore[no-untyped-def]
        calls.append((prev_length, prev_strands, length, strands, legal, solved))
        return 100.0 * solved + 3.0 * legal - 7.0

    env = gym.make("UnKnot-v0", reward_fn=reward_fn)
    env.reset(options={"instance": BraidInstance(3, (1, 2))})
    destab = env.unwrapped.layout.from_move({"op": "destabilize"})
    _, r_illegal, *_ = env.step(-1)
    _, r_first, *_ = env.step(destab)
    _, r_win, terminated, *_ = env.step(destab)
    assert (r_illegal, r_first, r_win) == (-7.0, -4.0, 96.0)
    assert terminated
    assert calls == [(2, 3, 2, 3, 0, 0), (2, 3, 1, 2, 1, 0), (1, 2, 0, 1, 1, 1)]


def test_default_reward_values() -> None:
    env = gym.make("UnKnot-v0")
    env.reset(options={"instance": BraidInstance(3, (1, 2))})
    destab = env.unwrapped.layout.from_move({"op": "destabilize"})
    f = UnknotReward()
    _, r1, *_ = env.step(destab)
    _, r2, *_ = env.step(destab)
    assert r1 == pytest.approx(f(2, 3, 1, 2, 1, 0))
    assert r2 == pytest.approx(f(1, 2, 0, 1, 1, 1))
    assert r2 == pytest.approx(-0.05 + 0.2 + 10.0)


# -- generators -----------------------------------------------------------------------


def test_instance_list_generator() -> None:
    env = gym.make("UnKnot-v0", generator=InstanceListGenerator(TINY))
    seen = set()
    for seed in range(30):
        env.reset(seed=seed)
        seen.add(env.unwrapped.braid)
    assert seen <= {(x.strands, x.word) for x in TINY}
    assert len(seen) >= 3
    ordered = InstanceListGenerator(TINY, shuffle=False)
    rng = np.random.default_rng(0)
    assert [ordered(rng) for _ in range(len(TINY) + 1)] == [*TINY, TINY[0]]
    with pytest.raises(ValueError):
        InstanceListGenerator(())


def test_suite_generator_plays_suite_instances() -> None:
    suite = load_suite("unknot-random-L10")
    by_id = suite.by_id()
    env = gym.make("UnKnot-v0", generator=SuiteGenerator("unknot-random-L10"))
    for seed in range(5):
        env.reset(seed=seed)
        inst = env.unwrapped.instance
        assert inst.id in by_id
        assert inst.to_instance() == {"braid": by_id[inst.id]["braid"]}
    # a won episode carries the suite id
    from rigorgym.agents.greedy import best_first

    env.reset(seed=0)
    inst = env.unwrapped.instance
    path = best_first(inst.braid, 5.0)
    assert path is not None
    env.reset(seed=0)
    info: dict[str, Any] = {}
    for move in path:
        _, _, terminated, _, info = env.step(env.unwrapped.layout.from_move(move))
    assert terminated
    assert info["certificate"]["meta"]["instance_id"] == inst.id
    assert verify(info["certificate"]).valid


def test_knot_generator_trefoil() -> None:
    gen = knot_generator("3_1")
    inst = gen(np.random.default_rng(0))
    assert inst.id == "3_1"
    assert inst.strands == 2 and len(inst.word) == 3 and len(set(inst.word)) == 1
    env = gym.make("UnKnot-v0", generator=gen)
    obs, info = env.reset(seed=0)
    assert env.unwrapped.braid == (inst.strands, inst.word)
    # a trefoil is a legal instance: the game runs, it just cannot be won by destabilizing
    assert not info["action_mask"][env.unwrapped.layout.from_move({"op": "destabilize"})]
    rng = np.random.default_rng(0)
    for _ in range(20):
        obs, _, terminated, _, info = env.step(_legal(info["action_mask"], rng))
        assert not terminated
