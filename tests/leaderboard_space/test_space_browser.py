"""The generated Space in headless Chromium: ``python S/app.py`` over two real submissions.

The app runs on 127.0.0.1 in a subprocess (``space_server``) with ``SIMBENCH_SUBMISSIONS_DIR`` set
to a leaderboard folder holding the two tiny-model runs. Screenshots are kept in ``artifacts``
(``$SIMBENCH_ARTIFACTS/leaderboard_space`` when set); their paths are printed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from space_helpers import LEADERBOARD_REPO, MODELS, entry_of

pytestmark = pytest.mark.browser

_ROWS = """() => [...document.querySelectorAll('#simbench-board tbody tr')].map(tr => ({
  cls: tr.className, model: tr.dataset.model || 'BASELINE', source: tr.dataset.source || '',
  method: tr.dataset.method || '', cells: [...tr.cells].map(td => td.textContent)}))"""
_COUNT = "() => document.querySelector('#simbench-count').textContent"


def _open(chromium: Any, server: Any) -> Any:
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server.url, wait_until="load")
    page.wait_for_selector("#simbench-board tr.entry", timeout=60_000)
    return page


def _wait_count(page: Any, text: str) -> None:
    page.wait_for_function(f"() => ({_COUNT[6:]}) === {json.dumps(text)}", timeout=30_000)


def _shot(page: Any, artifacts: Path, name: str) -> Path:
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    print(f"screenshot: {path}")
    return path


def _submitted_scores(space_repo: Path) -> dict[str, float]:
    return {m: json.loads(entry_of(space_repo, m).read_text())["results"]["simbench_score"]
            for m in MODELS}


def test_board_shows_published_and_submitted_rows(chromium, space_server, space_repo,
                                                  artifacts) -> None:
    page = _open(chromium, space_server)
    rows = page.evaluate(_ROWS)
    _shot(page, artifacts, "space-board")
    entries = [r for r in rows if r["cls"] != "baseline"]
    assert page.evaluate(_COUNT) == "showing 47 of 47 models"
    assert len(entries) == 47 and len(rows) == 48  # 45 + 2, and the uniform baseline line
    assert sum(r["source"] == "published" for r in entries) == 45
    assert {r["model"] for r in entries if r["source"] == "submitted"} == set(MODELS)
    header = page.locator("#simbench-board thead th").all_inner_texts()
    assert header == ["#", "Model", "Type", "Score", "95% CI", "Pop", "Grouped", "Method",
                      "Protocol", "dtype", "Date", "Source"]
    scores = [float(r["cells"][3]) for r in entries]
    assert scores == sorted(scores, reverse=True)
    baseline = next(i for i, r in enumerate(rows) if r["cls"] == "baseline")
    assert all(float(r["cells"][3]) >= 0 for r in rows[:baseline])
    assert all(float(r["cells"][3]) < 0 for r in rows[baseline + 1:])
    assert "uniform baseline: 0.00" in rows[baseline]["cells"][1]
    # the submitted rows: the score recomputed when the entry was made, an interval, provenance
    expected = _submitted_scores(space_repo)
    for r in entries:
        if r["source"] == "submitted":
            cells = r["cells"]
            assert cells[3] == f"{expected[r['model']]:.2f}" and cells[4].startswith("[")
            assert cells[7:10] == ["token_probs", "default", "float32"]
            assert cells[11] == "submitted"
    claude = entries[0]
    assert claude["model"] == "Claude-3.7-Sonnet" and claude["cells"][11] == "published (paper)"
    page.close()


def test_filters_and_search_change_the_board(chromium, space_server, artifacts) -> None:
    page = _open(chromium, space_server)
    page.locator("#filter-source").get_by_label("submitted").check()
    _wait_count(page, "showing 2 of 47 models")
    assert {r["model"] for r in page.evaluate(_ROWS) if r["cls"] != "baseline"} == set(MODELS)
    page.locator("#filter-source").get_by_label("all").check()
    page.locator("#filter-method").get_by_label("verbalized").check()
    _wait_count(page, "showing 27 of 47 models")  # the paper's 27 instruct models
    assert {r["method"] for r in page.evaluate(_ROWS) if r["cls"] != "baseline"} == {"verbalized"}
    page.locator("#filter-coverage").get_by_label("Pop only").check()
    _wait_count(page, "showing 0 of 47 models")
    page.locator("#filter-coverage").get_by_label("all").check()
    page.locator("#filter-method").get_by_label("all").check()
    _wait_count(page, "showing 47 of 47 models")
    search = page.locator("#search textarea")
    search.press_sequentially("qwen2.5-7")
    _wait_count(page, "showing 4 of 47 models")
    names = [r["model"] for r in page.evaluate(_ROWS) if r["cls"] != "baseline"]
    assert sorted(names) == ["Qwen2.5-72B", "Qwen2.5-72B-Instruct", "Qwen2.5-7B",
                             "Qwen2.5-7B-Instruct"]
    _shot(page, artifacts, "space-search")
    search.press("Control+a")
    search.press("Backspace")  # clearing the search shows everything again
    _wait_count(page, "showing 47 of 47 models")
    search.press_sequentially("tiny")
    _wait_count(page, "showing 2 of 47 models")
    page.close()


def test_model_panel_shows_per_study_scores_and_report_plots(chromium, space_server,
                                                             all_items, artifacts) -> None:
    page = _open(chromium, space_server)
    page.get_by_role("tab", name="Model details").click()
    select = page.locator("#model-select input").first
    select.click()
    select.press_sequentially("tiny-gpt2")
    page.get_by_role("option", name="tiny-gpt2-chat", exact=False).first.click()
    page.wait_for_selector("#model-studies table tbody tr", timeout=120_000)
    page.wait_for_selector("#model-plots img", timeout=180_000)
    rows = page.locator("#model-studies table tbody tr").all_inner_texts()
    n_studies = len({(it.split, it.study) for it in all_items})
    assert len(rows) == n_studies + 2  # every study of both splits, and each split's line
    assert any(r.startswith("pop\tchoices13k") for r in rows)
    assert any(r.startswith("grouped\t(all studies)") for r in rows)
    details = page.inner_text("#model-details")
    assert "tiny-gpt2-chat" in details and "config.json (estimated)" in details
    page.wait_for_function("() => document.querySelectorAll('#model-plots img').length >= 4",
                           timeout=60_000)
    captions = page.locator("#model-plots figcaption").all_inner_texts()
    assert captions[:3] == ["Score per study", "Score by human entropy",
                            "Model entropy against human entropy"]
    _shot(page, artifacts, "space-model")
    # a published row has no per-item predictions: the panel says so
    select.click()
    select.press("Control+a")
    select.press_sequentially("OLMo-2-1124-7B-DPO")
    page.get_by_role("option", name="OLMo-2-1124-7B-DPO").click()
    page.wait_for_function("() => document.querySelector('#model-details').textContent"
                           ".includes('no per-study scores')", timeout=30_000)
    page.close()


def test_scaling_panel_draws_the_published_families(chromium, space_server, artifacts) -> None:
    page = _open(chromium, space_server)
    page.get_by_role("tab", name="Scaling").click()
    page.wait_for_selector("#scaling-plot img", timeout=60_000)
    fits = page.locator("#scaling-fits table tbody tr").all_inner_texts()
    families = {row.split("\t")[0] for row in fits}
    assert families == {"Qwen2.5", "OLMo-2", "Llama-3.1", "Gemma-3"}
    assert len(fits) == 8  # base and instruct of each
    assert "42 models with a known size are plotted" in page.inner_text("#scaling-fits")
    box = page.locator("#scaling-plot img").bounding_box()
    assert box is not None and box["width"] > 600
    _shot(page, artifacts, "space-scaling")
    page.close()


def test_submit_lists_every_problem_or_shows_the_recomputed_score(
        chromium, space_server, space_repo, bad_bundle, artifacts) -> None:
    page = _open(chromium, space_server)
    page.get_by_role("tab", name="Submit").click()
    upload = page.locator("#upload input[type=file]")
    upload.set_input_files(str(bad_bundle))
    page.wait_for_selector("#upload td.filename", timeout=30_000)
    page.locator("#check").click()
    page.wait_for_function("() => document.querySelector('#verdict').textContent"
                           ".includes('Rejected')", timeout=120_000)
    verdict = page.inner_text("#verdict")
    assert "Rejected: 4 problems in broken-submission.json" in verdict
    assert "is negative" in verdict and "unknown field" in verdict
    assert "missing (every item of a submitted split" in verdict
    assert len(page.locator("#verdict li").all()) == 4
    _shot(page, artifacts, "space-submit-rejected")

    page.locator("#upload button[aria-label=Clear]").click()
    good = entry_of(space_repo, "tiny-llama-base")
    page.locator("#upload input[type=file]").set_input_files(str(good))
    page.wait_for_selector("#upload td.filename", timeout=30_000)
    page.locator("#check").click()
    page.wait_for_function("() => document.querySelector('#verdict').textContent"
                           ".includes('Accepted')", timeout=120_000)
    verdict = page.inner_text("#verdict")
    score = _submitted_scores(space_repo)["tiny-llama-base"]
    assert f"recomputed SimBench score {score:.2f}" in verdict
    assert f"simbench submit {good.name} --leaderboard {LEADERBOARD_REPO}" in verdict
    assert not page.locator("#open-pr").is_visible()  # no token: the page says to use the CLI
    _shot(page, artifacts, "space-submit-accepted")
    page.close()
