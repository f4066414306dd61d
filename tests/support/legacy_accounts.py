"""The staff accounts' file exactly as the code before migrations made it: its DDL, copied here
verbatim so these tests keep working whatever becomes of kiosk.staff.accounts."""

from __future__ import annotations

import sqlite3

from werkzeug.security import generate_password_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS staff (
    code TEXT PRIMARY KEY, pin_hash TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS shifts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, staff_code TEXT NOT NULL, venue TEXT NOT NULL,
    terminal_id TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, auto_closed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS managers (
    name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, failed INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT
);
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, staff_code TEXT NOT NULL, written_at TEXT NOT NULL, text TEXT NOT NULL
);
"""


def create_legacy_accounts(path, staff: dict[str, str] | None = None, managers: dict[str, str] | None = None) -> None:
    """The old file, with staff (code: PIN) and managers (name: password) as the old code stored
    them (scrypt hashes), and one open shift per staff member."""
    db = sqlite3.connect(path)
    try:
        db.executescript(SCHEMA)
        with db:
            for code, pin in (staff or {}).items():
                db.execute("INSERT INTO staff VALUES (?, ?, '2026-11-01T00:00:00+00:00')",
                           (code, generate_password_hash(pin, "scrypt")))  # fmt: skip
                db.execute("INSERT INTO shifts (staff_code, venue, terminal_id, started_at)"
                           " VALUES (?, '本庁舎', 'kiosk-1', '2026-11-24T00:00:00+00:00')", (code,))  # fmt: skip
            for name, password in (managers or {}).items():
                db.execute("INSERT INTO managers (name, password_hash) VALUES (?, ?)",
                           (name, generate_password_hash(password, "scrypt")))  # fmt: skip
    finally:
        db.close()
