"""Check the hard-unknot source data before any suite is built on it (run: ``python -m rigorgym.envs.suites.check_hard_unknots``).

``sources/hard_unknots_50.jsonl`` claims 50 original very hard unknot diagrams, and
``sources/very_hard_unknots.csv`` the same diagrams with 1–5 crossings changed (see
``sources/PROVENANCE.md``). Two checks that do not trust those claims:

* **structure**: row ``r`` of the 50 and row ``r`` of the csv have the same crossing count,
  and crossing ``i`` of one is crossing ``i`` of the other either verbatim or with its
  over- and under-strand exchanged (the PD tuple rotated by one place: a crossing change);
  we count the changed crossings, which must be 1 to 5;
* **knot type**: the Alexander polynomial of every one of the 50 is 1 (the kernel's own
  exact computation, ``verifiers.slice_obstructions.alexander``) and its knot Floer homology has total rank 1 (``knot_floer_homology``,
  Szabó's program: rank 1 detects the unknot); the changed csv rows the classification
  file calls knotted have Alexander polynomial not 1.

Prints one JSON line per check and a summary; exit 1 if any check fails.
"""

from __future__ import annotations

import ast
import csv
import json
import sys
from pathlib import Path
from typing import Any

SOURCES = Path(__file__).resolve().parent / "data" / "sources"


def changed_crossings(original: list[list[int]], changed: list[list[int]]) -> int | None:
    """How many crossings differ by a crossing change (a rotation by one place); None if the diagrams differ otherwise."""
    if len(original) != len(changed):
        return None
    count = 0
    for a, b in zip(original, changed, strict=True):
        if a == b:
            continue
        if b in (a[1:] + a[:1], a[3:] + a[:3]):
            count += 1
            continue
        return None
    return count


def alexander_is_one(pd: list[list[int]]) -> bool:
    """The kernel's own exact Alexander polynomial (``verifiers.slice_obstructions``: integer determinants)."""
    from rigorgym.verifiers.diagram import Diagram
    from rigorgym.verifiers.slice_obstructions import alexander

    return alexander(Diagram.from_pd(pd)) == [1]


def hfk_rank(pd: list[list[int]]) -> int:
    from knot_floer_homology import pd_to_hfk

    return int(pd_to_hfk(pd)["total_rank"])


def main() -> int:
    originals = [json.loads(x) for x in (SOURCES / "hard_unknots_50.jsonl").read_text().splitlines()]
    with (SOURCES / "very_hard_unknots.csv").open() as handle:
        rows = [ast.literal_eval(r["pd"]) for r in csv.DictReader(handle)]
    classes = json.loads((SOURCES / "very_hard_unknots_csv_classification.json").read_text())
    failures = 0
    for item in originals:
        r = item["row"]
        changed = changed_crossings(item["pd"], rows[r])
        alex, rank = alexander_is_one(item["pd"]), hfk_rank(item["pd"])
        ok = changed is not None and 1 <= changed <= 5 and alex and rank == 1 and item["crossings"] == len(item["pd"])
        failures += not ok
        record: dict[str, Any] = {"row": r, "crossings": len(item["pd"]), "changed_in_csv": changed,
                                  "alexander_is_1": alex, "hfk_total_rank": rank, "ok": ok}  # fmt: skip
        print(json.dumps(record), flush=True)
    decoys = [r for r in {o["row"] for o in originals} if r in set(classes["knotted_rows"])]
    knotted = sum(not alexander_is_one(rows[r]) for r in decoys)
    failures += knotted != len(decoys)
    print(json.dumps({"csv_rows_behind_the_50_called_knotted": len(decoys), "alexander_not_1": knotted}))
    print(json.dumps({"originals": len(originals), "failures": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
