"""Training visits: a per-event flag, set in demo mode and on rehearsal kiosks (training = true).

Revision ID: training_0001
Revises: 0002
Create Date: 2026-11-24

Rows from before this revision are real visits (0). A flagged row's hash covers the flag, an
unflagged row's hash is what it always was, so older rows still verify.
"""

import sqlalchemy as sa
from alembic import op

revision = "training_0001"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("training", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("events", "training")
