"""The thread policy of ``rigorgym.threads`` (issue #18): defaults when nothing is set, the user's settings kept.

Most checks run in a fresh interpreter with a controlled environment: the
policy acts at import time, before torch or numba load their OpenMP runtime.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from rigorgym import threads


def spin_counts(stderr: str) -> list[str]:
    """``GOMP_SPINCOUNT`` of each OpenMP runtime that loaded (``OMP_DISPLAY_ENV=VERBOSE``), in load order."""
    return [line.split("=", 1)[1].strip().strip("'") for line in stderr.splitlines() if "GOMP_SPINCOUNT" in line]


VARS = ("RIGORGYM_THREADS", "OMP_WAIT_POLICY", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


def probe(code: str, **env: str) -> tuple[dict[str, Any], str]:
    """Run ``code`` (which prints one JSON line last) in a fresh interpreter with ``env`` on a clean slate."""
    clean = {k: v for k, v in os.environ.items() if k not in VARS and not k.startswith(("OMP_", "GOMP_"))}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


STATUS = """
import json, os
import rigorgym
from rigorgym import threads
out = {name: os.environ.get(name) for name in threads.status() if name.isupper() or name.startswith("RIGOR")}
out["set_by_rigorgym"] = threads.status()["set_by_rigorgym"]
import torch
out["training"] = threads.training_threads()
out["training_asked"] = threads.training_threads(3)
out["rows_64"], out["rows_4096"] = threads.parallel_threads(64), threads.parallel_threads(4096)
out["openmp_first"] = threads.status()["openmp_loaded_before_rigorgym"]
print(json.dumps(out))
"""


def test_defaults_when_nothing_is_set() -> None:
    out, stderr = probe(STATUS, OMP_DISPLAY_ENV="VERBOSE")
    assert out["OMP_WAIT_POLICY"] == "PASSIVE" and out["set_by_rigorgym"] == ["OMP_WAIT_POLICY"]
    assert out["OMP_NUM_THREADS"] is None and out["NUMBA_NUM_THREADS"] is None  # counts left alone at import
    assert out["training"] == 1 and out["training_asked"] == 3  # one torch thread unless --threads says otherwise
    assert out["rows_64"] == 1  # small batches never go parallel
    assert out["rows_4096"] == min(2, threads._cpus()) or out["rows_4096"] >= 1
    assert not out["openmp_first"]
    # torch's OpenMP runtime (and numba's, launched by parallel_threads) loaded after rigorgym, so they read
    # the policy: waiting threads do not spin
    assert spin_counts(stderr) and set(spin_counts(stderr)) == {"0"}


def test_the_policy_comes_too_late_after_torch_and_says_so() -> None:
    """torch imported (and its thread count set) before rigorgym: the spin policy is too late, the count is kept."""
    code = "import torch\ntorch.set_num_threads(3)\n" + STATUS
    out, stderr = probe(code, OMP_DISPLAY_ENV="VERBOSE")
    assert out["openmp_first"]
    counts = spin_counts(stderr)
    assert counts[0] != "0"  # torch's libgomp had read the environment already: it spins
    assert counts[1:] == ["0"]  # numba's own runtime loads later, at its first parallel loop: it does not
    assert out["training"] == 3  # an explicit torch.set_num_threads is the user's choice: training keeps it


def test_explicit_environment_is_respected() -> None:
    out, stderr = probe(STATUS, OMP_WAIT_POLICY="ACTIVE", OMP_NUM_THREADS="2", OMP_DISPLAY_ENV="VERBOSE")
    assert out["OMP_WAIT_POLICY"] == "ACTIVE" and out["set_by_rigorgym"] == []
    assert out["OMP_NUM_THREADS"] == "2"
    assert out["training"] == 2  # the user's OMP_NUM_THREADS is their torch setting
    assert "0" not in spin_counts(stderr)


def test_rigorgym_threads_sets_the_defaults_but_not_over_the_users() -> None:
    out, _ = probe(STATUS, RIGORGYM_THREADS="1", MKL_NUM_THREADS="4")
    assert out["OMP_NUM_THREADS"] == "1" and out["NUMBA_NUM_THREADS"] == "1"
    assert out["MKL_NUM_THREADS"] == "4"  # the user's own value stays
    assert sorted(out["set_by_rigorgym"]) == ["NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY"]
    assert out["training"] == 1 and out["training_asked"] == 3 and out["rows_4096"] == 1


def test_numbas_first_parallel_loop_leaves_torchs_count_alone() -> None:
    code = """
    import json, rigorgym, torch, numpy as np, gymnasium as gym
    torch.set_num_threads(1)
    vec = gym.make_vec("UnKnot-v0", num_envs=4096, vectorization_mode="vector_entry_point")
    _, info = vec.reset(seed=0)
    vec.step(np.argmax(info["action_mask"], axis=1))  # numba's OpenMP pool starts here
    print(json.dumps({"torch": torch.get_num_threads()}))
    """
    out, _ = probe(code)
    assert out["torch"] == 1


def test_training_runs_with_the_policy_and_restores_torch() -> None:
    import torch
    from rigorgym.agents.algos.common import torch_threads

    before = torch.get_num_threads()
    with torch_threads(0):
        assert torch.get_num_threads() == 1
    with torch_threads(2):
        assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == before


def test_a_bad_rigorgym_threads_warns_and_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIGORGYM_THREADS", "lots")
    with pytest.warns(RuntimeWarning, match="RIGORGYM_THREADS"):
        assert threads.configured() is None
    monkeypatch.setenv("RIGORGYM_THREADS", "0")
    with pytest.warns(RuntimeWarning):
        assert threads.configured() is None


def test_parallel_threads_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RIGORGYM_THREADS", raising=False)
    per = threads.PARALLEL_MIN_ROWS_PER_THREAD
    assert threads.parallel_threads(1, 8) == 1
    assert threads.parallel_threads(2 * per - 1, 8) == 1
    assert threads.parallel_threads(2 * per, 8) == 2
    assert threads.parallel_threads(100 * per, 8) == 8
    assert threads.parallel_threads(100 * per, 1) == 1  # never more than numba has
    monkeypatch.setenv("RIGORGYM_THREADS", "3")
    assert threads.parallel_threads(100 * per, 8) == 3


def test_the_vector_env_leaves_numbas_count_as_it_was() -> None:
    import gymnasium as gym
    import numba
    import numpy as np

    before = numba.get_num_threads()
    for b in (4, 2 * threads.PARALLEL_MIN_ROWS_PER_THREAD):
        vec = gym.make_vec("UnKnot-v0", num_envs=b, vectorization_mode="vector_entry_point")
        _, info = vec.reset(seed=0)
        actions = np.argmax(info["action_mask"], axis=1)
        vec.step(actions)
        assert numba.get_num_threads() == before
        vec.close()
