"""The ``evaluate`` module: loaded offline from the repository folder and through load_metric()."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simbench import Item
from simbench.metric import PredictionError, score_predictions
from simbench.metric.evaluate_module import load_metric, metric_module_path
from simbench.metric.lists import score_distributions

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def repo_metric() -> Any:
    import evaluate

    return evaluate.load(str(REPO / "simbench_metric"))


@pytest.fixture(scope="module")
def packaged_metric() -> Any:
    return load_metric()


def _lists(items: list[Item], preds: list[list[float]]) -> dict[str, Any]:
    return {"predictions": preds, "references": [list(it.human_percent) for it in items],
            "dataset_names": [it.dataset_name for it in items]}


def test_the_shipped_module_is_the_repository_module() -> None:
    path = metric_module_path()
    assert path.name == "simbench_metric.py"
    assert "_assets" in path.parts
    assert path.read_text() == (REPO / "simbench_metric" / "simbench_metric.py").read_text()


@pytest.mark.parametrize("split", ["pop", "grouped"])
def test_exact_checks_through_evaluate(split: str, all_items: list[Item], repo_metric: Any,
                                       packaged_metric: Any) -> None:
    items = [it for it in all_items if it.split == split]
    uniform = [[1.0 / it.n_options] * it.n_options for it in items]
    human = [list(it.human_dist) for it in items]
    half = [[(h + 1.0 / it.n_options) / 2 for h in it.human_dist] for it in items]
    for metric, expected, preds in ((repo_metric, 0.0, uniform), (packaged_metric, 100.0, human),
                                    (repo_metric, 50.0, half)):
        out = metric.compute(**_lists(items, preds), split=split)
        assert out["n"] == len(items) and out["norms"] == f"official-{split}"
        assert out["simbench_score"] == pytest.approx(expected, abs=1e-9)
        assert all(abs(st["score"] - expected) < 1e-9 for st in out["per_study"].values())
    # Without split the norms come from the references: the full split gives the same numbers.
    out = packaged_metric.compute(**_lists(items, half))
    assert out["norms"] == "references"
    assert out["simbench_score"] == pytest.approx(50.0, abs=1e-9)


def test_evaluate_equals_the_core_on_random_inputs(all_items: list[Item], repo_metric: Any) -> None:
    rng = np.random.default_rng(123)
    for split in ("pop", "grouped"):
        pool = [it for it in all_items if it.split == split]
        items = [pool[i] for i in sorted(rng.choice(len(pool), size=300, replace=False))]
        preds = [(rng.dirichlet(np.ones(it.n_options)) * rng.uniform(0.5, 2)).tolist()
                 for it in items]
        rows = [{"item_id": it.item_id, "distribution": (np.array(p) / sum(p)).tolist()}
                for it, p in zip(items, preds)]
        core_full = score_predictions(rows, items=all_items, sum_tolerance=1e-6)
        core_rows = score_predictions(rows, items=all_items, norms="scored-rows")
        ev_official = repo_metric.compute(**_lists(items, preds), split=split)
        ev_refs = repo_metric.compute(**_lists(items, preds))
        assert ev_official["simbench_score"] == pytest.approx(
            core_full["splits"][split]["score"], abs=1e-9)
        assert ev_refs["simbench_score"] == pytest.approx(
            core_rows["splits"][split]["score"], abs=1e-9)
        for slug, st in core_full["splits"][split]["per_study"].items():
            assert ev_official["per_study"][slug]["score"] == pytest.approx(st["score"], abs=1e-9)
            assert ev_official["per_study"][slug]["n"] == st["n"]
            assert ev_official["per_study"][slug]["norm"] == pytest.approx(st["norm"], rel=1e-12)
        lists_ = _lists(items, preds)
        repo_metric.add_batch(predictions=lists_["predictions"][:150],
                              references=lists_["references"][:150])
        repo_metric.add_batch(predictions=lists_["predictions"][150:],
                              references=lists_["references"][150:])
        batched = repo_metric.compute(dataset_names=lists_["dataset_names"], split=split)
        assert batched["simbench_score"] == pytest.approx(ev_official["simbench_score"], abs=1e-12)
        direct = score_distributions(**_lists(items, preds))
        assert ev_refs["simbench_score"] == pytest.approx(direct["simbench_score"], abs=1e-12)
        assert ev_refs["per_study"].keys() == direct["per_study"].keys()


def test_evaluate_rejects_bad_rows(repo_metric: Any) -> None:
    with pytest.raises(PredictionError, match=r"row 1: prediction has 3 values but the reference"):
        repo_metric.compute(predictions=[[0.5, 0.5], [0.2, 0.3, 0.5]],
                            references=[[50, 50], [40, 60]], dataset_names=["Jester", "Jester"])
    with pytest.raises(PredictionError, match="row 0: dataset_names: unknown study 'Nope'"):
        repo_metric.compute(predictions=[[0.5, 0.5]], references=[[50, 50]], dataset_names=["Nope"])
    with pytest.raises(PredictionError, match="study 'Jester' is not in split 'grouped'"):
        repo_metric.compute(predictions=[[0.5, 0.5]], references=[[50, 50]],
                            dataset_names=["Jester"], split="grouped")
    with pytest.raises(ValueError, match="dataset_names is required"):
        repo_metric.compute(predictions=[[0.5, 0.5]], references=[[50, 50]])


def test_score_distributions_validation() -> None:
    with pytest.raises(PredictionError) as e:
        score_distributions([[0.0, 0.0], [float("nan"), 1.0]], [[50, 50], [50, 50]],
                            ["jester", "jester"])
    assert e.value.problems == [
        "row 0: field 'predictions': all values are zero",
        "row 1: field 'predictions': [0] is NaN"]
    with pytest.raises(ValueError, match="same length"):
        score_distributions([[0.5, 0.5]], [], ["jester"])


def test_space_app_scores_a_table(repo_metric: Any) -> None:
    spec = importlib.util.spec_from_file_location("simbench_space_app",
                                                  REPO / "simbench_metric" / "app.py")
    assert spec is not None and spec.loader is not None
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    table = [["[0.25, 0.75]", "[25, 75]", "MoralMachine"], ["", "", ""]]
    text = app.compute_table(repo_metric, table, app.SPLIT_CHOICES[0])
    assert '"simbench_score": 100.0' in text and '"official-pop"' in text
    with pytest.raises(ValueError, match="row 0: predictions and references must be JSON lists"):
        app.parse_rows([["0.5, 0.5", "[1, 1]", "Jester"]])


def test_metric_card_examples_run(repo_metric: Any, monkeypatch, capsys) -> None:
    """The card's Python examples run as written, from the repository root."""
    card = (REPO / "simbench_metric" / "README.md").read_text()
    blocks = [b.split("```", 1)[0] for b in card.split("```python\n")[1:]]
    assert len(blocks) == 2
    monkeypatch.chdir(REPO)
    namespace: dict[str, Any] = {}
    # the bare name needs `simbench install`: tests/install runs the card as written after it
    first = blocks[0].replace('evaluate.load("simbench")', 'evaluate.load("simbench_metric")')
    exec(compile(first, "README.md", "exec"), namespace)  # noqa: S102 - our own card
    assert capsys.readouterr().out.strip() == "50.0"
    exec(compile(blocks[1], "README.md", "exec"), namespace)  # noqa: S102
    assert namespace["results"]["simbench_score"] == 100.0
    assert round(namespace["results"]["per_study"]["moral_machine"]["norm"], 4) == 0.2163
