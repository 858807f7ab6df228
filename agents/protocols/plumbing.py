"""Protocols of the Kirby-Plumbing-v0 benchmarks: suite runs, certificate sources and the plain-Python reference game.

* :func:`suite_run`: one agent of ``rigorgym solve`` over the pairs of a
  suite through :func:`rigorgym.agents.runner.run_agent`, every certificate
  re-verified by the kernel, with the counts, lengths and rates of the
  ``normal-form`` page;
* :func:`tree_certificates`, :func:`suite_certificates`, :func:`replay`: the
  ``normal-form`` certificates the kernel's throughput is measured on;
* :class:`ReferenceEnv` and :func:`legal_moves`: the same game as the env in
  plain Python on kernel graphs (no numba, no observation), the yardstick of
  the env's speed; :func:`check_reference` checks that both allow the same
  moves, op by op, along random play.

The classifier's protocols (held-out accuracy by size, greedy search under
move orders) are in :mod:`.plumbing_classifier`.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable
from itertools import combinations
from typing import Any

import numpy as np

ENV_ID = "Kirby-Plumbing-v0"


def _rounded(x: float) -> float:
    return float(f"{x:.4g}")


# -- suites through the runner ---------------------------------------------------------------------


def suite_run(
    suite_name: str,
    agent: str,
    limit: int | None,
    budget_s: float,
    seed: int = 0,
    on_pair: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """``agent`` over the first ``limit`` pairs of a suite (all when None); every certificate re-verified here.

    Returns the suite's row: pairs, certified, verified, claims, certificate
    lengths (median, mean, max, counts), the solver's pairs/s and end to end,
    pairs already isomorphic as given and the ids of the uncertified pairs;
    for ``random`` also its env steps. ``on_pair`` is called after each pair.
    """
    from rigorgym.agents.runner import run_agent
    from rigorgym.envs.kirby_plumbing.types import PlumbingInstance
    from rigorgym.envs.suites import load_suite
    from rigorgym.verifiers import KERNEL_VERSION, verify
    from rigorgym.verifiers.plumbing import isomorphic

    suite = load_suite(suite_name)
    raw = suite.instances if limit is None else suite.instances[:limit]
    instances = [PlumbingInstance.from_instance(x) for x in raw]
    lengths: list[int] = []
    claims: Counter[str] = Counter()
    failed: list[str | None] = []
    steps: list[int] = []
    solver_s = verify_s = 0.0
    verified = 0
    start = time.perf_counter()
    for outcome in run_agent(ENV_ID, instances, agent, budget_s, seed=seed, progress=False):
        result = outcome.result
        cert = result.certificate
        solver_s += result.seconds
        steps.append(result.steps)
        if cert is None:
            failed.append(instances[outcome.index].id)
        else:
            t0 = time.perf_counter()
            ok = verify(cert).valid  # independent of the runner's own check
            verify_s += time.perf_counter() - t0
            verified += ok
            claims[cert["claim"]] += 1
            lengths.append(len(cert["moves"]))
        if on_pair is not None:
            on_pair()
    wall = time.perf_counter() - start
    pairs = len(instances)
    row: dict[str, Any] = {
        "suite": suite_name,
        "suite_hash": suite.hash,
        "suite_size": len(suite),
        "agent": agent,
        "budget_s": budget_s,
        "pairs": pairs,
        "certified": pairs - len(failed),
        "verified": verified,
        "fraction": (pairs - len(failed)) / pairs if pairs else 0.0,
        "claims": dict(sorted(claims.items())),
        "median_moves": statistics.median(lengths) if lengths else None,
        "mean_moves": _rounded(statistics.fmean(lengths)) if lengths else None,
        "max_moves": max(lengths, default=None),
        "pairs_per_s": _rounded(pairs / solver_s) if solver_s else None,
        "pairs_per_s_end_to_end": _rounded(pairs / wall),
        "seconds_per_pair": _rounded(solver_s / pairs) if pairs else None,
        "solver_s": round(solver_s, 3),
        "verify_s": round(verify_s, 3),
        "wall_s": round(wall, 2),
        "kernel": KERNEL_VERSION,
        # pairs whose two graphs are isomorphic as given: a certificate of 0 moves solves them
        "already_isomorphic": sum(isomorphic(*inst.kernel_graphs()) for inst in instances),
        "length_counts": {str(k): v for k, v in sorted(Counter(lengths).items())},
        "uncertified_ids": failed,
    }
    if agent == "random":
        row["median_steps"] = statistics.median(steps) if steps else None
        row["steps_per_s"] = _rounded(sum(steps) / solver_s) if solver_s else None
    return row


def warm_up(suites: list[str], agents: tuple[str, ...] = ("normal-form", "random")) -> None:
    """One untimed pair per suite and agent: numba's cache load, regina's import, the first env."""
    from rigorgym.agents.runner import run_agent
    from rigorgym.envs.kirby_plumbing.types import PlumbingInstance
    from rigorgym.envs.suites import load_suite
    from rigorgym.verifiers import verify

    first = [PlumbingInstance.from_instance(load_suite(s).instances[0]) for s in suites]
    for agent in agents:
        for outcome in run_agent(ENV_ID, first, agent, 1.0 if agent == "normal-form" else 0.01, progress=False):
            if outcome.result.certificate is not None:
                verify(outcome.result.certificate)


# -- certificates for the kernel's throughput ------------------------------------------------------


def tree_certificates(nodes: int, count: int, seed: int) -> list[dict[str, Any]]:
    """Normal-form certificates of pairs made from one random tree, each copy scrambled by ``2 nodes`` moves."""
    from rigorgym.agents.normal_form import certify_pair
    from rigorgym.envs.kirby_plumbing import PlumbingInstance, make_certificate, random_tree, scramble

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
    """Normal-form certificates of the homeomorphic pairs among the first ``count`` of a suite."""
    from rigorgym.agents.normal_form import certify_pair
    from rigorgym.envs.kirby_plumbing import PlumbingInstance, make_certificate
    from rigorgym.envs.suites import load_suite

    certs = []
    for raw in load_suite(suite).instances[:count]:
        instance = PlumbingInstance.from_instance(raw)
        found = certify_pair(instance)
        if found is not None and found[0] == "homeomorphic":
            certs.append(make_certificate(instance, found[1], "homeomorphic"))
    return certs


def replay(cert: dict[str, Any]) -> list[Any]:
    """Build the two graphs and apply every move: the kernel's work without the checks around it."""
    from rigorgym.verifiers.plumbing import PlumbingGraph, apply_move

    graphs = [PlumbingGraph.from_json(g) for g in cert["instance"]["graphs"]]
    for move in cert["moves"]:
        apply_move(graphs[move["graph"]], move)
    return graphs


# -- the plain-Python reference game ---------------------------------------------------------------

#: A move as a tuple (cheap to build by the hundred every step): (graph, op, v, u, param, moved).
Move = tuple[int, str, int, int, int, tuple[int, ...]]


def legal_moves(graphs: list[Any], n: int, d_max: int, k_bits: int, w_max: int) -> list[Move]:
    """Every legal action of the env's layout, enumerated in Python (the env's mask rules, one entry per action).

    ``n, d_max, k_bits, w_max`` are the env's ``_consts``: slots, extrusion
    twists, moved neighbours and the weight limit.
    """
    out: list[Move] = []
    for g, graph in enumerate(graphs):
        weights, adj = graph.weights, graph.adj
        order = sorted(weights)
        room1, room2 = len(order) < n, len(order) + 2 <= n
        for v in order:
            w = weights[v]
            nbrs = adj[v]
            if room1:
                if w + 1 <= w_max:
                    out.append((g, "blowup_vertex", v, -1, 1, ()))
                if w - 1 >= -w_max:
                    out.append((g, "blowup_vertex", v, -1, -1, ()))
            if (w == 1 or w == -1) and len(nbrs) <= 2 and all(abs(weights[u] - w) <= w_max for u in nbrs):
                out.append((g, "blowdown", v, -1, 0, ()))
            if w == 0 and len(nbrs) == 2:
                a, b = nbrs
                if abs(weights[a] + weights[b]) <= w_max:
                    out.append((g, "absorb_zero", v, -1, 0, ()))
            if w == 0 and len(nbrs) == 1:
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
    """The kernel's move (certificate format §2.3) of a tuple."""
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
        self.graphs: list[Any] = []
        self.moves: list[Move] = []
        self.played = 0

    def reset(self) -> bool:
        """A new pair from the generator; whether its graphs are already isomorphic."""
        from rigorgym.verifiers.plumbing import isomorphic

        instance = self.generator(self.np_random)
        self.graphs = instance.kernel_graphs()
        self.moves = legal_moves(self.graphs, *self.consts)
        self.played = 0
        return isomorphic(*self.graphs)

    def step(self, move: Move) -> tuple[bool, bool]:
        """Apply one legal move; ``(terminated, truncated)``."""
        from rigorgym.verifiers.plumbing import apply_move, isomorphic

        apply_move(self.graphs[move[0]], to_kernel(move))
        self.played += 1
        self.moves = legal_moves(self.graphs, *self.consts)
        return isomorphic(*self.graphs), self.played >= self.limit


def check_reference(env_id: str, states: int, seed: int) -> dict[str, Any]:
    """Random env play; at each state, the reference's legal moves must match the env's mask op by op."""
    import gymnasium as gym
    from rigorgym.envs.kirby_plumbing.actions import OP_NAMES

    import rigorgym  # noqa: F401  (registers the envs)

    env = gym.make(env_id)
    base: Any = env.unwrapped
    consts, layout = base._consts, base.layout
    rng = np.random.default_rng(seed)
    _, info = env.reset(seed=seed)
    agree = 0
    first_mismatch: dict[str, Any] | None = None
    for _ in range(states):
        mask = info["action_mask"]
        from_env = Counter(OP_NAMES[layout.decode(int(a)).op] for a in np.flatnonzero(mask))
        from_ref = Counter(move[1] for move in legal_moves(list(base.graphs()), *consts))
        if from_env == from_ref:
            agree += 1
        elif first_mismatch is None:
            first_mismatch = {"env": dict(from_env), "reference": dict(from_ref)}
        legal = np.flatnonzero(mask)
        _, _, terminated, truncated, info = env.step(int(legal[rng.integers(len(legal))]))
        if terminated or truncated:
            _, info = env.reset()
    env.close()
    out: dict[str, Any] = {"reference_check": f"{agree}/{states} states: same legal moves per op"}
    if first_mismatch is not None:
        out["reference_mismatch"] = first_mismatch
    return out
