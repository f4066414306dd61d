"""Staff lock-out kept in the file, a pseudonym per account, and the sealed record of staff actions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen copy of the DDL at this revision (kiosk.staff.schema may move on).
APPEND_ONLY = [
    "CREATE TRIGGER IF NOT EXISTS staff_actions_no_update BEFORE UPDATE ON staff_actions\n"
    "BEGIN SELECT RAISE(ABORT, 'staff actions are append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS staff_actions_no_delete BEFORE DELETE ON staff_actions\n"
    "BEGIN SELECT RAISE(ABORT, 'staff actions are append-only'); END",
]


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("failed", sa.Integer, nullable=False, server_default=sa.text("0")))
        batch.add_column(sa.Column("locked_until", sa.Text))
        batch.add_column(sa.Column("pseudonym", sa.Text))
    op.execute("UPDATE staff SET pseudonym = lower(hex(randomblob(8))) WHERE pseudonym IS NULL")
    # A file adopted from before migrations was completed from the declared schema, which may
    # already hold this table.
    if not sa.inspect(op.get_bind()).has_table("staff_actions"):
        op.create_table(
            "staff_actions",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("seq", sa.Integer, nullable=False, unique=True),
            sa.Column("acted_at", sa.Text, nullable=False),
            sa.Column("terminal_id", sa.Text, nullable=False),
            sa.Column("actor", sa.Text, nullable=False),
            sa.Column("visit_id", sa.Text),
            sa.Column("kind", sa.Text, nullable=False),
            sa.Column("value", sa.Text),
            sa.Column("prev_hash", sa.Text, nullable=False),
            sa.Column("row_hash", sa.Text, nullable=False),
            sa.Column("row_mac", sa.Text),
            sqlite_autoincrement=True,
        )
    for statement in APPEND_ONLY:
        op.execute(statement)
