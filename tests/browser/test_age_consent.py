"""The age screen (age_source = "card") in real Chromium: axe-clean, and answered from the number
keypad alone (Enter = 'yes, read it', minus = 'no, skip'); only a yes sends the PIN to the
券面事項入力補助AP."""

from __future__ import annotations

import pytest

from tests.support.browser import assert_no_axe_violations, at_step, insert, remove

pytestmark = pytest.mark.browser


@pytest.fixture
def app(make_app):
    return make_app(age_source="card")


def ready(page, step: str) -> None:
    at_step(page, step)
    page.wait_for_selector(f'main[data-step="{step}"][data-keys="ready"]')


@pytest.mark.parametrize(("language", "key", "verifies"), [("ja", "NumpadEnter", ["auth", "kenhojo"]),
                                                           ("en", "NumpadSubtract", ["auth"])])  # fmt: skip
def test_the_age_screen_is_answered_with_the_keypad(screens, demo, language, key, verifies):
    resident, panel = screens
    at_step(resident, "idle")
    resident.locator(f'[data-choose-language="{language}"]').click()
    resident.wait_for_selector(f'main[data-language="{language}"]')
    insert(panel, "hanako")
    ready(resident, "consent")
    resident.keyboard.press("NumpadEnter")  # 'register'
    ready(resident, "age_consent")
    assert resident.locator("#voice").get_attribute("src").endswith("/age_consent.ogg")
    assert_no_axe_violations(resident, f"{language} age consent")
    card = demo.reader.card
    assert card.pin_log == []
    resident.keyboard.press(key)
    ready(resident, "pin")
    for k in ("Numpad1", "Numpad2", "Numpad3", "Numpad4", "NumpadEnter"):
        resident.keyboard.press(k)
    at_step(resident, "done", timeout=30_000)
    assert card.pin_log == verifies
    remove(panel)
    at_step(resident, "idle")
