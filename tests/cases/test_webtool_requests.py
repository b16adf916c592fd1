"""Sending a request for help: nothing typed is lost, nothing is stored in the clear, and
nobody sees another person's request. Runs on SQLite and on MariaDB."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text
from support.helpers import FORM, form_fields, hidden_fields, send
from support.logins import log_in_as

from webtool.pages.auth import safe_next

pytestmark = pytest.mark.no_farm


def references_listed(client) -> set[str]:
    page = client.get("/requests").get_data(as_text=True)
    return set(re.findall(r"CHLDP(?:-[0-9A-F]{4}){4}", page))


def test_a_request_gets_a_reference_and_next_steps(client):
    log_in_as(client, "Veteran Editor", 3)
    reply = send(client)
    assert reply.status_code == 302
    page = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert re.search(r"CHLDP-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}", page)
    assert "legal@wikimedia.org" in page


def test_my_requests_lists_only_my_own(client):
    log_in_as(client, "Veteran Editor", 3)
    mine = send(client).headers["Location"].rsplit("/", 1)[1]
    log_in_as(client, "Grant Writer", 5)
    theirs = send(client).headers["Location"].rsplit("/", 1)[1]
    page = client.get("/requests").get_data(as_text=True)
    assert theirs in page and mine not in page


def test_another_users_request_is_not_found(client):
    log_in_as(client, "Veteran Editor", 3)
    location = send(client).headers["Location"]
    log_in_as(client, "Grant Writer", 5)
    assert client.get(location).status_code == 404


def test_the_form_needs_its_csrf_token(client):
    log_in_as(client, "Veteran Editor", 3)
    fields = form_fields(client, "/ask")
    reply = client.post("/ask", data={**FORM, "submission_key": fields["submission_key"]})
    assert reply.status_code == 400
    assert references_listed(client) == set()


def test_posting_the_same_form_twice_makes_one_request(client):
    log_in_as(client, "Veteran Editor", 3)
    fields = form_fields(client, "/ask")
    first = client.post("/ask", data={**FORM, **fields})
    second = client.post("/ask", data={**FORM, **fields})
    assert first.headers["Location"] == second.headers["Location"]
    assert len(references_listed(client)) == 1


def test_the_description_is_not_stored_in_the_clear(client, database_url):
    log_in_as(client, "Veteran Editor", 3)
    send(client)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM help_requests")).mappings().one()
    engine.dispose()
    stored = " ".join(str(value) for value in row.values())
    assert "home address" not in stored
    assert "me@example.org" not in stored
    assert row["description_sealed"].startswith("box1:")  # sealed to the case's public key


def test_a_form_with_mistakes_comes_back_filled_in(client):
    log_in_as(client, "Veteran Editor", 3)
    reply = send(client, country="", email="not an address", acknowledged=["discretion"])
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert FORM["description"] in page
    assert "does not look like an email address" in page
    assert "Please confirm each point" in page


def test_a_database_failure_keeps_what_was_typed(client, database_url):
    log_in_as(client, "Veteran Editor", 3)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE help_requests RENAME TO help_requests_away"))
    try:
        reply = send(client)
    finally:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE help_requests_away RENAME TO help_requests"))
        engine.dispose()
    page = reply.get_data(as_text=True)
    assert reply.status_code == 503
    assert FORM["description"] in page
    assert "could not be saved just now" in page
    # The same form, sent again once the database is back, goes through.
    assert client.post("/ask", data={**FORM, **hidden_fields(page)}).status_code == 302


def test_pages_carry_the_security_headers(client):
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_the_requester_pages_need_a_login(client):
    reply = client.get("/ask")
    assert reply.status_code == 302
    assert reply.headers["Location"].startswith("/login?next=/ask")


def test_next_is_accepted_only_as_a_path_of_this_tool():
    assert safe_next("/requests") == "/requests"
    assert safe_next("/ask?uselang=ar") == "/ask?uselang=ar"
    for hostile in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/ask\r\nLocation: https://evil.example",
        None,
        "",
    ]:
        assert safe_next(hostile) is None, hostile


def test_sending_too_many_requests_in_an_hour_is_slowed_down(client):
    log_in_as(client, "Veteran Editor", 3)
    answers = [send(client).status_code for _ in range(11)]
    assert answers[:10] == [302] * 10
    assert answers[10] == 429
    assert len(references_listed(client)) == 10
