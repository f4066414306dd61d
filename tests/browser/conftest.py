"""Real Chromium (Debian's, never a downloaded one) for the browser tests."""

from __future__ import annotations

import shutil

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM):
        raise RuntimeError(f"{CHROMIUM} is missing: run the README's test command, which installs it")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def screens(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True, locale="ja-JP")
    resident = context.new_page()
    panel = context.new_page()
    resident.goto(live_server + "/")
    panel.goto(live_server + "/demo/")
    yield resident, panel
    context.close()
