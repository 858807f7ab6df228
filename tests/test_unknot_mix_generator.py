"""``ScrambleMixGenerator``: scrambled unknots over several (strands, length) pairs, the zoo's curriculum."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from rigorgym.envs.unknot import BraidInstance, ScrambleGenerator, ScrambleMixGenerator, UnKnotVectorEnv
from rigorgym.envs.unknot.generator import parity_length
from rigorgym.verifiers.braid import Braid


def draw(gen: ScrambleMixGenerator, seed: int, n: int) -> list[BraidInstance]:
    rng = np.random.default_rng(seed)
    return [gen(rng) for _ in range(n)]


def test_seeded_draws_repeat_and_differ_by_seed() -> None:
    gen = ScrambleMixGenerator()
    assert draw(gen, 7, 12) == draw(gen, 7, 12)
    assert draw(gen, 7, 12) != draw(gen, 8, 12)


def test_every_instance_is_a_valid_braid_of_a_given_size_and_every_size_is_drawn() -> None:
    gen = ScrambleMixGenerator(strands=(3, 5, 7), lengths=(20, 40, 60, 96))
    assert set(gen.pairs) == {(n, x) for n in (3, 5, 7) for x in (20, 40, 60, 96)}
    seen = set()
    for instance in draw(gen, 0, 200):
        Braid.checked(instance.strands, list(instance.word))  # raises on a letter out of range
        assert instance.strands in (3, 5, 7) and len(instance.word) in (20, 40, 60, 96)
        seen.add((instance.strands, len(instance.word)))
    assert seen == set(gen.pairs)  # 200 draws over 12 pairs: each one comes up


def test_a_length_of_the_wrong_parity_is_raised_by_one() -> None:
    gen = ScrambleMixGenerator(strands=(3, 4), lengths=(20, 31), mix=1)
    assert gen.pairs == ((3, 20), (3, 32), (4, 21), (4, 31))
    assert parity_length(3, 20) == 20 and parity_length(4, 20) == 21
    for instance in draw(gen, 1, 40):
        assert (instance.strands, len(instance.word)) in gen.pairs
        ScrambleGenerator(instance.strands, len(instance.word))  # a size ScrambleGenerator itself accepts


def test_batch_equals_one_by_one() -> None:
    gen = ScrambleMixGenerator(strands=(3, 5), lengths=(10, 20))
    one_by_one = [gen(np.random.default_rng(s)) for s in range(32)]
    batched = gen.batch([np.random.default_rng(s) for s in range(32)])
    assert batched == one_by_one
    assert len({(x.strands, len(x.word)) for x in batched}) > 1  # several groups, put back in order


def test_the_vector_env_resets_through_batch() -> None:
    class Counting:
        def __init__(self, gen: ScrambleMixGenerator) -> None:
            self.gen, self.batches = gen, 0

        def __call__(self, rng: np.random.Generator) -> BraidInstance:
            return self.gen(rng)

        def batch(self, rngs: Any) -> list[BraidInstance]:
            self.batches += 1
            return self.gen.batch(rngs)

    counting = Counting(ScrambleMixGenerator(strands=(3, 5, 7), lengths=(20, 96)))
    env = UnKnotVectorEnv(num_envs=4, generator=counting, max_episode_steps=1)  # UnKnot-v0's 128 x 8 board
    _, info = env.reset(seed=0)
    for _ in range(2):  # every env truncates after one move, then all four reset at once
        actions = [int(np.flatnonzero(m)[0]) for m in info["action_mask"]]
        _, _, _, _, info = env.step(actions)
    assert counting.batches == 1
    assert all(env.braid(i)[0] in (3, 5, 7) for i in range(4))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"strands": ()},
        {"lengths": ()},
        {"strands": (1, 3)},
        {"strands": (3.0,)},
        {"lengths": (True,)},
        {"strands": (7,), "lengths": (4,)},  # shorter than strands - 1 stabilizations
        {"mix": -1},
    ],
)
def test_bad_arguments_raise_value_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ScrambleMixGenerator(**kwargs)
