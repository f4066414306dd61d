"""Sealed shifts: each shift's HMAC under the statistics seal key (its hours are subsidy figures).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("shifts", sa.Column("shift_mac", sa.Text))
