"""Moving a deployment from before keys held by people: requests sealed under the server's
Fernet key stay readable until `reseal-cases` gives each a key pair of its own; it can run
again without loss; afterwards the server's key opens no case. And the purge keeps the books,
which the team still reads."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from cryptography.fernet import Fernet
from sqlalchemy import select, update
from support.helpers import ADMIN, REQUESTER
from support.keys import holding_team_key
from support.logins import log_in

from webtool.app import create_app
from webtool.infra import db, keys
from webtool.infra.clock import now
from webtool.infra.keyed import account_key
from webtool.infra.models import (
    AuditEntry,
    CaseEvent,
    CaseMessage,
    EvidenceBundle,
    HelpRequest,
    LedgerEntry,
)
from webtool.services import casework
from webtool.services.sealing import open_for_team

OLD = "Stored before keys held by people."
NOTE = "A note from before."
MESSAGE = "A message from before."
LINK = "https://en.wikipedia.org/wiki/Before"


def stored_before(app) -> str:
    """A request as the tool stored it before: every value under the server's Fernet key,
    with a note, a message, a ledger reason, an audit entry and an attached bundle."""
    with app.app_context():
        seal = app.services.sealer.seal
        session = db.session()
        request = HelpRequest(
            reference="CHLDP-0000-0000-0000-0042",
            submission_key="b" * 32,
            requester_key=account_key(REQUESTER),
            facts_sealed=seal(
                json.dumps(
                    {**REQUESTER, "kinds": ["doxxing"], "country": "Chile", "language": "es"}
                )
            ),
            created_at=now(),
            purge_after=now() + timedelta(days=30),
            status="approved",
            assistance="both",
            description_sealed=seal(OLD),
            contact_sealed=seal(json.dumps({"email": "", "other": "", "confirmed": False})),
            engagement_sealed=seal(json.dumps({"unavailable": True})),
        )
        session.add(request)
        session.flush()
        session.add(
            CaseEvent(
                request_id=request.id,
                at=now(),
                actor="Jane Doe",
                kind="note",
                text_sealed=seal(NOTE),
            )
        )
        session.add(
            CaseMessage(
                request_id=request.id,
                at=now(),
                author="requester",
                from_requester=True,
                text_sealed=seal(MESSAGE),
                attachments_sealed=seal("[]"),
            )
        )
        session.add(
            LedgerEntry(
                request_id=request.id,
                at=now(),
                actor="Jane Doe",
                kind="commitment",
                category="legal_fees",
                amount_cents=10_000,
                override_sealed=seal("Urgent, from before."),
            )
        )
        session.add(
            AuditEntry(
                at=now(),
                actor="Jane Doe",
                action="lookup",
                target_sealed=seal("Grant Writer"),
                detail_sealed=seal("{}"),
            )
        )
        session.add(
            EvidenceBundle(
                reference="EVID-0000-0000-0000-0042",
                submission_key="c" * 32,
                owner_key=account_key(REQUESTER),
                owner_sealed=seal(json.dumps(REQUESTER)),
                request_id=request.id,
                created_at=now(),
                updated_at=now(),
                purge_after=request.purge_after,
                status="done",
                links_total=1,
                links_done=1,
                items=1,
                refused=0,
                links_sealed=seal(LINK),
                outcome_sealed=seal("{}"),
                bundle_sealed=app.services.sealer.seal_bytes(b"PK-before"),
            )
        )
        session.commit()
        return request.reference


def test_reseal_cases_moves_requests_from_before_and_can_run_again(app, client, staff_list):
    reference = stored_before(app)
    log_in(client, ADMIN)
    assert OLD in client.get(f"/staff/case/{reference}").get_data(as_text=True)  # as before
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reseal-cases"])
    assert first.exit_code == 0, first.output
    assert "1 request(s) sealed to keys of their own" in first.output
    with app.app_context():
        session = db.session()
        request = session.scalar(select(HelpRequest))
        assert request.case_public_key and request.case_key_team
        for value in (request.description_sealed, request.facts_sealed, request.contact_sealed):
            assert keys.is_sealed_to_key(value)
        assert all(keys.is_sealed_to_key(v) for v in session.scalars(select(CaseEvent.text_sealed)))
        assert all(
            keys.is_sealed_to_key(v) for v in session.scalars(select(CaseMessage.text_sealed))
        )
        assert all(
            keys.is_sealed_to_key(v) for v in session.scalars(select(LedgerEntry.override_sealed))
        )
        bundle = session.scalar(select(EvidenceBundle))
        assert bundle.file_key_sealed is None and bundle.file_key_case
        assert bundle.links_sealed.startswith(keys.FILE)
        moved = (request.description_sealed, bundle.bundle_sealed)
    again = runner.invoke(args=["reseal-cases"])
    assert "0 request(s)" in again.output
    with app.app_context():
        request = db.session().scalar(select(HelpRequest))
        bundle = db.session().scalar(select(EvidenceBundle))
        assert (request.description_sealed, bundle.bundle_sealed) == moved  # nothing touched

    # The old Fernet key retired (after rotate-keys moved what stays under the server's keys to
    # a new one): no case needs it, and the team reads every word all the same.
    settings = {"SQLALCHEMY_URL": app.config["SQLALCHEMY_URL"], "REDIS_URL": None}
    new_key = Fernet.generate_key().decode()
    rotating = create_app(
        {**settings, "ENCRYPTION_KEYS": [new_key, *app.config["ENCRYPTION_KEYS"]]},
        instance_path=app.instance_path,
    )
    assert rotating.test_cli_runner().invoke(args=["rotate-keys"]).exit_code == 0
    retired = create_app(
        {**settings, "ENCRYPTION_KEYS": [new_key]}, instance_path=app.instance_path
    )
    staff = retired.test_client()
    log_in(staff, ADMIN)
    page = staff.get(f"/staff/case/{reference}").get_data(as_text=True)
    for word in (OLD, NOTE, MESSAGE):
        assert word in page, word
    assert "Grant Writer" in staff.get("/staff/audit").get_data(as_text=True)
    zipped = staff.get("/staff/evidence/EVID-0000-0000-0000-0042.zip")
    assert zipped.status_code == 200 and zipped.data == b"PK-before"


def test_reseal_cases_needs_the_team_key(app):
    from webtool.infra.models import TeamKey

    with app.app_context():
        db.session().query(TeamKey).delete()
        db.session().commit()
    said = app.test_cli_runner().invoke(args=["reseal-cases"])
    assert said.exit_code != 0 and "There is no team key yet" in said.output


def test_the_purge_keeps_the_books_and_the_team_still_reads_their_reasons(app, case, staff_list):
    with app.test_request_context():
        holding_team_key(app)
        found = db.session().scalar(select(HelpRequest).where(HelpRequest.reference == case))
        casework.change_status(found, "Jane Doe", "admin", "in_review", "")
        casework.change_status(found, "Jane Doe", "admin", "approved", "Severe.", "funding")
        casework.add_ledger_entry(
            found, "Jane Doe", "commitment", "legal_fees", Decimal("100"), "Hearing next week."
        )
        casework.change_status(found, "Jane Doe", "admin", "closed", "Done.")
        db.session().execute(update(HelpRequest).values(purge_after=now() - timedelta(days=1)))
        db.session().commit()
    assert app.test_cli_runner().invoke(args=["purge"]).exit_code == 0
    with app.test_request_context():
        holding_team_key(app)
        assert db.session().scalar(select(HelpRequest)) is None  # the request is gone
        (entry,) = db.session().scalars(select(LedgerEntry)).all()
        assert entry.request_id is None and entry.amount_cents == 10_000
        assert open_for_team(entry.override_sealed) == "Hearing next week."
