"""High-level entry points: prepare a submission, build the leaderboard files.

Examples
--------
A run of the uniform baseline on three made-up Pop items (``items`` stands for the full
benchmark here):

>>> import tempfile
>>> from pathlib import Path
>>> from simbench.data.schema import Item
>>> from simbench.extraction.baselines import UniformBackend
>>> from simbench.runs import RunSettings, execute_run
>>> def item(i, human):
...     return Item(f"pop/{i}", "pop", i, "Jester", "jester", "You like jokes.", "Rate it.",
...                 ("A", "B"), ("Funny", "Not funny"), human, tuple(100 * p for p in human), 10)
>>> items = [item(0, (0.25, 0.75)), item(1, (0.5, 0.5)), item(2, (0.9, 0.1))]
>>> run = Path(tempfile.mkdtemp()) / "uniform"
>>> settings = RunSettings(data_source="made-up", data_sha256="0" * 64, splits=("pop",))
>>> _ = execute_run(UniformBackend(), items, run, settings=settings, progress=False)
>>> plan, results = prepare_submission(run, leaderboard_repo="me/simbench-leaderboard",
...                                    model_repo=None, items=items, n_resamples=50,
...                                    submitted_at="2026-11-27T08:00:00Z")
>>> [path for path, _ in plan.leaderboard.files], plan.model, round(results["simbench_score"], 9)
(['submissions/uniform/2026-11-27T08-00-00Z.json'], None, 0.0)
>>> paths = build_leaderboard(run.parent, run.parent / "site", items=items, n_resamples=50)
>>> sorted(p.name for p in paths.values())
['index.html', 'leaderboard.csv', 'leaderboard.md']
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..data.load import HUB_REPO_ID
from ..data.schema import Item
from .board import published_rows, rank_rows, submission_rows, to_csv, to_markdown
from .hub import SubmissionPlan, default_model_repo, plan_submission
from .page import render_page
from .results import recompute_results
from .submission import read_submission, validate_submission

__all__ = ["build_leaderboard", "prepare_submission"]

logger = logging.getLogger(__name__)

_AUTO = "auto"


def _items(items: Sequence[Item] | None, source: str | os.PathLike[str] | None
           ) -> tuple[list[Item], str | None]:
    """The full items and the sha256 of the data they came from (``None`` when given as items)."""
    if items is not None:
        return list(items), None
    from ..data.load import load_items, resolve_source

    src = resolve_source(source)
    return load_items("both", source=src), src.sha256()


def prepare_submission(
    path: str | os.PathLike[str],
    *,
    leaderboard_repo: str,
    model_repo: str | None = _AUTO,
    dataset_id: str = HUB_REPO_ID,
    items: Sequence[Item] | None = None,
    source: str | os.PathLike[str] | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
    submitted_at: str | None = None,
    data_sha256: str | None = None,
) -> tuple[SubmissionPlan, dict[str, Any]]:
    """Validate a run folder or bundled file, re-score it and plan the two pull requests.

    Args:
        path: a run folder (provenance and predictions) or a bundled submission file.
        leaderboard_repo: the leaderboard dataset repository id.
        model_repo: the model repository for ``.eval_results/simbench.yaml``; ``"auto"`` uses the
            run's model id (its adapter's, for a LoRA run) when it is a Hub id, ``None`` skips
            the model pull request.
        dataset_id: the benchmark dataset id written into the evaluation results.
        items: the full benchmark items (``None``: loaded from ``source`` / ``$SIMBENCH_DATA``).
        source: where to load the items from when ``items`` is None.
        n_resamples, seed: bootstrap settings.
        submitted_at: the time stamp of the entry (default: now, UTC).
        data_sha256: the hash of the data the items came from (computed when they are loaded
            here); recorded beside the run's own ``data.sha256`` in ``results["data"]``.

    Raises:
        SubmissionError: listing every problem of an invalid submission.
    """
    all_items, loaded_sha = _items(items, source)
    sub = validate_submission(read_submission(path), all_items)
    results = recompute_results(sub, all_items, n_resamples=n_resamples, seed=seed)
    scored_sha = data_sha256 or loaded_sha
    results["data"] = {"run_sha256": sub.run.data.sha256, "scored_with_sha256": scored_sha,
                       "matches": None if scored_sha is None else scored_sha == sub.run.data.sha256}
    if results["data"]["matches"] is False:
        logger.warning("the run used data %s but it was re-scored on data %s: the items and "
                       "labels agree, check that the human distributions are the same release",
                       sub.run.data.sha256[:12], str(scored_sha)[:12])
    # a LoRA run's results belong to the adapter's repository, not to its base model's
    evaluated = sub.run.model.adapter.id if sub.run.model.adapter else sub.run.model.id
    repo = default_model_repo(evaluated) if model_repo == _AUTO else model_repo
    plan = plan_submission(sub, results, leaderboard_repo=leaderboard_repo, model_repo=repo,
                           dataset_id=dataset_id, submitted_at=submitted_at)
    return plan, results


def build_leaderboard(
    submissions: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    items: Sequence[Item] | None = None,
    source: str | os.PathLike[str] | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Path]:
    """Write ``leaderboard.csv``, ``leaderboard.md`` and ``index.html`` into ``out``.

    Every submission under ``submissions`` is validated and re-scored; the published results are
    added. Returns the written paths by kind.
    """
    all_items, _ = _items(items, source)
    rows = rank_rows(published_rows()
                     + submission_rows(submissions, all_items, n_resamples=n_resamples, seed=seed))
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"csv": folder / "leaderboard.csv", "markdown": folder / "leaderboard.md",
             "html": folder / "index.html"}
    paths["csv"].write_text(to_csv(rows), encoding="utf-8")
    paths["markdown"].write_text(to_markdown(rows), encoding="utf-8")
    paths["html"].write_text(render_page(rows), encoding="utf-8")
    logger.info("wrote the leaderboard (%d rows) to %s", len(rows), folder)
    return paths
