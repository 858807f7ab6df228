"""The hard-unknot source data is what its provenance says (envs/suites/check_hard_unknots.py, a fast subset)."""

from __future__ import annotations

import ast
import csv
import json

from rigorgym.envs.suites.check_hard_unknots import SOURCES, alexander_is_one, changed_crossings, hfk_rank


def _data() -> tuple[list[dict], list[list[list[int]]], dict]:
    originals = [json.loads(x) for x in (SOURCES / "hard_unknots_50.jsonl").read_text().splitlines()]
    with (SOURCES / "very_hard_unknots.csv").open() as handle:
        rows = [ast.literal_eval(r["pd"]) for r in csv.DictReader(handle)]
    return originals, rows, json.loads((SOURCES / "very_hard_unknots_csv_classification.json").read_text())


def test_each_csv_row_is_its_original_with_one_to_five_crossings_changed() -> None:
    originals, rows, classes = _data()
    assert len(originals) == 50 and len(rows) == 385
    assert len(classes["unknot_rows"]) == 40 and len(classes["knotted_rows"]) == 345
    for item in originals:
        assert 1 <= (changed_crossings(item["pd"], rows[item["row"]]) or 0) <= 5
    a = originals[0]["pd"]
    assert changed_crossings(a, a) == 0 and changed_crossings(a, a[1:]) is None


def test_the_smallest_originals_are_unknots_and_their_changed_rows_are_not() -> None:
    originals, rows, classes = _data()
    for item in sorted(originals, key=lambda x: x["crossings"])[:2]:
        assert alexander_is_one(item["pd"]) and hfk_rank(item["pd"]) == 1
        if item["row"] in classes["knotted_rows"]:
            assert not alexander_is_one(rows[item["row"]])
