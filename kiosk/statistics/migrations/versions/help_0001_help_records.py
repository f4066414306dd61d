"""Help recorded on a visit, during or after it: its own append-only, sealed table.

Revision ID: help_0001
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from kiosk.statistics.schema import HELP_APPEND_ONLY

revision = "help_0001"
down_revision = "training_0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("help_records"):
        return  # an adopted pre-migration store got every declared table already
    op.create_table(
        "help_records",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("help_id", sa.Text, nullable=False, unique=True),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("terminal_id", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False, server_default=""),
        sa.Column("staff_on_duty", sa.Text, nullable=False, server_default=""),
        sa.Column("acted_by", sa.Text, nullable=False),
        sa.Column("seq", BigId, nullable=False),
        sa.Column("prev_hash", sa.Text, nullable=False),
        sa.Column("row_hash", sa.Text, nullable=False),
        sa.Column("row_mac", sa.Text),
        sqlite_autoincrement=True,
    )
    op.create_index("help_records_event", "help_records", ["event_id"])
    for statement in HELP_APPEND_ONLY[op.get_bind().dialect.name]:
        op.execute(statement)
