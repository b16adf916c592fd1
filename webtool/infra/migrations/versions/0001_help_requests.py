"""Requests for help.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LONG_TEXT = sa.Text(length=16_000_000)


def upgrade() -> None:
    op.create_table(
        "help_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(32), nullable=False, unique=True),
        sa.Column("submission_key", sa.String(64), nullable=False, unique=True),
        sa.Column("requester_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("requester_name", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("purge_after", sa.DateTime, nullable=False, index=True),
        sa.Column("status", sa.String(32), nullable=False, index=True),
        sa.Column("kinds", sa.String(255), nullable=False),
        sa.Column("country", sa.String(100), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("description_sealed", LONG_TEXT, nullable=False),
        sa.Column("contact_sealed", LONG_TEXT, nullable=False),
        sa.Column("engagement_json", LONG_TEXT, nullable=False),
        mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("help_requests")
