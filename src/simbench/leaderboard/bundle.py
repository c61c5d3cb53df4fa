"""The bundled submission file: a run's provenance and predictions in one JSON file.

A submission is either a run folder (``docs/run-folder.md``; its records are
:class:`simbench.runs.RunInfo` and :class:`simbench.runs.PredictionRow`) or one bundled file::

    {"schema_version": 1, "run": {...provenance...}, "predictions": [{...row...}, ...]}

A leaderboard entry is the bundled file plus the ``results`` the leaderboard recomputed;
``results`` found in a file are never trusted and always recomputed from the per-item predictions.
Unknown fields are refused (``extra="forbid"``).

Examples
--------
>>> bundle = Submission.model_validate({"schema_version": 1, "run": {}, "predictions": []})
>>> bundle.predictions, bundle.results
([], None)
>>> from pydantic import ValidationError
>>> try:
...     Submission.model_validate({"schema_version": 1, "run": {}, "predictions": [], "x": 1})
... except ValidationError as e:
...     print([(err["loc"], err["type"]) for err in e.errors()])
[(('x',), 'extra_forbidden')]
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["SUBMISSION_SCHEMA_VERSION", "Submission"]

#: Version of the bundled submission / leaderboard entry format.
SUBMISSION_SCHEMA_VERSION = 1


class Submission(BaseModel):
    """A bundled submission (or leaderboard entry): provenance plus one row per item.

    ``run`` and ``predictions`` are kept as plain objects here and validated field by field and
    row by row (:func:`simbench.leaderboard.validate_submission`), so each problem names its field
    or item id; ``results`` is what the leaderboard computed when it accepted the entry and is
    ignored on reading.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1]
    run: dict[str, Any]
    predictions: list[dict[str, Any]]
    results: dict[str, Any] | None = None
