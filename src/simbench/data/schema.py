"""The one item schema used everywhere, and its validation.

A release row (from the JSON Lines copy, the official CSV or pickle) becomes an :class:`Item`
through :func:`item_from_release_row`, which validates it and raises :class:`DataError` naming
the row and the field on any problem.

Examples
--------
>>> row = {"row_index": 3, "dataset_name": "Jester", "group_prompt_template": "You like jokes.",
...        "group_prompt_variable_map": {}, "group_size": 10, "auxiliary": {},
...        "input_template": "Rate it.\\n\\nOptions:\\n(A): Funny\\n(B): Not funny",
...        "human_answer": {"A": 25.0, "B": 75.0}}
>>> item = item_from_release_row(row, split="pop")
>>> item.item_id, item.study, item.option_texts, item.human_dist
('pop/3', 'jester', ('Funny', 'Not funny'), (0.25, 0.75))
"""

from __future__ import annotations

import json
import math
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import DataError
from .registry import SPLITS, get_study

__all__ = [
    "OPTIONS_MARKER",
    "DataError",
    "Item",
    "item_from_release_row",
    "make_item_id",
    "parse_item_id",
    "parse_options",
]

#: The separator between the question text and its options block in ``input_template``.
OPTIONS_MARKER = "\n\nOptions:\n"
_OPTION_SPLIT = re.compile(r"(?:^|\n)\(([A-Z])\): ")
#: Tolerance on the sum of a row's percentages (release sums run from 99.9 to 100.3).
PERCENT_SUM_TOLERANCE = 1.0
_REQUIRED = ("dataset_name", "group_prompt_template", "input_template", "human_answer", "group_size")



@dataclass(frozen=True)
class Item:
    """One SimBench test case: a question, its options, a persona and the human distribution.

    Attributes:
        item_id: ``"<split>/<row_index>"``, the stable key of the row.
        split: ``"pop"`` or ``"grouped"``.
        row_index: position of the row in the release file.
        dataset_name: release spelling of the source study, e.g. ``"MoralMachine"``.
        study: the study slug, e.g. ``"moral_machine"``.
        persona: the rendered group description.
        question: the release ``input_template`` (question text and the Options block).
        option_labels: ``("A", "B", ...)``.
        option_texts: the option texts parsed from the Options block.
        human_dist: the human distribution as probabilities (float64, sums to 1).
        human_percent: the release percentages, unchanged.
        group_size: respondents behind the distribution; ``-1`` when unknown.
        grouping: the attributes that define the group (``group_prompt_variable_map``).
        wave: survey wave for Grouped rows, else ``None``.
        auxiliary: study-specific extras as JSON text (``"null"`` when absent).
    """

    item_id: str
    split: str
    row_index: int
    dataset_name: str
    study: str
    persona: str
    question: str
    option_labels: tuple[str, ...]
    option_texts: tuple[str, ...]
    human_dist: tuple[float, ...]
    human_percent: tuple[float, ...]
    group_size: int
    grouping: Mapping[str, str] = field(default_factory=dict, hash=False, compare=True)
    wave: float | None = None
    auxiliary: str = "null"

    @property
    def n_options(self) -> int:
        """Number of answer options."""
        return len(self.option_labels)

    @property
    def question_text(self) -> str:
        """The question without its Options block."""
        return self.question.rpartition(OPTIONS_MARKER)[0]

    @property
    def cluster_id(self) -> str:
        """Key of the question cluster: Grouped rows asking the same question share it.

        Pop rows are their own cluster (``item_id``); Grouped rows cluster on the study and the
        question text, as the 20 questions per survey are each asked of many groups.
        """
        if self.split == "grouped":
            return f"grouped/{self.study}/{self.question}"
        return self.item_id

    def to_record(self) -> dict[str, Any]:
        """A flat dict with list and JSON-text columns, as stored in parquet."""
        return {
            "item_id": self.item_id,
            "split": self.split,
            "row_index": self.row_index,
            "dataset_name": self.dataset_name,
            "study": self.study,
            "persona": self.persona,
            "question": self.question,
            "option_labels": list(self.option_labels),
            "option_texts": list(self.option_texts),
            "human_dist": list(self.human_dist),
            "human_percent": list(self.human_percent),
            "group_size": self.group_size,
            "grouping": json.dumps(dict(self.grouping), ensure_ascii=False, sort_keys=True),
            "wave": self.wave,
            "auxiliary": self.auxiliary,
        }

    @classmethod
    def from_record(cls, rec: Mapping[str, Any], *, where: str = "record") -> Item:
        """Rebuild an item from :meth:`to_record` output (e.g. a parquet row), validating it."""
        try:
            values = {f: rec[f] for f in _RECORD_FIELDS}
        except KeyError as e:
            raise DataError(f"{where}: missing field {e.args[0]!r}") from None
        item = cls(
            item_id=str(values["item_id"]),
            split=str(values["split"]),
            row_index=int(values["row_index"]),
            dataset_name=str(values["dataset_name"]),
            study=str(values["study"]),
            persona=str(values["persona"]),
            question=str(values["question"]),
            option_labels=tuple(values["option_labels"]),
            option_texts=tuple(values["option_texts"]),
            human_dist=tuple(float(x) for x in values["human_dist"]),
            human_percent=tuple(float(x) for x in values["human_percent"]),
            group_size=int(values["group_size"]),
            grouping=_load_json_field(values["grouping"], where, "grouping"),
            wave=None if values["wave"] is None else float(values["wave"]),
            auxiliary=str(values["auxiliary"]),
        )
        _check_item(item, where)
        return item


_RECORD_FIELDS = tuple(Item.__dataclass_fields__)


def make_item_id(split: str, row_index: int) -> str:
    """Return ``"<split>/<row_index>"``."""
    return f"{split}/{row_index}"


def parse_item_id(item_id: str) -> tuple[str, int]:
    """Split an ``item_id`` into ``(split, row_index)``; raise ``ValueError`` if malformed."""
    split, sep, idx = str(item_id).partition("/")
    if not sep or split not in SPLITS or not idx.isdigit():
        raise ValueError(f"malformed item_id {item_id!r}: expected 'pop/<n>' or 'grouped/<n>'")
    return split, int(idx)


def parse_options(input_template: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Parse the trailing Options block of a question into ``(labels, texts)``.

    Raises:
        ValueError: when there is no Options block or it does not start with ``(A): ``.
    """
    head, sep, block = input_template.rpartition(OPTIONS_MARKER)
    if not sep:
        raise ValueError("no 'Options:' block found")
    parts = _OPTION_SPLIT.split(block)
    if parts[0] != "" or len(parts) < 3:
        raise ValueError("the Options block must start with '(A): '")
    return tuple(parts[1::2]), tuple(parts[2::2])


def _load_json_field(value: Any, where: str, name: str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    try:
        out = json.loads(value)
    except (TypeError, ValueError) as e:
        raise DataError(f"{where}: field {name!r}: not valid JSON text ({e})") from None
    if not isinstance(out, dict):
        raise DataError(f"{where}: field {name!r}: expected a JSON object, got {type(out).__name__}")
    return out


def _expected_labels(n: int) -> tuple[str, ...]:
    return tuple(string.ascii_uppercase[:n])


def _render_persona(template: str, variables: Mapping[str, Any], where: str) -> str:
    if not variables:
        return template
    # ``{var}`` substitution is a no-op on the shipped data but is part of the protocol.
    try:
        return template.format_map({**{k: "{" + k + "}" for k in re.findall(r"{(\w+)}", template)},
                                    **{k: v for k, v in variables.items()}})
    except (ValueError, IndexError) as e:
        raise DataError(f"{where}: field 'group_prompt_template': cannot render ({e})") from None


def _check_item(item: Item, where: str) -> None:
    """Validate the invariants of an item, raising :class:`DataError` naming the field."""
    if item.split not in SPLITS:
        raise DataError(f"{where}: field 'split': {item.split!r} is not one of {SPLITS}")
    if item.item_id != make_item_id(item.split, item.row_index):
        raise DataError(f"{where}: field 'item_id': {item.item_id!r} does not match split/row_index")
    n = len(item.option_labels)
    if n < 2 or item.option_labels != _expected_labels(n):
        raise DataError(f"{where}: field 'option_labels': {list(item.option_labels)} "
                        "are not contiguous labels starting at A")
    for name in ("option_texts", "human_dist", "human_percent"):
        if len(getattr(item, name)) != n:
            raise DataError(f"{where}: field {name!r}: {len(getattr(item, name))} values for {n} labels")
    dist_sum = math.fsum(item.human_dist)
    if any(not math.isfinite(x) or x < 0 for x in item.human_dist) or abs(dist_sum - 1) > 1e-9:
        raise DataError(f"{where}: field 'human_dist': not a probability distribution (sum {dist_sum})")


def item_from_release_row(
    row: Mapping[str, Any], *, split: str, row_index: int | None = None, source: str = "release"
) -> Item:
    """Validate one release row and convert it to an :class:`Item`.

    Args:
        row: the row as a mapping of release field names (dict cells already parsed).
        split: ``"pop"`` or ``"grouped"``.
        row_index: position in the release file; defaults to ``row["row_index"]``.
        source: a name for the file, used in error messages.

    Raises:
        DataError: naming the row and the field when the row is malformed.
    """
    idx = row.get("row_index") if row_index is None else row_index
    where = f"{source}: row {idx}"
    if idx is None or isinstance(idx, bool) or not isinstance(idx, int | float) or int(idx) != idx:
        raise DataError(f"{where}: field 'row_index': missing or not an integer")
    idx = int(idx)
    for name in _REQUIRED:
        if name not in row or row[name] is None:
            raise DataError(f"{where}: missing field {name!r}")
    try:
        study = get_study(str(row["dataset_name"]))
    except KeyError as e:
        raise DataError(f"{where}: field 'dataset_name': {e.args[0]}") from None
    if study.dataset_name != row["dataset_name"]:
        raise DataError(f"{where}: field 'dataset_name': {row['dataset_name']!r} is a slug, "
                        f"expected the release spelling {study.dataset_name!r}")
    question = row["input_template"]
    if not isinstance(question, str):
        raise DataError(f"{where}: field 'input_template': expected text")
    try:
        labels, texts = parse_options(question)
    except ValueError as e:
        raise DataError(f"{where}: field 'input_template': {e}") from None
    answer = row["human_answer"]
    if not isinstance(answer, Mapping):
        raise DataError(f"{where}: field 'human_answer': expected a mapping label -> percentage")
    answer_labels = tuple(str(k) for k in answer)
    if answer_labels != _expected_labels(len(answer_labels)):
        raise DataError(f"{where}: field 'human_answer': labels {list(answer_labels)} are not "
                        "contiguous from A in order")
    if answer_labels != labels:
        raise DataError(f"{where}: field 'human_answer': labels {list(answer_labels)} differ from the "
                        f"Options block {list(labels)}")
    percent = _percentages(answer, where)
    if "answer_options" in row and row["answer_options"] is not None:
        opts = row["answer_options"]
        if not isinstance(opts, Mapping) or tuple(opts) != labels or tuple(opts.values()) != texts:
            raise DataError(f"{where}: field 'answer_options': does not agree with the Options block")
    elif split == "grouped":
        raise DataError(f"{where}: missing field 'answer_options' (required in the grouped split)")
    total = math.fsum(percent)
    variables = row.get("group_prompt_variable_map") or {}
    if not isinstance(variables, Mapping):
        raise DataError(f"{where}: field 'group_prompt_variable_map': expected a mapping")
    return _build_item(row, split, idx, study.slug, labels, texts, percent, total, variables, where)


def _percentages(answer: Mapping[str, Any], where: str) -> tuple[float, ...]:
    out = []
    for label, value in answer.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DataError(f"{where}: field 'human_answer': share of {label!r} is not a number")
        v = float(value)
        if not math.isfinite(v) or v < 0:
            raise DataError(f"{where}: field 'human_answer': share of {label!r} is {v} "
                            "(must be finite and non-negative)")
        out.append(v)
    total = math.fsum(out)
    if abs(total - 100.0) > PERCENT_SUM_TOLERANCE:
        raise DataError(f"{where}: field 'human_answer': shares sum to {total:.4f}, expected about 100")
    return tuple(out)


def _build_item(row: Mapping[str, Any], split: str, idx: int, slug: str, labels: tuple[str, ...],
                texts: tuple[str, ...], percent: tuple[float, ...], total: float,
                variables: Mapping[str, Any], where: str) -> Item:
    size = row["group_size"]
    if isinstance(size, bool) or not isinstance(size, int | float) or not math.isfinite(size) \
            or int(size) != size or (size < 1 and size != -1):
        raise DataError(f"{where}: field 'group_size': {size!r} is not a positive integer or -1")
    wave = row.get("wave")
    if wave is not None and not (isinstance(wave, int | float) and not isinstance(wave, bool)):
        raise DataError(f"{where}: field 'wave': {wave!r} is not a number")
    if wave is not None and not math.isfinite(wave):
        wave = None  # the release stores "no wave" as NaN
    aux = row.get("auxiliary")
    try:
        aux_text = json.dumps(aux, ensure_ascii=False, sort_keys=False, allow_nan=False, default=_json_default)
    except (TypeError, ValueError) as e:
        raise DataError(f"{where}: field 'auxiliary': cannot be stored as JSON ({e})") from None
    item = Item(
        item_id=make_item_id(split, idx),
        split=split,
        row_index=idx,
        dataset_name=str(row["dataset_name"]),
        study=slug,
        persona=_render_persona(str(row["group_prompt_template"]), variables, where),
        question=str(row["input_template"]),
        option_labels=labels,
        option_texts=texts,
        human_dist=tuple(p / total for p in percent),
        human_percent=percent,
        group_size=int(size),
        grouping={str(k): str(v) for k, v in variables.items()},
        wave=None if wave is None else float(wave),
        auxiliary=aux_text,
    )
    _check_item(item, where)
    return item


def _json_default(obj: Any) -> Any:
    # numpy scalars and arrays from pickles; sets from the release's grouping keys.
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")
