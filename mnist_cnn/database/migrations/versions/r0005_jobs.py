"""The job board: every training job, queued, running or ended, with its progress, so that every replica sees it."""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The jobs table (one row per job; `id` orders the queue) and its index by state."""
    if sa.inspect(op.get_bind()).has_table("jobs"):
        return
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),  # never reused: the queue's order
        sa.Column("job_id", sa.Text, nullable=False, unique=True),
        sa.Column("owner", sa.Text, nullable=False),          # the browser session that started it
        sa.Column("engine", sa.Text, nullable=False),         # "local", "ray", ...
        sa.Column("runner", sa.Text),                         # who claimed it (a server process), NULL while queued
        sa.Column("status", sa.Text, nullable=False),         # queued, running, finished, cancelled, failed
        sa.Column("phase", sa.Text, nullable=False),          # "queued", "starting", "training", "saving", ...
        sa.Column("spec", sa.Text, nullable=False),           # JobSpec as JSON
        sa.Column("resources", sa.Text, nullable=False),      # what the job asks of its engine, JSON ({"gpu": 1})
        sa.Column("progress", sa.Text, nullable=False),       # epoch, batch, history, batch trace (JSON)
        sa.Column("outcome", sa.Text),                        # the saved model's name and test figures (JSON)
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("submitted_at", sa.Float, nullable=False),  # time.time() of each event
        sa.Column("started_at", sa.Float),
        sa.Column("training_started_at", sa.Float),
        sa.Column("heartbeat_at", sa.Float),
        sa.Column("cancel_requested_at", sa.Float),
        sa.Column("ended_at", sa.Float),
        sqlite_autoincrement=True)
    op.create_index("jobs_by_status", "jobs", ["status", "engine", "id"])


def downgrade() -> None:
    """Not supported: the app only moves forward."""
    raise NotImplementedError
