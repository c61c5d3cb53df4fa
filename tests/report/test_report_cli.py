"""``simbench report`` end to end on run folders over the real items."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from simbench.cli import main
from simbench.stats import RunMismatchError, bootstrap_ci, compare_runs, load_run

_FAST = ["--n-resamples", "200", "--n-draws", "40"]


@pytest.fixture(scope="module")
def report_dir(known_runs, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    rc = main(["report", str(known_runs["a"]), "--compare", str(known_runs["b"]),
               str(known_runs["a"]), "--out", str(out), "--seed", "3", *_FAST])
    assert rc == 0
    return out


def test_report_files_and_numbers(report_dir, known_runs, all_items):
    stats = json.loads((report_dir / "stats.json").read_text())
    assert stats["seed"] == 3 and stats["n_resamples"] == 200
    run = stats["run"]
    iv = run["intervals"]
    assert iv["seed"] == 3 and iv["n_resamples"] == 200
    assert iv["simbench_score"]["low"] < iv["simbench_score"]["estimate"] < iv["simbench_score"]["high"]
    assert run["scores"]["simbench_score"] == pytest.approx(iv["simbench_score"]["estimate"])
    assert run["ceiling"]["simbench_score"] > run["scores"]["simbench_score"]
    assert run["attributes"]["n_matched"] > 0
    assert run["label_mass"]["n"] == run["failures"]["n"]
    # The score equals what the metric computes for the same predictions (full-split norms).
    from simbench.metric import score_predictions
    ref = score_predictions(str(known_runs["a"] / "predictions.jsonl"), items=all_items)
    assert run["scores"]["simbench_score"] == pytest.approx(ref["simbench_score"], abs=1e-9)
    a_vs_b, a_vs_a = stats["comparisons"]
    assert a_vs_b["run_a"]["name"] == "model-a" and a_vs_b["run_b"]["name"] == "model-b"
    assert a_vs_b["difference"]["estimate"] != 0.0
    assert a_vs_a["difference"]["estimate"] == 0.0 and a_vs_a["difference"]["p_value"] == 1.0
    assert a_vs_a["win_rate"]["ties"] == 1.0


def test_report_html_embeds_every_plot(report_dir):
    html = (report_dir / "report.html").read_text()
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    pngs = sorted(p.name for p in (report_dir / "figures").iterdir())
    assert len(images) == len(pngs) == 10  # 5 run plots + 2 per comparison + position bias
    assert "studies.png" in pngs and "alignment-2.png" in pngs and "label-mass.png" in pngs
    assert "position-bias.png" in pngs
    assert "http" not in html.replace("http-equiv", "")  # self-contained: nothing fetched
    md = (report_dir / "report.md").read_text()
    assert md.count("](figures/") == 10 and "| SimBench score |" in md


def test_same_seed_gives_identical_numbers(known_runs, report_dir, all_items):
    """Recomputing the statistics with the same seed reproduces the report's numbers exactly."""
    from simbench.report import analyse_comparison, analyse_run

    stats = json.loads((report_dir / "stats.json").read_text())
    a, b = (load_run(known_runs[k], items=all_items) for k in ("a", "b"))
    again = analyse_run(a, seed=3, n_resamples=200, n_draws=40).summary
    assert json.loads(json.dumps(again)) == stats["run"]
    comp = analyse_comparison(a, b, seed=3, n_resamples=200).summary
    assert json.loads(json.dumps(comp)) == stats["comparisons"][0]
    other = analyse_comparison(a, b, seed=4, n_resamples=200).summary
    assert other["difference"]["low"] != comp["difference"]["low"]


def test_intervals_shrink_when_more_items_are_scored(known_runs, all_items):
    widths = []
    for name in ("a", "large"):
        run = load_run(known_runs[name], items=all_items)
        ci = bootstrap_ci(list(run.items), run.rows, n_resamples=300)
        widths.append(ci["simbench_score"]["high"] - ci["simbench_score"]["low"])
    # 10x the rows; Grouped has only 20 question clusters per study, so less than sqrt(10) overall.
    assert widths[0] > 1.4 * widths[1]


def test_runs_over_other_items_or_data_are_refused(known_runs, all_items, tmp_path, capsys):
    a = load_run(known_runs["a"], items=all_items)
    large = load_run(known_runs["large"], items=all_items)
    with pytest.raises(RunMismatchError, match="different items"):
        compare_runs(a, large, n_resamples=10)
    rc = main(["report", str(known_runs["a"]), "--compare", str(known_runs["large"]),
               "--out", str(tmp_path), *_FAST])
    assert rc == 2 and "cover different items" in capsys.readouterr().err
    other = tmp_path / "other"
    other.mkdir()
    (other / "predictions.jsonl").write_text((known_runs["b"] / "predictions.jsonl").read_text())
    meta = json.loads((known_runs["b"] / "run.json").read_text())
    meta["data"]["sha256"] = "another-release"
    (other / "run.json").write_text(json.dumps(meta))
    with pytest.raises(RunMismatchError, match="different data"):
        compare_runs(a, load_run(other, items=all_items), n_resamples=10)


def test_bad_predictions_name_the_item(known_runs, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    lines = (known_runs["b"] / "predictions.jsonl").read_text().splitlines()
    rec = json.loads(lines[1])
    rec["distribution"] = {k: -1.0 for k in rec["distribution"]}
    lines[1] = json.dumps(rec)
    (bad / "predictions.jsonl").write_text("\n".join(lines) + "\n")
    assert main(["report", str(bad), "--out", str(tmp_path / "o"), *_FAST]) == 2
    assert rec["item_id"] in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2


def test_import_stays_light():
    code = ("import sys, simbench, simbench.stats, simbench.report, simbench.cli.report;"
            "print(sorted(m for m in ('matplotlib', 'torch', 'jinja2', 'transformers') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_model_entropy_of_a_sharpened_run_is_lower(known_runs, all_items):
    run = load_run(known_runs["a"], items=all_items)
    assert np.mean(run.model_entropy()) < np.mean(run.human_entropy())
