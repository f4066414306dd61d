"""The statistics store: one row per finished session, no personal data (番号法).

Columns are the subsidy report's needs and nothing more: no name, address, birth date,
個人番号, PIN or certificate; the holder is a keyed pseudonym for counting repeat visits.
"""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from kiosk.flow import SessionSummary

COLUMNS = (
    "event_id",
    "terminal_id",
    "venue",
    "started_at",
    "ended_at",
    "duration_seconds",
    "outcome",
    "reason",
    "pin_attempts",
    "tries_left_at_start",
    "new_card",
    "age_band",
    "language",
    "assisted",
    "options",
    "holder_key",
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    terminal_id TEXT NOT NULL,
    venue TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    duration_seconds REAL NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT,
    pin_attempts INTEGER NOT NULL,
    tries_left_at_start INTEGER,
    new_card INTEGER,
    age_band TEXT,
    language TEXT NOT NULL,
    assisted INTEGER NOT NULL,
    options TEXT NOT NULL DEFAULT '',
    holder_key TEXT NOT NULL
);
"""


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")


class StatsStore:
    """A SQLite file in the instance folder, in WAL mode so a crash loses no committed row."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        db = self._connect()
        try:
            db.executescript(SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(events)")}
            if "options" not in columns:  # a store made before display options existed
                db.execute("ALTER TABLE events ADD COLUMN options TEXT NOT NULL DEFAULT ''")
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db

    def record(self, summary: SessionSummary, terminal_id: str, venue: str) -> str:
        event_id = str(uuid.uuid4())
        row = (
            event_id,
            terminal_id,
            venue,
            _iso(summary.started_at),
            _iso(summary.ended_at),
            round(summary.ended_at - summary.started_at, 3),
            summary.outcome.value,
            summary.reason.value if summary.reason else None,
            summary.pin_attempts,
            summary.tries_left_at_start,
            None if summary.new_card is None else int(summary.new_card),
            summary.age_band,
            summary.language,
            int(summary.assisted),
            " ".join(sorted(summary.options)),
            summary.holder_key,
        )
        db = self._connect()
        try:
            with db:
                db.execute(f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", row)
        finally:
            db.close()
        return event_id

    def events(self) -> Iterator[dict]:
        db = self._connect()
        db.row_factory = sqlite3.Row
        try:
            for row in db.execute(f"SELECT {', '.join(COLUMNS)} FROM events ORDER BY id"):
                yield dict(row)
        finally:
            db.close()

    def export_csv(self, out: TextIO) -> int:
        """Write every event as CSV (header first); return the number of rows."""
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        count = 0
        for event in self.events():
            writer.writerow(event)
            count += 1
        return count
