"""``simbench score`` end to end on the full release data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from metric_helpers import half_rows, human_rows, uniform_rows, write_jsonl

from simbench import Item
from simbench.cli import main


@pytest.mark.parametrize(("make_rows", "expected"),
                         [(uniform_rows, 0.0), (human_rows, 100.0), (half_rows, 50.0)])
def test_exact_checks_through_the_cli(make_rows, expected, all_items: list[Item], simbench_data,
                                      tmp_path: Path, capsys) -> None:
    pred = write_jsonl(tmp_path / "predictions.jsonl", make_rows(all_items))
    out = tmp_path / "scores" / "scores.json"
    rc = main(["score", str(pred), "--data", str(simbench_data), "--json", str(out)])
    printed = capsys.readouterr().out
    assert rc == 0
    result = json.loads(out.read_text())
    assert result["simbench_score"] == pytest.approx(expected, abs=1e-9)
    for split, n in (("pop", 7167), ("grouped", 6343)):
        assert result["splits"][split]["n"] == n
        for st in result["splits"][split]["per_study"].values():
            assert st["score"] == pytest.approx(expected, abs=1e-9)
    assert result["norms"] == "full-split" and "versions" in result
    assert f"SimBench score: {expected:.2f}" in printed
    assert "pop      moral_machine" in printed and "grouped  opinion_qa" in printed


def test_release_norms_failures_and_run_folder(all_items: list[Item], simbench_data,
                                               tmp_path: Path, capsys) -> None:
    items = [it for it in all_items if it.study in ("jester", "osp_rwas")]
    rows = half_rows(items)
    rows[0] = {"item_id": rows[0]["item_id"], "distribution": None, "status": "failed"}
    write_jsonl(tmp_path / "predictions.jsonl", rows)
    out = tmp_path / "scores.json"
    rc = main(["score", str(tmp_path), "--data", str(simbench_data), "--json", str(out),
               "--norms", "scored-rows", "--failures", "exclude"])
    assert rc == 0
    result = json.loads(out.read_text())
    assert result["norms"] == "scored-rows"
    assert result["splits"]["pop"]["n"] == 136 + 22 - 1
    assert result["failures"]["n_excluded"] == 1
    assert "failed rows: 1 (excluded)" in capsys.readouterr().out


def test_sum_tolerance_option_and_a_single_split_file(all_items: list[Item], simbench_data,
                                                       tmp_path: Path, capsys) -> None:
    it = all_items[0]
    rows = [{"item_id": it.item_id, "distribution": [x * 1.03 for x in it.human_dist]}]
    pred = write_jsonl(tmp_path / "p.jsonl", rows)
    pop_file = str(simbench_data / "SimBenchPop.jsonl")
    assert main(["score", str(pred), "--data", pop_file]) == 2
    assert "sum_tolerance=0.01" in capsys.readouterr().err
    out = tmp_path / "s.json"
    assert main(["score", str(pred), "--data", pop_file, "--sum-tolerance", "0.05",
                 "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["n_items_total"] == {"pop": 7167}
    assert result["failures"]["renormalised"] == [it.item_id]
    assert result["simbench_score"] == pytest.approx(100, abs=1e-9)
    assert main(["score", str(pred), "--data", pop_file, "--sum-tolerance", "nan"]) == 2


def test_one_wrong_label_set_is_rejected_naming_the_item(all_items: list[Item], simbench_data,
                                                         tmp_path: Path) -> None:
    rows = human_rows(all_items)
    bad = all_items[5000]
    rows[5000]["distribution"] = {chr(ord("B") + i): v for i, v in enumerate(bad.human_dist)}
    pred = write_jsonl(tmp_path / "predictions.jsonl", rows)
    env = {**os.environ, "SIMBENCH_DATA": str(simbench_data)}
    proc = subprocess.run([sys.executable, "-m", "simbench.cli", "score", str(pred)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert f"line 5001 (item {bad.item_id!r}): field 'distribution': missing label(s) ['A']" in (
        proc.stderr)
    assert "1 problem in the predictions" in proc.stderr


def test_missing_file(simbench_data, tmp_path: Path, capsys) -> None:
    pop_file = str(simbench_data / "SimBenchPop.jsonl")
    assert main(["score", str(tmp_path / "nope.jsonl"), "--data", pop_file]) == 2
    assert "predictions file not found" in capsys.readouterr().err
