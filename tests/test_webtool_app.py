"""The web tool's settings, languages, health, retention and key rotation."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from webtool import db
from webtool.app import create_app
from webtool.casework import add_note
from webtool.config import ConfigError
from webtool.help_requests import Submission, store
from webtool.models import AuditEntry, CaseEvent, HelpRequest

USER = {"name": "Veteran Editor", "id": 3}


def a_submission() -> Submission:
    submission = Submission.blank("en")
    submission.kinds = ["harassment"]
    submission.description = "Threats after my edits."
    submission.country = "Chile"
    return submission


def test_healthz_reports_the_database_and_the_api(client):
    reply = client.get("/healthz")
    assert reply.status_code == 200
    assert reply.get_json() == {"ok": True, "database": True, "api": True}


@pytest.mark.parametrize("missing", ["CHLDP_SECRET_KEY", "CHLDP_ENCRYPTION_KEYS"])
def test_production_refuses_to_start_without_its_keys(monkeypatch, tmp_path, missing):
    monkeypatch.setenv("CHLDP_ENV", "production")
    monkeypatch.setenv("CHLDP_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("CHLDP_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        create_app(instance_path=str(tmp_path))


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("CHLDP_ENV", "production")
    monkeypatch.setenv("CHLDP_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("CHLDP_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    config = create_app(instance_path=str(tmp_path)).config
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_the_language_follows_the_browser_then_uselang(client):
    german = client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert 'lang="de"' in german.get_data(as_text=True)
    arabic = client.get("/?uselang=ar").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in arabic
    assert 'lang="ar"' in client.get("/").get_data(as_text=True)  # remembered


def test_purge_deletes_only_what_has_expired(app):
    with app.app_context():
        kept = store(a_submission(), USER, {})
        expired = store(a_submission(), USER, {})
        add_note(expired, "Jane Doe", "Called the requester.")
        expired.purge_after = datetime.now() - timedelta(days=1)
        db.session().commit()
    result = app.test_cli_runner().invoke(args=["purge"])
    assert "Deleted 1 expired request" in result.output
    with app.app_context():
        left = db.session().scalars(select(HelpRequest.reference)).all()
    assert left == [kept.reference]
    with app.app_context():
        assert db.session().scalars(select(CaseEvent)).all() == []
        purged = db.session().scalars(select(AuditEntry.target).where(AuditEntry.action == "purge"))
        assert purged.all() == [expired.reference]


def test_rotating_keys_keeps_every_request_readable(app):
    with app.app_context():
        saved = store(a_submission(), USER, {})
    old = app.config["ENCRYPTION_KEYS"]
    rotated = create_app(
        {
            "SQLALCHEMY_URL": app.config["SQLALCHEMY_URL"],
            "ENCRYPTION_KEYS": [Fernet.generate_key().decode(), *old],
        },
        instance_path=app.instance_path,
    )
    assert "Re-sealed 1 request" in rotated.test_cli_runner().invoke(args=["rotate-keys"]).output
    newest_only = create_app(
        {
            "SQLALCHEMY_URL": app.config["SQLALCHEMY_URL"],
            "ENCRYPTION_KEYS": rotated.config["ENCRYPTION_KEYS"][:1],
        },
        instance_path=app.instance_path,
    )
    with newest_only.app_context():
        row = db.session().scalar(select(HelpRequest).where(HelpRequest.id == saved.id))
        sealer = newest_only.extensions["chldp.sealer"]
        assert sealer.open(row.description_sealed) == "Threats after my edits."


def test_findings_are_written_in_the_pages_language(client):
    with client.session_transaction() as session:
        session["user"] = {"name": "Veteran Editor", "id": 3}
    client.get("/engagement/data")
    german = client.get("/engagement?uselang=de").get_data(as_text=True)
    assert "1.500 Bearbeitungen in enwiki" in german
    assert "Beständig Mitarbeitende: 2.112 Bearbeitungen in 3 Wikis seit 2014" in german
    arabic = client.get("/engagement?uselang=ar").get_data(as_text=True)
    assert "في enwiki" in arabic and "Bearbeitungen" not in arabic
