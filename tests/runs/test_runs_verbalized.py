"""Failed items in a run folder: recorded with their raw output, scored, retried on resume."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from runs_helpers import RUN_ARGS, read_jsonl

from simbench.cli import main

pytestmark = pytest.mark.skipif(importlib.util.find_spec("simbench.extraction.hf.verbalized") is None,
                                reason="the verbalized backend is not installed")


def test_verbalized_failures_are_recorded_scored_and_retried(tiny_llama_dir: Path,
                                                            small_data: Path, tmp_path: Path,
                                                            capsys) -> None:
    out = tmp_path / "verbalized"
    # a random-weight model never writes a JSON object in 6 tokens: every item fails
    args = ["run", "--model", str(tiny_llama_dir), "--data", str(small_data), "--out", str(out),
            "--method", "verbalized", "--max-new-tokens", "6", "--retries", "2", *RUN_ARGS]
    assert main(args) == 0
    assert "6 items (0 resumed, 6 failed)" in capsys.readouterr().out
    preds = read_jsonl(out / "predictions.jsonl")
    assert len(preds) == 6
    for p in preds:
        assert p["status"] == "failed" and p["distribution"] is None and p["error"]
        assert len(p["raw_outputs"]) == 2
    scores = json.loads((out / "scores.json").read_text())
    assert scores["failures"]["n_failed"] == 6 and scores["failures"]["rule"] == "uniform"
    info = json.loads((out / "run.json").read_text())
    assert info["method"] == "verbalized" and info["seed"] == 0
    assert info["generation"]["max_new_tokens"] == 6
    # the same command retries the failed items (and only those); each item stays once
    assert main(args) == 0
    assert "6 items (0 resumed, 6 failed)" in capsys.readouterr().out
    assert len(read_jsonl(out / "predictions.jsonl")) == 6
    info = json.loads((out / "run.json").read_text())
    assert [h["n_computed"] for h in info["history"]] == [6, 6]
    # other generation settings would change the results: refused
    assert main([*args[:-len(RUN_ARGS)], "--max-new-tokens", "7", *RUN_ARGS]) == 2
    assert "generation" in capsys.readouterr().err
