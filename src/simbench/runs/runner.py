"""Run a backend over items into a run folder: resume, stream, shard, score.

:func:`execute_run` is the engine room of ``simbench run``. In order:

1. rank 0 checks that the folder holds no different run (:func:`~.provenance.check_compatible`),
   merges part files left by a killed multi-process run, drops a partial last line and the failed
   records about to be retried, and writes the provenance (:class:`~.records.RunInfo`);
2. every rank skips the items already ``ok`` in the predictions file, takes its shard of the rest
   and streams predictions to disk as the backend yields them (with a tqdm bar on rank 0);
3. rank 0 rewrites the predictions in item order, scores them with
   :func:`simbench.metric.score_predictions` into the scores file, and completes the provenance.

Every file is written through :class:`~.folder.RunFolder` and the records of :mod:`.records`.

Examples
--------
The uniform baseline on three made-up items (``items`` stands for the full splits here: the norms
of the scores come from them); a second call finds every item finished and predicts nothing:

>>> import tempfile
>>> from simbench.data.schema import Item
>>> from simbench.extraction.baselines import UniformBackend
>>> def item(i, human):
...     return Item(f"pop/{i}", "pop", i, "Jester", "jester", "You like jokes.",
...                 "Rate it.\\n\\nOptions:\\n(A): Funny\\n(B): Not funny", ("A", "B"),
...                 ("Funny", "Not funny"), human, tuple(100 * p for p in human), 10)
>>> items = [item(0, (0.25, 0.75)), item(1, (0.5, 0.5)), item(2, (0.9, 0.1))]
>>> settings = RunSettings(data_source="made-up items", data_sha256="0" * 64, splits=("pop",))
>>> out = tempfile.mkdtemp()
>>> result = execute_run(UniformBackend(), items, out, settings=settings, progress=False)
>>> result.n_items, result.n_computed, result.n_failed, round(result.scores["simbench_score"], 9)
(3, 3, 0, 0.0)
>>> result.run_info["status"], result.run_info["data"]["n_predictions"]
('complete', 3)
>>> again = execute_run(UniformBackend(), items, out, settings=settings, progress=False)
>>> again.n_skipped, again.n_computed, len(again.run_info["history"])
(3, 0, 2)
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..data.schema import Item
from ..errors import ExtractionError, RunError
from ..extraction.base import Backend, Prediction
from ._progress import RunProgress
from .distributed import DistContext
from .folder import PREDICTIONS_FILE, RUN_INFO_FILE, RunFolder, RunFolderError
from .provenance import check_compatible, library_versions, utc_now
from .records import RUN_SCHEMA_VERSION, RunInfo

__all__ = ["RunResult", "RunSettings", "execute_run", "finish_resumed"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunSettings:
    """What the user asked for, beyond the backend: recorded in the provenance.

    Attributes:
        data_source: the data source as given or resolved (path or Hub id).
        data_sha256: :meth:`simbench.DataSource.sha256` of the release files.
        splits: the splits evaluated.
        studies: the study slugs asked for (``None``: all).
        limit_per_study: the stratified sample size per (split, study) (``None``: all items).
        seed: the seed of the sample and of any sampling in the backend.
        generation: generation settings of sampling methods (``None`` for token probabilities).
        extra: further backend options to record (e.g. concurrency, base URL).
        data_files: the file read for each split.
    """

    data_source: str
    data_sha256: str
    splits: tuple[str, ...]
    studies: tuple[str, ...] | None = None
    limit_per_study: int | None = None
    seed: int = 0
    generation: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    data_files: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunResult:
    """What :func:`execute_run` did.

    Attributes:
        folder: the run folder.
        n_items: items asked for.
        n_skipped: items already finished before this invocation.
        n_computed: predictions computed by this invocation (this rank).
        n_failed: failed predictions among them.
        predict_s: seconds spent predicting.
        scores: the scores file's content (rank 0; ``None`` elsewhere or with ``score=False``).
        run_info: the final provenance as a JSON object (rank 0; ``None`` elsewhere).
    """

    folder: Path
    n_items: int
    n_skipped: int
    n_computed: int
    n_failed: int
    predict_s: float
    scores: dict[str, Any] | None
    run_info: dict[str, Any] | None


def _run_info(backend: Backend, items: Sequence[Item], settings: RunSettings,
              model_info: Mapping[str, Any] | None, dist: DistContext) -> RunInfo:
    prov = dict(backend.provenance())
    model = {**(prov.pop("model", None) or {}), **(model_info or {})}
    info: dict[str, Any] = {
        "schema_version": RUN_SCHEMA_VERSION,
        "simbench_version": library_versions()["simbench"],
        "created_at": utc_now(),
        "finished_at": None,
        "status": "running",
        "method": prov.pop("method", backend.method),
        "backend": prov.pop("backend", backend.name),
        "protocol": prov.pop("protocol", None),
        "prompt_mode": prov.pop("prompt_mode", None),
        "model": model,
        "chat_template_hash": prov.pop("chat_template_hash", None),
        "label_token_ids": prov.pop("label_token_ids", None),
        "data": {"source": settings.data_source, "files": dict(settings.data_files),
                 "sha256": settings.data_sha256,
                 "splits": list(settings.splits),
                 "studies": None if settings.studies is None else list(settings.studies),
                 "limit_per_study": settings.limit_per_study, "n_items": len(items)},
        "seed": prov.pop("seed", settings.seed),
        "generation": prov.pop("generation", None) or (
            None if settings.generation is None else dict(settings.generation)),
        "versions": library_versions(),
        "device": prov.pop("device", None),
        "world_size": dist.world_size,
        "permutations": prov.pop("permutations", None),
    }
    info["backend_details"] = {**dict(settings.extra), **prov}
    return _record(info, "the backend's provenance")


def _record(info: Mapping[str, Any], what: str) -> RunInfo:
    """``info`` as a :class:`RunInfo`; a mismatch is a bug of the backend or the runner."""
    try:
        return RunInfo.model_validate(info)
    except ValueError as e:  # pydantic's ValidationError is a ValueError
        raise RunError(f"{what} does not fit the run record: {e}") from None


def _prepare(folder: RunFolder, info: RunInfo, items: Sequence[Item]) -> tuple[RunInfo, int]:
    """Rank 0: refuse a different run, clean the predictions file, write the provenance.

    Returns the provenance written and the number of items already finished.
    """
    folder.create()
    old = folder.read_run_info()
    check_compatible(old, info.to_json(), str(folder.path))
    if old is None and folder.predictions_path.exists():
        raise RunFolderError(f"{folder.path} holds a {PREDICTIONS_FILE} but no {RUN_INFO_FILE}: "
                             "refusing to mix runs; choose another run folder (out)")
    wanted = {it.item_id for it in items}
    records = folder.consolidate(retry=wanted)
    if old is not None:
        info = _record({**info.to_json(), "created_at": old.get("created_at", info.created_at),
                        "history": list(old.get("history") or [])},
                       f"{folder.run_info_path} (its history)")
    folder.write_run_info(info)
    return info, sum(1 for iid, rec in records.items() if iid in wanted and _is_ok(rec))


def _is_ok(record: Mapping[str, Any] | None) -> bool:
    return record is not None and record.get("status", "ok") == "ok"


def _check_prediction(pred: Prediction, expected: Mapping[str, Item], seen: set[str]) -> None:
    item = expected.get(pred.item_id)
    if item is None:
        raise ExtractionError(f"backend returned item {pred.item_id}, which it was not asked for")
    if pred.item_id in seen:
        raise ExtractionError(f"backend returned item {pred.item_id} twice")
    if pred.distribution is not None and tuple(pred.distribution) != item.option_labels:
        raise ExtractionError(f"backend returned labels {list(pred.distribution)} for item "
                              f"{pred.item_id}, expected {list(item.option_labels)}")
    seen.add(pred.item_id)


def _stream(backend: Backend, shard: Sequence[Item], folder: RunFolder, dist: DistContext,
            progress: bool) -> tuple[int, int]:
    """Predict ``shard`` and append each prediction to this rank's file; return (done, failed)."""
    expected = {it.item_id: it for it in shard}
    seen: set[str] = set()
    failed = 0
    show = bool(progress and dist.is_main and shard)
    # the ETA weighs items by what they cost the backend (tokens for the transformers engine)
    bar = RunProgress([it.item_id for it in shard], backend.item_costs(shard) if show else None,
                      disable=not show)
    rank = None if dist.world_size == 1 else dist.rank
    with folder.writer(rank) as writer, bar:
        for pred in backend.predict(shard, progress=False):
            _check_prediction(pred, expected, seen)
            writer.write(pred)
            failed += pred.status != "ok"
            bar.advance(pred.item_id, failed=pred.status != "ok")
    if len(seen) != len(shard):
        missing = [iid for iid in expected if iid not in seen][:5]
        raise ExtractionError(f"backend returned {len(seen)} of {len(shard)} predictions "
                              f"(missing e.g. {missing})")
    return len(seen), failed


def execute_run(backend: Backend, items: Sequence[Item], out: str | os.PathLike[str], *,
                settings: RunSettings, all_items: Sequence[Item] | None = None,
                model_info: Mapping[str, Any] | None = None, load_s: float | None = None,
                dist: DistContext | None = None, progress: bool = True, score: bool = True,
                ) -> RunResult:
    """Predict every item not yet finished in ``out`` and write the run folder.

    Args:
        backend: a ready backend (model loaded).
        items: the items of this run (any order; recorded in canonical item order).
        out: the run folder (created if needed).
        settings: data and sampling settings for the provenance.
        all_items: the full splits, for the study norms of the scores (``None``: ``items``
            must then be full splits themselves).
        model_info: overrides for the provenance's ``model`` block (id, revision, content
            hash...).
        load_s: seconds spent loading the model, for the provenance.
        dist: the multi-process context (default: a single process).
        progress: show a progress bar (rank 0).
        score: write the scores file.

    Raises:
        RunFolderError: the folder holds a different run or a damaged file, or a prediction is
            not a valid line.
        RunError: the backend's provenance does not fit the run record.
        ExtractionError: the backend misbehaved (wrong items or labels).
    """
    dist = dist or DistContext.single()
    folder = RunFolder(out)
    started = utc_now()
    info = _run_info(backend, items, settings, model_info, dist)
    n_skipped: Any = None
    if dist.is_main:
        try:
            info, n_skipped = _prepare(folder, info, items)
        except (RunError, ExtractionError) as e:
            dist.broadcast(e)
            raise
    n_skipped = dist.broadcast(n_skipped)
    if isinstance(n_skipped, Exception):
        raise n_skipped
    done = folder.read_predictions()
    remaining = [it for it in items if not _is_ok(done.get(it.item_id))]
    shard = dist.shard(remaining)
    logger.info("rank %d: %d items, %d finished before, %d to do here", dist.rank, len(items),
                n_skipped, len(shard))
    t0 = time.perf_counter()
    n_done, n_failed = _stream(backend, shard, folder, dist, progress)
    predict_s = time.perf_counter() - t0
    dist.barrier()  # every part file is complete before rank 0 merges them
    if not dist.is_main:
        return RunResult(folder.path, len(items), n_skipped, n_done, n_failed, predict_s, None, None)
    return _finish(folder, info, items, all_items, started, n_skipped, n_done, predict_s, load_s,
                   len(remaining), score)


def finish_resumed(items: Sequence[Item], out: str | os.PathLike[str], *,
                   all_items: Sequence[Item] | None = None, score: bool = True) -> RunResult | None:
    """A run folder that already holds a finished prediction for exactly ``items``: re-score it and
    complete its provenance without a backend, so a fully resumed run never loads its model.

    Returns ``None`` when the folder holds no run yet, lacks or failed an item, or holds other
    items (the caller then runs as usual). Single process only.
    """
    folder = RunFolder(out)
    if not folder.has_run_info() or folder.part_files():
        return None
    info = folder.run_info()
    done = folder.read_predictions()
    if info is None or set(done) != {it.item_id for it in items}:
        return None
    if not all(_is_ok(done[it.item_id]) for it in items):
        return None  # failed items are retried, which needs the model
    return _finish(folder, info, items, all_items, utc_now(), len(items), 0, 0.0, None, 0, score)


def _finish(folder: RunFolder, info: RunInfo, items: Sequence[Item],
            all_items: Sequence[Item] | None, started: str, n_skipped: int, n_done: int,
            predict_s: float, load_s: float | None, n_remaining: int, score: bool) -> RunResult:
    """Rank 0: merge and order predictions, score them, complete the provenance."""
    records = folder.consolidate(ordered=True)
    missing = [it.item_id for it in items if it.item_id not in records]
    if missing:
        raise RunFolderError(f"{folder.path}: {len(missing)} items have no prediction after the run "
                             f"(e.g. {missing[:5]})")
    n_failed = sum(1 for it in items if not _is_ok(records[it.item_id]))
    scores = None
    if score:
        from ..metric import score_predictions

        scores = score_predictions(folder.predictions_path, items=all_items or items)
        folder.write_scores(scores)
    finished = utc_now()
    final = info.to_json()
    final["finished_at"] = finished
    final["status"] = "complete"
    final["data"]["n_predictions"] = len(records)
    # This invocation's throughput, over all ranks (n_remaining items in predict_s of rank 0).
    final["timings"] = {"load_s": None if load_s is None else round(load_s, 3),
                        "predict_s": round(predict_s, 3),
                        "items_per_s": round(n_remaining / predict_s, 3) if predict_s > 0 else None}
    final["history"] = [*(final["history"] or []), {
        "started_at": started, "finished_at": finished, "world_size": info.world_size,
        "n_skipped": n_skipped, "n_computed": n_remaining, "n_failed": n_failed,
        "predict_s": round(predict_s, 3)}]
    written = folder.write_run_info(final)
    return RunResult(folder.path, len(items), n_skipped, n_done, n_failed, predict_s, scores,
                     written.to_json())
