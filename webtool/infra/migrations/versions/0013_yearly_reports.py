"""The program's yearly report, frozen when a year is published: its figures, already
protected (no figure under 5 cases), so that later purges do not change what was published.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "yearly_reports",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("published_at", sa.DateTime, nullable=False),
        sa.Column("published_by", sa.String(255), nullable=False),
        sa.Column("figures", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("yearly_reports")
