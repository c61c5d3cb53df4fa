"""Calibrated and LoRA runs downstream: ``simbench score``, ``report``, ``submit --dry-run`` and the
board accept them, and the board shows the calibration as the method and the adapter in the model.

A submission needs every item of a split, so the acceptance is shown on a full Pop split (a
known-answer run: the human distributions sharpened), and the refusal of a 2-items-per-study run
is checked to say why.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from simbench import Item
from simbench.cli import main
from simbench.metric import pad_distributions

_FAST = ["--n-resamples", "50"]


@pytest.fixture(scope="module")
def full_pop_calibrated(write_run, all_items: list[Item], simbench_data: Path,
                        tmp_path_factory: pytest.TempPathFactory) -> Path:
    pop = [it for it in all_items if it.split == "pop"]
    h = pad_distributions([it.human_dist for it in pop])
    root = tmp_path_factory.mktemp("calibrated-submission")
    source = write_run(root / "sharp", pop, h ** 2 / (h ** 2).sum(axis=1, keepdims=True))
    assert main(["calibrate", str(source), "--cross-fit", "study", "--data", str(simbench_data),
                 "--out", str(root / "submissions" / "sharp-T")]) == 0
    return root / "submissions" / "sharp-T"


def test_a_full_split_calibrated_run_is_accepted_and_named_on_the_board(
        full_pop_calibrated: Path, simbench_data: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(full_pop_calibrated), "--data", str(simbench_data)]) == 0
    capsys.readouterr()
    assert main(["submit", str(full_pop_calibrated), "--leaderboard", "me/board", "--dry-run",
                 "--model-repo", "none", "--data", str(simbench_data), *_FAST]) == 0
    out = capsys.readouterr().out
    assert out.startswith("accepted: SimBench score") and '"calibration": {' in out
    assert main(["leaderboard", "build", str(full_pop_calibrated.parent), "--out",
                 str(tmp_path / "board"), "--data", str(simbench_data), *_FAST]) == 0
    rows = list(csv.DictReader((tmp_path / "board" / "leaderboard.csv").open()))
    mine = [r for r in rows if r["source"] == "submitted"]
    assert [r["method"] for r in mine] == ["token_probs + temperature (cross-fit by study)"]
    assert mine[0]["model"] == "made-up/sharpened" and mine[0]["splits"] == "pop"


def test_a_sample_run_is_refused_for_coverage(tiny_run: Path, simbench_data: Path,
                                              tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    cal = tmp_path / "tiny-T"
    assert main(["calibrate", str(tiny_run), "--fit", "pop", "--data", str(simbench_data),
                 "--out", str(cal)]) == 0
    capsys.readouterr()
    assert main(["submit", str(cal), "--leaderboard", "me/board", "--dry-run",
                 "--data", str(simbench_data), *_FAST]) == 2
    err = capsys.readouterr().err
    # the way to a submission: complete the source run, then calibrate it into a new folder
    assert "submissions need every item of a split" in err
    assert f"--out {tiny_run.resolve()}, then simbench calibrate {tiny_run.resolve()} --fit pop" in err


def test_report_shows_calibrated_beside_raw(tiny_run: Path, simbench_data: Path,
                                            tmp_path: Path) -> None:
    cal = tmp_path / "tiny-T"
    assert main(["calibrate", str(tiny_run), "--fit", "pop", "--data", str(simbench_data),
                 "--out", str(cal)]) == 0
    assert main(["report", str(cal), "--out", str(tmp_path / "report"), "--data",
                 str(simbench_data), "--n-resamples", "50", "--n-draws", "20"]) == 0
    stats = json.loads((tmp_path / "report" / "stats.json").read_text())
    [comparison] = stats["comparisons"]  # the source run, added by the report itself
    assert comparison["run_b"]["path"] == str(tiny_run.resolve())
    raw = json.loads((tiny_run / "scores.json").read_text())["simbench_score"]
    calibrated = json.loads((cal / "scores.json").read_text())["simbench_score"]
    assert comparison["difference"]["score_a"] == pytest.approx(calibrated)
    assert comparison["difference"]["score_b"] == pytest.approx(raw)
    md = (tmp_path / "report" / "report.md").read_text()
    t = json.loads((cal / "run.json").read_text())["calibration"]["fitted"]["temperature"]
    assert "### Calibration: temperature scaling" in md and f"temperature {t:.4g}" in md
    # the source named again with --compare is compared once
    assert main(["report", str(cal), "--compare", str(tiny_run), "--out",
                 str(tmp_path / "report2"), "--data", str(simbench_data), "--n-resamples", "50",
                 "--n-draws", "20"]) == 0
    assert len(json.loads((tmp_path / "report2" / "stats.json").read_text())["comparisons"]) == 1


def test_a_lora_run_is_named_by_base_and_adapter_on_the_board(
        write_run, all_items: list[Item], simbench_data: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    # The provenance of a LoRA run (as simbench run --adapter writes it) on a full Grouped split.
    grouped = [it for it in all_items if it.split == "grouped"]
    h = pad_distributions([it.human_dist for it in grouped])
    k = np.array([it.n_options for it in grouped])
    mixed = (h + (np.arange(h.shape[1]) < k[:, None]) / k[:, None]) / 2
    run = write_run(tmp_path / "submissions" / "lora", grouped, mixed)
    info = json.loads((run / "run.json").read_text())
    info["model"]["adapter"] = {
        "id": "simbench-tests/opinions-lora", "type": "lora", "source": "/cache/snapshot",
        "revision": "1" * 40, "content_hash": "sha256:" + "2" * 64,
        "base_model": "made-up/sharpened", "rank": 8, "alpha": 16.0,
        "target_modules": ["q_proj", "v_proj"], "merged": True}
    (run / "run.json").write_text(json.dumps(info))
    assert main(["submit", str(run), "--leaderboard", "me/board", "--dry-run",
                 "--data", str(simbench_data), *_FAST]) == 0
    out = capsys.readouterr().out
    # the evaluation results go to the adapter's repository, not to the base model's
    assert "pull request on model simbench-tests/opinions-lora" in out
    assert main(["leaderboard", "build", str(tmp_path / "submissions"), "--out",
                 str(tmp_path / "board"), "--data", str(simbench_data), *_FAST]) == 0
    rows = list(csv.DictReader((tmp_path / "board" / "leaderboard.csv").open()))
    [mine] = [r for r in rows if r["source"] == "submitted"]
    assert mine["model"] == "made-up/sharpened + LoRA simbench-tests/opinions-lora"
    assert float(mine["score"]) == pytest.approx(50.0, abs=1e-6)
