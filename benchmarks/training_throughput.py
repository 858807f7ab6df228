"""Env steps per second during training, per algorithm and policy, beside the raw env throughput.

For each game (``UnKnot-v0``, ``Kirby-Plumbing-RiPutrov-v0``, ``Ribbon-Easy-v0``)
this script measures, in one process:

* ``env``: the raw env, random legal actions (``action_masks()``), single
  env, ``gym.make`` wrappers included;
* ``train``: every algorithm × policy (ppo, dqn, trpo, maskable_ppo, a3c ×
  mlp, gnn) trained for ``--steps`` env steps with one torch thread; steps/s
  is env steps over wall time of ``rigorgym.agents.train.train`` (model
  construction and the final save included, so short runs understate it).

The ratio ``train / env`` is what to read: how much of the env's speed the
learner leaves. Prints JSON lines; ``--out`` writes them and a markdown table
(docs/results/training-throughput.{jsonl,md}).

Usage::

    python benchmarks/training_throughput.py                      # about 10 minutes
    python benchmarks/training_throughput.py --quick              # UnKnot only, 256 steps
    python benchmarks/training_throughput.py --games unknot --algos ppo,a3c
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, machine, rounded  # noqa: E402

GAMES = {
    "unknot": ("UnKnot-v0", 2048),
    "plumbing": ("Kirby-Plumbing-RiPutrov-v0", 2048),
    "ribbon": ("Ribbon-Easy-v0", 128),
}
ALGOS = ("ppo", "dqn", "trpo", "maskable_ppo", "a3c")
POLICIES = ("mlp", "gnn")


def env_throughput(env_id: str, seconds: float = 3.0, seed: int = 0) -> float:
    """Random legal steps per second of one env (resets included)."""
    env = gym.make(env_id)
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        legal = np.flatnonzero(env.unwrapped.action_masks())
        _, _, terminated, truncated, _ = env.step(int(rng.choice(legal)) if legal.size else 0)
        steps += 1
        if terminated or truncated:
            env.reset()
    elapsed = time.perf_counter() - start
    env.close()
    return steps / elapsed


def train_throughput(env_id: str, algo: str, policy: str, steps: int) -> dict[str, Any]:
    from rigorgym.agents.algos.saved import AgentCard
    from rigorgym.agents.train import train

    options: dict[str, Any] = {"progress": False}
    if algo == "a3c":
        options["workers"] = 2
        options["n_steps"] = 16
    else:
        options["threads"] = 1
        if algo in ("ppo", "trpo", "maskable_ppo"):
            options["n_steps"] = min(256, steps)
            options["batch_size"] = min(64, steps)
        if algo == "dqn":
            options["learning_starts"] = min(256, steps // 2)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        out = train(env_id, algo, policy, steps, 0, Path(tmp) / "agent", **options)
        wall = time.perf_counter() - start
        card = AgentCard.read(out)
    return {"steps": card.steps, "wall_s": rounded(wall), "steps_per_s": rounded(card.steps / wall)}


def write_markdown(records: list[dict[str, Any]], path: Path, command: str) -> None:
    env_rows = {r["env"]: r["steps_per_s"] for r in records if r["bench"] == "env"}
    lines = [
        "# Training throughput",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `{command}` "
        f"on {records[0].get('cpu', '?')} ({records[0].get('cpu_count', '?')} cores). "
        "Env steps per second of a whole `rigorgym.agents.train.train` call (model setup and save "
        "included; SB3 algorithms with one torch thread, A3C with 2 worker processes, whose start-up "
        "is included), beside the raw env with random legal actions in the same process.",
        "",
        "| env | algo | policy | env steps | wall s | train steps/s | raw env steps/s | ratio |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in records:
        if r["bench"] != "train":
            continue
        raw = env_rows.get(r["env"], float("nan"))
        lines.append(
            f"| {r['env']} | {r['algo']} | {r['policy']} | {r['steps']} | {r['wall_s']} | {r['steps_per_s']} "
            f"| {rounded(raw)} | {rounded(r['steps_per_s'] / raw)} |"
        )
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--games", default=",".join(GAMES), help="comma list of unknot, plumbing, ribbon")
    p.add_argument("--algos", default=",".join(ALGOS))
    p.add_argument("--policies", default=",".join(POLICIES))
    p.add_argument("--steps", type=int, default=0, help="env steps per run (default: per game)")
    p.add_argument("--quick", action="store_true", help="UnKnot only, 256 steps")
    p.add_argument("--out", type=Path, default=None, help="folder for training-throughput.{jsonl,md}")
    args = p.parse_args(argv)
    games = ["unknot"] if args.quick else args.games.split(",")
    records: list[dict[str, Any]] = [{"bench": "machine", **machine()}]
    emit(records[0])
    for game in games:
        env_id, default_steps = GAMES[game]
        steps = 256 if args.quick else (args.steps or default_steps)
        rec = {"bench": "env", "env": env_id, "steps_per_s": rounded(env_throughput(env_id))}
        emit(rec)
        records.append(rec)
        for algo in args.algos.split(","):
            for policy in args.policies.split(","):
                rec = {"bench": "train", "env": env_id, "algo": algo, "policy": policy}
                rec.update(train_throughput(env_id, algo, policy, steps))
                emit(rec)
                records.append(rec)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "training-throughput.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
        command = "python benchmarks/training_throughput.py" + (" --quick" if args.quick else "")
        write_markdown(records, args.out / "training-throughput.md", command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
