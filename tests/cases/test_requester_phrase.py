"""The requester's recovery phrase and devices: shown once with the first thing stored; on
another device it opens everything; a forgotten device needs it again; with neither, a new key
that the legal team approves; evidence sealed to the requester's key; and nobody else's phrase
or cookie opens anything."""

from __future__ import annotations

import io
import json
import re
import zipfile

from sqlalchemy import select
from support.helpers import ADMIN, REQUESTER, answer, captured, post, send, write
from support.logins import log_in

from webtool.infra import db
from webtool.infra.models import EvidenceBundle, RequesterDevice, RequesterKey
from webtool.services.sealing import DEVICE_COOKIE

ANSWER = "Please tell us which forum it was."
DESCRIPTION = "Someone posted my home address on a forum"
WORDS = re.compile(r'<ol class="phrase"[^>]*>(.*?)</ol>', re.S)


def phrase_on(page: str) -> str:
    """The twelve words the page shows."""
    return " ".join(re.findall(r"<code>([a-z]+)</code>", WORDS.search(page)[1]))


def sent_with_phrase(client) -> tuple[str, str]:
    """A request sent; its reference and the phrase its page shows (then kept)."""
    reference = send(client).headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/requests/{reference}").get_data(as_text=True)
    phrase = phrase_on(page)
    assert len(phrase.split()) == 12
    assert "Nobody else sees these words" in page and "English words" in page
    post(client, "/my-key/phrase", next=f"/requests/{reference}", kept="on")
    assert WORDS.search(client.get(f"/requests/{reference}").get_data(as_text=True)) is None
    return reference, phrase


def answered(app, reference: str):
    staff = app.test_client()
    log_in(staff, ADMIN)
    answer(staff, reference, ANSWER)
    return staff


def test_the_phrase_opens_another_device_which_then_remembers(app, client, staff_list):
    log_in(client, REQUESTER)
    reference, phrase = sent_with_phrase(client)
    answered(app, reference)
    other = app.test_client()
    log_in(other, REQUESTER)
    assert ANSWER not in other.get(f"/requests/{reference}").get_data(as_text=True)
    wrong = post(other, "/my-key/open", phrase="abandon " * 12, next=f"/requests/{reference}")
    assert wrong.status_code == 400 and "do not open your key" in wrong.get_data(as_text=True)
    # Capitals and spaces as a person types them.
    opened = post(
        other, "/my-key/open", phrase=f"  {phrase.upper()}  ", next=f"/requests/{reference}"
    )
    assert opened.headers["Location"] == f"/requests/{reference}"
    assert ANSWER in other.get(f"/requests/{reference}").get_data(as_text=True)
    assert other.get_cookie(DEVICE_COOKIE) is not None  # remembered from now on


def test_a_forgotten_device_needs_the_phrase_again(app, client, staff_list):
    log_in(client, REQUESTER)
    reference, phrase = sent_with_phrase(client)
    answered(app, reference)
    assert "Forget this device" in client.get("/requests").get_data(as_text=True)
    forgot = post(client, "/my-key/forget")
    assert "no longer holds your key" in client.get(forgot.headers["Location"]).get_data(
        as_text=True
    )
    assert client.get_cookie(DEVICE_COOKIE) is None
    with app.app_context():
        assert db.session().scalars(select(RequesterDevice)).all() == []
    page = client.get(f"/requests/{reference}").get_data(as_text=True)
    assert ANSWER not in page and "Open with your recovery phrase" in page
    post(client, "/my-key/open", phrase=phrase, next=f"/requests/{reference}")
    assert ANSWER in client.get(f"/requests/{reference}").get_data(as_text=True)


def test_with_neither_a_new_key_reads_again_once_the_team_approves(app, client, staff_list):
    log_in(client, REQUESTER)
    reference, _ = sent_with_phrase(client)
    staff = answered(app, reference)
    lost = app.test_client()  # a new phone, the phrase lost
    log_in(lost, REQUESTER)
    assert "check that it is really you" in lost.get("/my-key/new").get_data(as_text=True)
    post(lost, "/my-key/new")
    new_phrase = phrase_on(lost.get("/requests").get_data(as_text=True))
    assert len(new_phrase.split()) == 12
    assert ANSWER not in lost.get(f"/requests/{reference}").get_data(as_text=True)
    assert write(lost, reference, "I lost my phone.").status_code == 302  # writing needs no key
    case_page = staff.get(f"/staff/case/{reference}").get_data(as_text=True)
    assert "asks to read again with a new key" in case_page and "I lost my phone." in case_page
    post(staff, f"/staff/case/{reference}/requester-key")
    assert "asks to read again" not in staff.get(f"/staff/case/{reference}").get_data(as_text=True)
    assert ANSWER in lost.get(f"/requests/{reference}").get_data(as_text=True)
    # The old device's key is gone with its wrap.
    assert ANSWER not in client.get(f"/requests/{reference}").get_data(as_text=True)


def test_another_requesters_phrase_opens_nothing_of_theirs(app, client, staff_list):
    log_in(client, REQUESTER)
    reference, _ = sent_with_phrase(client)
    someone = app.test_client()
    log_in(someone, {"name": "Grant Writer", "id": 5})
    _, their_phrase = sent_with_phrase(someone)
    thief = app.test_client()
    log_in(thief, REQUESTER)
    refused = post(thief, "/my-key/open", phrase=their_phrase, next=f"/requests/{reference}")
    assert refused.status_code == 400
    assert DESCRIPTION not in thief.get(f"/requests/{reference}").get_data(as_text=True)


def test_evidence_is_sealed_to_the_requester_and_opened_with_the_phrase(
    app, client, evidence_links, staff_list
):
    log_in(client, REQUESTER)
    bundle, page = captured(client, evidence_links["text"])
    phrase = phrase_on(page)  # the first thing stored: the capture
    with app.app_context():
        row = db.session().scalar(select(EvidenceBundle))
        assert row.file_key_requester and row.file_key_sealed is None
    assert client.get(f"/evidence/{bundle}/bundle.zip").status_code == 200
    other = app.test_client()
    log_in(other, REQUESTER)
    assert other.get(f"/evidence/{bundle}/bundle.zip").status_code == 403
    post(other, "/my-key/open", phrase=phrase, next="/evidence")
    zipped = other.get(f"/evidence/{bundle}/bundle.zip")
    assert zipped.status_code == 200 and zipped.data[:2] == b"PK"


def test_my_data_says_what_a_device_without_the_key_could_not_include(
    app, client, evidence_links, staff_list
):
    log_in(client, REQUESTER)
    bundle, _ = captured(client, evidence_links["text"])
    reference, _ = sent_with_phrase(client)

    def data_of(browser) -> tuple[dict, list[str]]:
        reply = post(browser, "/my-data")
        with zipfile.ZipFile(io.BytesIO(reply.get_data())) as archive:
            return json.loads(archive.read("data.json")), archive.namelist()

    here, files = data_of(client)
    (request,) = here["requests"]
    assert request["sealed"] is False and "Someone posted my home address" in request["description"]
    assert f"evidence/{bundle}.zip" in files and here["evidence_not_included"] == []
    other = app.test_client()
    log_in(other, REQUESTER)
    there, files = data_of(other)
    (request,) = there["requests"]
    assert request["sealed"] is True and request["description"] == ""
    assert there["evidence_not_included"] == [bundle] and f"evidence/{bundle}.zip" not in files


def test_a_key_made_before_phrases_gets_one_on_the_device_that_holds_it(app, client, staff_list):
    log_in(client, REQUESTER)
    reference, _ = sent_with_phrase(client)
    with app.app_context():  # as a key made before phrases were
        db.session().query(RequesterKey).update({"private_for_phrase": None})
        db.session().commit()
    assert "Make my recovery phrase" in client.get("/requests").get_data(as_text=True)
    post(client, "/my-key/phrase/new", next="/requests")
    phrase = phrase_on(client.get("/requests").get_data(as_text=True))
    other = app.test_client()
    log_in(other, REQUESTER)
    post(other, "/my-key/open", phrase=phrase, next=f"/requests/{reference}")
    assert "Open with your recovery phrase" not in other.get(f"/requests/{reference}").get_data(
        as_text=True
    )
