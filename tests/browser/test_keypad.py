"""A resident who cannot see the screen finishes with a USB number keypad and the voice alone.

Only keyboard events reach the resident page (no click, no tap); the card goes in and out
through the demo panel in the other tab, as a trainer would do it.
"""

from __future__ import annotations

import pytest

from tests.support.browser import at_step, insert, remove

pytestmark = pytest.mark.browser

# What a page lets a reader hear and see; the digits typed must be in none of it.
HEARD_AND_SEEN = """() => ({
  text: document.body.innerText,
  html: document.documentElement.outerHTML,
  voices: [...document.querySelectorAll('audio')].map((a) => a.getAttribute('src')),
  tones: document.querySelector('main').dataset.keyTones || '',
  filled: document.querySelectorAll('.pin-display .slot.filled').length,
  entered: (() => { const a = document.getElementById('voice-entered');
                    return a ? (!a.paused || a.currentTime > 0) : null; })(),
})"""


def ready(page, step: str, timeout: float = 15_000) -> None:
    """The screen is shown and its keys are listened to (the script runs after the page is drawn)."""
    at_step(page, step, timeout)
    page.wait_for_selector(f'main[data-step="{step}"][data-keys="ready"]', timeout=timeout)


def press(page, *keys: str) -> None:
    for key in keys:
        page.keyboard.press(key)


def assert_no_digits(page, pin: str) -> dict:
    seen = page.evaluate(HEARD_AND_SEEN)
    for part in (seen["text"], seen["html"]):
        assert pin not in part
    # The only audio is the screen's guidance, its dialogs' and 'four digits entered', all made
    # from fixed words.
    allowed = ("keypad-entered.ogg", "pin-3.ogg", "pin-2.ogg", "pin-wrong_pin.ogg", "help.ogg", "still-there.ogg",
               "display.ogg")  # fmt: skip
    for src in seen["voices"]:
        assert src.rsplit("/", 1)[1] in allowed, src
    return seen


def test_a_whole_visit_with_the_number_keypad_only(screens, demo):
    resident, panel = screens
    at_step(resident, "idle")
    # The first screen's voice carries the keypad instructions (its words: tests/unit/test_voice.py).
    assert resident.locator("#voice").get_attribute("src").endswith("/idle.ogg")
    insert(panel, "hanako")
    ready(resident, "consent")

    # '/' opens help, Enter closes it (not agreeing); '+' starts the voice again.
    resident.wait_for_function("() => document.getElementById('voice').currentTime > 0.4")
    press(resident, "NumpadAdd")
    restarted = resident.evaluate(
        "() => ({t: document.getElementById('voice').currentTime, n: document.querySelector('main').dataset.replays})"
    )
    assert restarted["t"] < 0.4 and restarted["n"] == "1"
    press(resident, "NumpadDivide")
    assert resident.evaluate("() => document.getElementById('help-dialog').open")
    press(resident, "NumpadEnter")
    assert not resident.evaluate("() => document.getElementById('help-dialog').open")
    assert resident.locator("main").get_attribute("data-step") == "consent"

    press(resident, "NumpadEnter")  # agree
    ready(resident, "pin")
    press(resident, "NumpadEnter")  # nothing typed yet: a refusal tone, nothing sent
    press(resident, "Numpad1", "Numpad2", "Numpad3")
    seen = assert_no_digits(resident, "123")
    assert seen["filled"] == 3 and seen["entered"] is False
    press(resident, "Numpad9")
    seen = assert_no_digits(resident, "1239")
    assert seen["filled"] == 4 and seen["entered"] is True  # 'four digits entered, press Enter'
    press(resident, "NumpadDecimal", "4")  # delete the 9; the main keyboard's 4
    seen = assert_no_digits(resident, "1234")
    assert seen["filled"] == 4
    assert seen["tones"] == "refused digit digit digit digit delete digit"
    press(resident, "5")  # a fifth digit is refused, not typed
    assert resident.evaluate(HEARD_AND_SEEN)["tones"].endswith("digit refused")

    press(resident, "Enter")
    at_step(resident, "done", timeout=30_000)
    assert "1234" not in resident.content()
    remove(panel)
    at_step(resident, "idle")


def test_a_wrong_pin_then_the_right_one(screens, demo):
    resident, panel = screens
    at_step(resident, "idle")
    insert(panel, "hanako")
    ready(resident, "consent")
    press(resident, "Enter")
    ready(resident, "pin")
    press(resident, "Numpad5", "Numpad6", "Numpad7", "Numpad8", "NumpadEnter")
    resident.wait_for_selector('main[data-step="pin"][data-reason="wrong_pin"][data-keys="ready"]')
    assert resident.locator("[data-tries-left]").get_attribute("data-tries-left") == "2"
    assert_no_digits(resident, "5678")
    press(resident, "Numpad1", "Numpad2", "Numpad3", "Numpad4", "NumpadEnter")
    at_step(resident, "done", timeout=30_000)
    remove(panel)
    at_step(resident, "idle")


def test_decline_and_stop_with_minus_and_back_to_the_start_with_enter(screens, demo):
    resident, panel = screens
    at_step(resident, "idle")
    insert(panel, "hanako")
    ready(resident, "consent")
    press(resident, "NumpadSubtract")  # 'not now'
    resident.wait_for_selector('main[data-step="error"][data-reason="declined"]')
    remove(panel)
    at_step(resident, "idle")

    insert(panel, "hanako")
    ready(resident, "consent")
    press(resident, "Enter")
    ready(resident, "pin")
    press(resident, "Numpad1", "-")  # the main keyboard's minus: 'stop'
    resident.wait_for_selector('main[data-step="error"][data-reason="cancelled"]')
    remove(panel)
    at_step(resident, "idle")

    # A card taken out half-way: the screen says so, and Enter goes back to the start.
    insert(panel, "hanako")
    ready(resident, "consent")
    remove(panel)
    resident.wait_for_selector('main[data-step="error"][data-card="absent"][data-keys="ready"] [data-action="retry"]')
    press(resident, "NumpadEnter")
    at_step(resident, "idle")


def test_enter_calls_the_helper_from_an_error_screen_with_the_card_in(screens, demo):
    resident, panel = screens
    at_step(resident, "idle")
    insert(panel, "jiro")  # a locked PIN: the screen says so, the card stays in
    resident.wait_for_selector('main[data-step="error"][data-reason="pin_locked"][data-keys="ready"]')
    assert resident.locator("#voice").get_attribute("src").endswith("/error-pin_locked.ogg")  # says 'press Enter'
    press(resident, "NumpadEnter")
    resident.wait_for_function("() => !document.querySelector('[data-action=\"call_helper\"]')")
    assert "係の者を呼びました" in resident.inner_text("main")
    remove(panel)
    at_step(resident, "idle", timeout=15_000)
