"""The day's close-out for the paper file: the day's totals and the chain's head at the day's
end, signed with the terminal's key (``kiosk stats close-day``, the manager's close-out page).

A signed head on paper is what a rolled-back database cannot forge: ``kiosk stats verify
--head LINE`` later proves the chain still holds that row. The totals come from the same
function as the monthly report, so a day's paper and the month's claim cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.staff.shifts import Shift
from kiosk.statistics.help import events_with_help
from kiosk.statistics.report import monthly_report
from kiosk.statistics.seal import signed_head


@dataclass(frozen=True)
class DayClose:
    day: dt.date
    sessions: int
    registered: int
    assisted: int
    helper_hours: float
    by_outcome: dict[str, int]
    staff_actions: dict[str, int] = field(default_factory=dict)  # kind -> how many that day
    signed_head: str = ""  # one line for `kiosk stats verify --head`


def day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The local day as UTC instants (from, to excluded)."""
    start = dt.datetime.combine(day, dt.time(), tz)
    stop = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz)
    return start.astimezone(dt.UTC), stop.astimezone(dt.UTC)


def signed_head_before(store, folder: Path, label: str, before: dt.datetime) -> str:
    """The chain's head at ``before`` (UTC), signed by this terminal under ``label`` (a day)."""
    seq, row_hash = store.head_at(before)
    return signed_head(folder, label, seq, row_hash)


def close_day(store, shifts: Iterable[Shift], actions: Iterable[dict], folder: Path, day: dt.date, tz: ZoneInfo,
              now: dt.datetime) -> DayClose:  # fmt: skip
    """``store`` is the statistics store; ``actions`` the staff actions (acted_at in UTC ISO)."""
    start, stop = day_bounds(day, tz)
    bounds = tuple(t.isoformat(timespec="seconds") for t in (start, stop))
    report = monthly_report(events_with_help(store, bounds), shifts, day.strftime("%Y-%m"), tz, min(now, stop))
    figures = report.figures  # the same definitions as the month's claim (kiosk.statistics.figures)
    kinds = Counter(a["kind"] for a in actions if bounds[0] <= a["acted_at"] < bounds[1])
    outcomes = {"newly_registered": figures.newly_registered, "already_registered": figures.already_registered,
                "declined": figures.declined} | {f"not_completed: {r}": n for r, n in figures.not_completed.items()}
    return DayClose(
        day=day,
        sessions=figures.sessions,
        registered=figures.newly_registered,
        assisted=figures.assisted,
        helper_hours=round(sum(h for (_venue, d), h in report.helper_hours.items() if d == day), 2),
        by_outcome=dict(sorted((k, v) for k, v in outcomes.items() if v)),
        staff_actions=dict(sorted(kinds.items())),
        signed_head=signed_head_before(store, folder, day.isoformat(), stop),
    )
