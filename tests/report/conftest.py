"""Run folders for the report tests.

``known_runs`` are real run folders (``predictions.jsonl`` + ``run.json`` per docs/run-folder.md)
over real items, with predictions that are deterministic functions of the human distributions
(a sharpened mixture for "A", a flatter mixture for "B"): a known-answer setup for the statistics.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from simbench import Item, select_items
from simbench.metric import uniform_matrix
from simbench.stats._layout import human_matrix

RunWriter = Callable[..., Path]


def write_run(folder: Path, items: Sequence[Item], matrix: np.ndarray, *, model: str,
              sha256: str | None = "same-data", label_mass: bool = True) -> Path:
    """Write a run folder holding one prediction per item (rows of ``matrix``)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "predictions.jsonl", "w", encoding="utf-8") as f:
        for it, row in zip(items, matrix):
            dist = dict(zip(it.option_labels, row[: it.n_options].tolist()))
            rec = {"item_id": it.item_id, "distribution": dist, "status": "ok",
                   "label_mass": 0.3 + 0.6 * float(row.max()) if label_mass else None,
                   "prompt_hash": "0" * 16}
            f.write(json.dumps(rec) + "\n")
    meta = {"schema_version": 1, "method": "token_probs", "model": {"id": model, "type": "base"},
            "data": {"sha256": sha256, "n_items": len(items)}, "seed": 0}
    (folder / "run.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def sharpened(items: Sequence[Item], weight: float, power: float) -> np.ndarray:
    """``(w * human + (1 - w) * uniform) ** power``, renormalised."""
    p = weight * human_matrix(items) + (1 - weight) * uniform_matrix([it.n_options for it in items])
    p = p ** power
    return p / p.sum(axis=1, keepdims=True)


@pytest.fixture(scope="session")
def known_runs(all_items: list[Item], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Runs "a" (sharp) and "b" (flat) over 8 items per study and one whole Grouped question, and
    "large": "a"'s predictions over 80 items per study."""
    root = tmp_path_factory.mktemp("runs")
    items = select_items(all_items, limit_per_study=8, seed=0)
    # Plus one whole Grouped question (all its groups), so that subgroup rows meet their country rows.
    cluster = next(it.cluster_id for it in all_items if it.study == "ess" and it.split == "grouped")
    chosen = {it.item_id for it in items} | {it.item_id for it in all_items if it.cluster_id == cluster}
    items = [it for it in all_items if it.item_id in chosen]
    large = select_items(all_items, limit_per_study=80, seed=0)
    return {
        "a": write_run(root / "a", items, sharpened(items, 0.7, 2.0), model="model-a"),
        "b": write_run(root / "b", items, sharpened(items, 0.5, 1.0), model="model-b"),
        "large": write_run(root / "large", large, sharpened(large, 0.7, 2.0), model="model-a"),
    }


@pytest.fixture(scope="session")
def tiny_runs(tiny_llama_dir: Path, tiny_llama_base_dir: Path,
              tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two real run folders made by ``simbench run`` with the tiny Llama, on the same 50 items (two
    per study and split): "chat" (chat template) and "base" (plain prompts, no template)."""
    from simbench.cli import main

    root = tmp_path_factory.mktemp("tiny-runs")
    runs = {"chat": root / "tiny-chat", "base": root / "tiny-base"}
    for name, model in (("chat", tiny_llama_dir), ("base", tiny_llama_base_dir)):
        rc = main(["run", "--model", str(model), "--limit-per-study", "2", "--seed", "0",
                   "--out", str(runs[name]), "--no-progress"])
        assert rc == 0, f"simbench run failed for {name}"
    return runs


@pytest.fixture(scope="session")
def tiny_chat_as_base(tiny_runs: dict[str, Path], tiny_llama_dir: Path) -> Path:
    """The chat run's model again, with ``--prompt-mode base``, in another folder: two runs of one
    model (the same display name) on the same 50 items."""
    from simbench.cli import main

    folder = tiny_runs["chat"].parent / "tiny-chat-as-base"
    rc = main(["run", "--model", str(tiny_llama_dir), "--prompt-mode", "base", "--limit-per-study",
               "2", "--seed", "0", "--out", str(folder), "--no-progress"])
    assert rc == 0, "simbench run --prompt-mode base failed"
    return folder


@pytest.fixture(scope="session")
def tiny_report(tiny_runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``simbench report`` of the tiny chat run compared with the base run and with itself."""
    from simbench.cli import main

    out = tmp_path_factory.mktemp("tiny-report")
    rc = main(["report", str(tiny_runs["chat"]), "--compare", str(tiny_runs["base"]),
               str(tiny_runs["chat"]), "--out", str(out), "--n-resamples", "300", "--n-draws", "40"])
    assert rc == 0
    return out
