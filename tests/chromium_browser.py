"""Pytest plugin: a headless Chromium browser (Playwright) for the browser tests.

The ``chromium`` fixture skips the test when Playwright or the Chromium binary
(``scripts/install-system.sh``) is missing; it closes the browser afterwards.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def chromium() -> Iterator[Any]:
    """A launched headless Chromium ``Browser``; open pages with ``chromium.new_page(...)``."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu",
                                           "--disable-background-networking"])
        try:
            yield browser
        finally:
            browser.close()
