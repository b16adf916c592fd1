"""The request form fits people: countries named in their language (CLDR through Babel) with
"prefer not to say", contact languages each named in itself, every error next to its field and
announced to screen readers, and nothing typed lost. Requests store codes, which staff read
named in their own language; requests sent before keep what was typed.
Runs on SQLite and on MariaDB."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from support.logins import log_in

from webtool.infra import db
from webtool.infra.models import HelpRequest
from webtool.services.sealing import seal_for_case

pytestmark = pytest.mark.no_farm

REQUESTER = {"name": "Veteran Editor", "id": 3}
ADMIN = {"name": "Jane Doe", "id": 10}
DESCRIPTION = "Someone posted my home address on a forum after I reverted their edits."
FORM = {
    "kinds": ["doxxing"],
    "description": DESCRIPTION,
    "country": "DE",
    "language": "de",
    "email": "",
    "other_contact": "",
    "acknowledged": ["discretion", "limited_funds", "not_our_lawyer", "no_fines"],
}
HIDDEN = re.compile(r'name="(csrf_token|submission_key)" value="([^"]+)"')


def send(client, **changes) -> object:
    page = client.get("/ask").get_data(as_text=True)
    return client.post("/ask", data={**FORM, **dict(HIDDEN.findall(page)), **changes})


def options(page: str, select: str) -> list[tuple[str, str]]:
    """(value, text) of each option of the select named `select`."""
    body = re.search(rf'<select[^>]* name="{select}"[^>]*>(.*?)</select>', page, re.S)[1]
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', body)


def opening_tag(page: str, element_id: str) -> str:
    return re.search(rf'<[a-z]+ [^>]*id="{element_id}"[^>]*>', page)[0]


def test_countries_are_a_list_named_and_sorted_in_the_readers_language(client):
    log_in(client, REQUESTER)

    german = options(client.get("/ask?uselang=de").get_data(as_text=True), "country")
    arabic = dict(options(client.get("/ask?uselang=ar").get_data(as_text=True), "country"))

    assert german[:2] == [("", "Land auswählen"), ("ZZ", "Keine Angabe")]
    names = [name for _, name in german[2:]]
    assert names[:3] == ["Afghanistan", "Ägypten", "Ålandinseln"]  # Ä with the A's
    assert ("DE", "Deutschland") in german and ("CI", "Côte d’Ivoire") in german
    assert len(names) > 240 and "EU" not in dict(german) and "001" not in dict(german)
    assert arabic["DE"] == "ألمانيا" and arabic["ZZ"] == "أفضّل عدم الإفصاح"


def test_contact_languages_are_named_in_themselves_and_the_page_language_is_chosen(client):
    log_in(client, REQUESTER)

    page = client.get("/ask?uselang=ar").get_data(as_text=True)

    languages = dict(options(page, "language"))
    assert languages["de"] == "Deutsch" and languages["ar"] == "العربية"
    assert languages["ja"] == "日本語" and languages["und"].startswith("لغة أخرى")
    assert '<option value="ar" lang="ar" selected>' in page
    assert '<option value="de" lang="de">' in page


def test_a_form_with_mistakes_keeps_everything_typed_and_says_what_is_wrong_where(client):
    log_in(client, REQUESTER)

    reply = send(client, country="", language="de", email="not an address", acknowledged=[])

    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert f">{DESCRIPTION}</textarea>" in page
    assert 'value="not an address"' in page
    assert '<option value="de" lang="de" selected>' in page
    for field in ("country", "email"):
        tag = opening_tag(page, field)
        assert 'aria-invalid="true"' in tag and f"{field}-error" in tag
        assert f'id="{field}-error"' in page
    assert 'aria-describedby="country-help country-error"' in opening_tag(page, "country")
    assert 'aria-describedby="acknowledged-error"' in page  # its fieldset
    assert "aria-invalid" not in opening_tag(page, "description")
    summary = re.search(r'<div [^>]*role="alert" id="error-summary">(.*?)</ul>', page, re.S)[1]
    links = re.findall(r'<a href="#([^"]+)">', summary)
    assert links == ["country", "email", "acknowledged-discretion"]  # in the page's order


def test_the_description_survives_a_country_that_is_not_in_the_list(client):
    log_in(client, REQUESTER)

    reply = send(client, country="Atlantis", language="xx-invented")

    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert f">{DESCRIPTION}</textarea>" in page
    assert 'id="country-error"' in page and 'id="language-error"' in page


# The case page asks the farm for the requester's engagement.
def test_a_request_stores_codes_that_staff_read_in_their_language(sandbox, client, monkeypatch):
    monkeypatch.setenv("CHLDP_STAFF", "Jane Doe:admin")
    log_in(client, REQUESTER)
    reference = send(client).headers["Location"].rsplit("/", 1)[1]
    hidden = send(client, country="ZZ", language="und").headers["Location"].rsplit("/", 1)[1]
    log_in(client, ADMIN)

    german = client.get(f"/staff/case/{reference}?uselang=de").get_data(as_text=True)
    english = client.get(f"/staff/case/{reference}?uselang=en").get_data(as_text=True)
    unsaid = client.get(f"/staff/case/{hidden}?uselang=en").get_data(as_text=True)
    queue = client.get("/staff/?uselang=en&country=DE").get_data(as_text=True)

    assert "<dd>Deutschland</dd>" in german and "<dd>Deutsch</dd>" in german
    assert "<dd>Germany</dd>" in english and "<dd>German</dd>" in english
    assert "<dd>Prefer not to say</dd>" in unsaid
    assert "<dd>Another language (say which in your description)</dd>" in unsaid
    assert reference in queue and hidden not in queue and "<td>Germany</td>" in queue
    # The queue's filter offers the form's own list, the chosen country kept selected.
    assert '<option value="DE" selected>Germany</option>' in queue


def test_a_request_sent_before_the_lists_shows_what_was_typed(sandbox, app, client, monkeypatch):
    monkeypatch.setenv("CHLDP_STAFF", "Jane Doe:admin")
    log_in(client, REQUESTER)
    reference = send(client).headers["Location"].rsplit("/", 1)[1]
    with app.app_context():  # the row as the free-text form left it
        row = db.session().scalar(select(HelpRequest).where(HelpRequest.reference == reference))
        facts = {**REQUESTER, "kinds": FORM["kinds"]}
        facts.update(country="Bavaria, Germany", language="Deutsch bitte")
        row.facts_sealed = seal_for_case(row, json.dumps(facts))
        db.session().commit()
    log_in(client, ADMIN)

    page = client.get(f"/staff/case/{reference}?uselang=de").get_data(as_text=True)

    assert "<dd>Bavaria, Germany</dd>" in page and "<dd>Deutsch bitte</dd>" in page
