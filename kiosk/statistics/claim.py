"""Money and hours of the subsidy claim: cases × unit price, helper hours, the terminal's cost.

Pure functions over the counted figures (figures.py), the shifts and the [claim] settings.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kiosk.settings import Claim, ClaimCategory
from kiosk.staff.shifts import Shift, split_by_day
from kiosk.statistics.figures import Figures

# Category ids that count themselves from the visit's outcome; any other id counts the visits
# a helper recorded it on (figures.categories).
AUTOMATIC = {
    "newly_registered": lambda f: f.newly_registered,
    "already_registered": lambda f: f.already_registered,
    "assisted": lambda f: f.assisted,
}


def recorded_by_helpers(claim: Claim) -> tuple[ClaimCategory, ...]:
    """The categories a helper records on a visit (the panel's list): all but AUTOMATIC."""
    return tuple(c for c in claim.categories if c.id not in AUTOMATIC)


@dataclass(frozen=True)
class CaseLine:
    category: ClaimCategory
    cases: int

    @property
    def amount_yen(self) -> int:
        return self.cases * self.category.unit_price_yen


def case_lines(figures: Figures, claim: Claim) -> list[CaseLine]:
    """One line per configured category, in the configured order."""
    lines = []
    for category in claim.categories:
        counted = AUTOMATIC.get(category.id)
        cases = counted(figures) if counted else figures.by_category.get(category.id, 0)
        lines.append(CaseLine(category, cases))
    return lines


@dataclass(frozen=True)
class Hours:
    hours: float
    auto_closed: int  # shifts nobody signed out of, closed at shift_close_time: check them


def month_hours(
    shifts: Iterable[Shift], month: str, tz: ZoneInfo, now: dt.datetime
) -> tuple[dict[str, Hours], dict[str, Hours], dict[tuple[str, dt.date], float]]:
    """(per person, per venue, per venue and local day) helper hours inside local ``month``;
    an open shift counts up to ``now``, a night shift on both days."""
    person: dict[str, list] = defaultdict(lambda: [0.0, 0])
    venue: dict[str, list] = defaultdict(lambda: [0.0, 0])
    daily: dict[tuple[str, dt.date], float] = defaultdict(float)
    for shift in shifts:
        days = {d: h for d, h in split_by_day(shift.started_at, shift.ended_at or now, tz).items()
                if d.strftime("%Y-%m") == month}  # fmt: skip
        if not days:
            continue
        total = sum(days.values())
        for key, table in ((shift.staff_code, person), (shift.venue, venue)):
            table[key][0] += total
            table[key][1] += int(shift.auto_closed)
        for d, h in days.items():
            daily[(shift.venue, d)] += h
    as_hours = lambda t: {k: Hours(round(h, 2), n) for k, (h, n) in sorted(t.items())}  # noqa: E731
    return as_hours(person), as_hours(venue), dict(daily)


@dataclass(frozen=True)
class TerminalCost:
    kind: str  # "lease" (per month) or "purchase"
    yen: int


def terminal_cost(claim: Claim) -> TerminalCost:
    """A lease is claimed every month; a purchase price is shown as the cost line as it is."""
    if claim.terminal_lease_yen_per_month:
        return TerminalCost("lease", claim.terminal_lease_yen_per_month)
    return TerminalCost("purchase", claim.terminal_purchase_yen)
