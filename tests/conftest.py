"""Shared fixtures: the fixed kernel cases (tests/data/contract/), and hypothesis profiles.

``rigorgym`` is imported here, before any test module imports torch: importing it sets
``OMP_WAIT_POLICY=PASSIVE`` (unless set), which OpenMP reads once, when torch loads it
(rigorgym/threads.py). A test module that imports torch first would otherwise leave its
threads spin-waiting, several times slower on a busy CPU (and with ``-n 2`` the CPU is busy).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

import rigorgym  # noqa: F401  (first: the thread settings, see above)

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = Path(__file__).resolve().parent / "data" / "contract"

# Every Ray the tests start (local ``ray.init``, ``ray start`` nodes, which inherit this) runs without token
# authentication: a ~/.ray/auth_token on the machine turns it on, ``ray start --address`` does not send it,
# and a driver keeps the auth mode of its first ``ray.init`` for good (tests/ray_support.py).
os.environ.setdefault("RAY_AUTH_MODE", "disabled")

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def contract_cases(name: str) -> list[dict]:
    """The fixed kernel cases of tests/data/contract/<name> (README.md there says where they come from)."""
    path = CONTRACT / name
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# The files that take longest, first (longest-processing-time-first scheduling): ``-n 2 --dist loadfile``
# hands whole files to the two workers in collection order, so a long file collected last (test_rllib.py
# shares one Ray instance and cannot be split) would run alone at the end while the other worker idles.
# Files of 6 s or more, as measured with ``--durations=0`` on the quiet 2-core machine; the others (each
# under 6 s) follow in collection order.
LONGEST_FIRST = (
    "test_rllib.py", "test_ray_backend.py", "test_benchmarks_training.py", "test_ribbon_soundness.py", "test_ribbon_kernel.py",
    "test_training.py", "test_demo.py", "test_slice_obstructions.py", "test_leaderboard_load.py", "test_env.py",
    "test_plumbing_properties.py", "test_benchmarks_throughput.py", "test_benchmarks_plumbing.py",
    "test_metricflow_experiments.py", "test_a3c.py", "test_threads.py", "test_metricflow.py", "test_metricflow_env.py",
    "test_leaderboard_process.py", "test_docs.py", "test_plumbing_env.py", "test_fieldtheory_experiments.py",
    "test_vec_plumbing.py", "test_ri_putrov_paper.py", "test_pd_kernel.py", "test_unknot_diagram_env.py",
    "test_macro_policy.py", "test_vec_diagram.py", "test_andrews_curtis_env.py", "test_rasmussen.py",
    "test_ribbon_pd.py", "test_slice_tables.py", "test_band_kernel.py",
)  # fmt: skip


def pytest_configure(config: Any) -> None:
    # pytest-xdist (>= 3.6) reorders whole-file work units by their number of tests unless told not to, which
    # would undo the order above (a one-test file of 20 s would come last).
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[Any]) -> None:
    def rank(item: Any) -> int:
        name = Path(str(item.fspath)).name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within each file, and of the other files, is kept
