"""The report on two real runs of the tiny model, as a new user would make them with ``simbench run``."""

from __future__ import annotations

import json
import re

import pytest


def test_report_of_tiny_runs_matches_their_scores(tiny_runs, tiny_report):
    stats = json.loads((tiny_report / "stats.json").read_text())
    scores = json.loads((tiny_runs["chat"] / "scores.json").read_text())  # written by simbench run
    run = stats["run"]
    assert run["scores"]["simbench_score"] == pytest.approx(scores["simbench_score"], abs=1e-9)
    for split, s in scores["splits"].items():
        assert run["intervals"]["splits"][split]["estimate"] == pytest.approx(s["score"], abs=1e-9)
        assert run["intervals"]["splits"][split]["n"] == s["n"]
    assert run["label_mass"]["n"] == run["failures"]["n"] == 50  # token-probability run
    assert run["run"]["name"].startswith("tiny-llama")


def test_self_comparison_of_a_tiny_run_is_zero_with_p_one(tiny_report):
    stats = json.loads((tiny_report / "stats.json").read_text())
    chat_vs_base, chat_vs_chat = stats["comparisons"]
    d = chat_vs_chat["difference"]
    assert (d["estimate"], d["low"], d["high"], d["p_value"]) == (0.0, 0.0, 0.0, 1.0)
    for split in chat_vs_chat["splits"].values():
        assert split["estimate"] == 0.0 and split["p_value"] == 1.0
    assert chat_vs_base["difference"]["estimate"] != 0.0
    assert 0.0 < chat_vs_base["difference"]["p_value"] <= 1.0
    html = (tiny_report / "report.html").read_text()
    assert html.count("data:image/png;base64,") == len(list((tiny_report / "figures").glob("*.png")))


NOT_ESTIMABLE = "not estimable (fewer than 2 clusters per study)"


def test_one_cluster_studies_are_not_estimable_in_every_rendering(tiny_report):
    """Two rows per study put both Grouped ESS rows in one question: no zero-width interval is
    shown for it anywhere, in stats.json, the Markdown or the HTML, nor in the comparisons."""
    text = (tiny_report / "stats.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    stats = json.loads(text)
    ess = stats["run"]["intervals"]["splits"]["grouped"]["per_study"]["ess"]
    assert (ess["low"], ess["high"], ess["n_clusters"]) == (None, None, 1)
    assert ess["not_estimable"] == NOT_ESTIMABLE
    assert stats["run"]["intervals"]["splits"]["grouped"]["pooled"] is True
    for comparison in stats["comparisons"]:
        diff = comparison["splits"]["grouped"]["per_study"]["ess"]
        assert (diff["low"], diff["high"], diff["p_value"]) == (None, None, None)
    md = (tiny_report / "report.md").read_text()
    ess_rows = [line for line in md.splitlines() if line.startswith(("| grouped | ess |",
                                                                      "| ess (grouped) |"))]
    assert len(ess_rows) == 1 + 2  # the study table and both comparisons
    assert all(NOT_ESTIMABLE in line for line in ess_rows)
    assert "(pooled)" in md and "pooled stratum" in md  # the split note and the method line
    html = (tiny_report / "report.html").read_text()
    assert html.count(NOT_ESTIMABLE) == 3
    # Nowhere in the run's own tables is an interval printed as [x, x].
    run_tables = md.split("### Paired comparison")[0]
    assert not re.search(r"\[(-?\d+\.\d\d), \1\]", run_tables)


def test_the_report_command_prints_the_scores_and_what_is_not_estimable(tiny_runs, tmp_path,
                                                                        capsys):
    from simbench.cli import main

    assert main(["report", str(tiny_runs["chat"]), "--out", str(tmp_path), "--n-resamples", "50",
                 "--n-draws", "10"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert re.match(r"tiny-llama\S*: SimBench score -?\d+\.\d\d, 95% interval \[", out[0])
    assert out[2].startswith("  grouped split") and out[2].endswith("(pooled)")
    assert out[3].startswith("  ess (grouped) ") and out[3].endswith(f": {NOT_ESTIMABLE}")
    assert out[4] == f"wrote {tmp_path / 'report.html'}"
