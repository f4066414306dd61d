"""The sealed chain: each row's HMAC under the terminal's key, and no DELETE outside prune.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Rows from before this revision have no seal; the first time a kiosk with a key opens the
store it seals the head it finds, which pins every older row's hash.
"""

import sqlalchemy as sa
from alembic import op

from kiosk.statistics.schema import NO_DELETE_TRIGGER

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("row_mac", sa.Text))
    # An adopted pre-migration store got every declared table already (migrate._complete_legacy).
    if not sa.inspect(op.get_bind()).has_table("chain_prune"):
        op.create_table(
            "chain_prune",
            sa.Column("id", sa.Integer, sa.CheckConstraint("id = 1"), primary_key=True, autoincrement=False),
        )
    for statement in NO_DELETE_TRIGGER[op.get_bind().dialect.name]:
        op.execute(statement)
