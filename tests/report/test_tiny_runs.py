"""The report on two real runs of the tiny model, as a new user would make them with ``simbench run``."""

from __future__ import annotations

import json

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
