"""Evidence bundles: captured links, kept sealed with the account that captured them.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LONG_TEXT = sa.Text(length=16_000_000)


def upgrade() -> None:
    op.create_table(
        "evidence_bundles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(32), nullable=False, unique=True),
        sa.Column("submission_key", sa.String(64), nullable=False, unique=True),
        sa.Column("owner_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("owner_name", sa.String(255), nullable=False),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("help_requests.id"), index=True),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("purge_after", sa.DateTime, nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("links_total", sa.Integer, nullable=False),
        sa.Column("links_done", sa.Integer, nullable=False),
        sa.Column("items", sa.Integer, nullable=False),
        sa.Column("refused", sa.Integer, nullable=False),
        sa.Column("links_sealed", LONG_TEXT, nullable=False),
        sa.Column("outcome_sealed", LONG_TEXT, nullable=False),
        sa.Column("bundle_sealed", LONG_TEXT),
        sa.Column("manifest_sha256", sa.String(64)),
        mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("evidence_bundles")
