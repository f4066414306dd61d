"""An installed kiosk upgrades its statistics store in place when it opens it (Alembic),
on a terminal's SQLite file and on a shared PostgreSQL alike."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kiosk.schema_upgrade import current_revision
from kiosk.statistics import migrate, schema
from kiosk.statistics.store import COLUMNS, StatsStore, row_hash
from tests.support.legacy_stats import (
    create_legacy_store,
    create_pre_chain_store,
    insert_chained,
    legacy_event,
    url_of,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    """An empty database: a SQLite file path, or a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "stats.sqlite3")
    return request.getfixturevalue("postgres").new_database()


def version(path_or_url) -> str | None:
    engine = sa.create_engine(url_of(path_or_url))
    with engine.connect() as db:
        found = current_revision(db)
    engine.dispose()
    return found


def columns(path_or_url) -> dict[str, list[tuple]]:
    """Each table's columns as (name, type, nullable, default), plus its primary key (SQLite
    calls an INTEGER PRIMARY KEY nullable; it never is, so key columns count as not null)."""
    engine = sa.create_engine(url_of(path_or_url))
    inspector = sa.inspect(engine)
    out = {}
    for table in ("events", "chain_anchor", "monthly_summary"):
        key = tuple(inspector.get_pk_constraint(table)["constrained_columns"])
        out[table] = [(c["name"], str(c["type"]), c["nullable"] and c["name"] not in key, c["default"])
                      for c in inspector.get_columns(table)]  # fmt: skip
        out[table].append(("pk", key))
    engine.dispose()
    return out


def test_a_store_made_before_migrations_keeps_every_row_and_its_chain(database):
    create_legacy_store(database)
    rows = [legacy_event(n) for n in range(5)]
    insert_chained(database, rows, row_hash)

    store = StatsStore(database)

    assert store.migration.startswith("adopted the existing store as revision 0001")
    assert [tuple(e[c] for c in COLUMNS) for e in store.events()] == rows
    report = store.verify()
    assert report.ok and report.rows == 5
    assert version(database) == migrate.head_revision()
    # The chain carries on across the upgrade, and rows stay append-only.
    store.append([legacy_event(6)])
    assert store.verify().ok and store.verify().rows == 6
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as db:
        db.exec_driver_sql("UPDATE events SET venue = 'x'")


def test_opening_a_store_at_head_again_changes_nothing(database):
    first = StatsStore(database)
    first.append([legacy_event(1)])
    head = first.head()

    again = StatsStore(database)

    assert first.migration == f"created at revision {migrate.head_revision()}"
    assert again.migration == f"already at revision {migrate.head_revision()}"
    assert again.head() == head and again.verify().rows == 1


def test_a_new_store_has_the_same_columns_as_one_made_before_migrations(database, tmp_path, request):
    if database.startswith("postgresql"):
        legacy = request.getfixturevalue("postgres").new_database()
    else:
        legacy = str(tmp_path / "legacy.sqlite3")
    create_legacy_store(legacy)

    StatsStore(database)
    StatsStore(legacy)  # adopted as 0001, then upgraded through the later revisions

    assert columns(database) == columns(legacy)


def test_the_migrations_at_head_match_the_declared_schema(database):
    store = StatsStore(database)
    with store.engine.connect() as db:
        differences = compare_metadata(MigrationContext.configure(db), schema.metadata)
    assert differences == []


def test_a_sqlite_store_from_before_the_chain_is_linked_and_adopted(tmp_path):
    path = tmp_path / "stats.sqlite3"
    rows = [legacy_event(n) for n in range(4)]
    create_pre_chain_store(path, rows)

    store = StatsStore(path)

    assert [tuple(e[c] for c in COLUMNS) for e in store.events()] == rows
    assert store.verify().ok and store.verify().rows == 4
    assert version(path) == migrate.head_revision()
    # The same columns as a new store's, though the added ones come last.
    unordered = {table: set(found) for table, found in columns(path).items()}
    assert unordered == {table: set(found) for table, found in columns(_made_by_new_code(tmp_path / "new")).items()}


def _made_by_new_code(path):
    StatsStore(path)
    return path


def test_terminals_opening_one_new_postgresql_store_at_once_all_start(postgres):
    url = postgres.new_database()
    opened, failed = [], []

    def open_store() -> None:
        try:
            opened.append(StatsStore(url).migration)
        except Exception as exc:  # noqa: BLE001 - the test reports whatever a terminal met
            failed.append(repr(exc))

    terminals = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in terminals:
        thread.start()
    for thread in terminals:
        thread.join(timeout=60)

    assert failed == []
    assert sorted(opened) == [f"already at revision {migrate.head_revision()}"] * 3 + [
        f"created at revision {migrate.head_revision()}"
    ]
