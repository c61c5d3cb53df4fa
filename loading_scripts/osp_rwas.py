r"""OSPsychRWAS: Altemeyer's Right-Wing Authoritarianism Scale (22 items) of openpsychometrics.org.

Raw data: ``RWAS.zip`` from https://openpsychometrics.org/_rawdata/ (``data.csv``, comma-separated,
9,881 respondents; ``codebook.txt``). The codebook gives item numbers (Q1..Q22), not the wording.

Recipe (as close as the data allows; not exact):

1. keep respondents who pass the vocabulary validity check (the fake words VCL6, VCL9 and VCL12
   unchecked);
2. per item, keep the answers coded 1..9 (0 = missing) as options A..I (Very Strongly Disagree ..
   Very Strongly Agree); ``human_answer`` = percentage per option, ``group_size`` = valid answers.

The item wording is not in the raw data, so it is taken from the release: each release row is paired
with the item Q1..Q22 whose distribution is nearest (total variation; the pairing is one-to-one and
the report gives the margin to the second-nearest item). This leaves 7,454-7,471 answers per item
where SimBench has 6,901-6,914. The excess per item is nearly constant (553-558) and never negative
in any answer category, so SimBench dropped about 557 more respondents with a filter that is not
documented. No single threshold on any column (ages, timings, demographics, TIPI, VCL, screen
size), no duplicate removal, nor the age, English-native, missingness and timing pairs tried
reproduce it. The left-out answers are distributed like a random sample of respondents (mean TV
to the population 0.047 per item; random subsets of 557 respondents give 0.033-0.048), so the most
likely explanation is a random subsample of about 6,920 respondents drawn with an unknown seed. The
report measures the remaining difference (max TV about 0.006).

Examples
--------
Forty made-up respondents (answers 0..9 per item; one checked a fake word), and release rows whose
wording the converter cannot know, given in reverse item order:

>>> import json, tempfile
>>> import numpy as np
>>> from pathlib import Path
>>> from simbench.converters._common import new_item, render_question
>>> tmp = tempfile.TemporaryDirectory()
>>> raw = Path(tmp.name)
>>> answers = np.random.default_rng(0).integers(0, 10, size=(40, N_ITEMS))
>>> fake = np.zeros((40, 3), dtype=int)
>>> fake[0, 1] = 1
>>> header = [f"Q{i}" for i in range(1, N_ITEMS + 1)] + list(FAKE_WORDS)
>>> table = [header] + [[str(v) for v in row] for row in np.hstack([answers, fake])]
>>> _ = (raw / "data.csv").write_text("\n".join(",".join(r) for r in table) + "\n")
>>> _ = (raw / "codebook.txt").write_text("Q1 to Q22: the RWA scale items\n")
>>> counts, kept = count_answers(raw / "data.csv")
>>> counts.shape, kept, int(counts[0].sum()) == int((answers[1:, 0] > 0).sum())
((22, 9), 39, True)
>>> options = [f"level {k}" for k in range(1, 10)]
>>> def release_row(r, item):
...     return new_item(study="osp_rwas", row_index=r, persona="You are a user.",
...                     question=render_question(f"Statement {item + 1}", options),
...                     counts=counts[item].tolist(), group_size=int(counts[item].sum()))
>>> release = [release_row(r, N_ITEMS - 1 - r) for r in range(N_ITEMS)]
>>> conv = convert(raw, release)
>>> conv.report.paired, conv.report.matched, json.loads(conv.items[0].auxiliary)["item"]
(22, 22, 'Q22')
>>> tmp.cleanup()
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from simbench.data.schema import Item

from ._common import Conversion, RawDataError, build_report, new_item, require_files

__all__ = ["FAKE_WORDS", "N_ITEMS", "RAW_FILES", "STUDY", "convert", "count_answers"]

logger = logging.getLogger(__name__)

STUDY = "osp_rwas"
RAW_FILES = ("data.csv", "codebook.txt")
N_ITEMS = 22
#: Vocabulary checklist entries that are not real words (a validity check).
FAKE_WORDS = ("VCL6", "VCL9", "VCL12")


def count_answers(path: Path, validity_check: bool = True) -> tuple[np.ndarray, int]:
    """Answer counts per item: an int array ``(22, 9)`` for answers 1..9, and the respondents kept.

    Raises:
        RawDataError: naming the row and column of a malformed value.
    """
    import pandas as pd

    frame = pd.read_csv(path, keep_default_na=False, low_memory=False)
    items = [f"Q{i}" for i in range(1, N_ITEMS + 1)]
    missing = [c for c in (*items, *FAKE_WORDS) if c not in frame.columns]
    if missing:
        raise RawDataError(f"{path}: missing columns {missing} (is it the RWAS data.csv?)")
    for col, top in [(c, 9) for c in items] + [(c, 1) for c in FAKE_WORDS]:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() | (values < 0) | (values > top)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise RawDataError(f"{path}: row {row + 1}: column {col!r}: invalid value "
                               f"{str(frame[col].iloc[row])!r} (expected 0..{top})")
    if validity_check:
        frame = frame[(frame[list(FAKE_WORDS)] == 0).all(axis=1)]
    answers = frame[items].to_numpy(dtype=np.int64)
    counts = np.stack([(answers == k).sum(axis=0) for k in range(1, 10)], axis=1)
    return counts, len(frame)


def _tv(p: np.ndarray, q: np.ndarray) -> float:
    return float(0.5 * np.abs(p / p.sum() - q / q.sum()).sum())


def pair_items(release: Sequence[Item], counts: np.ndarray) -> tuple[dict[str, int], float]:
    """Pair each release row with the item Q1..Q22 of nearest distribution, one-to-one.

    Pairs are taken greedily by increasing total variation. Returns ``({item_id: item index},
    margin)``, where ``margin`` is the smallest gap, over the release rows, between the TV to
    the paired item and the TV to the next-nearest item (large = unambiguous).
    """
    tv = np.array([[_tv(np.asarray(r.human_dist), counts[j]) for j in range(len(counts))]
                   for r in release])
    pairs: dict[str, int] = {}
    used: set[int] = set()
    for flat in np.argsort(tv, axis=None):
        i, j = divmod(int(flat), tv.shape[1])
        if release[i].item_id not in pairs and j not in used:
            pairs[release[i].item_id] = j
            used.add(j)
    margin = min((float(np.sort(row)[1] - row[pairs[r.item_id]]) for r, row in zip(release, tv)),
                 default=float("inf"))
    return pairs, margin


def convert(raw: str | Path, release: Sequence[Item] | None = None, *, extended: bool = False,
            min_group_size: int = 1, validity_check: bool = True) -> Conversion:
    """Rebuild the OSPsychRWAS rows as closely as the raw data allows.

    Args:
        raw: folder holding ``data.csv`` and ``codebook.txt``.
        release: the release items; required, as the item wording is not in the raw data.
        extended: no extended config exists for this study (one population, wording from the
            release); a note says so.
        min_group_size: unused (kept for a uniform converter signature).
        validity_check: drop respondents who checked a fake word (the default, closest recipe).

    Raises:
        RawDataError: when the release rows are not given.
    """
    files = require_files(raw, RAW_FILES, STUDY)
    rel = [it for it in (release or []) if it.study == STUDY and it.split == "pop"]
    if not rel:
        raise RawDataError(f"{STUDY}: the item wording is not in the raw data (codebook.txt gives only "
                           "Q1..Q22); pass the SimBench release (--source or $SIMBENCH_DATA) so the "
                           "wording can be taken from its rows")
    counts, kept = count_answers(files["data.csv"], validity_check)
    pairs, margin = pair_items(rel, counts)
    rebuilt = {r.item_id: new_item(
        study=STUDY, row_index=r.row_index, persona=r.persona, question=r.question,
        counts=counts[pairs[r.item_id]].tolist(), group_size=int(counts[pairs[r.item_id]].sum()),
        auxiliary={"item": f"Q{pairs[r.item_id] + 1}", "validity_check": validity_check})
        for r in rel}
    gaps = sorted(rebuilt[r.item_id].group_size - r.group_size for r in rel)
    excess = min(int(c - round(p * r.group_size)) for r in rel
                 for c, p in zip(counts[pairs[r.item_id]], r.human_dist))
    notes = [f"{kept} respondents kept (validity check {'on' if validity_check else 'off'}); answers "
             "1..9 per item",
             f"wording from the release: rows paired with Q1..Q22 by nearest distribution, one-to-one "
             f"(smallest margin to the next-nearest item: TV {margin:.3f})",
             f"per-item group size exceeds the release by {gaps[0]}..{gaps[-1]} answers: SimBench "
             "applied an undocumented respondent-level filter (about 557 respondents) that no single "
             "threshold on a column, nor the pairs of filters tried, reproduces",
             f"the rebuilt count is at least the release count in every item and answer category "
             f"(smallest excess {excess}), and the answers SimBench left out are distributed like a "
             "random sample of respondents: consistent with a random subsample of about 6,920 of the "
             f"{kept} respondents, which cannot be redrawn without its seed"]
    if extended:
        notes.append("no extended config: the study has one population and no item wording in the "
                     "raw data")
    report = build_report(STUDY, rel, rebuilt, notes=notes)
    return Conversion(STUDY, tuple(rebuilt[r.item_id] for r in rel), {}, report)
