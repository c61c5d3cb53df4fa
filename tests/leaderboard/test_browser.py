"""The leaderboard page in headless Chromium: load, sort by a column, filter, screenshot, assert."""

from __future__ import annotations

import shutil

import pytest
from lb_helpers import HALF_MODEL_ID

from simbench.cli import main

pytestmark = pytest.mark.browser

_VISIBLE_ROWS = """() => [...document.querySelectorAll('#leaderboard tbody tr')]
  .filter(tr => getComputedStyle(tr).display !== 'none')
  .map(tr => ({cls: tr.className, model: tr.dataset.model || 'BASELINE',
               score: tr.querySelector('td.score') ? tr.querySelector('td.score').textContent : '',
               type: tr.dataset.type || '', method: tr.dataset.method || '',
               ci: tr.cells.length > 5 ? tr.cells[5].textContent : '',
               src: tr.querySelector('td.src') ? tr.querySelector('td.src').textContent : ''}))"""


def _scores(rows):
    return [float(r["score"]) for r in rows if r["cls"] != "baseline"]


def test_leaderboard_page_in_chromium(chromium, half_run, uniform_run, tmp_path, simbench_data):
    subs = tmp_path / "subs"
    for run in (half_run, uniform_run):  # run folders are accepted as submissions too
        shutil.copytree(run, subs / run.name)
    site = tmp_path / "site"
    assert main(["leaderboard", "build", str(subs), "--out", str(site), "--n-resamples", "100",
                 "--data", str(simbench_data)]) == 0
    shots = {}
    page = chromium.new_page(viewport={"width": 1300, "height": 1000})
    page.goto((site / "index.html").as_uri(), wait_until="load")
    loaded = page.evaluate(_VISIBLE_ROWS)
    count_loaded = page.inner_text("#count")
    shots["loaded"] = tmp_path / "leaderboard.png"
    page.screenshot(path=str(shots["loaded"]), full_page=True)

    page.click("th[data-key=model]")  # sort by model name, A..Z
    by_name = page.evaluate(_VISIBLE_ROWS)
    page.click("th[data-key=score]")  # back to score: first click sorts descending
    by_score = page.evaluate(_VISIBLE_ROWS)
    page.click("th[data-key=score]")  # second click: ascending
    ascending = page.evaluate(_VISIBLE_ROWS)

    page.click("th[data-key=score]")
    page.select_option("#filter-type", "base")
    base_only = page.evaluate(_VISIBLE_ROWS)
    count_base = page.inner_text("#count")
    page.select_option("#filter-type", "all")
    page.select_option("#filter-method", "verbalized")
    page.select_option("#filter-source", "submitted")
    submitted = page.evaluate(_VISIBLE_ROWS)
    shots["filtered"] = tmp_path / "leaderboard-filtered.png"
    page.screenshot(path=str(shots["filtered"]), full_page=True)

    # Loaded: 45 published rows, the half run and the baseline line (the uniform submission,
    # shown once), in score order; the two new rows with intervals.
    assert count_loaded == "showing 46 of 46 models"
    assert len(loaded) == 47
    names = [r["model"] for r in loaded]
    assert names[:2] == [HALF_MODEL_ID, "Claude-3.7-Sonnet"]
    assert loaded[0]["score"] == "50.00" and loaded[1]["score"] == "40.80"
    assert loaded[1]["src"] == "reported in the paper"
    assert loaded[0]["src"].startswith("submitted") and loaded[0]["ci"].startswith("[")
    assert _scores(loaded) == sorted(_scores(loaded), reverse=True)
    assert "BASELINE" not in names and names.count("uniform") == 1
    i_base = names.index("uniform")
    assert loaded[i_base]["cls"] == "baseline" and loaded[i_base]["score"] == "0.00"
    assert loaded[i_base]["ci"].startswith("[") and loaded[i_base + 1]["score"] == "-0.15"

    model_names = [r["model"] for r in by_name if r["cls"] != "baseline"]
    assert model_names == sorted(model_names, key=str.lower)
    assert by_name[-1]["cls"] == "baseline"
    assert [r["model"] for r in by_score] == names
    assert _scores(ascending) == sorted(_scores(loaded))

    assert count_base == f"showing {len(base_only) - 1} of 46 models"
    assert {r["type"] for r in base_only if r["cls"] != "baseline"} == {"base"}
    assert len(base_only) - 1 == 18  # the 18 base models of the paper
    assert [r["model"] for r in submitted if r["cls"] != "baseline"] == [HALF_MODEL_ID]
    for shot in shots.values():
        assert shot.stat().st_size > 10_000
    print(f"screenshots: {', '.join(map(str, shots.values()))}")
