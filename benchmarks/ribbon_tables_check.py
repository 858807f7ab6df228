"""Ribbon-v0 kernel against KnotInfo's whole tables: the checks too slow for the test suite.

The checks live in :mod:`rigorgym.agents.protocols.ribbon`; this script runs them and prints their records as
JSON lines. Sections (``--only`` picks some):

- ``tables``: signature, determinant, Alexander polynomial and tau of every
  knot of KnotInfo up to ``--max-crossings`` (default 13: all 12,965),
  computed by the kernel from KnotInfo's PD codes, against KnotInfo's columns;
- ``slice``: every slice knot (smooth 4-genus 0, 511 up to 13 crossings) gets a
  ``not_slice`` certificate for the signature, the determinant, Fox-Milnor,
  tau, and Levine-Tristram at every prime power q <= 32 and every 0 < j < q:
  the number accepted must be 0;
- ``ribbon``: a one-band search (each candidate band, then ``simplify(0)``) on
  every slice knot up to 11 crossings, every certificate found re-verified;
- ``nonslice``: the same search, exhaustively, on every non-slice knot up to
  ``--nonslice-crossings`` (default 9): it must never reach the unlink;
- ``transplant``: the moves of every certificate found, replayed on every knot
  up to 11 crossings: accepted only where KnotInfo says slice;
- ``hostile``: how often random band specs make spherogram loop forever (a
  two-second alarm per spec), and how long 2,000 ``simplify`` moves take on
  a 400-crossing alternating diagram (measured on the first moves and
  extrapolated; ``--full`` runs all 2,000).

Usage::

    python benchmarks/ribbon_tables_check.py                 # everything, about 25 minutes on our 2-core VM
    python benchmarks/ribbon_tables_check.py --only slice tables --max-crossings 11
    python benchmarks/ribbon_tables_check.py --quick         # small versions of every section
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, machine, rounded  # noqa: E402
from rigorgym.agents.protocols import ribbon as protocol  # noqa: E402
from rigorgym.verifiers import KERNEL_VERSION  # noqa: E402

SECTIONS = ("tables", "slice", "ribbon", "nonslice", "transplant", "hostile")


def emit_all(records: list[dict[str, Any]]) -> None:
    """Print each section's records as soon as the section is done (partial runs still report)."""
    for record in records:
        emit(record)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--max-crossings", type=int, default=13, help="tables and slice sections")
    parser.add_argument("--ribbon-crossings", type=int, default=11)
    parser.add_argument("--nonslice-crossings", type=int, default=9)
    parser.add_argument("--transplant-crossings", type=int, default=11)
    parser.add_argument("--quick", action="store_true", help="small versions of every section")
    parser.add_argument("--full", action="store_true", help="run all 2,000 simplify moves on 400 crossings")
    args = parser.parse_args(argv)
    if args.quick:
        args.max_crossings, args.ribbon_crossings, args.nonslice_crossings, args.transplant_crossings = 9, 9, 6, 8
    emit({"section": "setup", "kernel": KERNEL_VERSION, "machine": machine(), "args": vars(args)})
    start = time.perf_counter()
    if "tables" in args.only:
        emit_all(protocol.check_tables(args.max_crossings))
    if "slice" in args.only:
        emit_all(protocol.check_slice(args.max_crossings))
    found: dict[str, dict[str, Any]] = {}
    if "ribbon" in args.only or "transplant" in args.only:
        ribbon_records, found = protocol.check_ribbon(args.ribbon_crossings)
        emit_all(ribbon_records)
    if "nonslice" in args.only:
        emit(protocol.check_nonslice(args.nonslice_crossings))
    if "transplant" in args.only:
        emit(protocol.check_transplant(found, args.transplant_crossings))
    if "hostile" in args.only:
        emit_all(protocol.check_hostile(args.quick, args.full))
    emit({"section": "done", "seconds": rounded(time.perf_counter() - start)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
