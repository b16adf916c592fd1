"""Casework: the accounts a case names (the authors of its evidence, and those the requester
or staff name), each sealed to the case's key by whoever adds it; the staff who stepped aside
from a case, their reason sealed to their own key; the authors of each evidence bundle.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("help_requests.id"), index=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("account_sealed", sa.Text, nullable=False),
    )
    op.create_table(
        "case_recusals",
        sa.Column("request_id", sa.Integer, sa.ForeignKey("help_requests.id"), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("reason_sealed", sa.Text),
    )
    with op.batch_alter_table("evidence_bundles") as table:
        table.add_column(sa.Column("authors_sealed", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("evidence_bundles") as table:
        table.drop_column("authors_sealed")
    op.drop_table("case_recusals")
    op.drop_table("case_accounts")
