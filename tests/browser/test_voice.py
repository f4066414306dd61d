"""The resident hears their own language: the screen on arrival, a dialog when it opens (Chromium)."""

import pytest

from tests.support.browser import at_step

pytestmark = pytest.mark.browser

PLAYING = """() => Object.fromEntries([...document.querySelectorAll('audio')].map(
    (a) => [a.dataset.voice, {src: a.currentSrc, playing: !a.paused, decoded: a.duration > 0}]))"""


def test_english_screen_and_help_dialog_speak_english_one_voice_at_a_time(screens):
    resident, _panel = screens
    at_step(resident, "idle")
    resident.locator('[data-choose-language="en"]').click()
    resident.wait_for_selector('main[data-language="en"][data-speaking="idle"]')
    resident.wait_for_function("() => document.getElementById('voice').duration > 0")
    heard = resident.evaluate(PLAYING)
    assert heard["idle"]["src"].endswith("/voice/en/idle.ogg") and heard["idle"]["playing"]

    resident.locator('header [data-action="help"]').click()
    resident.wait_for_selector('#help-dialog[open]')
    resident.wait_for_function("() => document.querySelector('#help-dialog audio').duration > 0")
    heard = resident.evaluate(PLAYING)
    assert resident.locator("main").get_attribute("data-speaking") == "help"
    assert heard["help"]["src"].endswith("/voice/en/help.ogg") and heard["help"]["playing"]
    assert not heard["idle"]["playing"]  # the screen stops while the dialog speaks

    resident.locator('#help-dialog [data-action="replay"]').click()  # its own 'listen again'
    assert resident.locator("main").get_attribute("data-replays") == "1"
    assert resident.evaluate(PLAYING)["help"]["playing"]
    resident.locator('[data-action="close-help"]').click()
    resident.wait_for_selector("#help-dialog:not([open])", state="attached")
    # The dialog's 'close' event comes a task after the dialog closes.
    resident.wait_for_function("() => document.querySelector('#help-dialog audio').paused")
    heard = resident.evaluate(PLAYING)
    assert not heard["help"]["playing"] and not heard["idle"]["playing"]
    assert heard["still-there"]["src"].endswith("/voice/en/still-there.ogg")

    resident.locator('header [data-action="display"]').click()  # 'easier to see' speaks its options
    resident.wait_for_selector('#display-dialog[open]')
    resident.wait_for_selector('main[data-speaking="display"]')
    assert resident.evaluate(PLAYING)["display"]["src"].endswith("/voice/en/display.ogg")
    resident.locator('[data-action="close-display"]').click()
