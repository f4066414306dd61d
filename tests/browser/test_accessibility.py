"""The resident screens, measured in real Chromium: axe-core WCAG 2.2 A/AA on every screen in
every language, the sizes and contrast the brief sets, and the whole visit in each language."""

from __future__ import annotations

import re

import pytest

from kiosk.i18n.languages import LANGUAGES
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

MIN_TEXT_PX = 32
MIN_GAP_PX = 16
MIN_CONTRAST = 7.0


@pytest.fixture
def page(screens):  # noqa: F811 - the same two tabs as the browser tests
    return screens


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_whole_visit_in_each_language_passes_axe_on_every_screen(page, demo, code):
    resident, panel = page
    lang = LANGUAGES[code]
    at_step(resident, "idle")
    resident.locator(f'[data-choose-language="{code}"]').click()
    resident.wait_for_selector(f'main[data-language="{code}"]')
    assert resident.locator("html").get_attribute("lang") == lang.html_lang
    assert_no_axe_violations(resident, f"{code} idle")
    assert_fits_screen(resident, '[data-choose-language="pt"]')  # every language on the screen
    shot(resident, f"lang-{code}-1-idle")

    insert(panel, "ichiro")  # 2 tries left: the warning is on the PIN screen too
    at_step(resident, "consent")
    assert_no_axe_violations(resident, f"{code} consent")
    shot(resident, f"lang-{code}-2-consent")
    resident.locator('[data-action="agree"]').click()

    at_step(resident, "pin")
    assert_no_axe_violations(resident, f"{code} pin")
    type_pin(resident, "4321")
    shot(resident, f"lang-{code}-3-pin")
    resident.locator('[data-action="submit"]').click()

    at_step(resident, "done")
    assert_no_axe_violations(resident, f"{code} done")
    shot(resident, f"lang-{code}-4-done")
    resident.locator('[data-action="help"]').click()
    assert_no_axe_violations(resident, f"{code} help dialog")
    resident.keyboard.press("Escape")
    remove(panel)
    at_step(resident, "idle")
    assert resident.locator("main").get_attribute("data-language") == "ja"  # reset for the next person

    resident.locator(f'[data-choose-language="{code}"]').click()
    resident.wait_for_selector(f'main[data-language="{code}"]')
    insert(panel, "jiro")  # locked: an error screen
    at_step(resident, "error")
    assert_no_axe_violations(resident, f"{code} error")
    shot(resident, f"lang-{code}-5-error")
    remove(panel)


@pytest.mark.parametrize(("options", "code"), [(("contrast",), "ja"), (("large",), "ja"), (("large", "contrast"), "ja"),
                                             (("furigana",), "ja"), (("large",), "ja-easy")],
                         ids=["contrast", "large", "large-contrast", "furigana", "easy-large"])  # fmt: skip
def test_display_options_keep_every_rule(page, demo, options, code):
    resident, panel = page
    at_step(resident, "idle")
    if code != "ja":  # the larger text where it matters most: やさしい日本語 is long
        resident.locator(f'[data-choose-language="{code}"]').click()
        resident.wait_for_selector(f'main[data-language="{code}"]')
    for option in options:
        resident.locator('[data-action="display"]').click()
        resident.locator(f'[data-option="{option}"]').click()
        resident.wait_for_selector(f"body.opt-{option}")
    insert(panel, "hanako")
    at_step(resident, "consent")
    assert_no_axe_violations(resident, f"{options} consent")
    resident.locator('[data-action="agree"]').click()
    at_step(resident, "pin")
    assert_no_axe_violations(resident, f"{options} pin")
    shot(resident, "display-" + "-".join(options) + ("" if code == "ja" else f"-{code}"))
    box = resident.locator('[data-action="submit"]').bounding_box()
    assert box["y"] + box["height"] <= 800, "the OK button must stay on the screen"
    if "furigana" in options:
        assert resident.locator("main ruby").count() > 3
        assert "あんしょうばんごう" in resident.inner_text("main")
    remove(panel)


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(v) for v in re.findall(r"[\d.]+", css)[:3])


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((_luminance(_rgb(fg)), _luminance(_rgb(bg))), reverse=True)
    return (a + 0.05) / (b + 0.05)


def styles(page, selector: str) -> list[dict]:
    return page.eval_on_selector_all(
        selector,
        """els => els.map(e => { const s = getComputedStyle(e); const r = e.getBoundingClientRect();
            let bg = s.backgroundColor, p = e;
            while (bg === 'rgba(0, 0, 0, 0)' && p.parentElement) {
              p = p.parentElement; bg = getComputedStyle(p).backgroundColor; }
            return {text: e.innerText, size: parseFloat(s.fontSize), color: s.color, bg,
                    w: r.width, h: r.height, x: r.x, y: r.y}; })""",
    )


@pytest.mark.parametrize("option", [None, "contrast"])
def test_keypad_buttons_and_text_meet_the_numbers(page, demo, option):
    resident, panel = page
    at_step(resident, "idle")
    if option:
        resident.locator('[data-action="display"]').click()
        resident.locator(f'[data-option="{option}"]').click()
        resident.wait_for_selector(f"body.opt-{option}")
    insert(panel, "hanako")
    at_step(resident, "consent")
    for item in styles(resident, "main .explain li, main h1, main .btn"):
        assert item["size"] >= MIN_TEXT_PX, item
    for item in styles(resident, "main .btn"):
        assert item["w"] >= MIN_TARGET_PX and item["h"] >= MIN_TARGET_PX, item
        assert contrast(item["color"], item["bg"]) >= MIN_CONTRAST, item
    resident.locator('[data-action="agree"]').click()
    at_step(resident, "pin")
    keys = styles(resident, ".keypad .key")
    assert len(keys) == 12
    for key in keys:
        assert key["w"] >= MIN_TARGET_PX and key["h"] >= MIN_TARGET_PX, key
        assert key["size"] >= MIN_TEXT_PX, key
        assert contrast(key["color"], key["bg"]) >= MIN_CONTRAST, key
    first, second, below = keys[0], keys[1], keys[3]
    assert second["x"] - (first["x"] + first["w"]) >= MIN_GAP_PX
    assert below["y"] - (first["y"] + first["h"]) >= MIN_GAP_PX
    for item in styles(resident, ".pin-side .btn, .pin-side .tries, .pin-side .notice, main h1"):
        assert item["size"] >= MIN_TEXT_PX, item
        assert contrast(item["color"], item["bg"]) >= MIN_CONTRAST, item
    remove(panel)
