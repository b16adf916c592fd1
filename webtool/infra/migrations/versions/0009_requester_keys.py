"""Sealed to people, part 2: a requester's key under a recovery phrase, with wrong phrases
counted and a renewed key waiting for the legal team; an evidence bundle's file key sealed to
the requester who captured it.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requester_keys") as table:
        table.add_column(sa.Column("private_for_phrase", sa.Text))
        table.add_column(sa.Column("wrong_tries", sa.Integer, nullable=False, server_default="0"))
        table.add_column(sa.Column("wait_until", sa.DateTime))
        table.add_column(sa.Column("renewed_at", sa.DateTime))
    with op.batch_alter_table("evidence_bundles") as table:
        table.add_column(sa.Column("file_key_requester", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("evidence_bundles") as table:
        table.drop_column("file_key_requester")
    with op.batch_alter_table("requester_keys") as table:
        for name in ("renewed_at", "wait_until", "wrong_tries", "private_for_phrase"):
            table.drop_column(name)
