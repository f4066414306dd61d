"""The dashboard's month figures, counted once and then brought up to date from new rows only.

Rows are append-only, so a month's figures counted up to row id N stay true; the next load
counts only the rows stored after N (a few, between two loads) with the same `figures.count`.
A prune moves the chain's anchor and empties the cache for that store. Help recorded after a
visit (kiosk.statistics.help) changes an older row's figures: a new help row recounts the month.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from kiosk.statistics import figures as fig
from kiosk.statistics.help import HelpLedger, fold_help
from kiosk.statistics.report import month_bounds
from kiosk.statistics.store import COLUMNS, StatsStore

_SELECT = f"SELECT id, {', '.join(COLUMNS)}, training FROM events"


@dataclass(frozen=True)
class _Counted:
    anchor: int
    help_seq: int
    last_id: int
    figures: fig.Figures


class MonthFigures:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards the dict only: queries and counting run outside it
        self._counted: dict[tuple, _Counted] = {}

    def figures(self, store: StatsStore, month: str, tz: ZoneInfo, include_training: bool = False) -> fig.Figures:
        key = (store.path, month, str(tz), include_training)
        with self._lock:
            cached = self._counted.get(key)
        with store.engine.connect() as db:  # one read transaction: the rows and the last id agree
            anchor = int(db.exec_driver_sql("SELECT seq FROM chain_anchor WHERE id = 1").scalar() or 0)
            help_seq = int(db.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM help_records").scalar())
            if cached is not None and (cached.anchor, cached.help_seq) == (anchor, help_seq):
                rows = db.execute(sa.text(f"{_SELECT} WHERE id > :last ORDER BY id"), {"last": cached.last_id})
                start, last = copy.deepcopy(cached.figures), cached.last_id
            else:
                last = int(db.exec_driver_sql("SELECT coalesce(max(id), 0) FROM events").scalar())
                bounds = month_bounds(month, tz)
                rows = db.execute(
                    sa.text(f"{_SELECT} WHERE ended_at >= :start AND ended_at < :stop AND id <= :last ORDER BY id"),
                    {"start": bounds[0], "stop": bounds[1], "last": last},
                )
                start = None
            events = [dict(r) for r in rows.mappings()]
        events = list(fold_help(events, HelpLedger(store).rows(e["event_id"] for e in events)))
        counted = fig.count(events, month, tz, include_training, into=start)
        last = max([last, *(e["id"] for e in events)])
        with self._lock:
            self._counted[key] = _Counted(anchor, help_seq, last, copy.deepcopy(counted))
        return counted


MONTHS = MonthFigures()  # one per process: the manager's pages share it
