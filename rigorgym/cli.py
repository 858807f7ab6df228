"""The ``rigorgym`` command (DESIGN.md §7).

Exit codes: 0 success, 1 a check failed (an invalid certificate), 2 bad
input (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

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
    if what in (None, "suites"):
        print("suites:")
        names = list_suites()
        width = max(map(len, names), default=0)
        for name in names:
            info = suite_info(name)
            print(f"  {name:<{width}}  {info['env']:<17} {info['size']:>5} instances  {info['hash'][:19]}")
    return EXIT_OK


# -- verify ---------------------------------------------------------------------------


def cmd_verify(args: argparse.Namespace) -> int:
    from rigorgym.verifiers import UnreadableInput, read_certificates, verify

    status = EXIT_OK
    total = valid = 0
    for path in args.files:
        try:
            entries = read_certificates(path, args.max_bytes)
        except UnreadableInput as exc:
            print(f"rigorgym: error: {exc}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        for entry in entries:
            verdict = verify(entry.certificate)
            total += 1
            valid += verdict.valid
            if verdict.malformed:
                status = EXIT_BAD_INPUT
            elif not verdict.valid and status == EXIT_OK:
                status = EXIT_FAILED
            if args.json:
                print(json.dumps({"where": entry.where, **verdict.to_json()}))
            else:
                mark = "VALID  " if verdict.valid else "INVALID"
                print(f"{mark} {entry.where}: {verdict.reason} ({verdict.moves_checked} moves checked)")
    if not args.json:
        print(f"{valid}/{total} certificates valid", file=sys.stderr)
    return status


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


def cmd_solve(args: argparse.Namespace) -> int:
    from rigorgym.agents.registry import AGENTS, agent_supports
    from rigorgym.agents.runner import run_agent

    if args.agent not in AGENTS:
        raise BadInput(f"unknown agent {args.agent!r}; known: {', '.join(AGENTS)}")
    if args.env not in _registered_envs():
        raise BadInput(f"unknown env {args.env!r} (see `rigorgym list envs`)")
    if not agent_supports(args.agent, args.env):
        raise BadInput(f"agent {args.agent} does not play {args.env}")
    if args.budget_s <= 0:
        raise BadInput("--budget-s must be positive")
    instances = _instances(args)
    out = Path(args.out)
    if not out.parent.is_dir():
        raise BadInput(f"output folder {out.parent} does not exist")
    # Certificates stream into a side file that replaces --out at the end (also on Ctrl-C).
    tmp = out.with_name(out.name + ".partial")
    moves: list[int] = []
    seconds: list[float] = []
    interrupted = False

    def dropped(message: str) -> None:
        print(f"rigorgym: warning: {message}", file=sys.stderr)

    with tmp.open("w", encoding="utf-8") as handle:
        try:
            for outcome in run_agent(args.env, instances, args.agent, args.budget_s, args.seed, None, dropped):
                seconds.append(outcome.result.seconds)
                if outcome.certificate is not None:
                    handle.write(json.dumps(outcome.certificate) + "\n")
                    handle.flush()
                    moves.append(len(outcome.certificate["moves"]))
        except KeyboardInterrupt:
            interrupted = True
    os.replace(tmp, out)
    median = statistics.median(moves) if moves else float("nan")
    mean_time = statistics.fmean(seconds) if seconds else 0.0
    print(f"solved {len(moves)}/{len(instances)}  median moves {median:g}  mean time {mean_time:.3f}s  -> {out}")
    return 130 if interrupted else EXIT_OK


def _registered_envs() -> list[str]:
    import gymnasium as gym

    return [k for k, spec in gym.registry.items() if str(spec.entry_point).startswith("rigorgym.")]


# -- bench ----------------------------------------------------------------------------


def _bench_dir() -> Path:
    here = Path(__file__).resolve().parents[1] / "benchmarks"
    override = os.environ.get("RIGORGYM_BENCHMARKS")
    return Path(override) if override else here


def cmd_bench(args: argparse.Namespace) -> int:
    folder = _bench_dir()
    if not folder.is_dir():
        raise BadInput(f"no benchmarks folder at {folder} (run from a source checkout or set RIGORGYM_BENCHMARKS)")
    available = sorted(p.stem for p in folder.glob("*.py") if not p.name.startswith("_"))
    if not args.name:
        print("\n".join(available))
        return EXIT_OK
    if args.name not in available:
        raise BadInput(f"unknown benchmark {args.name!r}; known: {', '.join(available)}")
    return subprocess.call([sys.executable, str(folder / f"{args.name}.py"), *args.rest])


# -- parser ---------------------------------------------------------------------------


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
    p.set_defaults(run=cmd_verify)

    p = sub.add_parser(
        "solve",
        help="run an agent on instances and write verified certificates",
        epilog="examples: rigorgym solve UnKnot-v0 --knot 4_1 --agent greedy --budget-s 2 --out certs.jsonl\n"
        "          rigorgym solve Kirby-Plumbing-v0 --suite plumbing-small-6 --agent normal-form --out certs.jsonl",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("env", metavar="ENV")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--suite", help="a shipped suite (rigorgym list suites)")
    source.add_argument("--instances", metavar="FILE", help="JSON lines, one instance object each")
    source.add_argument("--knot", metavar="NAME", help="a knot name SnapPy knows, e.g. 4_1")
    source.add_argument("--pd", metavar="PD", help="a PD code as JSON")
    p.add_argument("--agent", required=True, help="a registered agent (rigorgym list agents)")
    p.add_argument("--budget-s", type=float, default=5.0, help="wall-clock seconds per instance (default 5)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="only the first N instances")
    p.add_argument("--out", required=True, metavar="CERTS.jsonl")
    p.set_defaults(run=cmd_solve)

    p = sub.add_parser(
        "bench",
        help="run a benchmark of benchmarks/ (JSON lines on stdout)",
        epilog="example: rigorgym bench unknot_throughput --quick",
    )
    p.add_argument("name", nargs="?", help="benchmark name; omit to list them")
    p.add_argument("rest", nargs=argparse.REMAINDER, help="arguments passed to the benchmark")
    p.set_defaults(run=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except BadInput as exc:
        _fail(str(exc))
    except BrokenPipeError:  # e.g. `rigorgym verify ... | head`
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
