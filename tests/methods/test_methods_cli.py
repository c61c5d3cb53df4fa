"""``simbench run --permutations`` / ``--method sampling`` end to end: run, score, report, submit,
board, and the folder's refusal of a mix; bad values are one-line usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simbench.cli import main


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        rc = main(argv)
    except SystemExit as e:  # argparse usage errors
        rc = int(e.code or 0)
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.parametrize(("flags", "says"), [
    (["--permutations", "cyclic:3"], "argument --permutations: permutations 'cyclic:3' is not "
                                     "'none', 'cyclic' or 'random:N'"),
    (["--permutations", "random:1"], "N must be a whole number >= 2, got '1'"),
    (["--method", "sampling", "--samples", "0"], "argument --samples: expected a positive "
                                                 "integer, got 0"),
    (["--samples", "5"], "--samples does not apply to --method token_probs: it needs --method "
                         "sampling"),
])
def test_bad_values_are_one_line_errors(flags: list[str], says: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    rc, _out, err = _run(["run", "--model", "smollm2", *flags, "--out", str(tmp_path / "r")],
                         capsys)
    assert rc == 2
    assert err.count("\n") == 1 and says in err, err
    assert not (tmp_path / "r").exists()


def _folder_run(tmp: Path, name: str, model: Path, data: Path, flags: list[str],
                capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp / name
    rc, _o, err = _run(["run", "--model", str(model), "--data", str(data), "--split", "pop",
                        "--no-progress", "--out", str(out), *flags], capsys)
    assert rc == 0, err
    return out


def test_permuted_and_sampled_runs_go_through_score_report_submit_and_the_board(
        tiny_gpt2_dir: Path, methods_data: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    runs = tmp_path / "runs"
    cyclic = _folder_run(runs, "cyclic", tiny_gpt2_dir, methods_data,
                         ["--permutations", "cyclic"], capsys)
    sampled = _folder_run(runs, "sampled", tiny_gpt2_dir, methods_data,
                          ["--method", "sampling", "--samples", "5", "--temperature", "2"], capsys)
    info = json.loads((cyclic / "run.json").read_text())
    assert info["method"] == "token_probs" and info["permutations"]["scheme"] == "cyclic"
    line = json.loads((cyclic / "predictions.jsonl").read_text().splitlines()[0])
    assert len(line["permutations"]) == len(line["distribution"])
    info = json.loads((sampled / "run.json").read_text())
    assert info["method"] == "sampling" and info["permutations"] is None
    assert (info["generation"]["samples"], info["generation"]["temperature"]) == (5, 2.0)
    lines = [json.loads(x) for x in (sampled / "predictions.jsonl").read_text().splitlines()]
    assert all(x["samples"]["n"] == 5 for x in lines) and len(lines) == 37

    for run, label in ((cyclic, "token_probs + permutations cyclic"),
                       (sampled, "sampling (5 samples, T=2)")):
        rc, out, err = _run(["score", str(run)], capsys)
        assert rc == 0 and "scored 37 rows" in out + err, err
        report = tmp_path / f"report-{run.name}"
        rc, _o, err = _run(["report", str(run), "--data", str(methods_data), "--out", str(report),
                            "--n-resamples", "50", "--n-draws", "10"], capsys)
        assert rc == 0, err
        md = (report / "report.md").read_text()
        assert "Position bias: probability mass by label position" in md
        assert ("model per order shown" in md) == (run is cyclic)
        stats = json.loads((report / "stats.json").read_text())
        ks = {g["k"] for g in stats["position_bias"]["by_k"]}  # failed items are left out
        assert ks == {2, 9} if run is cyclic else ks <= {2, 9}
        rc, out, err = _run(["submit", str(run), "--data", str(methods_data), "--leaderboard",
                             "me/simbench-leaderboard", "--model-repo", "none", "--dry-run"],
                            capsys)
        assert rc == 0 and "accepted:" in out and label in out, out + err

    site = tmp_path / "site"
    rc, _o, err = _run(["leaderboard", "build", str(runs), "--data", str(methods_data), "--out",
                        str(site), "--n-resamples", "50"], capsys)
    assert rc == 0, err
    board = (site / "leaderboard.md").read_text()
    assert "token_probs + permutations cyclic" in board and "sampling (5 samples, T=2)" in board

    # a folder refuses a mix: other permutations, other sample counts
    for run, flags, key in ((cyclic, [], "permutations"),
                            (cyclic, ["--permutations", "random:2"], "permutations"),
                            (sampled, ["--method", "sampling", "--samples", "6",
                                       "--temperature", "2"], "generation")):
        rc, _o, err = _run(["run", "--model", str(tiny_gpt2_dir), "--data", str(methods_data),
                            "--split", "pop", "--no-progress", "--out", str(run), *flags], capsys)
        assert rc == 2 and "holds a different run" in err and key in err, err
