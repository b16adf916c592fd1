"""The case, both ways: messages between requester and legal team, the outbox of e-mails,
where staff get theirs.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LONG_TEXT = sa.Text(length=16_000_000)


def upgrade() -> None:
    op.create_table(
        "case_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer,
            sa.ForeignKey("help_requests.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("author", sa.String(255), nullable=False),
        sa.Column("from_requester", sa.Boolean, nullable=False),
        sa.Column("text_sealed", LONG_TEXT, nullable=False),
        sa.Column("attachments_sealed", LONG_TEXT, nullable=False),
        sa.Column("read_at", sa.DateTime),
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
        sa.Column("mail_sealed", LONG_TEXT, nullable=False),
        sa.Column("claimed_until", sa.DateTime),
        sa.Column("tries", sa.Integer, nullable=False),
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "staff_notices",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("email_sealed", LONG_TEXT, nullable=False),
        sa.Column("wanted", sa.Boolean, nullable=False),
        mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    for table in ("staff_notices", "outbox", "case_messages"):
        op.drop_table(table)
