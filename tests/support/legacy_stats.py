"""A statistics store exactly as the code before migrations made it: its DDL, copied here
verbatim so these tests keep working whatever becomes of kiosk.statistics.store."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE, terminal_id TEXT NOT NULL, venue TEXT NOT NULL,
    started_at TEXT NOT NULL, ended_at TEXT NOT NULL, duration_seconds REAL NOT NULL,
    outcome TEXT NOT NULL, reason TEXT, pin_attempts INTEGER NOT NULL, tries_left_at_start INTEGER,
    new_card INTEGER, age_band TEXT, language TEXT NOT NULL, assisted INTEGER NOT NULL,
    options TEXT NOT NULL DEFAULT '', holder_key TEXT NOT NULL,
    seq INTEGER, prev_hash TEXT, row_hash TEXT
);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'statistics events are append-only'); END;
"""
POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id BIGSERIAL PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE, terminal_id TEXT NOT NULL, venue TEXT NOT NULL,
    started_at TEXT NOT NULL, ended_at TEXT NOT NULL, duration_seconds DOUBLE PRECISION NOT NULL,
    outcome TEXT NOT NULL, reason TEXT, pin_attempts INTEGER NOT NULL, tries_left_at_start INTEGER,
    new_card INTEGER, age_band TEXT, language TEXT NOT NULL, assisted INTEGER NOT NULL,
    options TEXT NOT NULL DEFAULT '', holder_key TEXT NOT NULL,
    seq BIGINT, prev_hash TEXT, row_hash TEXT
);
CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'statistics events are append-only'; END $$;
DROP TRIGGER IF EXISTS events_no_update ON events;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION events_append_only();
"""
COMMON_SCHEMA = """
CREATE INDEX IF NOT EXISTS events_ended_at ON events (ended_at);
CREATE TABLE IF NOT EXISTS chain_anchor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,       -- the last pruned row's seq (0: nothing pruned)
    row_hash TEXT NOT NULL      -- and its hash: verification starts from here
);
CREATE TABLE IF NOT EXISTS monthly_summary (
    month TEXT NOT NULL, terminal_id TEXT NOT NULL, venue TEXT NOT NULL,
    outcome TEXT NOT NULL, age_band TEXT NOT NULL, new_card TEXT NOT NULL, assisted INTEGER NOT NULL,
    sessions INTEGER NOT NULL,
    PRIMARY KEY (month, terminal_id, venue, outcome, age_band, new_card, assisted)
);
"""


def url_of(path_or_url) -> str:
    target = str(path_or_url)
    return target if "://" in target else f"sqlite:///{target}"


def create_legacy_store(path_or_url) -> None:
    """Today's tables, made the way today's code made them (scripts run whole)."""
    engine = sa.create_engine(url_of(path_or_url))
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "sqlite":
            raw.executescript(SQLITE_SCHEMA + COMMON_SCHEMA)
        else:
            with raw.cursor() as cursor:
                cursor.execute(POSTGRES_SCHEMA + COMMON_SCHEMA)
        raw.commit()
    finally:
        raw.close()
        engine.dispose()


def legacy_event(number: int) -> tuple:
    """One finished session's values, in the store's column order (before the chain columns)."""
    minute = f"{number:02d}"
    return (str(uuid.uuid4()), "kiosk-1", "本庁舎", f"2026-11-05T01:{minute}:00+00:00",
            f"2026-11-05T01:{minute}:30+00:00", 30.5, "registered", None, 1, 3, 1, "75+", "ja", 0,
            "", uuid.uuid4().hex)  # fmt: skip


def insert_chained(path_or_url, rows: list[tuple], link) -> None:
    """Insert rows with the chain columns the old code wrote (``link`` is the chain's hash)."""
    columns = ("event_id", "terminal_id", "venue", "started_at", "ended_at", "duration_seconds", "outcome",
               "reason", "pin_attempts", "tries_left_at_start", "new_card", "age_band", "language", "assisted",
               "options", "holder_key", "seq", "prev_hash", "row_hash")  # fmt: skip
    insert = sa.text(f"INSERT INTO events ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})")
    engine = sa.create_engine(url_of(path_or_url))
    prev = "0" * 64
    with engine.begin() as db:
        for seq, values in enumerate(rows, start=1):
            row_hash = link(prev, seq, values)
            db.execute(insert, dict(zip(columns, (*values, seq, prev, row_hash), strict=True)))
            prev = row_hash
    engine.dispose()


# The first SQLite stores, from before the hash chain and the options column.
PRE_CHAIN_SQLITE_SCHEMA = """
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE, terminal_id TEXT NOT NULL, venue TEXT NOT NULL,
    started_at TEXT NOT NULL, ended_at TEXT NOT NULL, duration_seconds REAL NOT NULL,
    outcome TEXT NOT NULL, reason TEXT, pin_attempts INTEGER NOT NULL, tries_left_at_start INTEGER,
    new_card INTEGER, age_band TEXT, language TEXT NOT NULL, assisted INTEGER NOT NULL,
    holder_key TEXT NOT NULL
);
"""


def create_pre_chain_store(path, rows: list[tuple]) -> None:
    """A SQLite file from before the chain, holding ``rows`` (legacy_event values; options unused)."""
    import sqlite3

    with sqlite3.connect(path) as db:
        db.executescript(PRE_CHAIN_SQLITE_SCHEMA)
        db.executemany("INSERT INTO events (event_id, terminal_id, venue, started_at, ended_at, duration_seconds,"
                       " outcome, reason, pin_attempts, tries_left_at_start, new_card, age_band, language, assisted,"
                       " holder_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [row[:14] + row[15:] for row in rows])  # fmt: skip
    db.close()
