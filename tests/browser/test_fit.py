"""Nobody scrolls a kiosk: every control a resident may need is wholly on the screen, on every
step and dialog, in every language and display mode, at each screen size the kiosk ships with.

Each step is put on the terminal directly (the flow's fields, as its events leave them), so one
page load serves three screen sizes and three dialogs: the measuring is one evaluate a case.
"""

from __future__ import annotations

import itertools

import pytest

from kiosk.i18n.languages import LANGUAGES
from kiosk.visit.flow import Reason, Step
from tests.support import ARTIFACTS

pytestmark = pytest.mark.browser

VIEWPORTS = [(1280, 800), (1024, 768), (1080, 1920)]
MODES = [(), ("large",), ("contrast",), ("furigana",), ("large", "contrast"), ("large", "furigana"),
         ("large", "contrast", "furigana")]  # fmt: skip
STEPS: dict[str, dict] = {
    "idle": dict(step=Step.IDLE, card_present=False),
    "consent": dict(step=Step.CONSENT, tries_left=3),
    "age-consent": dict(step=Step.AGE_CONSENT, tries_left=3),  # only with age_source = "card"
    "pin": dict(step=Step.PIN, tries_left=3),
    "pin-two-tries": dict(step=Step.PIN, tries_left=2),
    "pin-wrong": dict(step=Step.PIN, tries_left=2, reason=Reason.WRONG_PIN, pin_wrong=True),
    "pin-last-try": dict(step=Step.PIN, tries_left=1, last_try_allowed=True, helper_called=False),
    "registering": dict(step=Step.REGISTERING, tries_left=3),
    "done": dict(step=Step.DONE, reason=Reason.REGISTERED),
    "done-card-taken": dict(step=Step.DONE, reason=Reason.REGISTERED, card_present=False),
    "done-after-last-try": dict(step=Step.DONE, reason=Reason.REGISTERED, helper_called=True),  # the helper allowed it
    "already-registered": dict(step=Step.DONE, reason=Reason.ALREADY_REGISTERED),
    "one-try-left-wrong": dict(step=Step.ERROR, reason=Reason.ONE_TRY_LEFT, tries_left=1, pin_wrong=True,
                               helper_called=True),
    "one-try-left": dict(step=Step.ERROR, reason=Reason.ONE_TRY_LEFT, tries_left=1, helper_called=True),
    "locked": dict(step=Step.ERROR, reason=Reason.PIN_LOCKED, tries_left=0),
    "declined": dict(step=Step.ERROR, reason=Reason.DECLINED),
    "service-down": dict(step=Step.ERROR, reason=Reason.GATEWAY_UNAVAILABLE),  # hours and other places shown
    "service-down-card-taken": dict(step=Step.ERROR, reason=Reason.GATEWAY_UNAVAILABLE, card_present=False),
}  # fmt: skip


@pytest.fixture
def app(make_app):
    # A printer configured: 'Print a slip' stands on every done and error screen and must fit too.
    return make_app(slip_printer="counter", slip_cups_server="127.0.0.1:9")


# Every control on the page and in each dialog, opened in turn: its box must be inside the
# viewport with the page at its top (nothing scrolled).
MEASURE = """() => {
  const off = [];
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  const name = (el) => el.dataset.action || el.dataset.key || el.dataset.option
    || el.dataset.chooseLanguage || el.innerText.trim().slice(0, 16);
  const check = (scope, where) => scope.querySelectorAll("button, a[href], input:not([type=hidden])")
    .forEach((el) => {
      const r = el.getBoundingClientRect();
      if (!r.width && !r.height) return;
      if (r.left < 0 || r.top < 0 || r.right > vw + 0.5 || r.bottom > vh + 0.5)
        off.push(`${where}${name(el)} [${[r.left, r.top, r.right, r.bottom].map(Math.round)}]`);
    });
  window.scrollTo(0, 0);
  check(document.querySelector("header"), "");
  check(document.querySelector("main"), "");
  for (const id of ["help-dialog", "still-there", "display-dialog"]) {
    const d = document.getElementById(id);
    d.showModal(); d.scrollTop = 0;
    check(d, id + ":");
    d.close();
  }
  return off;
}"""


def show(terminal, language: str, options: tuple[str, ...], fields: dict) -> None:
    """Put the terminal on one step, as its flow events would leave it."""
    with terminal._lock:
        f = terminal.flow
        f.step, f.reason, f.busy = fields["step"], fields.get("reason"), False
        f.tries_left = fields.get("tries_left")
        f.card_present = fields.get("card_present", True)
        f.helper_called = fields.get("helper_called", False)
        f.last_try_allowed = fields.get("last_try_allowed", False)
        f.pin_wrong = fields.get("pin_wrong", False)
        f.language, f.options = language, set(options)
        f.entered_at = terminal.monotonic()  # no error screen returns to idle meanwhile
        f.version += 1


def test_every_control_fits_every_screen(browser, live_server, app):
    terminal = app.extensions["kiosk.terminal"]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True)
    page = context.new_page()
    page.route("**/state?since=*", lambda route: route.abort())  # the page stays as it was put
    page.route("**/voice/**", lambda route: route.abort())
    off: list[str] = []
    checked = 0
    try:
        for code, (mode, (step, fields)) in itertools.product(LANGUAGES, itertools.product(MODES, STEPS.items())):
            if "furigana" in mode and code not in ("ja", "ja-easy"):
                continue  # furigana is a Japanese-only option: the same page as without
            show(terminal, code, mode, fields)
            for width, height in VIEWPORTS:
                page.set_viewport_size({"width": width, "height": height})
                if (width, height) == VIEWPORTS[0]:
                    page.goto(live_server + "/", wait_until="domcontentloaded")
                    page.wait_for_selector(f'main[data-step="{fields["step"].value}"]')
                case = f"{code} {'+'.join(mode) or 'plain'} {step} {width}x{height}"
                off += [f"{case}: {where}" for where in page.evaluate(MEASURE)]
                checked += 1
    finally:
        context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fit.txt").write_text("\n".join(off) + "\n", encoding="utf-8")  # every case, for review
    assert checked > 1000
    assert not off, f"{len(off)} controls off the screen, e.g.:\n" + "\n".join(off[:40])
