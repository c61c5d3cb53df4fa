"""Stale registrations (another version, other data, a second copy) are reported and replaced;
``simbench uninstall`` removes what ``simbench install`` wrote and nothing else."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from install_helpers import run_cli, run_python

pytestmark = pytest.mark.timeout(1800)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, simbench_data: Path) -> Path:
    hf_home = tmp_path_factory.mktemp("hf_home")
    proc = run_cli(["install"], hf_home, tmp_path_factory.mktemp("cwd"), data=simbench_data)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return hf_home


def _one(pattern: str, root: Path) -> Path:
    found = sorted(p for p in root.glob(pattern) if p.is_dir() or p.suffix == ".py")
    assert len(found) == 1, found
    return found[0]


def _set_marker(folder: Path, **changes: str) -> None:
    path = folder / "simbench-install.json"
    marker = json.loads(path.read_text())
    marker.update(changes)
    path.write_text(json.dumps(marker))


def test_an_upgrade_replaces_stale_copies(installed: Path, tmp_path: Path,
                                          simbench_data: Path) -> None:
    hf_home = Path(shutil.copytree(installed, tmp_path / "hf_home"))
    cache = hf_home / "datasets" / "simbench"
    # moral_machine as an older release of the package registered it
    _set_marker(_one("moral_machine/*/*", cache), package_version="0.0.9")
    # a second, older copy of 'all' under another version folder
    current_all = _one("all/*/*", cache)
    old_all = cache / "all" / "0.0.9" / current_all.name
    shutil.copytree(current_all, old_all)
    _set_marker(old_all, package_version="0.0.9")
    os.utime(old_all, (1e9, 1e9))
    # another module file registered beside the current one, newer: evaluate would take it
    metric_dir = _one("modules/evaluate_modules/metrics/evaluate-metric--simbench", hf_home)
    other = metric_dir / ("0" * 64)
    other.mkdir()
    current_module = _one("*/simbench.py", metric_dir)
    (other / "simbench.py").write_text(current_module.read_text() + "\n# changed\n")

    check = run_cli(["install", "--check"], hf_home, tmp_path / "cwd", data=simbench_data)
    assert check.returncode == 1, check.stderr
    assert "19 of 21 configs current" in check.stdout
    assert "moral_machine            stale" in check.stdout
    assert "registered by simbench-eval 0.0.9" in check.stdout
    assert "all                      stale" in check.stdout and "2 registrations" in check.stdout
    assert "evaluate-metric--simbench/" + "0" * 64 + ": stale (2 registrations)" in check.stdout

    proc = run_cli(["install"], hf_home, tmp_path / "cwd", data=simbench_data)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("registered 21 configs in ")
    assert not old_all.exists() and not other.exists()
    assert _one("all/*/*", cache) == current_all
    assert json.loads((_one("moral_machine/*/*", cache) / "simbench-install.json").read_text())[
        "package_version"] != "0.0.9"
    again = run_cli(["install", "--check"], hf_home, tmp_path / "cwd", data=simbench_data)
    assert again.returncode == 0 and "everything is current" in again.stdout


def test_other_data_is_stale_and_a_rerun_rebuilds_from_it(installed: Path, tmp_path: Path,
                                                          simbench_data: Path) -> None:
    hf_home = Path(shutil.copytree(installed, tmp_path / "hf_home"))
    # the same rows in other bytes (a trailing newline more): another data hash
    other = tmp_path / "release"
    other.mkdir()
    for name in ("SimBenchPop.jsonl", "SimBenchGrouped.jsonl"):
        (other / name).write_bytes((simbench_data / name).read_bytes() + b"\n")
    check = run_cli(["install", "--check", "--source", str(other)], hf_home, tmp_path / "cwd")
    assert check.returncode == 1
    assert "0 of 21 configs current" in check.stdout and "built from other data" in check.stdout
    old_hash = _one("datasets/simbench/all/*/*", hf_home).name
    proc = run_cli(["install", "--source", str(other)], hf_home, tmp_path / "cwd")
    assert proc.returncode == 0, proc.stderr[-3000:]
    new = _one("datasets/simbench/all/*/*", hf_home)
    assert new.name != old_hash
    assert json.loads((new / "simbench-install.json").read_text())["data_sha256"] == new.name
    assert proc.stdout.startswith("registered 21 configs in ")


def test_uninstall_removes_ours_and_keeps_other_folders(installed: Path, tmp_path: Path,
                                                        simbench_data: Path) -> None:
    hf_home = Path(shutil.copytree(installed, tmp_path / "hf_home"))
    # what load_dataset("simbench", ...) of a local folder named simbench leaves in the cache
    foreign = hf_home / "datasets" / "simbench" / "moral_machine-1a2b3c" / "0.0.0" / "4d5e6f"
    foreign.mkdir(parents=True)
    (foreign / "dataset_info.json").write_text(json.dumps({"config_name": "moral_machine"}))
    check = run_cli(["install", "--check"], hf_home, tmp_path / "cwd", data=simbench_data)
    assert "moral_machine-1a2b3c" in check.stdout and "not written by simbench install" in check.stdout

    proc = run_cli(["uninstall"], hf_home, tmp_path / "cwd")
    assert proc.returncode == 0, proc.stderr
    assert "removed 23 registrations" in proc.stdout  # 21 configs, the metric folder, its lock
    assert foreign.is_dir()
    left = [p for p in (hf_home / "datasets").rglob("*") if p.is_file()]
    assert left == [foreign / "dataset_info.json"]
    assert not (hf_home / "modules/evaluate_modules/metrics/evaluate-metric--simbench").exists()

    code = """
from datasets import load_dataset
import evaluate
for load in (lambda: load_dataset("simbench", "moral_machine", split="pop"),
             lambda: evaluate.load("simbench")):
    try:
        load()
        print("loaded")
    except Exception as e:
        print("failed:", type(e).__name__)
"""
    out = run_python(code, hf_home, tmp_path / "empty")
    assert out.count("failed:") == 2, out
    again = run_cli(["uninstall"], hf_home, tmp_path / "cwd")
    assert again.returncode == 0 and "nothing registered: nothing to do" in again.stdout
