"""`simbench run --backend vllm` as a user runs it: killed with SIGKILL, resumed, same as clean.

These start their own engines in subprocesses (the command line is what is under test); the
clean-run reference comes from the session's shared engine.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from simbench import Item

pytestmark = pytest.mark.vllm

#: 12 items: 3 per study and split, both splits (ess has a grouped split).
_DATA_ARGS = ["--studies", "choices13k", "osp_mgkt", "ess", "--limit-per-study", "3"]


def _command(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "simbench.cli", "run", "--backend", "vllm", "--model", "smollm2",
            "--dtype", "float32", *_DATA_ARGS, "--batch-size", "1", "--no-progress",
            "--out", str(out), *extra]


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:  # a half-written last line
            pass
    return out


def test_resume_after_sigkill_gives_every_item_once(tmp_path: Path, vllm_engine: Any,
                                                    all_items: list[Item]) -> None:
    from simbench.extraction.vllm import VLLMLogprobBackend
    from simbench.runs import PREDICTIONS_FILE, RUN_INFO_FILE

    out = tmp_path / "run"
    predictions = out / PREDICTIONS_FILE
    with (tmp_path / "killed.log").open("w") as log:
        proc = subprocess.Popen(_command(out), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # its own group: the engine dies with it
        deadline = time.monotonic() + 1200
        try:
            while len(_lines(predictions)) < 3:
                assert proc.poll() is None, (tmp_path / "killed.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "no predictions within 20 minutes"
                time.sleep(0.2)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    n_killed = len(_lines(predictions))
    done = subprocess.run(_command(out), capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = _lines(predictions)
    ids = [r["item_id"] for r in rows]
    info = json.loads((out / RUN_INFO_FILE).read_text())
    assert len(ids) == len(set(ids)) == info["data"]["n_items"] == 12
    assert 3 <= n_killed < 12, f"the kill came too late ({n_killed} of 12 done)"
    assert f"12 items ({n_killed} resumed, 0 failed)" in done.stdout
    # the same predictions as a clean run (the session's engine on the same items)
    by_id = {it.item_id: it for it in all_items}
    clean = {p.item_id: p for p in VLLMLogprobBackend(engine=vllm_engine).predict(
        [by_id[i] for i in ids], progress=False)}
    for row in rows:
        ref = clean[row["item_id"]]
        assert row["status"] == "ok" and row["prompt_hash"] == ref.prompt_hash
        assert row["distribution"] == pytest.approx(ref.distribution, abs=1e-6)
        assert row["label_mass"] == pytest.approx(ref.label_mass, abs=1e-6)
    # provenance: backend, vLLM version, engine arguments, device, engine start time
    assert info["backend"] == "vllm" and info["device"] == "cpu"
    assert info["model"]["dtype"] == "float32" and info["model"]["content_hash"].startswith("gguf:")
    details = info["backend_details"]
    assert details["vllm_version"] and details["engine_args"]["enable_prefix_caching"] is True
    assert details["engine_args"]["logprobs_mode"] == "raw_logprobs"
    assert info["timings"]["load_s"] > 1
    # a folder written by vLLM refuses another backend, before any model is loaded
    other = subprocess.run([sys.executable, "-m", "simbench.cli", "run", "--model", "smollm2",
                            *_DATA_ARGS, "--no-progress", "--out", str(out)],
                           capture_output=True, text=True, timeout=300)
    assert other.returncode != 0 and "backend" in other.stderr, other.stderr[-2000:]
    assert "vllm" in other.stderr and "transformers" in other.stderr
