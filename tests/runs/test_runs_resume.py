"""Kill a real ``simbench run`` mid-run, start it again, compare with a clean run; torchrun."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runs_helpers import read_jsonl, simbench_cmd, subprocess_env

from simbench.cli import main

# 3 studies x 4 items = 12 items, one prompt per forward pass: slow enough to be killed midway.
_ARGS = ["--studies", "moral_machine_classic", "osp_rwas", "opinion_qa", "--limit-per-study", "4",
         "--batch-size", "1", "--no-prefix-cache", "--no-progress", "--device", "cpu"]


def _cmd(model: Path, data: Path, out: Path, *extra: str) -> list[str]:
    return simbench_cmd("run", "--model", str(model), "--data", str(data), "--out", str(out),
                        *_ARGS, *extra)


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _by_id(path: Path) -> dict[str, dict]:
    return {p["item_id"]: p for p in read_jsonl(path)}


def _assert_same_predictions(a: dict[str, dict], b: dict[str, dict]) -> None:
    assert list(a) == list(b)  # same items, same (item) order
    for iid, pa in a.items():
        pb = b[iid]
        assert pa["prompt_hash"] == pb["prompt_hash"] and pa["status"] == pb["status"] == "ok"
        assert pa["label_mass"] == pytest.approx(pb["label_mass"], rel=1e-5, abs=1e-7)
        for label, value in pa["distribution"].items():
            assert value == pytest.approx(pb["distribution"][label], abs=1e-6)


@pytest.fixture(scope="module")
def clean_run(tiny_gpt2_dir: Path, small_data: Path, tmp_path_factory) -> Path:
    """The same run, uninterrupted, in this process."""
    out = tmp_path_factory.mktemp("clean") / "run"
    assert main(_cmd(tiny_gpt2_dir, small_data, out)[3:]) == 0
    return out


def test_killed_run_resumes_to_the_clean_result(clean_run: Path, tiny_gpt2_dir: Path,
                                                small_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "killed"
    pred = out / "predictions.jsonl"
    proc = subprocess.Popen(_cmd(tiny_gpt2_dir, small_data, out), env=subprocess_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 300
    try:
        while _lines(pred) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    n_before = _lines(pred)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert 3 <= n_before < 12
    assert not (out / "scores.json").exists()
    # simulate dying in the middle of a write as well: a partial last line must be tolerated
    with pred.open("ab") as f:
        f.write(b'{"item_id": "pop/')
    done = subprocess.run(_cmd(tiny_gpt2_dir, small_data, out), env=subprocess_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"12 items ({n_before} resumed, 0 failed)" in done.stdout
    resumed = _by_id(pred)
    assert len(resumed) == 12 and len(read_jsonl(pred)) == 12  # every item exactly once
    _assert_same_predictions(resumed, _by_id(clean_run / "predictions.jsonl"))
    assert (out / "scores.json").exists()


_TORCHRUN = Path(sys.executable).parent / "torchrun"


@pytest.mark.skipif(not _TORCHRUN.exists(), reason="torchrun is not installed beside python")
def test_torchrun_two_processes_equal_one(clean_run: Path, tiny_gpt2_dir: Path, small_data: Path,
                                          tmp_path: Path) -> None:
    out = tmp_path / "ddp"
    # resume across world sizes: the first 5 clean predictions are already there
    out.mkdir()
    clean_lines = (clean_run / "predictions.jsonl").read_text().splitlines(keepends=True)
    shutil.copy(clean_run / "run.json", out / "run.json")
    (out / "predictions.jsonl").write_text("".join(clean_lines[:5]))
    cmd = [str(_TORCHRUN), "--standalone", "--nproc_per_node", "2", "-m", "simbench.cli", "run",
           "--model", str(tiny_gpt2_dir), "--data", str(small_data), "--out", str(out), *_ARGS]
    done = subprocess.run(cmd, env=subprocess_env(), capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("SimBench score") == 1  # rank 0 alone prints
    assert "12 items (5 resumed, 0 failed)" in done.stdout
    assert not list(out.glob("predictions.rank*.jsonl"))
    _assert_same_predictions(_by_id(out / "predictions.jsonl"),
                             _by_id(clean_run / "predictions.jsonl"))
    info = (out / "run.json").read_text()
    assert '"world_size": 2' in info
