"""The submission schema: pydantic models of ``run.json``, prediction rows and the bundled file.

A submission is either a run folder (``run.json`` + ``predictions.jsonl``, see
``docs/run-folder.md``) or one bundled JSON file::

    {"schema_version": 1, "run": {...run.json...}, "predictions": [{...row...}, ...]}

Unknown fields are refused everywhere (``extra="forbid"``), so a typo such as ``"distribuion"`` is
an error rather than a silently missing value. A leaderboard entry is the bundled file plus the
``results`` the leaderboard recomputed; ``results`` found in a file are never trusted and always
recomputed from the per-item predictions.

Examples
--------
>>> row = PredictionRow.model_validate({"item_id": "pop/3", "distribution": {"A": 0.4, "B": 0.6},
...                                     "status": "ok"})
>>> row.distribution
{'A': 0.4, 'B': 0.6}
>>> from pydantic import ValidationError
>>> try:
...     PredictionRow.model_validate({"item_id": "pop/3", "distribution": None, "distribuion": {}})
... except ValidationError as e:
...     print([(err["loc"], err["type"]) for err in e.errors()])
[(('distribuion',), 'extra_forbidden')]
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "SUBMISSION_SCHEMA_VERSION",
    "DataInfo",
    "ModelInfo",
    "PredictionRow",
    "RunInfo",
    "Submission",
    "provenance_problems",
]

#: Version of the bundled submission / leaderboard entry format.
SUBMISSION_SCHEMA_VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelInfo(_Strict):
    """``run.json["model"]``: which model produced the predictions.

    ``id`` is required; so is a way to pin the weights (checked by :class:`RunInfo`): the Hub
    ``revision`` (commit) or, for local folders, a ``content_hash``. The uniform baseline
    (``type: "baseline"``) has no weights.
    """

    id: str = Field(min_length=1)
    source: str | None = None
    revision: str | None = None
    content_hash: str | None = None
    dtype: str | None = None
    type: Literal["base", "chat", "baseline"] | None = None


class DataInfo(_Strict):
    """``run.json["data"]``: which benchmark data the run used."""

    source: str | None = None
    files: dict[str, str] | None = None
    sha256: str = Field(min_length=16)
    splits: list[Literal["pop", "grouped"]] = Field(min_length=1)
    studies: list[str] | None = None
    limit_per_study: int | None = None
    n_items: int | None = None
    n_predictions: int | None = None


class RunInfo(_Strict):
    """``run.json``: the provenance of a run (``docs/run-folder.md``).

    Required for a submission: ``simbench_version``, ``method``, ``model.id``, ``data`` (sha256 and
    splits), a finished run (``status`` not ``"running"``), and, checked by
    :func:`provenance_problems` so that they are listed beside any other problem, ``protocol`` and
    ``model.revision`` or ``model.content_hash`` (the uniform baseline, ``method: "uniform"``, needs
    neither).
    """

    schema_version: Literal[1]
    simbench_version: str = Field(min_length=1)
    created_at: str | None = None
    finished_at: str | None = None
    status: Literal["complete"] | None = None
    method: Literal["token_probs", "verbalized", "uniform"]
    backend: str | None = None
    protocol: Literal["default", "release"] | None
    prompt_mode: Literal["chat", "base"] | None = None
    model: ModelInfo
    chat_template_hash: str | None = None
    label_token_ids: dict[str, int] | None = None
    data: DataInfo
    seed: int | None = None
    generation: dict[str, Any] | None = None
    versions: dict[str, Any] | None = None
    device: str | None = None
    world_size: int | None = None
    backend_details: dict[str, Any] | None = None
    timings: dict[str, Any] | None = None
    history: list[dict[str, Any]] | None = None


def provenance_problems(run: Any) -> list[str]:
    """Provenance that depends on the method: a protocol and pinned weights for model runs.

    (Examples use ``doctest.ELLIPSIS``.)

    >>> for p in provenance_problems({"method": "token_probs", "model": {"id": "m"}}):
    ...     print(p)
    run.json: field 'protocol': null (expected 'default' or 'release')
    run.json: field 'model.revision': null and there is no model.content_hash: ...
    """
    if not isinstance(run, dict) or run.get("method") == "uniform":
        return []
    out = []
    if run.get("protocol") is None:
        out.append("run.json: field 'protocol': null (expected 'default' or 'release')")
    model = run.get("model")
    if isinstance(model, dict) and not model.get("revision") and not model.get("content_hash"):
        out.append("run.json: field 'model.revision': null and there is no model.content_hash: "
                   "the weights cannot be identified")
    return out


class PredictionRow(_Strict):
    """One line of ``predictions.jsonl``.

    ``distribution`` is an object label -> probability (or a list in label order); it is ``null``
    exactly when ``status`` is ``"failed"``.
    """

    item_id: str = Field(min_length=1)
    distribution: dict[str, float] | list[float] | None
    label_mass: float | None = None
    prompt_hash: str | None = None
    status: Literal["ok", "failed"] = "ok"
    error: str | None = None
    raw_outputs: list[str] | None = None

    @model_validator(mode="after")
    def _status_matches(self) -> PredictionRow:
        if self.status == "ok" and self.distribution is None:
            raise ValueError("status is 'ok' but distribution is null")
        if self.status == "failed" and self.distribution is not None:
            raise ValueError("status is 'failed' but a distribution is given")
        return self


class Submission(_Strict):
    """A bundled submission (or leaderboard entry): provenance plus one row per item.

    ``predictions`` are kept as plain objects here and validated row by row (so each problem names
    its item id); ``results`` is what the leaderboard computed when it accepted the entry and is
    ignored on reading.
    """

    schema_version: Literal[1]
    run: dict[str, Any]
    predictions: list[dict[str, Any]]
    results: dict[str, Any] | None = None
