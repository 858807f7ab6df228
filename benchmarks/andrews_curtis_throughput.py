"""AndrewsCurtis-v0 throughput: the env, single and batched, against the source's own env, in one run.

* single: ``gym.make("AndrewsCurtis-v0")`` stepped with uniform random actions of the twelve (illegal ones are
  no-ops, as in the source): env steps/s;
* batched: ``gym.make_vec(..., vectorization_mode="vector_entry_point")`` at each ``--batch`` size, uniform
  random actions per row (auto-reset included): env steps/s;
* source: ``ac_solver.envs.ac_env.ACEnv`` (Shehper et al., arXiv:2408.15332; ``ac_solver==0.1.0``), the same
  board (36 letters per relator, 400-step episodes) on the same starting presentations, uniform random actions.
  It pins an old gymnasium, so it runs in its own virtual environment (created on first use under
  ``~/.cache/rigorgym/ac_solver-venv`` with ``pip install ac_solver==0.1.0``), timed in a subprocess that prints
  JSON back; never a dependency of rigorgym.

Writes ``docs/results/andrews-curtis-throughput.{md,json}`` through the reporter; one JSON line per row.

Usage::

    python benchmarks/andrews_curtis_throughput.py [--seconds 10] [--out-dir docs/results]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit  # noqa: E402
from _report import ResultsPage  # noqa: E402
from rigorgym.envs.andrews_curtis import ScrambledTrivialGenerator  # noqa: E402

import rigorgym  # noqa: E402, F401

TITLE = "AndrewsCurtis-v0: env throughput against the source's ACEnv"
SOURCE_PACKAGE = "ac_solver==0.1.0"
DEFAULT_VENV = Path.home() / ".cache" / "rigorgym" / "ac_solver-venv"
LENGTH, HORIZON = 36, 400

#: Run in the source's virtual environment: JSON ``{"states", "seconds", "seed"}`` on stdin, JSON out.
SOURCE_SCRIPT = """
import json, sys, time
import numpy as np
from ac_solver.envs.ac_env import ACEnv, ACEnvConfig
job = json.loads(sys.stdin.read())
states = [np.array(s, dtype=np.int8) for s in job["states"]]
env = ACEnv(ACEnvConfig(initial_state=states[0], horizon_length=job["horizon"]))
rng = np.random.default_rng(job["seed"])
pool = rng.integers(0, 12, 1 << 16).tolist()
env.reset(options={"starting_state": states[0]})
steps, episodes, chunk, start = 0, 1, 0, time.perf_counter()
while time.perf_counter() - start < job["seconds"]:
    chunk += 1
    for a in pool[(chunk % 64) * 1024 : (chunk % 64 + 1) * 1024]:
        _, _, done, truncated, _ = env.step(a)
        steps += 1
        if done or truncated:
            env.reset(options={"starting_state": states[episodes % len(states)]})
            episodes += 1
print(json.dumps({"steps": steps, "seconds": time.perf_counter() - start, "episodes": episodes}))
"""


def source_python(venv: Path) -> Path:
    """The source env's interpreter, the virtual environment created and ``ac_solver`` installed on first use."""
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import ac_solver.envs.ac_env"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", SOURCE_PACKAGE], check=True)
    subprocess.run(check, check=True)
    return python


def starting_states(count: int) -> list[list[int]]:
    """The source's layout (two padded rows of 36 letters) of ``count`` AndrewsCurtis-v0 scrambles."""
    rng = np.random.default_rng(0)
    gen = ScrambledTrivialGenerator(30, LENGTH)
    return [gen.scramble(int(rng.integers(0, 2**63)))[0].tolist() for _ in range(count)]


def source_rate(python: Path, states: list[list[int]], seconds: float) -> tuple[int, float]:
    job = json.dumps({"states": states, "seconds": seconds, "seed": 0, "horizon": HORIZON})
    proc = subprocess.run(
        [str(python), "-c", SOURCE_SCRIPT], input=job, capture_output=True, text=True, check=True, timeout=seconds + 120
    )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return int(out["steps"]), float(out["seconds"])


def single_rate(seconds: float) -> tuple[int, float]:
    env = gym.make("AndrewsCurtis-v0")
    env.reset(seed=0)
    pool = np.random.default_rng(0).integers(0, 12, 1 << 16).tolist()
    for a in pool[:1024]:  # warm up (compiled code loaded from numba's cache) outside the timing
        if any(env.step(a)[2:4]):
            env.reset()
    steps, chunk, start = 0, 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        chunk += 1
        for a in pool[(chunk % 64) * 1024 : (chunk % 64 + 1) * 1024]:
            _, _, terminated, truncated, _ = env.step(a)
            if terminated or truncated:
                env.reset()
        steps += 1024
    return steps, time.perf_counter() - start


def vector_rate(batch: int, seconds: float) -> tuple[int, float]:
    env = gym.make_vec("AndrewsCurtis-v0", num_envs=batch, vectorization_mode="vector_entry_point", copy=False)
    env.reset(seed=0)
    pool = np.random.default_rng(0).integers(0, 12, (64, batch))
    for k in range(8):  # compile (the parallel loop on first use) and warm up outside the timing
        env.step(pool[k])
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        env.step(pool[(steps // batch) % 64])
        steps += batch
    return steps, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    p.add_argument("--batch", type=int, nargs="+", default=[64, 1024], help="vector env batch sizes")
    p.add_argument("--source-venv", type=Path, default=DEFAULT_VENV, help="where the source env's venv lives")
    p.add_argument("--out-dir", type=Path, default=Path("docs/results"))
    args = p.parse_args(argv)
    page = ResultsPage("andrews-curtis-throughput", TITLE, __file__, argv)
    python = source_python(args.source_venv)
    rows = []
    steps, dt = source_rate(python, starting_states(256), args.seconds)
    source = steps / dt
    rows.append([f"source: `ac_solver` {SOURCE_PACKAGE.split('==')[1]} `ACEnv`", steps, dt, source, 1.0])
    steps, dt = single_rate(args.seconds)
    single = steps / dt
    rows.append(["AndrewsCurtis-v0, single (`gym.make`)", steps, dt, single, single / source])
    batched = {}
    for b in args.batch:
        steps, dt = vector_rate(b, args.seconds)
        batched[b] = steps / dt
        rows.append([f"AndrewsCurtis-v0, batched B = {b:,} (`make_vec`)", steps, dt, steps / dt, steps / dt / source])
    for row in rows:
        emit({"bench": "andrews-curtis-throughput", "what": row[0], "steps": row[1], "seconds": row[2], "rate": row[3]})
    page.text(
        f"One run, measured in turn, {args.seconds:g} s each (threads: rigorgym's defaults, docs/performance.md). "
        f"Every env plays uniform random actions of the twelve AC′ moves (an action that would make a relator "
        f"longer than {LENGTH} letters is a no-op in both) on relators of at most {LENGTH} letters, episodes of "
        f"{HORIZON} steps, resets included. The source env starts its episodes on 256 presentations drawn by "
        "AndrewsCurtis-v0's generator (30-move scrambles, in the source's array layout) and runs in its own virtual "
        f"environment (`pip install {SOURCE_PACKAGE}`: it pins gymnasium 0.28), in a subprocess of this run."
    )
    page.acceptance(
        [
            ("single >= 10x the source env", f"{single / source:.1f}x ({single:,.0f} steps/s)", single >= 10 * source),
            (
                "batched B = 1,024 >= 100x the source env",
                f"{batched[1024] / source:.0f}x ({batched[1024]:,.0f} steps/s)"
                if 1024 in batched
                else "not measured (--batch lacks 1024)",
                batched.get(1024, 0.0) >= 100 * source,
            ),
        ]
    )
    page.table(["what", "steps", "seconds", "steps per second", "x source"], rows)
    page.reproduce(f"python benchmarks/andrews_curtis_throughput.py --seconds {args.seconds:g}")
    page.write(args.out_dir, {"rows": rows, "source": source, "single": single, "batched": batched})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
