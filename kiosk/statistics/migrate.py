"""Bring a statistics store to the newest schema when it is opened (and by ``kiosk init-db``).

An installed kiosk upgrades its own store in place: an empty database gets every revision, a
database made before migrations existed (its tables, no alembic_version) is adopted as
revision 0001 first, and a store already at head is left alone.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from kiosk.statistics import schema

MIGRATIONS = Path(__file__).with_name("migrations")
ADOPTED_REVISION = "0001"  # the schema the store had when migrations were introduced
# Several terminals may open one PostgreSQL store at once: one of them migrates, the rest wait.
PG_LOCK_KEY = 0x6B696F736B  # "kiosk"


def _config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def current_revision(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: sa.Engine) -> str:
    """Upgrade the store to head; returns what was done, in one line for the operator."""
    with engine.begin() as db:
        if db.dialect.name == "postgresql":
            db.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK_KEY})")
        tables = set(sa.inspect(db).get_table_names())
        before = current_revision(db)
        config = _config(db)
        adopted = before is None and "events" in tables
        if adopted:
            _complete_legacy(db)
            command.stamp(config, ADOPTED_REVISION)
            before = ADOPTED_REVISION
        command.upgrade(config, "head")
        after = current_revision(db)
    if adopted:
        return f"adopted the existing store as revision {ADOPTED_REVISION}, now at {after}"
    if before is None:
        return f"created at revision {after}"
    if before != after:
        return f"upgraded from revision {before} to {after}"
    return f"already at revision {after}"


def _complete_legacy(db: sa.Connection) -> None:
    """A store from before migrations may predate the chain (SQLite only): give it revision
    0001's columns, links, tables, index and trigger, so the stamp tells the truth."""
    columns = {c["name"] for c in sa.inspect(db).get_columns("events")}
    if "row_hash" not in columns:
        _link_old_rows(db, columns)
    schema.metadata.create_all(db, checkfirst=True)
    for index in schema.events.indexes:
        index.create(db, checkfirst=True)
    if db.dialect.name == "sqlite":  # PostgreSQL stores were created with their trigger
        for statement in schema.APPEND_ONLY_TRIGGER["sqlite"]:
            db.exec_driver_sql(statement)


def _link_old_rows(db: sa.Connection, columns: set[str]) -> None:
    from kiosk.statistics.store import COLUMNS, GENESIS, row_hash

    if "options" not in columns:
        db.exec_driver_sql("ALTER TABLE events ADD COLUMN options TEXT NOT NULL DEFAULT ''")
    for column, kind in (("seq", "INTEGER"), ("prev_hash", "TEXT"), ("row_hash", "TEXT")):
        db.exec_driver_sql(f"ALTER TABLE events ADD COLUMN {column} {kind}")
    prev, seq = GENESIS, 0
    for row in db.exec_driver_sql(f"SELECT id, {', '.join(COLUMNS)} FROM events ORDER BY id").fetchall():
        seq += 1
        link = row_hash(prev, seq, tuple(row[1:]))
        db.execute(
            sa.text("UPDATE events SET seq = :seq, prev_hash = :prev, row_hash = :link WHERE id = :id"),
            {"seq": seq, "prev": prev, "link": link, "id": row[0]},
        )
        prev = link
