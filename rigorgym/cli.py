"""The ``rigorgym`` command; docs/cli.md documents every sub-command and flag.

Exit codes: 0 success, 1 a check failed (an invalid certificate), 2 bad
input (one line on stderr, never a traceback, nothing written).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from rigorgym.leaderboard.cli import add_parser as add_leaderboard_parser

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """A user mistake: reported in one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors in one line and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def _fail(message: str) -> NoReturn:
    print(f"rigorgym: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


# -- list -----------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    import gymnasium as gym

    from rigorgym.agents.registry import AGENTS
    from rigorgym.envs.suites import list_suites, suite_info

    what = args.what
    if what in (None, "envs"):
        print("envs:")
        ids = sorted(k for k, spec in gym.registry.items() if str(spec.entry_point).startswith("rigorgym."))
        width = max(map(len, ids), default=0)
        for env_id in ids:
            print(f"  {env_id:<{width}}  max_episode_steps={gym.spec(env_id).max_episode_steps}")
    if what in (None, "agents"):
        print("agents:")
        width = max(map(len, AGENTS))
        for name, (_, description, games) in AGENTS.items():
            print(f"  {name:<{width}}  {description} [{', '.join(games)}]")
        _list_pretrained(width)
    if what in (None, "suites"):
        print("suites:")
        names = list_suites()
        width = max(map(len, names), default=0)
        for name in names:
            info = suite_info(name)
            print(f"  {name:<{width}}  {info['env']:<17} {info['size']:>5} instances  {info['hash'][:19]}")
    return EXIT_OK


def _list_pretrained(width: int) -> None:
    """The shipped pretrained agents (``--agent NAME``; ``--agent pretrained`` picks the best per game)."""
    from rigorgym.agents.algos.saved import AgentCard, BadAgentDir
    from rigorgym.agents.learned import shipped_agents, shipped_values

    for name, folder in shipped_agents().items():
        try:
            card = AgentCard.read(folder)
        except BadAgentDir:
            continue
        solved = card.metrics.get("solved_rate")
        rate = f", solved_rate {solved:.2f}" if solved is not None else ""
        print(f"  {name:<{width}}  pretrained {card.algo}/{card.policy}, {card.steps} steps{rate} [{card.env_id}]")
    for name, (_, value) in shipped_values().items():
        role = ("guided search with a learned value (the solver of --agent pretrained)"
                if value.get("solve_as_pretrained") else "a learned value: guided in solve, the macro policy alone "
                "in evaluate --attempts")  # fmt: skip
        print(f"  {name:<{width}}  pretrained {role} [{value['env_id']}]")


# -- verify ---------------------------------------------------------------------------


def cmd_verify(args: argparse.Namespace) -> int:
    from rigorgym.verifiers import UnreadableInput, read_certificates, verify

    _backend_checks(args)
    status = EXIT_OK
    total = valid = 0
    entries: list[Any] = []
    for path in args.files:
        try:
            entries.extend(read_certificates(path, args.max_bytes))
        except UnreadableInput as exc:
            print(f"rigorgym: error: {exc}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        if args.backend != "ray":  # verdicts of this file now (a later unreadable file must not hold them up)
            verdicts = ((entry, verify(entry.certificate).to_json()) for entry in entries)
            status, total, valid = _print_verdicts(args, verdicts, status, total, valid)
            entries = []
    if entries:
        with _joined(args):
            status, total, valid = _print_verdicts(args, _verdicts_on_ray(args, entries), status, total, valid)
    if not args.json:
        print(f"{valid}/{total} certificates valid", file=sys.stderr)
    return status


def _print_verdicts(
    args: argparse.Namespace, verdicts: Any, status: int, total: int, valid: int
) -> tuple[int, int, int]:
    """Print each ``(entry, verdict dict)``; the exit status and counts so far."""
    for entry, verdict in verdicts:
        total += 1
        valid += verdict["valid"]
        if verdict["malformed"]:
            status = EXIT_BAD_INPUT
        elif not verdict["valid"] and status == EXIT_OK:
            status = EXIT_FAILED
        if args.json:
            print(json.dumps({"where": entry.where, **verdict}))
        else:
            mark = "VALID  " if verdict["valid"] else "INVALID"
            print(f"{mark} {entry.where}: {verdict['reason']} ({verdict['moves_checked']} moves checked)")
    return status, total, valid


def _verdicts_on_ray(args: argparse.Namespace, entries: list[Any]) -> Any:
    """``(entry, verdict)`` in order, the certificates verified as Ray tasks (as JSON text, parsed there)."""
    from rigorgym.leaderboard.ray_pool import KernelMismatch, verify_on_ray

    bodies = [json.dumps(entry.certificate) for entry in entries]
    verdicts = verify_on_ray(
        bodies,
        time_limit_s=args.time_limit_s or 60.0,
        memory_limit_mb=args.memory_limit_mb or 1024,
        num_cpus=args.num_cpus_per_task or 1.0,
        on_retry=lambda _k, why: print(f"rigorgym: warning: a verifier task: {why}; retrying it once", file=sys.stderr),
    )
    try:
        for index, verdict in verdicts:
            yield entries[index], verdict
    except KernelMismatch as exc:
        raise BadInput(str(exc)) from None


# -- backends: local or a Ray cluster (docs/cluster.md) --------------------------------------------------

#: the flags of --backend ray: (flag, argparse dest)
_RAY_FLAGS = (
    ("--address", "address"), ("--num-cpus-per-task", "num_cpus_per_task"), ("--memory-limit-mb", "memory_limit_mb"),
    ("--time-limit-s", "time_limit_s"),
)  # fmt: skip


def _backend_checks(args: argparse.Namespace) -> None:
    """Refuse a cluster flag without --backend ray or out of range, and an unreachable --address: before any work."""
    if args.backend != "ray":
        for flag, dest in _RAY_FLAGS:
            if getattr(args, dest, None) is not None:
                raise BadInput(f"{flag} is for --backend ray (a Ray cluster)")
        return
    cpus, memory, limit = args.num_cpus_per_task, args.memory_limit_mb, getattr(args, "time_limit_s", None)
    if cpus is not None and not (math.isfinite(cpus) and cpus > 0):
        raise BadInput(f"--num-cpus-per-task must be a number of CPUs > 0, got {cpus:g}")
    if memory is not None and memory < 1:
        raise BadInput(f"--memory-limit-mb must be >= 1, got {memory}")
    if limit is not None and not (math.isfinite(limit) and limit > 0):
        raise BadInput(f"--time-limit-s must be a finite number of seconds > 0, got {limit:g}")
    from rigorgym.cluster import ClusterError, check_address, require_ray

    try:
        require_ray()
        if args.address is not None:
            check_address(args.address)
    except ClusterError as exc:
        raise BadInput(str(exc)) from None


def _joined(args: argparse.Namespace) -> Any:
    """A context in which --backend ray's cluster is joined (a private local Ray without --address)."""
    import contextlib

    stack = contextlib.ExitStack()
    if args.backend == "ray":
        from rigorgym.cluster import ClusterError, connected

        try:
            stack.enter_context(connected(args.address))
        except ClusterError as exc:
            raise BadInput(str(exc)) from None
    return stack


def _outcomes(args: argparse.Namespace, instances: list[Any], agent: str, budget: Any, first: int = 0) -> Any:
    """The verified outcomes of instances ``first``, ... in order, on the chosen backend."""
    from rigorgym.agents.ray_backend import run_agent_ray, run_local_from

    def warn(message: str) -> None:
        print(f"rigorgym: warning: {message}", file=sys.stderr)

    if args.backend == "ray":
        from rigorgym.cluster import DEFAULT_MEMORY_LIMIT_MB

        return run_agent_ray(
            args.env, instances, agent, budget, args.seed, None, warn, first=first,
            num_cpus=args.num_cpus_per_task or 1.0, memory_limit_mb=args.memory_limit_mb or DEFAULT_MEMORY_LIMIT_MB,
            on_warning=warn,
        )  # fmt: skip
    return run_local_from(args.env, instances, agent, budget, args.seed, None, warn, first=first)


def _add_backend_arguments(p: argparse.ArgumentParser, what: str) -> None:
    """``--backend``, ``--address``, ``--num-cpus-per-task``, ``--memory-limit-mb`` (solve, evaluate, verify)."""
    p.add_argument(
        "--backend", choices=["local", "ray"], default="local",
        help=f"local: this process (default); ray: {what} fan out as Ray tasks (docs/cluster.md)",
    )  # fmt: skip
    p.add_argument(
        "--address", metavar="ADDR", help="--backend ray: the cluster, auto or HOST:PORT (default: a local Ray)"
    )
    p.add_argument(
        "--num-cpus-per-task", type=float, metavar="K", help="--backend ray: CPUs each task asks for (default 1)"
    )
    p.add_argument(
        "--memory-limit-mb", type=int, metavar="M",
        help="--backend ray: memory a task may add before its worker is ended (default 4096; verify: 1024)",
    )  # fmt: skip


# -- solve ----------------------------------------------------------------------------


def _read_instance_file(path: str) -> list[tuple[int, dict[str, Any]]]:
    """The instance objects of a JSON-lines file, each with its line number (for error messages)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read {path}: {exc}") from None
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise BadInput(f"{path}:{n}: not valid JSON ({exc})") from None
        if not isinstance(item, dict):
            raise BadInput(f"{path}:{n}: each line must be one instance object")
        out.append((n, item))
    if not out:
        raise BadInput(f"{path}: no instances")
    return out


def _instances(args: argparse.Namespace) -> list[Any]:
    from rigorgym.envs.games import game_of
    from rigorgym.envs.suites import UnknownSuite, load_suite

    game = game_of(args.env)
    try:
        if args.suite:
            suite = load_suite(args.suite)
            if suite.env != game.env:
                raise BadInput(f"suite {args.suite} is for {suite.env}, not {args.env}")
            raw = list(suite.instances)
        elif args.instances:
            instances = []
            for line, x in _read_instance_file(args.instances)[: args.limit]:
                try:
                    instances.append(game.read_instance(x))
                except ValueError as exc:
                    raise BadInput(f"{args.instances}:{line}: {exc}") from None
            return instances
        else:
            return [_knot(args, game.env)]
        return [game.read_instance(x) for x in raw[: args.limit]]
    except UnknownSuite as exc:
        raise BadInput(str(exc)) from None
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def _knot(args: argparse.Namespace, env: str) -> Any:
    """The one instance of --knot or --pd (games played on one knot only)."""
    from rigorgym.envs.games import game_of

    read_knot = game_of(env).read_knot
    if read_knot is None:
        raise BadInput(f"--knot and --pd give knots; {env} takes --suite or --instances")
    if args.knot:
        return read_knot(args.knot, None)
    try:
        pd = json.loads(args.pd)
    except ValueError:
        raise BadInput("--pd must be a JSON list of 4-tuples, e.g. [[1,5,2,4],[3,1,4,6],[5,3,6,2]]") from None
    return read_knot(None, pd)


def _resolve_agent(spec: str, env_id: str, policy: bool = False) -> str:
    """What ``--agent`` names, as ``run_agent`` takes it: a registered name or a trained agent's folder.

    ``spec`` is a registered agent, ``pretrained`` (the game's shipped learned
    solver; with ``policy``, its best shipped policy: see ``pretrained_for``),
    the name of a shipped agent, or a folder of ``rigorgym train`` (a value-net
    folder of ``--algo guided-value`` plays as ``guided`` with its net).
    """
    from rigorgym.agents.algos.saved import AgentCard, BadAgentDir
    from rigorgym.agents.learned import (
        NoPretrainedAgent,
        check_game,
        is_value_folder,
        pretrained_for,
        shipped_agents,
        shipped_values,
    )
    from rigorgym.agents.registry import AGENTS, agent_supports

    if spec in AGENTS:
        if not agent_supports(spec, env_id):
            raise BadInput(f"agent {spec} does not play {env_id}")
        return spec
    values = {name: folder for name, (folder, _) in shipped_values().items()}
    if spec in values or (Path(spec).is_dir() and is_value_folder(spec)):
        if not agent_supports("guided", env_id):
            raise BadInput(f"--agent {spec} is the value net of guided, an UnKnot agent; it does not play {env_id}")
        return str(values.get(spec, spec))
    try:
        if spec == "pretrained":
            folder = pretrained_for(env_id, policy=policy)
            if is_value_folder(folder):  # the game's shipped learned search (guided with its value)
                return str(folder)
        elif spec in shipped_agents():
            folder = shipped_agents()[spec]
        elif Path(spec).is_dir():
            folder = Path(spec)
        elif Path(spec).exists():
            raise BadInput(f"--agent {spec}: not a folder written by `rigorgym train`")
        else:
            known = ", ".join([*AGENTS, "pretrained", *shipped_agents(), *values])
            raise BadInput(f"unknown agent {spec!r}; known: {known}, or a folder written by `rigorgym train`")
        check_game(AgentCard.read(folder), env_id, folder)
    except (BadAgentDir, NoPretrainedAgent) as exc:
        raise BadInput(str(exc)) from None
    return str(folder)


def _check_seed(seed: int) -> None:
    if seed < 0:
        raise BadInput(f"--seed must be >= 0, got {seed}")


def _budget(args: argparse.Namespace) -> Any:
    """The per-instance :class:`~rigorgym.agents.base.Budget` of ``--budget-s``, ``--max-steps``, ``--max-expansions``."""
    from rigorgym.agents.base import Budget

    if not (math.isfinite(args.budget_s) and args.budget_s > 0):
        raise BadInput(f"--budget-s must be a finite number of seconds > 0, got {args.budget_s:g}")
    for flag, value in (("--max-steps", args.max_steps), ("--max-expansions", args.max_expansions)):
        if value is not None and value < 1:
            raise BadInput(f"{flag} must be >= 1, got {value}")
    return Budget(args.budget_s, args.max_steps, args.max_expansions)


def _run_checks(args: argparse.Namespace) -> tuple[str, Any]:
    """The checks ``solve`` and ``evaluate`` share, before anything runs or is written: (agent, budget)."""
    from rigorgym.agents.base import UnsupportedLimit
    from rigorgym.agents.runner import checked_agent

    if args.env not in _registered_envs():
        raise BadInput(f"unknown env {args.env!r} (see `rigorgym list envs`)")
    _check_seed(args.seed)
    if args.limit is not None and args.limit < 1:
        raise BadInput(f"--limit must be >= 1, got {args.limit}")
    budget = _budget(args)
    agent = _resolve_agent(args.agent, args.env)
    try:
        checked_agent(agent, budget)
    except UnsupportedLimit as exc:
        raise BadInput(str(exc)) from None
    return agent, budget


def _check_agent_takes(env_id: str, instances: list[Any], agent: str) -> None:
    """Refuse (one line, exit 2, nothing written) a run on instances the agent cannot play."""
    from rigorgym.agents.runner import agent_refusal

    refusal = agent_refusal(env_id, instances, agent)
    if refusal is not None:
        raise BadInput(refusal)


def _median_moves(moves: list[int]) -> str:
    """The median of the solved instances' moves, or ``-`` when none was solved (never ``nan``)."""
    return f"{statistics.median(moves):g}" if moves else "-"


def _check_out(out: Path, force: bool) -> None:
    if not out.parent.is_dir():
        raise BadInput(f"output folder {out.parent} does not exist")
    if out.is_dir():
        raise BadInput(f"--out {out} is a folder; give a file name (certificates are JSON lines)")
    if out.exists() and not force:
        raise BadInput(f"--out {out} exists; choose a new file or add --force to overwrite it")


def cmd_solve(args: argparse.Namespace) -> int:
    _backend_checks(args)
    if args.resume and args.force:
        raise BadInput("--resume and --force exclude each other (--force starts over, --resume goes on)")
    args.agent, budget = _run_checks(args)
    instances = _instances(args)
    out = Path(args.out)
    # Certificates stream into a side file that replaces --out at the end (also on Ctrl-C); the progress file
    # beside it records every instance done, in order, so that --resume skips them (it goes when the run ends).
    tmp, log = out.with_name(out.name + ".partial"), out.with_name(out.name + ".progress")
    header = _run_header(args, budget, instances)
    done = _resumable(out, tmp, log, header) if args.resume else None
    _check_out(out, args.force or done is not None and out.exists())
    _check_agent_takes(args.env, instances, args.agent)
    with _joined(args):  # an unreachable cluster is found here, before anything is written
        return _solve_into(args, budget, instances, out, tmp, log, header, done or [])


def _solve_into(
    args: argparse.Namespace,
    budget: Any,
    instances: list[Any],
    out: Path,
    tmp: Path,
    log: Path,
    header: dict[str, Any],
    done: list[dict[str, Any]],
) -> int:
    """Run the instances not in ``done``, appending certificates to ``tmp`` and a line per instance to ``log``."""
    first = len(done)
    try:
        if first:
            if not tmp.exists() and out.exists():
                os.replace(out, tmp)  # a run stopped by Ctrl-C left its certificates in --out
            tmp.touch()
            with tmp.open("r+b") as cut:
                cut.truncate(done[-1]["end"])  # a certificate written after the last progress line is redone
            solved_before = sum(1 for d in done if d["moves"] is not None)
            print(f"rigorgym: resuming {out}: {first} of {len(instances)} instances done ({solved_before} solved)",
                  file=sys.stderr)  # fmt: skip
        handle = tmp.open("ab" if first else "wb")
        journal = log.open("ab" if first else "wb")
    except OSError as exc:
        raise BadInput(f"cannot write {out}: {exc.strerror}") from None
    if not first:
        journal.write((json.dumps({"run": header}) + "\n").encode())
        journal.flush()
    moves = [d["moves"] for d in done if d["moves"] is not None]
    seconds = [float(d["seconds"]) for d in done]
    interrupted = False
    with handle, journal:
        try:
            for outcome in _outcomes(args, instances, args.agent, budget, first):
                seconds.append(outcome.result.seconds)
                cert = outcome.certificate
                if cert is not None:
                    handle.write((json.dumps(cert) + "\n").encode())
                    handle.flush()
                    moves.append(len(cert["moves"]))
                line = {"i": outcome.index, "moves": None if cert is None else len(cert["moves"]),
                        "seconds": outcome.result.seconds, "end": handle.tell()}  # fmt: skip
                if "failed" in outcome.result.extra:
                    line["failed"] = outcome.result.extra["failed"]
                journal.write((json.dumps(line) + "\n").encode())
                journal.flush()
        except KeyboardInterrupt:
            interrupted = True
        except BaseException:  # e.g. an agent folder whose model does not load: leave nothing behind
            handle.close()
            journal.close()
            if not first:  # a resumed run keeps what the earlier ones did
                tmp.unlink(missing_ok=True)
                log.unlink(missing_ok=True)
            raise
    os.replace(tmp, out)
    if interrupted:
        print(f"rigorgym: interrupted; continue with the same command and --resume ({log})", file=sys.stderr)
    else:
        log.unlink(missing_ok=True)
    mean_time = statistics.fmean(seconds) if seconds else 0.0
    print(
        f"solved {len(moves)}/{len(instances)}  median moves {_median_moves(moves)}  mean time {mean_time:.3f}s  -> {out}"
    )
    return 130 if interrupted else EXIT_OK


def _run_header(args: argparse.Namespace, budget: Any, instances: list[Any]) -> dict[str, Any]:
    """What makes two solve runs the same run (the progress file's first line; --resume compares it)."""
    import hashlib

    digest = hashlib.sha256(repr(instances).encode()).hexdigest()[:16]
    return {
        "env": args.env, "agent": args.agent, "instances": len(instances), "instances_sha256": digest,
        "budget_s": budget.seconds, "max_steps": budget.max_steps, "max_expansions": budget.max_expansions,
        "seed": args.seed,
    }  # fmt: skip


def _resumable(out: Path, tmp: Path, log: Path, header: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The progress lines of the unfinished run of --out (in order, from instance 0), or None when there is none.

    A torn last line (the process died while writing it) is dropped: that instance is solved again.
    """
    if not log.is_file():
        if out.exists():
            raise BadInput(f"--out {out} exists and no run of it is unfinished (no {log.name}); nothing to resume")
        return None
    lines = log.read_bytes().split(b"\n")
    try:
        first = json.loads(lines[0])["run"]
    except (ValueError, KeyError, TypeError):
        raise BadInput(f"--resume: {log} is not a progress file of rigorgym solve") from None
    changed = [key for key in header if first.get(key) != header[key]]
    if changed:
        raise BadInput(f"--resume: {out} was another run ({', '.join(changed)} differ); drop --resume and add --force")
    done: list[dict[str, Any]] = []
    for raw in lines[1:-1]:  # the part after the last newline is empty or torn
        try:
            entry = json.loads(raw)
        except ValueError:
            break
        if not isinstance(entry, dict) or entry.get("i") != len(done):
            break
        done.append(entry)
    certificates = tmp if tmp.exists() else out
    size = certificates.stat().st_size if certificates.exists() else 0
    if done and size < done[-1]["end"]:
        raise BadInput(
            f"--resume: {certificates.name} is shorter than {log.name} records; drop --resume and add --force"
        )
    return done


def _registered_envs() -> list[str]:
    import gymnasium as gym

    return [k for k, spec in gym.registry.items() if str(spec.entry_point).startswith("rigorgym.")]


# -- evaluate -------------------------------------------------------------------------


def cmd_evaluate(args: argparse.Namespace) -> int:
    _backend_checks(args)
    _check_protocol_flags(args)
    if args.backend == "ray":
        for flag, given in (("--compare", args.compare), ("--restarts", args.restarts), ("--attempts", args.attempts),
                            ("--protocol", args.protocol)):  # fmt: skip
            if given is not None:
                raise BadInput(f"--backend ray runs one --agent over the instances; {flag} runs locally")
    if args.compare is not None:
        return _evaluate_compare(args)
    if args.agent is None:
        raise BadInput("evaluate needs --agent A (one agent) or --compare A,B,... (several on the same instances)")
    for flag, given in (("--jobs", args.jobs is not None), ("--out", args.out is not None), ("--force", args.force)):
        if given:
            raise BadInput(f"{flag} goes with --compare (one agent: --json prints its summary)")
    if args.protocol is not None:
        return _evaluate_ri_putrov(args)
    if args.attempts is not None:
        return _evaluate_pure_policy(args)
    agent, budget = _run_checks(args)
    if args.restarts is not None:
        return _evaluate_restarts(args, agent)
    instances = _evaluate_instances(args)[1]
    _check_agent_takes(args.env, instances, agent)
    moves: list[int] = []
    seconds: list[float] = []
    with _joined(args):
        for outcome in _outcomes(args, instances, agent, budget):
            seconds.append(outcome.result.seconds)
            if outcome.certificate is not None:
                moves.append(len(outcome.certificate["moves"]))
    summary = {
        "env": args.env,
        "agent": args.agent if args.agent == agent else f"{args.agent} ({agent})",
        **_source(args),
        "instances": len(instances),
        "solved": len(moves),
        "solved_fraction": len(moves) / len(instances),
        "mean_moves": statistics.fmean(moves) if moves else None,
        "median_seconds": statistics.median(seconds) if seconds else None,
        "budget_s": args.budget_s,
        "max_steps": args.max_steps,
        "max_expansions": args.max_expansions,
        "seed": args.seed,
    }
    if args.json:
        print(json.dumps(summary))
    else:
        mean_moves = f"{summary['mean_moves']:.1f}" if moves else "-"
        print(
            f"{args.env} {_source_label(args)}: solved {len(moves)}/{len(instances)} "
            f"({100 * summary['solved_fraction']:.1f}%)  mean moves {mean_moves}  "
            f"median time {summary['median_seconds']:.3f}s  agent {summary['agent']}"
        )
    return EXIT_OK


def _check_protocol_flags(args: argparse.Namespace) -> None:
    """Refuse a protocol flag that means nothing with the others, before anything loads.

    ``--budget-s`` defaults to None here only to tell whether it was given
    (``--attempts`` has no clock); it is 5 s otherwise, as for ``solve``.
    """
    budget_given = args.budget_s is not None
    args.budget_given = budget_given
    if not budget_given:
        args.budget_s = 5.0
    if args.instances is not None and args.restarts is not None:
        raise BadInput("--restarts plays a shipped suite (--suite S); --instances goes with --agent or --compare")
    if args.attempts is None:
        if args.deterministic and args.protocol is None:
            raise BadInput(
                "--deterministic goes with --attempts K (the policy alone; --attempts 1 --deterministic) or --protocol"
            )
        return
    if args.attempts < 1:
        raise BadInput(f"--attempts must be >= 1 (episodes per instance), got {args.attempts}")
    if args.compare is not None:
        raise BadInput(
            "--attempts and --compare exclude each other: --attempts K plays one trained agent's policy alone"
        )
    if args.restarts is not None:
        raise BadInput(
            "--attempts and --restarts exclude each other: --attempts K is the policy alone, --restarts K Ri–Putrov's"
        )
    if budget_given:
        raise BadInput(
            "--budget-s means nothing with --attempts: episodes end at the move cap (--max-steps), not a clock"
        )
    if args.max_expansions is not None:
        raise BadInput("--max-expansions means nothing with --attempts: a policy alone expands no search")


def _source(args: argparse.Namespace) -> dict[str, Any]:
    """Where the instances came from, for a JSON summary: ``suite`` (None with --instances) and ``instances_file``."""
    return {"suite": args.suite} if args.instances is None else {"suite": None, "instances_file": args.instances}


def _source_label(args: argparse.Namespace) -> str:
    """The suite name or the instances file, for a printed summary."""
    return str(args.suite if args.instances is None else args.instances)


def _evaluate_instances(args: argparse.Namespace) -> tuple[list[dict[str, Any]], list[Any]]:
    """The instance objects (first ``--limit``) of ``--suite`` or ``--instances FILE``, and the game's instances.

    A line of the file that is another game's instance is named as such
    (``FILE:N: an instance of Kirby-Plumbing-v0, not of UnKnot-v0``).
    """
    from rigorgym.envs.games import GAMES, game_of

    try:
        game = game_of(args.env)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    if args.instances is None:
        rows = _suite_rows(args)
        try:
            return rows, [game.read_instance(x) for x in rows]
        except ValueError as exc:
            raise BadInput(f"suite {args.suite}: {exc}") from None
    rows, instances = [], []
    for line, row in _read_instance_file(args.instances)[: args.limit]:
        try:
            instances.append(game.read_instance(row))
        except ValueError as exc:
            for other in GAMES:
                if other.env != game.env and _reads(other.read_instance, row):
                    raise BadInput(
                        f"{args.instances}:{line}: an instance of {other.env}, not of {game.env} (the game of {args.env})"
                    ) from None
            raise BadInput(f"{args.instances}:{line}: {exc}") from None
        rows.append(row)
    return rows, instances


def _reads(read_instance: Any, row: dict[str, Any]) -> bool:
    """Whether ``read_instance`` accepts ``row`` (to name the game of a misplaced instance)."""
    try:
        read_instance(row)
    except (ValueError, TypeError, KeyError):
        return False
    return True


def _pure_policy_agent(args: argparse.Namespace) -> str:
    """The agent folder of ``--attempts``: a trained policy (a folder, ``pretrained`` or a shipped agent), no search.

    A value folder (``guided``'s net) plays UnKnot-v0 as the macro policy: its choice among the search's
    macros, one greedy episode, no search (:mod:`rigorgym.agents.macro_policy`).
    """
    from rigorgym.agents.learned import is_value_folder
    from rigorgym.agents.registry import AGENTS

    if args.agent in AGENTS:
        raise BadInput(
            f"--attempts plays a trained policy alone; {args.agent} is a search agent with no policy "
            "(give a folder of rigorgym train, pretrained or a shipped agent)"
        )
    agent = _resolve_agent(args.agent, args.env, policy=True)
    if is_value_folder(agent) and (args.env != "UnKnot-v0" or getattr(args, "protocol", None)):
        raise BadInput(
            f"{args.agent} is the value net of guided: alone it plays UnKnot-v0 as the macro policy "
            f"(--attempts), not {args.env}" + (" with --protocol" if getattr(args, "protocol", None) else "")
        )
    return agent  # a value folder on UnKnot-v0 plays as the macro policy (rigorgym.agents.macro_policy)


def _evaluate_ri_putrov(args: argparse.Namespace) -> int:
    """``evaluate Kirby-Plumbing-v0 --protocol ri-putrov``: the published protocol (both graphs move each
    step, one sampled episode, at most 500 steps, success when graphs of <= 10 vertices meet)."""
    from rigorgym.agents.protocols import ri_putrov_paper as paper
    from rigorgym.envs.games import game_of

    if args.env not in _registered_envs():
        raise BadInput(f"unknown env {args.env!r} (see `rigorgym list envs`)")
    if game_of(args.env).env != "Kirby-Plumbing-v0":
        raise BadInput(f"--protocol ri-putrov is Kirby-Plumbing's (the Ri–Putrov paper's); {args.env} is another game")
    for flag, given in (
        ("--attempts", args.attempts is not None),
        ("--restarts", args.restarts is not None),
        ("--max-expansions", args.max_expansions is not None),
        ("--budget-s", args.budget_given),
    ):
        if given:
            raise BadInput(f"{flag} means nothing with --protocol ri-putrov (one episode of at most --max-steps steps)")
    _check_seed(args.seed)
    if args.limit is not None and args.limit < 1:
        raise BadInput(f"--limit must be >= 1, got {args.limit}")
    steps = paper.MAX_STEPS if args.max_steps is None else args.max_steps
    if steps < 1:
        raise BadInput(f"--max-steps must be >= 1 (time steps, each moving both graphs), got {steps}")
    agent = _pure_policy_agent(args)
    instances = _evaluate_instances(args)[1]
    try:
        scores, env_id, env_kwargs = paper.agent_scores(agent)
    except ValueError as exc:  # BadAgentDir
        raise BadInput(str(exc)) from None
    unfit = paper.misfits(instances, env_id, env_kwargs)
    if unfit:
        raise BadInput(
            f"agent {args.agent} cannot take {len(unfit)} of {len(instances)} pairs ({next(iter(unfit.values()))}; it plays on "
            f"{env_id} {env_kwargs or ''}); use an agent trained on larger boards"
        )
    run = paper.evaluate(
        str(args.agent), scores, instances, sampled=not args.deterministic, max_steps=steps, seed=args.seed,
        env_id=env_id, env_kwargs=env_kwargs,
    )  # fmt: skip
    summary = {"env": args.env, "agent": args.agent, **_source(args), **run.summary(), "max_steps": steps,
               "sampled": not args.deterministic, "seed": args.seed, "protocol": "ri-putrov"}  # fmt: skip
    if args.json:
        print(json.dumps(summary))
        return EXIT_OK
    low, high = summary["interval_95"]
    print(
        f"{args.env} {_source_label(args)}: solved {summary['solved']}/{summary['pairs']} "
        f"({100 * summary['success']:.1f}%, 95% CI {100 * low:.1f}-{100 * high:.1f}%)  median steps "
        f"{summary['median_steps'] if summary['median_steps'] is not None else '-'}  "
        f"{summary['steps_per_s']} steps/s  agent {args.agent}"
    )
    print(
        f"protocol: Ri–Putrov's published one — one {'sampled' if not args.deterministic else 'greedy (argmax)'} "
        f"episode per pair, both graphs move every step, at most {steps} steps, success when graphs of <= "
        f"{paper.SMALL} vertices reached from each side meet (or the two graphs are isomorphic); every "
        "certificate verified by the kernel"
    )
    return EXIT_OK


def _protocol_line(summary: dict[str, Any]) -> str:
    """The protocol in words: episodes per instance, greedy or sampled, and the move cap in force."""
    protocol = summary["protocol"]
    k, greedy = protocol["attempts"], protocol["deterministic"]
    if k == 1:
        episodes = f"1 {'greedy (argmax)' if greedy else 'sampled'} episode per instance"
    else:
        episodes = f"up to {k} episodes per instance, " + (
            "the first greedy (argmax), then sampled" if greedy else "all sampled"
        )
    return (
        f"protocol: the policy alone, {episodes}; move cap {protocol['move_cap']} per episode "
        f"({protocol['move_cap_source']}); "
        "no search, no clock"
    )


def _evaluate_pure_policy(args: argparse.Namespace) -> int:
    """``evaluate --attempts K [--deterministic]``: the papers' protocol, the policy alone (``pure_policy``).

    At most K episodes per instance, each ended by the move cap (``--max-steps``,
    else the env's ``max_episode_steps``); an instance counts once an episode
    ends in a certificate the kernel accepts. No clock: a seed gives one result.
    """
    from rigorgym.agents.protocols.pure_policy import Protocol, evaluate_policy

    if args.env not in _registered_envs():
        raise BadInput(f"unknown env {args.env!r} (see `rigorgym list envs`)")
    _check_seed(args.seed)
    if args.limit is not None and args.limit < 1:
        raise BadInput(f"--limit must be >= 1, got {args.limit}")
    if args.max_steps is not None and args.max_steps < 1:
        raise BadInput(f"--max-steps must be >= 1 (the move cap per episode), got {args.max_steps}")
    agent = _pure_policy_agent(args)
    instances = _evaluate_instances(args)[1]
    protocol = Protocol(args.attempts, args.deterministic, args.max_steps)
    evaluation = evaluate_policy(args.env, instances, agent, protocol, args.seed)
    summary = {
        "env": args.env,
        "agent": args.agent if args.agent == agent else f"{args.agent} ({agent})",
        **_source(args),
        **evaluation.summary(),
        "max_steps": args.max_steps,
        "seed": args.seed,
    }
    if summary["protocol"]["move_cap_source"] == "max_moves":
        summary["protocol"]["move_cap_source"] = "--max-steps"
    if summary["unfit"]:
        print(
            f"rigorgym: warning: {summary['unfit']} instances do not fit the env the agent was trained on "
            "(counted unsolved)",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(summary))
        return EXIT_OK
    mean_moves = "-" if summary["mean_moves"] is None else f"{summary['mean_moves']:.1f}"
    print(
        f"{args.env} {_source_label(args)}: solved {summary['solved']}/{summary['instances']} "
        f"({100 * summary['solved_fraction']:.1f}%)  verified {summary['verified']}/{summary['claimed']}  "
        f"mean moves {mean_moves}  mean episodes {summary['mean_episodes']:.2f}  agent {summary['agent']}"
    )
    print(_protocol_line(summary))
    return EXIT_OK


def _evaluate_restarts(args: argparse.Namespace, agent: str) -> int:
    """``evaluate --restarts K``: the Ri–Putrov protocol, up to K sampled episodes per pair (1: one greedy episode).

    Each episode has ``--max-steps`` moves (default 200, the env's episode
    length); a pair counts once any of its episodes ends in a certificate the
    kernel accepts. Deterministic for a given agent and suite (no wall clock).
    """
    from rigorgym.agents.algos.saved import BadAgentDir
    from rigorgym.agents.protocols.ri_putrov import evaluate_agent_restarts

    if args.restarts < 1:
        raise BadInput(f"--restarts must be >= 1, got {args.restarts}")
    if not args.env.startswith("Kirby-Plumbing") or not Path(agent).is_dir():
        raise BadInput("--restarts plays a trained Kirby-Plumbing agent (a folder of rigorgym train, or pretrained)")
    try:
        result = evaluate_agent_restarts(
            agent, args.suite, attempts=args.restarts, move_budget=args.max_steps or 200, limit=args.limit
        )
    except (ValueError, BadAgentDir) as exc:
        raise BadInput(str(exc)) from None
    summary = {"env": args.env, **result, "agent": args.agent, "restarts": args.restarts}
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"{args.env} {args.suite}: solved {result['solved']}/{result['pairs']} ({100 * result['success']:.1f}%) "
            f"with up to {args.restarts} episodes of {result['move_budget']} moves  agent {args.agent}"
        )
    return EXIT_OK


UNKNOT = "UnKnot-v0"


def _check_unknot_env(env: str, what: str) -> None:
    """Refuse an env that is not a tier of UnKnot-v0 (for the UnKnot-only protocols)."""
    from rigorgym.envs.games import game_of

    if env not in _registered_envs():
        raise BadInput(f"unknown env {env!r} (see `rigorgym list envs`)")
    try:
        game = game_of(env).env
    except ValueError:
        game = None
    if game != UNKNOT:
        raise BadInput(f"{what} is for UnKnot envs (UnKnot-v0 and its tiers), not {env}")


def _compare_specs(args: argparse.Namespace) -> dict[str, str]:
    """The agents of ``--compare A,B,...``, each resolved as ``--agent`` is (label -> what run_agent takes)."""
    specs = [s.strip() for s in args.compare.split(",")]
    if not any(specs):
        raise BadInput("--compare takes a comma-separated list of agents, e.g. --compare guided,greedy,random")
    if not all(specs):
        raise BadInput(f"--compare {args.compare!r} has an empty agent name; separate names by single commas")
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for spec in specs:
        if spec in out:
            raise BadInput(f"agent {spec} appears twice in --compare")
        agent = _resolve_agent(spec, args.env)
        same = str(Path(agent).resolve()) if Path(agent).is_dir() else agent  # e.g. pretrained and its shipped name
        if same in seen:
            raise BadInput(f"--compare names one agent twice: {seen[same]} and {spec}")
        seen[same] = spec
        out[spec] = agent
    return out


def _suite_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The instance rows of ``--suite`` (its first ``--limit``), as the protocols take them."""
    from rigorgym.envs.games import game_of
    from rigorgym.envs.suites import UnknownSuite, load_suite

    try:
        suite = load_suite(args.suite)
    except UnknownSuite as exc:
        raise BadInput(str(exc)) from None
    if suite.env != game_of(args.env).env:
        raise BadInput(f"suite {args.suite} is for {suite.env}, not {args.env}")
    return [dict(x) for x in list(suite.instances)[: args.limit]]


def _compare_table(rows: list[dict[str, Any]]) -> str:
    """One aligned line per agent: solved (kernel-accepted) of instances, verified of returned, mean s, mean moves."""
    table = [["agent", "solved", "verified", "mean s", "mean moves"]]
    for r in rows:
        moves = "-" if r["mean_moves"] is None else f"{r['mean_moves']:.1f}"
        seconds = "-" if r["mean_seconds_all"] is None else f"{r['mean_seconds_all']:.3f}"
        table.append([r["agent"], f"{r['solved']}/{r['instances']}", f"{r['solved']}/{r['claimed']}", seconds, moves])
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in table
    )


def _evaluate_compare(args: argparse.Namespace) -> int:
    """``evaluate --compare A,B,...``: every agent on the same instances, seeds and budget (``compare_agents``).

    The budget is the ``Budget`` of ``--budget-s``/``--max-steps``/``--max-expansions``
    (one each agent must honour); every certificate is re-verified by the kernel.
    """
    from rigorgym.agents.base import LIMIT_FLAGS, UnsupportedLimit
    from rigorgym.agents.protocols.unknot import compare_agents
    from rigorgym.agents.runner import checked_agent

    if args.agent is not None:
        raise BadInput("--compare and --agent exclude each other; list every agent in --compare")
    if args.restarts is not None:
        raise BadInput("--compare and --restarts exclude each other (--restarts plays one Kirby-Plumbing agent)")
    _check_unknot_env(args.env, "--compare")
    _check_seed(args.seed)
    if args.limit is not None and args.limit < 1:
        raise BadInput(f"--limit must be >= 1, got {args.limit}")
    jobs = 1 if args.jobs is None else args.jobs
    if jobs < 1:
        raise BadInput(f"--jobs must be >= 1, got {jobs}")
    budget = _budget(args)
    agents = _compare_specs(args)
    try:
        for agent in agents.values():
            checked_agent(agent, budget)
    except UnsupportedLimit as exc:
        raise BadInput(str(exc)) from None
    rows = _evaluate_instances(args)[0]
    if args.force and args.out is None:
        raise BadInput("--force goes with --out")
    out = Path(args.out) if args.out is not None else None
    partial = out.with_name(out.name + ".partial") if out is not None else None
    if out is not None and partial is not None:
        _check_out(out, args.force)
        try:
            partial.touch()  # found unwritable now, not after the run
        except OSError as exc:
            raise BadInput(f"cannot write {out}: {exc.strerror}") from None

    def on_row(row: dict[str, Any]) -> None:
        if args.json:
            print(json.dumps({"env": args.env, **row}), flush=True)
        elif sys.stderr.isatty():
            print(f"{row['agent']}: solved {row['solved']}/{row['instances']}", file=sys.stderr, flush=True)

    try:
        results = compare_agents({_source_label(args): rows}, agents, budget, args.seed, jobs, on_row, env_id=args.env)
        if out is not None and partial is not None:
            with partial.open("w", encoding="utf-8") as handle:
                for row in results:
                    handle.write(json.dumps({"env": args.env, "seed": args.seed, **row}) + "\n")
            os.replace(partial, out)
    except KeyboardInterrupt:
        print("rigorgym: interrupted; nothing written", file=sys.stderr)
        return 130
    finally:  # Ctrl-C or an agent that fails to load: no file left behind
        if partial is not None:
            partial.unlink(missing_ok=True)
    if not args.json:
        limits = "".join(f", {LIMIT_FLAGS[name]} {getattr(budget, name)}" for name in budget.limits)
        print(
            f"{args.env} {_source_label(args)}: {len(rows)} instances, budget {budget.seconds:g}s per instance{limits}, "
            f"seed {args.seed}"
        )
        print(_compare_table(results))
        if out is not None:
            print(f"-> {out}")
    return EXIT_OK


# -- train ----------------------------------------------------------------------------


def _key_values(items: list[str]) -> dict[str, Any]:
    """``--set KEY=VALUE`` pairs; VALUE is read as JSON when it parses (numbers, lists, null), else a string."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise BadInput(f"--set takes KEY=VALUE, got {item!r}")
        try:
            out[key.replace("-", "_")] = json.loads(value)
        except ValueError:
            out[key.replace("-", "_")] = value
    return out


def _train_options(args: argparse.Namespace) -> dict[str, Any]:
    """The algorithm options the user gave (unset flags are left to the algorithm's defaults)."""
    options: dict[str, Any] = {}
    for flag in ("conv", "depth", "width", "n_envs", "workers", "checkpoint_every", "wandb_project", "threads"):
        value = getattr(args, flag)
        if value is not None:
            options[flag] = value
    if args.hidden is not None:
        try:
            options["hidden"] = tuple(int(h) for h in args.hidden.split(","))
        except ValueError:
            raise BadInput(f"--hidden takes sizes like 256,256, got {args.hidden!r}") from None
    if args.env_kwargs is not None:
        try:
            env_kwargs = json.loads(args.env_kwargs)
        except ValueError as exc:
            raise BadInput(f"--env-kwargs must be a JSON object ({exc})") from None
        if not isinstance(env_kwargs, dict):
            raise BadInput("--env-kwargs must be a JSON object, e.g. '{\"max_episode_steps\": 50}'")
        options["env_kwargs"] = env_kwargs
    if args.no_progress:
        options["progress"] = False
    options.update(_key_values(args.set))
    return options


SB3_PATH_ALGOS = ("ppo", "dqn", "trpo", "maskable_ppo", "a3c")
RLLIB_PATH_ALGOS = ("ppo", "appo", "impala", "dqn")  # saved.RLLIB_ALGOS, without importing it for the parser


def _fits(value: Any, hint: Any) -> bool:
    """Whether a ``--set`` value (parsed as JSON) has the type of an ``Args`` field (unknown hints pass)."""
    import types
    import typing

    origin, parts = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, part) for part in parts)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint in (str, Path):
        return isinstance(value, str)
    if origin in (tuple, list):
        item = parts[0] if parts else Any
        return isinstance(value, list | tuple) and all(_fits(x, item) for x in value)
    if origin is dict or hint is dict:
        return isinstance(value, dict)
    if origin is typing.Literal:
        return value in parts
    return True


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def _check_option_types(args_class: type, options: dict[str, Any], algo: str) -> None:
    """Refuse an option whose value has the wrong type for the algorithm's typed ``Args`` (before any folder)."""
    import dataclasses
    import typing

    hints = typing.get_type_hints(args_class)
    names = {f.name for f in dataclasses.fields(args_class)}
    for key, value in options.items():
        if key in names and not _fits(value, hints[key]):
            raise BadInput(f"{key}={json.dumps(value)}: {algo} takes {_type_name(hints[key])} for {key}")


def _run_training(args: argparse.Namespace, trainer: Any) -> int:
    """Run ``trainer()`` (it returns the agent folder), then print the card's summary and the folder."""
    from rigorgym.agents.algos.saved import AgentCard

    try:
        out = trainer()
    except ValueError as exc:  # found only once running (e.g. the Ray cluster went away after the check)
        raise BadInput(str(exc)) from None
    except KeyboardInterrupt:
        print(f"rigorgym: interrupted; continue with --resume {args.out}/checkpoints/<latest>", file=sys.stderr)
        return 130
    card = AgentCard.read(out)
    metrics = ", ".join(f"{k} {v:.3g}" for k, v in sorted(card.metrics.items()))
    print(f"trained {card.algo}/{card.policy} on {card.env_id}: {card.steps} steps in {card.wall_s:.1f}s ({metrics})")
    print(out)
    return EXIT_OK


def _train_rllib(args: argparse.Namespace, options: dict[str, Any]) -> int:
    """``--backend rllib``: PPO, APPO, IMPALA or DQN on RLlib, locally or on the cluster at ``--address``."""
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        raise BadInput("--backend rllib needs Ray: pip install 'rigorgym[rllib]'")
    from rigorgym.agents.algos.saved import RLLIB_ALGOS

    if args.algo not in RLLIB_ALGOS:
        raise BadInput(f"--algo {args.algo} is not on RLlib's new API stack; choose one of {', '.join(RLLIB_ALGOS)}")
    from rigorgym.agents import rllib

    if args.num_env_runners is not None:
        options["num_env_runners"] = args.num_env_runners
    if args.resume is not None:
        options["resume"] = args.resume
    from rigorgym.agents.rllib.train import Args as RLlibArgs

    _check_option_types(RLlibArgs, options, f"rllib {args.algo}")  # n_envs (renamed there) is typed by argparse
    try:
        checked = rllib.make_args(
            args.env, args.algo, args.policy, args.steps, args.seed, args.out, args.address, **options
        )
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    from rigorgym.agents.rllib.train import train as train_rllib

    return _run_training(args, lambda: train_rllib(checked))


#: ``train --algo guided-value``: the value net of the ``guided`` UnKnot agent (not an RL algorithm).
VALUE_ALGO = "guided-value"
#: The flags of the RL algorithms, none of which means anything to guided-value: (flag, argparse dest).
_RL_FLAGS = (
    ("--policy", "policy"),
    ("--steps", "steps"),
    ("--conv", "conv"),
    ("--depth", "depth"),
    ("--width", "width"),
    ("--hidden", "hidden"),
    ("--n-envs", "n_envs"),
    ("--workers", "workers"),
    ("--checkpoint-every", "checkpoint_every"),
    ("--resume", "resume"),
    ("--wandb-project", "wandb_project"),
    ("--env-kwargs", "env_kwargs"),
    ("--threads", "threads"),
    ("--address", "address"),
    ("--num-env-runners", "num_env_runners"),
    ("--num-envs", "num_envs"),
    ("--device", "device"),
)
#: Parameters of ``train_value_net`` that are not ``--set`` options (given by --out and --seed, or internal).
_VALUE_FIXED = ("out", "seed", "command", "on_record")


def _checked_sets(items: list[str], algo: str, names: list[str], hints: dict[str, Any]) -> dict[str, Any]:
    """``--set KEY=VALUE`` for a trainer that is not an RL algorithm: known keys, values of the hinted types."""
    options = _key_values(items)
    for key, value in options.items():
        if key not in names:
            hint = " (the seed is --seed)" if key == "seed" else ""
            raise BadInput(f"{algo} has no option {key!r}{hint}; its options: {', '.join(names)}")
        if not _fits(value, hints[key]):
            raise BadInput(f"{key}={json.dumps(value)}: {algo} takes {_type_name(hints[key])} for {key}")
    return options


def _refuse_rl_flags(args: argparse.Namespace, algo: str, why: str) -> None:
    """An UnKnot env, no other backend and none of the RL flags, for a trainer that is not an RL algorithm."""
    _check_unknot_env(args.env, f"--algo {algo}")
    if args.backend != "sb3":
        raise BadInput(f"--backend {args.backend} does not apply to --algo {algo} ({why})")
    for flag, dest in _RL_FLAGS:
        if getattr(args, dest) is not None:
            raise BadInput(
                f"{flag} does not apply to --algo {algo} (it takes --out, --seed, --no-progress and --set KEY=VALUE)"
            )


def _new_out_folder(out: Path) -> Path:
    """``--out`` as a folder that does not exist yet or is empty (nothing is overwritten)."""
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        raise BadInput(f"--out {out} exists and is not empty; choose a new folder")
    return out


def _value_options(items: list[str]) -> dict[str, Any]:
    """``--set`` for guided-value: keys and types of ``train_value_net``'s parameters, then their ranges."""
    import inspect
    import typing

    from rigorgym.agents.protocols.unknot_training import train_value_net

    params = inspect.signature(train_value_net).parameters
    names = [name for name in params if name not in _VALUE_FIXED]
    options = _checked_sets(items, VALUE_ALGO, names, typing.get_type_hints(train_value_net))
    full = {name: options.get(name, params[name].default) for name in names}
    for key in ("diagrams", "per_size", "rounds"):
        if full[key] < 0:
            raise BadInput(f"{key} must be >= 0, got {full[key]}")
    for key in ("epochs", "max_expansions"):
        if full[key] < 1:
            raise BadInput(f"{key} must be >= 1, got {full[key]}")
    if not (math.isfinite(full["budget_s"]) and full["budget_s"] > 0):
        raise BadInput(f"budget_s must be a finite number of seconds > 0, got {full['budget_s']}")
    if full["diagrams"] + full["per_size"] < 1:
        raise BadInput("diagrams=0 and per_size=0 leave no training instances; set one of them >= 1")
    return options


def _train_guided_value(args: argparse.Namespace) -> int:
    """``--algo guided-value``: train_value_net into a new folder, which ``--agent DIR`` then plays as ``guided``.

    Why not an RL algorithm's path: it learns from the search's own solved
    paths, so the RL flags are refused rather than ignored.
    """
    _refuse_rl_flags(args, VALUE_ALGO, "it trains from its own search")
    options = _value_options(args.set)
    out = _new_out_folder(Path(args.out))
    from rigorgym.agents.protocols.unknot_training import train_value_net

    def on_record(record: dict[str, Any]) -> None:  # progress: JSON lines on stderr, stdout keeps the summary
        if not args.no_progress:
            print(json.dumps(record), file=sys.stderr, flush=True)

    command = " ".join(
        ["rigorgym train", args.env, "--algo", VALUE_ALGO, "--seed", str(args.seed), "--out", str(out)]
        + [f"--set {item}" for item in args.set]
    )
    try:
        card = train_value_net(out, seed=args.seed, command=command, on_record=on_record, **options)
    except KeyboardInterrupt:
        print("rigorgym: interrupted; nothing written (the net is written at the end)", file=sys.stderr)
        return 130
    last, fit = card["rounds"][-1], card["fit"]
    if not last["choices"]:
        print(
            "rigorgym: warning: no solved path had a choice to learn from, so the net is untrained; "
            "give more --set diagrams / budget_s",
            file=sys.stderr,
        )
    print(
        f"trained {VALUE_ALGO} on {args.env}: {card['training_set']['instances']} instances, "
        f"{last['solved']} solved in round {last['round']}, held-out top-1 {fit.get('heldout_top1')} "
        f"(hand {fit.get('heldout_top1_hand')}) in {card['train_seconds']:.1f}s"
    )
    print(out)
    return EXIT_OK


#: ``train --algo macro-trpo``: TRPO on the macro policy of UnKnot (``rigorgym.agents.algos.macro_trpo``).
MACRO_TRPO = "macro-trpo"


def _macro_trpo_args(items: list[str], seed: int) -> Any:
    """``--set`` for macro-trpo: the fields of ``macro_trpo.Args`` (the seed is --seed), checked by type and range."""
    import dataclasses
    import typing

    from rigorgym.agents.algos import macro_trpo

    names = [f.name for f in dataclasses.fields(macro_trpo.Args) if f.name != "seed"]
    options = _checked_sets(items, MACRO_TRPO, names, typing.get_type_hints(macro_trpo.Args))
    try:
        return macro_trpo.Args(seed=seed, **options)
    except ValueError as exc:
        raise BadInput(f"{MACRO_TRPO}: {exc}") from None


def _train_macro_trpo(args: argparse.Namespace) -> int:
    """``--algo macro-trpo``: TRPO on the macro policy into a value folder (``evaluate --attempts`` plays it).

    Why not the vec backend's path: the policy acts on guided's macro moves, not on the env's actions,
    so the RL flags (``--policy``, ``--steps``, ``--num-envs`` ...) are refused rather than ignored.
    """
    _refuse_rl_flags(args, MACRO_TRPO, "it plays its own episodes")
    options = _macro_trpo_args(args.set, args.seed)
    out = _new_out_folder(Path(args.out))
    from rigorgym.agents.algos import macro_trpo

    def on_scalar(name: str, value: float, step: int) -> None:  # progress: JSON lines on stderr
        if not args.no_progress and name.startswith("charts/"):
            print(
                json.dumps({"metric": name, "value": round(value, 4), "iteration": step}), file=sys.stderr, flush=True
            )

    command = " ".join(
        ["rigorgym train", args.env, "--algo", MACRO_TRPO, "--seed", str(args.seed), "--out", str(out)]
        + [f"--set {item}" for item in args.set]
    )
    try:
        card = macro_trpo.train(options, out, on_scalar, command=command)
    except KeyboardInterrupt:
        print("rigorgym: interrupted; nothing written (the policy is written at the end)", file=sys.stderr)
        return 130
    print(
        f"trained {MACRO_TRPO} on {args.env}: {options.iterations} iterations, held-out solved "
        f"{card['heldout_solved']['all']:.1%} (iteration {card['chosen_iteration']}) in {card['train_seconds']:.1f}s"
    )
    print(out)
    return EXIT_OK


# -- train --backend vec --------------------------------------------------------------

#: the batched trainers on the vector envs: ``--algo X`` runs ``rigorgym.agents.algos.vec_X``
VEC_BACKEND_ALGOS = ("ppo", "a2c", "trpo", "dqn", "bc")
#: flags of the other backends, refused by --backend vec rather than ignored: (flag, argparse dest, hint)
_NOT_VEC_FLAGS = (
    ("--n-envs", "n_envs", "use --num-envs"),
    ("--workers", "workers", "that is A3C's"),
    ("--wandb-project", "wandb_project", "the vec trainers log to TensorBoard only"),
    ("--address", "address", "that is a Ray cluster, for --backend rllib"),
    ("--num-env-runners", "num_env_runners", "that is RLlib's"),
    ("--checkpoint-every", "checkpoint_every", "use --set checkpoint_every=N (in updates there)"),
)
#: ``Args`` fields a flag sets: ``--set`` of one of them names the flag instead
_VEC_FLAG_FIELDS = {
    "env_id": "ENV",
    "policy": "--policy",
    "steps": "--steps",
    "seed": "--seed",
    "out": "--out",
    "resume": "--resume",
    "num_envs": "--num-envs",
    "device": "--device",
    "threads": "--threads",
    "env_kwargs": "--env-kwargs",
}


def _vec_module(algo: str) -> Any:
    """``rigorgym.agents.algos.vec_<algo>``, imported only now (torch); a trainer not written yet is a user error."""
    import importlib
    import importlib.util

    if algo not in VEC_BACKEND_ALGOS:
        raise BadInput(f"--algo {algo} has no batched trainer; --backend vec has {', '.join(VEC_BACKEND_ALGOS)}")
    name = f"rigorgym.agents.algos.vec_{algo}"
    if importlib.util.find_spec(name) is None:
        raise BadInput(f"--algo {algo} is not available for --backend vec yet (no {name})")
    return importlib.import_module(name)


def _vec_value(value: Any, hint: Any) -> Any:
    """A ``--set`` value (already type-checked) in its field's type: lists to tuples, strings to paths, ints to floats."""
    import types
    import typing

    origin, parts = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        fitting = [part for part in parts if part is not type(None) and _fits(value, part)]
        return value if value is None or not fitting else _vec_value(value, fitting[0])
    if (hint is tuple or origin is tuple) and isinstance(value, list):
        return tuple(value)
    if hint is Path and isinstance(value, str):
        return Path(value)
    if hint is float and isinstance(value, int):
        return float(value)
    return value


def _vec_env_check(env: str, env_kwargs: dict[str, Any]) -> None:
    """Refuse an env without a batched vector env, or kwargs it does not take, before any folder is made."""
    import gymnasium as gym

    if env not in _registered_envs():
        raise BadInput(f"unknown env {env!r} (see `rigorgym list envs`)")
    if gym.spec(env).vector_entry_point is None:
        raise BadInput(f"{env} has no batched vector env, so --backend vec cannot train on it (use sb3 or rllib)")
    try:
        gym.make_vec(env, num_envs=1, vectorization_mode="vector_entry_point", **env_kwargs).close()
    except (TypeError, ValueError, gym.error.Error) as exc:
        raise BadInput(f"--env-kwargs for {env}: {exc}") from None


def _vec_args(args: argparse.Namespace, module: Any) -> Any:
    """The trainer's typed ``Args`` from the flags and ``--set``, checked by its ``validate`` (nothing written yet)."""
    import dataclasses
    import typing

    for flag, dest, hint in _NOT_VEC_FLAGS:
        if getattr(args, dest) is not None:
            raise BadInput(f"{flag} does not apply to --backend vec ({hint})")
    if args.num_envs is not None and args.num_envs < 1:
        raise BadInput(f"--num-envs must be >= 1, got {args.num_envs}")
    if args.steps < 1:
        raise BadInput(f"--steps must be >= 1, got {args.steps}")
    algo = f"vec_{args.algo}"
    hints = typing.get_type_hints(module.Args)
    names = [f.name for f in dataclasses.fields(module.Args)]
    values: dict[str, Any] = {"env_id": args.env, "policy": args.policy, "steps": args.steps, "seed": args.seed}
    values["out"] = Path(args.out)
    for dest in ("num_envs", "device", "threads", "width", "depth", "conv"):
        if getattr(args, dest) is not None:
            values[dest] = getattr(args, dest)
    if args.resume is not None:
        values["resume"] = Path(args.resume)
    options = _train_options(argparse.Namespace(**{**vars(args), "checkpoint_every": None, "no_progress": False}))
    for key in ("conv", "depth", "width", "n_envs", "workers", "wandb_project", "threads"):
        options.pop(key, None)  # flags (or refused above), not --set options
    env_kwargs = options.pop("env_kwargs", {})
    if isinstance(options.get("hidden"), tuple):
        options["hidden"] = list(options["hidden"])  # from --hidden: typed below like --set hidden=[...]
    for key in options:
        if key in _VEC_FLAG_FIELDS:
            raise BadInput(f"--set {key}: give it as {_VEC_FLAG_FIELDS[key]}")
        if key not in names:
            own = ", ".join(n for n in names if n not in _VEC_FLAG_FIELDS)
            raise BadInput(f"{algo} has no option {key!r}; its options: {own}")
    _check_option_types(module.Args, options, algo)
    for key in ("width", "depth"):
        if key in values and key not in names:
            raise BadInput(f"--{key} does not apply to {algo} (it has no {key} option)")
    values.update({key: _vec_value(value, hints[key]) for key, value in options.items()})
    if "env_kwargs" in names:
        values["env_kwargs"] = env_kwargs
    elif env_kwargs:
        raise BadInput(f"--env-kwargs does not apply to {algo}")
    values = {k: v for k, v in values.items() if k in names}
    try:
        checked = module.Args(**values)
        module.validate(checked)
    except (TypeError, ValueError) as exc:
        raise BadInput(f"{algo}: {exc}") from None
    _vec_env_check(args.env, dict(env_kwargs))
    return checked


class _VecProgress:
    """One line on stderr per trainer update (at most one each ``every_s`` seconds), from its TensorBoard scalars.

    Why from the scalars: the vec trainers' records are what they write to
    TensorBoard; no progress hook is needed in each trainer.
    """

    SHOWN = ("charts/SPS", "charts/solved_rate", "charts/episodic_return", "charts/episodic_length")

    def __init__(self, total: int, every_s: float = 2.0) -> None:
        import time

        self.total, self.every_s, self.clock = total, every_s, time.monotonic
        self.start = self.last = self.clock()
        self.step: int | None = None
        self.values: dict[str, float] = {}

    def scalar(self, tag: str, value: float, step: int | None) -> None:
        if step is not None and step != self.step:
            self.emit(final=False)
            self.step, self.values = int(step), {}
        self.values[tag] = value

    def emit(self, final: bool) -> None:
        now = self.clock()
        if self.step is None or (not final and now - self.last < self.every_s):
            return
        self.last = now
        done = min(100.0, 100 * self.step / max(self.total, 1))  # whole rollouts: the last may pass --steps
        parts = [f"step {self.step:,}/{self.total:,} ({done:.0f}%)"]
        for tag in self.SHOWN:
            if tag in self.values:
                value = self.values[tag]
                parts.append(
                    f"{tag.split('/')[-1]} {value:,.0f}" if tag == "charts/SPS" else f"{tag.split('/')[-1]} {value:.3g}"
                )
        parts.append(f"{now - self.start:.0f}s")
        print("  ".join(parts), file=sys.stderr, flush=True)


def _vec_train(module: Any, checked: Any, progress: _VecProgress | None) -> Path:
    """Run ``module.train``; with ``progress``, its scalars reach the progress lines as they are logged."""
    if progress is None:
        return Path(module.train(checked))
    try:
        return Path(module.train(checked, on_scalar=progress.scalar))
    finally:
        progress.emit(final=True)


def _train_vec(args: argparse.Namespace) -> int:
    """``--backend vec``: a batched trainer (vec_ppo, vec_a2c, vec_trpo, vec_dqn) on the env's vector env."""
    module = _vec_module(args.algo)
    checked = _vec_args(args, module)
    progress = None if args.no_progress else _VecProgress(int(args.steps))
    try:
        out = _vec_train(module, checked, progress)
    except ValueError as exc:  # found only once running (e.g. an observation the networks cannot read)
        raise BadInput(f"vec_{args.algo}: {exc}") from None
    except KeyboardInterrupt:
        print(f"rigorgym: interrupted; continue with --resume {args.out}/checkpoints/<latest>", file=sys.stderr)
        return 130
    from rigorgym.agents.algos.saved import AgentCard

    card = AgentCard.read(out)
    metrics = dict(card.metrics)
    sps = metrics.pop("SPS", card.steps / card.wall_s if card.wall_s > 0 else 0.0)
    rest = ", ".join(f"{k} {v:.3g}" for k, v in sorted(metrics.items()) if k != "wall_s")
    print(
        f"trained {card.algo}/{card.policy} on {card.env_id}: {card.steps:,} steps in {card.wall_s:.1f}s, "
        f"{sps:,.0f} steps/s ({rest})"
    )
    print(out)
    return EXIT_OK


def cmd_train(args: argparse.Namespace) -> int:
    _check_seed(args.seed)
    if args.algo == VALUE_ALGO:
        return _train_guided_value(args)
    if args.algo == MACRO_TRPO:
        return _train_macro_trpo(args)
    missing = [flag for flag, value in (("--policy", args.policy), ("--steps", args.steps)) if value is None]
    if missing:
        raise BadInput(f"--algo {args.algo} needs {' and '.join(missing)}")
    if args.threads is not None and args.threads < 0:
        raise BadInput(f"--threads must be >= 0 (0: rigorgym's default, see docs/performance.md), got {args.threads}")
    if args.backend == "vec":
        return _train_vec(args)
    for flag, value in (("--num-envs", args.num_envs), ("--device", args.device)):
        if value is not None:
            hint = "use --n-envs" if flag == "--num-envs" else "sb3: --set device=cuda"
            raise BadInput(f"{flag} is for --backend vec (the batched trainers; {hint})")
    options = _train_options(args)
    if args.backend == "rllib":
        return _train_rllib(args, options)
    if args.algo not in SB3_PATH_ALGOS:
        other = "vec" if args.algo not in RLLIB_PATH_ALGOS else "rllib"
        raise BadInput(f"--algo {args.algo} needs --backend {other} (the sb3 path has {', '.join(SB3_PATH_ALGOS)})")
    if args.num_env_runners is not None:
        raise BadInput("--num-env-runners is for --backend rllib")
    if args.address is not None:
        raise BadInput("--address is for --backend rllib (a Ray cluster)")
    if args.steps < 1:
        raise BadInput(f"--steps must be >= 1, got {args.steps}")
    from rigorgym.agents.train import algo_module, make_args, run

    # A3C's workers use one torch thread each; --threads sets the main process's (its Args has no field for it)
    threads = options.pop("threads", None) if args.algo == "a3c" else None
    try:
        _check_option_types(algo_module(args.algo).Args, options, args.algo)
        checked = make_args(args.env, args.algo, args.policy, args.steps, args.seed, args.out, args.resume, **options)
    except ValueError as exc:
        raise BadInput(str(exc)) from None

    def trainer() -> Path:
        from rigorgym.agents.algos.common import torch_threads

        with torch_threads(threads or 0):
            return run(args.algo, checked, options.get("wandb_project"))

    return _run_training(args, trainer)


# -- bench ----------------------------------------------------------------------------


def _bench_dir() -> Path:
    here = Path(__file__).resolve().parents[1] / "benchmarks"
    override = os.environ.get("RIGORGYM_BENCHMARKS")
    return Path(override) if override else here


def _summary(script: Path) -> str:
    """The first line of a script's docstring, read without running it."""
    import ast

    try:
        doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8")))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return ""
    return doc.strip().splitlines()[0] if doc and doc.strip() else ""


def cmd_bench(args: argparse.Namespace) -> int:
    folder = _bench_dir()
    if not folder.is_dir():
        raise BadInput(f"no benchmarks folder at {folder} (run from a source checkout or set RIGORGYM_BENCHMARKS)")
    available = sorted(p.stem for p in folder.glob("*.py") if not p.name.startswith("_"))
    if not args.name:
        width = max(map(len, available), default=0)
        for name in available:
            print(f"{name:<{width}}  {_summary(folder / f'{name}.py')}".rstrip())
        return EXIT_OK
    if args.name not in available:
        raise BadInput(f"unknown benchmark {args.name!r}; known: {', '.join(available)}")
    return subprocess.call([sys.executable, str(folder / f"{args.name}.py"), *args.rest])


# -- parser ---------------------------------------------------------------------------


def _add_budget_arguments(p: argparse.ArgumentParser) -> None:
    """``--budget-s``, ``--max-steps``, ``--max-expansions``, ``--seed`` (solve and evaluate)."""
    p.add_argument(
        "--budget-s", type=float, default=5.0, help="wall-clock seconds per instance (default 5; finite, > 0)"
    )
    p.add_argument(
        "--max-steps",
        type=int,
        metavar="N",
        help="also stop an instance after N env steps / moves tried (random, normal-form, bo-walker, trained agents)",
    )
    p.add_argument(
        "--max-expansions",
        type=int,
        metavar="N",
        help="also stop an instance after N search node expansions (greedy, guided, best-first)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the first instance, +1 for each next (default 0)")


def build_parser() -> argparse.ArgumentParser:
    from rigorgym import __version__

    parser = _Parser(
        prog="rigorgym",
        description="Games whose won episodes are proofs in low-dimensional topology.",
        epilog="example: rigorgym solve UnKnot-v0 --suite unknot-random-L20 --agent greedy --out certs.jsonl",
    )
    parser.add_argument("--version", action="version", version=f"rigorgym {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("list", help="what is registered", epilog="example: rigorgym list suites")
    p.add_argument("what", nargs="?", choices=["envs", "agents", "suites"])
    p.set_defaults(run=cmd_list)

    p = sub.add_parser(
        "verify",
        help="check certificates with the kernel",
        epilog="example: rigorgym verify certs.jsonl --json   (exit 0 all valid, 1 any invalid, 2 malformed input)",
    )
    p.add_argument(
        "files", nargs="+", metavar="FILE", help="certificate files (one JSON object or JSON lines); - for stdin"
    )
    p.add_argument("--json", action="store_true", help="one JSON verdict per line")
    p.add_argument("--max-bytes", type=int, default=64 * 1024 * 1024, help="refuse larger files (default 64 MiB)")
    _add_backend_arguments(p, "the certificates")
    p.add_argument("--time-limit-s", type=float, metavar="T", help="--backend ray: per certificate (default 60)")
    p.set_defaults(run=cmd_verify)

    p = sub.add_parser(
        "solve",
        help="run an agent on instances and write verified certificates",
        epilog="examples: rigorgym solve UnKnot-v0 --suite unknot-random-L20 --agent greedy --limit 10 --out certs.jsonl\n"
        "          rigorgym solve UnKnot-v0 --pd '[[1,1,2,2]]' --agent greedy --budget-s 2 --out kink.jsonl\n"
        "          rigorgym solve Kirby-Plumbing-v0 --suite plumbing-small-6 --agent normal-form --out plumbing.jsonl\n"
        "          rigorgym solve UnKnot-v0 --suite unknot-random-L20 --agent greedy --max-expansions 2000 \\\n"
        "              --budget-s 60 --out greedy.jsonl    (a deterministic budget: every run gives the same result)\n"
        "          rigorgym solve UnKnot-v0 --suite unknot-random-L20 --agent runs/ppo --out ppo.jsonl",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("env", metavar="ENV")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--suite", help="a shipped suite (rigorgym list suites)")
    source.add_argument("--instances", metavar="FILE", help="JSON lines, one instance object each")
    source.add_argument("--knot", metavar="NAME", help="a knot name SnapPy knows, e.g. 4_1")
    source.add_argument("--pd", metavar="PD", help="a PD code as JSON")
    p.add_argument(
        "--agent",
        required=True,
        help="a registered agent (rigorgym list agents), pretrained (the best shipped one), or a folder of rigorgym train",
    )
    _add_budget_arguments(p)
    p.add_argument("--limit", type=int, default=None, help="only the first N instances (N >= 1)")
    p.add_argument("--out", required=True, metavar="CERTS.jsonl")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.add_argument(
        "--resume", action="store_true",
        help="go on with an interrupted run of the same command (CERTS.jsonl.progress): skip the instances it did",
    )  # fmt: skip
    _add_backend_arguments(p, "the instances")
    p.set_defaults(run=cmd_solve)

    p = sub.add_parser(
        "train",
        help="train an agent (PPO, DQN, TRPO, MaskablePPO, A3C; MLP or GNN policy; or guided's value net) into a new folder",
        epilog="examples: rigorgym train UnKnot-v0 --algo ppo --policy mlp --steps 100000 --seed 1 --out runs/ppo\n"
        "          rigorgym train Kirby-Plumbing-v0 --algo maskable_ppo --policy gnn --conv gin --depth 3 --width 64 \\\n"
        "              --steps 200000 --checkpoint-every 20000 --out runs/plumbing\n"
        "          rigorgym train UnKnot-v0 --algo ppo --policy mlp --steps 200000 --out runs/ppo \\\n"
        "              --resume runs/ppo/checkpoints/model_100000_steps.zip\n"
        "          rigorgym train UnKnot-v0 --backend rllib --algo appo --policy mlp --steps 100000 \\\n"
        "              --num-env-runners 2 --address auto --out runs/appo     (on a Ray cluster)\n"
        "          rigorgym train UnKnot-Easy-v0 --backend vec --algo ppo --policy mlp --num-envs 256 --steps 100000 \\\n"
        '              --env-kwargs \'{"max_length": 32, "max_strands": 4}\' --out runs/vec_ppo     (batched, torch)\n'
        "          rigorgym train UnKnot-v0 --algo guided-value --set diagrams=40 --set rounds=1 --out runs/value\n"
        "              (the value net of guided; then: rigorgym solve UnKnot-v0 ... --agent runs/value)\n"
        "The last line printed is the agent folder; TensorBoard: tensorboard --logdir runs/ppo/tb",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("env", metavar="ENV")
    p.add_argument(
        "--algo",
        required=True,
        choices=["ppo", "dqn", "trpo", "maskable_ppo", "a3c", "appo", "impala", "a2c", "bc", VALUE_ALGO, MACRO_TRPO],
        help="sb3 backend: ppo, dqn, trpo, maskable_ppo, a3c; rllib backend: ppo, appo, impala, dqn; "
        "vec backend: ppo, a2c, trpo, dqn, bc (imitation of the guided search, UnKnot); "
        f"{VALUE_ALGO}: the value net of the guided UnKnot agent (no --policy, --steps; options by --set); "
        f"{MACRO_TRPO}: TRPO on the UnKnot macro policy (options by --set)",
    )
    p.add_argument(
        "--policy",
        choices=["mlp", "gnn", "factored"],
        help="required by the RL algorithms (factored: --backend vec on UnKnot; gnn with --backend vec: Kirby-Plumbing)",
    )
    p.add_argument(
        "--steps", type=int, help="env steps in all (with --resume: the total to reach); required by the RL algorithms"
    )
    p.add_argument("--seed", type=int, default=1, help="default 1")
    p.add_argument("--out", required=True, metavar="DIR", help="a new (or empty) folder for the agent")
    p.add_argument(
        "--conv", choices=["gcn", "gin", "gat", "sage"], help="GNN layer (default gcn; sage with --backend vec)"
    )
    p.add_argument("--depth", type=int, help="GNN layers (default 3)")
    p.add_argument("--width", type=int, help="GNN width (default 64)")
    p.add_argument("--hidden", metavar="SIZES", help="MLP layer sizes, e.g. 256,256 (the default)")
    p.add_argument("--n-envs", type=int, help="envs stepped together (SB3 algorithms; default 1)")
    p.add_argument("--workers", type=int, help="A3C worker processes (default 2; 0: one in-process worker)")
    p.add_argument("--checkpoint-every", type=int, metavar="N", help="save a checkpoint every N env steps")
    p.add_argument("--resume", metavar="CKPT", help="continue from a checkpoint (or an agent folder)")
    p.add_argument("--wandb-project", metavar="P", help="also log to W&B (offline unless logged in)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--env-kwargs", metavar="JSON", help="extra gym.make kwargs, e.g. '{\"max_episode_steps\": 50}'")
    p.add_argument(
        "--threads",
        type=int,
        help="torch threads while training (default: RIGORGYM_THREADS, else 1; docs/performance.md; A3C: its main process, workers use 1)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any hyper-parameter of the algorithm's Args, e.g. --set learning_rate=1e-3 (repeatable)",
    )
    p.add_argument(
        "--backend",
        choices=["sb3", "rllib", "vec"],
        default="sb3",
        help="training engine (default sb3; vec: the batched trainers on the vector envs, docs/training.md)",
    )
    p.add_argument("--num-envs", type=int, metavar="N", help="--backend vec: envs stepped at once (default 256)")
    p.add_argument("--device", choices=["cpu", "cuda"], help="--backend vec: where the network runs (default cpu)")
    p.add_argument("--address", metavar="ADDR", help="Ray cluster to train on: auto or HOST:PORT (--backend rllib)")
    p.add_argument("--num-env-runners", type=int, metavar="K", help="RLlib env runner actors (default 0: the driver)")
    p.set_defaults(run=cmd_train)

    p = sub.add_parser(
        "evaluate",
        help="solved fraction, moves and time of an agent on a suite (certificates verified)",
        epilog="examples: rigorgym evaluate UnKnot-v0 --agent runs/ppo --suite unknot-random-L20 --limit 20\n"
        "          rigorgym evaluate Kirby-Plumbing-v0 --agent pretrained --suite plumbing-small-6 --json\n"
        "          rigorgym evaluate Kirby-Plumbing-v0 --agent plumbing-ppo-gnn --suite plumbing-ri-putrov-10 --restarts 64\n"
        "          rigorgym evaluate Kirby-Plumbing-v0 --agent pretrained --suite plumbing-ri-putrov-paper --protocol ri-putrov\n"
        "              (Ri–Putrov's published protocol: both graphs move each step, one sampled episode, 500 steps)\n"
        "          rigorgym evaluate UnKnot-v0 --agent pretrained --suite unknot-random-L20 --attempts 1 --deterministic\n"
        "              (the papers' protocol: the policy alone, one greedy episode per instance)\n"
        "          rigorgym evaluate UnKnot-v0 --agent runs/ppo --instances mine.jsonl --attempts 8 --max-steps 100\n"
        "          rigorgym evaluate UnKnot-v0 --suite unknot-random-L20 --compare guided,greedy,random --limit 20 \\\n"
        "              --budget-s 2 --out compare.jsonl",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("env", metavar="ENV")
    p.add_argument("--agent", help="a registered agent, pretrained, or a folder of rigorgym train")
    p.add_argument(
        "--compare",
        metavar="A,B,...",
        help="UnKnot: several agents (each as --agent takes it) on the same instances, seeds and budget; a table",
    )
    p.add_argument("--jobs", type=int, metavar="K", help="--compare: run the agents in K processes (default 1)")
    p.add_argument("--out", metavar="ROWS.jsonl", help="--compare: also write one JSON row per agent")
    p.add_argument("--force", action="store_true", help="--compare: overwrite --out if it exists")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--suite", help="a shipped suite (rigorgym list suites)")
    source.add_argument(
        "--instances",
        metavar="FILE",
        help="JSON lines, one instance object each (as solve --instances, a suite's rows)",
    )
    p.add_argument("--limit", type=int, default=None, help="only the first K instances (K >= 1)")
    _add_budget_arguments(p)
    p.set_defaults(budget_s=None)  # 5 s unless given; given with --attempts it is refused (no clock there)
    p.add_argument(
        "--restarts",
        type=int,
        metavar="K",
        help="Kirby-Plumbing: the Ri–Putrov protocol, up to K sampled episodes per pair (1: one greedy episode)",
    )
    p.add_argument(
        "--attempts",
        type=int,
        metavar="K",
        help="the papers' protocol: a trained policy alone, at most K episodes per instance (1: the papers'), "
        "no search or clock; each episode ends at --max-steps moves if given, else at the env's max_episode_steps",
    )
    p.add_argument(
        "--deterministic",
        action="store_true",
        help="--attempts: the first episode takes argmax actions (later ones are sampled); default: all sampled",
    )
    p.add_argument(
        "--protocol",
        choices=["ri-putrov"],
        help="Kirby-Plumbing: Ri–Putrov's published evaluation (both graphs move each step, one sampled episode, "
        "--max-steps steps, default 500; --deterministic: argmax), e.g. on --suite plumbing-ri-putrov-paper",
    )
    p.add_argument("--json", action="store_true", help="one JSON object (--compare: one per agent)")
    _add_backend_arguments(p, "the instances of --agent")
    p.set_defaults(run=cmd_evaluate, knot=None, pd=None)

    p = sub.add_parser(
        "bench",
        help="run a benchmark of benchmarks/ (JSON lines on stdout)",
        epilog="example: rigorgym bench unknot_throughput --quick",
    )
    p.add_argument("name", nargs="?", help="benchmark name; omit to list them")
    p.add_argument("rest", nargs=argparse.REMAINDER, help="arguments passed to the benchmark")
    p.set_defaults(run=cmd_bench)

    add_leaderboard_parser(sub)  # rigorgym leaderboard serve|submit|token (rigorgym.leaderboard.cli)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except BadInput as exc:
        _fail(str(exc))
    except ValueError as exc:
        from rigorgym.agents.algos.saved import BadAgentDir

        if isinstance(exc, BadAgentDir):  # e.g. a model file that does not load, found once the run starts
            _fail(str(exc))
        raise
    except BrokenPipeError:  # e.g. `rigorgym verify ... | head`
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
