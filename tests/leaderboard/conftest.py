"""Run folders for the leaderboard tests, made from the real SimBench items.

``uniform_run`` is a real ``simbench run --model uniform`` over both full splits (it scores 0).
``half_run`` is a known-answer submission written per ``docs/run-folder.md``: every prediction is
``(P + U) / 2``, the mixture of the human and the uniform distribution, which scores exactly 50.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from lb_helpers import HALF_MODEL_ID

from simbench import Item
from simbench.cli import main


@pytest.fixture(scope="session")
def uniform_run(tmp_path_factory: pytest.TempPathFactory, simbench_data: Path) -> Path:
    """A real uniform-baseline run folder over both full splits."""
    out = tmp_path_factory.mktemp("lb_runs") / "uniform"
    assert main(["run", "--model", "uniform", "--out", str(out), "--data", str(simbench_data)]) == 0
    return out


@pytest.fixture(scope="session")
def half_run(tmp_path_factory: pytest.TempPathFactory, uniform_run: Path,
             all_items: list[Item]) -> Path:
    """A run folder whose predictions are (human + uniform) / 2 for every item (score: 50)."""
    out = tmp_path_factory.mktemp("lb_runs") / "half"
    out.mkdir()
    run = json.loads((uniform_run / "run.json").read_text())
    run.update(method="verbalized", backend="openai", protocol="default", prompt_mode="chat",
               model={"id": HALF_MODEL_ID, "source": None, "revision": "0123456789" * 4,
                      "content_hash": None, "dtype": None, "type": "chat"})
    (out / "run.json").write_text(json.dumps(run, indent=2))
    with (out / "predictions.jsonl").open("w") as f:
        for it in all_items:
            k = it.n_options
            dist = {lab: (p + 1.0 / k) / 2 for lab, p in zip(it.option_labels, it.human_dist)}
            f.write(json.dumps({"item_id": it.item_id, "distribution": dist, "label_mass": None,
                                "prompt_hash": "0" * 16, "status": "ok"}) + "\n")
    return out


@pytest.fixture
def copy_run(tmp_path: Path) -> Callable[[Path, str], Path]:
    """Copy a run folder into the test's tmp folder (to tamper with it)."""

    def copy(src: Path, name: str = "copy") -> Path:
        return Path(shutil.copytree(src, tmp_path / name))

    return copy
