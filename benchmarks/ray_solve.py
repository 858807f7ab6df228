"""Instances/s of ``rigorgym solve`` on the local backend and on ``--backend ray`` with 1 and 2 workers, one run.

The same instances, agent and count budget for every backend (ac-search on the
first ``--n`` Miller–Schupp presentations that the source's greedy left
unsolved, ``--max-expansions`` 300: a deterministic ~0.4 s per instance,
single-threaded and CPU-bound; at this budget it solves few or none, so the
figure is search throughput), in one process: the local runner (``agents/runner.py``), then a private local Ray of
1 CPU and of 2 CPUs running ``agents/ray_backend.py`` (one warm-up pass each,
so worker start-up and imports are not timed; certificates re-verified in the
driver as the command does). Ray's cost per instance is stated two ways: the
round trip of a no-op task, and the 1-worker time per instance minus the local
one. All three runs must give the same certificates. The load average is
recorded at the start and the end: on a shared 2-core machine the 2-worker
ratio is bounded by what else runs.

Prints JSON lines; with ``--out-dir`` writes ``ray-solve.{md,json}`` there
through ``benchmarks/_report.py``. Usage::

    python benchmarks/ray_solve.py --out-dir docs/results      # ~1 minute on 2 cores
    python benchmarks/ray_solve.py --n 6 --max-expansions 50   # a smoke run
    python benchmarks/ray_solve.py --from-json docs/results/ray-solve.json --out-dir docs/results
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Recorder, machine  # noqa: E402
from _report import ResultsPage  # noqa: E402

STEM = "ray-solve"
ENV_ID = "AndrewsCurtis-v0"
SUITE = "ac-ms-greedy-unsolved"
AGENT = "ac-search"
TARGET = 1.7  # 2 workers / 1 worker


def _instances(n: int) -> list[Any]:
    from rigorgym.envs.games import game_of
    from rigorgym.envs.suites import load_suite

    game = game_of(ENV_ID)
    return [game.read_instance(x) for x in list(load_suite(SUITE).instances)[:n]]


def _timed(outcomes: Any) -> tuple[float, list[str], int]:
    """Seconds to drain ``outcomes``, the certificates (JSON text), solved count."""
    start = time.perf_counter()
    certs = [json.dumps(o.certificate, sort_keys=True) for o in outcomes if o.certificate is not None]
    return time.perf_counter() - start, certs, len(certs)


def _noop() -> None:
    return None


def _ray_runs(instances: list[Any], budget: Any, cpus: int) -> tuple[dict[str, Any], list[str], float | None]:
    """A private Ray of ``cpus`` CPUs: warm-up, then the timed pass; the row, certificates, no-op round trip (ms)."""
    import ray
    from rigorgym.agents.ray_backend import run_agent_ray

    ray.init(num_cpus=cpus, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    try:
        warm = instances[: 2 * cpus]  # every worker starts and imports the agent before the clock runs
        _timed(run_agent_ray(ENV_ID, warm, AGENT, budget, 0, False, fitted_to=instances))
        noop_ms = None
        if cpus == 1:
            task = ray.remote(num_cpus=1)(_noop)
            ray.get(task.remote())
            start = time.perf_counter()
            for _ in range(200):
                ray.get(task.remote())
            noop_ms = (time.perf_counter() - start) / 200 * 1000
        seconds, certs, solved = _timed(run_agent_ray(ENV_ID, instances, AGENT, budget, 0, False))
    finally:
        ray.shutdown()
    return {"backend": f"ray, {cpus} worker{'s' if cpus > 1 else ''}", "workers": cpus, "seconds": seconds,
            "solved": solved}, certs, noop_ms  # fmt: skip


def measure(n: int, max_expansions: int) -> dict[str, Any]:
    from rigorgym.agents.base import Budget
    from rigorgym.agents.runner import run_agent

    emit = Recorder()
    load_start = machine()["loadavg"]
    emit({"benchmark": "ray_solve", "env": ENV_ID, "suite": SUITE, "agent": AGENT, "n": n,
          "max_expansions": max_expansions, "loadavg_start": load_start})  # fmt: skip
    instances = _instances(n)
    budget = Budget(600.0, None, max_expansions)
    list(run_agent(ENV_ID, instances[:2], AGENT, budget, 0, False))  # imports and numba compilation, untimed
    seconds, reference, solved = _timed(run_agent(ENV_ID, instances, AGENT, budget, 0, False))
    rows = [{"backend": "local (one process)", "workers": 1, "seconds": seconds, "solved": solved}]
    emit(rows[-1])
    noop_ms = None
    same = True
    for cpus in (1, 2):
        row, certs, ms = _ray_runs(instances, budget, cpus)
        noop_ms = ms if ms is not None else noop_ms
        same = same and certs == reference
        rows.append(row)
        emit(row)
    for row in rows:
        row["instances_per_s"] = n / row["seconds"]
    one, two = rows[1]["instances_per_s"], rows[2]["instances_per_s"]
    report = {
        "env": ENV_ID, "suite": SUITE, "agent": AGENT, "n": n, "max_expansions": max_expansions, "rows": rows,
        "ratio_2_vs_1": two / one, "ray_1_vs_local": one / rows[0]["instances_per_s"],
        "noop_task_ms": noop_ms, "overhead_ms_per_instance": 1000 * (rows[1]["seconds"] - rows[0]["seconds"]) / n,
        "same_certificates": same, "loadavg_start": load_start, "loadavg_end": machine()["loadavg"],
    }  # fmt: skip
    emit({k: v for k, v in report.items() if k != "rows"})
    return report


def render(page: ResultsPage, report: dict[str, Any]) -> None:
    rows, n = report["rows"], report["n"]
    local = rows[0]["instances_per_s"]
    page.text(
        f"`rigorgym solve {ENV_ID} --suite {SUITE} --limit {n} --agent {AGENT} --max-expansions "
        f"{report['max_expansions']:,}` on three backends in one process: the local runner, and `--backend ray` "
        "on a private local Ray of 1 and of 2 CPUs (one task per instance, one CPU each, certificates "
        "re-verified in the driver). Each Ray run had a warm-up pass first, so worker start-up is not timed."
    )
    page.acceptance([
        (f"2 workers ≥ {TARGET}× 1 worker", f"{report['ratio_2_vs_1']:.2f}×", report["ratio_2_vs_1"] >= TARGET),
        ("same certificates on every backend", "yes" if report["same_certificates"] else "no",
         report["same_certificates"]),
    ])  # fmt: skip
    page.table(
        ["backend", "instances", "solved", "seconds", "instances/s", "vs local"],
        [[r["backend"], n, r["solved"], r["seconds"], r["instances_per_s"], f"{r['instances_per_s'] / local:.2f}"]
         for r in rows],
    )  # fmt: skip
    noop = report["noop_task_ms"]
    page.text(
        f"Ray's overhead per instance: a no-op task's round trip is {noop:.2f} ms here; one worker against the "
        f"local runner costs {report['overhead_ms_per_instance']:.1f} ms per instance "
        f"(1 worker runs at {report['ray_1_vs_local']:.2f}× the local speed): the per-instance work here "
        f"({1000 / local:.0f} ms on average) dwarfs it. The 2-worker ratio is bounded by the two cores, which the "
        "driver, Ray's own processes and anything else running on the machine share with the workers; see the "
        "load averages above. On a cluster each worker brings its own CPU ([cluster](../cluster.md))."
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=40, help="instances, the first of the suite (default 40)")
    parser.add_argument("--max-expansions", type=int, default=300, help="per instance (default 300)")
    parser.add_argument("--out-dir", help="write ray-solve.{md,json} into this folder")
    parser.add_argument("--from-json", type=Path, help="re-render the page from this raw report; measure nothing")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    page = ResultsPage(STEM, "Solving on Ray: instances/s against the local backend", __file__, argv)
    if args.from_json:
        report = page.from_report(json.loads(args.from_json.read_text()))
    else:
        report = measure(args.n, args.max_expansions)
    if args.out_dir:
        render(page, report)
        page.write(Path(args.out_dir), report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
