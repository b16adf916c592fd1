"""Custody: who asked, about what and from where sealed, with keyed hashes to find rows by;
the audit log sealed; override reasons sealed; the ledger outliving purged requests;
server-side sessions; staff names pinned to central ids.

Rows already stored are sealed with the running app's keys: run this through
`flask --app webtool db upgrade`, which has them.

Revision ID: 0004
Revises: 0003
"""

import json
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LONG_TEXT = sa.Text(length=16_000_000)
Seal = Callable[[str], str]
Index = Callable[[str, object], str]  # (purpose, value) -> keyed hash


def upgrade() -> None:
    # Read before changing anything: MariaDB cannot roll back a half-done change of tables.
    stored = _stored_rows(op.get_bind())
    keys = _app_keys() if any(stored.values()) else None
    with op.batch_alter_table("help_requests") as table:
        for name, size in (("requester_key", 64), ("kinds_index", 400)):
            table.add_column(sa.Column(name, sa.String(size), nullable=False, server_default=""))
        for name in ("country_index", "language_index"):
            table.add_column(sa.Column(name, sa.String(64), nullable=False, server_default=""))
        for name in ("requester", "kinds", "country", "language", "engagement"):
            table.add_column(sa.Column(f"{name}_sealed", LONG_TEXT))
    with op.batch_alter_table("evidence_bundles") as table:
        table.add_column(sa.Column("owner_key", sa.String(64), nullable=False, server_default=""))
        table.add_column(sa.Column("owner_sealed", LONG_TEXT))
    with op.batch_alter_table("audit_log") as table:
        table.add_column(sa.Column("target_sealed", LONG_TEXT))
        table.add_column(sa.Column("detail_sealed", LONG_TEXT))
    with op.batch_alter_table("ledger") as table:
        table.add_column(sa.Column("override_sealed", LONG_TEXT))
        table.alter_column("request_id", existing_type=sa.Integer, nullable=True)

    if keys:
        _seal(op.get_bind(), stored, *keys)

    with op.batch_alter_table("help_requests") as table:
        table.drop_index("ix_help_requests_requester_id")
        for column in ("requester_id", "requester_name", "kinds", "country", "language"):
            table.drop_column(column)
        table.drop_column("engagement_json")
        table.create_index("ix_help_requests_requester_key", ["requester_key"])
        table.create_index("ix_help_requests_country_index", ["country_index"])
        table.create_index("ix_help_requests_language_index", ["language_index"])
    with op.batch_alter_table("evidence_bundles") as table:
        table.drop_index("ix_evidence_bundles_owner_id")
        table.drop_column("owner_id")
        table.drop_column("owner_name")
        table.create_index("ix_evidence_bundles_owner_key", ["owner_key"])
    with op.batch_alter_table("audit_log") as table:
        table.drop_column("target")
        table.drop_column("detail")
    with op.batch_alter_table("ledger") as table:
        table.drop_column("override_reason")

    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_key", sa.String(64), nullable=False, index=True),
        sa.Column("staff", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("seen_at", sa.DateTime, nullable=False, index=True),
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "staff_pins",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("central_id", sa.BigInteger, nullable=False),
        sa.Column("pinned_at", sa.DateTime, nullable=False),
        mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    raise NotImplementedError(
        "Sealed columns cannot be turned back into plain ones by a migration: restore a backup."
    )


def _stored_rows(connection: sa.Connection) -> dict[str, Sequence[sa.RowMapping]]:
    return {
        name: connection.execute(sa.text(query)).mappings().all()
        for name, query in (
            (
                "requests",
                "SELECT id, requester_id, requester_name, kinds, country, language,"
                " engagement_json FROM help_requests",
            ),
            ("bundles", "SELECT id, owner_id, owner_name FROM evidence_bundles"),
            ("audit", "SELECT id, target, detail FROM audit_log"),
            ("ledger", "SELECT id, override_reason FROM ledger"),
        )
    }


def _seal(
    connection: sa.Connection, rows: dict[str, Sequence[sa.RowMapping]], seal: Seal, index: Index
) -> None:
    for row in rows["requests"]:
        kinds = [k for k in row["kinds"].split(",") if k]
        connection.execute(
            sa.text(
                "UPDATE help_requests SET requester_key = :requester_key,"
                " requester_sealed = :requester, kinds_sealed = :kinds, kinds_index = :kinds_index,"
                " country_sealed = :country, country_index = :country_index,"
                " language_sealed = :language, language_index = :language_index,"
                " engagement_sealed = :engagement WHERE id = :id"
            ),
            {
                "id": row["id"],
                "requester_key": index("requester", row["requester_id"]),
                "requester": seal(
                    json.dumps({"name": row["requester_name"], "id": row["requester_id"]})
                ),
                "kinds": seal(",".join(kinds)),
                "kinds_index": " ".join(sorted(index("kind", k) for k in kinds)),
                "country": seal(row["country"]),
                "country_index": index("country", row["country"].strip().casefold()),
                "language": seal(row["language"]),
                "language_index": index("language", row["language"].strip().casefold()),
                "engagement": seal(row["engagement_json"]),
            },
        )
    for row in rows["bundles"]:
        connection.execute(
            sa.text(
                "UPDATE evidence_bundles SET owner_key = :key, owner_sealed = :owner WHERE id = :id"
            ),
            {
                "id": row["id"],
                "key": index("requester", row["owner_id"]),
                "owner": seal(json.dumps({"name": row["owner_name"], "id": row["owner_id"]})),
            },
        )
    for row in rows["audit"]:
        connection.execute(
            sa.text(
                "UPDATE audit_log SET target_sealed = :target, detail_sealed = :detail"
                " WHERE id = :id"
            ),
            {"id": row["id"], "target": seal(row["target"]), "detail": seal(row["detail"])},
        )
    for row in rows["ledger"]:
        connection.execute(
            sa.text("UPDATE ledger SET override_sealed = :reason WHERE id = :id"),
            {"id": row["id"], "reason": seal(row["override_reason"] or "")},
        )


def _app_keys() -> tuple[Seal, Index]:
    """The running app's sealer and keyed hash, from `flask --app webtool db upgrade`."""
    from flask import current_app

    from webtool.infra.crypto import Sealer
    from webtool.infra.keyed import keyed_hash

    try:
        sealer = Sealer(current_app.config["ENCRYPTION_KEYS"])
        hash_key = current_app.config["HASH_KEY"]
    except RuntimeError:
        raise RuntimeError(
            "Stored requests must be sealed with the tool's keys: run this migration with "
            "`flask --app webtool db upgrade`."
        ) from None
    return sealer.seal, lambda purpose, value: keyed_hash(hash_key, purpose, str(value))
