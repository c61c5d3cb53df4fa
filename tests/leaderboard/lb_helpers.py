"""Helpers shared by the leaderboard tests (uniquely named: every test folder has a conftest)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

HALF_MODEL_ID = "simbench-tests/half-human-half-uniform"
SUBMITTED_AT = "2026-11-27T08:00:00Z"


def edit_lines(path: Path, edit: Callable[[list[dict]], list[dict]]) -> None:
    """Rewrite a JSON Lines file through ``edit`` (a function of the list of rows)."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    path.write_text("".join(json.dumps(r) + "\n" for r in edit(rows)))
