"""The words of the claim documents (summary CSV, events CSV, 実績報告 PDF), Japanese and English.

These are the municipality's filing forms, written from the CLI as well as from the manager's
pages (no request, no Babel locale): the words are in the staff catalog, read for the language
asked for by kiosk.i18n.staff_words. Japanese is the filed language, English an option.
"""

from __future__ import annotations

from kiosk.i18n.staff_words import StaffWord, s_word, translate

# The staff catalog's words (contexts "summary CSV" and "events CSV column"): translators find
# them there. The English words are the columns' names as IT staff's scripts read them.
LABELS: dict[str, StaffWord] = {
    # summary CSV columns and sections
    "month": s_word("summary CSV", "month"),
    "section": s_word("summary CSV", "section"),
    "item": s_word("summary CSV", "item"),
    "value": s_word("summary CSV", "value"),
    "total": s_word("summary CSV", "total"),
    "sessions": s_word("summary CSV", "sessions"),
    "newly_registered": s_word("summary CSV", "newly registered"),
    "already_registered": s_word("summary CSV", "already registered"),
    "declined": s_word("summary CSV", "declined"),
    "not_completed": s_word("summary CSV", "not completed (by reason)"),
    "assisted": s_word("summary CSV", "assisted"),
    "distinct_residents": s_word("summary CSV", "distinct residents"),
    "training_left_out": s_word("summary CSV", "training (not counted)"),
    "by_venue": s_word("summary CSV", "by venue"),
    "by_age_band": s_word("summary CSV", "by age band"),
    "by_language": s_word("summary CSV", "by language"),
    "by_option": s_word("summary CSV", "by display option"),
    "by_card": s_word("summary CSV", "new or existing card"),
    "by_day": s_word("summary CSV", "by day"),
    "by_category": s_word("summary CSV", "by support category"),
    "cases": s_word("summary CSV", "cases"),
    "amount_yen": s_word("summary CSV", "amount (yen)"),
    "hours_by_person": s_word("summary CSV", "helper hours (per person)"),
    "hours_by_venue": s_word("summary CSV", "helper hours (per venue)"),
    "auto_closed": s_word("summary CSV", "auto-closed"),
    "terminal_cost": s_word("summary CSV", "terminal cost"),
    "lease": s_word("summary CSV", "lease (per month)"),
    "purchase": s_word("summary CSV", "purchase"),
    # events CSV columns
    "event_id": s_word("events CSV column", "event_id"),
    "terminal_id": s_word("events CSV column", "terminal_id"),
    "venue": s_word("events CSV column", "venue"),
    "started_at": s_word("events CSV column", "started_at"),
    "ended_at": s_word("events CSV column", "ended_at"),
    "duration_seconds": s_word("events CSV column", "duration_seconds"),
    "outcome": s_word("events CSV column", "outcome"),
    "reason": s_word("events CSV column", "reason"),
    "pin_attempts": s_word("events CSV column", "pin_attempts"),
    "tries_left_at_start": s_word("events CSV column", "tries_left_at_start"),
    "new_card": s_word("events CSV column", "new_card"),
    "age_band": s_word("events CSV column", "age_band"),
    "language": s_word("events CSV column", "language"),
    "options": s_word("events CSV column", "options"),
    "holder_visit": s_word("events CSV column", "holder_visit"),
    "training": s_word("events CSV column", "training"),
    "staff_on_duty": s_word("events CSV column", "staff on duty"),
    "acted_by": s_word("events CSV column", "acted by"),
    "seq": s_word("events CSV column", "seq"),
    "prev_hash": s_word("events CSV column", "prev_hash"),
    "row_hash": s_word("events CSV column", "row_hash"),
    "assisted_flag": s_word("events CSV column", "assisted"),
}


def label(key: str, lang: str = "ja") -> str:
    word = LABELS.get(key)
    return translate(word, lang) if word is not None else key
