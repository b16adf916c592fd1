"""Conflict checks: the program never funds both sides. Two cases, one whose evidence was
written by the other's requester: both case pages say so, by central id; a member of the team
who declares a conflict can no longer open the case, the audit log has it, and an admin sees
who stepped aside but not why. Accounts the requester names are compared too. Runs on SQLite
and on MariaDB."""

from __future__ import annotations

import html

import pytest
from support.helpers import (
    ADMIN,
    REQUESTER,
    REVIEWER,
    STAFF,
    audit_actions,
    captured,
    farm_api,
    post,
    send,
)
from support.logins import log_in, log_in_as

HARASSER = "Blocked Harasser"


@pytest.fixture(autouse=True)
def staff(monkeypatch):
    monkeypatch.setenv("CHLDP_STAFF", STAFF)


@pytest.fixture
def harasser(sandbox) -> dict:
    """The harasser's account as the wikis know it: their central id, from CentralAuth."""
    info = farm_api(sandbox, "metawiki", meta="globaluserinfo", guiuser=HARASSER)
    return {"name": HARASSER, "id": info["query"]["globaluserinfo"]["id"]}


def page_of(client, reference: str) -> str:
    return html.unescape(client.get(f"/staff/case/{reference}").get_data(as_text=True))


def test_evidence_written_by_another_cases_requester_shows_on_both_cases(
    app, client, sandbox, harassment, harasser
):
    log_in(client, REQUESTER)
    theirs = send(client).headers["Location"].rsplit("/", 1)[1]
    server = sandbox["wikis"]["enwiki"]["server"]
    bundle, _ = captured(client, f"{server}/w/index.php?oldid={harassment[0]}")
    assert post(client, f"/evidence/{bundle}/attach", request=theirs).status_code == 302
    log_in_as(client, harasser["name"], harasser["id"])  # the harasser asks for help too
    his = send(client, description="They accuse me falsely.").headers["Location"].rsplit("/", 1)[1]

    log_in(client, REVIEWER)
    first = page_of(client, theirs)
    assert f"{HARASSER}, named on this case, is the requester of {his}:" in first
    assert f"{HARASSER} (author of its evidence)" in first
    second = page_of(client, his)
    assert f"The requester of this case is named in {theirs} (as {HARASSER}):" in second

    # Émile knows him: he steps aside, and the case is closed to him from then on.
    post(client, f"/staff/case/{his}/conflict", reason="He is my neighbour.")
    refused = client.get(f"/staff/case/{his}")
    assert refused.status_code == 403
    assert "You declared a conflict of interest" in html.unescape(refused.get_data(as_text=True))
    assert client.post(f"/staff/case/{his}/note", data={"text": "x"}).status_code in (400, 403)
    queue = html.unescape(client.get("/staff/").get_data(as_text=True))
    assert "You stepped aside from this case." in queue and "They accuse me" not in queue
    assert ("Émile", "conflict") in audit_actions(app)
    assert his not in page_of(client, theirs)  # nor does another case show it to him

    log_in(client, ADMIN)
    seen = page_of(client, his)
    assert "Émile, on " in seen and "He is my neighbour." not in seen


def test_accounts_the_requester_names_are_compared_with_other_cases(app, client, harasser):
    log_in_as(client, harasser["name"], harasser["id"])
    his = send(client).headers["Location"].rsplit("/", 1)[1]
    log_in(client, REQUESTER)
    theirs = send(client, accounts="blocked_Harasser\n").headers["Location"].rsplit("/", 1)[1]

    log_in(client, REVIEWER)
    page = page_of(client, theirs)
    assert f"{HARASSER} (named by the requester)" in page
    assert f"{HARASSER}, named on this case, is the requester of {his}:" in page


def test_a_name_no_wiki_could_have_is_refused_with_the_rest_kept(app, client):
    log_in(client, REQUESTER)
    reply = send(client, accounts="Good Name\nBad|Name")
    assert reply.status_code == 400
    page = html.unescape(reply.get_data(as_text=True))
    assert "One of these is not a username a Wikimedia wiki could have." in page
    assert "Bad|Name" in page  # what was typed stays in the form
