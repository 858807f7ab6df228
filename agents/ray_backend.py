"""``rigorgym solve|evaluate --backend ray``: :func:`~.runner.run_agent` with the instances fanned out as Ray tasks.

Each instance is one task (``num_cpus`` CPUs, a wall-clock limit of twice its
``--budget-s`` plus :data:`GRACE_S`, a memory limit) on an env sized for the
*whole* instance list, as the local runner sizes it, with seed ``seed + k``:
under a count budget both backends give the same certificates. Results come
back in instance order; every certificate is re-verified here, in the
driver, before it counts (a worker's word is never trusted). A worker that
dies mid-instance gets one retry (:func:`rigorgym.cluster.fan_out`); an
instance whose worker died twice is an unsolved outcome with
``extra["failed"]`` saying why.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import gymnasium as gym
from rigorgym.verifiers import verify

from rigorgym.cluster import DEFAULT_MEMORY_LIMIT_MB, TIMED_OUT, fan_out

from .base import Agent, Budget, SolveResult, as_budget
from .runner import InstanceOutcome, checked_agent

#: seconds past twice ``--budget-s`` after which a task is stopped (an agent checks its clock between steps)
GRACE_S = 10.0
#: per worker process: (env id, env kwargs, agent) -> the agent and env it keeps between instances
_CACHE: dict[tuple[str, str, str], tuple[Agent, gym.Env]] = {}


def env_kwargs_for(env_id: str, instances: Sequence[Any]) -> dict[str, Any]:
    """The ``gym.make`` kwargs :func:`~.runner.make_env_for` uses for ``instances`` (every one fits)."""
    from rigorgym.envs.games import game_of

    return game_of(env_id).fit(dict(gym.spec(env_id).kwargs), instances)


def time_limit_s(budget: Budget) -> float:
    """The hard wall-clock limit of one instance's task."""
    return 2 * budget.seconds + GRACE_S


def _agent_and_env(env_id: str, kwargs: dict[str, Any], agent_name: str, budget: Budget) -> tuple[Agent, gym.Env]:
    key = (env_id, json.dumps(kwargs, sort_keys=True, default=str), agent_name)
    if key not in _CACHE:
        _CACHE[key] = (checked_agent(agent_name, budget), gym.make(env_id, **kwargs))
    return _CACHE[key]


def solve_instance(
    env_id: str, kwargs: dict[str, Any], agent_name: str, budget: Budget, instance: Any, seed: int
) -> SolveResult:
    """One instance on a worker (a Ray task): the agent's unverified result."""
    agent, env = _agent_and_env(env_id, kwargs, agent_name, budget)
    start = time.perf_counter()
    try:
        result = agent.solve(env, instance, budget, seed)
    except BaseException:  # the time limit, or a bug: the env may be mid-episode, so the next task builds a new one
        _CACHE.pop((env_id, json.dumps(kwargs, sort_keys=True, default=str), agent_name), None)
        env.close()
        raise
    result.extra.setdefault("worker_seconds", time.perf_counter() - start)
    return result


def run_agent_ray(
    env_id: str,
    instances: Sequence[Any],
    agent_name: str,
    budget_s: Budget | float,
    seed: int = 0,
    progress: bool | None = None,
    on_dropped: Callable[[str], None] | None = None,
    *,
    first: int = 0,
    num_cpus: float = 1.0,
    memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB,
    on_warning: Callable[[str], None] | None = None,
    fitted_to: Sequence[Any] | None = None,
) -> Iterator[InstanceOutcome]:
    """Yield one verified outcome per instance of ``instances[first:]``, in order, computed on the Ray cluster.

    The arguments are :func:`~.runner.run_agent`'s; ``first`` skips instances a resumed run has done (they
    keep their index and seed), ``fitted_to`` sizes the env (default: ``instances``). The caller has
    joined a cluster (:func:`rigorgym.cluster.connected`).
    """
    from tqdm import tqdm

    budget = as_budget(budget_s)
    checked_agent(agent_name, budget)  # a limit the agent cannot honour is refused here, before any task
    kwargs = env_kwargs_for(env_id, fitted_to if fitted_to is not None else instances)
    items = [(env_id, kwargs, agent_name, budget, inst, seed + k) for k, inst in enumerate(instances)][first:]

    def retried(k: int, why: str) -> None:
        if on_warning is not None:
            on_warning(f"instance {k}: {why}; retrying it once")

    bar = tqdm(
        total=len(instances), initial=first, desc=f"{agent_name} on {env_id} (ray)", unit="inst",
        file=sys.stderr, disable=None if progress is None else not progress,
    )  # fmt: skip
    solved = failed = 0
    limit = time_limit_s(budget)
    try:
        for done in fan_out(
            solve_instance, items, num_cpus=num_cpus, time_limit_s=limit, memory_limit_mb=memory_limit_mb,
            on_retry=retried, first=first,
        ):  # fmt: skip
            outcome = _outcome(done.index, done.value, done.failed, agent_name, seed, limit, on_dropped)
            if done.failed is not None:
                failed += 1
                if on_warning is not None:
                    on_warning(f"instance {done.index}: {done.failed}; recorded as failed")
            solved += outcome.verified
            bar.update(1)
            bar.set_postfix(solved=solved, failed=failed)
            yield outcome
    finally:
        bar.close()


def _outcome(
    k: int,
    value: Any,
    failed: str | None,
    agent_name: str,
    seed: int,
    limit: float,
    on_dropped: Callable[[str], None] | None,
) -> InstanceOutcome:
    """The driver's verdict on what a task returned: only a certificate the kernel accepts here counts."""
    if failed is not None:
        return InstanceOutcome(k, SolveResult(None, 0.0, extra={"failed": failed}), False)
    if value == TIMED_OUT:
        return InstanceOutcome(
            k, SolveResult(None, limit, extra={"failed": f"past the time limit of {limit:g} s"}), False
        )
    result: SolveResult = value
    verified = False
    if result.certificate is not None:
        result.certificate["meta"].update({"agent": agent_name, "seed": seed + k})
        verdict = verify(result.certificate)
        verified = verdict.valid
        if not verified and on_dropped is not None:
            on_dropped(f"{agent_name} produced an invalid certificate ({verdict.reason}); dropped")
    return InstanceOutcome(k, result, verified)


def run_local_from(
    env_id: str,
    instances: Sequence[Any],
    agent_name: str,
    budget_s: Budget | float,
    seed: int = 0,
    progress: bool | None = None,
    on_dropped: Callable[[str], None] | None = None,
    *,
    first: int = 0,
) -> Iterator[InstanceOutcome]:
    """The local backend from instance ``first`` on (a resumed run): as :func:`~.runner.run_agent`, in this
    process, but with the env sized for every instance and instance k seeded ``seed + k``, so the outcomes are
    those the whole run would have had."""
    from tqdm import tqdm

    from .runner import make_env_for, run_agent

    if first == 0:
        yield from run_agent(env_id, instances, agent_name, budget_s, seed, progress, on_dropped)
        return
    budget = as_budget(budget_s)
    agent = checked_agent(agent_name, budget)
    env = make_env_for(env_id, instances)
    bar = tqdm(
        total=len(instances), initial=first, desc=f"{agent_name} on {env_id}", unit="inst",
        file=sys.stderr, disable=None if progress is None else not progress,
    )  # fmt: skip
    solved = 0
    try:
        for k in range(first, len(instances)):
            outcome = _outcome(
                k, agent.solve(env, instances[k], budget, seed + k), None, agent_name, seed, 0.0, on_dropped
            )
            solved += outcome.verified
            bar.update(1)
            bar.set_postfix(solved=solved)
            yield outcome
    finally:
        bar.close()
        env.close()
