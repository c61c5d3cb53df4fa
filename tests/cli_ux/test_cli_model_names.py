"""A model name that is no folder, no alias and no cached Hub id says so offline (no network error)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _run(model: str, tmp_path: Path, simbench_data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf"),
           "SIMBENCH_DATA": str(simbench_data)}
    return subprocess.run([sys.executable, "-m", "simbench.cli", "run", "--model", model,
                           "--limit-per-study", "1", "--out", str(tmp_path / "run")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)


@pytest.mark.parametrize(("model", "hint"), [
    ("smolm2", "did you mean 'smollm2'? "),
    ("SmolLM-2", "did you mean 'smollm2'? "),
    ("someone/not-a-cached-model", ""),
])
def test_an_unknown_model_name_offline(model: str, hint: str, tmp_path: Path,
                                       simbench_data: Path) -> None:
    proc = _run(model, tmp_path, simbench_data)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"simbench run: error: model {model!r} is neither a local folder, a built-in alias nor a "
        f"Hub id in the Hugging Face cache (offline mode is on); {hint}built-in aliases: "
        "'smollm2' (HuggingFaceTB/SmolLM2-135M-Instruct)"]
    assert not (tmp_path / "run" / "predictions.jsonl").exists()
