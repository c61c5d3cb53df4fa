"""Open the HTML report of two tiny-model runs in headless Chromium: every image loads and is
visible; a full-page screenshot is saved (``$SIMBENCH_SCREENSHOT_DIR`` if set, else tmp)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

_CHECK_IMAGES = """() => Array.from(document.images).map(img => {
  img.scrollIntoView();
  const r = img.getBoundingClientRect();
  const style = getComputedStyle(img);
  return {alt: img.alt, complete: img.complete, naturalWidth: img.naturalWidth,
          naturalHeight: img.naturalHeight, width: r.width, height: r.height,
          visible: style.visibility !== "hidden" && style.display !== "none"};
})"""


def test_report_shows_every_plot_in_chromium(chromium, tiny_report, tmp_path):
    figures = sorted(p.stem for p in (tiny_report / "figures").glob("*.png"))
    shot = Path(os.environ.get("SIMBENCH_SCREENSHOT_DIR", tmp_path)) / "report-screenshot.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page = chromium.new_page(viewport={"width": 1100, "height": 900})
    page.goto((tiny_report / "report.html").as_uri(), wait_until="load")
    images = page.evaluate(_CHECK_IMAGES)
    page.screenshot(path=str(shot), full_page=True)
    # Run plots (studies, entropy bins, entropies, label mass) and, per comparison, two plots.
    assert {"studies", "entropy-bins", "entropies", "label-mass", "paired-1", "alignment-1",
            "paired-2", "alignment-2"} <= set(figures)
    assert len(images) == len(figures)
    for img in images:
        assert img["complete"] and img["naturalWidth"] > 0 and img["naturalHeight"] > 0, img
        assert img["width"] > 100 and img["height"] > 50 and img["visible"], img
    assert shot.stat().st_size > 10_000
