"""A helper looks after three kiosks from one tablet: one sign-in, the venue page, an alert
when one resident calls, and help recorded on a visit that has already ended elsewhere."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from tests.support.auth import STAFF_CODE, STAFF_PIN
from tests.support.serving import serving
from tests.support.waiting import wait_recorded, wait_until

pytestmark = pytest.mark.browser
TOKEN = "venue-token-for-three-kiosks"


@pytest.fixture
def venue(make_app, tmp_path, pki_dir):
    """Three kiosks at one venue, each with its own instance folder, served on loopback;
    kiosk-01 lists the other two as its peers."""

    def kiosk(name: str, **extra):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "virtualcard").symlink_to(pki_dir, target_is_directory=True)
        return make_app(instance_path=str(folder), terminal_id=name, venue="本庁舎", venue_token=TOKEN, **extra)

    with ExitStack() as stack:
        peers = [kiosk("kiosk-02"), kiosk("kiosk-03")]
        urls = [f"http://{stack.enter_context(serving(app)).staff_address}/staff/" for app in peers]
        home = kiosk("kiosk-01", venue_peers=urls)
        home.extensions["kiosk.accounts"].create_staff(STAFF_CODE, STAFF_PIN)
        yield f"http://{stack.enter_context(serving(home)).staff_address}", home, *peers


def test_one_tablet_follows_three_kiosks_and_records_help_after_a_visit(browser, venue):
    url, _home, second, third = venue
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ja-JP")
    tablet = context.new_page()
    try:
        tablet.goto(url + "/staff/login")
        tablet.fill('input[name="code"]', STAFF_CODE)
        tablet.fill('input[name="pin"]', STAFF_PIN)
        tablet.locator('button[type="submit"]').click()
        tablet.goto(url + "/staff/venue/")
        tablet.locator("[data-sound-on]").click()  # Chromium plays sound only after a tap
        for name in ("kiosk-01", "kiosk-02", "kiosk-03"):
            tablet.wait_for_selector(f'[data-kiosk="{name}"][data-step="idle"]')
        assert "カード待ち" in tablet.locator('[data-kiosk="kiosk-02"]').inner_text()

        calling = second.extensions["kiosk.terminal"]
        second.extensions["kiosk.demo"].insert("hanako")
        wait_until(lambda: calling.snapshot()["step"] == "consent")
        calling.act("call_helper")  # the resident taps 'call a helper'
        tablet.wait_for_selector('[data-kiosk="kiosk-02"].alerting')
        banner = tablet.locator("[data-staff-alert]")
        assert banner.is_visible() and "kiosk-02" in banner.inner_text()
        assert "職員を呼んでいます" in banner.inner_text()
        tablet.wait_for_selector('[data-staff-alert][data-sounded="yes"]')
        assert tablet.locator('[data-kiosk="kiosk-03"].alerting').count() == 0

        visiting, demo3 = third.extensions["kiosk.terminal"], third.extensions["kiosk.demo"]
        demo3.insert("hanako")
        wait_until(lambda: visiting.snapshot()["step"] == "consent")
        visiting.act("agree")
        visiting.submit_pin(bytearray(b"1234"))
        wait_until(lambda: visiting.snapshot()["step"] == "done")
        demo3.remove()
        wait_recorded(visiting)
        (event,) = visiting.stats.events()
        assert event["assisted"] == 0
        ended = tablet.locator(f'[data-kiosk="kiosk-03"] [data-ended="{event["event_id"]}"]')
        ended.wait_for()
        assert "直前の利用" in ended.inner_text()
        ended.locator('[data-help-category="pin_help"]').click()
        tablet.wait_for_selector("text=支援を記録しました。")
        desk = third.extensions["kiosk.help"]
        (row,) = desk.ledger.rows()
        assert (row["event_id"], row["kind"], row["value"]) == (event["event_id"], "category", "pin_help")
        assert row["acted_by"] == desk.pseudonym(STAFF_CODE)
    finally:
        context.close()


def test_the_panel_follows_the_card_live_and_alerts_at_one_try_left(browser, venue):
    url, home, _second, _third = venue
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ja-JP")
    tablet = context.new_page()
    try:
        tablet.goto(url + "/staff/login")
        tablet.fill('input[name="code"]', STAFF_CODE)
        tablet.fill('input[name="pin"]', STAFF_PIN)
        tablet.locator('button[type="submit"]').click()
        tablet.locator("[data-sound-on]").click()
        system = tablet.locator("[data-health]")
        assert "準備完了・カードなし" in system.inner_text()
        tablet.evaluate("window.notReloaded = true")
        home.extensions["kiosk.demo"].insert("sachiko")  # one PIN try left: the helper is needed
        tablet.wait_for_selector('[data-staff-alert]:not([hidden])')
        assert "カードが置かれています" in system.inner_text()  # the system line, without a reload
        assert "暗証番号の残り回数が1回" in tablet.locator('[data-field="reason"]').inner_text()
        tablet.wait_for_selector('[data-staff-alert][data-sounded="yes"]')
        tablet.wait_for_selector('[data-help-for="current"]')  # the new visit's controls, fetched in place
        home.extensions["kiosk.demo"].remove()
        ready = "() => document.querySelector('[data-health]').innerText.includes('準備完了・カードなし')"
        tablet.wait_for_function(ready)
        tablet.wait_for_selector('[data-help-for="ended"]')
        assert tablet.evaluate("window.notReloaded") is True  # followed by the long poll alone
    finally:
        context.close()
