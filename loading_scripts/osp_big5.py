r"""OSPsychBig5: the IPIP Big Five (50 items) of openpsychometrics.org, by country.

Raw data: ``BIG5.zip`` from http://openpsychometrics.org/_rawdata/ (``data.csv``, tab-separated,
19,719 respondents, and ``codebook.txt`` with the item texts).

Recipe (reproduces all 250 SimBenchPop rows exactly):

1. keep respondents with ``age <= 80`` (any cap from 80 to 90 gives the same rows);
2. group by ``country`` (ISO code), named as in :mod:`simbench.converters._countries`;
3. per item, keep the answers coded 1..5 (0 = missed) as options A..E;
4. ``human_answer`` = percentage per option; ``group_size`` = number of valid answers.

The extended config ``osp_big5_extended`` holds every item for every country with at least
``min_group_size`` valid answers, in the same format.

Examples
--------
A raw folder with the 50-item codebook and four respondents (the real data has 19,719):

>>> import tempfile
>>> from pathlib import Path
>>> tmp = tempfile.TemporaryDirectory()
>>> raw = Path(tmp.name)
>>> codes = [f"{trait}{i}" for trait in "ENACO" for i in range(1, 11)]
>>> _ = (raw / "codebook.txt").write_text("".join(f"{c}\tI am statement {c}.\n" for c in codes))
>>> people = [(30, "US", 5), (41, "US", 4), (25, "US", 5), (412434, "GB", 1)]  # age, country, answer
>>> lines = ["age\tcountry\t" + "\t".join(codes)]
>>> lines += [f"{age}\t{country}\t" + "\t".join([str(a)] * 50) for age, country, a in people]
>>> _ = (raw / "data.csv").write_text("\n".join(lines) + "\n")
>>> read_codebook(raw / "codebook.txt")["E1"]
'I am statement E1.'
>>> countries, counts, dropped = count_answers(raw / "data.csv", codes)
>>> countries, counts.shape, counts[0, 0].tolist(), dropped   # the age 412434 is dropped
({'US': 3}, (1, 50, 5), [0, 0, 0, 1, 2], 1)
>>> conv = convert(raw, extended=True, min_group_size=3)
>>> rows = conv.extended["osp_big5_extended"]["pop"]
>>> len(rows), rows[0].grouping, rows[0].group_size
(50, {'country_name': 'United States of America'}, 3)
>>> [round(p, 3) for p in rows[0].human_dist]   # options A..E = answers 1..5
[0.0, 0.0, 0.0, 0.333, 0.667]
>>> print(rows[0].question_text)
Indicate your level of agreement with the following statement: I am statement E1.
>>> tmp.cleanup()
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

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
from ._countries import country_name, iso_code

__all__ = ["DEFAULT_MIN_GROUP_SIZE", "EXTENDED_CONFIG", "MAX_AGE", "RAW_FILES", "STUDY", "convert"]

logger = logging.getLogger(__name__)

STUDY = "osp_big5"
EXTENDED_CONFIG = "osp_big5_extended"
RAW_FILES = ("data.csv", "codebook.txt")
#: Respondents older than this are dropped (the raw ages include junk such as 412434).
MAX_AGE = 80
DEFAULT_MIN_GROUP_SIZE = 100
OPTIONS = ("Disagree", "Slightly Disagree", "Neutral", "Slightly Agree", "Agree")
QUESTION_PREFIX = "Indicate your level of agreement with the following statement: "
PERSONA = ("openpsychometrics.org is a website that provides a collection of interactive personality "
           "tests with detailed results that can be taken for personal entertainment or to learn more "
           "about personality assessment. You are a user of openpsychometrics.org. You are from {}.")
_ITEM_LINE = re.compile(r"^([ENACO]\d+)\t(.+?)\s*$")


def read_codebook(path: Path) -> dict[str, str]:
    """Item code -> statement, from ``codebook.txt`` (lines ``E1<TAB>I am the life of the party.``)."""
    items: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = _ITEM_LINE.match(line)
        if m:
            items[m.group(1)] = m.group(2)
    if len(items) != 50:
        raise RawDataError(f"{path}: expected 50 item lines 'E1<TAB>text', found {len(items)}")
    return items


def count_answers(path: Path, codes: Sequence[str], max_age: int = MAX_AGE
                  ) -> tuple[dict[str, int], np.ndarray, int]:
    """Per country and item, how many respondents gave each answer 1..5.

    Returns:
        ``(countries, counts, dropped)``: respondents per country code, by decreasing number,
        an int array ``(n_countries, n_items, 5)``, and the number of respondents dropped by age.

    Raises:
        RawDataError: naming the row and column of a malformed value.
    """
    import pandas as pd

    frame = pd.read_csv(path, sep="\t", dtype={"country": str}, keep_default_na=False)
    missing = [c for c in ("age", "country", *codes) if c not in frame.columns]
    if missing:
        raise RawDataError(f"{path}: missing columns {missing} (is it the tab-separated BIG5 data?)")
    for col in ("age", *codes):
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() | ((values < 0) | (values > 5) if col != "age" else False)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise RawDataError(f"{path}: row {row + 1}: column {col!r}: invalid value "
                               f"{str(frame[col].iloc[row])!r}")
    keep = frame["age"].to_numpy() <= max_age
    frame = frame[keep]
    sizes = frame["country"].value_counts()  # most respondents first
    countries = {str(c): int(n) for c, n in sizes.items()}
    index = {c: i for i, c in enumerate(countries)}
    ci = frame["country"].map(index).to_numpy()
    answers = frame[list(codes)].to_numpy(dtype=np.int64)
    counts = np.zeros((len(countries), len(codes), 6), dtype=np.int64)
    item_idx = np.broadcast_to(np.arange(len(codes)), answers.shape)
    np.add.at(counts, (np.broadcast_to(ci[:, None], answers.shape), item_idx, answers), 1)
    return countries, counts[:, :, 1:], int((~keep).sum())


def _item(row_index: int, statement: str, country: str, counts: np.ndarray, code: str,
          iso: str) -> Item:
    return new_item(
        study=STUDY, row_index=row_index, persona=PERSONA.format(country),
        question=render_question(QUESTION_PREFIX + statement, OPTIONS),
        counts=counts.tolist(), group_size=int(counts.sum()), grouping={"country_name": country},
        auxiliary={"item": code, "country_code": iso, "max_age": MAX_AGE})


def _rebuild_release(release: Sequence[Item], codebook: dict[str, str], countries: dict[str, int],
                     counts: np.ndarray) -> tuple[dict[str, Item], list[Mismatch]]:
    by_text = {text: i for i, text in enumerate(codebook.values())}
    codes = list(codebook)
    cindex = {c: i for i, c in enumerate(countries)}
    rebuilt: dict[str, Item] = {}
    problems: list[Mismatch] = []
    for rel in release:
        statement = rel.question_text.removeprefix(QUESTION_PREFIX)
        name = rel.grouping.get("country_name", "")
        iso = iso_code(name)
        if statement not in by_text:
            problems.append(Mismatch(rel.item_id, "question", "statement not in codebook.txt"))
        elif iso is None or iso not in cindex:
            problems.append(Mismatch(rel.item_id, "grouping", f"country {name!r} not in the raw data"))
        else:
            j = by_text[statement]
            rebuilt[rel.item_id] = _item(rel.row_index, statement, name, counts[cindex[iso], j],
                                         codes[j], iso)
    return rebuilt, problems


def _extended(codebook: dict[str, str], countries: dict[str, int], counts: np.ndarray,
              min_group_size: int) -> tuple[list[Item], list[str]]:
    items: list[Item] = []
    unnamed = []
    for ci, iso in enumerate(countries):
        name = country_name(iso)
        if countries[iso] < min_group_size:
            break  # countries come by decreasing size
        if name is None:
            unnamed.append(f"{iso!r} ({countries[iso]} respondents)")
            continue
        for j, (code, statement) in enumerate(codebook.items()):
            if counts[ci, j].sum() >= min_group_size:
                items.append(_item(len(items), statement, name, counts[ci, j], code, iso))
    return renumber(items), unnamed


def convert(raw: str | Path, release: Sequence[Item] | None = None, *, extended: bool = False,
            min_group_size: int = DEFAULT_MIN_GROUP_SIZE) -> Conversion:
    """Rebuild the OSPsychBig5 rows from the raw BIG5 data.

    Args:
        raw: folder holding ``data.csv`` and ``codebook.txt``.
        release: the release items (any studies; the ``osp_big5`` Pop rows are used). Without it,
            no official rows can be keyed and only the extended config is built.
        extended: also build ``osp_big5_extended``: every item for every country with at least
            ``min_group_size`` valid answers.
        min_group_size: the threshold for the extended config.

    Returns:
        The rebuilt rows, the extended config and the reproduction report.
    """
    files = require_files(raw, RAW_FILES, STUDY)
    codebook = read_codebook(files["codebook.txt"])
    countries, counts, dropped = count_answers(files["data.csv"], list(codebook))
    rel = [it for it in (release or []) if it.study == STUDY and it.split == "pop"]
    rebuilt, problems = _rebuild_release(rel, codebook, countries, counts)
    notes = [f"kept respondents aged <= {MAX_AGE} ({dropped} dropped); answers 1..5 per item, "
             "0 (missed) left out; grouped by country"]
    ext: dict[str, dict[str, list[Item]]] = {}
    if extended:
        rows, unnamed = _extended(codebook, countries, counts, min_group_size)
        ext[EXTENDED_CONFIG] = {"pop": rows}
        n_countries = len({it.grouping["country_name"] for it in rows})
        notes.append(f"{EXTENDED_CONFIG}: {len(rows)} rows, {n_countries} countries with at least "
                     f"{min_group_size} valid answers per item")
        if unnamed:
            notes.append("country codes that name no country, left out of the extended config: "
                         + ", ".join(unnamed))
    report = build_report(STUDY, rel, rebuilt, notes=notes, extra=problems,
                          extended={k: len(v["pop"]) for k, v in ext.items()})
    return Conversion(STUDY, tuple(rebuilt[it.item_id] for it in rel if it.item_id in rebuilt),
                      ext, report)
