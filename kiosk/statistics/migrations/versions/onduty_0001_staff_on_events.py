"""Each event names the helpers on duty at the terminal when it ended and those who acted on it.

Revision ID: onduty_0001
Revises: anchor_0001
Create Date: 2026-11-24

Both hold keyed pseudonyms (kiosk.statistics.help.staff_pseudonym), space-separated, never
staff codes. Rows from before this revision have NULL in both; a row's hash covers the pair only
when one of them is non-empty, so older rows still verify.
"""

import sqlalchemy as sa
from alembic import op

revision = "onduty_0001"
down_revision = "anchor_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An adopted pre-migration store got every declared column already (migrate._complete_legacy).
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("events")}
    for name in ("staff_on_duty", "acted_by"):
        if name not in have:
            op.add_column("events", sa.Column(name, sa.Text))


def downgrade() -> None:
    op.drop_column("events", "acted_by")
    op.drop_column("events", "staff_on_duty")
