"""The requester's rights: withdraw a request, download everything the tool holds about them,
and delete a withdrawn or closed request at once, keeping only the fund's books and the audit
log. Each is explained and confirmed first. Runs on SQLite and on MariaDB."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from support.helpers import ADMIN, REQUESTER, audit_actions, post, send, status_of, write
from support.logins import log_in

from webtool.infra import db
from webtool.infra.models import CaseMessage, EvidenceBundle, HelpRequest, LedgerEntry
from webtool.services.casework import add_ledger_entry, change_status

MARKUP = "<script>alert('x')</script> & <b>bold</b>"


# The web tool of these tests asks no wiki (see conftest.py), but for the tests that ask for
# `sandbox`: their pages show a requester's engagement, gathered from the farm.
pytestmark = [pytest.mark.usefixtures("staff_list"), pytest.mark.no_farm]


def sent_request(client, **changes) -> str:
    log_in(client, REQUESTER)
    return send(client, **changes).headers["Location"].rsplit("/", 1)[1]


def approved_with_money(app, reference: str) -> None:
    with app.app_context():
        case = db.session().scalar(select(HelpRequest).where(HelpRequest.reference == reference))
        change_status(case, "Jane Doe", "admin", "in_review", "")
        change_status(case, "Jane Doe", "admin", "approved", "Severe.", "funding")
        add_ledger_entry(case, "Jane Doe", "commitment", "legal_fees", Decimal("500"))


def ledger(app) -> list[tuple]:
    with app.app_context():
        rows = db.session().scalars(select(LedgerEntry).order_by(LedgerEntry.id))
        return [(row.kind, row.amount_cents, row.request_id is None) for row in rows]


def test_a_withdrawal_is_explained_confirmed_and_leaves_the_books(sandbox, app, client):
    reference = sent_request(client)
    approved_with_money(app, reference)
    before = ledger(app)
    explained = client.get(f"/requests/{reference}/withdraw").get_data(as_text=True)
    assert "stays in the program" in explained and "Yes, withdraw it" in explained
    assert status_of(app, reference) == "approved"  # nothing happens before the confirmation
    page = client.get(post(client, f"/requests/{reference}/withdraw").headers["Location"])
    assert "Your request was withdrawn." in page.get_data(as_text=True)
    assert status_of(app, reference) == "withdrawn"
    assert ledger(app) == before
    assert ("requester", "withdraw") in audit_actions(app)
    log_in(client, ADMIN)
    case_page = client.get(f"/staff/case/{reference}").get_data(as_text=True)
    assert "withdrawn" in case_page and "Send message" not in case_page


def test_the_download_holds_everything_readable_and_escaped(app, client):
    reference = sent_request(client, description=MARKUP)
    write(client, reference, "More: " + MARKUP)
    assert "Download" in client.get("/my-data").get_data(as_text=True)
    download = post(client, "/my-data")
    assert download.headers["Content-Disposition"].startswith("attachment")
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        data = json.loads(archive.read("data.json"))
        index = archive.read("index.html").decode()
    [request] = data["requests"]
    assert request["reference"] == reference and request["description"] == MARKUP
    assert request["conversation"][0]["text"] == "More: " + MARKUP
    assert "<script>" not in index and "&lt;script&gt;" in index and reference in index
    assert ("requester", "download-own-data") in audit_actions(app)


def test_a_deletion_removes_the_person_and_keeps_the_books_detached(app, client):
    reference = sent_request(client)
    write(client, reference, "Here is more.")
    approved_with_money(app, reference)
    assert client.get(f"/requests/{reference}/delete").status_code == 404  # not ended yet
    post(client, f"/requests/{reference}/withdraw")
    log_in(client, {"name": "Grant Writer", "id": 5})
    assert client.get(f"/requests/{reference}/delete").status_code == 404
    assert post(client, f"/requests/{reference}/delete").status_code == 404
    log_in(client, REQUESTER)
    explained = client.get(f"/requests/{reference}/delete").get_data(as_text=True)
    assert "cannot be undone" in explained
    done = post(client, f"/requests/{reference}/delete")
    assert "Your request was deleted." in client.get(done.headers["Location"]).get_data(
        as_text=True
    )
    assert client.get(f"/requests/{reference}").status_code == 404
    with app.app_context():
        for model in (HelpRequest, CaseMessage, EvidenceBundle):
            assert db.session().scalar(select(func.count()).select_from(model)) == 0
    assert ledger(app) == [("commitment", 50000, True)]
    assert ("requester", "delete") in audit_actions(app)
