"""``simbench run --dtype``: the dtype the weights were loaded in is what ``run.json`` records
(``auto-fast`` resolved on this machine's CPU), and a bfloat16 run is a complete, scored run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runs_helpers import RUN_ARGS, read_jsonl

from simbench.cli import main
from simbench.extraction._hardware import fast_cpu_dtype


@pytest.mark.parametrize(("asked", "recorded"), [("bfloat16", "bfloat16"),
                                                 ("auto-fast", fast_cpu_dtype()),
                                                 ("auto", "float32")])
def test_run_json_records_the_loaded_dtype(asked: str, recorded: str, tiny_gpt2_dir: Path,
                                           small_data: Path, tmp_path: Path) -> None:
    out = tmp_path / asked
    assert main(["run", "--model", str(tiny_gpt2_dir), "--data", str(small_data), "--out",
                 str(out), "--device", "cpu", "--dtype", asked, *RUN_ARGS]) == 0
    info = json.loads((out / "run.json").read_text())
    assert info["model"]["dtype"] == recorded and info["status"] == "complete"
    preds = read_jsonl(out / "predictions.jsonl")
    assert len(preds) == 6 and all(p["status"] == "ok" for p in preds)
    for p in preds:
        assert sum(p["distribution"].values()) == pytest.approx(1.0, abs=1e-9)
    assert "simbench_score" in json.loads((out / "scores.json").read_text())
