"""The staff console: who may see what, the steps a case may take, the fund's rules, and one
audit entry per action. Runs on SQLite and on MariaDB."""

from __future__ import annotations

import re

import pytest
import requests
from logins import log_in
from sqlalchemy import select

from webtool import db
from webtool.help_requests import Submission, store
from webtool.models import AuditEntry, HelpRequest

STAFF = "Jane Doe:admin,Émile:reviewer"
ADMIN = {"name": "Jane Doe", "id": 10}
REVIEWER = {"name": "Émile", "id": 11}
REQUESTER = {"name": "Veteran Editor", "id": 3}


@pytest.fixture(autouse=True)
def staff_list(monkeypatch):
    monkeypatch.setenv("CHLDP_STAFF", STAFF)


@pytest.fixture
def case(app) -> str:
    submission = Submission.blank("en")
    submission.kinds = ["doxxing"]
    submission.description = "My address was published."
    submission.country = "Brazil"
    with app.app_context():
        return store(submission, REQUESTER, {"unavailable": True}).reference


def as_user(client, user: dict | None) -> None:
    log_in(client, user)


def post(client, url: str, **data) -> object:
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    return client.post(url, data={"csrf_token": token, **data})


def audit_actions(app) -> list[tuple[str, str]]:
    """What staff did, in order; the pinning of their names (test_custody.py) left out."""
    with app.app_context():
        entries = db.session().scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.actor, e.action) for e in entries if e.actor != "configuration"]


def status_of(app, reference: str) -> str:
    with app.app_context():
        return db.session().scalar(
            select(HelpRequest.status).where(HelpRequest.reference == reference)
        )


def test_every_staff_page_answers_by_role(client, case, monkeypatch):
    pages = ["/staff/", f"/staff/case/{case}", "/staff/program-status", "/staff/audit"]
    expected = {
        None: [403, 403, 403, 403],
        "requester": [403, 403, 403, 403],
        "reviewer": [200, 200, 403, 403],
        "admin": [200, 200, 200, 200],
    }
    users = {None: None, "requester": REQUESTER, "reviewer": REVIEWER, "admin": ADMIN}
    for who, codes in expected.items():
        as_user(client, users[who])
        assert [client.get(page).status_code for page in pages] == codes, who


def test_a_forbidden_page_gives_no_hint_of_what_exists(client, case):
    as_user(client, REQUESTER)
    page = client.get(f"/staff/case/{case}").get_data(as_text=True)
    assert case not in page and "Brazil" not in page
    assert client.get("/staff/no-such-page").status_code == 403


def test_a_name_removed_from_the_staff_list_loses_access_at_once(client, monkeypatch):
    as_user(client, ADMIN)
    assert client.get("/staff/").status_code == 200
    monkeypatch.setenv("CHLDP_STAFF", "Émile:reviewer")
    assert client.get("/staff/").status_code == 403


def test_a_reviewer_asks_for_information_but_cannot_decide(app, client, case):
    as_user(client, REVIEWER)
    post(client, f"/staff/case/{case}/status", status="in_review", reason="")
    post(
        client,
        f"/staff/case/{case}/status",
        status="information_requested",
        reason="Please send the links to the posts.",
    )
    assert status_of(app, case) == "information_requested"
    post(client, f"/staff/case/{case}/status", status="in_review", reason="")
    refused = post(client, f"/staff/case/{case}/status", status="approved", reason="Severe.")
    assert "Only an admin" in client.get(refused.headers["Location"]).get_data(as_text=True)
    assert status_of(app, case) == "in_review"


def test_steps_that_make_no_sense_are_refused(app, client, case):
    as_user(client, ADMIN)
    refused = post(client, f"/staff/case/{case}/status", status="approved", reason="Fine.")
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "A case that is new cannot become approved" in page
    post(client, f"/staff/case/{case}/status", status="in_review", reason="")
    no_reason = post(client, f"/staff/case/{case}/status", status="declined", reason=" ")
    assert "Say why" in client.get(no_reason.headers["Location"]).get_data(as_text=True)
    post(
        client,
        f"/staff/case/{case}/status",
        status="declined",
        reason="Not in scope; other organisations that help with legal fees: see the FAQ.",
    )
    assert status_of(app, case) == "declined"


def approved(client, case: str) -> None:
    as_user(client, ADMIN)
    post(client, f"/staff/case/{case}/status", status="in_review", reason="")
    post(
        client,
        f"/staff/case/{case}/status",
        status="approved",
        reason="Severe doxxing.",
        assistance="both",
    )


def test_the_program_never_pays_fines_damages_or_fee_awards(app, client, case):
    approved(client, case)
    for category in ("fines", "damages", "attorney_fee_awards"):
        reply = post(
            client, f"/staff/case/{case}/money", kind="commitment", category=category, amount="100"
        )
        assert "never pays" in client.get(reply.headers["Location"]).get_data(as_text=True)
    assert "commitment" not in [action for _, action in audit_actions(app)]


def test_a_commitment_beyond_the_fund_needs_an_admins_override(app, client, case):
    approved(client, case)
    too_much = post(
        client,
        f"/staff/case/{case}/money",
        kind="commitment",
        category="legal_fees",
        amount="100000.01",
    )
    assert "more than the fund has left" in client.get(too_much.headers["Location"]).get_data(
        as_text=True
    )
    post(
        client,
        f"/staff/case/{case}/money",
        kind="commitment",
        category="legal_fees",
        amount="100000.01",
        override="Board approved extra funds.",
    )
    assert "-0.01 USD left" in client.get("/staff/").get_data(as_text=True)


def test_sums_are_exact_decimals(app, client, case):
    approved(client, case)
    for amount in ("0.10", "0.20", "1000.35"):
        post(
            client,
            f"/staff/case/{case}/money",
            kind="commitment",
            category="court_costs",
            amount=amount,
        )
    post(client, f"/staff/case/{case}/money", kind="payment", category="court_costs", amount="0.30")
    page = client.get("/staff/").get_data(as_text=True)
    assert "98999.35 USD left of 100000.00 (1000.65 committed, 0.30 paid)" in page
    bad = post(
        client, f"/staff/case/{case}/money", kind="payment", category="court_costs", amount="0.001"
    )
    assert "at most two decimals" in client.get(bad.headers["Location"]).get_data(as_text=True)


def test_a_reviewer_cannot_record_money(client, case):
    approved(client, case)
    as_user(client, REVIEWER)
    reply = post(
        client, f"/staff/case/{case}/money", kind="payment", category="legal_fees", amount="10"
    )
    assert reply.status_code == 403


def test_each_action_writes_one_audit_entry(app, client, case):
    as_user(client, REVIEWER)
    client.get(f"/staff/case/{case}")
    post(client, f"/staff/case/{case}/note", text="Called the requester.")
    as_user(client, ADMIN)
    post(client, f"/staff/case/{case}/status", status="in_review", reason="")
    assert audit_actions(app) == [
        ("Émile", "view-case"),
        ("Émile", "note"),
        ("Jane Doe", "status"),
    ]


def test_the_program_status_is_public_json(client):
    assert client.get("/api/v1/program-status").get_json() == {
        "status": "open",
        "message": "",
        "updated": None,
    }
    as_user(client, ADMIN)
    post(client, "/staff/program-status", status="paused", message="Back in January.")
    as_user(client, None)
    answer = client.get("/api/v1/program-status").get_json()
    assert (answer["status"], answer["message"]) == ("paused", "Back in January.")


def farm_contributions(sandbox: dict, name: str, limit: int) -> list[tuple[str, int]]:
    """The newest contributions of `name` on every wiki, as each wiki's own API lists them."""
    found = []
    for wiki, info in sandbox["wikis"].items():
        answer = requests.get(
            info["api_url"],
            params={
                "action": "query",
                "list": "usercontribs",
                "ucuser": name,
                "uclimit": limit,
                "format": "json",
                "formatversion": 2,
            },
            timeout=30,
        ).json()
        found += [(c["timestamp"], wiki, c["revid"]) for c in answer["query"]["usercontribs"]]
    return [(wiki, revid) for _, wiki, revid in sorted(found, reverse=True)]


def test_cross_wiki_contributions_match_the_farms_own(sandbox, client):
    as_user(client, REVIEWER)
    first = client.get("/staff/lookup?user=Veteran_Editor").get_data(as_text=True)
    older = re.search(r'href="(/staff/lookup\?user=Veteran\+Editor&amp;before=[^"]+)"', first)[1]
    second = client.get(older.replace("&amp;", "&")).get_data(as_text=True)
    shown = re.findall(r"/wiki/Special:Diff/(\d+)\" rel", first + second)
    expected = farm_contributions(sandbox, "Veteran Editor", 100)[:100]
    assert [int(revid) for revid in shown] == [revid for _, revid in expected]


def test_a_lookup_is_audited_and_a_bad_name_gets_a_sentence(app, client):
    as_user(client, REVIEWER)
    bad = client.get("/staff/lookup?user=Bad<Name")
    assert bad.status_code == 400
    assert "cannot contain these characters" in bad.get_data(as_text=True)
    client.get("/staff/lookup?user=Grant Writer")
    assert ("Émile", "lookup") in audit_actions(app)


def test_the_export_has_no_free_text_or_contact(client, case):
    as_user(client, ADMIN)
    export = client.get("/staff/export.csv").get_data(as_text=True)
    assert case in export and "Brazil" in export
    assert "address was published" not in export
    assert client.get("/staff/counts").status_code == 200


def test_an_approval_says_what_help_it_gives(app, client, case):
    as_user(client, ADMIN)
    post(client, f"/staff/case/{case}/status", status="in_review", reason="")
    vague = post(client, f"/staff/case/{case}/status", status="approved", reason="Severe.")
    assert "referral to counsel, funding, or both" in client.get(
        vague.headers["Location"]
    ).get_data(as_text=True)
    post(
        client,
        f"/staff/case/{case}/status",
        status="approved",
        reason="Severe.",
        assistance="referral",
    )
    with app.app_context():
        found = db.session().scalar(select(HelpRequest).where(HelpRequest.reference == case))
        assert (found.status, found.assistance) == ("approved", "referral")
