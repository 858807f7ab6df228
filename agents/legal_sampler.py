"""Uniformly random legal actions in numba, for protocols and benchmarks that must not time the sampler.

numba keeps its own random generator, separate from numpy's: seed it with
:func:`seed_sampler`. Written by hand because the sampler runs inside timed
loops, where a numpy ``choice(flatnonzero(mask))`` per step costs more than
the env step it drives.
"""

from __future__ import annotations

import numpy as np
from numba import njit

TRIES = 64  # rejection-sampling tries before the scan


@njit(cache=True)
def seed_sampler(seed: int) -> None:
    """Seed numba's own generator (separate from numpy's)."""
    np.random.seed(seed)


@njit(cache=True, inline="always")
def _pick(mask: np.ndarray, tries: int) -> int:
    """A uniformly random True index: rejection sampling, then a scan (both uniform); 0 for an all-False mask."""
    n = mask.shape[0]
    for _ in range(tries):
        a = np.random.randint(n)
        if mask[a]:
            return a
    count = 0
    for a in range(n):
        count += mask[a]
    if count == 0:
        return 0
    r = np.random.randint(count)
    for a in range(n):
        if mask[a]:
            if r == 0:
                return a
            r -= 1
    return 0


@njit(cache=True)
def _sample_one(mask: np.ndarray, tries: int) -> int:
    return _pick(mask, tries)


@njit(cache=True)
def _sample_batch(masks: np.ndarray, out: np.ndarray, tries: int) -> None:
    for b in range(masks.shape[0]):
        out[b] = _pick(masks[b], tries)


# Python wrappers: numba dispatches a call that leaves out a defaulted argument through its slow Python path
# (measured ~25 µs a call, 50x the sampling itself), so the compiled functions take every argument.


def sample_one(mask: np.ndarray, tries: int = TRIES) -> int:
    """A uniformly random legal action of one mask (0 when none is legal)."""
    return int(_sample_one(mask, tries))


def sample_batch(masks: np.ndarray, out: np.ndarray, tries: int = TRIES) -> None:
    """For each row of ``masks``, a uniformly random legal action into ``out``."""
    _sample_batch(masks, out, tries)
