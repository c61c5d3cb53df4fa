"""Open the HTML report in headless Chromium: every image loads and is visible; save a screenshot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from simbench.cli import main

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.browser

_CHECK_IMAGES = """() => Array.from(document.images).map(img => {
  img.scrollIntoView();
  const r = img.getBoundingClientRect();
  const style = getComputedStyle(img);
  return {alt: img.alt, complete: img.complete, naturalWidth: img.naturalWidth,
          naturalHeight: img.naturalHeight, width: r.width, height: r.height,
          visible: style.visibility !== "hidden" && style.display !== "none"};
})"""


def test_report_shows_every_plot_in_chromium(known_runs, tmp_path, request):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    out = tmp_path / "report"
    assert main(["report", str(known_runs["a"]), "--compare", str(known_runs["b"]),
                 "--out", str(out), "--n-resamples", "100", "--n-draws", "20"]) == 0
    n_png = len(list((out / "figures").glob("*.png")))
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu",
                                           "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto((out / "report.html").as_uri(), wait_until="load")
            images = page.evaluate(_CHECK_IMAGES)
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert len(images) == n_png == 7  # 5 run plots + paired and alignment of the one comparison
    for img in images:
        assert img["complete"] and img["naturalWidth"] > 0 and img["naturalHeight"] > 0, img
        assert img["width"] > 100 and img["height"] > 50 and img["visible"], img
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
