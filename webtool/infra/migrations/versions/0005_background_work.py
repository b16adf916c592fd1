"""Background work: slots that bound it across the deployment, evidence items kept as they are
captured, engagement reports gathered by the worker.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LONG_TEXT = sa.Text(length=16_000_000)


def upgrade() -> None:
    op.create_table(
        "slots",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("holder", sa.String(32)),
        sa.Column("until", sa.DateTime),
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "evidence_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "bundle_id",
            sa.Integer,
            sa.ForeignKey("evidence_bundles.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("content_sealed", LONG_TEXT, nullable=False),
        sa.UniqueConstraint("bundle_id", "position"),
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "engagement_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subject_key", sa.String(64), nullable=False, index=True),
        sa.Column("subject_sealed", LONG_TEXT, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail_sealed", LONG_TEXT, nullable=False),
        sa.Column("report_sealed", LONG_TEXT),
        sa.Column("asked_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
        mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    for table in ("engagement_reports", "evidence_items", "slots"):
        op.drop_table(table)
