"""Scores are recomputed from the per-item predictions; nothing the submitter wrote is trusted."""

from __future__ import annotations

import json

import pytest
from lb_helpers import SUBMITTED_AT, edit_lines

from simbench.leaderboard import (
    prepare_submission,
    read_submission,
    recompute_results,
    standard_error_intervals,
    validate_submission,
)
from simbench.metric import score_matrix, score_predictions
from simbench.metric.core import compute_norms


def _validated(path, items):
    return validate_submission(read_submission(path), items)


def test_uniform_scores_zero_and_half_scores_fifty(uniform_run, half_run, all_items):
    uni = recompute_results(_validated(uniform_run, all_items), all_items, n_resamples=200)
    half = recompute_results(_validated(half_run, all_items), all_items, n_resamples=200)
    assert uni["simbench_score"] == pytest.approx(0.0, abs=1e-9)
    assert half["simbench_score"] == pytest.approx(50.0, abs=1e-9)
    for res, target in ((uni, 0.0), (half, 50.0)):
        assert res["low"] < target < res["high"]
        for split in ("pop", "grouped"):
            block = res["splits"][split]
            assert block["score"] == pytest.approx(target, abs=1e-9)
            assert block["low"] <= target <= block["high"]
            for study in block["per_study"].values():
                assert study["score"] == pytest.approx(target, abs=1e-9)
    assert uni["interval"]["seed"] == 0 and uni["interval"]["n_resamples"] == 200
    assert uni["interval"]["method"].startswith("cluster bootstrap")
    assert uni["failures"] == {"n_failed": 0, "n_items": 13510, "rule": uni["failures"]["rule"]}


def test_recomputed_scores_equal_simbench_score(uniform_run, half_run, all_items):
    """The leaderboard's numbers are exactly what ``simbench score`` gives on the same rows."""
    for run in (uniform_run, half_run):
        res = recompute_results(_validated(run, all_items), all_items, n_resamples=50)
        ref = score_predictions(run / "predictions.jsonl", items=all_items)
        assert res["simbench_score"] == ref["simbench_score"]
        for split in ("pop", "grouped"):
            assert res["splits"][split]["score"] == ref["splits"][split]["score"]


def test_a_tampered_scores_json_changes_nothing(uniform_run, copy_run, all_items):
    run = copy_run(uniform_run)
    scores = json.loads((run / "scores.json").read_text())
    scores["simbench_score"] = 99.0
    for split in scores["splits"].values():
        split["score"] = 99.0
    (run / "scores.json").write_text(json.dumps(scores))
    args = {"leaderboard_repo": "me/board", "model_repo": "me/model", "items": all_items,
            "n_resamples": 100, "submitted_at": SUBMITTED_AT}
    plan_a, res_a = prepare_submission(uniform_run, **args)
    plan_b, res_b = prepare_submission(run, **args)
    assert res_a == res_b and abs(res_b["simbench_score"]) < 1e-9
    assert plan_a == plan_b  # byte-identical files in both pull requests
    (run / "scores.json").unlink()  # and a folder without scores.json is just as good
    assert prepare_submission(run, **args) == (plan_a, res_a)


def test_the_same_seed_gives_the_same_intervals(half_run, all_items):
    sub = _validated(half_run, all_items)
    a = recompute_results(sub, all_items, n_resamples=100, seed=7)
    b = recompute_results(sub, all_items, n_resamples=100, seed=7)
    c = recompute_results(sub, all_items, n_resamples=100, seed=8)
    assert a == b and (a["low"], a["high"]) != (c["low"], c["high"])


def test_standard_error_fallback(half_run, all_items):
    """Without simbench.stats the interval is mean +- 1.96 SE of the row scores."""
    sub = _validated(half_run, all_items)
    rows = score_matrix(list(sub.items), sub.matrix, compute_norms(all_items))
    ci = standard_error_intervals(rows)
    pop = rows.score[rows.splits == "pop"]
    se = pop.std(ddof=1) / len(pop) ** 0.5
    assert ci["splits"]["pop"]["se"] == pytest.approx(se)
    assert ci["splits"]["pop"]["high"] - ci["splits"]["pop"]["estimate"] == pytest.approx(1.96 * se,
                                                                                      rel=1e-3)
    head = ci["simbench_score"]
    assert head["estimate"] == pytest.approx(50.0, abs=1e-9)
    assert head["low"] < 50.0 < head["high"]
    assert ci["method"].startswith("standard error")


def test_failed_items_are_scored_as_uniform_and_counted(half_run, copy_run, all_items):
    run = copy_run(half_run)
    failed = {"pop/5", "pop/6", "grouped/9"}
    edit_lines(run / "predictions.jsonl", lambda rows: [
        dict(r, distribution=None, status="failed", error="no JSON object in the output",
             raw_outputs=["I think most would say A"]) if r["item_id"] in failed else r
        for r in rows])
    sub = _validated(run, all_items)
    res = recompute_results(sub, all_items, n_resamples=20)
    assert res["failures"]["n_failed"] == 3 and int(sub.failed.sum()) == 3
    ref = score_predictions(run / "predictions.jsonl", items=all_items, failures="uniform")
    assert res["simbench_score"] == ref["simbench_score"] < 50.0
