"""Kirby-Plumbing-v0 throughput, printed as JSON lines (one object per measurement) from one run.

Measures, in one process and one run (so that ratios compare like with like on
a noisy machine):

(a) one env, ``gym.make("Kirby-Plumbing-v0")`` and ``gym.make("Kirby-Plumbing-RiPutrov-v0")``
    (the paper's test protocol, n = 10, k = 100), stepped with uniformly
    random legal actions (mask from ``info``, resets included), next to a
    plain-Python reference of the same game: two kernel ``PlumbingGraph`` s,
    the legal moves enumerated in Python under the env's rules, a uniform
    pick, ``rigorgym.verifiers.plumbing.apply_move`` and the isomorphism test.
    The two are measured in alternating slices and their ratio is printed;
    ``time_per_trial_s`` is one episode of ``max_episode_steps`` random moves
    (1000 on the RiPutrov tier: the 500 rounds of two moves of the Ri-Putrov test);
(b) the kernel: ``verify()`` and bare replay (``apply_move`` only) of
    normal-form certificates of random trees of 10-70 nodes, each copy
    scrambled by ``2 n`` moves, and of suite pairs: certificates/s and moves/s;
(c) the ``normal-form`` solver (``certify_pair``) over ``plumbing-ri-putrov-10``
    and ``plumbing-large-25``: pairs/s, alone and with certificate and ``verify``,
    and the median certificate length.

The anchor ("the Ri-Putrov code measured on this machine: 1,400 legal moves/s,
9.4 s per trial of its test protocol with random moves") was measured once,
not in this run; the ``anchor`` line gives our ratio to it.
Every line has ``bench``; the lines with a ``target`` also have ``meets_target``.
The measuring code is in :mod:`rigorgym.agents.protocols.plumbing`; the page
``plumbing-throughput.md`` (with ``.json``, the run's records) is written from
this run's records through ``_report.ResultsPage`` into ``--out-dir`` (default
docs/results; a temporary folder with ``--quick``).
Usage::

    python benchmarks/plumbing_throughput.py            # full run and its page, about 90 seconds
    python benchmarks/plumbing_throughput.py --quick    # a few seconds
    rigorgym bench plumbing_throughput --quick
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import gymnasium as gym
import numba
import numpy as np
from _common import Recorder, rounded, timed, until
from _report import ResultsPage
from rigorgym.agents.normal_form import certify_pair
from rigorgym.agents.protocols import plumbing as pp
from rigorgym.envs.kirby_plumbing import PlumbingInstance, make_certificate
from rigorgym.envs.suites import load_suite
from rigorgym.verifiers import KERNEL_VERSION, verify

import rigorgym  # noqa: F401  (registers the envs)

ROOT = Path(__file__).resolve().parents[1]
STEM = "plumbing-throughput"
ENV_IDS = ("Kirby-Plumbing-v0", "Kirby-Plumbing-RiPutrov-v0")
TRIAL_ENV = "Kirby-Plumbing-RiPutrov-v0"  # the env whose episode is one trial of the Ri-Putrov test
TARGET_KERNEL_MOVES = 50_000  # moves/s in verify()
TARGET_ENV_STEPS = 20_000  # env steps/s of one env
TARGET_NORMAL_FORM = 100  # pairs/s
ANCHOR_MOVES_PER_S = 1_400  # the Ri-Putrov code on this machine: legal moves/s
ANCHOR_S_PER_TRIAL = 9.4  # the Ri-Putrov code on this machine: seconds per trial of its test with random moves
ANCHOR = "the Ri-Putrov code measured on this machine: 1,400 legal moves/s, 9.4 s per trial of its test protocol with random moves"  # noqa: E501


def bench_env(emit: Recorder, seconds: float, repeats: int, check_states: int, seed: int) -> dict[str, Any]:
    """(a) each env against the plain-Python reference, in alternating slices."""
    results: dict[str, dict[str, Any]] = {}
    for env_id in ENV_IDS:
        check = pp.check_reference(env_id, check_states, seed)
        env_run, ref_run = pp.env_against_reference(env_id, seconds, repeats, seed)
        base: Any = env_run.env.unwrapped
        n, d, k, _ = base._consts
        common = {"max_nodes": n, "extrude_d": d, "extrude_neighbours": k, "n_actions": base.layout.n_actions,
                  "max_episode_steps": env_run.limit}  # fmt: skip
        env_res, ref_res = env_run.c.result(env_run.limit), ref_run.c.result(ref_run.limit)
        emit({"bench": "env_single", "env": f"gym.make({env_id!r})", "impl": "KirbyPlumbingEnv (numba core)",
              **common, **env_res, "target": f">= {TARGET_ENV_STEPS} env steps/s",
              "meets_target": env_res["steps_per_s"] >= TARGET_ENV_STEPS,
              "anchor_moves_per_s": ANCHOR_MOVES_PER_S,
              "ratio_to_anchor": rounded(env_res["steps_per_s_with_sampling"] / ANCHOR_MOVES_PER_S)})  # fmt: skip
        emit({"bench": "env_single", "env": f"gym.make({env_id!r})",
              "impl": "plain-Python reference (kernel apply_move, legal moves enumerated in Python, no observation)",
              **common, **ref_res, **check, "anchor_moves_per_s": ANCHOR_MOVES_PER_S,
              "ratio_to_anchor": rounded(ref_res["steps_per_s_with_sampling"] / ANCHOR_MOVES_PER_S)})  # fmt: skip
        emit({"bench": "env_vs_reference", "env": env_id,
              "ratio": rounded(env_res["steps_per_s"] / ref_res["steps_per_s"]),
              "ratio_with_sampling": rounded(env_res["steps_per_s_with_sampling"] / ref_res["steps_per_s_with_sampling"])})  # fmt: skip
        results[env_id] = {"env": env_res, "reference": ref_res}
        env_run.env.close()
    return results


def rates(check: Any, certs: list[dict[str, Any]], moves: int, seconds: float) -> dict[str, Any]:
    """Certificates/s and moves/s of ``check`` run over all ``certs`` (``moves`` in all), repeatedly."""

    def run_all() -> int:
        for cert in certs:
            check(cert)
        return len(certs)

    done, elapsed = until(seconds, run_all)
    return {"certs_per_s": rounded(done / elapsed), "moves_per_s": rounded(done // len(certs) * moves / elapsed),
            "seconds": round(elapsed, 2)}  # fmt: skip


def bench_kernel(emit: Recorder, seconds: float, count: int, seed: int) -> None:
    """(b) bare replay and ``verify`` of normal-form certificates of random trees and of suite pairs."""
    sources = [(f"random_tree(n={n}), copies scrambled by {2 * n} moves", lambda n=n: pp.tree_certificates(n, count, seed))
               for n in (10, 30, 50, 70)]  # fmt: skip
    sources += [(f"suite {s} (first {count})", lambda s=s: pp.suite_certificates(s, count))
                for s in ("plumbing-ri-putrov-10", "plumbing-large-25")]  # fmt: skip
    for source, build in sources:
        certs, build_s = timed(build)
        moves_each = [len(c["moves"]) for c in certs]
        nodes_each = [sum(len(g["nodes"]) for g in c["instance"]["graphs"]) / 2 for c in certs]
        for cert in certs:  # warm-up, and a check that the certificates are what we claim
            assert verify(cert).valid, source
        base = {"certificates": source, "count": len(certs), "mean_moves": rounded(statistics.fmean(moves_each)),
                "mean_nodes_per_graph": rounded(statistics.fmean(nodes_each)),
                "max_nodes_per_graph": max(len(g["nodes"]) for c in certs for g in c["instance"]["graphs"]),
                "build_s": round(build_s, 2)}  # fmt: skip
        emit({"bench": "kernel_replay", **base, **rates(pp.replay, certs, sum(moves_each), seconds)})
        verified = rates(verify, certs, sum(moves_each), seconds)
        emit({"bench": "verify", **base, **verified, "kernel": KERNEL_VERSION,
              "target": f">= {TARGET_KERNEL_MOVES} moves/s",
              "meets_target": verified["moves_per_s"] >= TARGET_KERNEL_MOVES})  # fmt: skip


def bench_normal_form(emit: Recorder, limit: int | None) -> None:
    """(c) ``certify_pair`` over two suites, alone and with certificate and ``verify``."""
    for suite_name in ("plumbing-ri-putrov-10", "plumbing-large-25"):
        suite = load_suite(suite_name)
        instances = [PlumbingInstance.from_instance(x) for x in suite.instances[:limit]]
        found, solve_s = timed(lambda instances=instances: [certify_pair(i) for i in instances])

        def end_to_end(instances: list[PlumbingInstance] = instances) -> int:
            got = [(inst, certify_pair(inst)) for inst in instances]
            return sum(verify(make_certificate(i, g[1], g[0])).valid for i, g in got if g is not None)

        valid, full_s = timed(end_to_end)
        lengths = [len(f[1]) for f in found if f is not None]
        claims = dict(Counter(f[0] if f is not None else "none" for f in found))
        pairs_per_s = len(instances) / solve_s
        emit({"bench": "normal_form", "suite": suite_name, "suite_hash": suite.hash, "pairs": len(instances),
              "certified": len(instances) - claims.get("none", 0), "verified": valid, "claims": claims,
              "median_moves": statistics.median(lengths) if lengths else None,
              "max_moves": max(lengths, default=None),
              "pairs_per_s": rounded(pairs_per_s), "pairs_per_s_with_verify": rounded(len(instances) / full_s),
              "seconds": round(solve_s + full_s, 2), "target": f">= {TARGET_NORMAL_FORM} pairs/s",
              "meets_target": pairs_per_s >= TARGET_NORMAL_FORM})  # fmt: skip


def anchor_record(env_results: dict[str, Any]) -> dict[str, Any]:
    """Our trial env against the anchor (measured once on this machine, not in this run)."""
    ours, reference = env_results[TRIAL_ENV]["env"], env_results[TRIAL_ENV]["reference"]
    return {"bench": "anchor", "anchor": ANCHOR, "anchor_moves_per_s": ANCHOR_MOVES_PER_S,
            "anchor_s_per_trial": ANCHOR_S_PER_TRIAL, "env": TRIAL_ENV,
            "trial": "one episode of max_episode_steps (1000) random legal moves, reset included",
            "moves_per_s": ours["steps_per_s_with_sampling"],
            "moves_ratio": rounded(ours["steps_per_s_with_sampling"] / ANCHOR_MOVES_PER_S),
            "s_per_trial": ours["time_per_trial_s"],
            "trial_speedup": rounded(ANCHOR_S_PER_TRIAL / ours["time_per_trial_s"]),
            "reference_moves_per_s": reference["steps_per_s_with_sampling"],
            "reference_moves_ratio": rounded(reference["steps_per_s_with_sampling"] / ANCHOR_MOVES_PER_S),
            "note": "the anchor was measured once on this machine, not in this run; the Ri-Putrov trial "
                    "also compares every pair of small states it met, which ours does not"}  # fmt: skip


def targets(by: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str, bool]]:
    """The acceptance rows: env steps/s, the reference's moves equal to the env's, verify moves/s, pairs/s."""
    envs, refs = by.get("env_single", [])[0::2], by.get("env_single", [])[1::2]
    rows = [(f"`{e['env']}`: {e['target']}", f"{e['steps_per_s']:,.0f}", e["meets_target"]) for e in envs]
    rows += [(f"`{r['env']}`: the reference allows the env's moves", r["reference_check"],
              "reference_mismatch" not in r) for r in refs]  # fmt: skip
    rows += [(f"`verify`, {v['certificates']}: {v['target']}", f"{v['moves_per_s']:,.0f}", v["meets_target"])
             for v in by.get("verify", [])]  # fmt: skip
    rows += [(f"`normal-form` on `{r['suite']}`: {r['target']}", f"{r['pairs_per_s']:,.0f}", r["meets_target"])
             for r in by.get("normal_form", []) if r["suite"] == "plumbing-ri-putrov-10"]  # fmt: skip
    return rows


def fill(page: ResultsPage, records: list[dict[str, Any]]) -> None:
    """The page's tables and acceptance rows, from the run's records alone."""
    by: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by.setdefault(r.get("bench", ""), []).append(r)
    m = by["machine"][0]
    page.text(
        f"numpy {m['numpy']}, numba {m['numba']}, gymnasium {m['gymnasium']}, kernel `{m['kernel']}`"
        + (" (a `--quick` smoke run)." if m["quick"] else ".")
        + " The VM is shared, so absolute figures move between runs; every comparison below is measured in the "
        "same process, in alternating slices, and reported as a ratio. The measuring code is "
        "`rigorgym.agents.protocols.plumbing`."
    )
    load = (m.get("loadavg") or [0.0])[0]
    if load > m["cpu_count"]:
        page.text(f"**The machine was overloaded** (load average {load:.1f} on {m['cpu_count']} cores, from other jobs): "
                  "absolute rates are depressed accordingly; the ratios, measured in alternating slices, hold.")  # fmt: skip
    page.heading("Acceptance")
    page.acceptance(targets(by))
    if "env_single" in by:
        page.heading("Env (uniformly random legal actions, resets included)")
        envs, refs = by["env_single"][0::2], by["env_single"][1::2]
        page.table(["env", "steps/s", "with sampling", "plain-Python reference", "ratio"],
                   [[f"`{e['env']}` (N = {e['max_nodes']})", e["steps_per_s"], e["steps_per_s_with_sampling"],
                     r["steps_per_s"], f"{v['ratio']:.1f}x"] for e, r, v in zip(envs, refs, by["env_vs_reference"],
                                                                              strict=True)])  # fmt: skip
        page.text(
            "The reference plays the same game with two kernel `PlumbingGraph`s, legal moves enumerated in Python "
            "under the env's rules (checked equal to the env's mask, op by op, on the states of the acceptance "
            "table), `apply_move` and the isomorphism test, without building observations."
        )
    if "verify" in by:
        page.heading("Kernel")
        page.table(["certificates", "mean nodes per graph", "replay moves/s", "`verify` moves/s",
                    "`verify` certificates/s"],
                   [[v["certificates"], v["mean_nodes_per_graph"], k["moves_per_s"], v["moves_per_s"], v["certs_per_s"]]
                    for k, v in zip(by["kernel_replay"], by["verify"], strict=True)])  # fmt: skip
        page.text(
            "The certificates are those of the `normal-form` solver; *replay* is `apply_move` alone, `verify` adds "
            "parsing, validation and the final isomorphism test."
        )
    if "normal_form" in by:
        page.heading("The `normal-form` solver")
        page.table(["suite", "pairs", "certified", "verified", "median moves", "pairs/s", "with `verify`"],
                   [[f"`{r['suite']}`", r["pairs"], r["certified"], r["verified"], r["median_moves"], r["pairs_per_s"],
                     r["pairs_per_s_with_verify"]] for r in by["normal_form"]])  # fmt: skip
        page.text("All suites, with the `distinct` pairs and the `random` reference: "
                  "[plumbing-normal-form.md](plumbing-normal-form.md).")  # fmt: skip
    if "anchor" in by:
        a = by["anchor"][0]
        page.heading("Against the anchor")
        page.text(
            f"The Ri–Putrov code, measured once on this machine (not in this run): {a['anchor_moves_per_s']:,} legal "
            f"moves/s and {a['anchor_s_per_trial']} s per trial of its test protocol with random moves. `{a['env']}` "
            f"plays {a['moves_per_s']:,.0f} random legal moves/s ({a['moves_ratio']:.1f}x) and one trial (an "
            f"episode of 1000 random moves) takes {a['s_per_trial']:.3g} s ({a['trial_speedup']:,.0f}x faster). The "
            "anchor's trial also compares every pair of small states it met, which ours does not, so the per-trial "
            "ratio flatters us; the moves/s ratio is the fair one."
        )
    page.reproduce("python benchmarks/plumbing_throughput.py            # or: make bench",
                   "python benchmarks/plumbing_throughput.py --quick    # a few seconds")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few-second smoke run instead of about 90 seconds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=["env", "kernel", "normal-form"], action="append", help="run only these")
    parser.add_argument("--out-dir", help="where the page goes (default docs/results; a temp folder with --quick)")
    parser.add_argument("--from-json", help="only re-render the page (into --out-dir) from a plumbing-throughput.json")
    args = parser.parse_args(argv)
    page = ResultsPage(STEM, "Kirby-Plumbing-v0 throughput", __file__, argv)
    if args.from_json:
        report = page.from_report(json.loads(Path(args.from_json).read_text()))
        fill(page, report["records"])
        page.write(Path(args.out_dir or Path(args.from_json).parent), report)
        return 0
    parts = args.only or ["env", "kernel", "normal-form"]
    if args.quick:
        env_s, repeats, check_states, kernel_s, certs, pairs = 0.4, 2, 20, 0.15, 4, 20
    else:
        env_s, repeats, check_states, kernel_s, certs, pairs = 12.0, 4, 300, 2.0, 30, None
    out_dir = Path(args.out_dir or (tempfile.mkdtemp(prefix=f"{STEM}-") if args.quick else ROOT / "docs" / "results"))
    emit = Recorder()
    start = time.perf_counter()
    emit({"bench": "machine", **page.start_machine, "kernel": KERNEL_VERSION, "numpy": np.__version__,
          "numba": numba.__version__, "gymnasium": gym.__version__, "quick": args.quick})  # fmt: skip
    pp.seed_sampler(args.seed)  # compile or load the sampler before anything is timed
    pp.sample_one(np.ones(8, bool), pp.TRIES)
    env_results = bench_env(emit, env_s, repeats, check_states, args.seed) if "env" in parts else {}
    if "kernel" in parts:
        bench_kernel(emit, kernel_s, certs, args.seed)
    if "normal-form" in parts:
        bench_normal_form(emit, pairs)
    if TRIAL_ENV in env_results:
        emit(anchor_record(env_results))
    emit({"bench": "total", "seconds": round(time.perf_counter() - start, 1)})
    fill(page, emit.records)
    page.write(out_dir, {"records": emit.records})
    return 0


if __name__ == "__main__":
    sys.exit(main())
