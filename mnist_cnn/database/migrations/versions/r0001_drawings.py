"""Drawings and collections: created, or brought up from any earlier SQLite shape (before Alembic)."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The collection of drawings saved before collections existed.
DEFAULT_COLLECTION = "default"


def create_drawings() -> None:
    """The drawings table: 28x28 uint8 digits with their label, collection and original drawing."""
    op.create_table(
        "drawings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),  # never reused (data_version relies)
        sa.Column("label", sa.Integer, sa.CheckConstraint("label BETWEEN 0 AND 9"), nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("digit", sa.LargeBinary, nullable=False),       # 28*28 uint8 bytes, MNIST layout
        sa.Column("drawing_png", sa.LargeBinary),                 # the original drawing as a small PNG, or NULL
        sa.Column("collection", sa.Text, nullable=False, server_default=DEFAULT_COLLECTION),
        sqlite_autoincrement=True)


def create_collections() -> None:
    """The collections table: a name, when it was made, and its owner's secret's sha256 (NULL: no owner)."""
    op.create_table(
        "collections",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("owner_hash", sa.Text))


def column_names(inspector, table: str) -> set[str]:
    """The names of a table's columns."""
    return {column["name"] for column in inspector.get_columns(table)}


def upgrade() -> None:
    """Create both tables, or add what an older file lacks: drawings join the default collection, old collections
    stay without an owner (anyone may delete their drawings, as before)."""
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    tables = set(inspector.get_table_names())
    if "drawings" not in tables:
        create_drawings()
    elif "collection" not in column_names(inspector, "drawings"):
        op.add_column("drawings", sa.Column("collection", sa.Text, nullable=False,
                                            server_default=DEFAULT_COLLECTION))
    if "collections" not in tables:
        create_collections()
    elif "owner_hash" not in column_names(inspector, "collections"):
        op.add_column("collections", sa.Column("owner_hash", sa.Text))
    if "drawings_by_collection" not in {index["name"] for index in sa.inspect(bind).get_indexes("drawings")}:
        op.create_index("drawings_by_collection", "drawings", ["collection", "label", "id"])
    bind.execute(sa.text("INSERT INTO collections (name, created_at) SELECT :name, :now WHERE NOT EXISTS "
                         "(SELECT 1 FROM collections WHERE name = :name)"),
                 {"name": DEFAULT_COLLECTION, "now": "1970-01-01T00:00:00+00:00"})


def downgrade() -> None:
    """Not supported: the app only moves forward."""
    raise NotImplementedError
