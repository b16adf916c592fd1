"""Evidence that stands up in court: each bundle's web archive kept as a file of its own,
with the digest a time-stamping authority signed, its signed answer, and a custody log.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence_bundles") as table:
        table.add_column(sa.Column("archive_file", sa.String(64)))
        table.add_column(sa.Column("archive_bytes", sa.BigInteger))
        table.add_column(sa.Column("archive_sha256", sa.String(64)))
        table.add_column(sa.Column("datapackage", sa.Text))
        table.add_column(sa.Column("stamp", sa.Text))
        table.add_column(sa.Column("stamped_at", sa.DateTime))
        table.add_column(sa.Column("stamp_tries", sa.Integer, nullable=False, server_default="0"))
        table.add_column(sa.Column("stamp_next_at", sa.DateTime))
        table.create_unique_constraint("uq_evidence_bundles_archive_file", ["archive_file"])
        table.create_index("ix_evidence_bundles_stamp_next_at", ["stamp_next_at"])
    op.create_table(
        "custody_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("bundle_id", sa.Integer, sa.ForeignKey("evidence_bundles.id"), index=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("detail_sealed", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("custody_events")
    with op.batch_alter_table("evidence_bundles") as table:
        table.drop_index("ix_evidence_bundles_stamp_next_at")
        table.drop_constraint("uq_evidence_bundles_archive_file", type_="unique")
        for name in (
            "stamp_next_at",
            "stamp_tries",
            "stamped_at",
            "stamp",
            "datapackage",
            "archive_sha256",
            "archive_bytes",
            "archive_file",
        ):
            table.drop_column(name)
