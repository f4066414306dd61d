"""Alembic run from inside the package: each store ships its own ``migrations`` folder and is
brought to its newest revision when it is opened, with no alembic.ini in the current directory.

A database made before a store had migrations (its tables, no alembic_version) is adopted: the
store completes it to its first revision, which is then stamped, and upgraded from there.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

# Several terminals may open one PostgreSQL store at once: one of them migrates, the rest wait.
PG_LOCK_KEY = 0x6B696F736B  # "kiosk"


def head_revision(migrations: Path) -> str:
    return ScriptDirectory(str(migrations)).get_current_head()


def current_revision(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(
    engine: sa.Engine,
    migrations: Path,
    *,
    legacy_table: str,
    adopted_revision: str,
    complete_legacy: Callable[[sa.Connection], None] = lambda db: None,
) -> str:
    """Upgrade to head in one transaction; returns what was done, in one line for the operator.
    ``legacy_table`` present without alembic_version means a store from before migrations."""
    with engine.begin() as db:
        if db.dialect.name == "postgresql":
            db.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK_KEY})")
        config = Config()
        config.set_main_option("script_location", str(migrations))
        config.attributes["connection"] = db  # env.py runs on this connection and transaction
        before = current_revision(db)
        adopted = before is None and sa.inspect(db).has_table(legacy_table)
        if adopted:
            complete_legacy(db)
            command.stamp(config, adopted_revision)
            before = adopted_revision
        command.upgrade(config, "head")
        after = current_revision(db)
    if adopted:
        return f"adopted the existing store as revision {adopted_revision}, now at {after}"
    if before is None:
        return f"created at revision {after}"
    if before != after:
        return f"upgraded from revision {before} to {after}"
    return f"already at revision {after}"
