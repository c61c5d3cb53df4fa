"""The weights' dtype a run recorded shows on every board (CSV, Markdown, HTML, the Space's row);
a bfloat16 run is ranked like any other, never refused for its dtype."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from simbench import Item
from simbench.leaderboard import render_page, submission_rows, to_markdown
from simbench.leaderboard.board import to_csv

BF16_MODEL_ID = "simbench-tests/half-in-bfloat16"


@pytest.fixture(scope="module")
def bf16_folder(half_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The known-answer run (score 50) as a transformers token-probability run in bfloat16."""
    root = tmp_path_factory.mktemp("bf16_subs")
    run = shutil.copytree(half_run, root / "bf16")
    info = json.loads((run / "run.json").read_text())
    info.update(method="token_probs", backend="transformers")
    info["model"].update(id=BF16_MODEL_ID, dtype="bfloat16")
    (run / "run.json").write_text(json.dumps(info, indent=2))
    return root


def test_a_bfloat16_run_is_ranked_and_shows_its_dtype(bf16_folder: Path,
                                                      all_items: list[Item]) -> None:
    (row,) = submission_rows(bf16_folder, all_items, n_resamples=20)
    assert (row.model, row.dtype, row.method) == (BF16_MODEL_ID, "bfloat16", "token_probs")
    assert row.score == pytest.approx(50.0, abs=1e-9)  # scored as any other run

    (line,) = csv.DictReader(io.StringIO(to_csv([row])))
    assert (line["model"], line["dtype"], line["score"]) == (BF16_MODEL_ID, "bfloat16", "50.00")

    assert f"| {BF16_MODEL_ID} | instruct | token_probs (bfloat16) | 50.00 |" in to_markdown([row])

    page = render_page([row])
    assert 'data-dtype="bfloat16"' in page
    assert '<td>token_probs <span class="dtype">bfloat16</span></td>' in page
    assert "protocol default; dtype bfloat16" in page  # the model cell's tooltip


def test_the_space_row_carries_the_dtype(bf16_folder: Path, all_items: list[Item]) -> None:
    from simbench.leaderboard.space.entries import score_entry

    entry = score_entry(bf16_folder / "bf16", "bf16", all_items, n_resamples=20)
    assert entry.row.dtype == "bfloat16" and entry.dtype == "bfloat16"
