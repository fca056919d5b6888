"""Class records: "not a digit" flags and challenge attempts, in tables of their own (kept if a file has them)."""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The non_digit_flags and challenge_attempts tables (ids never reused: their versions rely on it)."""
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "non_digit_flags" not in present:
        op.create_table(
            "non_digit_flags",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("collection", sa.Text, nullable=False),   # the student's collection when it was flagged
            sa.Column("created_at", sa.Text, nullable=False),
            sa.Column("predicted", sa.Integer, nullable=False),  # the digit the model read (wrongly)
            sa.Column("digit", sa.LargeBinary, nullable=False),  # 28*28 uint8 bytes, MNIST layout
            sa.Column("drawing_png", sa.LargeBinary),            # the original drawing as a small PNG, or NULL
            sqlite_autoincrement=True)
    if "challenge_attempts" not in present:
        op.create_table(
            "challenge_attempts",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("collection", sa.Text, nullable=False),
            sa.Column("challenge", sa.Text, nullable=False),     # the challenge's key, e.g. '7-as-1'
            sa.Column("created_at", sa.Text, nullable=False),
            sa.Column("score", sa.Integer, nullable=False),      # 0-100 (mnist_cnn.challenge.scoring)
            sa.Column("fooled", sa.Integer, nullable=False),     # 1 when the model read the target digit
            sa.Column("readable", sa.Integer, nullable=False),   # 1 when the classmates' reader read the true digit
            sa.Column("digit", sa.LargeBinary, nullable=False),
            sqlite_autoincrement=True)


def downgrade() -> None:
    """Not supported: the app only moves forward."""
    raise NotImplementedError
