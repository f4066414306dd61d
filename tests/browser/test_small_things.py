"""Small things that trip an 80-year-old, in real Chromium: the help dialog opens at its top,
the delete key has a word, and changing a display option keeps the digits already typed."""

from __future__ import annotations

import pytest

from tests.support.browser import at_step, insert, remove, type_pin

pytestmark = pytest.mark.browser


def test_help_opens_at_its_top_and_the_delete_key_has_a_word(screens):
    resident, panel = screens
    at_step(resident, "idle")
    resident.locator('[data-action="display"]').click()
    resident.locator('[data-option="large"]').click()  # the longest dialog: larger text
    resident.wait_for_selector("body.opt-large")
    insert(panel, "hanako")
    at_step(resident, "consent")
    resident.locator('[data-action="help"]').click()
    dialog = resident.locator("#help-dialog")
    dialog.wait_for(state="visible")
    assert dialog.evaluate("d => d.scrollTop") == 0
    title = resident.locator("#help-title").bounding_box()
    assert title["y"] >= 0, "the help dialog's title must show when it opens"
    resident.keyboard.press("Escape")

    resident.locator('[data-action="agree"]').click()
    at_step(resident, "pin")
    delete = resident.locator('[data-action="delete"]')
    assert delete.inner_text().replace("⌫", "").strip(), "⌫ needs a word a resident can read"
    remove(panel)


@pytest.mark.parametrize("option", ["large", "furigana"])
def test_a_display_option_changed_on_the_pin_screen_keeps_the_digits(screens, option):
    resident, panel = screens
    at_step(resident, "idle")
    insert(panel, "hanako")
    at_step(resident, "consent")
    resident.locator('[data-action="agree"]').click()
    at_step(resident, "pin")
    type_pin(resident, "12")
    resident.locator('[data-action="display"]').click()
    resident.locator(f'[data-option="{option}"]').click()
    resident.wait_for_selector(f"body.opt-{option}")
    if option == "furigana":
        resident.wait_for_selector("main h1 ruby")
    resident.locator('[data-action="close-display"]').click()
    resident.wait_for_timeout(1500)  # the page's long poll has seen the change by now
    assert resident.locator(".pin-display .slot.filled").count() == 2
    type_pin(resident, "34")
    resident.locator('[data-action="submit"]').click()
    at_step(resident, "done")
    remove(panel)


# Ruby words cut over two lines (暗証番 / 号, the reading cut too), on the visible page.
SPLIT_RUBY = """() => [...document.querySelectorAll('main ruby')]
  .filter((r) => r.getClientRects().length > 1).map((r) => r.textContent)"""


def test_furigana_keeps_each_word_on_one_line(screens):
    resident, panel = screens
    at_step(resident, "idle")
    for option in ("large", "furigana"):
        if not resident.evaluate("() => document.getElementById('display-dialog').open"):
            resident.locator('[data-action="display"]').click()
        resident.locator(f'[data-option="{option}"]').click()
        resident.wait_for_selector(f"body.opt-{option}")
    if resident.evaluate("() => document.getElementById('display-dialog').open"):
        resident.locator('[data-action="close-display"]').click()
    insert(panel, "hanako")
    split: list[str] = []
    for width, height in ((1280, 800), (1024, 768), (1080, 1920)):
        resident.set_viewport_size({"width": width, "height": height})
        at_step(resident, "consent")
        resident.wait_for_selector("main h1 ruby")
        split += resident.evaluate(SPLIT_RUBY)
    resident.locator('[data-action="agree"]').click()
    at_step(resident, "pin")
    resident.wait_for_selector("main h1 ruby")
    for width, height in ((1280, 800), (1024, 768), (1080, 1920)):
        resident.set_viewport_size({"width": width, "height": height})
        split += resident.evaluate(SPLIT_RUBY)
    assert not split, f"words cut over two lines: {split}"
    remove(panel)


def test_please_take_your_card_reads_as_a_notice_not_a_button(screens):
    resident, panel = screens
    at_step(resident, "idle")
    insert(panel, "hanako")
    at_step(resident, "consent")
    resident.locator('[data-action="decline"]').click()
    resident.wait_for_selector('main[data-step="error"] [data-take-card]')
    look = resident.locator("[data-take-card]").evaluate("""(el) => {
      const s = getComputedStyle(el), icon = getComputedStyle(el, '::before');
      return {borders: [s.borderTopWidth, s.borderRightWidth, s.borderBottomWidth],
              icon: icon.content !== 'none' && parseFloat(icon.width) > 0};
    }""")
    assert look["borders"] == ["0px", "0px", "0px"], "a box drawn all round looks like a button"
    assert look["icon"], "a notice shows its icon beside the words"
    remove(panel)
