"""``simbench data build --from-raw``: the folder loads with ``datasets`` and scores on its own norms."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simbench import load_items
from simbench.cli import main

_REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def big5_folder(tmp_path_factory, raw, simbench_data, scripts) -> Path:
    out = tmp_path_factory.mktemp("big5")
    code = main(["data", "build", "--from-raw", "osp_big5", "--raw", str(raw("ospsych_big5")),
                 "--source", str(simbench_data), "--extended", "--out", str(out)])
    assert code == 0
    return out


def test_from_raw_folder_loads_with_datasets(big5_folder, release_pop):
    from datasets import load_dataset

    ds = load_dataset(str(big5_folder), "osp_big5", split="pop")
    assert ds.num_rows == 250
    release = {it.item_id: it for it in release_pop if it.study == "osp_big5"}
    for rec in ds:
        ref = release[rec["item_id"]]
        assert rec["question"] == ref.question and rec["group_size"] == ref.group_size
        assert max(abs(a - b) for a, b in zip(rec["human_dist"], ref.human_dist)) < 1e-9
    ext = load_dataset(str(big5_folder), "osp_big5_extended", split="pop")
    assert ext.num_rows == 1100 and ext[5]["item_id"] == "pop/5"


def test_from_raw_writes_report_and_marks_extended_in_card(big5_folder):
    report = json.loads((big5_folder / "osp_big5_reproduction.json").read_text())
    assert report["matched"] == report["release_rows"] == 250 and report["mismatches"] == []
    assert report["max_dist_diff"] < 1e-9 and report["extended"] == {"osp_big5_extended": 1100}
    card = (big5_folder / "README.md").read_text()
    assert "| `osp_big5_extended` | **extended** (not part of the official benchmark)" in card
    assert "## Rebuilt from raw source data" in card


def test_extended_config_scores_with_its_own_norms(big5_folder):
    from simbench.metric import score_predictions

    items = load_items("pop", source=big5_folder / "osp_big5_extended" / "pop.parquet")
    us = {json.loads(it.auxiliary)["item"]: it.human_dist for it in items
          if it.grouping["country_name"] == "United States of America"}
    # A baseline that answers every country with the US distribution of the item.
    preds = [{"item_id": it.item_id, "distribution": list(us[json.loads(it.auxiliary)["item"]])}
             for it in items]
    result = score_predictions(preds, items=items)
    study = result["splits"]["pop"]["per_study"]["osp_big5"]
    assert study["n"] == 1100 and 50 < result["simbench_score"] < 100
    perfect = score_predictions([{"item_id": it.item_id, "distribution": list(it.human_dist)}
                                 for it in items], items=items)
    assert perfect["simbench_score"] == pytest.approx(100.0)


def test_from_raw_errors_are_clear(tmp_path, raw, capsys):
    assert main(["data", "build", "--from-raw", "osp_big5", "--out", str(tmp_path)]) == 2
    assert "--from-raw needs --raw" in capsys.readouterr().err
    assert main(["data", "build", "--from-raw", "moral_machine", "--raw", str(tmp_path),
                 "--out", str(tmp_path)]) == 2
    assert "no converter for 'moral_machine'" in capsys.readouterr().err
    assert main(["data", "build", "--from-raw", "osp_big5", "--raw", str(tmp_path),
                 "--out", str(tmp_path)]) == 2
    assert "lacks data.csv, codebook.txt" in capsys.readouterr().err
    assert main(["data", "build", "--extended", "--out", str(tmp_path)]) == 2
    assert "--extended needs --from-raw" in capsys.readouterr().err


def test_wisdom_of_crowds_build_refuses_without_responses(tmp_path, raw, simbench_data, capsys):
    code = main(["data", "build", "--from-raw", "wisdom_of_crowds", "--raw",
                 str(raw("wisdom_of_crowds")), "--source", str(simbench_data), "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 2 and "114/114" in captured.out
    assert "no rows to build" in captured.err and "cannot be computed" in captured.err
    assert (tmp_path / "wisdom_of_crowds_reproduction.json").is_file()


def test_cli_as_a_new_user_runs_it(tmp_path, raw, simbench_data):
    """The installed console script, from another directory (simbench.converters found from anywhere)."""
    exe = Path(sys.executable).with_name("simbench")
    env = {**os.environ, "SIMBENCH_DATA": str(simbench_data)}
    proc = subprocess.run([str(exe), "data", "build", "--from-raw", "chaos_nli", "--raw",
                           str(raw("chaosnli")), "--out", str(tmp_path / "X")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "chaos_nli: 500/500 release rows reproduced exactly" in proc.stdout
