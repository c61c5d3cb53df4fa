"""Shared pieces of the per-study converters: building items, comparing them with the release, reports.

A converter turns a study's raw public data into rows of the project's item schema
(:class:`simbench.Item`). When the release rows of the study are given, every rebuilt row takes the
``item_id`` of the release row it reproduces, and a :class:`ReproductionReport` says how many release
rows were matched exactly, the largest distribution difference, and lists every mismatch.

Examples
--------
>>> q = render_question("Pick one.", ["Yes", "No"])
>>> q
'Pick one.\\n\\nOptions:\\n(A): Yes\\n(B): No'
>>> it = new_item(study="osp_big5", row_index=7, persona="You are a user.", question=q,
...               counts=[3, 1], group_size=4)
>>> it.item_id, it.human_dist, it.human_percent
('pop/7', (0.75, 0.25), (75.0, 25.0))
>>> rep = build_report("osp_big5", [it], {it.item_id: it})
>>> rep.matched, rep.release_rows, rep.max_dist_diff
(1, 1, 0.0)
"""

from __future__ import annotations

import json
import logging
import math
import string
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from simbench.data.registry import get_study
from simbench.data.schema import OPTIONS_MARKER, DataError, Item, item_from_release_row

__all__ = [
    "DIST_TOLERANCE",
    "Conversion",
    "Mismatch",
    "RawDataError",
    "ReproductionReport",
    "build_report",
    "compare_items",
    "dist_diff",
    "new_item",
    "render_question",
    "renumber",
    "require_files",
]

logger = logging.getLogger(__name__)

#: Largest absolute difference between two probabilities that still counts as the same distribution.
DIST_TOLERANCE = 1e-9
#: How many mismatches a report prints in its summary (all of them are kept in the JSON).
_SUMMARY_LINES = 12


class RawDataError(DataError):
    """The raw source data is missing or malformed; the message names the file, row and field."""


@dataclass(frozen=True)
class Mismatch:
    """One difference between a release row and its rebuilt counterpart.

    Attributes:
        item_id: the release row (``"pop/<row_index>"``).
        field: the item field that differs (``"human_dist"``, ``"question"``, ``"group_size"``, ...),
            or ``"unmatched"`` when no raw record could be paired with the row.
        detail: what differs, in words.
    """

    item_id: str
    field: str
    detail: str


@dataclass(frozen=True)
class ReproductionReport:
    """How well a converter reproduces the release rows of its study.

    Attributes:
        study: the study slug.
        release_rows: number of release rows of the study (the target).
        paired: release rows paired with a raw record (same question and group).
        matched: release rows reproduced exactly (text, labels, distribution within
            ``tolerance``, group size, persona).
        max_dist_diff: the largest absolute difference between a release probability and the
            rebuilt one, over the paired rows (``None`` when no distribution was compared).
        max_tv: the largest total variation distance between a release distribution and the
            rebuilt one (``None`` as above).
        tolerance: the probability tolerance used for ``matched``.
        mismatches: every difference found, one entry per (row, field).
        notes: how the rows were built and what the raw data cannot give.
        extended: ``{config: rows}`` of the extended configs built beside the official rows.
    """

    study: str
    release_rows: int
    paired: int
    matched: int
    max_dist_diff: float | None
    max_tv: float | None
    tolerance: float = DIST_TOLERANCE
    mismatches: tuple[Mismatch, ...] = ()
    notes: tuple[str, ...] = ()
    extended: Mapping[str, int] = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        """True when every release row is reproduced exactly."""
        return self.release_rows > 0 and self.matched == self.release_rows

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``mismatches`` as a list of objects)."""
        out = asdict(self)
        out["mismatches"] = [asdict(m) for m in self.mismatches]
        out["notes"] = list(self.notes)
        out["extended"] = dict(self.extended)
        out["exact"] = self.exact
        return out

    def write(self, folder: str | Path) -> Path:
        """Write ``<folder>/<study>_reproduction.json`` and return its path."""
        path = Path(folder) / f"{self.study}_reproduction.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", "utf-8")
        return path

    def summary(self) -> str:
        """A few lines for the terminal: the figures, then the first mismatches and the notes."""
        diff = "n/a" if self.max_dist_diff is None else f"{self.max_dist_diff:.3g}"
        tv = "n/a" if self.max_tv is None else f"{self.max_tv:.3g}"
        what = ("reproduced exactly" if self.max_dist_diff is not None
                else "with question and options reproduced exactly (no distributions compared)")
        lines = [f"{self.study}: {self.matched}/{self.release_rows} release rows {what} "
                 f"({self.paired} paired with raw records); max distribution difference {diff}, "
                 f"max TV {tv}; {len(self.mismatches)} mismatches"]
        for m in self.mismatches[:_SUMMARY_LINES]:
            lines.append(f"  {m.item_id} {m.field}: {m.detail}")
        if len(self.mismatches) > _SUMMARY_LINES:
            lines.append(f"  ... {len(self.mismatches) - _SUMMARY_LINES} more in the JSON report")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


@dataclass(frozen=True)
class Conversion:
    """What a converter returns.

    Attributes:
        study: the study slug.
        items: the rebuilt official rows, keyed like the release (``item_id`` of the matched row).
        extended: extra configs kept apart from the official ones, ``{config: {"pop": items}}``.
        report: the reproduction report against the release rows.
    """

    study: str
    items: tuple[Item, ...]
    extended: Mapping[str, Mapping[str, list[Item]]]
    report: ReproductionReport


def require_files(raw: str | Path, names: Sequence[str], study: str) -> dict[str, Path]:
    """Check that ``raw`` holds the files ``names``; return ``{name: path}``.

    Raises:
        RawDataError: naming the folder and every missing file.
    """
    folder = Path(raw).expanduser()
    if not folder.is_dir():
        raise RawDataError(f"{study}: raw data folder {folder} does not exist")
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        raise RawDataError(f"{study}: {folder} lacks {', '.join(missing)} (see loading_scripts/"
                           "README.md for where to download the raw data)")
    return {n: folder / n for n in names}


def render_question(text: str, options: Sequence[str]) -> str:
    """Join a question text and its options into the release ``input_template`` form."""
    labels = string.ascii_uppercase
    block = "\n".join(f"({labels[i]}): {opt}" for i, opt in enumerate(options))
    return f"{text}{OPTIONS_MARKER}{block}"


def new_item(*, study: str, row_index: int, persona: str, question: str,
             counts: Sequence[float] | None = None, percent: Sequence[float] | None = None,
             group_size: int, grouping: Mapping[str, str] | None = None,
             auxiliary: Any = None, split: str = "pop") -> Item:
    """Build a validated item from rebuilt values (through the release-row validator).

    Give either ``counts`` (answers per option; percentages are ``100 * count / total``) or
    ``percent`` (the percentages themselves).

    Raises:
        DataError: naming the study, the row and the field when a value is invalid.
    """
    if (counts is None) == (percent is None):
        raise ValueError("give exactly one of counts and percent")
    if counts is not None:
        total = math.fsum(counts)
        if total <= 0:
            raise DataError(f"{study} converter: row {row_index}: field 'human_answer': no answers")
        percent = [100 * c / total for c in counts]
    assert percent is not None
    row = {
        "row_index": row_index,
        "dataset_name": get_study(study).dataset_name,
        "group_prompt_template": persona,
        "group_prompt_variable_map": dict(grouping or {}),
        "input_template": question,
        "human_answer": {string.ascii_uppercase[i]: float(p) for i, p in enumerate(percent)},
        "group_size": group_size,
        "auxiliary": auxiliary,
    }
    return item_from_release_row(row, split=split, source=f"{study} converter")


def renumber(items: Sequence[Item]) -> list[Item]:
    """Give items their position as ``row_index`` (and matching ``item_id``), for extended configs."""
    from dataclasses import replace

    from simbench.data.schema import make_item_id

    return [replace(it, row_index=i, item_id=make_item_id(it.split, i)) for i, it in enumerate(items)]


def compare_items(release: Item, rebuilt: Item, tolerance: float = DIST_TOLERANCE) -> list[Mismatch]:
    """List the fields in which ``rebuilt`` differs from the ``release`` row."""
    out: list[Mismatch] = []
    rid = release.item_id
    for name in ("question", "persona", "option_labels", "option_texts"):
        a, b = getattr(release, name), getattr(rebuilt, name)
        if a != b:
            out.append(Mismatch(rid, name, f"release {_short(a)} vs rebuilt {_short(b)}"))
    if release.group_size != rebuilt.group_size:
        out.append(Mismatch(rid, "group_size", f"release {release.group_size} vs rebuilt "
                                               f"{rebuilt.group_size}"))
    diff = dist_diff(release, rebuilt)
    if diff is None:
        out.append(Mismatch(rid, "human_dist", f"{release.n_options} release options vs "
                                               f"{rebuilt.n_options} rebuilt"))
    elif diff > tolerance:
        out.append(Mismatch(rid, "human_dist", f"max difference {diff:.3g} (TV "
                                               f"{_tv(release, rebuilt):.3g})"))
    return out


def dist_diff(a: Item, b: Item) -> float | None:
    """The largest absolute difference between the two distributions (``None`` if lengths differ)."""
    if a.n_options != b.n_options:
        return None
    return max(abs(x - y) for x, y in zip(a.human_dist, b.human_dist))


def _tv(a: Item, b: Item) -> float:
    return 0.5 * math.fsum(abs(x - y) for x, y in zip(a.human_dist, b.human_dist))


def _short(value: Any, width: int = 70) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def build_report(study: str, release: Sequence[Item], rebuilt: Mapping[str, Item], *,
                 notes: Sequence[str] = (), extra: Sequence[Mismatch] = (),
                 tolerance: float = DIST_TOLERANCE,
                 extended: Mapping[str, int] | None = None) -> ReproductionReport:
    """Compare every release row with its rebuilt counterpart (``rebuilt`` keyed by release item_id).

    Release rows without a counterpart are listed as ``"unmatched"`` mismatches; ``extra`` adds
    mismatches found by the converter itself (e.g. ambiguous pairings).
    """
    mismatches: list[Mismatch] = []
    matched = paired = 0
    diffs: list[float] = []
    tvs: list[float] = []
    for rel in release:
        new = rebuilt.get(rel.item_id)
        if new is None:
            mismatches.append(Mismatch(rel.item_id, "unmatched", "no raw record pairs with this row"))
            continue
        paired += 1
        found = compare_items(rel, new, tolerance)
        d = dist_diff(rel, new)
        if d is not None:
            diffs.append(d)
            tvs.append(_tv(rel, new))
        mismatches.extend(found)
        matched += not found and not any(m.item_id == rel.item_id for m in extra)
    mismatches.extend(extra)
    return ReproductionReport(
        study=study, release_rows=len(release), paired=paired, matched=matched,
        max_dist_diff=max(diffs) if diffs else None, max_tv=max(tvs) if tvs else None,
        tolerance=tolerance, mismatches=tuple(mismatches), notes=tuple(notes),
        extended=dict(extended or {}))
