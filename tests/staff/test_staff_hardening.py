"""The staff console's hardening: CSV cells a spreadsheet would run, messages only the tool
chose, personal pages kept out of caches, a requester shown only the evidence they may open,
amounts too large for the ledger, and a look-up of a name that has no global account.
Runs on SQLite and on MariaDB."""

from __future__ import annotations

import csv
import io
import re
import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from support.helpers import (
    ADMIN,
    EVIDENCE_REFERENCE,
    REQUESTER,
    REVIEWER,
    approved,
    audit_actions,
    captured,
    change_status,
    form_fields,
    look_up,
    post,
    send,
)
from support.keys import holding_team_key
from support.logins import log_in

from program.assistance import parse_amount
from program.refusal import Refused
from webtool.infra import db
from webtool.infra.models import AuditEntry
from webtool.pages.csv_export import cell
from webtool.services import casework
from webtool.services.casework import refused_counts

pytestmark = pytest.mark.usefixtures("staff_list")

# A cell that starts with any of OWASP's characters is run by a spreadsheet as a formula.
FORMULAS = ['=HYPERLINK("https://evil.example","x")', "+1+1", "-1+1", "@SUM(A1)", "\tx", "\rx"]


def sent_case(client, **changes) -> str:
    log_in(client, REQUESTER)
    return send(client, **changes).headers["Location"].rsplit("/", 1)[1]


def rows_of(reply) -> list[list[str]]:
    return list(csv.reader(io.StringIO(reply.get_data(as_text=True))))


def test_text_that_a_spreadsheet_would_run_is_written_as_text():
    for formula in FORMULAS:
        assert cell(formula) == "'" + formula
    assert cell("Brazil") == "Brazil" and cell("") == ""
    # Numbers the tool writes itself stay numbers, a negative one too.
    assert cell(Decimal("-0.01")) == Decimal("-0.01") and cell(3) == 3


@pytest.mark.no_farm
def test_the_case_export_neutralises_formulas(app, client):
    # The form sends only codes from its lists; a request sent before it did keeps what was
    # typed, and anyone could type a formula.
    from webtool.services.help_requests import Submission, store

    submission = Submission.blank("@SUM(A1)")
    submission.kinds, submission.description = ["doxxing"], "My address was published."
    submission.country = FORMULAS[0]
    with app.app_context():
        reference = store(submission, {"name": "Veteran Editor", "id": 3}, {}).reference
    log_in(client, ADMIN)
    rows = rows_of(client.get("/staff/export.csv"))
    row = next(row for row in rows if row[0] == reference)
    assert "'" + FORMULAS[0] in row and "'@SUM(A1)" in row
    assert FORMULAS[0] not in row


@pytest.mark.no_farm
def test_the_audit_export_neutralises_formulas(app, client):
    with app.app_context():
        for formula in FORMULAS:
            casework.record(ADMIN["name"], "lookup", formula)
    log_in(client, ADMIN)
    rows = rows_of(client.get("/staff/audit?format=csv"))
    targets = [row[3] for row in rows[1:]]
    for formula in FORMULAS:
        assert "'" + formula in targets and formula not in targets


def test_the_case_page_shows_no_text_from_its_address(client):
    reference = sent_case(client)
    log_in(client, REVIEWER)
    page = client.get(f"/staff/case/{reference}?error=Send+your+password+to+evil.example")
    assert "evil.example" not in page.get_data(as_text=True)


def test_a_refusal_comes_back_once_as_the_tools_own_sentence(client):
    reference = sent_case(client)
    log_in(client, ADMIN)
    refused = change_status(client, reference, "approved", "Fine.")
    assert "error" not in refused.headers["Location"]
    sentence = "A case that is new cannot become approved"
    assert sentence in client.get(refused.headers["Location"]).get_data(as_text=True)
    assert sentence not in client.get(refused.headers["Location"]).get_data(as_text=True)


def test_pages_for_a_logged_in_person_and_downloads_are_not_stored(client, evidence_links):
    reference = sent_case(client)
    bundle, _ = captured(client, evidence_links["text"])
    for url in ("/", "/requests", f"/requests/{reference}", f"/evidence/{bundle}/bundle.zip"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    log_in(client, ADMIN)
    for url in (
        "/staff/",
        f"/staff/case/{reference}",
        "/staff/lookup",
        "/staff/export.csv",
        "/staff/audit?format=csv",
    ):
        assert client.get(url).headers["Cache-Control"] == "no-store", url


@pytest.mark.no_farm
def test_public_pages_stay_cacheable_for_visitors(client):
    for url in ("/", "/api/v1/program-status"):
        assert "no-store" not in client.get(url).headers.get("Cache-Control", ""), url


def test_a_requester_sees_only_the_evidence_they_may_open(client, evidence_links):
    reference = sent_case(client)
    own, _ = captured(client, evidence_links["text"])
    post(client, f"/evidence/{own}/attach", request=reference)
    staff_bundle = staff_capture(client, reference, evidence_links["text"])

    log_in(client, REQUESTER)
    page = client.get(f"/requests/{reference}").get_data(as_text=True)
    assert own in page
    assert staff_bundle not in page


def staff_capture(client, reference: str, links: str) -> str:
    """The reference of a bundle an admin captured for the case."""
    log_in(client, ADMIN)
    case_url = f"/staff/case/{reference}"
    before = set(EVIDENCE_REFERENCE.findall(client.get(case_url).get_data(True)))
    client.post(f"{case_url}/evidence", data={"links": links, **form_fields(client, case_url)})
    deadline = time.monotonic() + 120
    while True:
        page = client.get(case_url).get_data(as_text=True)
        new = set(EVIDENCE_REFERENCE.findall(page)) - before
        if new:
            return new.pop()
        assert time.monotonic() < deadline, "the staff capture did not start"
        time.sleep(0.2)


@pytest.mark.parametrize(
    "amount", ["1e30", "99999999999999999999", "92233720368547758.08", "1e999999999"]
)
def test_an_amount_too_large_for_the_ledger_gets_a_sentence(app, client, amount):
    reference = sent_case(client)
    approved(client, reference)
    for override in ("", "Board approved."):
        reply = post(
            client,
            f"/staff/case/{reference}/money",
            kind="commitment",
            category="legal_fees",
            amount=amount,
            override=override,
        )
        assert reply.status_code == 302
        page = client.get(reply.headers["Location"]).get_data(as_text=True)
        assert "An amount is at most 1,000,000,000,000.00." in page
    assert "commitment" not in [action for _, action in audit_actions(app)]


def test_the_largest_amount_is_taken_exactly():
    assert parse_amount("1,000,000,000,000.00") == Decimal("1000000000000.00")
    with pytest.raises(Refused, match="chldp-refused-amount-too-large"):
        parse_amount("1000000000000.01")


def test_a_lookup_of_a_name_without_a_global_account_says_so(client):
    log_in(client, REVIEWER)
    page = look_up(client, "Nobody by this name")
    assert "There is no global account named Nobody by this name." in page


@pytest.mark.no_farm
def test_a_flood_of_refused_requests_leaves_counts_and_no_rows(app, client, staff_list):
    long_path = "/staff/" + "x" * 4000
    for _ in range(300):
        client.get(long_path)
    log_in(client, REQUESTER)
    for _ in range(300):
        client.get(long_path)
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(AuditEntry)) == 0
        counted = {r.kind: r.count for r in refused_counts()}
    assert counted == {"anonymous:other": 300, "not-staff:other": 300}
    log_in(client, ADMIN)
    page = client.get("/staff/audit").get_data(as_text=True)
    assert "anonymous:other" in page and "300" in page
    assert len(page) < 50_000


@pytest.mark.no_farm
def test_the_audit_log_is_read_a_page_at_a_time_and_exported_whole(app, client, staff_list):
    with app.app_context():
        for number in range(250):
            casework.audit("Jane Doe", "lookup", f"Account {number:03d}")
        db.session().commit()
    log_in(client, ADMIN)
    first = client.get("/staff/audit").get_data(as_text=True)
    assert first.count("<tr><td>") == 100
    assert "Account 249" in first and "Account 100" not in first  # the newest first
    older = re.search(r'href="(/staff/audit\?before=\d+)"', first)[1]
    second = client.get(older).get_data(as_text=True)
    assert second.count("<tr><td>") == 100
    assert not set(re.findall(r"Account \d{3}", first)) & set(re.findall(r"Account \d{3}", second))
    exported = client.get("/staff/audit?format=csv")
    assert exported.is_streamed
    lines = exported.get_data(as_text=True).splitlines()
    assert [line for line in lines if "Account" in line][0].endswith(",lookup,Account 000,{}")
    assert len([line for line in lines if "Account" in line]) == 250


@pytest.mark.no_farm
def test_a_target_is_kept_to_its_bound(app):
    with app.app_context():
        casework.record("Jane Doe", "lookup", "y" * 5000)
        holding_team_key(app)
        assert casework.audit_entries()[0]["target"] == "y" * casework.TARGET_MOST


def test_a_link_from_another_site_opens_nothing_of_the_console(app, client, staff_list, case):
    log_in(client, ADMIN)
    elsewhere = {"Sec-Fetch-Site": "cross-site"}
    for path in (f"/staff/case/{case}", "/staff/lookup?user=Grant+Writer", "/staff/export.csv"):
        page = client.get(path, headers=elsewhere)
        assert page.status_code == 200
        assert "You followed a link to the console from another site" in page.text
        assert f'href="{path}' in page.text.replace("&amp;", "&")
    assert audit_actions(app) == []
    assert (
        client.get(f"/staff/case/{case}", headers={"Sec-Fetch-Site": "same-origin"}).status_code
        == 200
    )
    assert ("Jane Doe", "view-case") in audit_actions(app)
