"""Typed records of a run folder: its provenance (:class:`RunInfo`) and one prediction line.

These pydantic models are the format of the run folder (``docs/run-folder.md``); the file names
and the reader live in :mod:`simbench.runs.folder`. The runner writes through them and the
leaderboard validates submissions with them. Unknown fields are refused everywhere
(``extra="forbid"``), so a typo such as ``"distribuion"`` is an error rather than a silently
missing value. The layout has one version, :data:`RUN_SCHEMA_VERSION`, recorded in every
provenance record as ``schema_version``.

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
>>> info = RunInfo.model_validate({
...     "schema_version": RUN_SCHEMA_VERSION, "simbench_version": "0.1.0", "status": "running",
...     "method": "uniform", "protocol": None, "model": {"id": "uniform", "type": "baseline"},
...     "data": {"sha256": "0" * 64, "splits": ["pop"]}})
>>> info.model.id, info.data.splits, info.is_complete
('uniform', ['pop'], False)
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..choices import Method, Protocol, ResolvedPromptMode, Status

__all__ = [
    "RUN_SCHEMA_VERSION",
    "DataInfo",
    "Invocation",
    "ModelInfo",
    "PredictionRow",
    "RunInfo",
    "Timings",
]

#: Version of the run folder layout (``docs/run-folder.md``), written as ``schema_version``.
RUN_SCHEMA_VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelInfo(_Strict):
    """``model``: which model produced the predictions.

    ``id`` is required. A submission also needs a way to pin the weights: the Hub ``revision``
    (commit) or, for local folders, a ``content_hash``; the uniform baseline (``type:
    "baseline"``) has no weights.
    """

    id: str = Field(min_length=1)
    source: str | None = None
    revision: str | None = None
    content_hash: str | None = None
    dtype: str | None = None
    type: Literal["base", "chat", "baseline"] | None = None


class DataInfo(_Strict):
    """``data``: which benchmark data the run used, and how many items it covers."""

    source: str | None = None
    files: dict[str, str] | None = None
    sha256: str = Field(min_length=16)
    splits: list[Literal["pop", "grouped"]] = Field(min_length=1)
    studies: list[str] | None = None
    limit_per_study: int | None = None
    n_items: int | None = None
    n_predictions: int | None = None


class Timings(_Strict):
    """``timings``: the last invocation's model loading and prediction time, and throughput."""

    load_s: float | None = None
    predict_s: float | None = None
    items_per_s: float | None = None


class Invocation(_Strict):
    """One entry of ``history``: an invocation of the run that completed."""

    started_at: str | None = None
    finished_at: str | None = None
    world_size: int | None = None
    n_skipped: int | None = None
    n_computed: int | None = None
    n_failed: int | None = None
    predict_s: float | None = None


class RunInfo(_Strict):
    """The provenance record of a run: what produced the predictions (``docs/run-folder.md``).

    Written when a run starts (``status: "running"``) and completed at its end
    (``"complete"``). ``schema_version`` must be :data:`RUN_SCHEMA_VERSION`.
    """

    schema_version: int
    simbench_version: str = Field(min_length=1)
    created_at: str | None = None
    finished_at: str | None = None
    status: Literal["running", "complete"] | None = None
    method: Literal[Method, "uniform"]  # "uniform": baseline runs written before backend "uniform"
    backend: str | None = None
    protocol: Protocol | None
    prompt_mode: ResolvedPromptMode | None = None
    model: ModelInfo
    chat_template_hash: str | None = None
    #: label -> token id; under the release protocol, label -> the ids of its token set.
    label_token_ids: dict[str, int | list[int]] | None = None
    data: DataInfo
    seed: int | None = None
    generation: dict[str, Any] | None = None
    versions: dict[str, Any] | None = None
    device: str | None = None
    world_size: int | None = None
    backend_details: dict[str, Any] | None = None
    timings: Timings | None = None
    history: list[Invocation] | None = None

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, v: int) -> int:
        if v != RUN_SCHEMA_VERSION:
            raise ValueError(f"Input should be {RUN_SCHEMA_VERSION} (the run folder layout this "
                             f"simbench reads), got {v}")
        return v

    @property
    def is_complete(self) -> bool:
        """Whether the run finished (``status == "complete"``)."""
        return self.status == "complete"

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON object, every field present (``null`` where it does not apply)."""
        return self.model_dump(mode="json")


class PredictionRow(_Strict):
    """One line of the predictions file.

    ``distribution`` is an object label -> probability (or a list in label order); it is ``null``
    exactly when ``status`` is ``"failed"``. Whether the values form a valid distribution over the
    item's labels is checked against the item (:mod:`simbench.distributions`).
    """

    item_id: str = Field(min_length=1)
    distribution: dict[str, float] | list[float] | None
    label_mass: float | None = None
    prompt_hash: str | None = None
    status: Status = "ok"
    error: str | None = None
    raw_outputs: list[str] | None = None

    @model_validator(mode="after")
    def _status_matches(self) -> PredictionRow:
        if self.status == "ok" and self.distribution is None:
            raise ValueError("status is 'ok' but distribution is null")
        if self.status == "failed" and self.distribution is not None:
            raise ValueError("status is 'failed' but a distribution is given")
        return self

    @property
    def ok(self) -> bool:
        """Whether the item has a distribution (``status == "ok"``)."""
        return self.status == "ok"
