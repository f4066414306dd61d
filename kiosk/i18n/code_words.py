"""The words for the codes the statistics store (reasons, outcomes, age bands, card kinds,
display options, languages, staff actions): one table for the manager's pages, the helper panel,
the 実績報告, the summary and events CSVs and the CLI.

The stored data and the raw `kiosk stats export` keep the codes (audits and merges read them);
everything a person reads says them in words, Japanese or English (the staff catalog).
"""

from __future__ import annotations

from kiosk.i18n.languages import LANGUAGES
from kiosk.i18n.staff_words import StaffWord, s_word, translate

UNKNOWN = s_word("code", "Unknown")

REASONS: dict[str, StaffWord] = {
    "registered": s_word("visit reason", "Registered"),
    "already_registered": s_word("visit reason", "Was already registered"),
    "wrong_pin": s_word("visit reason", "Wrong PIN"),
    "tries_changed": s_word("visit reason", "PIN tries changed"),
    "pin_locked": s_word("visit reason", "PIN locked"),
    "no_pin_set": s_word("visit reason", "No PIN set"),
    "cert_expired": s_word("visit reason", "Certificate expired"),
    "not_my_number_card": s_word("visit reason", "Not a My Number card"),
    "card_unreadable": s_word("visit reason", "Card unreadable"),
    "card_removed": s_word("visit reason", "Card taken out"),
    "reader_unavailable": s_word("visit reason", "Reader unavailable"),
    "gateway_unavailable": s_word("visit reason", "Registration service unavailable"),
    "registration_refused": s_word("visit reason", "Registration refused"),
    "declined": s_word("visit reason", "Declined"),
    "cancelled": s_word("visit reason", "Cancelled"),
    "timed_out": s_word("visit reason", "Timed out"),
    "unknown": UNKNOWN,
}
OUTCOMES: dict[str, StaffWord] = {
    "registered": s_word("visit outcome", "Newly registered"),
    "already_registered": s_word("visit outcome", "Already registered"),
    "declined": s_word("visit outcome", "Declined"),
    "not_completed": s_word("visit outcome", "Not completed"),
}
AGE_BANDS: dict[str, StaffWord] = {
    "under_65": s_word("age band", "Under 65"),
    "65-74": s_word("age band", "65 to 74"),
    "75+": s_word("age band", "75 and over"),
    "unknown": UNKNOWN,
}
CARDS: dict[str, StaffWord] = {
    "new": s_word("card", "New card"),
    "existing": s_word("card", "Card held for longer"),
    "unknown": UNKNOWN,
}
OPTIONS: dict[str, StaffWord] = {
    "large": s_word("display option", "Larger text"),
    "contrast": s_word("display option", "High contrast"),
    "furigana": s_word("display option", "Furigana"),
    "voice_replay": s_word("display option", "Guidance heard again"),
}
STAFF_ACTIONS: dict[str, StaffWord] = {
    "allow_last_try": s_word("staff action", "Allowed the last PIN try"),
    "cancel": s_word("staff action", "Cancelled a visit"),
    "assisted": s_word("staff action", "Marked assisted"),
    "self_service": s_word("staff action", "Marked self-service"),
    "category": s_word("staff action", "Chose a category"),
    "age_band": s_word("staff action", "Recorded an age band"),
    "restart": s_word("staff action", "Restarted the visit"),
}
# A language by its own name, as the resident chose it on the language switch.
LANGUAGE_NAMES = {code: lang.label for code, lang in LANGUAGES.items()}


def code_word(table: dict[str, StaffWord], code: object, lang: str = "ja") -> str:
    """``code`` in words; an empty code is 'unknown', a code the table lacks shows as itself."""
    if code is None or code == "":
        return translate(UNKNOWN, lang)
    found = table.get(str(code))
    return translate(found, lang) if found is not None else str(code)


def language_name(code: object, lang: str = "ja") -> str:
    if not code or code == "unknown":
        return translate(UNKNOWN, lang)
    return LANGUAGE_NAMES.get(str(code), str(code))
