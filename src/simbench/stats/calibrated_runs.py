"""``simbench calibrate`` as a function: a run folder in, a new calibrated run folder out.

:func:`calibrate_run` reads a finished run, fits temperature scaling (:mod:`.calibration`) on a
fit part of its items, or cross-fits it by study, and writes a NEW run folder through
:class:`simbench.runs.RunFolder`: the calibrated predictions (every other field of each line as in
the source, so ``label_mass`` stays the raw model's), their scores, and the source's provenance
with a ``calibration`` block (:class:`simbench.runs.CalibrationInfo`: the temperature(s), the fit
part, the mean TV there before and after, and the source run's path and file hashes). The source
folder is only read. The new folder is written under a temporary name and renamed when complete,
so it never holds a partial run.

Fitting on a split or on studies and then scoring the same items is in-sample: the score of such
a run is optimistic. ``cross_fit="study"`` fits each study's temperature on the other studies
only, so no item is scored with a temperature fitted on itself.

Examples
--------
A made-up run over four Jester rows whose model is twice as sharp as the humans, calibrated on
its own Pop split (``items`` stands for the full release here):

>>> import json, tempfile
>>> from pathlib import Path
>>> from simbench.data.schema import item_from_release_row
>>> from simbench.runs import RUN_SCHEMA_VERSION, RunFolder
>>> def item(i, a):
...     return item_from_release_row({
...         "row_index": i, "dataset_name": "Jester", "group_prompt_template": "You like jokes.",
...         "group_prompt_variable_map": {}, "group_size": 50, "auxiliary": {},
...         "input_template": f"Rate joke {i}.\\n\\nOptions:\\n(A): Funny\\n(B): Not funny",
...         "human_answer": {"A": a, "B": 100.0 - a}}, split="pop")
>>> items = [item(i, a) for i, a in enumerate([20.0, 40.0, 70.0, 90.0])]
>>> tmp = Path(tempfile.mkdtemp())
>>> raw = RunFolder(tmp / "raw")
>>> with raw.writer() as w:
...     for it in items:
...         a, b = (p ** 2 for p in it.human_dist)
...         w.write(PredictionRow(item_id=it.item_id, distribution={"A": a / (a + b),
...                                                                  "B": b / (a + b)}))
>>> _ = raw.write_run_info({
...     "schema_version": RUN_SCHEMA_VERSION, "simbench_version": "0.1.0", "status": "complete",
...     "method": "token_probs", "protocol": "default", "model": {"id": "made-up"},
...     "data": {"sha256": "0" * 64, "splits": ["pop"]}})
>>> result = calibrate_run(raw.path, tmp / "calibrated", fit=["pop"], items=items)
>>> cal = result.info.calibration
>>> round(cal.fitted.temperature, 3), cal.fit, result.info.method_label
(2.0, ['pop'], 'token_probs + temperature (fit pop)')
>>> result.raw_scores["simbench_score"] < result.scores["simbench_score"]
True
>>> calibrate_run(raw.path, tmp / "calibrated", fit=["pop"], items=items)
Traceback (most recent call last):
...
simbench.errors.CalibrationError: .../calibrated exists and is not empty: simbench calibrate writes a new run folder (choose another out folder)
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__
from ..choices import CROSS_FITS, CrossFit, check_choice
from ..data.registry import SPLITS, get_study
from ..data.schema import Item
from ..errors import CalibrationError
from ..metric import pad_distributions, score_predictions, validate_predictions
from ..runs import RUN_INFO_FILE, CalibrationInfo, PredictionRow, RunFolder, RunInfo
from .calibration import (
    DEFAULT_BOUNDS,
    TemperatureFit,
    apply_temperature,
    cross_fit_temperatures,
    fit_temperature,
)

__all__ = ["CalibratedRun", "calibrate_run"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CalibratedRun:
    """What :func:`calibrate_run` wrote.

    Attributes:
        folder: the new run folder.
        info: its provenance (``info.calibration`` says how it was calibrated).
        scores: its scores (what ``simbench score`` prints).
        raw_scores: the source run's scores, computed the same way.
        seconds: the whole call (reading the data and both runs, fitting, writing, scoring);
            ``info.timings.predict_s`` is the fit and the rescaling alone.
    """

    folder: Path
    info: RunInfo
    scores: dict[str, Any]
    raw_scores: dict[str, Any]
    seconds: float


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _source_info(folder: RunFolder) -> RunInfo:
    info = folder.run_info()
    if info is None:
        raise CalibrationError(f"{folder.path}: no {RUN_INFO_FILE}; simbench calibrate needs a run "
                               "folder written by simbench run")
    if not info.is_complete:
        raise CalibrationError(f"{folder.path}: the run has not finished (status {info.status!r});"
                               " complete it with simbench run, then calibrate")
    if info.backend == "uniform" or info.method == "uniform":
        raise CalibrationError(f"{folder.path}: the uniform baseline has nothing to calibrate "
                               "(every temperature leaves it uniform)")
    if info.calibration is not None:
        raise CalibrationError(f"{folder.path} is already calibrated (from "
                               f"{info.calibration.source.path}): calibrate that source run "
                               "instead")
    return info


def _check_out(out: Path, source: Path) -> None:
    if out.resolve() == source.resolve():
        raise CalibrationError(f"{out} is the source run: simbench calibrate never changes it "
                               "(choose another out folder)")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CalibrationError(f"{out} exists and is not empty: simbench calibrate writes a new "
                               "run folder (choose another out folder)")


def _fit_part(fit: Sequence[str], items: Sequence[Item], ok: np.ndarray
              ) -> tuple[list[str], np.ndarray]:
    """The fit part's names (splits, then study slugs) and its row mask (ok rows only)."""
    splits: list[str] = []
    studies: list[str] = []
    run_splits = [s for s in SPLITS if any(it.split == s for it in items)]
    for value in fit:
        for name in (v.strip() for v in str(value).split(",")):
            if name == "both":
                splits += run_splits
            elif name in SPLITS:
                splits.append(name)
            elif name:
                try:
                    studies.append(get_study(name).slug)
                except KeyError as e:
                    raise CalibrationError(f"fit: {e.args[0]}") from None
    splits, studies = list(dict.fromkeys(splits)), list(dict.fromkeys(studies))
    if not splits and not studies:
        raise CalibrationError("fit: name a split (pop, grouped, both) or studies to fit on")
    for s in splits:
        if s not in run_splits:
            raise CalibrationError(f"fit: split {s!r} has no predictions in the run (its splits: "
                                   f"{', '.join(run_splits)})")
    run_studies = {it.study for it in items}
    for st in studies:
        if st not in run_studies:
            raise CalibrationError(f"fit: study {st!r} has no predictions in the run (its "
                                   f"studies: {', '.join(sorted(run_studies))})")
    mask = np.array([it.split in splits or it.study in studies for it in items]) & ok
    if not mask.any():
        raise CalibrationError(f"fit: the part {'+'.join(splits + studies)} has no item with a "
                               "distribution (all failed)")
    return splits + studies, mask


def _record(fit: TemperatureFit) -> dict[str, Any]:
    return {"temperature": fit.temperature, "n_fit": fit.n_fit, "mean_tv_raw": fit.mean_tv_raw,
            "mean_tv_calibrated": fit.mean_tv_calibrated, "at_bound": fit.at_bound}


def _temperatures(items: Sequence[Item], predicted: np.ndarray, human: np.ndarray,
                  ok: np.ndarray, fit: Sequence[str] | None, cross_fit: CrossFit | None,
                  bounds: tuple[float, float]) -> tuple[np.ndarray, dict[str, Any]]:
    """The temperature of every row, and the fit part of the ``calibration`` record."""
    if cross_fit is not None:
        studies = [it.study for it in items]
        if len({s for s, good in zip(studies, ok) if good}) < 2:
            raise CalibrationError("cross_fit 'study': the run has items of fewer than 2 studies "
                                   "with a distribution; use fit instead")
        fits = cross_fit_temperatures(predicted[ok], human[ok],
                                      [s for s, good in zip(studies, ok) if good], bounds=bounds)
        default = 1.0  # a study whose items all failed: nothing is rescaled
        temps = np.array([fits[s].temperature if s in fits else default for s in studies])
        return temps, {"cross_fit": cross_fit,
                       "per_study": {str(s): _record(f) for s, f in sorted(fits.items())}}
    names, mask = _fit_part(fit or (), items, ok)
    one = fit_temperature(predicted[mask], human[mask], bounds=bounds)
    return np.full(len(items), one.temperature), {"fit": names, "fitted": _record(one)}


def _calibrated_lines(records: Mapping[str, Mapping[str, Any]], items: Sequence[Item],
                      calibrated: np.ndarray, ok: np.ndarray) -> list[PredictionRow]:
    rows = []
    for it, row, good in zip(items, calibrated, ok):
        rec = dict(records[it.item_id])
        if good:
            rec["distribution"] = dict(zip(it.option_labels, row[: it.n_options].tolist()))
        rows.append(PredictionRow.model_validate(rec))
    return rows


def _write(out: Path, lines: Sequence[PredictionRow], info: Mapping[str, Any],
           all_items: Sequence[Item]) -> tuple[RunInfo, dict[str, Any]]:
    """Write the folder under a temporary name beside ``out``, then rename it to ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        tmp.chmod(0o755)
        folder = RunFolder(tmp)
        with folder.writer() as writer:
            for line in lines:
                writer.write(line)
        scores = score_predictions(folder.predictions_path, items=all_items)
        folder.write_scores(scores)
        written = folder.write_run_info(info)
        if out.exists():
            out.rmdir()  # empty (checked first)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return written, scores


def calibrate_run(
    source: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    fit: Sequence[str] | None = None,
    cross_fit: CrossFit | str | None = None,
    items: Sequence[Item] | None = None,
    data: str | os.PathLike[str] | None = None,
    bounds: tuple[float, float] = DEFAULT_BOUNDS,
) -> CalibratedRun:
    """Temperature-calibrate the run folder ``source`` into the new run folder ``out``.

    Args:
        source: a finished run folder (``simbench run``); only read.
        out: the new run folder (must not exist, or be empty).
        fit: the fit part: split names (``pop``, ``grouped``; ``both`` = every split of the run)
            and/or study slugs or release names; one temperature fitted there is applied to
            every item.
        cross_fit: ``"study"``: each study's items get the temperature fitted on the other
            studies' items. Exactly one of ``fit`` and ``cross_fit``.
        items: the full items of both splits (``None``: loaded from ``data``, whose hash must
            match the run's ``data.sha256``).
        data: the data source when ``items`` is None (default ``$SIMBENCH_DATA``, then the Hub).
        bounds: the search interval of the temperature.

    Raises:
        CalibrationError: the source is not a finished model run, is already calibrated, ``out``
            is not a new folder, the fit part is unknown or empty, or the data differ.
    """
    t0, started = time.perf_counter(), _utc_now()
    if (fit is None) == (cross_fit is None):
        raise CalibrationError("give exactly one of fit (splits or studies) and cross_fit")
    chosen = None if cross_fit is None else check_choice(cross_fit, CROSS_FITS, "cross_fit")
    src, out = RunFolder(source), Path(out)
    info = _source_info(src)
    _check_out(out, src.path)
    if items is None:
        from ..data.load import load_items, resolve_source

        data_source = resolve_source(data)
        sha = data_source.sha256()
        if sha != info.data.sha256:
            raise CalibrationError(f"{src.path} was run on data {info.data.sha256[:12]}..., but "
                                   f"{data_source.description} has {sha[:12]}...: give the run's "
                                   "data (data)")
        items = load_items("both", source=data_source)
    records = src.read_predictions()
    valid = validate_predictions(list(records.values()), items, source=str(src.predictions_path))
    run_items, ok = list(valid.items), ~np.asarray(valid.failed, dtype=bool)
    t_fit = time.perf_counter()  # the calibration proper: fit and rescale (no data loading)
    human = pad_distributions([it.human_dist for it in run_items], valid.matrix.shape[1])
    temps, scheme = _temperatures(run_items, valid.matrix, human, ok, fit, chosen, bounds)
    calibrated = apply_temperature(valid.matrix, temps)
    calibration = CalibrationInfo.model_validate({
        "kind": "temperature", "objective": "mean_tv", "bounds": bounds, **scheme,
        "source": {"path": str(src.path.resolve()), "created_at": info.created_at,
                   "predictions_sha256": _sha256(src.predictions_path),
                   "run_info_sha256": _sha256(src.run_info_path)}})
    lines = _calibrated_lines(records, run_items, calibrated, ok)
    seconds = time.perf_counter() - t_fit
    finished = _utc_now()
    new = info.to_json()
    new.update({
        "simbench_version": __version__, "created_at": started, "finished_at": finished,
        "status": "complete", "calibration": calibration.model_dump(mode="json"),
        "data": {**new["data"], "n_predictions": len(lines)},
        "timings": {"load_s": None, "predict_s": round(seconds, 3),
                    "items_per_s": round(len(lines) / seconds, 3) if seconds > 0 else None},
        "history": [{"started_at": started, "finished_at": finished, "world_size": 1,
                     "n_skipped": 0, "n_computed": len(lines), "n_failed": int((~ok).sum()),
                     "predict_s": round(seconds, 3)}]})
    written, scores = _write(out, lines, new, items)
    raw_scores = score_predictions(src.predictions_path, items=items)
    logger.info("calibrated %s into %s (%s) in %.2fs", src.path, out, calibration.label, seconds)
    return CalibratedRun(out, written, scores, raw_scores, time.perf_counter() - t0)
