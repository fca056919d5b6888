"""Shared counters every replica reads: the model list's version (a save or delete on any replica raises it)."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The shared_state table: a name and an integer value."""
    op.create_table("shared_state",
                    sa.Column("name", sa.Text, primary_key=True),
                    sa.Column("value", sa.BigInteger, nullable=False, server_default="0"))


def downgrade() -> None:
    """Not supported: the app only moves forward."""
    raise NotImplementedError
