"""The monthly figures for the subsidy claim (実績報告の基礎資料), from raw events and shifts.

Pure functions over plain rows: the dashboard, the printable report, the CSV and the CLI all
use these, so their totals cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from kiosk.staff.shifts import Shift, helper_hours

REGISTERED = ("registered", "already_registered")


@dataclass
class MonthlyReport:
    month: str
    sessions: int = 0
    registered: int = 0
    by_outcome: Counter = field(default_factory=Counter)
    by_venue: Counter = field(default_factory=Counter)
    registered_by_venue: Counter = field(default_factory=Counter)
    by_age_band: Counter = field(default_factory=Counter)
    by_card: Counter = field(default_factory=Counter)
    by_assistance: Counter = field(default_factory=Counter)
    by_day: Counter = field(default_factory=Counter)
    cases: Counter = field(default_factory=Counter)  # registered cases per support category
    by_help_category: Counter = field(default_factory=Counter)  # visits per [[claim.categories]] id a helper recorded
    residents: int = 0  # distinct pseudonymous holders (repeat visits counted once)
    helper_hours: dict[tuple[str, dt.date], float] = field(default_factory=dict)

    def rows(self) -> list[tuple[str, str, float]]:
        """(category, key, value) rows for the summary CSV, in a stable order."""
        out: list[tuple[str, str, float]] = [
            ("total", "sessions", self.sessions),
            ("total", "registered", self.registered),
            ("total", "distinct_residents", self.residents),
        ]
        for name in (
            "by_outcome",
            "by_venue",
            "registered_by_venue",
            "by_age_band",
            "by_card",
            "by_assistance",
            "by_day",
            "cases",
            "by_help_category",
        ):
            out += [(name, str(k), v) for k, v in sorted(getattr(self, name).items(), key=lambda kv: str(kv[0]))]
        out += [
            ("helper_hours", f"{venue} {day.isoformat()}", round(h, 2))
            for (venue, day), h in sorted(self.helper_hours.items())
        ]
        return out


SUMMARY_COLUMNS = ("month", "category", "key", "value")


def summary_rows(report: MonthlyReport) -> list[dict]:
    """The monthly summary CSV's rows (the manager's download and `kiosk stats report`)."""
    return [dict(zip(SUMMARY_COLUMNS, (report.month, *row), strict=True)) for row in report.rows()]


def month_bounds(month: str, tz: ZoneInfo) -> tuple[str, str]:
    """The local month as ISO UTC bounds (from, to excluded), for an indexed query."""
    first = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=tz)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return tuple(t.astimezone(dt.UTC).isoformat(timespec="seconds") for t in (first, following))  # type: ignore[return-value]


def monthly_report(
    events: Iterable[dict], shifts: Iterable[Shift], month: str, tz: ZoneInfo, now: dt.datetime
) -> MonthlyReport:
    report = MonthlyReport(month)
    holders = set()
    for e in events:
        local_end = dt.datetime.fromisoformat(e["ended_at"]).astimezone(tz)
        if local_end.strftime("%Y-%m") != month:
            continue
        report.sessions += 1
        ok = e["outcome"] in REGISTERED
        report.by_outcome[e["reason"] if e["outcome"] == "not_completed" and e["reason"] else e["outcome"]] += 1
        report.by_venue[e["venue"]] += 1
        band = e["age_band"] or "unknown"
        report.by_age_band[band] += 1
        new = e["new_card"]
        report.by_card["new" if str(new) == "1" else "existing" if str(new) == "0" else "unknown"] += 1
        assisted = str(e["assisted"]) == "1"
        report.by_assistance["assisted" if assisted else "self_service"] += 1
        report.by_day[local_end.date().isoformat()] += 1
        for category in (e.get("help_categories") or "").split():  # folded in by statistics.help
            report.by_help_category[category] += 1
        if ok:
            report.registered += 1
            report.registered_by_venue[e["venue"]] += 1
            report.cases[f"age {band}"] += 1
            report.cases["assisted (申請サポート)" if assisted else "self-service"] += 1
        if e["holder_key"]:
            holders.add(e["holder_key"])
    report.residents = len(holders)
    report.helper_hours = {
        key: h for key, h in helper_hours(shifts, tz, now).items() if key[1].strftime("%Y-%m") == month
    }
    return report
