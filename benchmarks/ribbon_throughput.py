"""Ribbon throughput: the game on the project's own PD kernel against the spherogram-based env, in one process.

* env: ``Ribbon-PD-*`` (envs/ribbon/pd_env.py: reduce, R3, finger and fission-band actions on the kernel's
  canonical PD code) and the spherogram-based ``Ribbon-v0`` env (a band from spherogram's list, then
  spherogram's seeded ``simplify``) on the **same knots** (one suite at a time), each stepped with uniform
  legal actions (resets included) for ``--seconds``: env steps/s and their ratio;
* verification: ``ribbon`` certificates on the PD kernel (found by ``ribbon-pd`` under a fixed step budget,
  so the same moves every run) replayed by ``rigorgym.verifiers.verify``: moves/s (fission bands and
  Reidemeister moves) and bands/s; beside it the spherogram kernel's replay of ``best-first``'s
  certificates (``band`` + ``simplify`` moves) on the first knots of ``ribbon-knotinfo-12``.

Writes ``docs/results/ribbon-throughput.{md,json,png}`` through the reporter; one JSON line per row.

Usage::

    python benchmarks/ribbon_throughput.py --seconds 10 --out-dir docs/results
    python benchmarks/ribbon_throughput.py --seconds 1 --certificates 3 --out-dir /tmp/rt     # a quick look
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, until  # noqa: E402
from _report import ResultsPage  # noqa: E402
from rigorgym.agents.base import Budget  # noqa: E402
from rigorgym.agents.registry import make_agent  # noqa: E402
from rigorgym.envs.ribbon import KnotInstance, SuiteGenerator  # noqa: E402
from rigorgym.envs.suites import load_suite  # noqa: E402
from rigorgym.verifiers import verify  # noqa: E402

import rigorgym  # noqa: E402, F401

TITLE = "Ribbon: env steps and band-move verification, PD kernel vs spherogram"
#: (suite, the PD env's id); the spherogram env gets the same suite through its generator
SUITES = (("ribbon-knotinfo-13", "Ribbon-PD-KnotInfo13-v0"), ("ribbon-gen-30", "Ribbon-PD-Gen30-v0"))


def env_rate(env: gym.Env[Any, Any], seconds: float, seed: int = 0) -> dict[str, Any]:
    """Uniform legal actions for ``seconds`` (resets included): steps, episodes won, steps/s."""
    rng = np.random.default_rng(seed)
    _, info = env.reset(seed=seed)
    state = {"info": info, "episodes": 0, "won": 0}

    def step() -> int:
        legal = np.flatnonzero(state["info"]["action_mask"])
        _, _, terminated, truncated, info = env.step(int(rng.choice(legal)) if len(legal) else 0)
        state["info"] = info
        if terminated or truncated:
            state["episodes"] += 1
            state["won"] += bool(terminated)
            _, state["info"] = env.reset()
        return 1

    steps, elapsed = until(seconds, step)
    env.close()
    return {"steps": steps, "seconds": elapsed, "rate": steps / elapsed, "episodes": state["episodes"]}


def spherogram_env(suite: str) -> gym.Env[Any, Any]:
    """The spherogram-based Ribbon-v0 env on ``suite`` (its own tier where one exists, same sizing)."""
    pd_spec = gym.spec(dict(SUITES)[suite])
    size = {"max_crossings": pd_spec.kwargs.get("max_crossings", 64)}
    return gym.make("Ribbon-v0", generator=SuiteGenerator(suite), max_episode_steps=20, **size)


def certificates(agent_name: str, suite: str, count: int, budget: Budget) -> list[dict[str, Any]]:
    agent = make_agent(agent_name)
    certs = []
    for k, raw in enumerate(load_suite(suite).instances[:count]):
        result = agent.solve(None, KnotInstance.from_instance(raw), budget, k)
        if result.certificate is not None and result.certificate["claim"] == "ribbon":
            certs.append(result.certificate)
    return certs


def verify_rate(certs: list[dict[str, Any]], seconds: float, band_op: str) -> dict[str, Any]:
    """Replays of every certificate in turn for ``seconds``: moves/s and bands/s (each must verify)."""
    moves = sum(len(c["moves"]) for c in certs)
    bands = sum(m["op"] == band_op for c in certs for m in c["moves"])

    def all_once() -> int:
        for cert in certs:
            assert verify(cert).valid
        return 1

    rounds, elapsed = until(seconds, all_once)
    return {
        "certificates": len(certs),
        "moves": moves,
        "bands": bands,
        "moves_per_s": rounds * moves / elapsed,
        "bands_per_s": rounds * bands / elapsed,
        "certificates_per_s": rounds * len(certs) / elapsed,
    }


def figure(envs: dict[str, Any]) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6))
    names = list(envs)
    x = np.arange(len(names))
    ax.bar(x - 0.2, [envs[n]["spherogram"]["rate"] for n in names], 0.4, label="Ribbon-v0 (spherogram)")
    ax.bar(x + 0.2, [envs[n]["pd"]["rate"] for n in names], 0.4, label="Ribbon-PD (own kernel)")
    ax.set_xticks(x, names)
    ax.set_yscale("log")
    ax.set_ylabel("env steps/s (uniform legal actions)")
    ax.legend()
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    p.add_argument("--certificates", type=int, default=12, help="knots whose ribbon certificates are replayed")
    p.add_argument("--out-dir", type=Path, default=Path("docs/results"))
    args = p.parse_args(argv)
    page = ResultsPage("ribbon-throughput", TITLE, __file__, argv)

    envs: dict[str, Any] = {}
    rows: list[list[Any]] = []
    for suite, pd_id in SUITES:
        sph = env_rate(spherogram_env(suite), args.seconds)
        pd = env_rate(gym.make(pd_id), args.seconds)
        envs[suite] = {"spherogram": sph, "pd": pd, "ratio": pd["rate"] / sph["rate"]}
        for label, data in (("Ribbon-v0 (spherogram)", sph), (pd_id, pd)):
            rows.append([f"env: {label}", suite, data["steps"], data["episodes"], data["seconds"], data["rate"]])
            emit({"bench": "ribbon-throughput", "what": label, "suite": suite, **data})

    budget = Budget(60, max_steps=20_000)
    pd_certs = certificates("ribbon-pd", "ribbon-gen-30", args.certificates, budget)
    pd_verify = verify_rate(pd_certs, args.seconds, "fission")
    sph_certs = certificates("best-first", "ribbon-knotinfo-12", args.certificates, Budget(60, max_expansions=2_000))
    sph_verify = verify_rate(sph_certs, args.seconds, "band")
    verification = [
        ("PD kernel: `ribbon-pd` certificates", "ribbon-gen-30", pd_verify),
        ("spherogram kernel: `best-first` certificates", "ribbon-knotinfo-12", sph_verify),
    ]
    for label, suite, data in verification:
        emit({"bench": "ribbon-throughput", "what": f"verify {label}", "suite": suite, **data})

    worst = min(e["ratio"] for e in envs.values())
    page.text(
        f"One process, measured in turn, {args.seconds:g} s each (threads: rigorgym's defaults). Both envs play "
        "uniform legal actions on the same knots (the suite in the second column), resets included. A step of "
        "the spherogram-based env is one of spherogram's bands followed by spherogram's seeded `simplify` (or a "
        "simplify alone); a step of the PD env is one kernel move (an R3 move, a finger, or a fission band "
        "followed by the R1/R2 removals) on the canonical PD code, with the candidate lists recomputed "
        "(compiled, `envs/ribbon/pd_core.py`). The steps are not the same size, so the ratio is of env "
        "throughput, not of progress per step."
    )
    page.acceptance(
        [
            (
                "Ribbon env steps/s on the new kernel >= 100x the spherogram-based env on the same knots (#22)",
                ", ".join(f"{s}: {e['ratio']:,.0f}x" for s, e in envs.items()),
                worst >= 100,
            ),
            (
                "band-move verification >= 10,000 moves/s (#22)",
                f"{pd_verify['moves_per_s']:,.0f} moves/s ({pd_verify['bands_per_s']:,.0f} bands/s)",
                pd_verify["moves_per_s"] >= 10_000,
            ),
        ]
    )
    page.table(["what", "knots", "steps", "episodes", "seconds", "steps/s"], rows)
    page.figure(figure(envs), "ribbon-throughput.png", "Env steps/s on the same knots, log scale.")
    page.table(
        ["certificates replayed", "knots", "certificates", "moves", "bands", "moves/s", "bands/s", "certificates/s"],
        [
            [
                label,
                suite,
                d["certificates"],
                d["moves"],
                d["bands"],
                d["moves_per_s"],
                d["bands_per_s"],
                d["certificates_per_s"],
            ]
            for label, suite, d in verification
        ],  # fmt: skip
        caption=(
            f"`ribbon-pd` with at most {budget.max_steps:,} steps per knot, `best-first` with at most 2,000 "
            f"expansions, on the first {args.certificates} knots of each suite (ribbon certificates only). "
            "A spherogram replay move is a band or a whole seeded simplification, so its moves/s counts far "
            "larger moves."
        ),
    )
    page.reproduce(f"python benchmarks/ribbon_throughput.py --seconds {args.seconds:g} --out-dir docs/results")
    page.write(args.out_dir, {"envs": envs, "verification": {v[0]: v[2] for v in verification}, "rows": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
