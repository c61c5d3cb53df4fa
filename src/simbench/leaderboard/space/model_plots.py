"""The per-model panel's plots: exactly those of ``simbench report`` for the submitted run.

A bundled entry (``submissions/<model>/<time>.json``) is unpacked into a run folder first (its
a run record and one prediction line per item, as submitted); then
:func:`simbench.report.build_report` draws the per-study bars with intervals and the noise ceiling,
the score by human entropy, model against human entropy, the label mass (token-probability runs) and
the per-attribute deltas.

Examples
--------
>>> import json, tempfile
>>> from pathlib import Path
>>> tmp = tempfile.TemporaryDirectory()
>>> bundle = Path(tmp.name) / "entry.json"
>>> _ = bundle.write_text(json.dumps({"schema_version": 1, "run": {"method": "uniform"},
...     "predictions": [{"item_id": "pop/0", "distribution": {"A": 0.5, "B": 0.5}}]}))
>>> folder = unpack_bundle(bundle, Path(tmp.name) / "run")
>>> from simbench.runs import PREDICTIONS_FILE, RUN_INFO_FILE
>>> sorted(p.name for p in folder.iterdir()) == sorted([PREDICTIONS_FILE, RUN_INFO_FILE])
True
>>> tmp.cleanup()

``report_plots(entry, items, out)`` then returns ``[(png path, title), ...]``: "Score per study",
"Score by human entropy", "Model entropy against human entropy", ... (the browser tests show them).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

from ...data import Item
from ...errors import LeaderboardError
from .entries import BoardEntry

__all__ = ["report_plots", "unpack_bundle"]

logger = logging.getLogger(__name__)

_FIGURE_LINK = re.compile(r"!\[(?P<title>[^\]]*)\]\((?P<path>figures/[^)]+\.png)\)")


def unpack_bundle(bundle: str | os.PathLike[str], folder: str | os.PathLike[str]) -> Path:
    """Write a bundled submission's ``run`` and ``predictions`` as a run folder in ``folder``.

    Raises:
        LeaderboardError: the file is not a readable bundle (validate it first).
    """
    from ... import runs
    from .. import read_submission

    raw = read_submission(bundle)
    if raw.problems or not isinstance(raw.run, dict):
        raise LeaderboardError(f"{bundle}: not a readable bundled submission")
    run = runs.RunFolder(folder)
    run.create()
    run.run_info_path.write_text(json.dumps(raw.run, indent=2, ensure_ascii=False) + "\n",
                                 encoding="utf-8")
    with run.predictions_path.open("w", encoding="utf-8") as f:
        for _, row in raw.rows:
            f.write(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n")
    return run.path


def report_plots(entry: BoardEntry, items: Sequence[Item], out: str | os.PathLike[str], *,
                 n_resamples: int = 200, n_draws: int = 100, seed: int = 0
                 ) -> list[tuple[Path, str]]:
    """Build the ``simbench report`` of a submitted entry in ``out``; return ``(png, title)``s.

    Raises:
        LeaderboardError: for a published row (the paper gives no per-item predictions).
    """
    from ...report import build_report

    if entry.path is None:
        raise LeaderboardError(f"{entry.row.model}: a published row has no predictions to plot")
    out = Path(out)
    run_dir = entry.path if entry.path.is_dir() else unpack_bundle(entry.path, out / "run")
    paths = build_report(run_dir, out / "report", items=items, seed=seed,
                         n_resamples=n_resamples, n_draws=n_draws)
    text = paths["markdown"].read_text(encoding="utf-8")
    figures = [(paths["markdown"].parent / m["path"], m["title"])
               for m in _FIGURE_LINK.finditer(text)]
    logger.info("report plots of %s: %d figures in %s", entry.key, len(figures), out)
    return figures
