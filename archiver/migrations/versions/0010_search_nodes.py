"""Search on several nodes: index markers per index, and the PostgreSQL full-text index.

``search_indexed`` gains ``index_id`` (the primary key becomes (index_id, submission_id)),
so the markers of one index (a Whoosh folder on one node, or the PostgreSQL index every
node shares) never replace another's. Existing markers are kept: each takes its
generation's name as its index id, which is the id a Whoosh folder written before this
revision adopts (``_whoosh.index``), so an upgraded node re-indexes nothing.

``search_docs`` holds the PostgreSQL index documents (a ``tsvector`` with a GIN index and
btree indexes on the filter columns) and ``search_live`` its live generation. On SQLite
they are created plain and stay empty (the PostgreSQL backend needs a PostgreSQL catalog).

Revision ID: 0010_search_nodes
Revises: 0006_index_queue
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

revision = "0010_search_nodes"
down_revision = "0006_index_queue"
branch_labels = None
depends_on = None

FILTER_COLUMNS = ("nip", "tahun", "periode", "rhk", "type", "unit", "status", "sha256", "received")


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    if pg:
        op.add_column("search_indexed", sa.Column("index_id", sa.String(40), nullable=False, server_default=""))
        op.execute("UPDATE search_indexed SET index_id = generation")
        op.alter_column("search_indexed", "index_id", server_default=None)
        op.drop_constraint("search_indexed_pkey", "search_indexed", type_="primary")
        op.create_primary_key("search_indexed_pkey", "search_indexed", ["index_id", "submission_id"])
    else:  # SQLite cannot change a primary key in place: a new table, the rows copied over
        op.create_table(
            "search_indexed_new",
            sa.Column("index_id", sa.String(40), primary_key=True),
            sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
            sa.Column("generation", sa.String(40), nullable=False),
            sa.Column("indexed_at", sa.String(32), nullable=False),
        )
        op.execute("INSERT INTO search_indexed_new (index_id, submission_id, generation, indexed_at) "
                   "SELECT generation, submission_id, generation, indexed_at FROM search_indexed")
        op.drop_table("search_indexed")
        op.rename_table("search_indexed_new", "search_indexed")
        op.create_index("ix_search_indexed_generation", "search_indexed", ["generation"])

    op.create_table(
        "search_docs",
        sa.Column("generation", sa.String(40), primary_key=True),
        sa.Column("key", sa.Integer, primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("nip", sa.String(40)),
        sa.Column("tahun", sa.String(8)),
        sa.Column("periode", sa.String(20)),
        sa.Column("rhk", sa.String(100)),
        sa.Column("type", sa.String(40)),
        sa.Column("unit", sa.Text),
        sa.Column("status", sa.String(20)),
        sa.Column("received", sa.DateTime, nullable=False),
        sa.Column("created", sa.DateTime),
        sa.Column("terms", TSVECTOR() if pg else sa.Text(), nullable=False),
    )
    op.create_table(
        "search_live",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("generation", sa.String(40), nullable=False),
        sa.Column("switched_at", sa.String(32), nullable=False),
    )
    if pg:
        # tsvectors out of the main rows (TOAST): filter scans read narrow rows; only ranking reads terms
        op.execute("ALTER TABLE search_docs SET (toast_tuple_target = 128)")
        op.create_index("ix_search_docs_terms", "search_docs", ["terms"], postgresql_using="gin")
        for col in FILTER_COLUMNS:
            op.create_index(f"ix_search_docs_{col}", "search_docs", ["generation", col])
        # received last: a query filtered by tahun + periode walks its newest matches in that range only
        op.create_index("ix_search_docs_tahun_periode", "search_docs", ["generation", "tahun", "periode", "received"])


def downgrade() -> None:
    op.drop_table("search_live")
    op.drop_table("search_docs")
    # one marker per submission again: the newest
    op.execute("DELETE FROM search_indexed WHERE EXISTS (SELECT 1 FROM search_indexed AS o "
               "WHERE o.submission_id = search_indexed.submission_id AND (o.indexed_at > search_indexed.indexed_at "
               "OR (o.indexed_at = search_indexed.indexed_at AND o.index_id > search_indexed.index_id)))")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("search_indexed_pkey", "search_indexed", type_="primary")
        op.drop_column("search_indexed", "index_id")
        op.create_primary_key("search_indexed_pkey", "search_indexed", ["submission_id"])
        return
    op.create_table(
        "search_indexed_old",
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
        sa.Column("generation", sa.String(40), nullable=False),
        sa.Column("indexed_at", sa.String(32), nullable=False),
    )
    op.execute("INSERT INTO search_indexed_old (submission_id, generation, indexed_at) "
               "SELECT submission_id, generation, indexed_at FROM search_indexed")
    op.drop_table("search_indexed")
    op.rename_table("search_indexed_old", "search_indexed")
    op.create_index("ix_search_indexed_generation", "search_indexed", ["generation"])
