"""Answers in the requester's language: the reply templates live in the message files in every
language the tool speaks, documented for translators; the case page starts a message from one
in the requester's contact language, or in English saying so; staff edit it before it goes;
and a decision can carry a message the requester reads on their request's page. Runs on
SQLite and on MariaDB."""

from __future__ import annotations

import html
import json
import re

import pytest
from support import CHECKOUT
from support.helpers import ADMIN, REQUESTER, REVIEWER, STAFF, post, send
from support.logins import log_in

from webtool.infra.i18n import catalogue, languages
from webtool.services.replies import TEMPLATES

QQQ = json.loads((CHECKOUT / "webtool" / "messages" / "qqq.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def staff(monkeypatch):
    monkeypatch.setenv("CHLDP_STAFF", STAFF)


def test_every_template_is_in_every_language_with_its_documentation():
    for name in TEMPLATES:
        key = f"chldp-reply-{name}"
        for lang in languages():
            assert catalogue()[lang].get(key), (lang, key)
        assert QQQ[key].startswith("Reply template"), key
        assert catalogue()["en"][f"chldp-staff-reply-{name}"]


def textarea(page: str) -> str:
    return re.search(r'<textarea id="message"[^>]*>([^<]*)</textarea>', html.unescape(page))[1]


def request_in(client, language: str) -> str:
    log_in(client, REQUESTER)
    return send(client, language=language).headers["Location"].rsplit("/", 1)[1]


def test_a_reply_starts_in_the_requesters_language_and_says_when_it_cannot(app, client):
    german = request_in(client, "de")
    portuguese = request_in(client, "pt")
    log_in(client, REVIEWER)

    page = html.unescape(
        client.get(f"/staff/case/{german}?reply=acknowledgement").get_data(as_text=True)
    )
    text = textarea(page)
    assert text.startswith("Guten Tag,") and german in text and "legal@wikimedia.org" in text
    assert "This reply is in German, the requester's language." in page
    assert 'lang="de"' in page

    page = html.unescape(
        client.get(f"/staff/case/{portuguese}?reply=more-information").get_data(as_text=True)
    )
    assert textarea(page).startswith("Hello,\n\nTo consider your request")
    assert "has not been translated into Portuguese, the requester's language" in page

    page = client.get(f"/staff/case/{german}?reply=nothing-like-this").get_data(as_text=True)
    assert textarea(page) == ""  # not a template: an empty message, as without one


def test_a_decision_carries_its_message_to_the_requesters_page(app, client):
    reference = request_in(client, "en")
    log_in(client, REVIEWER)
    post(client, f"/staff/case/{reference}/status", status="in_review", reason="")
    log_in(client, ADMIN)
    decision = "We will pay for a lawyer in Lisbon; she will write to you here."
    post(
        client,
        f"/staff/case/{reference}/status",
        status="approved",
        reason="Severe doxxing",
        assistance="funding",
        message=decision,
    )

    log_in(client, REQUESTER)
    page = client.get(f"/requests/{reference}").get_data(as_text=True)
    assert decision in page
    assert "Severe doxxing" not in page  # the reason stays the team's
