"""Bring a statistics store to the newest schema when it is opened (and by ``kiosk init-db``).

An empty database gets every revision; a database made before migrations existed (its tables,
no alembic_version) is completed to revision 0001 and adopted; a store at head is left alone.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from kiosk import schema_upgrade
from kiosk.statistics import schema

MIGRATIONS = Path(__file__).with_name("migrations")
ADOPTED_REVISION = "0001"  # the schema the store had when migrations were introduced


def head_revision() -> str:
    return schema_upgrade.head_revision(MIGRATIONS)


def upgrade(engine: sa.Engine) -> str:
    """Upgrade the store to head; returns what was done, in one line for the operator."""
    return schema_upgrade.upgrade(engine, MIGRATIONS, legacy_table="events", adopted_revision=ADOPTED_REVISION,
                                  complete_legacy=_complete_legacy)  # fmt: skip


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
