"""``simbench leaderboard build``: CSV, Markdown and HTML from re-scored submissions + the paper."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from lb_helpers import HALF_MODEL_ID

from simbench.cli import main
from simbench.leaderboard import published_rows, render_page, to_markdown


@pytest.fixture(scope="module")
def submissions(half_run, uniform_run, tmp_path_factory):
    """A leaderboard dataset folder holding the two entries `simbench submit` would commit."""
    staging = tmp_path_factory.mktemp("staging")
    for run in (half_run, uniform_run):
        assert main(["submit", str(run), "--leaderboard", "simbench/leaderboard", "--dry-run",
                     "--n-resamples", "50", "--write-files", str(staging)]) == 0
    return staging / "simbench" / "leaderboard"


@pytest.fixture(scope="module")
def built(submissions, tmp_path_factory, simbench_data):
    out = tmp_path_factory.mktemp("site")
    assert main(["leaderboard", "build", str(submissions), "--out", str(out),
                 "--n-resamples", "200", "--data", str(simbench_data)]) == 0
    return out


def test_csv_ranks_published_and_submitted_rows_by_score(built):
    rows = list(csv.DictReader(io.StringIO((built / "leaderboard.csv").read_text())))
    assert len(rows) == 47
    assert [r["rank"] for r in rows] == [str(i) for i in range(1, 48)]
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    top = rows[0]
    assert (top["model"], top["score"], top["source"]) == (HALF_MODEL_ID, "50.00", "submitted")
    assert float(top["ci_low"]) < 50 < float(top["ci_high"])
    assert (top["pop"], top["grouped"], top["model_type"]) == ("50.00", "50.00", "instruct")
    assert (rows[1]["model"], rows[1]["score"], rows[1]["source"]) == (
        "Claude-3.7-Sonnet", "40.80", "reported in the paper")
    uniform = next(r for r in rows if r["model"] == "uniform")
    assert (uniform["score"], uniform["model_type"], uniform["method"]) == ("0.00", "baseline",
                                                                           "uniform")
    assert uniform["rank"] == "37"  # after the 50.00 row and the 35 published rows above 0
    assert uniform["entry"].startswith("submissions/uniform/")


def test_markdown_has_the_baseline_line_in_place(built):
    lines = (built / "leaderboard.md").read_text().splitlines()
    base = next(i for i, line in enumerate(lines) if "uniform baseline" in line)
    # The submitted uniform run is the baseline line itself, listed once, not beside it.
    assert lines[base].startswith("| 37 | **uniform baseline** | baseline | uniform | **0.00** | [")
    assert "every option equally likely" in lines[base]
    assert sum("| uniform |" in line for line in lines) == 1  # the method cell of that line
    assert "| 36 |" in lines[base - 1]
    assert "Llama-3.1-8B-Instruct | instruct | verbalized | -0.15" in lines[base + 1]
    page = (built / "index.html").read_text()
    assert page.count('class="baseline"') == 1 and page.count('data-model="uniform"') == 1
    assert '<tr class="baseline" data-rank="37" data-model="uniform"' in page
    assert "| 2 | Claude-3.7-Sonnet | instruct | verbalized | 40.80 |  |" in lines[3]


def test_results_written_in_an_entry_are_ignored(submissions, tmp_path, all_items):
    """An entry whose `results` were edited still shows the recomputed score."""
    folder = shutil.copytree(submissions, tmp_path / "subs")
    (entry,) = folder.glob("submissions/simbench-tests__*/*.json")
    data = json.loads(entry.read_text())
    data["results"]["simbench_score"] = 99.0
    entry.write_text(json.dumps(data))
    from simbench.leaderboard import submission_rows

    rows = {r.model: r for r in submission_rows(folder, all_items, n_resamples=50)}
    assert rows[HALF_MODEL_ID].score == pytest.approx(50.0, abs=1e-9)


def test_an_invalid_entry_stops_the_build(submissions, tmp_path, simbench_data, capsys):
    folder = shutil.copytree(submissions, tmp_path / "subs")
    (entry,) = folder.glob("submissions/uniform/*.json")
    data = json.loads(entry.read_text())
    del data["predictions"][3]
    entry.write_text(json.dumps(data))
    code = main(["leaderboard", "build", str(folder), "--out", str(tmp_path / "site"),
                 "--data", str(simbench_data)])
    err = capsys.readouterr().err
    assert code == 2
    assert "submissions/uniform/" in err and "'pop/3': missing" in err


def test_page_without_submissions_holds_the_45_published_rows():
    page = render_page(published_rows())
    assert page.count('<tr class="entry paper"') == 45
    assert page.count('class="baseline"') == 1
    assert page.index("Llama-3.1-70B<") < page.index('class="baseline"') < page.index(
        "Llama-3.1-8B-Instruct<")
    assert "reported in the paper" in page
    assert to_markdown(published_rows()).count("\n") == 2 + 45 + 1


def test_only_the_submissions_folder_of_a_repository_clone_is_read(submissions, tmp_path):
    from simbench.leaderboard.board import find_submissions

    folder = shutil.copytree(submissions, tmp_path / "clone")
    (folder / "README.md").write_text("# SimBench leaderboard\n")
    (folder / "eval.yaml").write_text("name: SimBench\n")
    (folder / "dataset_infos.json").write_text("{}")
    found = [p.relative_to(folder).as_posix() for p in find_submissions(folder)]
    assert len(found) == 2 and all(p.startswith("submissions/") for p in found)


def test_a_submitted_row_without_interval_says_not_estimable():
    from simbench.leaderboard.board import BoardRow, interval_text

    submitted = BoardRow("m", "base", "token_probs", 3.0, low=None, high=None)
    assert interval_text(submitted) == "not estimable"
    assert interval_text(published_rows()[0]) == ""  # the paper gives no intervals
    assert "| not estimable |" in to_markdown([submitted, *published_rows()[:2]])
    assert '<td class="num">not estimable</td>' in render_page([submitted])
