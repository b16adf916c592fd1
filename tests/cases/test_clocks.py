"""The clocks on a case, with a frozen clock (time-machine), never sleeps: a case's time to be
acknowledged and decided counts, pauses while the team waits for the requester, warns and goes
overdue; overdue cases stand first; the daily digest names the references near or past their
time and nothing else. Runs on SQLite and on MariaDB."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from support.helpers import ADMIN, FORM, REQUESTER, REVIEWER, STAFF, post, send, write
from support.logins import log_in
from support.smtp_sink import watched

from webtool.sweep import sweep

T0 = datetime(2027, 3, 1, 9, 0)  # a Monday morning, UTC
NEVER_IN_MAIL = [FORM["description"], REQUESTER["name"], "Germany", "harassment", "doxxing"]


@pytest.fixture(autouse=True)
def mailbox(monkeypatch):
    """Staff on the list, and a real SMTP server the tool sends to; every e-mail it received
    is checked for what it must never say."""
    monkeypatch.setenv("CHLDP_STAFF", STAFF)
    with watched(monkeypatch, NEVER_IN_MAIL) as sink:
        yield sink


@pytest.fixture
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def sent_request(client) -> str:
    log_in(client, REQUESTER)
    return send(client).headers["Location"].rsplit("/", 1)[1]


def clock_on_case(client, reference: str) -> str:
    log_in(client, REVIEWER)
    page = client.get(f"/staff/case/{reference}").get_data(as_text=True)
    return re.search(r'<dd class="clock clock-(\w+)">([^<]*)</dd>', page).groups()


def queue_order(client) -> list[str]:
    log_in(client, REVIEWER)
    page = client.get("/staff/").get_data(as_text=True)
    return re.findall(r'href="/staff/case/(CHLDP-[^"]+)"', page)


def test_a_case_clock_counts_warns_and_goes_overdue(app, client, frozen):
    older = sent_request(client)
    frozen.shift(timedelta(hours=1))
    newer = sent_request(client)
    log_in(client, REVIEWER)
    post(client, f"/staff/case/{older}/message", text="We have your request.", to="requester")

    frozen.shift(timedelta(days=1))
    assert clock_on_case(client, newer) == ("running", "To acknowledge: 6 d 0 h left")
    assert clock_on_case(client, older) == ("running", "To decide: 88 d 23 h left")
    assert queue_order(client) == [older, newer]  # the oldest first, while none is pressing

    frozen.shift(timedelta(days=4, hours=6))  # three quarters of the 7 days have passed
    assert clock_on_case(client, newer) == ("warning", "To acknowledge: only 1 d 18 h left")

    frozen.shift(timedelta(days=2))
    assert clock_on_case(client, newer) == ("overdue", "To acknowledge: overdue by 6 h")
    frozen.shift(timedelta(days=1, hours=5))
    assert clock_on_case(client, newer) == ("overdue", "To acknowledge: overdue by 1 d 11 h")
    assert queue_order(client) == [newer, older]  # past its time: first

    # Acknowledged by a change of status: then the decision's clock runs, from the request.
    post(client, f"/staff/case/{newer}/status", status="in_review", reason="")
    assert clock_on_case(client, newer)[0] == "running"
    log_in(client, ADMIN)
    post(client, f"/staff/case/{newer}/status", status="declined", reason="Out of scope")
    assert clock_on_case(client, newer) == ("decided", "Decided")


def test_the_clock_pauses_while_the_team_waits_for_the_requester(app, client, frozen):
    reference = sent_request(client)
    frozen.shift(timedelta(days=2))
    log_in(client, REVIEWER)
    post(
        client,
        f"/staff/case/{reference}/status",
        status="information_requested",
        reason="When did it start?",
    )
    frozen.shift(timedelta(days=100))  # the requester takes their time: nothing runs out

    assert clock_on_case(client, reference) == ("paused", "Paused: waiting for the requester")
    log_in(client, REQUESTER)
    write(client, reference, "It started in January.")
    # Back in review: 88 of the 90 days are left, the 100 waited for the requester not counted.
    assert clock_on_case(client, reference) == ("running", "To decide: 88 d 0 h left")


def test_the_daily_digest_names_the_pressing_references_and_nothing_else(
    app, client, frozen, mailbox
):
    frozen.move_to(datetime(2027, 2, 27, 9, 0))
    for member, address in [(ADMIN, "jane@legal.example"), (REVIEWER, "emile@legal.example")]:
        log_in(client, member)
        post(client, "/staff/notifications", email=address, wanted="on")
    overdue = sent_request(client)  # ten days old when the digest goes: past its time
    frozen.move_to(datetime(2027, 3, 1, 9, 0))
    near = sent_request(client)  # a week less a few hours old: near its time
    frozen.move_to(datetime(2027, 3, 7, 9, 0))
    fresh = sent_request(client)  # a day old: neither
    already = len(mailbox.messages)

    frozen.move_to(datetime(2027, 3, 8, 6, 30))
    sweep(app)
    digests = mailbox.messages[already:]
    frozen.move_to(datetime(2027, 3, 9, 5, 0))
    sweep(app)  # later rounds before the next day's hour send nothing more
    assert mailbox.messages[already:] == digests

    assert sorted(m["To"] for m in digests) == ["emile@legal.example", "jane@legal.example"]
    for digest in digests:
        assert digest["Subject"] == "2 cases are near or past their time"
        body = digest.get_content().replace("\r\n", "\n")
        assert f"{overdue}: past its time\n{near}: near its time" in body
        assert fresh not in body
        assert "/staff/" in body
