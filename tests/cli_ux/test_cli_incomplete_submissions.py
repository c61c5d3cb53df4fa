"""Submitting a sample run: the first line says that submissions need every item of a split and
gives the command that completes the run; ``leaderboard build`` says it first too."""

from __future__ import annotations

from pathlib import Path

import pytest

from simbench.cli import main


def _run_uniform(out: Path, data: Path, *extra: str) -> None:
    assert main(["run", "--model", "uniform", "--data", str(data), "--out", str(out),
                 "--no-progress", *extra]) == 0


def _first_error_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 2
    return capsys.readouterr().err.splitlines()[0]


def test_submit_of_a_sample_run_says_first_what_is_needed(tmp_path: Path, simbench_data: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "sample"
    _run_uniform(run, simbench_data, "--limit-per-study", "1")
    submit = ["submit", str(run), "--leaderboard", "me/simbench-leaderboard", "--dry-run",
              "--data", str(simbench_data), "--n-resamples", "10"]
    command = f"simbench run --model uniform --out {run}"
    assert _first_error_line(submit, capsys) == (
        f"simbench submit: error: submission {run} rejected: submissions need every item of a "
        "split: 13,485 of the 13,510 items of pop and grouped have no prediction (a sample run?); "
        f"complete the run (it resumes, computing only the missing items): {command}")
    # the command given completes the run, and the submission then passes
    argv = command.split()[1:]
    assert main([*argv, "--data", str(simbench_data), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(submit) == 0


def test_one_split_sample_gets_a_one_split_command(tmp_path: Path, simbench_data: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "pop-sample"
    _run_uniform(run, simbench_data, "--limit-per-study", "2", "--split", "pop")
    line = _first_error_line(["submit", str(run), "--leaderboard", "me/lb", "--dry-run",
                              "--data", str(simbench_data)], capsys)
    assert "7,127 of the 7,167 items of pop have no prediction" in line
    assert line.endswith(f"simbench run --model uniform --split pop --out {run}")


def test_leaderboard_build_says_first_which_entries_lack_items(tmp_path: Path,
                                                               simbench_data: Path,
                                                               capsys: pytest.CaptureFixture[str]
                                                               ) -> None:
    board = tmp_path / "board"
    _run_uniform(board / "uniform-sample", simbench_data, "--limit-per-study", "1")
    _run_uniform(board / "uniform-full", simbench_data)
    line = _first_error_line(["leaderboard", "build", str(board), "--out", str(tmp_path / "site"),
                              "--data", str(simbench_data), "--n-resamples", "10"], capsys)
    assert line == (
        f"simbench leaderboard: error: submission {board} rejected: submissions need every item "
        "of a split, and 1 lack items (uniform-sample): complete each run with 'simbench run' on "
        "its folder (it resumes), then submit it again")
