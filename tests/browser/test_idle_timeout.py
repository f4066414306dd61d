"""Nobody touching the screen: 'still there?' first, then the screen is wiped (real Chromium)."""

import pytest

from tests.support.browser import at_step, insert, remove
from tests.support.waiting import wait_recorded

pytestmark = pytest.mark.browser


@pytest.fixture
def app(make_app):
    return make_app(idle_timeout_seconds=4, idle_warning_seconds=2)


def test_still_there_then_the_decision_stops_and_the_screen_is_wiped(screens, demo, terminal):  # noqa: F811
    resident, panel = screens
    at_step(resident, "idle")
    insert(panel, "hanako")
    at_step(resident, "consent")
    resident.locator('[data-action="agree"]').click()
    at_step(resident, "pin")
    resident.locator('[data-key="1"]').click()
    resident.wait_for_selector("#still-there[open]", timeout=6_000)
    resident.wait_for_selector('main[data-speaking="still-there"]')  # the question is spoken too
    resident.locator('[data-action="still-here"]').click()  # a touch: the clock starts again
    assert resident.locator('main[data-step="pin"]').count() == 1
    resident.wait_for_selector("#still-there[open]", timeout=6_000)
    resident.wait_for_selector('main[data-reason="timed_out"]', timeout=8_000)
    assert resident.locator(".pin-display .slot.filled").count() == 0  # the digits are gone
    assert terminal.snapshot()["step"] == "error"
    remove(panel)
    at_step(resident, "idle")
    wait_recorded(terminal)
    (event,) = list(terminal.stats.events())
    assert event["reason"] == "timed_out"
