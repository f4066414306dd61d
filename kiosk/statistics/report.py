"""The monthly report for the subsidy claim (実績報告), from raw events and shifts.

Pure functions over plain rows: the dashboard, the printable report, its PDF, the summary CSV
and the CLI all take this one object, whose figures are counted once (figures.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from kiosk.i18n.code_words import AGE_BANDS, CARDS, OPTIONS, REASONS, code_word, language_name
from kiosk.settings import Claim
from kiosk.staff.shifts import Shift
from kiosk.statistics import figures as fig
from kiosk.statistics.claim import CaseLine, Hours, TerminalCost, case_lines, month_hours, terminal_cost
from kiosk.statistics.labels import label


@dataclass
class MonthlyReport:
    month: str
    figures: fig.Figures
    cases: list[CaseLine] = field(default_factory=list)
    hours_by_person: dict[str, Hours] = field(default_factory=dict)
    hours_by_venue: dict[str, Hours] = field(default_factory=dict)
    helper_hours: dict[tuple[str, dt.date], float] = field(default_factory=dict)  # (venue, day)
    terminal: TerminalCost = TerminalCost("purchase", 0)

    @property
    def amount_yen(self) -> int:
        return sum(line.amount_yen for line in self.cases)

    @property
    def total_hours(self) -> float:
        return round(sum(h.hours for h in self.hours_by_person.values()), 2)

    def rows(self, lang: str = "ja") -> list[tuple[str, str, float]]:
        """(section, item, value) rows for the summary CSV, in a stable order."""
        f = self.figures
        t = lambda key: label(key, lang)  # noqa: E731
        out: list[tuple[str, str, float]] = [
            (t("total"), t("sessions"), f.sessions),
            (t("total"), t("newly_registered"), f.newly_registered),
            (t("total"), t("already_registered"), f.already_registered),
            (t("total"), t("declined"), f.declined),
            (t("total"), t("not_completed"), f.not_completed_total),
            (t("total"), t("assisted"), f.assisted),
            (t("total"), t("distinct_residents"), f.residents),
            (t("total"), t("training_left_out"), f.training_left_out),
        ]
        categories = {line.category.id: line.category.label_ja if lang == "ja" else line.category.label_en
                      or line.category.id for line in self.cases}  # fmt: skip
        in_words = {"not_completed": lambda k: code_word(REASONS, k, lang), "by_venue": str,
                    "by_age_band": lambda k: code_word(AGE_BANDS, k, lang),
                    "by_language": lambda k: language_name(k, lang), "by_option": lambda k: code_word(OPTIONS, k, lang),
                    "by_card": lambda k: code_word(CARDS, k, lang), "by_day": str,
                    "by_category": lambda k: categories.get(k, str(k))}  # fmt: skip
        for section, say in in_words.items():
            counter = f.not_completed if section == "not_completed" else getattr(f, section)
            out += [(t(section), say(k), v) for k, v in sorted(counter.items(), key=lambda kv: str(kv[0]))]
        for line in self.cases:
            name = line.category.label_ja if lang == "ja" else line.category.label_en or line.category.id
            out += [(t("cases"), name, line.cases), (t("amount_yen"), name, line.amount_yen)]
        out.append((t("amount_yen"), t("total"), self.amount_yen))
        for who, h in self.hours_by_person.items():
            out.append((t("hours_by_person"), who + (f" ({t('auto_closed')} {h.auto_closed})" if h.auto_closed else ""),
                        h.hours))  # fmt: skip
        for venue, h in self.hours_by_venue.items():
            out.append((t("hours_by_venue"), venue, h.hours))
        out.append((t("terminal_cost"), t(self.terminal.kind), self.terminal.yen))
        return out


def summary_columns(lang: str = "ja") -> tuple[str, ...]:
    return tuple(label(c, lang) for c in ("month", "section", "item", "value"))


def summary_rows(report: MonthlyReport, lang: str = "ja") -> list[dict]:
    """The monthly summary CSV's rows (the manager's download and `kiosk stats report`)."""
    columns = summary_columns(lang)
    return [dict(zip(columns, (report.month, *row), strict=True)) for row in report.rows(lang)]


def month_bounds(month: str, tz: ZoneInfo) -> tuple[str, str]:
    """The local month as ISO UTC bounds (from, to excluded), for an indexed query."""
    first = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=tz)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return tuple(t.astimezone(dt.UTC).isoformat(timespec="seconds") for t in (first, following))  # type: ignore[return-value]


def monthly_report(
    events: Iterable[dict],
    shifts: Iterable[Shift],
    month: str,
    tz: ZoneInfo,
    now: dt.datetime,
    claim: Claim | None = None,
    include_training: bool = False,
    counted: fig.Figures | None = None,
) -> MonthlyReport:
    """``counted``: the month's figures already counted (the dashboard's cache); else ``events``."""
    claim = claim or Claim()
    figures = counted or fig.count(events, month, tz, include_training)
    person, venue, daily = month_hours(shifts, month, tz, now)
    return MonthlyReport(month, figures, case_lines(figures, claim), person, venue, daily, terminal_cost(claim))
