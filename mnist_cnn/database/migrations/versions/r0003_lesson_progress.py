"""Lesson progress: which steps of which lesson a collection answered right (kept if a file already has it)."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The lesson_progress table, one row per collection, lesson and step answered right."""
    if sa.inspect(op.get_bind()).has_table("lesson_progress"):  # made by a version before Alembic
        return
    op.create_table("lesson_progress",
                    sa.Column("collection", sa.Text, nullable=False),
                    sa.Column("lesson", sa.Text, nullable=False),    # the lesson file's name
                    sa.Column("step", sa.Integer, nullable=False),   # from 1: a step answered right
                    sa.Column("answered_at", sa.Text, nullable=False),
                    sa.PrimaryKeyConstraint("collection", "lesson", "step"))


def downgrade() -> None:
    """Not supported: the app only moves forward."""
    raise NotImplementedError
