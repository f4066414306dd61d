"""The prune anchor sealed: its HMAC under the pruning kiosk's key, and which kiosk that was.

Revision ID: anchor_0001
Revises: training_0001
Create Date: 2026-11-24

An anchor from before this revision has no seal; the first kiosk that opens the store with its
key seals it (as it pins the chain's head), so a later forged anchor is refused by verify.
"""

import sqlalchemy as sa
from alembic import op

revision = "anchor_0001"
down_revision = "help_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An adopted pre-migration store got every declared column already (migrate._complete_legacy).
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("chain_anchor")}
    for name in ("anchor_mac", "sealed_by"):
        if name not in have:
            op.add_column("chain_anchor", sa.Column(name, sa.Text))


def downgrade() -> None:
    op.drop_column("chain_anchor", "sealed_by")
    op.drop_column("chain_anchor", "anchor_mac")
