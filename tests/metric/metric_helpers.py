"""Prediction rows built from the real items, for the metric tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simbench import Item


def uniform_rows(items: list[Item]) -> list[dict[str, Any]]:
    """Predict the uniform distribution (as a list) for every item."""
    return [{"item_id": it.item_id, "distribution": [1.0 / it.n_options] * it.n_options}
            for it in items]


def human_rows(items: list[Item]) -> list[dict[str, Any]]:
    """Predict the human distribution (as an object label -> probability) for every item."""
    return [{"item_id": it.item_id, "distribution": dict(zip(it.option_labels, it.human_dist))}
            for it in items]


def half_rows(items: list[Item]) -> list[dict[str, Any]]:
    """Predict (human + uniform) / 2 for every item."""
    return [{"item_id": it.item_id,
             "distribution": [(h + 1.0 / it.n_options) / 2 for h in it.human_dist]}
            for it in items]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
