"""The last holes: a message stored once per form, e-mails that go with their request, and
refused attempts on the staff console counted, not written one row each.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_messages") as table:
        table.add_column(sa.Column("submission_key", sa.String(32)))
        table.create_unique_constraint(
            "uq_case_messages_submission", ["request_id", "submission_key"]
        )
    with op.batch_alter_table("outbox") as table:
        table.add_column(sa.Column("request_id", sa.Integer))
        table.create_index("ix_outbox_request_id", ["request_id"])
        table.create_foreign_key("fk_outbox_request", "help_requests", ["request_id"], ["id"])
    op.create_table(
        "refused_attempts",
        sa.Column("hour", sa.DateTime, primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("refused_attempts")
    with op.batch_alter_table("outbox") as table:
        table.drop_constraint("fk_outbox_request", type_="foreignkey")
        table.drop_index("ix_outbox_request_id")
        table.drop_column("request_id")
    with op.batch_alter_table("case_messages") as table:
        table.drop_constraint("uq_case_messages_submission", type_="unique")
        table.drop_column("submission_key")
