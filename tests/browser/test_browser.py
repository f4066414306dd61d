"""The resident's whole visit in real Chromium, on a 1280x800 touch screen.

The card goes in and out through the demo panel in a second tab, as a trainer would do it.
Screenshots of every step are kept in test-artifacts/ for review.
"""

from __future__ import annotations

import time

import pytest

from tests.support.browser import assert_fits_screen, at_step, insert, remove, shot, type_pin  # noqa: F401
from tests.support.waiting import wait_recorded

pytestmark = pytest.mark.browser

def test_happy_path(screens, demo):
    resident, panel = screens
    # Hold the card's signature for a moment so the 'registering' screen can be photographed.
    demo.reader.after_apdu = lambda n: time.sleep(2.0) if demo.reader.apdu_log[-1][1] == 0x2A else None
    at_step(resident, "idle")
    assert "マイナンバーカードを置いてください" in resident.inner_text("main")
    shot(resident, "happy-1-idle")

    insert(panel, "hanako")
    at_step(resident, "consent")  # the page follows the card without a tap
    shot(resident, "happy-2-consent")
    resident.locator('[data-action="agree"]').tap()

    at_step(resident, "pin")
    submit = resident.locator('[data-action="submit"]')
    assert "あと3回入力できます" in resident.inner_text("main")
    type_pin(resident, "123")
    assert submit.is_disabled()  # only 4 digits can be sent
    type_pin(resident, "4")
    assert resident.locator(".pin-display .slot.filled").count() == 4
    assert "1234" not in resident.inner_text("main")  # masked
    assert_fits_screen(resident, '[data-action="submit"]')
    shot(resident, "happy-3-pin")
    submit.tap()

    at_step(resident, "registering")
    shot(resident, "happy-4-registering")
    at_step(resident, "done")
    assert "カードをお取りください" in resident.inner_text("main")
    shot(resident, "happy-5-done")

    remove(panel)
    at_step(resident, "idle")
    shot(resident, "happy-6-idle-again")


def to_pin_screen(resident, panel, key: str = "hanako") -> None:
    at_step(resident, "idle")
    insert(panel, key)
    at_step(resident, "consent")
    resident.locator('[data-action="agree"]').tap()
    at_step(resident, "pin")


def test_wrong_pin_shows_tries_left(screens):
    resident, panel = screens
    to_pin_screen(resident, panel)
    type_pin(resident, "5678")
    resident.locator('[data-action="submit"]').tap()
    resident.wait_for_selector('main[data-reason="wrong_pin"]')
    text = resident.inner_text("main")
    assert "暗証番号がちがいます" in text and "あと2回入力できます" in text
    assert resident.locator("[data-tries-left]").get_attribute("data-tries-left") == "2"
    for control in ('[data-action="submit"]', '[data-key="0"]', '[data-action="cancel"]'):
        assert_fits_screen(resident, control)
    shot(resident, "wrong-pin")


def test_double_tap_enters_one_digit(screens):
    resident, panel = screens
    to_pin_screen(resident, panel)
    # A shaky double tap: two activations of one key a few ms apart.
    resident.locator('[data-key="7"]').evaluate("k => { k.click(); k.click(); }")
    assert resident.locator(".pin-display .slot.filled").count() == 1


def test_one_try_left_helper_allows_it_and_a_card_left_behind_is_reminded(screens):
    resident, panel = screens
    at_step(resident, "idle")
    insert(panel, "sachiko")
    at_step(resident, "error")
    assert resident.locator("main").get_attribute("data-reason") == "one_try_left"
    assert resident.locator("[data-key]").count() == 0  # no keypad for the last try alone
    assert "係の者" in resident.inner_text("main")
    shot(resident, "one-try-left-1-call-helper")

    panel.reload()
    panel.locator('[data-demo="allow-last-try"]').click()  # the helper, on the staff side
    at_step(resident, "pin")
    assert resident.locator('[data-warning="last-try"]').is_visible()
    shot(resident, "one-try-left-2-last-try")
    assert_fits_screen(resident, '[data-action="submit"]')
    type_pin(resident, "2580")
    resident.locator('[data-action="submit"]').tap()
    at_step(resident, "done")

    # The card stays on the reader: after a few seconds the reminder grows and a tone plays.
    resident.wait_for_selector('main[data-remind="true"]', timeout=15_000)
    resident.wait_for_function("document.querySelector('main').dataset.chimes >= 1")
    assert resident.locator(".take-card.remind").is_visible()
    shot(resident, "card-left-reminder")
    remove(panel)
    at_step(resident, "idle")


def test_staff_panel_follows_a_whole_session_and_never_holds_the_pin(browser, live_server, live_staff, demo, app):
    """A helper's tablet beside the kiosk: every page and response it gets is scanned."""
    import re

    app.extensions["kiosk.accounts"].create_staff("helper1", "246813")
    card = demo.residents["ichiro"].make_card(demo.pki)
    secrets = ["4321", card.profile.name, card.profile.address, "19490130", "1949-01-30"]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True)
    resident, panel, staff = context.new_page(), context.new_page(), context.new_page()
    bodies: list[str] = []
    staff.on("response", lambda r: bodies.append(r.text()) if "/staff" in r.url and r.status == 200 else None)
    try:
        staff.goto(live_staff + "/staff/login")
        staff.fill("#code", "helper1")
        staff.fill("#pin", "246813")
        staff.locator('button[type="submit"]').click()
        staff.wait_for_selector("[data-staff-panel]")
        resident.goto(live_server + "/")
        panel.goto(live_server + "/demo/")
        at_step(resident, "idle")
        insert(panel, "ichiro")
        at_step(resident, "consent")
        staff.wait_for_selector('[data-staff-step="consent"]')  # the panel follows by itself
        resident.locator('[data-action="agree"]').click()
        at_step(resident, "pin")
        staff.wait_for_selector('[data-staff-step="pin"]')
        type_pin(resident, "4321")
        resident.locator('[data-action="submit"]').click()
        at_step(resident, "done")
        staff.wait_for_selector('[data-staff-step="done"]')
        bodies.append(staff.content())
        shot(staff, "staff-panel-done")
        remove(panel)
        staff.wait_for_selector('[data-staff-step="idle"]')
        bodies.append(staff.content())
    finally:
        context.close()
    assert len(bodies) >= 4
    # CSRF tokens are random and could hold any 4 digits: drop them before scanning.
    text = re.sub(r'name="csrf[-_]token"[^>]*(value|content)="[^"]*"', "", "".join(bodies))
    text = re.sub(r'(value|content)="[^"]*"([^>]*name="csrf[-_]token")', r"\2", text)
    for secret in secrets:
        assert secret not in text, secret


def test_reload_back_and_a_second_tab_stay_consistent_with_the_card(browser, live_server, demo, terminal):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True)
    first, second, panel = context.new_page(), context.new_page(), context.new_page()
    try:
        for page in (first, second):
            page.goto(live_server + "/")
        panel.goto(live_server + "/demo/")
        insert(panel, "hanako")
        at_step(first, "consent")
        at_step(second, "consent")
        first.locator('[data-action="agree"]').click()
        at_step(first, "pin")
        at_step(second, "pin")  # the second tab follows without a tap
        second.reload()
        at_step(second, "pin")
        first.go_back()  # history: the page is fetched again (no-store), not the old consent
        first.wait_for_load_state()
        first.goto(live_server + "/")
        at_step(first, "pin")
        assert terminal.snapshot()["step"] == "pin"
        type_pin(second, "1234")
        second.locator('[data-action="submit"]').click()
        at_step(second, "done")
        at_step(first, "done")
        wait_recorded(terminal)
        (event,) = list(terminal.stats.events())
        assert event["pin_attempts"] == 1  # one PIN, however many tabs
        remove(panel)
        at_step(first, "idle")
    finally:
        context.close()


def test_a_helper_panel_turned_away_by_the_long_poll_cap_waits_before_asking_again(browser, make_app):
    """Every waiting slot taken (staff_long_polls) by other tablets: the panel is answered at once
    and must back off as Retry-After says, never hammer the staff listener in a loop."""
    from tests.support.serving import serving

    app = make_app(staff_long_polls=1)
    app.extensions["kiosk.accounts"].create_staff("helper1", "246813")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True)
    staff = context.new_page()
    polls: list[str] = []
    staff.on("request", lambda r: polls.append(r.url) if "/staff/state" in r.url else None)
    with serving(app) as listeners, app.extensions["kiosk.long_polls"].waiting() as other_tablet:
        assert other_tablet  # another tablet holds the one waiting slot
        try:
            staff.goto(f"http://{listeners.staff_address}/staff/login")
            staff.fill("#code", "helper1")
            staff.fill("#pin", "246813")
            staff.locator('button[type="submit"]').click()
            staff.wait_for_selector("[data-staff-panel]")
            staff.wait_for_timeout(3000)
        finally:
            context.close()
    assert 1 <= len(polls) <= 2, len(polls)  # Retry-After is 5 s: one poll, at most a second
