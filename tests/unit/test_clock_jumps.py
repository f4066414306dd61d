"""The wall clock set back or forward: one journal line says so, and a visit across a month
boundary set back still makes one sane row in one month's report."""

from __future__ import annotations

import datetime as dt
import logging
import time
from zoneinfo import ZoneInfo

from kiosk.statistics.report import month_bounds, monthly_report
from kiosk.visit.clock_watch import ClockWatcher
from tests.support.terminal import settings, step, stored
from tests.support.waiting import wait_until

TOKYO = ZoneInfo("Asia/Tokyo")


class SetClock:
    """A wall clock an administrator can set: it runs with real time from ``start``."""

    def __init__(self, start: dt.datetime) -> None:
        self.offset = start.timestamp() - time.time()

    def __call__(self) -> float:
        return time.time() + self.offset


def test_a_jump_is_told_once_and_steady_time_never(caplog):
    wall, mono = [1_000_000.0], [50.0]
    watcher = ClockWatcher(lambda: wall[0], lambda: mono[0])
    caplog.set_level(logging.WARNING, "kiosk.visit.clock_watch")
    for _ in range(5):  # time passing, with NTP's slewing of a second
        wall[0] += 10.5
        mono[0] += 10.0
        assert watcher.check() == 0.0
    wall[0] -= 3600 - 1  # set back an hour, a second after the last check
    mono[0] += 1
    assert watcher.check() == -3600
    wall[0] += 1
    mono[0] += 1
    assert watcher.check() == 0.0  # told once, not on every check after it
    wall[0] += 86400 * 31
    assert watcher.check() > 0
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and "set back by 3600 s" in lines[0] and "set forward" in lines[1]


def test_a_visit_set_back_across_the_month_boundary_makes_one_sane_row_in_one_month(kiosk, make_card, caplog):
    wall = SetClock(dt.datetime(2026, 12, 1, 0, 0, 20, tzinfo=TOKYO))
    caplog.set_level(logging.WARNING, "kiosk.visit.clock_watch")
    terminal, reader = kiosk(settings=settings(), clock=wall)
    reader.insert(make_card("hanako"))
    wait_until(lambda: step(terminal) == ("consent", None), what="the consent screen")
    wall.offset -= 3600  # NTP's first sync sets it an hour back, into November
    wait_until(lambda: terminal.clock_watch.jumps == 1, what="the jump noticed")
    terminal.act("decline")
    reader.remove()
    (event,) = stored(terminal)

    (line,) = [r.getMessage() for r in caplog.records]
    assert "set back by 3600 s" in line
    assert 0 <= event["duration_seconds"] < 60 and event["started_at"] <= event["ended_at"]
    events = list(terminal.stats.events())
    now = dt.datetime(2026, 12, 2, tzinfo=TOKYO)
    november, december = (
        monthly_report(events, [], month, TOKYO, now, include_training=True) for month in ("2026-11", "2026-12")
    )
    assert (november.figures.sessions, december.figures.sessions) == (1, 0)  # where its end was stamped, once
    assert [e["event_id"] for e in terminal.stats.events(ended=month_bounds("2026-11", TOKYO))] == [event["event_id"]]
