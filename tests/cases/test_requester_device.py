"""The requester's side of a sealed case: the browser that sent the request holds the device
key and reads everything; another browser of the same account reads nothing of it, says so in
plain words, and can still write to the legal team, who read it."""

from __future__ import annotations

from support.helpers import ADMIN, REQUESTER, answer, post, send, write
from support.logins import log_in

from webtool.services.sealing import DEVICE_COOKIE

ANSWER = "Which forum was it?"
AGAIN = "It was the forum of my town, from my other phone."


def test_the_sending_browser_reads_another_one_writes_and_the_team_reads_it(
    app, client, staff_list
):
    log_in(client, REQUESTER)
    sent = send(client)
    reference = sent.headers["Location"].rsplit("/", 1)[1]
    cookie = client.get_cookie(DEVICE_COOKIE)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    staff = app.test_client()
    log_in(staff, ADMIN)
    answer(staff, reference, ANSWER)
    assert ANSWER in client.get(f"/requests/{reference}").get_data(as_text=True)

    other = app.test_client()  # the same account, another browser: no device key
    log_in(other, REQUESTER)
    page = other.get(f"/requests/{reference}").get_data(as_text=True)
    assert ANSWER not in page and "Someone posted my home address" not in page
    assert "This browser does not hold the key of this request" in page
    said = write(other, reference, AGAIN)
    assert said.status_code == 302
    assert "Your message was sent" in other.get(said.headers["Location"]).get_data(as_text=True)
    assert AGAIN in staff.get(f"/staff/case/{reference}").get_data(as_text=True)
    assert AGAIN in client.get(f"/requests/{reference}").get_data(as_text=True)
    # Changing the e-mails from the other browser changes nothing, and says why.
    turned = post(other, f"/requests/{reference}/emails")
    assert "does not hold the key" in other.get(turned.headers["Location"]).get_data(as_text=True)


def test_another_accounts_device_cookie_opens_nothing(app, client, staff_list):
    log_in(client, REQUESTER)
    reference = send(client).headers["Location"].rsplit("/", 1)[1]
    cookie = client.get_cookie(DEVICE_COOKIE).value
    someone = app.test_client()
    log_in(someone, {"name": "Grant Writer", "id": 5})
    someone.set_cookie(DEVICE_COOKIE, cookie)
    assert someone.get(f"/requests/{reference}").status_code == 404  # not theirs at all
    thief = app.test_client()  # the requester's account, a copied id with a guessed secret
    log_in(thief, REQUESTER)
    thief.set_cookie(DEVICE_COOKIE, cookie.split(".")[0] + ".guessed")
    assert "does not hold the key" in thief.get(f"/requests/{reference}").get_data(as_text=True)
