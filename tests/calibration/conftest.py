"""Run folders to calibrate: a real tiny-Llama run, and known-answer runs over the real items.

``tiny_run`` is ``simbench run`` with the tiny Llama of ``tests/tiny_models.py`` on two items per
study and split (50 items). ``write_run`` writes a finished run folder through the run folder
writer (:class:`simbench.runs.RunFolder`) with the real data's hash, so that ``simbench calibrate``
accepts it as it accepts a run of ``simbench run``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from simbench import Item, resolve_source
from simbench.cli import main
from simbench.runs import RUN_SCHEMA_VERSION, PredictionRow, RunFolder

RunWriter = Callable[..., Path]


@pytest.fixture(scope="session")
def data_sha256(simbench_data: Path) -> str:
    """The hash ``simbench run`` records for the release in ``$SIMBENCH_DATA``."""
    return resolve_source(simbench_data).sha256()


@pytest.fixture(scope="session")
def tiny_run(tiny_llama_dir: Path, simbench_data: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run of the tiny Llama over 2 items per study and split."""
    out = tmp_path_factory.mktemp("calibration-tiny") / "tiny"
    assert main(["run", "--model", str(tiny_llama_dir), "--data", str(simbench_data),
                 "--limit-per-study", "2", "--out", str(out), "--no-progress"]) == 0
    return out


@pytest.fixture(scope="session")
def write_run(data_sha256: str) -> RunWriter:
    """``write_run(folder, items, matrix, failed=())``: a finished token_probs run folder holding
    row ``i`` of ``matrix`` (zero-padded) as the distribution of ``items[i]``."""

    def write(folder: Path, items: Sequence[Item], matrix: np.ndarray,
              failed: Sequence[str] = ()) -> Path:
        run = RunFolder(folder)
        with run.writer() as w:
            for it, row in zip(items, matrix):
                if it.item_id in failed:
                    w.write(PredictionRow(item_id=it.item_id, distribution=None, status="failed",
                                          error="made-up failure"))
                    continue
                dist = row[: it.n_options] / row[: it.n_options].sum()
                w.write(PredictionRow(item_id=it.item_id, label_mass=0.5, prompt_hash="0" * 16,
                                      distribution=dict(zip(it.option_labels, dist.tolist()))))
        splits = [s for s in ("pop", "grouped") if any(it.split == s for it in items)]
        run.write_run_info({
            "schema_version": RUN_SCHEMA_VERSION, "simbench_version": "0.1.0",
            "status": "complete", "created_at": "2026-12-01T00:00:00Z",
            "finished_at": "2026-12-01T00:00:01Z", "method": "token_probs",
            "backend": "transformers", "protocol": "default", "prompt_mode": "chat",
            "model": {"id": "made-up/sharpened", "revision": "0" * 40, "type": "chat"},
            "data": {"sha256": data_sha256, "splits": splits, "n_items": len(items),
                     "n_predictions": len(items)}})
        return folder

    return write
