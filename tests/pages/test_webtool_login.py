"""Login through the sandbox's OAuth provider: the happy path, and what is refused."""

from __future__ import annotations

import re

from support.helpers import post
from support.logins import provider_answer


def test_login_lands_on_the_page_asked_for(sandbox, client):
    start = client.get("/login?next=/requests")
    assert start.status_code == 302
    assert start.headers["Location"].startswith(sandbox["oauth"]["authorize_url"])
    assert "code_challenge=" in start.headers["Location"]
    back = client.get(provider_answer(sandbox, start.headers["Location"], "Jane Doe"))
    assert back.headers["Location"] == "/requests"
    assert "Logged in as Jane Doe" in client.get("/requests").get_data(as_text=True)


def test_a_next_pointing_to_another_host_is_ignored(sandbox, client):
    start = client.get("/login?next=https://evil.example/steal")
    back = client.get(provider_answer(sandbox, start.headers["Location"], "Jane Doe"))
    assert back.headers["Location"] == "/engagement"


def test_a_forged_state_is_refused(sandbox, client):
    start = client.get("/login")
    callback = provider_answer(sandbox, start.headers["Location"], "Jane Doe")
    forged = re.sub(r"state=[^&]+", "state=forged", callback)
    reply = client.get(forged)
    assert reply.status_code == 400
    assert "could not be completed safely" in reply.get_data(as_text=True)
    assert "Logged in as" not in client.get("/").get_data(as_text=True)


def test_declining_at_the_provider_says_so_and_offers_to_try_again(sandbox, client):
    start = client.get("/login")
    reply = client.get(provider_answer(sandbox, start.headers["Location"], "Émile", "cancel"))
    page = reply.get_data(as_text=True)
    assert reply.status_code == 403
    assert "You chose not to share" in page and "Try again" in page


def test_logout_ends_the_session(sandbox, client):
    start = client.get("/login")
    client.get(provider_answer(sandbox, start.headers["Location"], "Jane Doe"))
    post(client, "/logout")
    assert client.get("/requests").status_code == 302
