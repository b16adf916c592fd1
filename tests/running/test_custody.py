"""Custody of what requesters trust the tool with: what is sealed at rest, key rotation over
every sealed column, sessions the server ends, staff pinned to their accounts, the purge that
keeps the books, production's refusals. Runs on SQLite and on MariaDB."""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import MetaData, create_engine, inspect, select, text, update
from support import CHECKOUT
from support.helpers import ADMIN, FORM, post, send
from support.keys import holding_team_key
from support.logins import log_in

from webtool.app import create_app
from webtool.cli import sealed_columns
from webtool.infra import db, keys
from webtool.infra.clock import now
from webtool.infra.config import WIKIMEDIA_CENTRAL_API, ConfigError, api_settings
from webtool.infra.keys import FileSealer
from webtool.infra.models import (
    AuditEntry,
    CaseAccount,
    CaseRecusal,
    CustodyEvent,
    EngagementReport,
    EvidenceBundle,
    EvidenceItem,
    HelpRequest,
    LedgerEntry,
    OutboxMail,
    UserSession,
)
from webtool.services.casework import add_ledger_entry, add_note, change_status, fund
from webtool.services.conversation import write_as_requester
from webtool.services.help_requests import Submission, own_requests, store
from webtool.services.notifications import set_staff_notice
from webtool.services.sealing import new_file_key, seal_for_case

# An id no other value in the database can contain by chance.
REQUESTER = {"name": "Veteran Editor", "id": 73317331}


# The web tool of these tests asks no wiki (see conftest.py), but for the tests that ask for
# `sandbox`: their pages show a requester's engagement, gathered from the farm.
pytestmark = [pytest.mark.usefixtures("staff_list"), pytest.mark.no_farm]


def a_submission(country: str = "Chile") -> Submission:
    submission = Submission.blank("es")
    submission.kinds = ["doxxing"]
    submission.description = "Mi dirección fue publicada."
    submission.country = country
    return submission


def database_dump(url: str) -> str:
    """Every value of every row of every table, as one text."""
    engine = create_engine(url)
    values = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                values += [str(value) for value in row]
    engine.dispose()
    return "\n".join(values)


# What is personal stays sealed


def test_nothing_personal_is_readable_in_a_database_dump(sandbox, client, database_url, app):
    log_in(client, REQUESTER)
    reference = send(client).headers["Location"].rsplit("/", 1)[1]
    log_in(client, ADMIN)
    assert client.get("/staff/?country=DE&kind=doxxing").status_code == 200
    assert client.get("/staff/lookup?user=Grant+Writer").status_code == 200
    with app.app_context():
        case = db.session().scalar(select(HelpRequest).where(HelpRequest.reference == reference))
        change_status(case, "Jane Doe", "admin", "in_review", "")
        change_status(case, "Jane Doe", "admin", "approved", "Threats at home", "funding")
        add_ledger_entry(case, "Jane Doe", "commitment", "legal_fees", Decimal("10"), "Urgent bail")
    dump = database_dump(database_url)
    for personal in [
        REQUESTER["name"],
        str(REQUESTER["id"]),
        FORM["description"],
        FORM["email"],
        "doxxing",
        "harassment",
        "Grant Writer",  # looked up by staff: in the audit log, sealed
        "Threats at home",
        "Urgent bail",
        '"edits"',  # the engagement frozen with the request
    ]:
        assert personal not in dump, personal


def test_the_queue_filters_on_sealed_values(client, app):
    with app.app_context():
        chile = store(a_submission("Chile"), REQUESTER, {}).reference
        peru = store(a_submission("Peru"), {"name": "Grant Writer", "id": 5}, {}).reference
    log_in(client, ADMIN)

    def listed(query: str) -> set[str]:
        page = client.get(f"/staff/?{query}").get_data(as_text=True)
        return set(re.findall(r"CHLDP(?:-[0-9A-F]{4}){4}", page))

    assert listed("") == {chile, peru}
    assert listed("country=chile") == {chile}  # as typed, however capitalised
    assert listed("country=+Peru+") == {peru}
    assert listed("country=Chil") == set()
    assert listed("kind=doxxing&language=es") == {chile, peru}
    assert listed("kind=harassment") == set()
    page = client.get("/staff/").get_data(as_text=True)
    assert "Grant Writer" in page and "Peru" in page  # opened for the staff who may read them


def test_a_requester_still_finds_only_their_own_requests(client, app):
    with app.app_context():
        theirs = store(a_submission(), {"name": "Grant Writer", "id": 5}, {}).reference
    log_in(client, REQUESTER)
    mine = send(client).headers["Location"].rsplit("/", 1)[1]
    page = client.get("/requests").get_data(as_text=True)
    assert mine in page and theirs not in page
    assert client.get(f"/requests/{theirs}").status_code == 404


# Key rotation


def every_sealed_column_filled(app) -> None:
    """A row in every table with every sealed column set, through the tool's own paths."""
    with app.app_context():
        case = store(a_submission(), REQUESTER, {"unavailable": True})
        add_note(case, "Jane Doe", "Called the requester.")
        change_status(case, "Jane Doe", "admin", "in_review", "")
        change_status(case, "Jane Doe", "admin", "approved", "Severe doxxing", "funding")
        add_ledger_entry(case, "Jane Doe", "commitment", "legal_fees", Decimal("100"), "Urgent")
        seal = app.services.sealer
        # Evidence not attached to a case: under its own file key, which the server's key seals.
        key, key_columns = new_file_key(None)
        file_sealer = FileSealer(key)
        db.session().add(
            EvidenceBundle(
                reference="EVID-0000-0000-0000-0001",
                submission_key="0" * 32,
                owner_key="k",
                owner_sealed=file_sealer.seal(json.dumps(REQUESTER)),
                created_at=now(),
                updated_at=now(),
                purge_after=case.purge_after,
                status="done",
                links_total=1,
                links_done=1,
                items=1,
                refused=0,
                links_sealed=file_sealer.seal("https://en.wikipedia.org/wiki/X"),
                outcome_sealed=file_sealer.seal("{}"),
                bundle_sealed=file_sealer.seal_bytes(b"PK"),
                manifest_sha256="0" * 64,
                **key_columns,
            )
        )
        db.session().commit()
        bundle = db.session().scalar(select(EvidenceBundle))
        db.session().add(
            EvidenceItem(
                bundle_id=bundle.id, position=0, kind="kept", content_sealed=file_sealer.seal("x")
            )
        )
        db.session().add(
            CustodyEvent(
                bundle_id=bundle.id,
                at=now(),
                event="downloaded",
                detail_sealed=file_sealer.seal('{"by": "the requester"}'),
            )
        )
        bundle.authors_sealed = file_sealer.seal('{"Blocked Harasser": 7}')
        db.session().add(
            CaseAccount(
                request_id=case.id,
                at=now(),
                account_sealed=seal_for_case(
                    case, '{"id": 7, "name": "Blocked Harasser", "source": "staff"}'
                ),
            )
        )
        staff_public, _ = keys.new_pair()
        db.session().add(
            CaseRecusal(
                request_id=case.id,
                name="Émile",
                at=now(),
                reason_sealed=keys.seal_to(staff_public, "A neighbour."),
            )
        )
        db.session().add(
            EngagementReport(
                subject_key="k",
                subject_sealed=seal.seal(REQUESTER["name"]),
                status="done",
                detail_sealed=seal.seal(""),
                report_sealed=seal.seal(json.dumps({"unavailable": True})),
                asked_at=now(),
                updated_at=now(),
            )
        )
        write_as_requester(case, REQUESTER, "The posts are still up.", [], "0" * 32)
        set_staff_notice("Jane Doe", "jane@example.org", True)
        db.session().add(
            OutboxMail(created_at=now(), mail_sealed=seal.seal('{"to": "x@example.org"}'), tries=0)
        )
        db.session().commit()


def test_rotating_keys_reseals_every_sealed_column(app, client):
    every_sealed_column_filled(app)
    columns = sealed_columns()
    found = {(model.__name__, name) for model, name in columns}
    assert {("CaseEvent", "text_sealed"), ("AuditEntry", "detail_sealed")} <= found
    with app.app_context():
        for model, name in columns:
            # A sealed column added later fails here until this test fills it too.
            filled = db.session().scalars(select(getattr(model, name))).all()
            assert any(filled), f"{model.__name__}.{name} is never filled by this test"
    old = app.config["ENCRYPTION_KEYS"]
    # The hash key stays: a request sealed to people keeps its requester's keyed hash, which
    # only someone who can read the requester's id could compute again.
    settings = {"SQLALCHEMY_URL": app.config["SQLALCHEMY_URL"], "REDIS_URL": None}
    rotated = create_app(
        {**settings, "ENCRYPTION_KEYS": [Fernet.generate_key().decode(), *old]},
        instance_path=app.instance_path,
    )
    output = rotated.test_cli_runner().invoke(args=["rotate-keys"]).output
    assert f"in {len(columns)} column(s)" in output
    newest_only = create_app(
        {**settings, "ENCRYPTION_KEYS": rotated.config["ENCRYPTION_KEYS"][:1]},
        instance_path=app.instance_path,
    )
    with newest_only.app_context():
        sealer = newest_only.services.sealer
        for model, name in columns:
            for token in db.session().scalars(select(getattr(model, name))):
                # What is sealed under a key of its own stays as it is; the rest opens with
                # the newest key alone (InvalidToken if it was left behind).
                if token is not None and not keys.has_own_key(token):
                    sealer.open_bytes(token)
        reference = db.session().scalar(select(HelpRequest.reference))
        assert [r.reference for r in own_requests(REQUESTER)] == [reference]
    staff = newest_only.test_client()
    log_in(staff, ADMIN)
    assert reference in staff.get("/staff/?country=chile").get_data(as_text=True)
    case_page = staff.get(f"/staff/case/{reference}")
    assert case_page.status_code == 200
    assert "Called the requester." in case_page.get_data(as_text=True)
    assert staff.get("/staff/audit").status_code == 200


# Sessions


def session_row(app, column=None):
    with app.app_context():
        return db.session().scalars(select(UserSession)).all()


def test_a_copied_cookie_is_worthless_after_logout(app, client):
    log_in(client, REQUESTER)
    copy = app.test_client()
    copy.set_cookie("chldp_session", client.get_cookie("chldp_session").value)
    assert copy.get("/requests").status_code == 200
    assert post(client, "/logout").status_code == 302
    assert session_row(app) == []
    assert copy.get("/requests").status_code == 302  # back to the login
    assert client.get("/requests").status_code == 302


@pytest.mark.parametrize(
    ("user", "idle", "ended"),
    [
        (REQUESTER, timedelta(hours=3), False),
        (ADMIN, timedelta(hours=3), True),  # staff: 2 hours
        (REQUESTER, timedelta(hours=25), True),
    ],
)
def test_an_idle_session_ends(app, client, user, idle, ended):
    log_in(client, user)
    with app.app_context():
        db.session().execute(update(UserSession).values(seen_at=now() - idle))
        db.session().commit()
    assert (client.get("/requests").status_code == 302) is ended
    assert (session_row(app) == []) is ended


def test_a_session_ends_after_its_lifetime_however_busy(app, client):
    log_in(client, REQUESTER)
    with app.app_context():
        db.session().execute(update(UserSession).values(created_at=now() - timedelta(days=8)))
        db.session().commit()
    assert client.get("/requests").status_code == 302


def test_staff_taken_off_the_list_lose_every_session(app, client, monkeypatch):
    log_in(client, ADMIN)
    other_device = app.test_client()
    log_in(other_device, ADMIN)
    assert client.get("/staff/").status_code == 200
    monkeypatch.setenv("CHLDP_STAFF", "Émile:reviewer")
    assert client.get("/staff/").status_code == 403
    assert session_row(app) == []  # the other device's session too
    assert other_device.get("/requests").status_code == 302


def test_a_forged_cookie_without_a_session_is_logged_out(app, client):
    with client.session_transaction() as session:
        session["user"] = ADMIN  # signed with the key, but no session on the server
        session["sid"] = secrets.token_urlsafe(32)
    assert client.get("/staff/").status_code == 403
    assert client.get("/requests").status_code == 302


# Staff pinned to their central ids


def test_a_staff_name_is_pinned_to_its_first_account(app, client):
    log_in(client, ADMIN)
    assert client.get("/staff/").status_code == 200
    usurper = app.test_client()
    log_in(usurper, {"name": "Jane Doe", "id": 999})
    assert usurper.get("/staff/").status_code == 403
    with app.app_context():
        from webtool.services.casework import audit_entries

        holding_team_key(app)
        refused = [e for e in audit_entries() if e["action"] == "refused"]
    assert "pinned to central id 10, not 999" in refused[0]["detail"]
    assert app.test_cli_runner().invoke(args=["unpin-staff", "Jane Doe"]).exit_code == 0
    assert usurper.get("/staff/").status_code == 200  # unpinned: the next account is pinned


def test_every_refused_attempt_at_the_console_is_counted(app, client):
    client.get("/staff/audit")
    log_in(client, REQUESTER)
    client.get("/staff/nothing-here")
    client.get("/staff/case/CHLDP-0000-0000-0000-0000")
    client.get("/staff/case/CHLDP-1111-1111-1111-1111")
    with app.app_context():
        from webtool.services.casework import audit_entries, refused_counts

        assert [e for e in audit_entries() if e["action"] == "refused"] == []
        counted = {r.kind: r.count for r in refused_counts()}
    assert counted == {"anonymous:audit": 1, "not-staff:other": 1, "not-staff:case": 2}


# The retention purge


def test_the_purge_keeps_the_books_and_open_cases(app):
    with app.app_context():
        closed = store(a_submission(), REQUESTER, {})
        change_status(closed, "Jane Doe", "admin", "in_review", "")
        change_status(closed, "Jane Doe", "admin", "approved", "Severe", "funding")
        add_ledger_entry(closed, "Jane Doe", "commitment", "legal_fees", Decimal("2500"))
        add_ledger_entry(closed, "Jane Doe", "payment", "legal_fees", Decimal("1000"))
        change_status(closed, "Jane Doe", "admin", "closed", "")
        still_open = store(a_submission(), REQUESTER, {})
        change_status(still_open, "Jane Doe", "admin", "in_review", "")
        fresh = store(a_submission(), REQUESTER, {})
        before = fund()
        for expired in (closed, still_open):
            expired.purge_after = now() - timedelta(days=1)
        db.session().add(
            AuditEntry(
                at=now() - timedelta(days=app.config["AUDIT_RETENTION_DAYS"] + 1),
                actor="Jane Doe",
                action="view-case",
                target_sealed=app.services.sealer.seal("CHLDP-OLD"),
                detail_sealed=app.services.sealer.seal("{}"),
            )
        )
        db.session().commit()
    output = app.test_cli_runner().invoke(args=["purge"]).output
    assert "Deleted 1 request(s)" in output
    assert f"Kept {still_open.reference}: its retention has ended, but the case is in review" in (
        output
    )
    assert "Kept the 2 ledger row(s)" in output
    assert "1 audit log row(s) older than" in output
    with app.app_context():
        left = set(db.session().scalars(select(HelpRequest.reference)))
        assert left == {still_open.reference, fresh.reference}
        after = fund()
        assert (after.committed, after.paid) == (before.committed, before.paid)
        detached = db.session().scalars(select(LedgerEntry.request_id)).all()
        assert detached == [None, None]


# Errors and logs carry no personal data


def test_a_database_error_logs_no_personal_data(client, database_url, caplog, capfd):
    log_in(client, REQUESTER)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE help_requests RENAME TO help_requests_away"))
    try:
        with caplog.at_level(logging.DEBUG):
            reply = send(client)
    finally:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE help_requests_away RENAME TO help_requests"))
        engine.dispose()
    assert reply.status_code == 503
    captured = capfd.readouterr()
    logged = caplog.text + captured.out + captured.err
    assert "SQL parameters hidden" in logged
    for personal in (REQUESTER["name"], str(REQUESTER["id"]), "Germany", "doxxing"):
        assert personal not in logged, personal


# Production refuses what would leave it open


@pytest.fixture
def production(monkeypatch) -> dict[str, str]:
    """A production environment with every secret set well."""
    env = {
        "CHLDP_ENV": "production",
        "CHLDP_SECRET_KEY": secrets.token_hex(32),
        "CHLDP_HASH_KEY": secrets.token_hex(32),
        "CHLDP_REDIS_PREFIX": secrets.token_hex(16),
        "CHLDP_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "CHLDP_RECOVERY_PUBLIC_KEY": keys.public_text(keys.new_pair()[0]),
        "CHLDP_OAUTH_CLIENT_ID": "chldp-consumer",
        "CHLDP_OAUTH_CLIENT_SECRET": secrets.token_hex(20),
        "CHLDP_PUBLIC_URL": "https://chldp.toolforge.org",
        "REDIS_URL": "redis://127.0.0.1:6379/9",
        "CHLDP_TSA_URL": "http://127.0.0.1:9/tsr",  # never the public authority from a test
        "CHLDP_TSA_ROOT": "/data/project/chldp/tsa/root.pem",
        "CHLDP_TSA_CERT": "/data/project/chldp/tsa/tsa.pem",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def test_production_starts_with_good_secrets(production, tmp_path):
    config = create_app(instance_path=str(tmp_path)).config
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["REDIS_PREFIX"] == production["CHLDP_REDIS_PREFIX"] + ":"
    assert not list(tmp_path.iterdir())  # nothing made up in the instance folder


def example_env() -> dict[str, str]:
    lines = (CHECKOUT / "deploy" / "example.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


SECRETS = ["CHLDP_SECRET_KEY", "CHLDP_HASH_KEY", "CHLDP_REDIS_PREFIX"]


@pytest.mark.parametrize("name", SECRETS + ["CHLDP_ENCRYPTION_KEYS"])
@pytest.mark.parametrize(
    "value",
    ["", "change-me", "x" * 64, "0123456789abcdef" * 4, secrets.token_hex(8), "from example.env"],
    # Named, not shown: every test process must collect the same ids, and one value is random.
    ids=["empty", "change-me", "one-letter", "a-pattern", "too-short", "from-example-env"],
)
def test_production_refuses_missing_weak_or_example_secrets(
    production, monkeypatch, tmp_path, name, value
):
    if value == "from example.env":
        value = example_env()[name]
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name) as refused:
        create_app(instance_path=str(tmp_path))
    assert "python -c" in str(refused.value)  # and how to make a good one


@pytest.mark.parametrize(
    "value",
    ["", "change-me", "from example.env", base64.urlsafe_b64encode(b"k" * 31).decode()],
    ids=["empty", "change-me", "from-example-env", "too-short"],
)
def test_production_refuses_a_missing_or_wrong_recovery_key(
    production, monkeypatch, tmp_path, value
):
    if value == "from example.env":
        value = example_env()["CHLDP_RECOVERY_PUBLIC_KEY"]
    monkeypatch.setenv("CHLDP_RECOVERY_PUBLIC_KEY", value)
    with pytest.raises(ConfigError, match="CHLDP_RECOVERY_PUBLIC_KEY") as refused:
        create_app(instance_path=str(tmp_path))
    assert "make-recovery-key" in str(refused.value)  # and how to make one
    assert not list(tmp_path.iterdir())  # no pair made up in the instance folder


@pytest.mark.parametrize(
    "value, said",
    [
        ("", "CHLDP_PUBLIC_URL is not set"),
        ("http://chldp.toolforge.org", "must start with https://"),
        ("chldp.toolforge.org", "is not a web address"),
    ],
)
def test_production_refuses_to_start_without_its_https_address(
    production, monkeypatch, tmp_path, value, said
):
    monkeypatch.setenv("CHLDP_PUBLIC_URL", value)
    with pytest.raises(ConfigError, match=said):
        create_app(instance_path=str(tmp_path))


def test_a_zero_fernet_key_is_refused_in_production(production, monkeypatch, tmp_path):
    monkeypatch.setenv("CHLDP_ENCRYPTION_KEYS", "A" * 43 + "=")
    with pytest.raises(ConfigError, match="not random"):
        create_app(instance_path=str(tmp_path))


@pytest.mark.parametrize("missing", ["CHLDP_OAUTH_CLIENT_ID", "CHLDP_OAUTH_CLIENT_SECRET"])
def test_production_needs_its_own_oauth_consumer(production, monkeypatch, missing, tmp_path):
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match="register an OAuth 2.0 consumer on meta.wikimedia.org"):
        create_app(instance_path=str(tmp_path))


def test_without_settings_the_tool_asks_meta_wiki(monkeypatch):
    monkeypatch.delenv("CHLDP_CENTRAL_API", raising=False)
    assert api_settings().central_api == WIKIMEDIA_CENTRAL_API


def test_the_audit_log_outlives_requests(production, monkeypatch, tmp_path):
    monkeypatch.setenv("CHLDP_RETENTION_DAYS", "730")
    monkeypatch.setenv("CHLDP_AUDIT_RETENTION_DAYS", "365")
    with pytest.raises(ConfigError, match="CHLDP_AUDIT_RETENTION_DAYS"):
        create_app(instance_path=str(tmp_path))


def test_the_upgrade_seals_what_an_earlier_version_stored(database_url, app):
    engine = create_engine(database_url)
    with engine.begin() as connection:
        tables = MetaData()
        tables.reflect(bind=connection)
        tables.drop_all(bind=connection)
    engine.dispose()
    db.upgrade(database_url, "0003")
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO help_requests (id, reference, submission_key, requester_id,"
                " requester_name, created_at, purge_after, status, kinds, country, language,"
                " description_sealed, contact_sealed, engagement_json) VALUES (1,"
                " 'CHLDP-0000-0000-0000-0001', 'k', 73317331, 'Veteran Editor', :at, :at, 'new',"
                " 'doxxing', 'Chile', 'es', :sealed, :sealed, '{\"edits\": 3}')"
            ),
            {"at": now(), "sealed": app.services.sealer.seal("{}")},
        )
        connection.execute(
            text(
                "INSERT INTO audit_log (at, actor, action, target, detail) VALUES"
                " (:at, 'Jane Doe', 'lookup', 'Grant Writer', '{}')"
            ),
            {"at": now()},
        )
    engine.dispose()
    assert "Stored requests must be sealed" in str(
        pytest.raises(RuntimeError, db.upgrade, database_url).value
    )
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    dump = database_dump(database_url)
    for personal in ("Veteran Editor", "73317331", "Chile", "doxxing", "Grant Writer", "edits"):
        assert personal not in dump, personal
    with app.app_context():
        from webtool.services.casework import audit_entries
        from webtool.services.help_requests import opened

        (found,) = own_requests(REQUESTER)
        case = opened(found)
        assert (case.name, case.country, case.kinds, case.engagement()) == (
            "Veteran Editor",
            "Chile",
            ["doxxing"],
            {"edits": 3},
        )
        assert audit_entries()[0]["target"] == "Grant Writer"


def test_the_session_cookie_is_an_opaque_token(app, client):
    log_in(client, REQUESTER)
    assert client.get("/requests").status_code == 200
    cookie = client.get_cookie("chldp_session").value
    # What a signed cookie gave away to anyone: base64 (and zlib) of the account's JSON.
    for part in cookie.lstrip(".").split("."):
        decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        for seen in (decoded, _inflated(decoded)):
            assert b"Veteran" not in seen and b'"id"' not in seen and b"user" not in seen
    tampered = cookie[:-8] + ("A" if cookie[-8] != "A" else "B") + cookie[-7:]
    client.set_cookie("chldp_session", tampered)
    assert client.get("/requests").status_code == 302  # a cookie that does not open: logged out


def _inflated(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        return b""
