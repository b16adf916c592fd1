"""The case, both ways: messages between the requester and the legal team, sealed and audited,
and e-mails that say nothing but the reference and a link, read from a real SMTP server on
loopback. Runs on SQLite and on MariaDB."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from support.helpers import (
    ADMIN,
    FORM,
    REQUESTER,
    REVIEWER,
    STAFF,
    audit_actions,
    captured,
    post,
    send,
    status_of,
    write,
)
from support.logins import log_in
from support.smtp_sink import link_in, watched

from webtool.infra import db
from webtool.infra.models import CaseMessage, OutboxMail
from webtool.services.help_requests import own_request
from webtool.services.notifications import send_waiting

OTHER = {"name": "Grant Writer", "id": 5}
# FORM asks in German, so the requester's e-mails are in German.
CONFIRM = "Bestätigen Sie Ihre Adresse für die Anfrage "
NEWS = "Neuigkeiten zu Ihrer Anfrage "
QUESTION = "Which forum published the address of Veteran Editor?"
ANSWER = "The forum at kiwi.example, posted by Blocked Harasser."
# What no e-mail of these tests may carry: the request's description, country and language,
# the names of the requester and of the harasser, and what was written on the case.
NEVER_IN_MAIL = [
    FORM["description"],
    "Germany",  # the country FORM chose, by name: its code is two letters any text has
    REQUESTER["name"],
    "Blocked Harasser",
    "forum",
    QUESTION,
    ANSWER,
]


@pytest.fixture(autouse=True)
def mailbox(monkeypatch):
    """Staff on the list, and a real SMTP server the tool sends to; every e-mail it received
    is checked for what it must never say."""
    monkeypatch.setenv("CHLDP_STAFF", STAFF)
    with watched(monkeypatch, NEVER_IN_MAIL) as sink:
        yield sink


@pytest.fixture
def captured_bundle(client, sandbox, harassment) -> str:
    """The reference of a finished capture of the requester's: the latest harassing edit."""
    log_in(client, REQUESTER)
    server = sandbox["wikis"]["enwiki"]["server"]
    reference, _ = captured(client, f"{server}/w/index.php?oldid={harassment[0]}")
    return reference


def staff_wanting_mail(client) -> None:
    for member, address in [(ADMIN, "jane@legal.example"), (REVIEWER, "emile@legal.example")]:
        log_in(client, member)
        post(client, "/staff/notifications", email=address, wanted="on")


def sent_request(client) -> str:
    log_in(client, REQUESTER)
    return send(client).headers["Location"].rsplit("/", 1)[1]


def confirmed(client, mailbox, reference: str) -> None:
    """The requester's address confirmed as they would: the link of the e-mail sent to it,
    opened while logged in (which changes nothing), then its button."""
    [asked] = [m for m in mailbox.to(FORM["email"]) if m["Subject"] == CONFIRM + reference]
    log_in(client, REQUESTER)
    link = link_in(asked).replace("http://localhost", "")
    page = client.get(link).get_data(as_text=True)
    assert "Confirm my address" in page
    token = re.search(r'name="token" value="([^"]+)"', page)[1]
    post(client, f"/requests/{reference}/confirm-email", token=token)


def ask(client, reference: str) -> None:
    log_in(client, REVIEWER)
    post(client, f"/staff/case/{reference}/status", status="information_requested", reason=QUESTION)


def answer(client, reference: str, text: str = ANSWER, **more) -> object:
    log_in(client, REQUESTER)
    return write(client, reference, text, **more)


def test_a_question_and_its_answer_make_a_sealed_audited_conversation(app, client, mailbox):
    staff_wanting_mail(client)
    reference = sent_request(client)
    assert [m["Subject"] for m in mailbox.to("jane@legal.example")] == [f"New request {reference}"]
    confirmed(client, mailbox, reference)
    ask(client, reference)
    [_, news] = mailbox.to(FORM["email"])
    assert news["Subject"] == NEWS + reference
    assert reference in news["Subject"] and f"/requests/{reference}" in news.get_content()

    log_in(client, REQUESTER)
    page = client.get(f"/requests/{reference}").get_data(as_text=True)
    assert QUESTION in page and "More information requested" in page
    answer(client, reference)
    assert status_of(app, reference) == "in_review"  # the answer sends it back to review
    assert [m["Subject"] for m in mailbox.to("emile@legal.example")] == [
        f"New request {reference}",
        f"The requester answered on {reference}",
    ]

    log_in(client, REVIEWER)
    case_page = client.get(f"/staff/case/{reference}").get_data(as_text=True)
    assert case_page.index(QUESTION) < case_page.index(ANSWER)
    post(client, f"/staff/case/{reference}/message", text="Checked the forum.", to="internal")
    log_in(client, REQUESTER)
    assert "Checked the forum." not in client.get(f"/requests/{reference}").get_data(as_text=True)
    with app.app_context():
        stored = " ".join(db.session().scalars(select(CaseMessage.text_sealed)))
    assert QUESTION not in stored and ANSWER not in stored
    messages = [a for a in audit_actions(app) if a[1] == "message"]
    assert messages == [("Émile", "message"), ("requester", "message")]


def test_the_queue_shows_unread_answers_first_and_how_long_cases_wait(app, client):
    first = sent_request(client)
    second = sent_request(client)
    ask(client, second)
    answer(client, second)
    log_in(client, ADMIN)
    queue = client.get("/staff/").get_data(as_text=True)
    assert queue.index(second) < queue.index(first)
    assert re.search(rf"{second}.*?class=\"unread\">1<", queue, re.S)
    assert re.search(rf"{first}.*?class=\"waited\">0 h<", queue, re.S)
    client.get(f"/staff/case/{second}")  # opening a case changes nothing
    again = client.get("/staff/").get_data(as_text=True)
    assert again.index(second) < again.index(first)
    post(client, f"/staff/case/{second}/read")  # the button marks the answer read
    queue = client.get("/staff/").get_data(as_text=True)
    assert queue.index(first) < queue.index(second)


def test_nobody_else_reads_or_writes_on_a_request(app, client):
    reference = sent_request(client)
    log_in(client, OTHER)
    assert client.get(f"/requests/{reference}").status_code == 404
    assert answer(client, reference).status_code == 302  # as the requester, for the fixture
    log_in(client, OTHER)
    assert write(client, reference, "Hi").status_code == 404
    assert post(client, f"/requests/{reference}/emails", emails="").status_code == 404


def test_a_reviewer_writes_to_the_requester_but_only_an_admin_decides(app, client):
    reference = sent_request(client)
    log_in(client, REVIEWER)
    post(client, f"/staff/case/{reference}/message", text="We are looking at it.", to="requester")
    post(client, f"/staff/case/{reference}/status", status="in_review", reason="")
    refused = post(client, f"/staff/case/{reference}/status", status="declined", reason="No.")
    assert "Only an admin" in client.get(refused.headers["Location"]).get_data(as_text=True)
    log_in(client, ADMIN)
    post(client, f"/staff/case/{reference}/status", status="declined", reason="Out of scope.")
    log_in(client, REQUESTER)
    page = client.get(f"/requests/{reference}").get_data(as_text=True)
    assert "We are looking at it." in page and "Your request is now: Declined" in page


def test_only_the_requesters_own_finished_bundles_attach(app, client):
    reference = sent_request(client)
    refused = answer(client, reference, bundles="EVID-0000-0000-0000-0009")
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "This evidence cannot be attached" in page
    assert "No messages yet." in page


def test_a_requester_turns_emails_off(app, client, mailbox):
    reference = sent_request(client)
    confirmed(client, mailbox, reference)
    post(client, f"/requests/{reference}/emails", emails="")
    ask(client, reference)
    assert [m["Subject"] for m in mailbox.to(FORM["email"])] == [CONFIRM + reference]


def test_news_goes_only_to_an_address_its_owner_confirmed(app, client, mailbox):
    reference = sent_request(client)
    [asked] = mailbox.to(FORM["email"])
    assert asked["Subject"] == CONFIRM + reference
    ask(client, reference)
    assert len(mailbox.to(FORM["email"])) == 1  # not confirmed: no news
    log_in(client, REQUESTER)
    link = link_in(asked).replace("http://localhost", "")
    client.get(link)  # opening the link changes nothing
    assert "We sent a link to your address" in client.get(f"/requests/{reference}").text
    wrong = post(client, f"/requests/{reference}/confirm-email", token="not-the-token")
    assert "This link is not the newest one" in client.get(wrong.headers["Location"]).text
    log_in(client, OTHER)
    assert client.get(link).status_code == 404  # someone else's request
    confirmed(client, mailbox, reference)
    assert "We sent a link to your address" not in client.get(f"/requests/{reference}").text
    log_in(client, REVIEWER)
    post(client, f"/staff/case/{reference}/message", text="We read it.", to="requester")
    assert [m["Subject"] for m in mailbox.to(FORM["email"])] == [
        CONFIRM + reference,
        NEWS + reference,
    ]


def test_an_address_is_one_address(client, mailbox):
    log_in(client, REQUESTER)
    for typed in (
        "victim@example.org,postmaster",
        "Victim <victim@example.org>",
        "a@b.org b@c.org",
    ):
        reply = send(client, email=typed)
        assert reply.status_code == 400, typed
        assert "This does not look like an email address" in reply.get_data(as_text=True)
    assert mailbox.texts() == []


def test_with_the_smtp_server_down_messages_stay_and_mails_go_out_once_it_is_back(
    app, client, mailbox
):
    staff_wanting_mail(client)
    mailbox.stop()
    reference = sent_request(client)
    ask(client, reference)
    answer(client, reference)
    log_in(client, REQUESTER)
    assert ANSWER in client.get(f"/requests/{reference}").get_data(as_text=True)
    with app.app_context():
        assert len(db.session().scalars(select(OutboxMail)).all()) == 5
    mailbox.start()
    with app.app_context():
        assert send_waiting() == 5  # what the worker's minute does
        assert send_waiting() == 0
    assert len(mailbox.to("jane@legal.example")) == 2
    assert [m["Subject"] for m in mailbox.to(FORM["email"])] == [CONFIRM + reference]


def test_a_message_form_sent_twice_is_stored_and_mailed_once(app, client, mailbox):
    staff_wanting_mail(client)
    reference = sent_request(client)
    confirmed(client, mailbox, reference)
    key = "0123456789abcdef0123456789abcdef"
    for _ in range(2):  # a resend, or a slow network's second try
        assert answer(client, reference, submission_key=key).status_code == 302
    log_in(client, REVIEWER)
    for _ in range(2):
        post(
            client,
            f"/staff/case/{reference}/message",
            text="We read it.",
            to="requester",
            submission_key=key[::-1],  # the staff page's form has a key of its own
        )
    with app.app_context():
        assert len(db.session().scalars(select(CaseMessage)).all()) == 2
    assert [m["Subject"] for m in mailbox.to("jane@legal.example")] == [
        f"New request {reference}",
        f"The requester answered on {reference}",
    ]
    assert [m["Subject"] for m in mailbox.to(FORM["email"])] == [
        CONFIRM + reference,
        NEWS + reference,
    ]
    log_in(client, REQUESTER)
    page = client.get(f"/requests/{reference}").get_data(as_text=True)
    assert page.count(ANSWER) == 1 and page.count("We read it.") == 1


def test_a_flood_of_messages_stops_at_the_limit_and_mails_once_until_read(app, client, mailbox):
    app.config["MESSAGES_PER_CASE"] = 3
    staff_wanting_mail(client)
    reference = sent_request(client)
    said = [answer(client, reference, text=f"Message {n}.") for n in range(4)]
    refused = client.get(said[-1].headers["Location"]).get_data(as_text=True)
    assert "You have written 3 messages on this request today, the most a day allows" in refused
    with app.app_context():
        assert len(db.session().scalars(select(CaseMessage)).all()) == 3
    answered = f"The requester answered on {reference}"
    assert [m["Subject"] for m in mailbox.to("jane@legal.example")].count(answered) == 1

    log_in(client, ADMIN)
    post(client, f"/staff/case/{reference}/read")
    app.config["MESSAGES_PER_CASE"] = 4
    answer(client, reference, text="One more.")
    assert [m["Subject"] for m in mailbox.to("jane@legal.example")].count(answered) == 2


def test_the_day_limit_holds_across_a_requesters_requests(app, client):
    app.config["MESSAGES_PER_DAY"] = 2
    first, second = sent_request(client), sent_request(client)
    answer(client, first, text="One.")
    answer(client, second, text="Two.")
    refused = answer(client, first, text="Three.")
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "You have written 2 messages today, the most a day allows" in page
    assert "Three." not in page


def test_a_bundle_attached_to_one_request_never_moves_to_another(app, client, captured_bundle):
    first, second = sent_request(client), sent_request(client)
    answer(client, first, text="The evidence.", bundles=captured_bundle)
    refused = answer(client, second, text="Again.", bundles=captured_bundle)
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "already attached to another of your requests" in page
    assert "Again." not in page
    with app.app_context():
        from webtool.services.evidence_records import own_bundle

        bundle = own_bundle(captured_bundle, REQUESTER)
        assert bundle.request_id == own_request(first, REQUESTER).id


def test_deleting_a_request_deletes_its_mail_not_yet_sent(app, client, mailbox):
    staff_wanting_mail(client)
    mailbox.stop()
    reference = sent_request(client)
    answer(client, reference)
    with app.app_context():
        assert len(db.session().scalars(select(OutboxMail)).all()) == 5  # 2 + 1 + 2
    post(client, f"/requests/{reference}/withdraw")
    post(client, f"/requests/{reference}/delete")
    with app.app_context():
        assert db.session().scalars(select(OutboxMail)).all() == []
    mailbox.start()
    with app.app_context():
        assert send_waiting() == 0
    assert mailbox.to("jane@legal.example") == []
