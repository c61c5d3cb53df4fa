"""WisdomOfCrowds: "Studying the Wisdom of Crowds at Scale" (Simoiu et al., HCOMP 2019), questions only.

Raw data: https://github.com/stanford-policylab/wisdom-of-crowds (MIT): ``data/original/tasks.csv.zip``
and ``domains.csv.zip`` (questions), and ``answers.csv.zip`` (participant responses).

Recipe (questions and options of all 114 SimBenchPop rows reproduced exactly):

* the question is the domain's ``domain_description`` with every " 20" removed (SimBench dropped the
  "20 questions" count this way, which also turns "in 2017" into "in17"), a space, then the task's
  ``prompt``;
* the options are ``possible_answers`` split at commas (``,`` plus optional spaces), shown in order
  as (A), (B), ...; the correct answer is the option equal to ``correct_answer``;
* the raw CSV escapes some characters in UTF-7 (``+AC0-`` for "-", ``+ACY-`` for "&"); they are
  decoded.

The responses file is not part of the data here, so the human distributions (and group sizes of
about 500) cannot be computed: :func:`convert` compares questions, options and correct answers only,
and building dataset rows fails with a message that says so.

Examples
--------
>>> decode_utf7("AT+ACY-T")
'AT&T'
>>> split_options("Williams+AC0-Sonoma,IKEA, Gap")
('Williams-Sonoma', 'IKEA', 'Gap')
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from simbench.data.schema import Item

from ._common import Conversion, Mismatch, RawDataError, ReproductionReport, require_files

__all__ = ["RAW_FILES", "RESPONSES_FILE", "STUDY", "Task", "convert", "decode_utf7", "read_tasks",
           "split_options"]

logger = logging.getLogger(__name__)

STUDY = "wisdom_of_crowds"
RAW_FILES = ("tasks.csv", "domains.csv")
RESPONSES_FILE = "answers.csv"
NO_RESPONSES = (f"the participant responses ({RESPONSES_FILE}, from data/original/answers.csv.zip of "
                "stanford-policylab/wisdom-of-crowds) are not in the raw folder, so human "
                "distributions and group sizes cannot be computed; only questions and options are "
                "rebuilt")
_UTF7 = re.compile(r"\+[A-Za-z0-9/]+-")
_COMMA = re.compile(r",\s*")


@dataclass(frozen=True)
class Task:
    """One question of the study, with its options as SimBench shows them."""

    task_id: int
    domain_id: int
    domain_name: str
    question: str
    options: tuple[str, ...]
    correct_answer: str


def decode_utf7(text: str) -> str:
    """Decode the UTF-7 escapes (``+AC0-``) that the raw CSV files contain."""
    return _UTF7.sub(lambda m: m.group(0).encode("ascii").decode("utf-7"), text)


def split_options(possible_answers: str) -> tuple[str, ...]:
    """Split ``possible_answers`` at commas (with or without a following space), decoded."""
    return tuple(_COMMA.split(decode_utf7(possible_answers).strip()))


def read_tasks(files: dict[str, Path]) -> dict[int, Task]:
    """Read ``tasks.csv`` and ``domains.csv`` into ``{task_id: Task}``.

    Raises:
        RawDataError: naming the file, the row and the field of a malformed value.
    """
    domains: dict[int, tuple[str, str]] = {}
    with files["domains.csv"].open(encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.DictReader(f), 1):
            try:
                domains[int(row["domain_id"])] = (row["domain_name"], row["domain_description"])
            except (KeyError, ValueError, TypeError) as e:
                raise RawDataError(f"{files['domains.csv']}: row {i}: bad field ({e})") from None
    tasks: dict[int, Task] = {}
    with files["tasks.csv"].open(encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.DictReader(f), 1):
            where = f"{files['tasks.csv']}: row {i}"
            try:
                task_id, domain_id = int(row["task_id"]), int(row["domain_id"])
                prompt, answers, correct = row["prompt"], row["possible_answers"], row["correct_answer"]
            except (KeyError, ValueError, TypeError) as e:
                raise RawDataError(f"{where}: bad field ({e})") from None
            if domain_id not in domains:
                raise RawDataError(f"{where}: field 'domain_id': {domain_id} is not in domains.csv")
            name, description = domains[domain_id]
            question = decode_utf7(f"{description.replace(' 20', '')} {prompt}")
            tasks[task_id] = Task(task_id, domain_id, name, question, split_options(answers),
                                  decode_utf7(correct))
    return tasks


def _compare(rel: Item, task: Task) -> list[Mismatch]:
    out = []
    if rel.question_text != task.question:
        out.append(Mismatch(rel.item_id, "question", f"release {rel.question_text[:60]!r} vs rebuilt "
                                                     f"{task.question[:60]!r}"))
    if rel.option_texts != task.options:
        out.append(Mismatch(rel.item_id, "option_texts", f"release {list(rel.option_texts)} vs "
                                                         f"rebuilt {list(task.options)}"))
    label = json.loads(rel.auxiliary).get("correct_answer")
    rebuilt_label = (chr(ord("A") + task.options.index(task.correct_answer))
                     if task.correct_answer in task.options else None)
    if label != rebuilt_label:
        out.append(Mismatch(rel.item_id, "correct_answer", f"release {label!r} vs rebuilt "
                                                           f"{rebuilt_label!r}"))
    return out


def convert(raw: str | Path, release: Sequence[Item] | None = None, *, extended: bool = False,
            min_group_size: int = 1, distributions: bool = False) -> Conversion:
    """Rebuild the questions and options of the WisdomOfCrowds release rows.

    Args:
        raw: folder holding ``tasks.csv`` and ``domains.csv``.
        release: the release items (the ``wisdom_of_crowds`` Pop rows, paired by ``task_id``).
        extended, min_group_size: accepted for a uniform signature; nothing can be extended
            without the responses.
        distributions: ask for the human distributions too; raises, as the responses are absent.

    Returns:
        A conversion with no rows (distributions are missing) and a report on the questions.

    Raises:
        RawDataError: when ``distributions`` is true (the responses file is not available).
    """
    files = require_files(raw, RAW_FILES, STUDY)
    if distributions:
        raise RawDataError(f"{STUDY}: {NO_RESPONSES}")
    tasks = read_tasks(files)
    rel = [it for it in (release or []) if it.study == STUDY and it.split == "pop"]
    mismatches: list[Mismatch] = []
    matched = paired = 0
    for r in rel:
        task = tasks.get(json.loads(r.auxiliary).get("task_id"))
        if task is None:
            mismatches.append(Mismatch(r.item_id, "unmatched", "task_id not in tasks.csv"))
            continue
        paired += 1
        found = _compare(r, task)
        mismatches.extend(found)
        matched += not found
    notes = [f"{len(tasks)} tasks; release rows paired by auxiliary.task_id; questions, options and "
             "correct answers compared", NO_RESPONSES]
    report = ReproductionReport(study=STUDY, release_rows=len(rel), paired=paired, matched=matched,
                                max_dist_diff=None, max_tv=None, mismatches=tuple(mismatches),
                                notes=tuple(notes))
    return Conversion(STUDY, (), {}, report)
