"""The result screen after the card is taken, with 'print a slip', in real Chromium: it stays
readable, keeps every accessibility rule, tells a broken printer plainly, then clears."""

from __future__ import annotations

import pytest

from tests.support.browser import (
    MIN_TARGET_PX,
    assert_fits_screen,
    assert_no_axe_violations,
    at_step,
    insert,
    remove,
    shot,
    type_pin,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def app(make_app):
    # Nothing listens on port 9 of 127.0.0.1: lp fails at once, as with a printer that is off.
    return make_app(slip_printer="counter", slip_cups_server="127.0.0.1:9", error_return_seconds=8)


def test_the_result_stays_with_a_slip_button_then_clears(screens, demo):
    resident, panel = screens
    at_step(resident, "idle")
    insert(panel, "hanako")
    at_step(resident, "consent")
    resident.locator('[data-action="agree"]').click()
    at_step(resident, "pin")
    type_pin(resident, "1234")
    resident.locator('[data-action="submit"]').click()
    at_step(resident, "done")
    remove(panel)
    resident.wait_for_selector('main[data-step="done"] [data-action="retry"]')  # 'back to the start'
    button = resident.locator('[data-action="print-slip"]')
    box = button.bounding_box()
    assert box["height"] >= MIN_TARGET_PX and box["width"] >= MIN_TARGET_PX
    assert_fits_screen(resident, '[data-action="print-slip"]')
    assert_no_axe_violations(resident, "done, card taken, slip button")
    shot(resident, "slip-1-done-card-taken")

    button.click()
    resident.wait_for_selector('[data-slip="failed"]', timeout=10_000)
    assert "プリンターが使えません" in resident.inner_text("main")
    assert resident.locator('main[data-step="done"]').count() == 1  # nothing lost: the result stays
    assert_no_axe_violations(resident, "done, printer failed")
    at_step(resident, "idle", timeout=15_000)  # then it clears for the next resident


def test_enter_prints_the_slip_once_the_helper_is_called(screens, demo):
    """The keypad alone: Enter calls the helper, then prints the slip (here to a printer that is off)."""
    resident, panel = screens
    at_step(resident, "idle")
    insert(panel, "jiro")  # a locked PIN
    resident.wait_for_selector('main[data-step="error"][data-reason="pin_locked"][data-keys="ready"]')
    resident.keyboard.press("NumpadEnter")
    resident.wait_for_selector('main[data-keys="ready"]:not(:has([data-action="call_helper"]))')
    resident.keyboard.press("NumpadEnter")
    resident.wait_for_selector('[data-slip="failed"]', timeout=10_000)
    remove(panel)
