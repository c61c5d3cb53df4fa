"""score_predictions on the real release: the exact checks, inputs, subsets, norms modes, failures."""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import pytest
from metric_helpers import half_rows, human_rows, uniform_rows, write_jsonl

from simbench import Item
from simbench.metric import (
    PredictionError,
    compute_norms,
    format_score_table,
    score_predictions,
    score_predictions_rows,
)


def _all_study_scores(result: dict[str, Any]) -> list[float]:
    return [st["score"] for sp in result["splits"].values() for st in sp["per_study"].values()]


def test_uniform_scores_exactly_zero_on_every_study(all_items: list[Item]) -> None:
    rows, result = score_predictions_rows(uniform_rows(all_items), items=all_items)
    assert len(_all_study_scores(result)) == 25
    assert all(abs(s) < 1e-9 for s in _all_study_scores(result))
    assert abs(result["simbench_score"]) < 1e-9
    assert result["splits"]["pop"]["n"] == 7167 and result["splits"]["grouped"]["n"] == 6343
    assert rows.item_ids == tuple(it.item_id for it in all_items)


def test_human_scores_100_and_half_scores_50(all_items: list[Item]) -> None:
    human = score_predictions(human_rows(all_items), items=all_items)
    assert all(abs(s - 100) < 1e-9 for s in _all_study_scores(human))
    assert human["simbench_score"] == pytest.approx(100, abs=1e-9)
    half = score_predictions(half_rows(all_items), items=all_items)
    assert all(abs(s - 50) < 1e-9 for s in _all_study_scores(half))
    assert half["simbench_score"] == pytest.approx(50, abs=1e-9)
    json.dumps(half, allow_nan=False)  # JSON-serialisable, no NaN
    assert half["norms"] == "full-split" and half["n_items_total"] == {"pop": 7167, "grouped": 6343}
    assert half["failures"]["coverage"] == {"pop": 1.0, "grouped": 1.0}
    assert set(half["versions"]) >= {"simbench", "numpy", "python"}


def test_dataframe_dataset_and_file_inputs_agree(all_items: list[Item], tmp_path) -> None:
    import pandas as pd
    from datasets import load_dataset

    items = all_items[:40] + all_items[-40:]
    rng = np.random.default_rng(1)
    rows = [{"item_id": it.item_id, "distribution": rng.dirichlet(np.ones(it.n_options)).tolist()}
            for it in items]
    expected = score_predictions(rows, items=all_items)
    from_df = score_predictions(pd.DataFrame(rows), items=all_items)
    path = write_jsonl(tmp_path / "predictions.jsonl", rows)
    from_file = score_predictions(path, items=all_items)
    from_folder = score_predictions(tmp_path, items=all_items)  # a run folder
    ds = load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path / "c"))
    from_ds = score_predictions(ds, items=all_items)
    for other in (from_df, from_file, from_folder, from_ds):
        assert other["simbench_score"] == pytest.approx(expected["simbench_score"], abs=1e-12)
        assert other["splits"]["grouped"]["n"] == 40


def test_dataset_with_dict_distributions_of_different_label_sets(all_items: list[Item]) -> None:
    from datasets import Dataset

    items = [it for it in all_items if it.n_options == 2][:5] + [
        it for it in all_items if it.n_options == 5][:5]
    ds = Dataset.from_list(human_rows(items))  # a struct column with None for absent labels
    assert score_predictions(ds, items=all_items)["simbench_score"] == pytest.approx(100, abs=1e-9)


def test_subset_keeps_full_split_norms_and_reports_counts(all_items: list[Item]) -> None:
    subset = [it for it in all_items if it.study == "jester"]
    result = score_predictions(half_rows(subset), items=all_items)
    assert list(result["splits"]) == ["pop"]
    st = result["splits"]["pop"]["per_study"]["jester"]
    assert st["n"] == 136
    assert st["norm"] == compute_norms(all_items)[("pop", "jester")]
    assert st["score"] == pytest.approx(50, abs=1e-9)
    assert result["failures"]["coverage"]["pop"] == pytest.approx(136 / 7167)
    assert result["failures"]["coverage"]["grouped"] == 0.0
    assert result["simbench_score"] == result["splits"]["pop"]["score"]


def _release_script_score(items: list[Item], preds: dict[str, list[float]]) -> float:
    """The release script's arithmetic, row by row: norms per dataset_name from the scored rows."""
    def tv(p: list[float], q: list[float]) -> float:
        sp, sq = sum(p), sum(q)
        return 0.5 * sum(abs(a / sp - b / sq) for a, b in zip(p, q))

    tv_u: dict[str, list[float]] = {}
    for it in items:
        tv_u.setdefault(it.dataset_name, []).append(
            tv(list(it.human_percent), [1.0 / it.n_options] * it.n_options))
    norms = {k: sum(v) / len(v) for k, v in tv_u.items()}
    scores = [100 * (1 - tv(list(it.human_percent), preds[it.item_id]) / norms[it.dataset_name])
              for it in items]
    return sum(scores) / len(scores)


def test_scored_rows_mode_reproduces_the_release_script(all_items: list[Item]) -> None:
    rng = np.random.default_rng(7)
    subset = [it for i, it in enumerate(all_items) if it.split == "pop" and i % 9 == 0]
    preds = {it.item_id: rng.dirichlet(np.ones(it.n_options)).tolist() for it in subset}
    rows = [{"item_id": k, "distribution": v} for k, v in preds.items()]
    release = score_predictions(rows, items=all_items, norms="scored-rows")
    assert release["norms"] == "scored-rows"
    assert release["simbench_score"] == pytest.approx(_release_script_score(subset, preds), abs=1e-9)
    default = score_predictions(rows, items=all_items)
    assert default["simbench_score"] != pytest.approx(release["simbench_score"], abs=1e-6)
    # On the full split both modes agree.
    pop = [it for it in all_items if it.split == "pop"]
    full = half_rows(pop)
    assert score_predictions(full, items=all_items, norms="scored-rows")["simbench_score"] == (
        pytest.approx(score_predictions(full, items=all_items)["simbench_score"], abs=1e-9))


def test_failed_rows_uniform_or_excluded(all_items: list[Item]) -> None:
    items = [it for it in all_items if it.study == "osp_rwas"]
    rows: list[dict[str, Any]] = human_rows(items)
    for r in rows[:2]:
        r.update(distribution=None, status="failed", error="no JSON object in the output")
    rows[2]["status"] = "ok"
    scored, uni = score_predictions_rows(rows, items=all_items)
    assert scored.failed is not None and scored.failed.tolist() == [True, True] + [False] * 20
    assert scored.score[:2].tolist() != [100.0, 100.0]
    assert uni["failures"]["n_failed"] == 2 and uni["failures"]["rule"] == "uniform"
    assert uni["splits"]["pop"]["n"] == 22
    exc = score_predictions(rows, items=all_items, failures="exclude")
    assert exc["splits"]["pop"]["n"] == 20
    assert exc["simbench_score"] == pytest.approx(100, abs=1e-9)
    assert exc["failures"]["n_excluded"] == 2
    assert exc["failures"]["coverage"]["pop"] == pytest.approx(20 / 7167)
    assert "failed rows: 2 (excluded)" in format_score_table(exc)


def test_all_failed_with_exclude_is_an_error(all_items: list[Item]) -> None:
    rows = [{"item_id": all_items[0].item_id, "distribution": None, "status": "failed"}]
    with pytest.raises(PredictionError, match="nothing to score"):
        score_predictions(rows, items=all_items, failures="exclude")


def test_renormalised_within_tolerance_with_a_warning(all_items: list[Item], caplog) -> None:
    it = all_items[3]
    dist = [x * 1.005 for x in it.human_dist]
    with caplog.at_level(logging.WARNING, logger="simbench.metric"):
        result = score_predictions([{"item_id": it.item_id, "distribution": dist}], items=all_items)
    assert result["simbench_score"] == pytest.approx(100, abs=1e-9)
    assert result["failures"]["renormalised"] == [it.item_id]
    assert it.item_id in caplog.text and "renormalised 1 prediction" in caplog.text
    with pytest.raises(PredictionError, match="sum_tolerance=0.001"):
        score_predictions([{"item_id": it.item_id, "distribution": dist}], items=all_items,
                          sum_tolerance=1e-3)


def test_items_loaded_from_source_when_not_given(simbench_data, all_items: list[Item]) -> None:
    g0 = next(it for it in all_items if it.item_id == "grouped/0")
    rows = [{"item_id": "pop/0", "distribution": [0.25, 0.25, 0.25, 0.25]},
            {"item_id": "grouped/0", "distribution": None, "status": "failed"}]
    scored, result = score_predictions_rows(rows, source=simbench_data)
    assert result["n_items_total"] == {"pop": 7167, "grouped": 6343}
    # The failed row is scored as the uniform distribution over its options.
    tv_u = 0.5 * sum(abs(h - 1 / g0.n_options) for h in g0.human_dist)
    norm = compute_norms(all_items)[("grouped", g0.study)]
    assert result["splits"]["grouped"]["per_study"][g0.study]["score"] == pytest.approx(
        100 * (1 - tv_u / norm), abs=1e-9)
    assert scored.item_ids == ("pop/0", "grouped/0")


def test_bad_arguments(all_items: list[Item]) -> None:
    rows = human_rows(all_items[:2])
    with pytest.raises(ValueError, match="norms must be one of"):
        score_predictions(rows, items=all_items, norms="per-file")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="failures must be one of"):
        score_predictions(rows, items=all_items, failures="drop")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="predictions must be"):
        score_predictions(42, items=all_items)
    with pytest.raises(PredictionError, match="no prediction rows"):
        score_predictions([], items=all_items)
