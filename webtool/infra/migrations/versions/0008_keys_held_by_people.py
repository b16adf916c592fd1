"""Keys held by people: the staff's keys, the team key and its grants, requesters' keys and
devices, a key pair per case, a file key per evidence bundle, and an unlocked session's key.
The queue's keyed hashes of a case's kinds, country and language go: the queue filters in
the unlocked session. Who asked, the kinds, the country and the language become one sealed
value, so the queue opens one value a case: rows already stored are merged with the running
app's keys (run this through `flask --app webtool db upgrade`, which has them).

Existing requests keep their Fernet-sealed values until `flask --app webtool reseal-cases`
gives each its own key (README, "Moving to keys held by people").

Revision ID: 0008
Revises: 0007
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

LONG_TEXT = sa.Text(length=16_000_000)

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Read before changing anything: MariaDB cannot roll back a half-done change of tables.
    stored = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT id, requester_sealed, kinds_sealed, country_sealed, language_sealed"
                " FROM help_requests"
            )
        )
        .mappings()
        .all()
    )
    with op.batch_alter_table("help_requests") as table:
        table.add_column(sa.Column("facts_sealed", LONG_TEXT))
    if stored:
        _merge_facts(stored)
    with op.batch_alter_table("help_requests") as table:
        for name in ("requester", "kinds", "country", "language"):
            table.drop_column(f"{name}_sealed")
        table.alter_column("facts_sealed", existing_type=LONG_TEXT, nullable=False)
        table.add_column(sa.Column("case_public_key", sa.String(64)))
        table.add_column(sa.Column("case_key_team", sa.Text))
        table.add_column(sa.Column("case_key_requester", sa.Text))
        table.drop_index("ix_help_requests_country_index")
        table.drop_index("ix_help_requests_language_index")
        table.drop_column("kinds_index")
        table.drop_column("country_index")
        table.drop_column("language_index")
    with op.batch_alter_table("user_sessions") as table:
        table.add_column(sa.Column("unlocked", sa.Text))
    with op.batch_alter_table("evidence_bundles") as table:
        table.add_column(sa.Column("file_key_sealed", sa.Text))
        table.add_column(sa.Column("file_key_case", sa.Text))
    op.create_table(
        "staff_keys",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("private_locked", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("wrong_tries", sa.Integer, nullable=False),
        sa.Column("wait_until", sa.DateTime),
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "team_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("recovery_public_key", sa.String(64), nullable=False),
        sa.Column("private_for_recovery", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "team_grants",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("private_for_member", sa.Text, nullable=False),
        sa.Column("granted_by", sa.String(255), nullable=False),
        sa.Column("granted_at", sa.DateTime, nullable=False),
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "requester_keys",
        sa.Column("account_key", sa.String(64), primary_key=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "requester_devices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account_key", sa.String(64), nullable=False, index=True),
        sa.Column("private_locked", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        mysql_charset="utf8mb4",
    )


def _merge_facts(stored: Sequence[sa.RowMapping]) -> None:
    """Each stored request's four sealed facts as one value, sealed with the app's keys."""
    from flask import current_app

    from webtool.infra.crypto import Sealer

    try:
        sealer = Sealer(current_app.config["ENCRYPTION_KEYS"])
    except RuntimeError:
        raise RuntimeError(
            "Stored requests must be sealed with the tool's keys: run this migration with "
            "`flask --app webtool db upgrade`."
        ) from None
    for row in stored:
        who = json.loads(sealer.open(row["requester_sealed"]))
        facts = {
            "name": who["name"],
            "id": who["id"],
            "kinds": [k for k in sealer.open(row["kinds_sealed"]).split(",") if k],
            "country": sealer.open(row["country_sealed"]),
            "language": sealer.open(row["language_sealed"]),
        }
        op.get_bind().execute(
            sa.text("UPDATE help_requests SET facts_sealed = :facts WHERE id = :id"),
            {"facts": sealer.seal(json.dumps(facts, ensure_ascii=False)), "id": row["id"]},
        )


def downgrade() -> None:
    for name in ("requester_devices", "requester_keys", "team_grants", "team_keys", "staff_keys"):
        op.drop_table(name)
    with op.batch_alter_table("evidence_bundles") as table:
        table.drop_column("file_key_case")
        table.drop_column("file_key_sealed")
    with op.batch_alter_table("user_sessions") as table:
        table.drop_column("unlocked")
    with op.batch_alter_table("help_requests") as table:
        table.add_column(
            sa.Column("kinds_index", sa.String(400), nullable=False, server_default="")
        )
        table.add_column(
            sa.Column("country_index", sa.String(64), nullable=False, server_default="")
        )
        table.add_column(
            sa.Column("language_index", sa.String(64), nullable=False, server_default="")
        )
        table.create_index("ix_help_requests_country_index", ["country_index"])
        table.create_index("ix_help_requests_language_index", ["language_index"])
        table.drop_column("case_key_requester")
        table.drop_column("case_key_team")
        table.drop_column("case_public_key")
