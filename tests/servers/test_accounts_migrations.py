"""The staff accounts' file upgrades in place when a kiosk opens it (Alembic), like the statistics."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kiosk.schema_upgrade import current_revision, head_revision
from kiosk.staff import schema
from kiosk.staff.accounts import MIGRATIONS, AccountStore
from tests.support.legacy_accounts import create_legacy_accounts

TABLES = ("staff", "shifts", "managers", "notes", "staff_actions", "sign_ins")
HEAD = head_revision(MIGRATIONS)


def described(path) -> dict[str, list[tuple]]:
    """Each table's columns (name, type, nullable, default) and primary key; SQLite calls an
    INTEGER PRIMARY KEY nullable though it never is, so key columns count as not null."""
    engine = sa.create_engine(f"sqlite:///{path}")
    inspector = sa.inspect(engine)
    out = {}
    for table in TABLES:
        key = tuple(inspector.get_pk_constraint(table)["constrained_columns"])
        out[table] = [(c["name"], str(c["type"]), c["nullable"] and c["name"] not in key, c["default"])
                      for c in inspector.get_columns(table)]  # fmt: skip
        out[table].append(("pk", key))
    engine.dispose()
    return out


def revision(path) -> str | None:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as db:
        found = current_revision(db)
    engine.dispose()
    return found


def test_accounts_made_before_migrations_still_sign_in_after_the_upgrade(tmp_path):
    path = tmp_path / "accounts.sqlite3"
    create_legacy_accounts(path, staff={"S01": "246813"}, managers={"kacho": "correct horse battery"})

    accounts = AccountStore(path)

    assert accounts.migration == f"adopted the existing store as revision 0001, now at {HEAD}"
    assert accounts.check_staff("S01", "246813") and not accounts.check_staff("S01", "135799")
    assert accounts.check_manager("kacho", "correct horse battery")
    assert [s.staff_code for s in accounts.shifts()] == ["S01"]
    assert revision(path) == HEAD


def test_accounts_opened_twice_are_left_alone_and_match_the_old_columns(tmp_path):
    first = AccountStore(tmp_path / "accounts.sqlite3")
    first.create_staff("S02", "135799")

    again = AccountStore(tmp_path / "accounts.sqlite3")

    assert first.migration == f"created at revision {HEAD}"
    assert again.migration == f"already at revision {HEAD}"
    assert again.check_staff("S02", "135799")
    create_legacy_accounts(tmp_path / "legacy.sqlite3")
    AccountStore(tmp_path / "legacy.sqlite3")  # adopted as 0001, then upgraded like the new one
    assert described(tmp_path / "accounts.sqlite3") == described(tmp_path / "legacy.sqlite3")


def test_the_accounts_migrations_at_head_match_the_declared_schema(tmp_path):
    AccountStore(tmp_path / "accounts.sqlite3")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'accounts.sqlite3'}")
    with engine.connect() as db:
        assert compare_metadata(MigrationContext.configure(db), schema.metadata) == []
    engine.dispose()

