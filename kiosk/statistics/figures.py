"""One definition of each figure the subsidy claim counts, over plain event rows.

Every total the manager sees (dashboard, printable 実績報告, summary CSV, `kiosk stats report`)
is counted here and nowhere else, so no two of them can disagree about what 'registered' means.
'Newly registered' is only a visit whose card the service registered today: a card that already
was registered is its own figure (the claim pays for new registrations, not for look-ups).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

NEWLY_REGISTERED = "registered"
ALREADY_REGISTERED = "already_registered"
DECLINED = "declined"
NOT_COMPLETED = "not_completed"
UNKNOWN = "unknown"


def _flag(value: object) -> bool:
    """0/1 flags come back as int (SQLite), bool or text (a CSV read back)."""
    return str(value).strip().lower() in ("1", "true")


def is_training(event: dict) -> bool:
    """Demo and rehearsal visits: never a claimed case unless the manager asks for them."""
    return _flag(event.get("training", 0))


def is_assisted(event: dict) -> bool:
    return _flag(event.get("assisted", 0))


def age_band(event: dict) -> str:
    return event.get("age_band") or UNKNOWN


def language(event: dict) -> str:
    return event.get("language") or UNKNOWN


def display_options(event: dict) -> list[str]:
    """Display and voice options the resident used (stored space-separated)."""
    return sorted(set((event.get("options") or "").split()))


def card_kind(event: dict) -> str:
    new = event.get("new_card")
    if new is None or new == "":
        return UNKNOWN
    return "new" if _flag(new) else "existing"


def categories(event: dict) -> list[str]:
    """The support categories (claim.categories ids) a helper recorded for this visit: sealed
    help rows folded into the event by kiosk.statistics.help.fold_help (space-separated)."""
    return sorted(set((event.get("help_categories") or "").split()))


def local_end(event: dict, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.fromisoformat(event["ended_at"]).astimezone(tz)


@dataclass
class Figures:
    """The month's counted visits. Training visits are left out unless asked for, and then
    ``included_training`` says so on every output."""

    month: str
    included_training: bool = False
    sessions: int = 0
    newly_registered: int = 0
    already_registered: int = 0
    declined: int = 0
    not_completed: Counter = field(default_factory=Counter)  # by reason
    assisted: int = 0
    training_left_out: int = 0
    by_age_band: Counter = field(default_factory=Counter)
    by_language: Counter = field(default_factory=Counter)
    by_option: Counter = field(default_factory=Counter)
    by_venue: Counter = field(default_factory=Counter)
    newly_registered_by_venue: Counter = field(default_factory=Counter)
    by_card: Counter = field(default_factory=Counter)
    by_day: Counter = field(default_factory=Counter)
    by_category: Counter = field(default_factory=Counter)  # cases per support category
    residents: int = 0  # distinct pseudonymous holders (repeat visits counted once)
    rows: tuple[int, int] | None = None  # (first, last) chain seq of the month's rows, training too
    holders: set[str] = field(default_factory=set, repr=False)  # to count residents once

    @property
    def not_completed_total(self) -> int:
        return sum(self.not_completed.values())


def count(
    events: Iterable[dict], month: str, tz: ZoneInfo, include_training: bool = False, into: Figures | None = None
) -> Figures:
    """The figures of the visits that ended in local ``month`` (YYYY-MM); ``into``: figures
    already counted from earlier rows, to go on from (the dashboard's cache, month_cache.py)."""
    figures = into or Figures(month, included_training=include_training)
    holders = figures.holders
    for e in events:
        end = local_end(e, tz)
        if end.strftime("%Y-%m") != month:
            continue
        if e.get("seq") is not None:
            seq = int(e["seq"])
            figures.rows = (min(seq, figures.rows[0]), max(seq, figures.rows[1])) if figures.rows else (seq, seq)
        if is_training(e) and not include_training:
            figures.training_left_out += 1
            continue
        figures.sessions += 1
        outcome = e["outcome"]
        if outcome == NEWLY_REGISTERED:
            figures.newly_registered += 1
            figures.newly_registered_by_venue[e["venue"]] += 1
        elif outcome == ALREADY_REGISTERED:
            figures.already_registered += 1
        elif outcome == DECLINED:
            figures.declined += 1
        else:
            figures.not_completed[e.get("reason") or UNKNOWN] += 1
        figures.assisted += is_assisted(e)
        figures.by_age_band[age_band(e)] += 1
        figures.by_language[language(e)] += 1
        figures.by_option.update(display_options(e))
        figures.by_venue[e["venue"]] += 1
        figures.by_card[card_kind(e)] += 1
        figures.by_day[end.date().isoformat()] += 1
        figures.by_category.update(categories(e))
        if e.get("holder_key"):
            holders.add(e["holder_key"])
    figures.residents = len(holders)
    return figures
