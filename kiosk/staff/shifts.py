"""Helper shifts and the hours they count for the subsidy claim (支援職員の人件費)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Shift:
    staff_code: str
    venue: str
    started_at: dt.datetime  # aware
    ended_at: dt.datetime | None  # None: still open
    auto_closed: bool = False


def split_by_day(start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> dict[dt.date, float]:
    """Hours of [start, end) on each local calendar day (a night shift counts on both days)."""
    hours: dict[dt.date, float] = defaultdict(float)
    cursor = start.astimezone(tz)
    end = end.astimezone(tz)
    while cursor < end:
        next_midnight = dt.datetime.combine(cursor.date() + dt.timedelta(days=1), dt.time(), tz)
        stop = min(end, next_midnight)
        hours[cursor.date()] += (stop - cursor).total_seconds() / 3600
        cursor = stop
    return dict(hours)


def helper_hours(shifts: Iterable[Shift], tz: ZoneInfo, now: dt.datetime) -> dict[tuple[str, dt.date], float]:
    """(venue, local day) → helper hours; an open shift counts up to ``now``."""
    totals: dict[tuple[str, dt.date], float] = defaultdict(float)
    for shift in shifts:
        for day, h in split_by_day(shift.started_at, shift.ended_at or now, tz).items():
            totals[(shift.venue, day)] += h
    return dict(totals)
