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

from ..choices import CrossFit, Method, Protocol, ResolvedPromptMode, Status

__all__ = [
    "RUN_SCHEMA_VERSION",
    "AdapterInfo",
    "CalibrationInfo",
    "DataInfo",
    "FitResult",
    "Invocation",
    "ModelInfo",
    "PermutationInfo",
    "PermutationRecord",
    "PredictionRow",
    "SampleCounts",
    "RunInfo",
    "SourceRun",
    "Timings",
]

#: Version of the run folder layout (``docs/run-folder.md``), written as ``schema_version``.
RUN_SCHEMA_VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AdapterInfo(_Strict):
    """``model.adapter``: a PEFT LoRA adapter applied to the model (``simbench run --adapter``).

    ``content_hash`` is ``sha256:`` over the adapter's files (its config and weights), so the
    same adapter in another folder has the same hash; ``base_model`` is the model its
    ``adapter_config.json`` names (``base_model_name_or_path``).
    """

    id: str = Field(min_length=1)
    type: Literal["lora"] = "lora"
    source: str | None = None
    revision: str | None = None
    content_hash: str = Field(min_length=16)
    base_model: str | None = None
    rank: int | None = None
    alpha: float | None = None
    target_modules: list[str] | None = None
    #: transformers: the adapter was merged into the weights (``merge_and_unload``) after loading.
    merged: bool | None = None

    @property
    def label(self) -> str:
        """``"LoRA <name>"``: the Hub id, or a local folder's name."""
        return f"LoRA {_short_name(self.id)}"


class ModelInfo(_Strict):
    """``model``: which model produced the predictions.

    ``id`` is required. A submission also needs a way to pin the weights: the Hub ``revision``
    (commit) or, for local folders, a ``content_hash``; the uniform baseline (``type:
    "baseline"``) has no weights. ``adapter`` is set when a LoRA adapter was applied.
    """

    id: str = Field(min_length=1)
    source: str | None = None
    revision: str | None = None
    content_hash: str | None = None
    dtype: str | None = None
    type: Literal["base", "chat", "baseline"] | None = None
    adapter: AdapterInfo | None = None

    @property
    def label(self) -> str:
        """The model as the leaderboard names it: its id, plus the adapter when there is one.

        >>> ModelInfo(id="smollm2").label
        'smollm2'
        >>> ModelInfo(id="smollm2", adapter={"id": "/adapters/opinions-lora",
        ...                                  "content_hash": "sha256:" + "0" * 64}).label
        'smollm2 + LoRA opinions-lora'
        """
        return self.id if self.adapter is None else f"{self.id} + {self.adapter.label}"


def _short_name(id_or_path: str) -> str:
    """A Hub id as is; a local path by its last part."""
    return id_or_path.rstrip("/").rsplit("/", 1)[-1] if id_or_path.startswith(("/", ".", "~")) \
        else id_or_path


class SourceRun(_Strict):
    """``calibration.source``: the run folder whose predictions were recalibrated (never changed).

    The two hashes tie the calibrated run to the exact files it was made from.
    """

    path: str = Field(min_length=1)
    created_at: str | None = None
    predictions_sha256: str = Field(min_length=64)
    run_info_sha256: str = Field(min_length=64)


class FitResult(_Strict):
    """One fitted temperature: its value, the items it was fitted on and the mean TV there."""

    temperature: float = Field(gt=0)
    n_fit: int = Field(ge=1)
    mean_tv_raw: float = Field(ge=0, le=1)
    mean_tv_calibrated: float = Field(ge=0, le=1)
    #: the temperature lies at a bound of the search interval (the optimum may lie beyond it).
    at_bound: bool = False


class CalibrationInfo(_Strict):
    """``calibration``: how ``simbench calibrate`` rescaled the predictions of its source run.

    Temperature scaling of each label distribution, ``p_i`` proportional to ``p_i ** (1 / T)``,
    with ``T`` minimising the mean total variation to the human distributions on the fit part.
    Either ``fit`` names that part (splits and/or study slugs) and ``fitted`` holds the one
    temperature applied to every item, or ``cross_fit`` is ``"study"`` and ``per_study`` holds,
    for each study, the temperature fitted on the other studies and applied to it.
    """

    kind: Literal["temperature"]
    objective: Literal["mean_tv"]
    bounds: tuple[float, float]
    fit: list[str] | None = None
    fitted: FitResult | None = None
    cross_fit: CrossFit | None = None
    per_study: dict[str, FitResult] | None = None
    source: SourceRun

    @model_validator(mode="after")
    def _one_scheme(self) -> CalibrationInfo:
        if (self.fit is None) == (self.cross_fit is None):
            raise ValueError("exactly one of fit and cross_fit is set")
        if self.fit is not None and (not self.fit or self.fitted is None or self.per_study):
            raise ValueError("fit names the fit part and fitted holds its temperature "
                             "(per_study is for cross_fit)")
        if self.cross_fit is not None and (not self.per_study or self.fitted is not None):
            raise ValueError("cross_fit needs per_study (one temperature per study), not fitted")
        return self

    @property
    def label(self) -> str:
        """``"temperature (fit pop)"``, ``"temperature (cross-fit by study)"``."""
        if self.cross_fit is not None:
            return f"temperature (cross-fit by {self.cross_fit})"
        return f"temperature (fit {'+'.join(self.fit or ())})"


class PermutationInfo(_Strict):
    """``permutations``: the answer orders of ``simbench run --permutations`` (``None``: none).

    ``scheme`` ``"cyclic"`` asks each item in its ``K`` cyclic shifts; ``"random"`` in ``n``
    orders (the identity included) drawn per item from ``seed``. The rules are spelled out in
    ``shift_rule``, ``options_rule`` and ``aggregate`` (:mod:`simbench.prompts.permute`).
    """

    scheme: Literal["cyclic", "random"]
    n: int | None = Field(default=None, ge=2)
    seed: int | None = None
    shift_rule: str | None = None
    options_rule: str | None = None
    aggregate: str | None = None

    @property
    def label(self) -> str:
        """``"permutations cyclic"``, ``"permutations random:6"``."""
        return f"permutations {self.scheme if self.scheme == 'cyclic' else f'random:{self.n}'}"


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
    #: set by ``simbench calibrate``: the predictions are its source run's, recalibrated.
    calibration: CalibrationInfo | None = None
    #: set by ``simbench run --permutations``: each item asked in several answer orders.
    permutations: PermutationInfo | None = None

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

    @property
    def method_label(self) -> str:
        """The method as the leaderboard shows it: the elicitation method, then any calibration.

        >>> info = RunInfo.model_validate({
        ...     "schema_version": RUN_SCHEMA_VERSION, "simbench_version": "0.1.0",
        ...     "method": "token_probs", "protocol": "default", "model": {"id": "m"},
        ...     "data": {"sha256": "0" * 64, "splits": ["pop"]},
        ...     "calibration": {"kind": "temperature", "objective": "mean_tv", "bounds": [0.01, 100],
        ...                     "cross_fit": "study", "per_study": {"jester": {
        ...                         "temperature": 1.7, "n_fit": 40, "mean_tv_raw": 0.3,
        ...                         "mean_tv_calibrated": 0.2}},
        ...                     "source": {"path": "runs/m", "predictions_sha256": "1" * 64,
        ...                                "run_info_sha256": "2" * 64}}})
        >>> info.method_label
        'token_probs + temperature (cross-fit by study)'
        >>> info.model_copy(update={"calibration": None, "method": "sampling",
        ...                         "generation": {"samples": 30, "temperature": 1.0},
        ...                         "permutations": PermutationInfo(scheme="cyclic")}).method_label
        'sampling (30 samples, T=1) + permutations cyclic'
        """
        parts: list[str] = [self.method]
        generation = self.generation or {}
        if self.method == "sampling" and generation.get("samples") is not None:
            parts[0] = (f"sampling ({generation['samples']} samples, "
                        f"T={float(generation.get('temperature', 1.0)):g})")
        if self.permutations is not None:
            parts.append(self.permutations.label)
        if self.calibration is not None:
            parts.append(self.calibration.label)
        return " + ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON object, every field present (``null`` where it does not apply)."""
        return self.model_dump(mode="json")


class SampleCounts(_Strict):
    """``samples`` of a prediction line (``method="sampling"``): how the labels were counted.

    ``counts`` has every label (zeros included) in label order; ``n_unparsed`` samples were not
    a label (their raw text is in the line's ``raw_outputs``); ``n`` is the number drawn.
    """

    n: int = Field(ge=1)
    counts: dict[str, int]
    n_unparsed: int = Field(ge=0)

    @model_validator(mode="after")
    def _adds_up(self) -> SampleCounts:
        if any(c < 0 for c in self.counts.values()) or \
                sum(self.counts.values()) + self.n_unparsed != self.n:
            raise ValueError(f"counts {self.counts} and n_unparsed {self.n_unparsed} do not add "
                             f"up to n = {self.n}")
        return self


class PermutationRecord(_Strict):
    """One entry of ``permutations`` in a prediction line: the item asked in one answer order.

    ``order[i]`` is the original option shown at label position ``i``; ``distribution`` is what
    the model gave for the *shown* labels (renormalised), ``null`` when this order failed.
    """

    order: list[int] = Field(min_length=2)
    distribution: dict[str, float] | None
    label_mass: float | None = None
    prompt_hash: str | None = None
    status: Status = "ok"
    error: str | None = None
    raw_outputs: list[str] | None = None
    samples: SampleCounts | None = None

    @model_validator(mode="after")
    def _is_permutation(self) -> PermutationRecord:
        if sorted(self.order) != list(range(len(self.order))):
            raise ValueError(f"order {self.order} is not a permutation of 0..{len(self.order) - 1}")
        return self


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
    #: ``--permutations``: one record per answer order asked (see :class:`PermutationRecord`).
    permutations: list[PermutationRecord] | None = None
    #: ``method="sampling"``: the label counts (see :class:`SampleCounts`).
    samples: SampleCounts | None = None

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
