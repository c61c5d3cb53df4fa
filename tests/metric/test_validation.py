"""Every bad-input case: one test each, the item id in the message; one file with many problems."""

from __future__ import annotations

import json
from typing import Any

import pytest
from metric_helpers import human_rows, write_jsonl

from simbench import Item
from simbench.metric import PredictionError, read_predictions, score_predictions
from simbench.metric.predictions import MAX_PROBLEMS_SHOWN


@pytest.fixture(scope="module")
def items4(all_items: list[Item]) -> list[Item]:
    """Four Pop items with 4 options each."""
    return [it for it in all_items if it.split == "pop" and it.n_options == 4][:4]


def _problems(rows: list[dict[str, Any]], items: list[Item], **kw: Any) -> list[str]:
    with pytest.raises(PredictionError) as e:
        score_predictions(rows, items=items, **kw)
    assert str(e.value).startswith(f"{len(e.value.problems)} problem")
    return e.value.problems


def _one(rows: list[dict[str, Any]], items: list[Item], item_id: str, *needles: str) -> None:
    problems = _problems(rows, items)
    assert len(problems) == 1, problems
    assert f"item {item_id!r}" in problems[0], problems
    for needle in needles:
        assert needle in problems[0], problems


def test_unknown_item_id(all_items: list[Item], items4: list[Item]) -> None:
    rows = human_rows(items4) + [{"item_id": "pop/99999", "distribution": [0.5, 0.5]}]
    _one(rows, all_items, "pop/99999", "row 4", "unknown item_id")


def test_malformed_item_id(all_items: list[Item]) -> None:
    problems = _problems([{"item_id": 17, "distribution": [0.5, 0.5]}], all_items)
    assert problems == ["row 0: field 'item_id': expected text like 'pop/17', got 17"]
    problems = _problems([{"distribution": [0.5, 0.5]}], all_items)
    assert problems == ["row 0: missing field 'item_id'"]


def test_duplicate_item_id(all_items: list[Item], items4: list[Item]) -> None:
    rows = human_rows(items4) + human_rows(items4[1:2])
    _one(rows, all_items, items4[1].item_id, "duplicate item_id", "first at row 1")


def test_missing_label(all_items: list[Item], items4: list[Item]) -> None:
    rows = human_rows(items4)
    del rows[2]["distribution"]["C"]
    _one(rows, all_items, items4[2].item_id, "missing label(s) ['C']")


def test_extra_label(all_items: list[Item], items4: list[Item]) -> None:
    rows = human_rows(items4)
    rows[0]["distribution"]["E"] = 0.0
    _one(rows, all_items, items4[0].item_id, "extra label(s) ['E']")


def test_wrong_list_length(all_items: list[Item], items4: list[Item]) -> None:
    rows = human_rows(items4)
    rows[3]["distribution"] = [0.2, 0.3, 0.5]
    _one(rows, all_items, items4[3].item_id, "3 values for 4 labels (A..D)")


def test_negative_value(all_items: list[Item], items4: list[Item]) -> None:
    rows = human_rows(items4)
    rows[1]["distribution"] = [1.1, -0.1, 0.0, 0.0]
    _one(rows, all_items, items4[1].item_id, "B=-0.1 is negative")


def test_nan_value(all_items: list[Item], items4: list[Item]) -> None:
    rows = human_rows(items4)
    rows[1]["distribution"] = {"A": float("nan"), "B": 1.0, "C": 0.0, "D": 0.0}
    _one(rows, all_items, items4[1].item_id, "A is NaN")


def test_infinite_value(all_items: list[Item], items4: list[Item]) -> None:
    rows = human_rows(items4)
    rows[0]["distribution"] = [0.5, float("inf"), 0.0, 0.0]
    _one(rows, all_items, items4[0].item_id, "B is infinite")


def test_non_numeric_value(all_items: list[Item], items4: list[Item]) -> None:
    rows = human_rows(items4)
    rows[0]["distribution"] = [0.5, "0.5", 0.0, 0.0]
    _one(rows, all_items, items4[0].item_id, "B='0.5' is not a number")
    rows[0]["distribution"] = [True, 0, 0, 0]
    _one(rows, all_items, items4[0].item_id, "A=True is not a number")


def test_all_zeros(all_items: list[Item], items4: list[Item]) -> None:
    rows = human_rows(items4)
    rows[2]["distribution"] = [0, 0, 0, 0]
    _one(rows, all_items, items4[2].item_id, "all values are zero")


def test_sum_far_from_one(all_items: list[Item], items4: list[Item]) -> None:
    rows = human_rows(items4)
    rows[2]["distribution"] = [25, 25, 25, 25]
    _one(rows, all_items, items4[2].item_id, "sum to 100", "percentages? divide by 100")
    rows[2]["distribution"] = [0.5, 0.5, 0.1, 0.0]
    _one(rows, all_items, items4[2].item_id, "sum to 1.1", "sum_tolerance=0.01")


def test_wrong_distribution_type(all_items: list[Item], items4: list[Item]) -> None:
    rows = human_rows(items4)
    rows[0]["distribution"] = "A"
    _one(rows, all_items, items4[0].item_id, "got str")


def test_null_distribution_without_failed_status(all_items: list[Item], items4: list[Item]) -> None:
    rows = human_rows(items4)
    rows[1]["distribution"] = None
    _one(rows, all_items, items4[1].item_id, "missing or null", "status")


def test_bad_status(all_items: list[Item], items4: list[Item]) -> None:
    rows = human_rows(items4)
    rows[1]["status"] = "error"
    _one(rows, all_items, items4[1].item_id, "'error' is not 'ok' or 'failed'")
    rows = human_rows(items4)
    rows[2]["status"] = "failed"
    _one(rows, all_items, items4[2].item_id, "status is 'failed' but a distribution is given")


def test_invalid_json_line(tmp_path, all_items: list[Item], items4: list[Item]) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", human_rows(items4))
    path.write_text(path.read_text() + "[1, 2]\n{\"item_id\": \n", encoding="utf-8")
    with pytest.raises(PredictionError) as e:
        read_predictions(path)
    assert e.value.problems[0] == "line 5: expected a JSON object, got list"
    assert e.value.problems[1].startswith("line 6: not valid JSON")


def test_one_file_with_several_problems_lists_all(tmp_path, all_items: list[Item],
                                                  items4: list[Item]) -> None:
    rows = human_rows(items4)
    rows[0]["distribution"] = [0.5, 0.5]                  # wrong length
    rows[1]["distribution"]["Z"] = 0.1                    # extra label
    rows[2]["distribution"] = [0.0, 0.0, 0.0, 0.0]        # all zeros
    rows.append({"item_id": "grouped/123456", "distribution": [1.0, 0.0]})  # unknown
    rows.append(dict(rows[3]))                            # duplicate
    path = write_jsonl(tmp_path / "p.jsonl", rows)
    path.write_text(path.read_text() + "not json\n", encoding="utf-8")
    with pytest.raises(PredictionError) as e:
        score_predictions(path, items=all_items)
    problems = e.value.problems
    assert len(problems) == 6, problems
    text = str(e.value)
    for needle in (f"line 1 (item {items4[0].item_id!r})", f"line 2 (item {items4[1].item_id!r})",
                   f"line 3 (item {items4[2].item_id!r})", "line 5 (item 'grouped/123456')",
                   f"line 6 (item {items4[3].item_id!r}): duplicate", "line 7: not valid JSON"):
        assert needle in text, text


def test_many_problems_are_capped_in_the_message(all_items: list[Item]) -> None:
    rows = [{"item_id": f"pop/{100000 + i}", "distribution": [1.0]} for i in range(70)]
    with pytest.raises(PredictionError) as e:
        score_predictions(rows, items=all_items)
    assert len(e.value.problems) == 70
    assert str(e.value).count("\n  - ") == MAX_PROBLEMS_SHOWN
    assert "... and 20 more" in str(e.value)
    json.dumps(e.value.problems)
