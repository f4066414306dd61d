"""The store as it was before migrations: hash-chained events, the prune anchor, monthly sums.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

Frozen history: later changes go in new revisions, never here.
"""

import sqlalchemy as sa
from alembic import op

from kiosk.statistics.schema import APPEND_ONLY_TRIGGER

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Text, nullable=False, unique=True),
        sa.Column("terminal_id", sa.Text, nullable=False),
        sa.Column("venue", sa.Text, nullable=False),
        sa.Column("started_at", sa.Text, nullable=False),
        sa.Column("ended_at", sa.Text, nullable=False),
        sa.Column("duration_seconds", sa.Double().with_variant(sa.REAL(), "sqlite"), nullable=False),
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
        sa.Column("seq", BigId),
        sa.Column("prev_hash", sa.Text),
        sa.Column("row_hash", sa.Text),
        sqlite_autoincrement=True,
    )
    op.create_index("events_ended_at", "events", ["ended_at"])
    op.create_table(
        "chain_anchor",
        sa.Column("id", sa.Integer, sa.CheckConstraint("id = 1"), primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("row_hash", sa.Text, nullable=False),
    )
    op.create_table(
        "monthly_summary",
        *(sa.Column(name, sa.Text, primary_key=True)
          for name in ("month", "terminal_id", "venue", "outcome", "age_band", "new_card")),
        sa.Column("assisted", sa.Integer, primary_key=True),
        sa.Column("sessions", sa.Integer, nullable=False),
    )  # fmt: skip
    for statement in APPEND_ONLY_TRIGGER[op.get_bind().dialect.name]:
        op.execute(statement)
