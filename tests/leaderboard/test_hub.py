"""The two pull requests: exact commit operations, file contents, the upload call, the dry run."""

from __future__ import annotations

import json
import time

import pytest
import yaml
from huggingface_hub import CommitOperationAdd, parse_eval_result_entries
from lb_helpers import HALF_MODEL_ID, SUBMITTED_AT, edit_lines

from simbench.cli import main
from simbench.leaderboard import (
    EVAL_RESULTS_PATH,
    default_model_repo,
    entry_path_for,
    prepare_submission,
    read_submission,
    upload_submission,
    validate_submission,
)


@pytest.fixture(scope="module")
def half_plan(half_run, all_items):
    return prepare_submission(half_run, leaderboard_repo="simbench/leaderboard",
                              model_repo="auto", items=all_items, n_resamples=100,
                              submitted_at=SUBMITTED_AT)


def test_commit_operations_are_exactly_right(half_plan, half_run, all_items):
    plan, results = half_plan
    entry_path = "submissions/simbench-tests__half-human-half-uniform/2026-11-27T08-00-00Z.json"
    board = plan.leaderboard
    assert (board.repo_id, board.repo_type) == ("simbench/leaderboard", "dataset")
    ops = board.operations()
    assert [type(op) for op in ops] == [CommitOperationAdd]
    assert [op.path_in_repo for op in ops] == [entry_path]
    sub = validate_submission(read_submission(half_run), all_items)
    written = ops[0].path_or_fileobj
    assert isinstance(written, bytes)
    entry = json.loads(written)
    # the expected entry comes from what the fixture wrote, not from the functions under test
    assert sorted(entry) == ["predictions", "results", "run", "schema_version"]
    assert entry["schema_version"] == 1
    run_json = json.loads((half_run / "run.json").read_text())
    # every field of the record, null where it does not apply (no LoRA adapter here)
    assert entry["run"]["model"] == {"adapter": None, **run_json["model"]}
    for key in ("method", "backend", "protocol", "prompt_mode"):
        assert entry["run"][key] == run_json[key]
    assert entry["results"] == {**results, "submitted_at": SUBMITTED_AT}
    assert entry["results"]["simbench_score"] == pytest.approx(50.0, abs=1e-9)
    assert [p["item_id"] for p in entry["predictions"]] == [it.item_id for it in all_items]
    for pred, it in zip(entry["predictions"], all_items, strict=True):
        assert pred.keys() == {"item_id", "distribution", "prompt_hash", "status"}  # no None
        assert (pred["prompt_hash"], pred["status"]) == ("0" * 16, "ok")
        assert list(pred["distribution"]) == list(it.option_labels)
        half = [(p + 1.0 / it.n_options) / 2 for p in it.human_dist]
        assert list(pred["distribution"].values()) == pytest.approx(half, abs=1e-12)
    # a readable header, then one prediction per line: diffs of entries stay readable on the Hub
    text = written.decode()
    assert text.startswith('{\n  "schema_version": 1,\n') and text.endswith("\n  ]\n}\n")
    lines = [line for line in text.splitlines() if line.startswith('    {"item_id": ')]
    assert [json.loads(line.rstrip(",")) for line in lines] == entry["predictions"]

    model = plan.model
    assert model is not None  # "auto": the model id is a Hub id
    assert (model.repo_id, model.repo_type) == (HALF_MODEL_ID, "model")
    (op,) = model.operations()
    assert op.path_in_repo == EVAL_RESULTS_PATH == ".eval_results/simbench.yaml"
    data = yaml.safe_load(op.path_or_fileobj)
    source = f"https://huggingface.co/datasets/simbench/leaderboard/blob/main/{entry_path}"
    assert [d["dataset"] for d in data] == [{"id": "pitehu/SimBench", "task_id": t}
                                            for t in ("simbench", "pop", "grouped")]
    assert [d["value"] for d in data] == [50.0, 50.0, 50.0]
    finished = sub.run.finished_at[:10]
    for d in data:
        assert d["date"] == finished
        assert d["source"] == {"url": source, "name": "SimBench leaderboard submission"}
        assert d["notes"].startswith("method=verbalized; protocol=default; model revision=")
        assert "95% CI [" in d["notes"]
    entries = parse_eval_result_entries(data)  # the Hub library reads it back
    assert [(e.task_id, e.value) for e in entries] == [("simbench", 50.0), ("pop", 50.0),
                                                       ("grouped", 50.0)]


def test_model_repository_defaults():
    assert default_model_repo("Qwen/Qwen2.5-7B-Instruct") == "Qwen/Qwen2.5-7B-Instruct"
    assert default_model_repo("/tmp/some/local/folder") is None
    assert default_model_repo("smollm2") is None
    assert entry_path_for("/tmp/my model", "2026-01-02T03:04:05Z") == \
        "submissions/tmp__my-model/2026-01-02T03-04-05Z.json"


def test_upload_goes_to_create_commit_and_fails_fast_offline(half_plan, monkeypatch):
    """Everything up to the network: HF_HUB_OFFLINE=1 makes the real call refuse at once."""
    from huggingface_hub import constants
    from huggingface_hub.errors import OfflineModeIsEnabled

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    plan, _ = half_plan
    t0 = time.perf_counter()
    with pytest.raises(OfflineModeIsEnabled) as exc:
        upload_submission(plan, token="hf_dummy")
    assert time.perf_counter() - t0 < 10
    assert "simbench/leaderboard" in str(exc.value) and "create_pr=1" in str(exc.value)


def test_dry_run_prints_the_operations_and_contents(half_run, tmp_path, capsys):
    code = main(["submit", str(half_run), "--leaderboard", "simbench/leaderboard",
                 "--n-resamples", "100", "--dry-run", "--write-files", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "accepted: SimBench score 50.00 [" in out
    assert "pull request on dataset simbench/leaderboard" in out
    assert f"pull request on model {HALF_MODEL_ID}" in out
    assert ("CommitOperationAdd(path_in_repo='submissions/simbench-tests__half-human-half-uniform/"
            in out)
    assert "CommitOperationAdd(path_in_repo='.eval_results/simbench.yaml'" in out
    assert "task_id: simbench" in out and "task_id: grouped" in out
    assert '"simbench_score": 50.0' in out
    assert '"matches": true' in out and "warning" not in out  # same data as the run
    assert "13,507 more prediction lines" in out  # 3 shown
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written[0] == f"{HALF_MODEL_ID}/.eval_results/simbench.yaml"
    assert written[1].startswith("simbench/leaderboard/submissions/")
    yml = (tmp_path / written[0]).read_text()
    assert yml in out  # the YAML is printed in full


def test_dry_run_without_a_hub_model_id(uniform_run, capsys):
    code = main(["submit", str(uniform_run), "--leaderboard", "simbench/leaderboard",
                 "--n-resamples", "50", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0 and "accepted: SimBench score 0.00 [" in out
    assert "no model repository" in out and "submissions/uniform/" in out


def test_a_one_split_submission_reports_that_split_only(half_run, copy_run, all_items):
    """The headline task `simbench` is the mean of both splits: a one-split entry leaves it out."""
    run = copy_run(half_run)
    info = json.loads((run / "run.json").read_text())
    info["data"]["splits"] = ["grouped"]
    (run / "run.json").write_text(json.dumps(info))
    edit_lines(run / "predictions.jsonl",
               lambda rows: [r for r in rows if r["item_id"].startswith("grouped/")])
    plan, results = prepare_submission(run, leaderboard_repo="simbench/leaderboard",
                                       model_repo="me/model", items=all_items, n_resamples=50,
                                       submitted_at=SUBMITTED_AT)
    assert set(results["splits"]) == {"grouped"}
    (op,) = plan.model.operations()
    data = yaml.safe_load(op.path_or_fileobj)
    assert [(d["dataset"]["task_id"], d["value"]) for d in data] == [("grouped", 50.0)]


def test_eval_results_layout_without_eval_result_entry(monkeypatch):
    """Older huggingface_hub releases lack EvalResultEntry: the same YAML is written by hand."""
    import sys

    from simbench.leaderboard.hub import _eval_result_dicts

    entries = [{"dataset_id": "pitehu/SimBench", "task_id": t, "value": v, "date": "2026-11-27",
                "source_url": "https://huggingface.co/datasets/me/board/blob/main/x.json",
                "source_name": "SimBench leaderboard submission", "notes": "method=verbalized"}
               for t, v in (("simbench", 12.34), ("pop", 10.0), ("grouped", 14.68))]
    with_library = _eval_result_dicts(entries)
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # import fails
    assert _eval_result_dicts(entries) == with_library


def test_a_different_data_hash_is_recorded_and_warned_about(half_run, copy_run, capsys):
    run = copy_run(half_run)
    info = json.loads((run / "run.json").read_text())
    info["data"]["sha256"] = "f" * 64
    (run / "run.json").write_text(json.dumps(info))
    assert main(["submit", str(run), "--leaderboard", "simbench/leaderboard", "--dry-run",
                 "--n-resamples", "20", "--model-repo", "none"]) == 0
    out = capsys.readouterr().out
    assert "warning: the run's data hash ffffffffffff differs" in out
    assert '"run_sha256": "' + "f" * 64 + '"' in out and '"matches": false' in out
