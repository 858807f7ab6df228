"""UnKnot-v0 protocols: agents compared at equal budget, the zoo, the self-play scrambler, the value net, RLlib.

Each function here is one measurement a user runs; ``benchmarks/unknot_*.py``
and ``benchmarks/rllib_*.py`` are thin scripts over them that print JSON lines
and write the results pages. Common to all: every certificate an agent
returns is re-verified by the kernel here (``rigorgym.verifiers.verify``),
independently of the runner, and only those count.

- :func:`sample`, :func:`run_instances`, :func:`summarize`,
  :func:`compare_agents`: a seeded sample of a suite, one agent on it, and
  several agents on several suites at the same wall-clock budget per instance
  (``unknot_baselines``, ``unknot_guided``, ``rllib_unknot``);
- :func:`alexander_unit`: whether a braid's Alexander polynomial is a unit, as
  an unknot's must be (the ceiling of ``unknot-hard``);
- the zoo itself (``unknot_zoo``) is :mod:`.unknot_zoo`: the batched trainers,
  each policy played alone as the paper did;
- :func:`adversarial_protocol`: a self-play scrambler against the shipped
  solver, its hardest braids frozen as a suite (``unknot_adversarial``);
- the training protocols (the value net of ``guided``, PPO throughput) are in
  :mod:`.unknot_training`.
"""

from __future__ import annotations

import math
import re
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from rigorgym.agents.base import Budget, as_budget

ENV_ID = "UnKnot-v0"
#: A record sink (``print`` a JSON line, keep it for the page): every protocol streams its rows through one.
Sink = Callable[[dict[str, Any]], None]


def _ignore(record: dict[str, Any]) -> None:
    return None


def rounded(x: float) -> float:
    """Four significant digits: more would be noise on a shared machine."""
    return float(f"{x:.4g}")


# -- instances ------------------------------------------------------------------------------------


def natural_key(name: str) -> list[Any]:
    """Sort key that puts ``unknot-random-L20`` before ``unknot-random-L100``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def sample(suite: str, n: int, seed: int) -> list[dict[str, Any]]:
    """A seeded sample of ``n`` instances of a shipped suite, in suite order (all of them when ``n`` covers it)."""
    import numpy as np
    from rigorgym.envs.suites import load_suite

    instances = load_suite(suite).instances
    if n >= len(instances):
        return list(instances)
    picked = np.random.default_rng(seed).choice(len(instances), n, replace=False)
    return [instances[i] for i in sorted(picked.tolist())]


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson interval of a solved fraction (honest at 0 and 1, unlike the normal one)."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (rounded(max(0.0, centre - half)), rounded(min(1.0, centre + half)))


def shape(instances: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Word lengths and strand counts of a list of braid instances."""
    lengths = [len(x["braid"]["word"]) for x in instances]
    strands = [int(x["braid"]["strands"]) for x in instances]
    return {
        "mean_length": rounded(statistics.fmean(lengths)),
        "max_length": max(lengths),
        "mean_strands": rounded(statistics.fmean(strands)),
        "max_strands": max(strands),
    }


# -- one agent, several agents -------------------------------------------------------------------


def run_instances(
    agent: Any,
    instances: Sequence[Mapping[str, Any]],
    budget_s: float | Budget,
    seed: int = 0,
    env_id: str = ENV_ID,
) -> list[dict[str, Any]]:
    """One agent on braid instances (suite rows), one row per instance, every certificate re-verified here.

    ``agent`` is a registered name or a trained agent's folder (played by
    :func:`rigorgym.agents.runner.run_agent`, the loop of ``rigorgym solve``),
    or an :class:`~rigorgym.agents.base.Agent` object (played by the same loop
    here: same env, same seeds ``seed + k``). Rows: ``id``, ``length``,
    ``strands``, ``claimed`` (a certificate was returned), ``solved`` (the
    kernel accepted it), ``moves``, ``seconds``, ``steps``. ``budget_s`` may be
    a :class:`~rigorgym.agents.base.Budget` with count limits (deterministic
    runs); ``env_id`` is any UnKnot tier (the env is sized to fit).
    """
    from rigorgym.agents.runner import make_env_for, run_agent
    from rigorgym.envs.unknot.types import BraidInstance
    from rigorgym.verifiers import verify

    braids = [BraidInstance.from_instance({k: v for k, v in x.items() if not k.startswith("_")}) for x in instances]
    if isinstance(agent, str | Path):
        results = [o.result for o in run_agent(env_id, braids, str(agent), budget_s, seed=seed, progress=False)]
    else:
        env = make_env_for(env_id, braids)
        try:
            results = [agent.solve(env, inst, budget_s, seed + k) for k, inst in enumerate(braids)]
        finally:
            env.close()
    rows = []
    for inst, result in zip(braids, results, strict=True):
        cert = result.certificate
        rows.append(
            {
                "id": inst.id,
                "length": len(inst.word),
                "strands": inst.strands,
                "claimed": cert is not None,
                "solved": bool(cert is not None and verify(cert).valid),
                "moves": len(cert["moves"]) if cert is not None else None,
                "seconds": round(result.seconds, 4),
                "steps": result.steps,
            }
        )
    return rows


def summarize(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts, solved fraction with its 95% interval, and medians/means over the solved rows of :func:`run_instances`."""
    solved = [r for r in rows if r["solved"]]
    moves = [r["moves"] for r in solved]
    return {
        "instances": len(rows),
        "claimed": sum(bool(r["claimed"]) for r in rows),
        "solved": len(solved),
        "solved_fraction": rounded(len(solved) / max(1, len(rows))),
        "ci95": wilson(len(solved), len(rows)),
        "median_moves": statistics.median(moves) if moves else None,
        "mean_moves": rounded(statistics.fmean(moves)) if moves else None,
        "median_seconds_solved": round(statistics.median(r["seconds"] for r in solved), 4) if solved else None,
        "mean_seconds_all": round(statistics.fmean(r["seconds"] for r in rows), 4) if rows else None,
        "mean_length": rounded(statistics.fmean(r["length"] for r in rows)) if rows else None,
    }


def _job(job: tuple[str, Any, Sequence[Mapping[str, Any]], float | Budget, int, str]) -> dict[str, Any]:
    """One (agent, suite) cell of :func:`compare_agents` (top level, so that a spawned worker can run it)."""
    label, agent, instances, budget_s, seed, env_id = job
    start = time.perf_counter()
    spec = agent() if callable(agent) else agent
    rows = run_instances(spec, instances, budget_s, seed, env_id)
    budget = as_budget(budget_s)
    return {
        "agent": label,
        "budget_s": budget.seconds,
        **{name: getattr(budget, name) for name in budget.limits},  # only when set: rows as before otherwise
        **summarize(rows),
        "wall_s": rounded(time.perf_counter() - start),
        "per_instance": rows,
    }


def compare_agents(
    samples: Mapping[str, Sequence[Mapping[str, Any]]],
    agents: Mapping[str, Any],
    budget_s: float | Budget | Mapping[str, float | Budget],
    seed: int = 0,
    workers: int = 1,
    on_row: Sink = _ignore,
    env_id: str = ENV_ID,
) -> list[dict[str, Any]]:
    """Every agent on every sample at the same wall-clock budget per instance; one row per (suite, agent).

    ``samples`` maps a label (a suite name, or e.g. ``unknot-hard (Δ-unit)``)
    to its instances; ``agents`` maps a label to a registered name, an agent
    folder, or a zero-argument factory of an ``Agent``. ``budget_s`` is one
    budget for all, or one per agent label. With ``workers > 1`` the cells run
    in spawned processes (agents given as names or folders only); rows come
    back in the order suite, then agent. ``on_row`` gets each row without its
    ``per_instance`` list as soon as it is done. A budget may be a
    :class:`~rigorgym.agents.base.Budget` with ``max_steps``/``max_expansions``
    (rows then record them; ``rigorgym evaluate --compare`` passes its flags so).
    """
    budgets: dict[str, float | Budget]
    if isinstance(budget_s, Mapping):
        budgets = dict(budget_s)
    else:
        budgets = {a: budget_s if isinstance(budget_s, Budget) else float(budget_s) for a in agents}
    jobs = [(a, spec, list(xs), budgets[a], seed, env_id) for s, xs in samples.items() for a, spec in agents.items()]
    labels = [s for s in samples for _ in agents]
    out = []
    if workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: a parent that has run torch can hang a forked child in its thread pools
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            cells = pool.map(_job, jobs)
            for suite, cell in zip(labels, cells, strict=True):
                out.append({"suite": suite, **cell})
                on_row({k: v for k, v in out[-1].items() if k != "per_instance"})
        return out
    for suite, job in zip(labels, jobs, strict=True):
        out.append({"suite": suite, **_job(job)})
        on_row({k: v for k, v in out[-1].items() if k != "per_instance"})
    return out


# -- the Alexander test --------------------------------------------------------------------------


def _det(rows: list[list[Fraction]]) -> Fraction:
    """Exact determinant by Gaussian elimination."""
    a = [r[:] for r in rows]
    d = Fraction(1)
    for c in range(len(a)):
        p = next((r for r in range(c, len(a)) if a[r][c] != 0), None)
        if p is None:
            return Fraction(0)
        if p != c:
            a[c], a[p] = a[p], a[c]
            d = -d
        d *= a[c][c]
        for r in range(c + 1, len(a)):
            f = a[r][c] / a[c][c]
            if f:
                for k in range(c, len(a)):
                    a[r][k] -= f * a[c][k]
    return d


def alexander_at(strands: int, word: Sequence[int], t: int) -> Fraction:
    """``±t^k Δ(t)`` of the braid's closure: a minor of ``I - Burau(β)`` (unreduced, last row and column cut)."""
    tt = Fraction(t)
    m = [[Fraction(int(i == j)) for j in range(strands)] for i in range(strands)]
    for x in word:
        i = abs(x) - 1
        blk = (
            ((1 - tt, tt), (Fraction(1), Fraction(0))) if x > 0 else ((Fraction(0), Fraction(1)), (1 / tt, 1 - 1 / tt))
        )
        for row in m:
            a, b = row[i], row[i + 1]
            row[i], row[i + 1] = a * blk[0][0] + b * blk[1][0], a * blk[0][1] + b * blk[1][1]
    n = strands - 1
    return _det([[Fraction(int(i == j)) - m[i][j] for j in range(n)] for i in range(n)])


def _is_power(q: Fraction, base: int) -> bool:
    num, den = abs(q.numerator), q.denominator
    if num == 0:
        return False
    while num % base == 0:
        num //= base
    while den % base == 0:
        den //= base
    return num == 1 and den == 1


#: Where Δ is evaluated: t = 2 alone misses the figure-eight knot (Δ(2) = -1), t = 5 catches it.
POINTS = (2, 3, 5, 7)


def alexander_unit(strands: int, word: Sequence[int]) -> bool:
    """Whether ``Δ(t) = ±t^k`` at every t in ``POINTS``, as for the unknot (necessary, not sufficient)."""
    return strands == 1 or all(_is_power(alexander_at(strands, word, t), t) for t in POINTS)


#: The agents of ``unknot_guided``; ``guided-hand`` is the ablation: the same search ranked by the hand value.
GUIDED_AGENTS: dict[str, Callable[[], Any]] = {
    "guided": lambda: _guided_search(),
    "guided-hand": lambda: _guided_search(name="guided-hand", value="hand"),
    "greedy": lambda: _greedy_search(),
}
#: The row of every ``unknot-hard`` instance whose Alexander polynomial is a unit (the only possible unknots).
HARD_UNITS = "unknot-hard (Δ-unit)"


def _guided_search(**kwargs: Any) -> Any:
    from rigorgym.agents.unknot_search import GuidedSearch

    return GuidedSearch(**kwargs)


def _greedy_search() -> Any:
    from rigorgym.agents.greedy import GreedySearch

    return GreedySearch()


def guided_protocol(
    suites: Sequence[str],
    per_suite: int,
    hard_sample: int,
    budget_s: float,
    agents: Sequence[str] = tuple(GUIDED_AGENTS),
    seed: int = 0,
    hard_units: bool = True,
    on_record: Sink = _ignore,
) -> dict[str, Any]:
    """``guided``, its hand-value ablation and ``greedy`` on seeded samples, with the Alexander ceiling per suite.

    Each sample's instances are tested by :func:`alexander_unit`; with
    ``hard_units`` the row ``HARD_UNITS`` adds every ``unknot-hard`` instance
    that passes. Rows are those of :func:`compare_agents` plus
    ``alexander_units`` and ``solved_of_units``; the report also has
    ``hard_alexander`` (the test over the whole hard suite).
    """
    from rigorgym.envs.suites import load_suite

    samples: dict[str, list[dict[str, Any]]] = {}
    for suite in suites:
        samples[suite] = sample(suite, hard_sample if suite == "unknot-hard" else per_suite, seed)
    hard_alexander: dict[str, int] = {}
    units = {
        (x["braid"]["strands"], tuple(x["braid"]["word"]))
        for xs in samples.values()
        for x in xs
        if alexander_unit(**x["braid"])
    }
    if "unknot-hard" in suites and hard_units:
        every = load_suite("unknot-hard").instances
        passing = [x for x in every if alexander_unit(**x["braid"])]
        units |= {(x["braid"]["strands"], tuple(x["braid"]["word"])) for x in passing}
        hard_alexander = {"instances": len(every), "units": len(passing), "non_units": len(every) - len(passing)}
        on_record({"suite": "unknot-hard", "alexander": hard_alexander})
        samples[HARD_UNITS] = passing
    unit_ids = {
        s: {x["id"] for x in xs if (x["braid"]["strands"], tuple(x["braid"]["word"])) in units}
        for s, xs in samples.items()
    }

    def count_units(row: dict[str, Any]) -> dict[str, Any]:
        ids = unit_ids[row["suite"]]
        row["alexander_units"] = len(ids)
        row["solved_of_units"] = sum(p["solved"] for p in row["per_instance"] if p["id"] in ids)
        for p in row["per_instance"]:
            p["alexander_unit"] = p["id"] in ids
        return row

    rows = []
    for label, xs in samples.items():
        for row in compare_agents({label: xs}, {a: GUIDED_AGENTS[a] for a in agents}, budget_s, seed):
            rows.append(count_units(row))
            on_record({k: v for k, v in row.items() if k != "per_instance"})
    return {"suites": list(samples), "agents": list(agents), "hard_alexander": hard_alexander, "results": rows}


# -- the zoo -------------------------------------------------------------------------------------

ZOO_ALGOS = ("trpo", "a3c", "ppo", "dqn", "maskable_ppo")
ZOO_POLICIES = ("mlp", "gnn")


# -- the self-play scrambler ---------------------------------------------------------------------

RANDOM_SUITES = tuple(f"unknot-random-L{n}" for n in range(10, 101, 10))
ADVERSARIAL_SUITE = "unknot-adversarial"
CONTROL = "random-scrambler control"


def games_summary(games: Sequence[Any]) -> dict[str, Any]:
    """Games played, lost by the solver, its win rate, the mean scramble length."""
    lost = sum(not g.solved for g in games)
    return {
        "games": len(games),
        "solver_lost": lost,
        "solver_win_rate": rounded(1 - lost / max(1, len(games))),
        "mean_scramble_length": rounded(statistics.fmean(g.scramble_length for g in games)),
    }


def play_games(scrambler: Any, solver: Any, games: int, scramble_moves: int, seed: int) -> list[Any]:
    """``games`` games of ``scramble_solve_v0`` (on UnKnot-v0) between two game policies."""
    from rigorgym.envs.multiagent import play, scramble_solve_v0

    env = scramble_solve_v0.env(game=ENV_ID, scramble_moves=scramble_moves)
    try:
        return play(env, scrambler, solver, episodes=games, seed=seed)
    finally:
        env.close()


def greedy_episodes(agent: str, instances: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A learned agent as it plays in the games: one greedy episode (the env's 200 moves) per instance, no restarts."""
    import gymnasium as gym
    import numpy as np
    from rigorgym.agents.learned import load_policy
    from rigorgym.envs.games import GAMES
    from rigorgym.verifiers import verify

    game = next(g for g in GAMES if g.env == ENV_ID)
    policy = load_policy(agent)
    env = gym.make(ENV_ID)
    rng = np.random.default_rng(0)
    rows = []
    for x in instances:
        obs, info = env.reset(seed=0, options={"instance": game.read_instance(x)})
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(policy.act(obs, info["action_mask"], True, rng))
            done = terminated or truncated
        cert = info.get("certificate")
        solved = bool(cert is not None and verify(cert).valid)
        rows.append(
            {
                "solved": solved,
                "claimed": cert is not None,
                "moves": len(cert["moves"]) if solved else None,
                "seconds": 0.0,
                "length": len(x["braid"]["word"]),
            }
        )
    env.close()
    return summarize(rows)


def nearest_random_suite(mean_length: float) -> str:
    """The ``unknot-random-L*`` suite whose length is nearest ``mean_length``."""
    return min(RANDOM_SUITES, key=lambda s: abs(int(s.rsplit("L", 1)[1]) - mean_length))


def adversarial_protocol(
    minutes: float,
    scramble_moves: int,
    games: int,
    size: int,
    budgets: Sequence[float],
    opponent: str,
    seed: int,
    suite_dir: Path,
    work: Path,
    on_record: Sink = _ignore,
) -> dict[str, Any]:
    """Self-play scrambler vs the shipped solver; its ``size`` hardest braids frozen as ``unknot-adversarial``.

    1. trains the scrambler (:func:`rigorgym.agents.rllib.selfplay.train_selfplay`,
       ``opponent='pretrained'``: against the frozen shipped solver with
       end-of-game rewards; ``'none'``: both players learn, zero-sum);
    2. plays ``games`` games of it, and of the uniform random scrambler (the
       control), against the shipped solver (greedy), same seeds, full scrambles;
    3. exports each scrambler's hardest braids (``export_suite``: lost games
       first, then the longest wins; the learned one's into ``suite_dir``);
    4. solves them, ``unknot-random-L20`` and the length-matched random suite
       with the shipped solver through the runner at each of ``budgets``, and
       in one greedy episode as in the games.
    """
    import json

    import ray
    from rigorgym.agents.learned import load_policy, pretrained_for
    from rigorgym.agents.rllib.selfplay import game_policy, load_player, train_selfplay, without_stop
    from rigorgym.envs.multiagent import export_suite, random_policy
    from rigorgym.envs.suites import load_suite

    folder = train_selfplay(
        ENV_ID,
        10**9,
        seed,
        work / "selfplay",
        scramble_moves=scramble_moves,
        time_budget_s=60 * minutes,
        hidden=(128, 128),
        full_scramble=True,
        progress=False,
        opponent=None if opponent == "none" else opponent,
        outcome_reward=opponent != "none",
    )
    summary = json.loads((folder / "selfplay.json").read_text())
    training = {
        "steps": summary["steps"],
        "wall_s": rounded(summary["wall_s"]),
        "solved_rate": summary["metrics"].get("charts/solved_rate", 0.0),
        "scramble_length": summary["metrics"].get("charts/scramble_length", 0.0),
        "ray": ray.__version__,
    }
    on_record({"trained": "selfplay", **training})

    solver_dir = pretrained_for(ENV_ID, policy=True)
    solver = game_policy(load_policy(solver_dir), deterministic=True)
    scramblers = {
        "learned": without_stop(game_policy(load_player(folder / "scrambler"), deterministic=False, seed=seed)),
        "random": without_stop(random_policy(seed)),
    }
    played: dict[str, list[Any]] = {}
    for name, scrambler in scramblers.items():
        start = time.perf_counter()
        played[name] = play_games(scrambler, solver, games, scramble_moves, seed=10_000 * seed)
        on_record({"scrambler": name, **games_summary(played[name]), "seconds": rounded(time.perf_counter() - start)})

    description = (
        f"{min(size, len(played['learned']))} hardest braids of {games} scramble_solve_v0 games ({scramble_moves} "
        "scrambler turns from the trivial braid) of a PPO self-play scrambler (benchmarks/unknot_adversarial.py) "
        "against the shipped UnKnot solver, lost games first, then the longest wins; each closure proved the unknot "
        "by the kernel"
    )
    entry = export_suite(
        played["learned"],
        suite_dir,
        ADVERSARIAL_SUITE,
        size=size,
        description=description,
        scramble_moves=scramble_moves,
        selfplay_steps=training["steps"],
        seed=seed,
    )
    on_record({"exported": ADVERSARIAL_SUITE, "size": entry["size"], "hash": entry["hash"], "dir": str(suite_dir)})
    export_suite(played["random"], work / "control", "random-scrambler-control", size=size)

    def read(path: Path) -> list[dict[str, Any]]:
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    suites = {
        ADVERSARIAL_SUITE: read(suite_dir / f"{ADVERSARIAL_SUITE}.jsonl"),
        CONTROL: read(work / "control" / "random-scrambler-control.jsonl"),
    }
    for name in dict.fromkeys(
        ["unknot-random-L20", nearest_random_suite(shape(suites[ADVERSARIAL_SUITE])["mean_length"])]
    ):
        suites[name] = load_suite(name).instances
    by_budget: dict[str, dict[str, Any]] = {}
    for budget in budgets:
        for name, instances in suites.items():
            start = time.perf_counter()
            row = summarize(run_instances(str(solver_dir), instances, budget, seed=0))
            row = {**row, "seconds": rounded(time.perf_counter() - start), **shape(instances)}
            by_budget.setdefault(f"{budget:g}", {})[name] = row
            on_record({"suite": name, "budget_s": budget, **row})
    greedy = {name: greedy_episodes(str(solver_dir), instances) for name, instances in suites.items()}
    for name, row in greedy.items():
        on_record({"suite": name, "protocol": "one greedy episode", **row})
    return {
        "minutes": minutes,
        "scramble_moves": scramble_moves,
        "opponent": opponent,
        "size": size,
        "budget_s": budgets[0],
        "solver": solver_dir.name,
        "training": training,
        "games": {name: games_summary(g) for name, g in played.items()},
        "suite": {"name": ADVERSARIAL_SUITE, **{k: v for k, v in entry.items() if k != "description"}},
        "results": by_budget[f"{budgets[0]:g}"],
        "results_by_budget": by_budget,
        "greedy": greedy,
        "control_instances": suites[CONTROL],
    }
