"""Env steps per second of RLlib PPO on UnKnot-v0 with 0, 1 and 2 env runners, beside SB3 PPO, in one run.

Each configuration trains the same masked MLP policy (the zoo's encoder,
``hidden=(256, 256)``, one torch thread per process) with the same batch
(``--batch`` env steps per iteration): RLlib PPO through
:mod:`rigorgym.agents.rllib` with ``num_env_runners`` = 0 (sampling in the
driver), 1 and 2 (actors on a local Ray), and stable-baselines3's PPO through
:mod:`rigorgym.agents.algos.ppo` (its ``n_steps`` set to the same batch).
Steady-state steps/s: one warm-up iteration, then ``--iterations`` timed ones
(sampling and learning both counted). The ratios to the 0-runner figure are
what to read on a shared machine.

Usage::

    python benchmarks/rllib_scaling.py --out docs/results     # about 10 minutes on 2 cores
    python benchmarks/rllib_scaling.py --quick                # a smoke run
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, machine, rounded  # noqa: E402

ENV_ID = "UnKnot-v0"


def rllib_sps(runners: int, batch: int, iterations: int, seed: int) -> dict[str, Any]:
    """Steady-state env steps/s of RLlib PPO with ``runners`` env runners (a fresh local Ray each time)."""
    import ray
    from rigorgym.agents.rllib.envs import register
    from rigorgym.agents.rllib.train import Args, build_config, sampled_steps

    ray.init(num_cpus=max(2, runners + 1), include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    try:
        args = Args(env_id=ENV_ID, algo="ppo", num_env_runners=runners, train_batch_size=batch, seed=seed)
        algo = build_config(args, register(ENV_ID)).build_algo()
        first = sampled_steps(algo.train())  # warm-up: actors started, first weights synced
        start = time.perf_counter()
        for _ in range(iterations):
            last = sampled_steps(algo.train())
        seconds = time.perf_counter() - start
        algo.stop()
    finally:
        ray.shutdown()
    return {"backend": "rllib", "env_runners": runners, "steps": last - first, "seconds": rounded(seconds),
            "sps": rounded((last - first) / seconds)}  # fmt: skip


def sb3_sps(batch: int, iterations: int, seed: int) -> dict[str, Any]:
    """Steady-state env steps/s of SB3 PPO (one env, ``n_steps = batch``), same policy, one torch thread."""
    import torch
    from rigorgym.agents.algos.common import make_env, sb3_policy_kwargs, sb3_policy_name
    from rigorgym.agents.algos.ppo import Args
    from stable_baselines3 import PPO

    torch.set_num_threads(1)
    args = Args(env_id=ENV_ID, policy="mlp", steps=batch, seed=seed, out=Path(tempfile.mkdtemp()), n_steps=batch)
    env = make_env(args)
    model = PPO(sb3_policy_name(env.observation_space), env, n_steps=batch, batch_size=128, n_epochs=4,
                policy_kwargs=sb3_policy_kwargs(args), seed=seed, verbose=0)  # fmt: skip
    model.learn(total_timesteps=batch)  # warm-up
    start = time.perf_counter()
    model.learn(total_timesteps=batch * iterations, reset_num_timesteps=False)
    seconds = time.perf_counter() - start
    return {"backend": "sb3", "env_runners": None, "steps": batch * iterations, "seconds": rounded(seconds),
            "sps": rounded(batch * iterations / seconds)}  # fmt: skip


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    base = next(r["sps"] for r in report["rows"] if r["backend"] == "rllib" and r["env_runners"] == 0)
    lines = [
        "# RLlib scaling on this machine",
        "",
        f"Measured {report['date']} by `{report['command']}` on {m['cpu']} ({m['cpu_count']} cores, load average "
        f"at start {m['loadavg']}). PPO on `{ENV_ID}`, masked MLP policy (the zoo's encoder), "
        f"{report['batch']} env steps per iteration, {report['iterations']} timed iterations after one warm-up; "
        "sampling and learning both in the time.",
        "",
        "| backend | env runners | env steps | seconds | env steps/s | vs RLlib, 0 runners |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in report["rows"]:
        runners = "–" if r["env_runners"] is None else r["env_runners"]
        lines.append(
            f"| {r['backend']} | {runners} | {r['steps']} | {r['seconds']} | {r['sps']} | {r['sps'] / base:.2f} |"
        )
    lines += [
        "",
        "With 0 env runners RLlib samples in the driver; each env runner is a Ray actor (a process), and PPO "
        "waits for all of them, then learns in the driver. One runner only moves the sampling to another "
        "process; two sample in parallel. On 2 cores the runners, the learner and Ray's own processes share the "
        "same two CPUs, so the gain is bounded; on a cluster each runner brings its own CPU (docs/cluster.md). "
        "SB3 steps one env in the training process with no inter-process traffic, hence its lead on one machine.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one small iteration each")
    parser.add_argument("--batch", type=int, default=2000, help="env steps per iteration (default 2000)")
    parser.add_argument("--iterations", type=int, default=5, help="timed iterations (default 5)")
    parser.add_argument("--runners", default="0,1,2", help="env runner counts (default 0,1,2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="write rllib-scaling.jsonl and rllib-scaling.md into this folder")
    args = parser.parse_args(argv)
    if args.quick:
        args.batch, args.iterations = 200, 1
    import rigorgym  # noqa: F401

    info = machine()
    emit({"benchmark": "rllib_scaling", "env": ENV_ID, "batch": args.batch, "iterations": args.iterations})
    rows = []
    for runners in [int(x) for x in args.runners.split(",")]:
        rows.append(rllib_sps(runners, args.batch, args.iterations, args.seed))
        emit(rows[-1])
    rows.append(sb3_sps(args.batch, args.iterations, args.seed))
    emit(rows[-1])
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        report = {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "command": "python benchmarks/rllib_scaling.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "machine": info,
            "batch": args.batch,
            "iterations": args.iterations,
            "rows": rows,
        }
        (out / "rllib-scaling.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        (out / "rllib-scaling.md").write_text(markdown(report))
        emit({"wrote": [str(out / "rllib-scaling.jsonl"), str(out / "rllib-scaling.md")]})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
