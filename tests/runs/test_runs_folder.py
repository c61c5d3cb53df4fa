"""The run folder on disk: streaming, partial lines, part files, ordering, refusal of other runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simbench.errors import SimBenchError
from simbench.extraction import Prediction
from simbench.runs import (
    PredictionRow,
    RunFolder,
    RunFolderError,
    check_compatible,
    item_order_key,
    read_prediction_lines,
)
from simbench.runs.provenance import identity_differences, library_versions


def _pred(item_id: str, status: str = "ok") -> Prediction:
    if status == "failed":
        return Prediction.failed(item_id, prompt_hash="f" * 16, error="no JSON", raw_outputs=["x"])
    return Prediction(item_id, {"A": 0.25, "B": 0.75}, 0.5, "0" * 16)


def _write(folder: RunFolder, preds: list[Prediction], rank: int | None = None) -> None:
    with folder.writer(rank) as w:
        for p in preds:
            w.write(p)


def test_writer_appends_one_flushed_line_per_prediction(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "run")
    with folder.writer() as w:
        w.write(_pred("pop/2"))
        # flushed to the OS at once: another reader sees the line before close
        assert folder.predictions_path.read_text().count("\n") == 1
        w.write(_pred("pop/1", "failed"))
    _write(folder, [_pred("grouped/0")])
    lines = folder.predictions_path.read_text().splitlines()
    assert [json.loads(x)["item_id"] for x in lines] == ["pop/2", "pop/1", "grouped/0"]
    assert json.loads(lines[1]) == {"item_id": "pop/1", "distribution": None, "label_mass": None,
                                    "prompt_hash": "f" * 16, "status": "failed",
                                    "error": "no JSON", "raw_outputs": ["x"]}


def test_partial_last_line_is_dropped_and_rewritten(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    _write(folder, [_pred("pop/1"), _pred("pop/2")])
    with folder.predictions_path.open("ab") as f:  # a process killed in the middle of a write
        f.write(b'{"item_id": "pop/3", "distribution": {"A": 0.')
    assert sorted(folder.read_predictions()) == ["pop/1", "pop/2"]
    kept = folder.consolidate()
    assert sorted(kept) == ["pop/1", "pop/2"]
    assert folder.predictions_path.read_bytes().endswith(b"}\n")
    assert len(folder.predictions_path.read_text().splitlines()) == 2


def test_unterminated_but_parseable_last_line_is_recomputed(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    _write(folder, [_pred("pop/1"), _pred("pop/2")])
    data = folder.predictions_path.read_bytes()
    folder.predictions_path.write_bytes(data[:-1])  # the newline never made it to disk
    assert sorted(folder.consolidate()) == ["pop/1"]


def test_damaged_line_in_the_middle_is_an_error_naming_the_line(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    folder.predictions_path.write_text('{"item_id": "pop/1"}\nnot json\n{"item_id": "pop/2"}\n')
    with pytest.raises(RunFolderError, match="line 2 is not valid JSON"):
        folder.read_predictions()
    with pytest.raises(RunFolderError, match="line 2"):
        folder.consolidate()


def test_duplicate_item_is_an_error_when_reading(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    _write(folder, [_pred("pop/1"), _pred("pop/1")])
    with pytest.raises(RunFolderError, match="pop/1 appears twice"):
        folder.read_predictions()


def test_consolidate_merges_rank_parts_in_item_order_and_prefers_ok(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    _write(folder, [_pred("grouped/3"), _pred("pop/10", "failed")])
    _write(folder, [_pred("pop/10"), _pred("pop/2")], rank=1)
    _write(folder, [_pred("grouped/3"), _pred("pop/7", "failed")], rank=0)
    assert [p.name for p in folder.part_files()] == ["predictions.rank0.jsonl",
                                                     "predictions.rank1.jsonl"]
    kept = folder.consolidate(ordered=True)
    assert list(kept) == ["pop/2", "pop/7", "pop/10", "grouped/3"]
    assert kept["pop/10"]["status"] == "ok" and kept["pop/7"]["status"] == "failed"
    assert folder.part_files() == []
    assert list(folder.read_predictions()) == list(kept)


def test_consolidate_drops_failed_records_that_will_be_retried(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    _write(folder, [_pred("pop/1", "failed"), _pred("pop/2", "failed"), _pred("pop/3")])
    kept = folder.consolidate(retry=["pop/1", "pop/3"])
    assert sorted(kept) == ["pop/2", "pop/3"]  # pop/3 is ok: never dropped


def test_item_order_is_pop_then_grouped_by_row() -> None:
    ids = ["grouped/2", "pop/100", "grouped/10", "pop/9"]
    assert sorted(ids, key=item_order_key) == ["pop/9", "pop/100", "grouped/2", "grouped/10"]


_RECORD = {"schema_version": 1, "simbench_version": "0.1.0", "status": "running",
           "method": "token_probs", "backend": "transformers", "protocol": "default",
           "model": {"id": "smollm2", "content_hash": "gguf:ab"},
           "data": {"sha256": "d" * 64, "splits": ["pop"]}}


def test_run_info_round_trip_and_damaged_run_json(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "new")
    assert folder.read_run_info() is None and folder.run_info() is None
    written = folder.write_run_info(_RECORD)
    on_disk = json.loads((tmp_path / "new" / "run.json").read_text())
    # every field of the record is written, null where it does not apply
    assert on_disk["model"] == {"id": "smollm2", "source": None, "revision": None,
                                "content_hash": "gguf:ab", "dtype": None, "type": None,
                                "adapter": None}
    assert on_disk["history"] is None and on_disk["status"] == "running"
    assert folder.read_run_info() == on_disk
    assert folder.run_info() == written and written.model.content_hash == "gguf:ab"
    folder.run_info_path.write_text("{")
    with pytest.raises(RunFolderError, match="run.json: not valid JSON"):
        folder.read_run_info()
    folder.run_info_path.write_text("[1]")
    with pytest.raises(RunFolderError, match="run.json: expected a JSON object, got list"):
        folder.read_run_info()


def test_an_invalid_run_record_is_never_written(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    with pytest.raises(RunFolderError, match="field 'method'.*field 'data.splits'") as err:
        folder.write_run_info({**_RECORD, "method": "logits",
                               "data": {"sha256": "d" * 64, "splits": []}})
    assert "refusing to write an invalid run.json" in str(err.value)
    with pytest.raises(RunFolderError, match="field 'schema_version': .*got 2"):
        folder.write_run_info({**_RECORD, "schema_version": 2})
    assert not folder.run_info_path.exists()
    (tmp_path / "run.json").write_text(json.dumps({**_RECORD, "extra": 1}))
    with pytest.raises(RunFolderError, match="field 'extra': Extra inputs are not permitted"):
        folder.run_info()


def test_an_invalid_prediction_is_never_written(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    # the record refuses to be built (Prediction checks "strict"), and the writer would too
    with folder.writer() as w, pytest.raises(SimBenchError, match=(
            r"item 'pop/1': field 'distribution': values sum to 1\.5, more than "
            r"sum_tolerance=1e-06 away from 1")):
        w.write(Prediction("pop/1", {"A": 0.75, "B": 0.75}, 0.5, "0" * 16))
    assert folder.predictions_path.read_text() == ""


def test_the_writer_checks_records_that_bypass_prediction(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    row = PredictionRow(item_id="pop/1", distribution={"A": 0.75, "B": 0.75}, status="ok")
    with folder.writer() as w, pytest.raises(RunFolderError, match=(
            r"invalid prediction: item 'pop/1': field 'distribution': values sum to 1\.5")):
        w.write(row)
    with folder.writer() as w:
        w.write(PredictionRow(item_id="pop/2", distribution={"A": 0.25, "B": 0.75}))
    assert json.loads(folder.predictions_path.read_text()) == {
        "item_id": "pop/2", "distribution": {"A": 0.25, "B": 0.75}}


def test_prediction_lines_list_every_problem_and_a_folder_means_its_file(tmp_path: Path) -> None:
    _write(RunFolder(tmp_path), [_pred("pop/1")])
    with (tmp_path / "predictions.jsonl").open("a") as f:
        f.write('\n[1, 2]\n{"item_id": \n')
    rows, problems = read_prediction_lines(tmp_path)
    assert [(where, row["item_id"]) for where, row in rows] == [("line 1", "pop/1")]
    assert problems == ["line 3: expected a JSON object, got list",
                        "line 4: not valid JSON (Expecting value at column 13)"]
    assert RunFolder(tmp_path).prediction_lines() == (rows, problems)
    with pytest.raises(FileNotFoundError, match="predictions file not found"):
        read_prediction_lines(tmp_path / "nothing")


def test_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(RunFolderError, match="is not a folder"):
        RunFolder(tmp_path / "f").create()


_OLD = {"schema_version": 1, "method": "token_probs", "backend": "transformers",
        "protocol": "default", "prompt_mode": "chat",
        "model": {"id": "smollm2", "revision": None, "content_hash": "gguf:ab", "dtype": "float32"},
        "chat_template_hash": "c1", "label_token_ids": {"A": 1}, "data": {"sha256": "d1"},
        "seed": 0, "generation": None}


@pytest.mark.parametrize(("key", "change"), [
    ("model.id", {"model": {**_OLD["model"], "id": "gpt2"}}),
    ("model.content_hash", {"model": {**_OLD["model"], "content_hash": "gguf:cd"}}),
    ("model.dtype", {"model": {**_OLD["model"], "dtype": "bfloat16"}}),
    ("protocol", {"protocol": "release"}),
    ("method", {"method": "verbalized"}),
    ("backend", {"backend": "openai"}),
    ("prompt_mode", {"prompt_mode": "base"}),
    ("data.sha256", {"data": {"sha256": "d2"}}),
])
def test_a_different_run_is_refused_naming_the_key(key: str, change: dict) -> None:
    with pytest.raises(RunFolderError, match=rf"{key}: .* in the folder, .* now") as err:
        check_compatible(_OLD, {**_OLD, **change}, "runs/x")
    assert "choose another run folder (out)" in str(err.value)


def test_same_run_and_sample_changes_are_accepted() -> None:
    check_compatible(None, _OLD, "runs/x")
    check_compatible(_OLD, dict(_OLD), "runs/x")
    # a token-probability run may be extended with another sample (seed, limit)
    check_compatible(_OLD, {**_OLD, "seed": 3, "data": {"sha256": "d1", "limit_per_study": 5}},
                     "runs/x")
    # keys not known yet are not compared
    assert identity_differences(_OLD, {"method": "token_probs", "model": {"id": "smollm2"}},
                                ("method", "model.id", "protocol")) == []


def test_sampling_settings_count_for_verbalized_runs() -> None:
    old = {**_OLD, "method": "verbalized", "generation": {"temperature": 1.0}}
    with pytest.raises(RunFolderError, match="seed"):
        check_compatible(old, {**old, "seed": 1}, "runs/x")
    with pytest.raises(RunFolderError, match="generation"):
        check_compatible(old, {**old, "generation": {"temperature": 0.5}}, "runs/x")


def test_schema_version_mismatch_is_refused() -> None:
    with pytest.raises(RunFolderError, match="schema_version 99"):
        check_compatible({**_OLD, "schema_version": 99}, _OLD, "runs/x")


def test_library_versions_come_from_metadata() -> None:
    v = library_versions()
    assert v["simbench"] and v["python"] and v["numpy"] and v["torch"] and v["transformers"]
