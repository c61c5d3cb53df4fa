r"""ChaosNLI: 100 crowd labels for each of 4,645 NLI items (SNLI, MNLI-matched, alpha-NLI).

Raw data: ``chaosNLI_v1.0.zip`` linked from https://github.com/easonnie/ChaosNLI (CC BY-NC 4.0):
``chaosNLI_snli.jsonl``, ``chaosNLI_mnli_m.jsonl`` and ``chaosNLI_alphanli.jsonl``.

Recipe (reproduces all 500 SimBenchPop rows exactly, 325 NLI and 175 alpha-NLI):

* NLI: "Context: <premise>\nStatement: <hypothesis>\n\nChoose the correct category for the
  statement:" with A = definitely correct (e), B = definitely incorrect (c), C = neither (n);
  the distribution is the label counts re-ordered from [e, n, c] to [e, c, n].
* alpha-NLI: "O-Beginning / Hypothesis-1 / Hypothesis-2 / O-Ending" with A = Hypothesis-1 and
  B = Hypothesis-2, in the file's [1, 2] order.
* ``group_size`` = number of labels (100); the persona is "You are an Amazon Mechanical Turk worker."

The extended config ``chaos_nli_extended`` holds every item of the three files.

Examples
--------
Three raw files of one record each (the real ones hold 1,514, 1,599 and 1,532 records):

>>> import json, tempfile
>>> from dataclasses import replace
>>> from pathlib import Path
>>> tmp = tempfile.TemporaryDirectory()
>>> raw = Path(tmp.name)
>>> records = {
...     "chaosNLI_snli.jsonl": {"uid": "s1", "label_count": [60, 30, 10], "example": {
...         "premise": "A dog runs.", "hypothesis": "An animal moves."}},
...     "chaosNLI_mnli_m.jsonl": {"uid": "m1", "label_count": [5, 15, 80], "example": {
...         "premise": "It rained.", "hypothesis": "The road is dry."}},
...     "chaosNLI_alphanli.jsonl": {"uid": "a1", "label_count": [70, 30], "example": {
...         "obs1": "I was hungry.", "hyp1": "I cooked.", "hyp2": "I slept.", "obs2": "I ate."}}}
>>> for name, rec in records.items():
...     _ = (raw / name).write_text(json.dumps(rec) + "\n")
>>> conv = convert(raw, extended=True)
>>> rows = conv.extended["chaos_nli_extended"]["pop"]
>>> [(it.item_id, it.option_labels, it.human_dist) for it in rows]  # [e, n, c] -> A=e, B=c, C=n
[('pop/0', ('A', 'B', 'C'), (0.6, 0.1, 0.3)), ('pop/1', ('A', 'B', 'C'), (0.05, 0.8, 0.15)),
 ('pop/2', ('A', 'B'), (0.7, 0.3))]
>>> print(rows[0].question_text)
Context: A dog runs.
Statement: An animal moves.
<BLANKLINE>
Choose the correct category for the statement:

A release row is paired with the raw record of the same question and keeps its ``item_id``:

>>> release = [replace(rows[2], row_index=41, item_id="pop/41")]
>>> conv = convert(raw, release)
>>> [it.item_id for it in conv.items], conv.report.matched, conv.report.release_rows
(['pop/41'], 1, 1)
>>> tmp.cleanup()
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from simbench.data.schema import Item

from ._common import (
    Conversion,
    Mismatch,
    RawDataError,
    build_report,
    new_item,
    render_question,
    renumber,
    require_files,
)

__all__ = ["EXTENDED_CONFIG", "RAW_FILES", "STUDY", "convert", "read_records"]

logger = logging.getLogger(__name__)

STUDY = "chaos_nli"
EXTENDED_CONFIG = "chaos_nli_extended"
NLI_FILES = ("chaosNLI_snli.jsonl", "chaosNLI_mnli_m.jsonl")
ALPHA_FILE = "chaosNLI_alphanli.jsonl"
RAW_FILES = (*NLI_FILES, ALPHA_FILE)
PERSONA = "You are an Amazon Mechanical Turk worker."
NLI_OPTIONS = (
    "Given the context, the statement is **definitely correct**",
    "Given the context, the statement is **definitely incorrect**",
    "Given the context, the statement is **neither definitely correct nor definitely incorrect**",
)
#: Position in the raw [e, n, c] counts of options A, B, C.
NLI_ORDER = (0, 2, 1)
ALPHA_OPTIONS = ("**Hypothesis-1** is more plausible than Hypothesis-2",
                 "**Hypothesis-2** is more plausible than Hypothesis-1")
ALPHA_INSTRUCTION = ("Choose one of the hypothesises that is more likely to cause O-Beginning to turn "
                     "into O-Ending:")


def read_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, record)`` from a ChaosNLI JSON Lines file, checking each record.

    Raises:
        RawDataError: naming the file, the line and the field of a malformed record.
    """
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise RawDataError(f"{path}: line {lineno}: not valid JSON ({e.msg})") from None
            for key in ("uid", "label_count", "example"):
                if key not in rec:
                    raise RawDataError(f"{path}: line {lineno}: missing field {key!r}")
            counts = rec["label_count"]
            if (not isinstance(counts, list) or not all(isinstance(c, int) and c >= 0 for c in counts)
                    or sum(counts) <= 0):
                raise RawDataError(f"{path}: line {lineno}: field 'label_count': {counts!r} is not a "
                                   "list of non-negative counts")
            yield lineno, rec


def _nli_item(rec: dict[str, Any], where: str, subset: str) -> Item:
    ex = rec["example"]
    try:
        text = (f"Context: {ex['premise']}\nStatement: {ex['hypothesis']}\n\n"
                "Choose the correct category for the statement:")
    except KeyError as e:
        raise RawDataError(f"{where}: field 'example.{e.args[0]}' is missing") from None
    counts = rec["label_count"]
    if len(counts) != 3:
        raise RawDataError(f"{where}: field 'label_count': expected 3 counts [e, n, c]")
    return new_item(study=STUDY, row_index=0, persona=PERSONA,
                    question=render_question(text, NLI_OPTIONS),
                    counts=[counts[i] for i in NLI_ORDER], group_size=sum(counts),
                    auxiliary={"uid": rec["uid"], "subset": subset})


def _alpha_item(rec: dict[str, Any], where: str) -> Item:
    ex = rec["example"]
    try:
        text = (f"O-Beginning: {ex['obs1']}\nHypothesis-1: {ex['hyp1']}\nHypothesis-2: {ex['hyp2']}\n"
                f"O-Ending: {ex['obs2']}\n\n{ALPHA_INSTRUCTION}")
    except KeyError as e:
        raise RawDataError(f"{where}: field 'example.{e.args[0]}' is missing") from None
    counts = rec["label_count"]
    if len(counts) != 2:
        raise RawDataError(f"{where}: field 'label_count': expected 2 counts [1, 2]")
    return new_item(study=STUDY, row_index=0, persona=PERSONA,
                    question=render_question(text, ALPHA_OPTIONS), counts=counts,
                    group_size=sum(counts), auxiliary={"uid": rec["uid"], "subset": "alphanli"})


def rebuild_all(files: dict[str, Path]) -> list[Item]:
    """Every ChaosNLI item of the three files, in file order (``row_index`` = position)."""
    items: list[Item] = []
    for name in RAW_FILES:
        subset = name.removeprefix("chaosNLI_").removesuffix(".jsonl")
        for lineno, rec in read_records(files[name]):
            where = f"{files[name]}: line {lineno}"
            items.append(_alpha_item(rec, where) if name == ALPHA_FILE else _nli_item(rec, where, subset))
    return renumber(items)


def convert(raw: str | Path, release: Sequence[Item] | None = None, *, extended: bool = False,
            min_group_size: int = 1) -> Conversion:
    """Rebuild the ChaosNLI rows from the three raw files.

    Args:
        raw: folder holding the three ``chaosNLI_*.jsonl`` files.
        release: the release items (the ``chaos_nli`` Pop rows are used for keys and the report).
        extended: also build ``chaos_nli_extended`` with every item of the three files.
        min_group_size: items with fewer labels are left out of the extended config.
    """
    files = require_files(raw, RAW_FILES, STUDY)
    every = rebuild_all(files)
    by_question: dict[str, Item] = {}
    duplicates = 0
    for it in every:
        duplicates += it.question in by_question
        by_question.setdefault(it.question, it)
    rel = [it for it in (release or []) if it.study == STUDY and it.split == "pop"]
    rebuilt: dict[str, Item] = {}
    problems: list[Mismatch] = []
    for r in rel:
        hit = by_question.get(r.question)
        if hit is None:
            continue  # reported as unmatched
        rebuilt[r.item_id] = replace(hit, row_index=r.row_index, item_id=r.item_id)
    notes = [f"{len(every)} raw items ({duplicates} with a duplicate question text); release rows "
             "paired by question text"]
    ext: dict[str, dict[str, list[Item]]] = {}
    if extended:
        rows = renumber([it for it in every if it.group_size >= min_group_size])
        ext[EXTENDED_CONFIG] = {"pop": rows}
        notes.append(f"{EXTENDED_CONFIG}: {len(rows)} rows (SNLI, MNLI-matched, alpha-NLI)")
    report = build_report(STUDY, rel, rebuilt, notes=notes, extra=problems,
                          extended={k: len(v["pop"]) for k, v in ext.items()})
    return Conversion(STUDY, tuple(rebuilt[r.item_id] for r in rel if r.item_id in rebuilt), ext, report)
