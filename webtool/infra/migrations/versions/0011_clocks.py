"""Casework: the clocks on a case (when it was acknowledged and decided, and how long the team
waited for the requester), and whether the requester said they are in danger now.

The times are already in the clear in the case's history (statuses and message dates), and
`urgent` orders the queue, so these are plain. A request made before gets its acknowledgement
and decision from that history.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

DECISIONS = ("approved", "declined", "referred", "closed", "withdrawn")


def upgrade() -> None:
    with op.batch_alter_table("help_requests") as table:
        table.add_column(sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()))
        table.add_column(sa.Column("acknowledged_at", sa.DateTime))
        table.add_column(sa.Column("decided_at", sa.DateTime))
        table.add_column(sa.Column("paused_since", sa.DateTime))
        table.add_column(
            sa.Column("paused_seconds", sa.Integer, nullable=False, server_default="0")
        )
    events = sa.table(
        "case_events",
        sa.column("request_id", sa.Integer),
        sa.column("at", sa.DateTime),
        sa.column("kind", sa.String),
        sa.column("to_status", sa.String),
    )
    messages = sa.table(
        "case_messages",
        sa.column("request_id", sa.Integer),
        sa.column("at", sa.DateTime),
        sa.column("from_requester", sa.Boolean),
    )
    requests = sa.table(
        "help_requests",
        sa.column("id", sa.Integer),
        sa.column("acknowledged_at", sa.DateTime),
        sa.column("decided_at", sa.DateTime),
    )
    first_status = (
        sa.select(sa.func.min(events.c.at))
        .where(events.c.request_id == requests.c.id, events.c.kind == "status")
        .scalar_subquery()
    )
    first_message = (
        sa.select(sa.func.min(messages.c.at))
        .where(messages.c.request_id == requests.c.id, messages.c.from_requester.is_(False))
        .scalar_subquery()
    )
    decided = (
        sa.select(sa.func.min(events.c.at))
        .where(events.c.request_id == requests.c.id, events.c.to_status.in_(DECISIONS))
        .scalar_subquery()
    )
    op.execute(
        requests.update().values(
            acknowledged_at=sa.func.coalesce(
                sa.case((first_status < first_message, first_status), else_=first_message),
                first_status,
            ),
            decided_at=decided,
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("help_requests") as table:
        for name in ("paused_seconds", "paused_since", "decided_at", "acknowledged_at", "urgent"):
            table.drop_column(name)
