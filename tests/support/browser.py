"""Steps a person takes in Chromium: wait for a screen, insert a card from the demo panel, type a PIN."""

from __future__ import annotations

import time

from tests.support import ARTIFACTS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",  # as the kiosk browser starts: reminder tones
]


def assert_fits_screen(page, selector: str) -> None:
    """No scrolling on a kiosk: the control must be inside the 1280x800 screen."""
    box = page.locator(selector).bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800 and box["x"] + box["width"] <= 1280, box


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def at_step(page, step: str, timeout: float = 15_000):
    page.wait_for_selector(f'main[data-step="{step}"][data-busy="false"]', timeout=timeout)


def insert(panel, key: str) -> None:
    panel.locator(f'[data-demo-insert="{key}"]').click()


def remove(panel) -> None:
    panel.locator('[data-demo="remove"]').click()


def type_pin(page, digits: str) -> None:
    # Clicks, not emulated taps: headless touch emulation costs ~1.5 s a tap here. The
    # keypad's touch handling is covered by test_double_tap_enters_one_digit.
    previous = None
    for d in digits:
        if d == previous:
            time.sleep(0.3)  # a person's pace; faster repeats of one key count as one shaky tap
        page.locator(f'[data-key="{d}"]').click()
        previous = d


# The brief: a touch target at least this tall and wide (CSS px) on every resident screen.
MIN_TARGET_PX = 96
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def assert_no_axe_violations(page, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = results.response["violations"]
    details = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert not violations, f"{where}: {details}"
