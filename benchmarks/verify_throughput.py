"""Kernel verification throughput and time to verdict on hostile input, printed as JSON lines.

1. Certificates of shipped suites solved by the ``greedy`` agent (UnKnot-v0;
   ``ac-greedy`` on AndrewsCurtis-v0 suites) through the
   same runner as ``rigorgym solve``, or of a certificate file given with
   ``--certs``: certificates/s and moves/s of ``rigorgym.verifiers.verify`` on
   parsed objects, of parse + verify from JSON-lines text, and the wall time
   of the ``rigorgym verify`` command (a fresh interpreter) on the same file.
2. Hostile certificates: how fast the kernel reaches a verdict, and which one.
   A certificate with 1,000,000 ``stabilize`` moves must be refused quickly by
   the size limits; the line ``hostile/moves-x-length`` sends ``max_moves``
   ``commute`` moves on a word of the maximal length (each move copies the
   word), which the total-work limit must stop within seconds. AndrewsCurtis-v0: a relator of 10^6 letters,
   a move on relator 7, a third generator.

Usage::

    python benchmarks/verify_throughput.py            # full run
    python benchmarks/verify_throughput.py --quick    # about 20 seconds
    python benchmarks/verify_throughput.py --certs certs.jsonl
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import emit, machine, rounded, timed, until
from rigorgym.agents.runner import run_agent
from rigorgym.envs.games import game_of
from rigorgym.envs.suites import list_suites, load_suite
from rigorgym.verifiers import DEFAULT_LIMITS, FORMAT, UnreadableInput, read_certificates, verify

TARGET_VERIFY_MOVES = {"UnKnot-v0": 200_000, "AndrewsCurtis-v0": 500_000}  # kernel moves/s (#21: AC >= 500k)
TARGET_REFUSAL_S = 1.0  # seconds to refuse the 1,000,000-stabilize certificate (verify on the parsed object)
DEFAULT_SUITES = ("unknot-random-L40", "unknot-random-L100", "unknot-words-n3-L40", "ac-miller-schupp")
#: the agent whose certificates are timed, per env
SOLVERS = {"UnKnot-v0": "greedy", "AndrewsCurtis-v0": "ac-greedy"}


def certificate(instance: dict[str, Any], moves: list[Any]) -> dict[str, Any]:
    return {"format": FORMAT, "env": "UnKnot-v0", "claim": "unknot", "instance": {"braid": instance}, "moves": moves}


# -- 1. throughput on real certificates --------------------------------------------------


def greedy_certificates(suite: str, limit: int | None, budget_s: float) -> list[dict[str, Any]]:
    env = load_suite(suite).env
    instances = [game_of(env).read_instance(x) for x in load_suite(suite).instances[:limit]]
    outcomes = run_agent(env, instances, SOLVERS[env], budget_s, seed=0, progress=False)
    return [o.certificate for o in outcomes if o.certificate is not None]


def bench_certificates(label: str, certs: list[dict[str, Any]], seconds: float, workdir: Path) -> None:
    if not certs:
        emit({"bench": "verify", "source": label, "certificates": 0, "note": "nothing to verify"})
        return
    moves_total = sum(len(c["moves"]) for c in certs)
    verdicts = [verify(c) for c in certs]  # warm-up and check
    valid = sum(v.valid for v in verdicts)

    def verify_all() -> int:
        for cert in certs:
            verify(cert)
        return len(certs)

    done, elapsed = until(seconds, verify_all)
    rate = done // len(certs) * moves_total / elapsed
    common = {"source": label, "certificates": len(certs), "valid": valid,
              "mean_moves": rounded(moves_total / len(certs))}  # fmt: skip
    target = TARGET_VERIFY_MOVES.get(certs[0]["env"], TARGET_VERIFY_MOVES["UnKnot-v0"])
    emit({"bench": "verify", **common, "env": certs[0]["env"], "certs_per_s": rounded(done / elapsed),
          "moves_per_s": rounded(rate), "seconds": round(elapsed, 2), "target": f">= {target} moves/s",
          "meets_target": rate >= target})  # fmt: skip

    lines = [json.dumps(c) for c in certs]

    def parse_and_verify() -> int:
        for line in lines:
            verify(json.loads(line))
        return len(lines)

    done, elapsed = until(seconds, parse_and_verify)
    emit({"bench": "parse_and_verify", **common, "certs_per_s": rounded(done / elapsed),
          "moves_per_s": rounded(done // len(certs) * moves_total / elapsed), "seconds": round(elapsed, 2)})  # fmt: skip

    path = workdir / f"{label.replace('/', '_')}.jsonl"
    path.write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "rigorgym", "verify", str(path)], capture_output=True, text=True)
    emit({"bench": "cli_verify", **common, "exit_code": proc.returncode,
          "wall_s": round(time.perf_counter() - start, 3), "note": "includes interpreter start-up and imports"})  # fmt: skip


# -- 2. hostile input ---------------------------------------------------------------------


def verdict_record(name: str, verdict: Any, verify_s: float, **extra: Any) -> dict[str, Any]:
    return {
        "bench": f"hostile/{name}",
        "valid": verdict.valid,
        "malformed": verdict.malformed,
        "moves_checked": verdict.moves_checked,
        "reason": verdict.reason[:120],
        "verify_s": round(verify_s, 4),
        **extra,
    }


def bench_hostile(workdir: Path) -> None:
    limits = DEFAULT_LIMITS
    million = 1_000_000

    # 1,000,000 stabilizations: legal moves, but the strand count passes max_strands after 999 of them.
    cert = certificate({"strands": 1, "word": []}, [{"op": "stabilize", "sign": 1}] * million)
    text = json.dumps(cert)
    start = time.perf_counter()
    parsed = json.loads(text)
    parse_s = time.perf_counter() - start
    start = time.perf_counter()
    verdict = verify(parsed)
    verify_s = time.perf_counter() - start
    path = workdir / "stabilize-1M.json"
    path.write_text(text)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "rigorgym", "verify", str(path), "--json"], capture_output=True, text=True
    )
    cli_s = time.perf_counter() - start
    emit(verdict_record("stabilize-1M", verdict, verify_s, moves=million, file_mb=round(len(text) / 2**20, 1),
                        json_parse_s=round(parse_s, 3), cli_exit_code=proc.returncode, cli_wall_s=round(cli_s, 3),
                        target=f"refused, verify < {TARGET_REFUSAL_S:g} s",
                        meets_target=not verdict.valid and verify_s < TARGET_REFUSAL_S))  # fmt: skip
    del cert, parsed, text

    # One move more than max_moves: refused before any replay.
    moves = [{"op": "stabilize", "sign": 1}] * (limits.max_moves + 1)
    verdict, verify_s = timed(lambda: verify(certificate({"strands": 1, "word": []}, moves)))
    emit(verdict_record("max_moves+1", verdict, verify_s, moves=len(moves)))
    del moves

    # 1,000,000 insertions: the word passes max_word_length after 5,000 of them.
    moves = [{"op": "insert", "i": 0, "g": 1}] * million
    verdict, verify_s = timed(lambda: verify(certificate({"strands": 2, "word": []}, moves)))
    emit(verdict_record("insert-1M", verdict, verify_s, moves=million))
    del moves

    # An instance over the size limits: refused before any replay.
    word = [1, -1] * (limits.max_word_length // 2 + 1)
    verdict, verify_s = timed(lambda: verify(certificate({"strands": 2, "word": word}, [])))
    emit(verdict_record("word-over-limit", verdict, verify_s, word_length=len(word)))

    # Deeply nested JSON: unreadable input, never a crash.
    path = workdir / "nested.json"
    path.write_text("[" * 200_000 + "]" * 200_000)
    start = time.perf_counter()
    try:
        read_certificates(str(path))
        outcome = "read"
    except UnreadableInput as exc:
        outcome = f"UnreadableInput: {str(exc)[:80]}"
    emit({"bench": "hostile/nested-json", "depth": 200_000, "outcome": outcome,
          "read_s": round(time.perf_counter() - start, 4)})  # fmt: skip

    # Many moves on a long word: a word of max_word_length letters (far commutations everywhere) and
    # max_moves commute moves, each of which copies the whole word. Without a bound on total work this
    # would take about a minute; Limits.max_work stops the replay after about a second.
    n = 5
    word = [1, 3] * (limits.max_word_length // 2)
    moves = [{"op": "commute", "i": 0}] * limits.max_moves
    verdict, verify_s = timed(lambda: verify(certificate({"strands": n, "word": word}, moves)))
    emit(verdict_record("moves-x-length", verdict, verify_s, word_length=len(word), moves=len(moves),
                        max_work=limits.max_work, target="refused, verify < 5 s",
                        meets_target=(not verdict.valid) and verify_s < 5))  # fmt: skip

    # AndrewsCurtis-v0: a relator of 10^6 letters, a move on relator 7, a third generator: one verdict each, fast.
    def ac(relators: list[list[int]], moves: list[Any]) -> dict[str, Any]:
        return {"format": FORMAT, "env": "AndrewsCurtis-v0", "claim": "ac_trivial",
                "instance": {"relators": relators}, "moves": moves}  # fmt: skip

    for name, cert in (
        ("ac-relator-1M", ac([[1] * million, [2]], [])),
        ("ac-relator-7", ac([[1, 2], [2]], [{"op": "invert", "i": 7}])),
        ("ac-three-generators", ac([[1, 3], [2]], [])),
    ):
        verdict, verify_s = timed(lambda cert=cert: verify(cert))
        emit(verdict_record(name, verdict, verify_s, target="refused, verify < 1 s",
                            meets_target=(not verdict.valid) and verify_s < 1))  # fmt: skip


# -- main -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer instances and shorter timings (about 20 s)")
    parser.add_argument("--suites", default=",".join(DEFAULT_SUITES), help="comma-separated UnKnot/AC suites to solve")
    parser.add_argument("--certs", metavar="FILE", help="verify this certificate file instead of solving suites")
    parser.add_argument("--budget-s", type=float, default=2.0, help="greedy budget per instance (default 2)")
    args = parser.parse_args(argv)
    limit, seconds = (20, 1.0) if args.quick else (None, 4.0)

    start = time.perf_counter()
    emit({"bench": "machine", **machine(), "quick": args.quick})
    with tempfile.TemporaryDirectory(prefix="rigorgym-verify-bench-") as tmp:
        workdir = Path(tmp)
        if args.certs:
            try:
                certs = [e.certificate for e in read_certificates(args.certs)]
            except UnreadableInput as exc:
                print(f"verify_throughput: {exc}", file=sys.stderr)
                return 2
            bench_certificates(Path(args.certs).name, certs, seconds, workdir)
        else:
            known = {name for env in SOLVERS for name in list_suites(env=env)}
            for suite in [s.strip() for s in args.suites.split(",") if s.strip()]:
                if suite not in known:
                    emit({"bench": "verify", "source": suite, "skipped": "suite not shipped"})
                    continue
                certs, solve_s = timed(lambda suite=suite: greedy_certificates(suite, limit, args.budget_s))
                emit({"bench": "solve", "source": suite, "agent": SOLVERS[load_suite(suite).env],
                      "instances": limit or len(load_suite(suite)),
                      "solved": len(certs), "seconds": round(solve_s, 2)})  # fmt: skip
                bench_certificates(f"{suite}/{SOLVERS[load_suite(suite).env]}", certs, seconds, workdir)
        bench_hostile(workdir)
    emit({"bench": "total", "seconds": round(time.perf_counter() - start, 1)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
