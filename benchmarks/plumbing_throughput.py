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
Usage::

    python benchmarks/plumbing_throughput.py            # full run, about 90 seconds
    python benchmarks/plumbing_throughput.py --quick    # a few seconds
    rigorgym bench plumbing_throughput --quick
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from itertools import combinations
from typing import Any

import gymnasium as gym
import numba
import numpy as np
from _common import emit, machine, rounded, timed, until
from numba import njit
from rigorgym.agents.normal_form import certify_pair
from rigorgym.envs.kirby_plumbing import PlumbingInstance, make_certificate, random_tree, scramble
from rigorgym.envs.kirby_plumbing.actions import OP_NAMES
from rigorgym.envs.suites import load_suite
from rigorgym.verifiers import KERNEL_VERSION, verify
from rigorgym.verifiers.plumbing import PlumbingGraph, apply_move, isomorphic

import rigorgym  # noqa: F401  (registers the envs)

ENV_IDS = ("Kirby-Plumbing-v0", "Kirby-Plumbing-RiPutrov-v0")
TRIAL_ENV = "Kirby-Plumbing-RiPutrov-v0"  # the env whose episode is one trial of the Ri-Putrov test
TARGET_KERNEL_MOVES = 50_000  # moves/s in verify()
TARGET_ENV_STEPS = 20_000  # env steps/s of one env
TARGET_NORMAL_FORM = 100  # pairs/s
ANCHOR_MOVES_PER_S = 1_400  # the Ri-Putrov code on this machine: legal moves/s
ANCHOR_S_PER_TRIAL = 9.4  # the Ri-Putrov code on this machine: seconds per trial of its test with random moves
ANCHOR = "the Ri-Putrov code measured on this machine: 1,400 legal moves/s, 9.4 s per trial of its test protocol with random moves"  # noqa: E501
TRIES = 64


# -- random legal actions ---------------------------------------------------------------


@njit(cache=True)
def seed_sampler(seed: int) -> None:
    """Seed numba's own generator (separate from numpy's)."""
    np.random.seed(seed)


@njit(cache=True)
def sample_one(mask: np.ndarray, tries: int) -> int:
    """A uniformly random True index of ``mask``: rejection sampling, then a scan (both uniform); 0 if none."""
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


# -- the plain-Python reference ---------------------------------------------------------

# A move as a tuple (cheap to build by the hundred every step): (graph, op, v, u, param, moved).
Move = tuple[int, str, int, int, int, tuple[int, ...]]


def legal_moves(graphs: list[PlumbingGraph], n: int, d_max: int, k_bits: int, w_max: int) -> list[Move]:
    """Every legal action of the env's layout, enumerated in Python (the env's mask rules, one entry per action)."""
    out: list[Move] = []
    for g, graph in enumerate(graphs):
        weights, adj = graph.weights, graph.adj
        order = sorted(weights)
        c = len(order)
        room1, room2 = c < n, c + 2 <= n
        for v in order:
            w = weights[v]
            nbrs = adj[v]
            deg = len(nbrs)
            if room1:
                if w + 1 <= w_max:
                    out.append((g, "blowup_vertex", v, -1, 1, ()))
                if w - 1 >= -w_max:
                    out.append((g, "blowup_vertex", v, -1, -1, ()))
            if (w == 1 or w == -1) and deg <= 2 and all(abs(weights[u] - w) <= w_max for u in nbrs):
                out.append((g, "blowdown", v, -1, 0, ()))
            if w == 0 and deg == 2:
                a, b = nbrs
                if abs(weights[a] + weights[b]) <= w_max:
                    out.append((g, "absorb_zero", v, -1, 0, ()))
            if w == 0 and deg == 1:
                out.append((g, "split_zero_leaf", v, -1, 0, ()))
            if room2:
                first = sorted(nbrs)[:k_bits]
                subsets = [s for r in range(len(first) + 1) for s in combinations(first, r)]
                for d in range(-d_max, d_max + 1):
                    if abs(w - d) <= w_max:
                        out.extend((g, "extrude_zero", v, -1, d, s) for s in subsets)
        if room1:
            for u in order:
                for v in sorted(adj[u]):
                    if u < v:
                        for sign in (1, -1):
                            if abs(weights[u] + sign) <= w_max and abs(weights[v] + sign) <= w_max:
                                out.append((g, "blowup_edge", u, v, sign, ()))
            out.append((g, "blowup_disjoint", -1, -1, 1, ()))
            out.append((g, "blowup_disjoint", -1, -1, -1, ()))
    return out


def to_kernel(move: Move) -> dict[str, Any]:
    """The §2.3 move of a tuple."""
    g, op, v, u, param, moved = move
    if op == "blowup_disjoint":
        return {"op": op, "graph": g, "sign": param}
    if op == "blowup_edge":
        return {"op": op, "graph": g, "u": v, "v": u, "sign": param}
    if op == "blowup_vertex":
        return {"op": op, "graph": g, "v": v, "sign": param}
    if op == "extrude_zero":
        return {"op": op, "graph": g, "v": v, "d": param, "moved": list(moved)}
    return {"op": op, "graph": g, "v": v}


class ReferenceEnv:
    """The same game in plain Python on kernel graphs: what an env without the numba core would do per step."""

    def __init__(self, generator: Any, consts: tuple[int, int, int, int], limit: int, seed: int) -> None:
        self.generator = generator
        self.consts = consts
        self.limit = limit
        self.np_random = np.random.default_rng(seed)
        self.graphs: list[PlumbingGraph] = []
        self.moves: list[Move] = []
        self.played = 0

    def reset(self) -> bool:
        instance = self.generator(self.np_random)
        self.graphs = instance.kernel_graphs()
        self.moves = legal_moves(self.graphs, *self.consts)
        self.played = 0
        return isomorphic(*self.graphs)

    def step(self, move: Move) -> tuple[bool, bool]:
        """Apply one legal move; ``(terminated, truncated)``."""
        apply_move(self.graphs[move[0]], to_kernel(move))
        self.played += 1
        self.moves = legal_moves(self.graphs, *self.consts)
        return isomorphic(*self.graphs), self.played >= self.limit


# -- (a) env against the reference ------------------------------------------------------


class Counters:
    """Steps, episodes and the two clocks of one player (env time and wall time with sampling)."""

    def __init__(self) -> None:
        self.steps = self.episodes = self.solved = self.illegal = 0
        self.step_time = self.wall = 0.0

    def result(self, limit: int) -> dict[str, Any]:
        per_step = self.wall / self.steps
        return {
            "steps": self.steps,
            "episodes": self.episodes,
            "solved_episodes": self.solved,
            "illegal_actions": self.illegal,
            "steps_per_s": rounded(self.steps / self.step_time),
            "steps_per_s_with_sampling": rounded(self.steps / self.wall),
            "time_per_trial_s": rounded(per_step * limit),
            "seconds": round(self.wall, 2),
        }


class EnvRun:
    """``gym.make(env_id)`` under random legal play (resets included), measured in slices."""

    def __init__(self, env_id: str, seed: int) -> None:
        self.env = gym.make(env_id)
        self.limit = int(self.env.spec.max_episode_steps)  # type: ignore[union-attr]
        seed_sampler(seed)
        _, self.info = self.env.reset(seed=seed)
        self.c = Counters()

    def slice(self, seconds: float) -> None:
        clock = time.perf_counter
        env, info, c = self.env, self.info, self.c
        start = clock()
        while True:
            for _ in range(64):
                action = sample_one(info["action_mask"], TRIES)
                t0 = clock()
                _, _, terminated, truncated, info = env.step(action)
                c.step_time += clock() - t0
                c.illegal += info["illegal_action"]
                if terminated or truncated:
                    c.episodes += 1
                    c.solved += terminated
                    t0 = clock()
                    _, info = env.reset()
                    c.step_time += clock() - t0
            c.steps += 64
            if clock() - start >= seconds:
                break
        c.wall += clock() - start
        self.info = info


class ReferenceRun:
    """The plain-Python reference on the same generator, sizes and episode limit, measured in slices."""

    def __init__(self, env: gym.Env, limit: int, seed: int) -> None:
        base: Any = env.unwrapped
        self.ref = ReferenceEnv(base.generator, base._consts, limit, seed)
        self.limit = limit
        self.rng = random.Random(seed)
        self.ref.reset()
        self.c = Counters()

    def slice(self, seconds: float) -> None:
        clock = time.perf_counter
        ref, rng, c = self.ref, self.rng, self.c
        start = clock()
        while True:
            for _ in range(16):
                move = ref.moves[rng.randrange(len(ref.moves))]
                t0 = clock()
                terminated, truncated = ref.step(move)
                c.step_time += clock() - t0
                if terminated or truncated:
                    c.episodes += 1
                    c.solved += terminated
                    t0 = clock()
                    ref.reset()
                    c.step_time += clock() - t0
            c.steps += 16
            if clock() - start >= seconds:
                break
        c.wall += clock() - start


def check_reference(env_id: str, states: int, seed: int) -> dict[str, Any]:
    """Random env play; at each state, the reference's legal moves must match the env's mask op by op."""
    env = gym.make(env_id)
    base: Any = env.unwrapped
    consts, layout = base._consts, base.layout
    rng = np.random.default_rng(seed)
    _, info = env.reset(seed=seed)
    agree = 0
    first_mismatch: dict[str, Any] | None = None
    for _ in range(states):
        mask = info["action_mask"]
        from_env: dict[str, int] = {}
        for a in np.flatnonzero(mask):
            name = OP_NAMES[layout.decode(int(a)).op]
            from_env[name] = from_env.get(name, 0) + 1
        from_ref: dict[str, int] = {}
        for move in legal_moves(list(base.graphs()), *consts):
            from_ref[move[1]] = from_ref.get(move[1], 0) + 1
        if from_env == from_ref:
            agree += 1
        elif first_mismatch is None:
            first_mismatch = {"env": from_env, "reference": from_ref}
        legal = np.flatnonzero(mask)
        _, _, terminated, truncated, info = env.step(int(legal[rng.integers(len(legal))]))
        if terminated or truncated:
            _, info = env.reset()
    env.close()
    out: dict[str, Any] = {"reference_check": f"{agree}/{states} states: same legal moves per op"}
    if first_mismatch is not None:
        out["reference_mismatch"] = first_mismatch
    return out


def bench_env(seconds: float, repeats: int, check_states: int, seed: int) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for env_id in ENV_IDS:
        check = check_reference(env_id, check_states, seed)
        env_run = EnvRun(env_id, seed)
        ref_run = ReferenceRun(env_run.env, env_run.limit, seed)
        env_run.slice(0.0)  # warm-up (numba cache load, first reset)
        ref_run.slice(0.0)
        env_run.c, ref_run.c = Counters(), Counters()
        for _ in range(repeats):  # alternate, so that both see the same machine load
            env_run.slice(seconds / repeats)
            ref_run.slice(seconds / repeats)
        base: Any = env_run.env.unwrapped
        n, d, k, w = base._consts
        common = {"max_nodes": n, "extrude_d": d, "extrude_neighbours": k, "n_actions": base.layout.n_actions,
                  "max_episode_steps": env_run.limit}  # fmt: skip
        env_res = env_run.c.result(env_run.limit)
        ref_res = ref_run.c.result(ref_run.limit)
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


# -- (b) kernel -------------------------------------------------------------------------


def tree_certificates(nodes: int, count: int, seed: int) -> list[dict[str, Any]]:
    """Normal-form certificates of pairs made from one random tree, each copy scrambled by ``2 nodes`` moves."""
    rng = np.random.default_rng(seed + nodes)
    certs = []
    while len(certs) < count:
        tree = random_tree(rng, nodes)
        copies = tree.copy(), tree.copy()
        for graph in copies:
            scramble(graph, rng, 2 * nodes, max_nodes=nodes + 30)
        instance = PlumbingInstance.from_graphs(*copies)
        found = certify_pair(instance)
        if found is not None and found[0] == "homeomorphic":
            certs.append(make_certificate(instance, found[1], "homeomorphic"))
    return certs


def suite_certificates(suite: str, count: int) -> list[dict[str, Any]]:
    certs = []
    for raw in load_suite(suite).instances[:count]:
        instance = PlumbingInstance.from_instance(raw)
        found = certify_pair(instance)
        if found is not None and found[0] == "homeomorphic":
            certs.append(make_certificate(instance, found[1], "homeomorphic"))
    return certs


def replay(cert: dict[str, Any]) -> list[PlumbingGraph]:
    """Build the two graphs and apply every move: the kernel's work without the checks around it."""
    graphs = [PlumbingGraph.from_json(g) for g in cert["instance"]["graphs"]]
    for move in cert["moves"]:
        apply_move(graphs[move["graph"]], move)
    return graphs


def rates(check: Any, certs: list[dict[str, Any]], moves: int, seconds: float) -> dict[str, Any]:
    """Certificates/s and moves/s of ``check`` run over all ``certs`` (``moves`` in all), repeatedly."""

    def run_all() -> int:
        for cert in certs:
            check(cert)
        return len(certs)

    done, elapsed = until(seconds, run_all)
    checked = done // len(certs) * moves
    return {"certs_per_s": rounded(done / elapsed), "moves_per_s": rounded(checked / elapsed),
            "seconds": round(elapsed, 2)}  # fmt: skip


def bench_kernel(seconds: float, count: int, seed: int) -> list[float]:
    sources = [(f"random_tree(n={n}), copies scrambled by {2 * n} moves", lambda n=n: tree_certificates(n, count, seed))
               for n in (10, 30, 50, 70)]  # fmt: skip
    sources += [(f"suite {s} (first {count})", lambda s=s: suite_certificates(s, count))
                for s in ("plumbing-ri-putrov-10", "plumbing-large-25")]  # fmt: skip
    verify_rates = []
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
        emit({"bench": "kernel_replay", **base, **rates(replay, certs, sum(moves_each), seconds)})
        verified = rates(verify, certs, sum(moves_each), seconds)
        verify_rates.append(verified["moves_per_s"])
        emit({"bench": "verify", **base, **verified, "kernel": KERNEL_VERSION,
              "target": f">= {TARGET_KERNEL_MOVES} moves/s",
              "meets_target": verified["moves_per_s"] >= TARGET_KERNEL_MOVES})  # fmt: skip
    return verify_rates


# -- (c) normal form --------------------------------------------------------------------


def bench_normal_form(limit: int | None) -> None:
    for suite_name in ("plumbing-ri-putrov-10", "plumbing-large-25"):
        suite = load_suite(suite_name)
        instances = [PlumbingInstance.from_instance(x) for x in suite.instances[:limit]]
        found, solve_s = timed(lambda instances=instances: [certify_pair(i) for i in instances])

        def end_to_end(instances: list[PlumbingInstance] = instances) -> int:
            valid = 0
            for inst in instances:
                got = certify_pair(inst)
                if got is not None:
                    valid += verify(make_certificate(inst, got[1], got[0])).valid
            return valid

        valid, full_s = timed(end_to_end)
        lengths = [len(f[1]) for f in found if f is not None]
        claims: dict[str, int] = {}
        for f in found:
            key = f[0] if f is not None else "none"
            claims[key] = claims.get(key, 0) + 1
        pairs_per_s = len(instances) / solve_s
        emit({"bench": "normal_form", "suite": suite_name, "suite_hash": suite.hash, "pairs": len(instances),
              "certified": len(instances) - claims.get("none", 0), "verified": valid, "claims": claims,
              "median_moves": statistics.median(lengths) if lengths else None,
              "max_moves": max(lengths, default=None),
              "pairs_per_s": rounded(pairs_per_s), "pairs_per_s_with_verify": rounded(len(instances) / full_s),
              "seconds": round(solve_s + full_s, 2), "target": f">= {TARGET_NORMAL_FORM} pairs/s",
              "meets_target": pairs_per_s >= TARGET_NORMAL_FORM})  # fmt: skip


# -- main -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few-second smoke run instead of about 90 seconds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=["env", "kernel", "normal-form"], action="append", help="run only these")
    args = parser.parse_args(argv)
    parts = args.only or ["env", "kernel", "normal-form"]
    if args.quick:
        env_s, repeats, check_states, kernel_s, certs, pairs = 0.4, 2, 20, 0.15, 4, 20
    else:
        env_s, repeats, check_states, kernel_s, certs, pairs = 12.0, 4, 300, 2.0, 30, None

    start = time.perf_counter()
    emit({"bench": "machine", **machine(), "kernel": KERNEL_VERSION, "numpy": np.__version__,
          "numba": numba.__version__, "gymnasium": gym.__version__, "quick": args.quick})  # fmt: skip
    seed_sampler(args.seed)  # compile or load the sampler before anything is timed
    sample_one(np.ones(8, bool), TRIES)
    env_results: dict[str, dict[str, Any]] = {}
    if "env" in parts:
        env_results = bench_env(env_s, repeats, check_states, args.seed)
    if "kernel" in parts:
        bench_kernel(kernel_s, certs, args.seed)
    if "normal-form" in parts:
        bench_normal_form(pairs)
    if TRIAL_ENV in env_results:
        ours = env_results[TRIAL_ENV]["env"]
        reference = env_results[TRIAL_ENV]["reference"]
        emit({"bench": "anchor", "anchor": ANCHOR, "anchor_moves_per_s": ANCHOR_MOVES_PER_S,
              "anchor_s_per_trial": ANCHOR_S_PER_TRIAL, "env": TRIAL_ENV,
              "trial": "one episode of max_episode_steps (1000) random legal moves, reset included",
              "moves_per_s": ours["steps_per_s_with_sampling"],
              "moves_ratio": rounded(ours["steps_per_s_with_sampling"] / ANCHOR_MOVES_PER_S),
              "s_per_trial": ours["time_per_trial_s"],
              "trial_speedup": rounded(ANCHOR_S_PER_TRIAL / ours["time_per_trial_s"]),
              "reference_moves_per_s": reference["steps_per_s_with_sampling"],
              "reference_moves_ratio": rounded(reference["steps_per_s_with_sampling"] / ANCHOR_MOVES_PER_S),
              "note": "the anchor was measured once on this machine, not in this run; the Ri-Putrov trial "
                      "also compares every pair of small states it met, which ours does not"})  # fmt: skip
    emit({"bench": "total", "seconds": round(time.perf_counter() - start, 1)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
