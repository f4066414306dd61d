"""The statistics store's tables, declared once for SQLite and PostgreSQL.

The store's queries and the migrations' check (tests compare head with this) both read it; the
migrations themselves stay frozen history in ``migrations/versions``.
"""

from __future__ import annotations

import sqlalchemy as sa

# SQLite's AUTOINCREMENT needs exactly INTEGER; PostgreSQL gets 64-bit ids and sequence numbers.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Real = sa.Double().with_variant(sa.REAL(), "sqlite")

metadata = sa.MetaData()

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.Text, nullable=False, unique=True),
    sa.Column("terminal_id", sa.Text, nullable=False),
    sa.Column("venue", sa.Text, nullable=False),
    sa.Column("started_at", sa.Text, nullable=False),
    sa.Column("ended_at", sa.Text, nullable=False),
    sa.Column("duration_seconds", Real, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("pin_attempts", sa.Integer, nullable=False),
    sa.Column("tries_left_at_start", sa.Integer),
    sa.Column("new_card", sa.Integer),
    sa.Column("age_band", sa.Text),
    sa.Column("language", sa.Text, nullable=False),
    sa.Column("assisted", sa.Integer, nullable=False),
    sa.Column("options", sa.Text, nullable=False, server_default=""),
    sa.Column("holder_key", sa.Text, nullable=False),
    # The hash chain (see store.py): seq and prev_hash link each row to the one before.
    sa.Column("seq", BigId),
    sa.Column("prev_hash", sa.Text),
    sa.Column("row_hash", sa.Text),
    # HMAC of (seq, row_hash) under the terminal's seal key, which is never in the database.
    sa.Column("row_mac", sa.Text),
    # A demo or rehearsal visit (revision training_0001): left out of every report unless asked.
    sa.Column("training", sa.Integer, nullable=False, server_default="0"),
    # Helpers' pseudonyms, space-separated (revision onduty_0001): on duty when the visit ended,
    # and those who acted on it from the panel. NULL: none (or a row from before).
    sa.Column("staff_on_duty", sa.Text),
    sa.Column("acted_by", sa.Text),
    sa.Index("events_ended_at", "ended_at"),
    sqlite_autoincrement=True,
)

# After a prune, verification starts from the last pruned row's seq and hash (0/GENESIS: none).
chain_anchor = sa.Table(
    "chain_anchor",
    metadata,
    sa.Column("id", sa.Integer, sa.CheckConstraint("id = 1"), primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("row_hash", sa.Text, nullable=False),
    # HMAC of (seq, row_hash) under the pruning kiosk's seal key (revision anchor_0001), and that
    # kiosk's terminal id: a new anchor written by hand cannot drop rows unnoticed.
    sa.Column("anchor_mac", sa.Text),
    sa.Column("sealed_by", sa.Text),
)

# A row here, inside prune's own transaction, is the only way past the no-delete trigger.
chain_prune = sa.Table(
    "chain_prune",
    metadata,
    sa.Column("id", sa.Integer, sa.CheckConstraint("id = 1"), primary_key=True, autoincrement=False),
)

monthly_summary = sa.Table(
    "monthly_summary",
    metadata,
    sa.Column("month", sa.Text, primary_key=True),
    sa.Column("terminal_id", sa.Text, primary_key=True),
    sa.Column("venue", sa.Text, primary_key=True),
    sa.Column("outcome", sa.Text, primary_key=True),
    sa.Column("age_band", sa.Text, primary_key=True),
    sa.Column("new_card", sa.Text, primary_key=True),
    sa.Column("assisted", sa.Integer, primary_key=True),
    sa.Column("sessions", sa.Integer, nullable=False),
)

# Help a helper recorded on a visit, during or after it (the visit's own row is never changed):
# each row names the visit's event_id, what was recorded, the pseudonyms of the helpers on duty
# at the terminal and of the one who acted. Chained and sealed like the events (help.py).
help_records = sa.Table(
    "help_records",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("help_id", sa.Text, nullable=False, unique=True),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("terminal_id", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),  # assisted, self_service, category, age_band
    sa.Column("value", sa.Text, nullable=False, server_default=""),
    sa.Column("staff_on_duty", sa.Text, nullable=False, server_default=""),
    sa.Column("acted_by", sa.Text, nullable=False),
    sa.Column("seq", BigId, nullable=False),
    sa.Column("prev_hash", sa.Text, nullable=False),
    sa.Column("row_hash", sa.Text, nullable=False),
    sa.Column("row_mac", sa.Text),
    sa.Index("help_records_event", "event_id"),
    sqlite_autoincrement=True,
)

HELP_APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS help_no_update BEFORE UPDATE ON help_records\n"
        "BEGIN SELECT RAISE(ABORT, 'help records are append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS help_no_delete BEFORE DELETE ON help_records\n"
        "BEGIN SELECT RAISE(ABORT, 'help records are append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION help_append_only() RETURNS trigger LANGUAGE plpgsql AS\n"
        "$$ BEGIN RAISE EXCEPTION 'help records are append-only'; END $$",
        "DROP TRIGGER IF EXISTS help_no_change ON help_records",
        "CREATE TRIGGER help_no_change BEFORE UPDATE OR DELETE ON help_records"
        " FOR EACH ROW EXECUTE FUNCTION help_append_only()",
    ],
}

# Append-only is enforced by the database itself, so even a hand-run UPDATE is refused; the
# trigger language differs, so this stays DDL per dialect (issued by the migrations).
APPEND_ONLY_TRIGGER = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events\n"
        "BEGIN SELECT RAISE(ABORT, 'statistics events are append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS\n"
        "$$ BEGIN RAISE EXCEPTION 'statistics events are append-only'; END $$",
        "DROP TRIGGER IF EXISTS events_no_update ON events",
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
        " FOR EACH ROW EXECUTE FUNCTION events_append_only()",
    ],
}

# Rows leave only through prune, which folds them into monthly_summary and anchors the chain.
NO_DELETE_TRIGGER = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events\n"
        "WHEN NOT EXISTS (SELECT 1 FROM chain_prune)\n"
        "BEGIN SELECT RAISE(ABORT, 'statistics events are append-only (use kiosk stats prune)'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION events_no_delete() RETURNS trigger LANGUAGE plpgsql AS\n"
        "$$ BEGIN IF NOT EXISTS (SELECT 1 FROM chain_prune) THEN\n"
        "RAISE EXCEPTION 'statistics events are append-only (use kiosk stats prune)'; END IF;\n"
        "RETURN OLD; END $$",
        "DROP TRIGGER IF EXISTS events_no_delete ON events",
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
        " FOR EACH ROW EXECUTE FUNCTION events_no_delete()",
    ],
}
