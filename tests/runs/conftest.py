"""Fixtures for the run-folder tests: a small real data folder and a subprocess environment.

``small_data`` holds the *real* release rows of three studies (Pop: MoralMachineClassic and
OSPsychRWAS; Grouped: OpinionQA), written at test time into a temporary folder (never into the
repository), with their original ``row_index``: item ids are those of the release, and loading takes
a fraction of a second instead of seconds for the full 13,510 rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SMALL_STUDIES = {"pop": ("MoralMachineClassic", "OSPsychRWAS"), "grouped": ("OpinionQA",)}


@pytest.fixture(scope="session")
def small_data(simbench_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release folder with the real rows of three studies (see the module docstring)."""
    out = tmp_path_factory.mktemp("small-simbench")
    for split, stem in (("pop", "SimBenchPop"), ("grouped", "SimBenchGrouped")):
        keep = []
        with (simbench_data / f"{stem}.jsonl").open(encoding="utf-8") as f:
            for line in f:
                if json.loads(line)["dataset_name"] in SMALL_STUDIES[split]:
                    keep.append(line)
        (out / f"{stem}.jsonl").write_text("".join(keep), encoding="utf-8")
    return out
