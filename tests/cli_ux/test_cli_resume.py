"""A fully resumed run does not load the model: it re-scores the folder and says so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from simbench.cli import main


def test_a_fully_resumed_run_does_not_load_the_model(tiny_llama_dir: Path, tmp_path: Path,
                                                     simbench_data: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    model = Path(shutil.copytree(tiny_llama_dir, tmp_path / "model"))
    run = tmp_path / "run"

    def argv(limit: int) -> list[str]:
        return ["run", "--model", str(model), "--data", str(simbench_data), "--split", "pop",
                "--studies", "jester", "osp_rwas", "--limit-per-study", str(limit),
                "--out", str(run), "--no-progress"]

    assert main(argv(2)) == 0
    first = capsys.readouterr().out
    assert "4 items (0 resumed, 0 failed)" in first
    scores = json.loads((run / "scores.json").read_text())
    # The weights are gone: a run that loaded the model would fail now.
    shutil.rmtree(model)
    assert main(argv(2)) == 0
    out = capsys.readouterr().out
    assert ("4 items (4 resumed, 0 failed): all were finished before, so the run was re-scored "
            f"without loading the model. Run folder: {run}") in out
    again = json.loads((run / "scores.json").read_text())
    assert again["simbench_score"] == scores["simbench_score"]
    info = json.loads((run / "run.json").read_text())
    assert info["status"] == "complete" and info["timings"]["load_s"] is None
    assert [h["n_computed"] for h in info["history"]] == [4, 0]
    # with an item left to do, the model is needed (and its absence is an error naming it)
    capsys.readouterr()
    assert main(argv(3)) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_finished_folder_still_refuses_other_settings(tiny_llama_dir: Path, tmp_path: Path,
                                                        simbench_data: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Not loading the model does not skip the check: another prompt mode or dtype is refused."""
    run = tmp_path / "run"
    base = ["run", "--model", str(tiny_llama_dir), "--data", str(simbench_data), "--split", "pop",
            "--studies", "jester", "--limit-per-study", "2", "--out", str(run), "--no-progress"]
    assert main(base) == 0
    for extra, key in ((["--prompt-mode", "base"], "prompt_mode: 'chat' in the folder, 'base' now"),
                       (["--dtype", "bfloat16"], "model.dtype: 'float32' in the folder, "
                                                 "'bfloat16' now")):
        capsys.readouterr()
        assert main([*base, *extra]) == 2
        err = capsys.readouterr().err
        assert key in err and "choose another run folder (out)" in err
    capsys.readouterr()
    assert main([*base, "--prompt-mode", "chat"]) == 0  # what auto chose: the same run
    assert "re-scored without loading the model" in capsys.readouterr().out
