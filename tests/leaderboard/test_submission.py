"""Strict validation of submissions: every problem listed, each naming its item id or field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lb_helpers import edit_lines

from simbench.cli import main
from simbench.leaderboard import (
    SubmissionError,
    read_submission,
    validate_submission,
)


def _problems(path: Path, items) -> list[str]:
    with pytest.raises(SubmissionError) as exc:
        validate_submission(read_submission(path), items)
    return exc.value.problems


def test_a_real_uniform_run_is_accepted(uniform_run, all_items):
    sub = validate_submission(read_submission(uniform_run), all_items)
    assert sub.splits == ("pop", "grouped")
    assert len(sub.items) == len(sub.rows) == len(all_items) == 13510
    assert [r.item_id for r in sub.rows] == [it.item_id for it in all_items]
    assert sub.run.backend == "uniform" and sub.run.method == "token_probs" and not sub.failed.any()


def test_deleted_item_and_negative_distribution_are_both_named(uniform_run, copy_run, all_items):
    run = copy_run(uniform_run)
    deleted, negative = "pop/17", "grouped/5"

    def tamper(rows):
        rows = [r for r in rows if r["item_id"] != deleted]
        for r in rows:
            if r["item_id"] == negative:
                r["distribution"]["A"] = -0.25
        return rows

    edit_lines(run / "predictions.jsonl", tamper)
    problems = _problems(run, all_items)
    assert len(problems) == 2, problems
    assert any(deleted in p and "missing" in p for p in problems), problems
    assert any(negative in p and "negative" in p for p in problems), problems


def test_the_cli_rejects_it_naming_both_problems(uniform_run, copy_run, capsys):
    run = copy_run(uniform_run)
    edit_lines(run / "predictions.jsonl",
               lambda rows: [dict(r, distribution={**r["distribution"], "B": -1.0})
                             if r["item_id"] == "grouped/5" else r
                             for r in rows if r["item_id"] != "pop/17"])
    code = main(["submit", str(run), "--leaderboard", "me/board", "--dry-run"])
    err = capsys.readouterr().err
    assert code == 2
    assert "2 problems:" in err and "'pop/17': missing" in err  # after the one-line summary
    assert "grouped/5" in err and "negative" in err


def test_every_problem_is_listed_at_once(uniform_run, copy_run, all_items):
    run = copy_run(uniform_run)
    info = json.loads((run / "run.json").read_text())
    info["model"]["id"] = ""  # provenance: empty model id
    del info["data"]["sha256"]  # provenance: no data hash
    # a model run (not the baseline) needs a protocol and a revision
    info["backend"], info["protocol"] = "transformers", None
    info["extra_key"] = 1  # unknown field
    (run / "run.json").write_text(json.dumps(info))

    def tamper(rows):
        rows[0]["distribution"] = {"A": 0.5, "B": 0.5}  # pop/0 has 4 options
        rows[1]["distribuion"] = rows[1].pop("distribution")  # unknown field (typo)
        rows[2]["distribution"]["A"] = float("nan")
        rows.append(dict(rows[3]))  # duplicate
        rows.append({"item_id": "pop/999999", "distribution": {"A": 1.0}, "status": "ok"})
        rows[4]["status"] = "failed"  # failed but with a distribution
        return rows

    edit_lines(run / "predictions.jsonl", tamper)
    text = "\n".join(_problems(run, all_items))
    for needle in ("field 'model.id'", "field 'data.sha256'", "field 'extra_key'",
                   "unknown field", "field 'protocol': null", "field 'model.revision': null",
                   "'pop/0'", "'pop/1'", "field 'distribuion'", "'pop/2'", "'pop/3'",
                   "duplicate", "'pop/999999'", "'pop/4'", "status is 'failed'"):
        assert needle in text, (needle, text)


def test_an_incomplete_run_of_the_tiny_model_is_rejected(tiny_llama_dir, tmp_path,
                                                         simbench_data, all_items):
    """A real run of the tiny model on a sample: its provenance passes, coverage does not."""
    out = tmp_path / "tiny"
    assert main(["run", "--model", str(tiny_llama_dir), "--split", "grouped",
                 "--limit-per-study", "1", "--out", str(out), "--data", str(simbench_data)]) == 0
    problems = _problems(out, all_items)
    n_grouped = sum(it.split == "grouped" for it in all_items)
    assert len(problems) == n_grouped - 5  # one item per study was predicted
    assert all(p.startswith("item 'grouped/") and "missing" in p for p in problems)


def test_items_of_a_split_not_listed_in_run_json(uniform_run, copy_run, all_items):
    run = copy_run(uniform_run)
    info = json.loads((run / "run.json").read_text())
    info["data"]["splits"] = ["pop"]
    (run / "run.json").write_text(json.dumps(info))
    problems = _problems(run, all_items)
    assert len(problems) == 6343
    assert problems[0] == ("item 'grouped/0': split 'grouped' is not listed in run.json "
                           "data.splits")


def test_an_unfinished_run_is_rejected(uniform_run, copy_run, all_items):
    run = copy_run(uniform_run)
    info = json.loads((run / "run.json").read_text())
    info["status"] = "running"
    (run / "run.json").write_text(json.dumps(info))
    (problem,) = _problems(run, all_items)
    assert problem.startswith("run.json: field 'status'")


def test_bundle_file_is_validated_the_same_way(half_run, tmp_path, all_items):
    rows = [json.loads(x) for x in (half_run / "predictions.jsonl").read_text().splitlines()]
    run = json.loads((half_run / "run.json").read_text())
    bundle = tmp_path / "submission.json"
    bundle.write_text(json.dumps({"schema_version": 1, "run": run, "predictions": rows}))
    sub = validate_submission(read_submission(bundle), all_items)
    assert sub.run.model.id == "simbench-tests/half-human-half-uniform"
    del rows[7]
    bundle.write_text(json.dumps({"schema_version": 1, "run": run, "predictions": rows,
                                  "comment": "unknown"}))
    problems = _problems(bundle, all_items)
    assert problems == ["submission.json: field 'comment': unknown field (not part of the "
                        "submission schema)"]
    bundle.write_text(json.dumps({"schema_version": 1, "run": run, "predictions": rows}))
    assert _problems(bundle, all_items) == [
        "item 'pop/7': missing (every item of a submitted split must be predicted exactly once)"]


def test_unreadable_files_are_named(tmp_path, all_items):
    (tmp_path / "run.json").write_text("{not json")
    (tmp_path / "predictions.jsonl").write_text('{"item_id": "pop/0"}\n{broken\n')
    problems = _problems(tmp_path, all_items)
    assert problems[0].startswith("run.json: not valid JSON")
    assert problems[1].startswith("predictions.jsonl line 2: not valid JSON")
    with pytest.raises(FileNotFoundError):
        read_submission(tmp_path / "nothing-here")
