"""Ribbon-v0 throughput, printed as JSON lines from one run.

Measures, in one process (so that ratios compare like with like):

(a) band moves: the kernel's ``apply_band`` alone and ``apply_band`` followed
    by the seeded ``simplify`` (one env step with ``simplify_after_band``) on
    random candidate bands of the knots of ``ribbon-knotinfo-12``;
(b) the env: ``gym.make("Ribbon-v0")`` and ``gym.make("Ribbon-KnotInfo12-v0")``
    stepped with uniformly random masked actions (resets included);
(c) the kernel: ``verify`` of ``ribbon`` certificates (found by ``best-first``
    on the first knots of ``ribbon-knotinfo-12``) and of ``not_slice``
    certificates (on the first knots of ``notslice-knotinfo-12``): certificates/s;
(d) knots certified per minute by ``best-first`` on the last knots of each
    suite, one process, budget ``--budget-s`` per knot (the full suites with
    their targets are ``benchmarks/ribbon_results.py``).

Usage::

    python benchmarks/ribbon_throughput.py            # about 3 minutes
    python benchmarks/ribbon_throughput.py --quick    # about 30 seconds
"""

# ruff: noqa: B023  (the closures are called inside the loop iteration that defines them)
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, machine, rounded, until  # noqa: E402

SUITES = ("ribbon-knotinfo-12", "ribbon-knotinfo-13", "ribbon-doubles-30", "notslice-knotinfo-12")


def band_moves(seconds: float, seed: int) -> None:
    import numpy as np
    from rigorgym.envs.ribbon import KnotInstance, candidate_bands
    from rigorgym.envs.suites import load_suite
    from rigorgym.verifiers.diagram import apply_band, simplify

    rng = np.random.default_rng(seed)
    knots = [KnotInstance.from_instance(x).diagram() for x in load_suite("ribbon-knotinfo-12").instances]
    pairs = []
    for d in knots:
        bands = candidate_bands(d, 1)
        pairs += [(d, bands[int(i)].spec) for i in rng.integers(len(bands), size=3)]
    state = {"k": 0}

    def one_band() -> int:
        d, spec = pairs[state["k"] % len(pairs)]
        state["k"] += 1
        apply_band(d, spec)
        return 1

    def band_and_simplify() -> int:
        d, spec = pairs[state["k"] % len(pairs)]
        state["k"] += 1
        simplify(apply_band(d, spec), state["k"])
        return 1

    for name, fn in (("apply_band", one_band), ("apply_band+simplify", band_and_simplify)):
        count, elapsed = until(seconds, fn)
        emit({"bench": "band_moves", "op": name, "moves": count, "moves_per_s": rounded(count / elapsed)})


def env_steps(seconds: float, seed: int) -> None:
    import gymnasium as gym
    import numpy as np

    import rigorgym  # noqa: F401

    for env_id in ("Ribbon-v0", "Ribbon-KnotInfo12-v0"):
        env = gym.make(env_id)
        rng = np.random.default_rng(seed)
        _, info = env.reset(seed=seed)
        state = {"episodes": 0, "solved": 0, "info": info}

        def step() -> int:
            legal = np.flatnonzero(state["info"]["action_mask"])
            _, _, terminated, truncated, info = env.step(int(rng.choice(legal)))
            state["info"] = info
            if terminated or truncated:
                state["episodes"] += 1
                state["solved"] += bool(terminated)
                _, state["info"] = env.reset()
            return 1

        count, elapsed = until(seconds, step)
        emit(
            {
                "bench": "env_steps",
                "env": env_id,
                "steps": count,
                "episodes": state["episodes"],
                "solved_episodes": state["solved"],
                "steps_per_s": rounded(count / elapsed),
            }
        )
        env.close()


def verify_rate(count: int, seconds: float, budget_s: float) -> None:
    from rigorgym.agents.registry import make_agent
    from rigorgym.envs.ribbon import KnotInstance
    from rigorgym.envs.suites import load_suite
    from rigorgym.verifiers import verify

    agent = make_agent("best-first")
    for suite_name in ("ribbon-knotinfo-12", "notslice-knotinfo-12"):
        certs = []
        for raw in load_suite(suite_name).instances[:count]:
            result = agent.solve(None, KnotInstance.from_instance(raw), budget_s, 0)
            if result.certificate is not None:
                certs.append(result.certificate)
        state = {"k": 0}

        def one() -> int:
            assert verify(certs[state["k"] % len(certs)]).valid
            state["k"] += 1
            return 1

        done, elapsed = until(seconds, one)
        emit(
            {
                "bench": "verify",
                "certificates": f"best-first on {suite_name} (first {count})",
                "claims": sorted({c["claim"] for c in certs}),
                "distinct_certificates": len(certs),
                "mean_moves": rounded(sum(len(c["moves"]) for c in certs) / max(len(certs), 1)),
                "verified": done,
                "certs_per_s": rounded(done / elapsed),
            }
        )


def per_minute(count: int, budget_s: float) -> None:
    from rigorgym.agents.registry import make_agent
    from rigorgym.envs.ribbon import KnotInstance
    from rigorgym.envs.suites import load_suite
    from rigorgym.verifiers import verify

    agent = make_agent("best-first")
    for suite_name in SUITES:
        raws = load_suite(suite_name).instances[-count:]  # not the knots verify_rate solved (caches)
        start = time.perf_counter()
        certified = 0
        for k, raw in enumerate(raws):
            result = agent.solve(None, KnotInstance.from_instance(raw), budget_s, k)
            certified += result.certificate is not None and verify(result.certificate).valid
        elapsed = time.perf_counter() - start
        emit(
            {
                "bench": "knots_per_minute",
                "suite": suite_name,
                "agent": "best-first",
                "knots": len(raws),
                "certified": certified,
                "budget_s": budget_s,
                "seconds": rounded(elapsed),
                "knots_certified_per_minute": rounded(60 * certified / elapsed),
            }
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget-s", type=float, default=20.0)
    args = parser.parse_args(argv)
    seconds = 3.0 if args.quick else 15.0
    count = 4 if args.quick else 20
    from rigorgym.verifiers import KERNEL_VERSION

    start = time.perf_counter()
    emit({"bench": "machine", **machine(), "kernel": KERNEL_VERSION, "quick": args.quick})
    band_moves(seconds, args.seed)
    env_steps(seconds, args.seed)
    verify_rate(count, seconds, args.budget_s)
    per_minute(count, args.budget_s)
    emit({"bench": "total", "seconds": rounded(time.perf_counter() - start)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
