"""Choices13k: human choice rates between two gambles, 13,006 problems x feedback condition.

Raw data: https://github.com/jcpeterson/choices13k (``c13k_selections.csv``, one row per problem and
feedback condition, and ``c13k_problems.json``, the outcomes of both gambles per selections row).

Recipe (pairs all 500 SimBenchPop rows with their problem and feedback condition):

* one item per selections row; the question lists each machine's outcomes as
  ``$<payoff> with <p*100 rounded to 2 decimals>% chance`` (outcomes with probability 0 kept);
* ``human_answer`` = {A: 100*(1-bRate), B: 100*bRate}; ``group_size`` = ``n``;
* SimBench shuffled the outcomes within each machine with an unreleased seed, and the text does not
  state the feedback or ambiguity condition. A release row is therefore paired with the raw rows
  whose outcome sets are the same (order-free), and among those with the one whose ``n``, ``bRate``
  and ``bRate_std`` equal the row's ``group_size`` and ``auxiliary`` (this picks the feedback
  condition). The rebuilt row lists the outcomes in the release row's order; the extended config
  ``choices13k_extended`` (every selections row) keeps the order of the JSON file.

Examples
--------
>>> outcome_text(0.00625, 49)
'$49.0 with 0.62% chance'
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
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

__all__ = ["EXTENDED_CONFIG", "RAW_FILES", "STUDY", "Problem", "convert", "outcome_text",
           "read_problems"]

logger = logging.getLogger(__name__)

STUDY = "choices13k"
EXTENDED_CONFIG = "choices13k_extended"
RAW_FILES = ("c13k_selections.csv", "c13k_problems.json")
PERSONA = "You are an Amazon Mechanical Turk worker based in the United States."
INTRO = ("There are two gambling machines, A and B. You need to make a choice between the machines "
         "with the goal of maximizing the amount of dollars received. You will get one reward from the "
         "machine that you choose. A fixed proportion of 10% of this value will be paid to you as a "
         "performance bonus. If the reward is negative, your bonus is set to $0.")
OPTIONS = ("Machine A", "Machine B")
_MACHINES = re.compile(r"\nMachine A: (.*)\.\nMachine B: (.*)\.\n")
#: Equality tolerance on bRate (percent) and bRate_std when choosing the feedback condition.
_RATE_TOL = 1e-9


@dataclass(frozen=True)
class Problem:
    """One selections row: a problem in one feedback condition, with both gambles' outcomes."""

    index: int
    problem: int
    feedback: bool
    n: int
    b_rate: float
    b_rate_std: float
    amb: bool
    a: tuple[str, ...]
    b: tuple[str, ...]


def outcome_text(prob: float, payoff: float) -> str:
    """``$<payoff> with <percent>% chance``; float noise is removed before rounding half-even."""
    return f"${float(payoff)} with {round(round(prob * 100, 9), 2)}% chance"


def _outcomes(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise RawDataError(f"{where}: expected a list of [probability, payoff] pairs")
    out = []
    for pair in value:
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(isinstance(x, int | float) for x in pair) or not 0 <= pair[0] <= 1):
            raise RawDataError(f"{where}: {pair!r} is not a [probability, payoff] pair")
        out.append(outcome_text(pair[0], pair[1]))
    return tuple(out)


def read_problems(files: dict[str, Path]) -> list[Problem]:
    """Read both raw files into one :class:`Problem` per selections row.

    Raises:
        RawDataError: naming the file, the row and the field of a malformed value.
    """
    sel_path, prob_path = files["c13k_selections.csv"], files["c13k_problems.json"]
    gambles = json.loads(prob_path.read_text(encoding="utf-8"))
    out = []
    with sel_path.open(encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            where = f"{sel_path}: row {i + 1}"
            try:
                g = gambles[str(i)]
            except KeyError:
                raise RawDataError(f"{prob_path}: no entry {str(i)!r} for {where}") from None
            try:
                b_rate = float(row["bRate"])
                problem, n = int(row["Problem"]), int(row["n"])
                b_std = float(row["bRate_std"])
                feedback, amb = row["Feedback"] == "True", row["Amb"] == "True"
            except (KeyError, TypeError, ValueError) as e:
                raise RawDataError(f"{where}: bad or missing field ({e})") from None
            if not 0 <= b_rate <= 1 or n < 1:
                raise RawDataError(f"{where}: field 'bRate' or 'n' out of range")
            out.append(Problem(index=i, problem=problem, feedback=feedback, n=n, b_rate=100 * b_rate,
                               b_rate_std=b_std, amb=amb,
                               a=_outcomes(g.get("A"), f"{prob_path}: entry {i}: 'A'"),
                               b=_outcomes(g.get("B"), f"{prob_path}: entry {i}: 'B'")))
    return out


def _item(p: Problem, a: Sequence[str], b: Sequence[str], row_index: int) -> Item:
    text = f"{INTRO}\n\nMachine A: {', '.join(a)}.\nMachine B: {', '.join(b)}.\n\nWhich machine do you choose?"
    return new_item(study=STUDY, row_index=row_index, persona=PERSONA,
                    question=render_question(text, OPTIONS),
                    percent=[100 - p.b_rate, p.b_rate], group_size=p.n,
                    auxiliary={"b_rate": p.b_rate, "b_rate_std": p.b_rate_std, "num_p": p.n,
                               "problem": p.problem, "feedback": p.feedback, "amb": p.amb})


def _fits(p: Problem, rel: Item) -> bool:
    aux = json.loads(rel.auxiliary) or {}
    return (p.n == rel.group_size and abs(p.b_rate - float(aux.get("b_rate", -1))) < _RATE_TOL
            and abs(p.b_rate_std - float(aux.get("b_rate_std", -1))) < _RATE_TOL)


def _pair(rel: Item, index: dict[tuple, list[Problem]]) -> tuple[Item | None, Mismatch | None]:
    m = _MACHINES.search(rel.question_text)
    if m is None:
        return None, Mismatch(rel.item_id, "question", "no 'Machine A: ... Machine B: ...' lines")
    a, b = m.group(1).split(", "), m.group(2).split(", ")
    candidates = index.get((tuple(sorted(a)), tuple(sorted(b))), [])
    if not candidates:
        return None, None  # reported as unmatched
    fits = [p for p in candidates if _fits(p, rel)]
    if len(fits) > 1:
        conds = ", ".join(f"row {p.index + 1} (feedback={p.feedback})" for p in fits)
        return _item(fits[0], a, b, rel.row_index), Mismatch(
            rel.item_id, "feedback", f"several selections rows fit equally: {conds}")
    # No exact fit: keep the first candidate so the report shows how far its distribution is.
    return _item((fits or candidates)[0], a, b, rel.row_index), None


def convert(raw: str | Path, release: Sequence[Item] | None = None, *, extended: bool = False,
            min_group_size: int = 1) -> Conversion:
    """Rebuild the Choices13k rows from the raw selections and problems files.

    Args:
        raw: folder holding ``c13k_selections.csv`` and ``c13k_problems.json``.
        release: the release items (the ``choices13k`` Pop rows are paired and reported on).
        extended: also build ``choices13k_extended``: every selections row with ``n >= min_group_size``.
        min_group_size: the threshold for the extended config.
    """
    files = require_files(raw, RAW_FILES, STUDY)
    problems = read_problems(files)
    index: dict[tuple, list[Problem]] = {}
    for p in problems:
        index.setdefault((tuple(sorted(p.a)), tuple(sorted(p.b))), []).append(p)
    rel = [it for it in (release or []) if it.study == STUDY and it.split == "pop"]
    rebuilt: dict[str, Item] = {}
    extra: list[Mismatch] = []
    for r in rel:
        item, problem = _pair(r, index)
        if item is not None:
            rebuilt[r.item_id] = item
        if problem is not None:
            extra.append(problem)
    n_fb = sum(json.loads(it.auxiliary)["feedback"] for it in rebuilt.values())
    notes = [f"{len(problems)} selections rows; release rows paired by outcome sets, then by n, bRate "
             f"and bRate_std (feedback condition): {n_fb} with feedback, {len(rebuilt) - n_fb} without",
             "outcome order within a machine taken from the release row (SimBench shuffled it with an "
             "unreleased seed); the outcomes and their probabilities come from the raw data"]
    ext: dict[str, dict[str, list[Item]]] = {}
    if extended:
        rows = renumber([_item(p, p.a, p.b, 0) for p in problems if p.n >= min_group_size])
        ext[EXTENDED_CONFIG] = {"pop": rows}
        notes.append(f"{EXTENDED_CONFIG}: {len(rows)} rows (every problem x feedback condition with "
                     f"n >= {min_group_size}; outcomes in the JSON order)")
    report = build_report(STUDY, rel, rebuilt, notes=notes, extra=extra,
                          extended={k: len(v["pop"]) for k, v in ext.items()})
    return Conversion(STUDY, tuple(rebuilt[r.item_id] for r in rel if r.item_id in rebuilt), ext, report)
