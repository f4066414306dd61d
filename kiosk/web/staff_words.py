"""The helper panel's words for every state and reason, from the staff message catalog.

The panel shows these, never the codes, and its script gets the same table (``table()``) so a
state that arrives by the long poll reads exactly as a reloaded page does.
"""

from __future__ import annotations

from flask_babel import get_locale

from kiosk.i18n.code_words import LANGUAGE_NAMES, OUTCOMES, REASONS, code_word, language_name
from kiosk.i18n.staff_words import StaffWord
from kiosk.web.signin import s_l

STEP_WORDS = {
    "idle": s_l("Waiting for a card (first screen)"),
    "consent": s_l("Reading the consent"),
    "pin": s_l("Typing the PIN"),
    "registering": s_l("Registering: do not touch the card"),
    "done": s_l("Finished: registered"),
    "error": s_l("Stopped: see the cause"),
}

REASON_WORDS = {
    "registered": s_l("Registered as a health insurance card"),
    "already_registered": s_l("Was already registered"),
    "wrong_pin": s_l("The PIN was wrong"),
    "tries_changed": s_l("The card's PIN counter changed: shown again"),
    "one_try_left": s_l("One PIN try left: waiting for a helper"),
    "pin_locked": s_l("PIN locked: the counter resets it"),
    "no_pin_set": s_l("No PIN set on the card: the counter sets it"),
    "cert_expired": s_l("Certificate expired: renewed at the counter"),
    "not_my_number_card": s_l("Not a My Number card"),
    "card_unreadable": s_l("The card could not be read"),
    "card_removed": s_l("The card was taken out too early"),
    "reader_unavailable": s_l("The card reader is not working"),
    "gateway_unavailable": s_l("The registration service cannot be reached"),
    "registration_refused": s_l("The registration service refused"),
    "declined": s_l("The resident did not agree"),
    "cancelled": s_l("Cancelled"),
    "timed_out": s_l("Nobody used the screen for a while"),
}

READER_WORDS = {
    "empty": s_l("ready, no card"),
    "card_present": s_l("a card is on it"),
    "no_reader": s_l("not connected"),
    "starting": s_l("starting"),
}

OUTCOME_WORDS = {
    "registered": s_l("Registered"),  # an outcome (登録しました), not the count (Newly registered)
    "already_registered": s_l("Was already registered"),
    "declined": s_l("Did not agree"),
    "not_completed": s_l("Not completed"),
}

AGE_BAND_WORDS = {
    "under_65": s_l("Under 65"),
    "65-74": s_l("65 to 74"),
    "75+": s_l("75 and over"),
}

# The resident's language by its own name (kiosk.i18n.code_words), never its code.
LANGUAGE_WORDS = LANGUAGE_NAMES

OTHER_WORDS = {
    "card_in": s_l("in the reader"),
    "card_out": s_l("not in the reader"),
    "busy": s_l("reading the card"),
    "none": "—",
    "unreachable": s_l("This kiosk does not answer"),
    "called": s_l("The resident asked for a helper."),
    "assisted": s_l("Assisted"),
    "self_service": s_l("Self-service"),
}


def word(table: dict, code: str | None) -> str:
    """The words for ``code``; an unknown code is shown as itself rather than hidden."""
    if code is None:
        return "—"
    return str(table.get(code, code))


def table() -> dict[str, dict[str, str]]:
    """Every word the panel's script may need, in the helper's language (for JSON)."""
    return {
        name: {k: str(v) for k, v in words.items()}
        for name, words in (("step", STEP_WORDS), ("reason", REASON_WORDS), ("reader", READER_WORDS),
                            ("outcome", OUTCOME_WORDS), ("age", AGE_BAND_WORDS), ("language", LANGUAGE_WORDS),
                            ("other", OTHER_WORDS))
    }  # fmt: skip


def _staff_lang() -> str:
    return str(get_locale() or "ja")


def in_words(table: dict[str, StaffWord], code: str | None) -> str:
    """A stored code in the words of kiosk.i18n.code_words, in the staff page's language."""
    return code_word(table, code, _staff_lang())


def language_in_words(code: str | None) -> str:
    return language_name(code, _staff_lang())


def outcome_in_words(key: str) -> str:
    """A close-out outcome line (``newly_registered``, ``not_completed: card_removed``) in words."""
    outcome, _, reason = key.partition(": ")
    said = in_words(OUTCOMES, "registered" if outcome == "newly_registered" else outcome)
    return f"{said}: {in_words(REASONS, reason)}" if reason else said
