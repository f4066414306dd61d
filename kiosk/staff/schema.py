"""The staff accounts' tables (a SQLite file on each terminal), declared once.

accounts.py queries them; the migrations in ``migrations/versions`` are frozen history, and a
test checks that head matches this.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

staff = sa.Table(
    "staff",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("pin_hash", sa.Text, nullable=False),  # scrypt: a PIN is never stored
    sa.Column("created_at", sa.Text, nullable=False),
    # Lock-out after wrong PINs, kept here so a restart does not reopen it (staff migration 0003).
    sa.Column("failed", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("locked_until", sa.Text),
    # The name staff actions are recorded under: random, so the record never spells a staff code.
    sa.Column("pseudonym", sa.Text),
)

shifts = sa.Table(
    "shifts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("staff_code", sa.Text, nullable=False),
    sa.Column("venue", sa.Text, nullable=False),
    sa.Column("terminal_id", sa.Text, nullable=False),
    sa.Column("started_at", sa.Text, nullable=False),
    sa.Column("ended_at", sa.Text),
    sa.Column("auto_closed", sa.Integer, nullable=False, server_default=sa.text("0")),
    # HMAC of the shift under the statistics seal key: its hours count in the subsidy report.
    sa.Column("shift_mac", sa.Text),
    sqlite_autoincrement=True,
)

managers = sa.Table(
    "managers",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("failed", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("locked_until", sa.Text),
)

notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("staff_code", sa.Text, nullable=False),
    sa.Column("written_at", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sqlite_autoincrement=True,
)

# Every helper action that changes a visit or its statistics, chained and sealed like the
# events (kiosk/staff/actions.py); rows are never updated or deleted (triggers, migration 0003).
staff_actions = sa.Table(
    "staff_actions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("seq", sa.Integer, nullable=False, unique=True),
    sa.Column("acted_at", sa.Text, nullable=False),
    sa.Column("terminal_id", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),  # the account's pseudonym, never its code
    sa.Column("visit_id", sa.Text),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("value", sa.Text),
    sa.Column("prev_hash", sa.Text, nullable=False),
    sa.Column("row_hash", sa.Text, nullable=False),
    sa.Column("row_mac", sa.Text),
    sqlite_autoincrement=True,
)

# SQLite DDL (the accounts file is always SQLite): the record is append-only, even by hand.
ACTIONS_APPEND_ONLY = [
    "CREATE TRIGGER IF NOT EXISTS staff_actions_no_update BEFORE UPDATE ON staff_actions\n"
    "BEGIN SELECT RAISE(ABORT, 'staff actions are append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS staff_actions_no_delete BEFORE DELETE ON staff_actions\n"
    "BEGIN SELECT RAISE(ABORT, 'staff actions are append-only'); END",
]

# Staff and manager sign-ins (kiosk/web/sessions.py): kept here so a restart signs nobody out
# and a cookie revoked at sign-out stays revoked. The cookie's token is stored only as its
# SHA-256: a copy of this file opens no session.
sign_ins = sa.Table(
    "sign_ins",
    metadata,
    sa.Column("token_hash", sa.Text, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),  # 'staff' or 'manager'
    sa.Column("who", sa.Text, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),  # Unix time
    sa.Column("idle_seconds", sa.Float),  # renewed on use by this much; NULL: fixed from sign-in
)
