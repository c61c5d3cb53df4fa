"""Malformed raw data fails with a message naming the file, the row and the field (synthetic files)."""

from __future__ import annotations

import json

import pytest

CODES = [f"{t}{i}" for t in "ENACO" for i in range(1, 11)]


def _big5_folder(tmp_path, rows):
    (tmp_path / "codebook.txt").write_text(
        "header\n\n" + "\n".join(f"{c}\tStatement {c}." for c in CODES) + "\n")
    head = "\t".join(["race", "age", "engnat", "gender", "hand", "source", "country", *CODES])
    (tmp_path / "data.csv").write_text(head + "\n" + "\n".join("\t".join(r) for r in rows) + "\n")
    return tmp_path


def _person(age, country, answer):
    return ["3", str(age), "1", "1", "1", "1", country, *[str(answer)] * 50]


def test_big5_counts_on_a_small_synthetic_file(scripts, tmp_path):
    rows = [_person(30, "DE", 5), _person(40, "DE", 1), _person(50, "DE", 0), _person(412434, "DE", 3)]
    conv = scripts.convert("osp_big5", _big5_folder(tmp_path, rows), None, extended=True,
                           min_group_size=2)
    items = conv.extended["osp_big5_extended"]["pop"]
    assert len(items) == 50  # age 412434 dropped, the missed answers (0) left out
    first = items[0]
    assert first.human_dist == (0.5, 0.0, 0.0, 0.0, 0.5) and first.group_size == 2
    assert first.persona.endswith("You are from Germany.")
    assert first.question_text == "Indicate your level of agreement with the following statement: " \
                                  "Statement E1."


def test_big5_bad_value_names_row_and_column(scripts, tmp_path):
    bad = _person(30, "DE", 5)
    bad[7 + 2] = "7"
    folder = _big5_folder(tmp_path, [_person(30, "DE", 5), bad])
    with pytest.raises(scripts.RawDataError, match=r"row 2: column 'E3': invalid value '7'"):
        scripts.convert("osp_big5", folder, None)


def test_chaos_nli_bad_record_names_line_and_field(scripts, tmp_path):
    good = {"uid": "x", "label_count": [1, 2, 3], "example": {"premise": "p", "hypothesis": "h"}}
    (tmp_path / "chaosNLI_snli.jsonl").write_text(json.dumps(good) + "\n")
    (tmp_path / "chaosNLI_mnli_m.jsonl").write_text(
        json.dumps(good) + "\n" + json.dumps({**good, "label_count": [1, -2, 3]}) + "\n")
    (tmp_path / "chaosNLI_alphanli.jsonl").write_text("{not json\n")
    with pytest.raises(scripts.RawDataError, match=r"mnli_m\.jsonl: line 2: field 'label_count'"):
        scripts.convert("chaos_nli", tmp_path, None)


def test_missing_folder_and_files_are_named(scripts, tmp_path):
    with pytest.raises(scripts.RawDataError, match="does not exist"):
        scripts.convert("choices13k", tmp_path / "nope", None)
    with pytest.raises(scripts.RawDataError, match="lacks c13k_selections.csv, c13k_problems.json"):
        scripts.convert("choices13k", tmp_path, None)
    with pytest.raises(KeyError, match="no converter for 'jester'"):
        scripts.get_converter("Jester")
