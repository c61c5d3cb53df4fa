"""What a new user hit on the command line: one-line usage errors with a hint, "did you mean",
``-v`` after the sub-command, help for ``--split``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from simbench.cli import build_parser, main


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the CLI on ``argv``, expect a usage error (exit code 2), return its one line."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err  # no 17-line usage block
    return lines[0]


_RUN = ["run", "--model", "uniform", "--out", "runs/x"]


@pytest.mark.parametrize(("extra", "expected"), [
    (["--limit-per-study", "0"],
     "simbench run: error: argument --limit-per-study: expected a positive integer, got 0 "
     "(see 'simbench run --help')"),
    (["--split", "popp"],
     "simbench run: error: argument --split: invalid choice: 'popp' (choose from 'pop', "
     "'grouped', 'both'); did you mean 'pop'? (see 'simbench run --help')"),
    (["--batch-size", "foo"],
     "simbench run: error: argument --batch-size: expected 'auto' or a positive integer, got "
     "'foo' (see 'simbench run --help')"),
    (["--batch-size", "0"],
     "simbench run: error: argument --batch-size: expected 'auto' or a positive integer, got "
     "'0' (see 'simbench run --help')"),
])
def test_usage_errors_are_one_line_with_a_hint(extra: list[str], expected: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert _usage_error(_RUN + extra, capsys) == expected


def test_batch_size_auto_and_numbers_are_accepted() -> None:
    parser = build_parser()
    assert parser.parse_args(_RUN + ["--batch-size", "auto"]).batch_size == "auto"
    assert parser.parse_args(_RUN + ["--batch-size", "16"]).batch_size == 16


def test_a_wrong_study_slug_gets_did_you_mean(capsys: pytest.CaptureFixture[str]) -> None:
    line = _usage_error(_RUN + ["--studies", "moral_machine", "opinionqa"], capsys)
    assert line.startswith("simbench run: error: argument --studies: unknown study 'opinionqa' "
                           "(did you mean 'opinion_qa'?); known slugs: afrobarometer, ")
    assert line.endswith("(see 'simbench run --help')")
    # release spellings and slugs both work, and come back as slugs
    args = build_parser().parse_args(_RUN + ["--studies", "MoralMachine", "opinion_qa"])
    assert args.studies == ["moral_machine", "opinion_qa"]


def test_a_wrong_command_gets_did_you_mean(capsys: pytest.CaptureFixture[str]) -> None:
    line = _usage_error(["rn", "--model", "smollm2"], capsys)
    assert line.startswith("simbench: error: argument <command>: invalid choice: 'rn' (choose from ")
    assert line.endswith("did you mean 'run'? (see 'simbench --help')")


def test_missing_required_options_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert _usage_error(["run", "--model", "smollm2"], capsys) == (
        "simbench run: error: the following arguments are required: --out "
        "(see 'simbench run --help')")
    line = _usage_error(["data", "biuld"], capsys)
    assert line.startswith("simbench data: error: argument <action>: invalid choice: 'biuld'")
    assert "did you mean 'build'?" in line


def test_split_has_help_text_and_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert ("--split {pop,grouped,both} SimBenchPop (7,167 items), SimBenchGrouped (6,343) or "
            "both (default: both)") in text


@pytest.mark.parametrize("argv", [["-v", *_RUN], [*_RUN, "-v"], ["run", "--verbose", *_RUN[1:]]])
def test_verbose_before_or_after_the_command(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert args.verbose == 1 and args.command == "run"


def test_verbose_counts() -> None:
    parser = build_parser()
    assert parser.parse_args(_RUN).verbose == 0
    assert parser.parse_args(["run", "-vv", *_RUN[1:]]).verbose == 2
    assert parser.parse_args(["data", "info", "-v"]).verbose == 1  # nested sub-commands too


def test_verbose_after_the_command_shows_the_traceback(tmp_path: Path) -> None:
    """``-v`` after the sub-command does what it does before it: the traceback of an error."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    argv = [sys.executable, "-m", "simbench.cli", "score", str(tmp_path / "missing.jsonl")]
    quiet = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path)
    loud = subprocess.run(argv + ["-v"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert quiet.returncode == loud.returncode == 2
    assert "Traceback" not in quiet.stderr and len(quiet.stderr.splitlines()) == 1
    assert "Traceback (most recent call last)" in loud.stderr
    assert quiet.stderr.splitlines()[-1] == loud.stderr.splitlines()[-1]
