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
  moves, op by op, along random play; :func:`env_against_reference` plays
  both with uniformly random legal moves in alternating slices;
* the pair classifier's protocols: accuracy by graph size
  (:func:`accuracy_by_size`) and a greedy search under move orders
  (:func:`search_orders`).
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from itertools import combinations
from typing import Any

import numpy as np
from rigorgym.agents.legal_sampler import TRIES, sample_one, seed_sampler  # noqa: F401 (re-exported)

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


# -- random legal play: the env against the reference ----------------------------------------


class Counters:
    """Steps, episodes and the two clocks of one player (env time and wall time with sampling)."""

    def __init__(self) -> None:
        self.steps = self.episodes = self.solved = self.illegal = 0
        self.step_time = self.wall = 0.0

    def result(self, limit: int) -> dict[str, Any]:
        """The counters as rates: steps/s (env time, and wall time with sampling), seconds per trial of ``limit`` steps."""
        per_step = self.wall / self.steps
        return {
            "steps": self.steps,
            "episodes": self.episodes,
            "solved_episodes": self.solved,
            "illegal_actions": self.illegal,
            "steps_per_s": _rounded(self.steps / self.step_time),
            "steps_per_s_with_sampling": _rounded(self.steps / self.wall),
            "time_per_trial_s": _rounded(per_step * limit),
            "seconds": round(self.wall, 2),
        }


class EnvRun:
    """``gym.make(env_id)`` under random legal play (resets included), measured in slices."""

    def __init__(self, env_id: str, seed: int) -> None:
        import gymnasium as gym

        import rigorgym  # noqa: F401  (registers the envs)

        self.env = gym.make(env_id)
        self.limit = int(self.env.spec.max_episode_steps)  # type: ignore[union-attr]
        seed_sampler(seed)
        _, self.info = self.env.reset(seed=seed)
        self.c = Counters()

    def slice(self, seconds: float) -> None:
        """Play for ``seconds`` (at least one chunk), adding to the counters."""
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

    def __init__(self, env: Any, limit: int, seed: int) -> None:
        base: Any = env.unwrapped
        self.ref = ReferenceEnv(base.generator, base._consts, limit, seed)
        self.limit = limit
        self.rng = random.Random(seed)
        self.ref.reset()
        self.c = Counters()

    def slice(self, seconds: float) -> None:
        """Play for ``seconds`` (at least one chunk), adding to the counters."""
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


def env_against_reference(env_id: str, seconds: float, repeats: int, seed: int) -> tuple[EnvRun, ReferenceRun]:
    """Random legal play of ``gym.make(env_id)`` and of the plain-Python reference, in alternating slices.

    Both are warmed up (numba's cache load, the first reset), then played for
    ``seconds`` in all, in ``repeats`` alternating slices each, so that both see
    the same machine load. Read the counters with ``run.c.result(run.limit)``.
    """
    env_run = EnvRun(env_id, seed)
    ref_run = ReferenceRun(env_run.env, env_run.limit, seed)
    env_run.slice(0.0)
    ref_run.slice(0.0)
    env_run.c, ref_run.c = Counters(), Counters()
    for _ in range(repeats):
        env_run.slice(seconds / repeats)
        ref_run.slice(seconds / repeats)
    return env_run, ref_run


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


# -- the pair classifier ("same 3-manifold?") -------------------------------------------------------

#: The suites the classifier is scored on: all positive (ri-putrov-10, small-6, large-25) or all negative.
CLASSIFIER_SUITES = ("plumbing-ri-putrov-10", "plumbing-distinct-10", "plumbing-small-6", "plumbing-large-25")
#: Bins of total node count (both graphs) for :func:`accuracy_by_size`.
SIZE_BINS = (0, 15, 20, 25, 30, 40, 50, 1000)
#: The seeds of the three splits (disjoint, so no test pair is drawn for training).
SPLIT_SEEDS = {"train": 1, "val": 2, "test": 3}
#: The labelled pairs of ``make_pairs``: trees of 4–10 nodes, scrambles of 20–100 moves, negatives
#: independent / perturbed / hard mixed 0.4 / 0.4 / 0.2, graphs capped at 48 nodes.
PAIR_DATA: dict[str, Any] = {
    "min_nodes": 4,
    "max_nodes": 10,
    "scramble_moves": [20, 100],
    "negative_mix": [0.4, 0.4, 0.2],
    "graph_cap": 48,
}


def pair_key(pair: Any) -> tuple[Any, ...]:
    """An isomorphism-invariant key of an unordered labelled pair (to check that no test pair occurs in training)."""
    from rigorgym.verifiers.plumbing import canonical_form

    a, b = canonical_form(pair.graphs[0]), canonical_form(pair.graphs[1])
    return (a, b) if a <= b else (b, a)


def labelled_pairs(split: str, count: int, data: dict[str, Any] | None = None, progress: bool = False) -> list[Any]:
    """``count`` labelled pairs of one split (``train``, ``val``, ``test``), drawn with ``PAIR_DATA`` by default."""
    from rigorgym.agents import plumbing_classifier as pc

    d = PAIR_DATA if data is None else data
    return pc.make_pairs(
        count,
        SPLIT_SEEDS[split],
        max_nodes=d["max_nodes"],
        min_nodes=d["min_nodes"],
        scramble_moves=tuple(d["scramble_moves"]),
        negative_mix=tuple(d["negative_mix"]),
        graph_cap=d["graph_cap"],
        progress=progress,
    )


def dataset_summary(split: str, pairs: list[Any]) -> dict[str, Any]:
    """Seed, pairs, pairs by kind and equal-|H_1| negatives of one split."""
    kinds = Counter(p.kind for p in pairs)
    return {
        "seed": SPLIT_SEEDS[split],
        "pairs": len(pairs),
        "kinds": dict(kinds),
        "equal_order_negatives": sum(p.equal_order for p in pairs if p.label == 0),
    }


def accuracy_by_size(model: Any, pairs: list[Any], bins: tuple[int, ...] = SIZE_BINS) -> list[dict[str, Any]]:
    """The classifier's accuracy per bin of total node count (both graphs), for positives and negatives."""
    from rigorgym.agents import plumbing_classifier as pc

    prob = pc.predict_proba(model, pairs)
    labels = np.array([p.label for p in pairs])
    sizes = np.array([p.size for p in pairs])
    right = (prob > 0.5).astype(int) == labels
    rows = []
    for lo, hi in zip(bins[:-1], bins[1:], strict=True):
        inside = (sizes >= lo) & (sizes < hi)
        if not inside.any():
            continue
        row: dict[str, Any] = {"lo": lo, "hi": hi, "pairs": int(inside.sum()), "accuracy": float(right[inside].mean())}
        for name, lab in (("positives", 1), ("negatives", 0)):
            m = inside & (labels == lab)
            row[name] = int(m.sum())
            row[f"accuracy_{name}"] = float(right[m].mean()) if m.any() else None
        rows.append(row)
    return rows


def search_orders(
    model: Any,
    suite: str,
    pairs: int,
    max_moves: int,
    max_seconds: float,
    seed: int,
    on_pair: Callable[[], None] | None = None,
) -> list[dict[str, Any]]:
    """Greedy search on the first ``pairs`` pairs of ``suite`` under four move orders; every win re-verified.

    Orders: ``classifier`` (highest P(same) of the resulting pair first),
    ``random``, ``complexity`` (lowest Ri–Putrov complexity first, ties at
    random) and ``complexity + classifier`` (ties broken by the classifier).
    One row per order: solved, verified, success rate, median moves, seconds.
    """
    from rigorgym.agents import plumbing_classifier as pc
    from rigorgym.envs.kirby_plumbing.env import make_certificate
    from rigorgym.verifiers import verify

    data = pc.suite_pairs(suite, pairs)
    orders: dict[str, Callable[[], Any]] = {
        "classifier": lambda: pc.classifier_order(model),
        "random": lambda: pc.random_order(seed),
        "complexity": lambda: pc.complexity_order(seed),
        "complexity + classifier": lambda: pc.complexity_classifier_order(model),
    }
    rows = []
    for name, make in orders.items():
        order = make()
        solved = verified = 0
        lengths: list[int] = []
        seconds = 0.0
        for i, p in enumerate(data):
            result = pc.greedy_search(p.graphs, order, max_moves, max_seconds)
            seconds += result.seconds
            if result.moves is not None:
                solved += 1
                lengths.append(len(result.moves))
                cert = make_certificate(p.instance(f"{suite}/{i:04d}"), result.moves, seed=seed)
                verified += verify(cert).valid
            if on_pair is not None:
                on_pair()
        rows.append(
            {
                "order": name,
                "suite": suite,
                "pairs": len(data),
                "max_moves": max_moves,
                "max_seconds_per_pair": max_seconds,
                "solved": solved,
                "verified": verified,
                "success_rate": solved / len(data) if data else 0.0,
                "median_moves": float(np.median(lengths)) if lengths else None,
                "seconds": round(seconds, 2),
            }
        )
    return rows


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def classifier_card(report: dict[str, Any]) -> str:
    """The CARD.md shipped next to the classifier's weights, every number from the benchmark's ``report``."""
    cfg, tr, test, data = report["config"], report["training"], report["heldout"], report["datasets"]
    kinds = test["by_kind"]
    acc = {k: kinds.get(k, {}).get("accuracy") for k in ("independent", "perturbed", "hard")}
    model, train = cfg["model"], cfg["train"]
    suites = "\n".join(f"| `{n}` | {r['pairs']} | {_pct(r['accuracy'])} |" for n, r in report["suites"].items())
    mix = " / ".join(f"{w:g}" for w in cfg["data"]["negative_mix"])
    lines = [
        '# plumbing-classifier: GNN "same 3-manifold?" for Kirby-Plumbing-v0',
        "",
        'Ri–Putrov\'s supervised baseline ("Graph neural networks and 3-dimensional topology", 2023). Load with '
        "`rigorgym.agents.plumbing_classifier.load_pretrained()`; rank moves with `rank_moves`. A prediction is a "
        "heuristic, never a proof.",
        "",
        f"- **Model**: siamese {model['conv'].upper()}, {model['depth']} layers, width {model['width']}, sum/mean/max "
        f"pooling, MLP head on [e1, e2, |e1-e2|, e1*e2] (symmetrised); {report['parameters']:,} parameters. Node "
        f"features: weight/10, degree/4, indicators of weight 0, +1, -1 (features v{model['features_version']}).",
        f"- **Data**: `make_pairs`, trees of {cfg['data']['min_nodes']}–{cfg['data']['max_nodes']} nodes, scrambles "
        f"of {cfg['data']['scramble_moves'][0]}–{cfg['data']['scramble_moves'][1]} moves, graphs capped at "
        f"{cfg['data']['graph_cap']} nodes; negatives independent / perturbed / hard (equal |H_1|) mixed {mix}, "
        f"every one distinct by the kernel's H_1. {data['train']['pairs']} training pairs (seed "
        f"{data['train']['seed']}), {data['val']['pairs']} validation (seed {data['val']['seed']}), "
        f"{data['test']['pairs']} test (seed {data['test']['seed']}).",
        f"- **Training**: Adam lr {train['lr']:g}, batch {train['batch_size']}, weight decay "
        f"{train['weight_decay']:g}, cosine schedule, {train['augment_moves']} fresh random Neumann moves per side "
        f"per epoch (label-preserving augmentation), early stop on validation accuracy: {tr['epochs']} epochs, "
        f"{tr['steps']:,} steps, epoch {tr['best_epoch'] + 1} kept, {tr['seconds']:.0f} s on 1 CPU thread; seed "
        f"{train['seed']}.",
        f"- **Held-out accuracy** ({test['pairs']} fresh pairs, seeds disjoint from training): "
        f"**{_pct(test['accuracy'])}** (homeomorphic {_pct(test['accuracy_positives'])}, distinct "
        f"{_pct(test['accuracy_negatives'])}: independent {_pct(acc['independent'])}, perturbed "
        f"{_pct(acc['perturbed'])}, hard {_pct(acc['hard'])}); equal-|H_1| subset balanced "
        f"{_pct(test['hard_balanced'])}.",
        "",
        "| suite | pairs | accuracy |",
        "|---|---:|---:|",
        suites,
        "",
        "Limitations: it recognises the surface similarity a scramble leaves behind rather than an invariant: "
        f"{_pct(acc['perturbed'])} on pairs one weight apart (the `plumbing-distinct-10` kind, chance 50%); what it "
        "gets right on equal-|H_1| pairs presumably comes from their visibly changed weights (|H_1| is equal by "
        "construction).",
        "",
        f"Reproduce: `{report['command']}` (results in docs/results/plumbing-classifier.md).",
    ]
    return "\n".join(lines) + "\n"


def classifier_reading(test: dict[str, Any], suites: dict[str, Any]) -> str:
    """The paragraph that reads the classifier's accuracies (worded from them, so a rerun cannot contradict it)."""
    kinds = test["by_kind"]
    acc = {k: kinds.get(k, {}).get("accuracy") for k in ("independent", "perturbed", "hard")}
    text = (
        f"Reading: held out, the network is right on {_pct(test['accuracy_positives'])} of homeomorphic pairs, "
        f"{_pct(acc['independent'])} of *independent* distinct pairs, {_pct(acc['perturbed'])} of *perturbed* ones "
        f"and {_pct(acc['hard'])} of the equal-|H_1| ones (chance: 50%)."
    )
    if acc["independent"] is not None and acc["perturbed"] is not None and acc["independent"] - acc["perturbed"] > 0.2:
        text += (
            " It tells unrelated graphs apart (a scramble leaves much of a tree's weights in place) far better "
            "than graphs one weight apart: it has learned surface similarity more than an invariant such as "
            "|H_1|."
        )
    if acc["hard"] is not None and acc["perturbed"] is not None and acc["hard"] - acc["perturbed"] > 0.2:
        text += (
            " It does better on the hard pairs than on the perturbed ones although their |H_1| agree: their "
            "trees differ by up to two weights of up to 6, a bigger visible change than one weight off by 1 or 2, "
            "so this is presumably surface evidence too, not an invariant."
        )
    if "plumbing-distinct-10" in suites:
        text += (
            f" `plumbing-distinct-10` holds perturbed pairs only ({_pct(suites['plumbing-distinct-10']['accuracy'])} "
            "here); the `normal-form` solver certifies every one of them by H_1 (see plumbing-normal-form.md)."
        )
    return text


def _fmt_moves(x: float | None) -> str:
    return "–" if x is None else f"{x:g}"


def search_reading(rows: list[dict[str, Any]]) -> str:
    """One sentence on the search table, worded from its numbers."""
    by = {r["order"]: r for r in rows}
    cls, rnd = by["classifier"]["success_rate"], by["random"]["success_rate"]
    text = f"Ordered by the classifier alone the greedy search solves {_pct(cls)} against {_pct(rnd)} in random order"
    if cls <= rnd + 0.05:
        text += (
            ": the classifier does not help here (presumably because P(same) is already high for pairs that look "
            "alike, so it does not single out the moves that make them equal)."
        )
    else:
        text += ": the classifier helps."
    if "complexity + classifier" in by:
        a, b = by["complexity"], by["complexity + classifier"]
        text += (
            f" As a tie-breaker on top of complexity it gives {_pct(b['success_rate'])} (median "
            f"{_fmt_moves(b['median_moves'])} moves) against {_pct(a['success_rate'])} (median "
            f"{_fmt_moves(a['median_moves'])}) with random tie-breaking."
        )
    return text
