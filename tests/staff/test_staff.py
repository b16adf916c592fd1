"""The staff console: who may see what, the steps a case may take, the fund's rules, and one
audit entry per action. Runs on SQLite and on MariaDB."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from support.helpers import (
    ADMIN,
    REQUESTER,
    REVIEWER,
    approved,
    audit_actions,
    change_status,
    farm_api,
    look_up,
    post,
    status_of,
)
from support.logins import log_in

from webtool.infra import db
from webtool.infra.models import HelpRequest

# A case page asks the wikis for the requester's engagement; the tests that open none are
# marked no_farm.
pytestmark = pytest.mark.usefixtures("staff_list")


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
        log_in(client, users[who])
        assert [client.get(page).status_code for page in pages] == codes, who


@pytest.mark.no_farm
def test_a_forbidden_page_gives_no_hint_of_what_exists(client, case):
    log_in(client, REQUESTER)
    page = client.get(f"/staff/case/{case}").get_data(as_text=True)
    assert case not in page and "Brazil" not in page
    assert client.get("/staff/no-such-page").status_code == 403


@pytest.mark.no_farm
def test_a_name_removed_from_the_staff_list_loses_access_at_once(client, monkeypatch):
    log_in(client, ADMIN)
    assert client.get("/staff/").status_code == 200
    monkeypatch.setenv("CHLDP_STAFF", "Émile:reviewer")
    assert client.get("/staff/").status_code == 403


def test_a_reviewer_asks_for_information_but_cannot_decide(app, client, case):
    log_in(client, REVIEWER)
    change_status(client, case, "in_review")
    change_status(client, case, "information_requested", "Please send the links to the posts.")
    assert status_of(app, case) == "information_requested"
    change_status(client, case, "in_review")
    refused = change_status(client, case, "approved", "Severe.")
    assert "Only an admin" in client.get(refused.headers["Location"]).get_data(as_text=True)
    assert status_of(app, case) == "in_review"


def test_steps_that_make_no_sense_are_refused(app, client, case):
    log_in(client, ADMIN)
    refused = change_status(client, case, "approved", "Fine.")
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "A case that is new cannot become approved" in page
    change_status(client, case, "in_review")
    no_reason = change_status(client, case, "declined", " ")
    assert "Say why" in client.get(no_reason.headers["Location"]).get_data(as_text=True)
    change_status(
        client,
        case,
        "declined",
        "Not in scope; other organisations that help with legal fees: see the FAQ.",
    )
    assert status_of(app, case) == "declined"


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
    assert "98,999.35 USD left of 100,000.00 (1,000.65 committed, 0.30 paid)" in page
    bad = post(
        client, f"/staff/case/{case}/money", kind="payment", category="court_costs", amount="0.001"
    )
    assert "at most two decimals" in client.get(bad.headers["Location"]).get_data(as_text=True)
    # Amounts are written the staff member's way: German groups with dots, a comma for cents.
    assert "98.999,35" in client.get("/staff/?uselang=de").get_data(as_text=True)


@pytest.mark.no_farm
def test_a_reviewer_cannot_record_money(client, case):
    approved(client, case)
    log_in(client, REVIEWER)
    reply = post(
        client, f"/staff/case/{case}/money", kind="payment", category="legal_fees", amount="10"
    )
    assert reply.status_code == 403


def test_each_action_writes_one_audit_entry(app, client, case):
    log_in(client, REVIEWER)
    client.get(f"/staff/case/{case}")
    post(client, f"/staff/case/{case}/note", text="Called the requester.")
    log_in(client, ADMIN)
    change_status(client, case, "in_review")
    assert audit_actions(app) == [
        ("Émile", "view-case"),
        ("Émile", "note"),
        ("Jane Doe", "status"),
    ]


@pytest.mark.no_farm
def test_the_program_status_is_public_json(client):
    assert client.get("/api/v1/program-status").get_json() == {
        "status": "open",
        "message": "",
        "updated": None,
    }
    log_in(client, ADMIN)
    post(client, "/staff/program-status", status="paused", message="Back in January.")
    log_in(client, None)
    answer = client.get("/api/v1/program-status").get_json()
    assert (answer["status"], answer["message"]) == ("paused", "Back in January.")


def farm_contributions(sandbox: dict, name: str, limit: int) -> list[tuple[str, int]]:
    """The newest contributions of `name` on every wiki, as each wiki's own API lists them."""
    found = []
    for wiki in sandbox["wikis"]:
        answer = farm_api(sandbox, wiki, list="usercontribs", ucuser=name, uclimit=limit)
        found += [(c["timestamp"], wiki, c["revid"]) for c in answer["query"]["usercontribs"]]
    return [(wiki, revid) for _, wiki, revid in sorted(found, reverse=True)]


def test_cross_wiki_contributions_match_the_farms_own(sandbox, client):
    log_in(client, REVIEWER)
    first = look_up(client, "Veteran_Editor")
    older = re.search(r'href="(/staff/lookup\?user=Veteran\+Editor&amp;before=[^"]+)"', first)[1]
    second = client.get(older.replace("&amp;", "&")).get_data(as_text=True)
    shown = re.findall(r"/wiki/Special:Diff/(\d+)\" rel", first + second)
    expected = farm_contributions(sandbox, "Veteran Editor", 100)[:100]
    assert [int(revid) for revid in shown] == [revid for _, revid in expected]


def test_a_lookup_is_audited_and_a_bad_name_gets_a_sentence(app, client):
    log_in(client, REVIEWER)
    bad = client.get("/staff/lookup?user=Bad<Name")
    assert bad.status_code == 400
    assert "cannot contain these characters" in bad.get_data(as_text=True)
    client.get("/staff/lookup?user=Grant Writer")  # a link: it asks nothing, records nothing
    assert ("Émile", "lookup") not in audit_actions(app)
    look_up(client, "Grant Writer")
    assert ("Émile", "lookup") in audit_actions(app)


@pytest.mark.no_farm
def test_the_export_has_no_free_text_or_contact(client, case):
    log_in(client, ADMIN)
    export = client.get("/staff/export.csv").get_data(as_text=True)
    assert case in export and "Brazil" in export
    assert "address was published" not in export
    assert client.get("/staff/counts").status_code == 200


def test_an_approval_says_what_help_it_gives(app, client, case):
    log_in(client, ADMIN)
    change_status(client, case, "in_review")
    vague = change_status(client, case, "approved", "Severe.")
    assert "referral to counsel, funding, or both" in client.get(
        vague.headers["Location"]
    ).get_data(as_text=True)
    change_status(client, case, "approved", "Severe.", assistance="referral")
    with app.app_context():
        found = db.session().scalar(select(HelpRequest).where(HelpRequest.reference == case))
        assert (found.status, found.assistance) == ("approved", "referral")
