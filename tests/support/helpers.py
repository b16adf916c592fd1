"""What many tests do the same way, written once: the people they act as, a form's hidden
fields, the request form sent, a staff action posted, an evidence capture followed to its
end, and the farm's own API asked without the tool's client. Logging in is in logins.py."""

from __future__ import annotations

import re
import secrets
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

# Translate's units and a page's wikitext, as the farm's program page is translated with them.

REQUESTER = {"name": "Veteran Editor", "id": 3}
ADMIN = {"name": "Jane Doe", "id": 10}
REVIEWER = {"name": "Émile", "id": 11}
# CHLDP_STAFF for the people above (the `staff_list` fixture sets it).
STAFF = "Jane Doe:admin,Émile:reviewer"

# A request for help as a requester fills it in.
FORM = {
    "kinds": ["harassment", "doxxing"],
    "description": "Someone posted my home address on a forum after I reverted their edits.",
    "country": "DE",  # the form sends codes: ISO 3166-1 for the country, BCP 47 for the language
    "language": "de",
    "email": "me@example.org",
    "other_contact": "",
    "acknowledged": ["discretion", "limited_funds", "not_our_lawyer", "no_fines"],
}

CSRF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN_FIELDS = re.compile(r'name="(csrf_token|submission_key)" value="([^"]+)"')
EVIDENCE_REFERENCE = re.compile(r"EVID(?:-[0-9A-F]{4}){4}")


# Forms of the web tool


def hidden_fields(page: str) -> dict[str, str]:
    """The CSRF token and the submission key of the form on `page` (its HTML)."""
    fields = dict(HIDDEN_FIELDS.findall(page))
    assert set(fields) == {"csrf_token", "submission_key"}
    return fields


def form_fields(client, url: str) -> dict[str, str]:
    """The hidden fields of a fresh form at `url`."""
    return hidden_fields(client.get(url).get_data(as_text=True))


def post(client, url: str, **data) -> object:
    """`data` posted to `url` with the session's CSRF token, as the tool's own forms send it."""
    token = CSRF_TOKEN.search(client.get("/").get_data(as_text=True))[1]
    return client.post(url, data={"csrf_token": token, **data})


def look_up(client, name: str, **filters) -> str:
    """A staff look-up of `name` asked with its form, and the page it leads to (with
    `filters`, the contributions' own)."""
    asked = post(client, "/staff/lookup", user=name)
    assert asked.status_code == 302, asked.status_code
    user = parse_qs(urlsplit(asked.headers["Location"]).query)["user"][0]
    return client.get("/staff/lookup", query_string={"user": user, **filters}).get_data(
        as_text=True
    )


def write(client, reference: str, text: str, **more) -> object:
    """A message on the request `reference`, from its page's form, with a one-time key of its
    own: sent again with the same `submission_key`, it is the same message."""
    more.setdefault("submission_key", secrets.token_hex(16))
    return post(client, f"/requests/{reference}/message", text=text, **more)


def answer(client, reference: str, text: str) -> object:
    """A message from the legal team to the requester of `reference`, from the case page's
    form, by whoever is logged in on `client`, with a one-time key of its own."""
    return post(
        client,
        f"/staff/case/{reference}/message",
        to="requester",
        text=text,
        submission_key=secrets.token_hex(16),
    )


def send(client, **changes) -> object:
    """The request form sent, with `changes` to FORM; the reply to the post."""
    return client.post("/ask", data={**FORM, **form_fields(client, "/ask"), **changes})


# The staff console


def audit_actions(app) -> list[tuple[str, str]]:
    """What staff did, in order; the pinning of their names (test_custody.py) left out."""
    from webtool.infra import db
    from webtool.infra.models import AuditEntry

    with app.app_context():
        entries = db.session().scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.actor, e.action) for e in entries if e.actor != "configuration"]


def status_of(app, reference: str) -> str:
    from webtool.infra import db
    from webtool.infra.models import HelpRequest

    with app.app_context():
        return db.session().scalar(
            select(HelpRequest.status).where(HelpRequest.reference == reference)
        )


def change_status(client, case: str, status: str, reason: str = "", **more) -> object:
    """The case's status changed on its staff page by whoever is logged in."""
    return post(client, f"/staff/case/{case}/status", status=status, reason=reason, **more)


def approved(client, case: str) -> None:
    """The case reviewed and approved by an admin, with funding for both kinds of help."""
    from support.logins import log_in

    log_in(client, ADMIN)
    change_status(client, case, "in_review")
    change_status(client, case, "approved", "Severe doxxing.", assistance="both")


# Evidence captures


def start_capture(client, links: str, fields: dict | None = None) -> object:
    """`links` posted to the evidence form (with `fields`, the hidden fields of one already
    shown); the reply to the post."""
    fields = fields or form_fields(client, "/evidence")
    return client.post("/evidence", data={"links": links, **fields})


def finished(client, reference: str) -> str:
    """The bundle's page once its capture has ended (the capture runs in the background)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        page = client.get(f"/evidence/{reference}").get_data(as_text=True)
        if 'http-equiv="refresh"' not in page:
            return page
        time.sleep(0.2)
    raise AssertionError(f"the capture {reference} did not end")


def captured(client, links: str) -> tuple[str, str]:
    """The reference of a capture of `links` and its page once it ended."""
    reply = start_capture(client, links)
    assert reply.status_code == 302
    reference = EVIDENCE_REFERENCE.search(reply.headers["Location"])[0]
    return reference, finished(client, reference)


# Local servers that stand in for wikis


def free_port() -> int:
    """A loopback port nothing listens on (for now): a server to start there later, or a
    service that refuses every connection."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """`handler` serving on a free loopback port, each request in a thread of its own, until
    the server's `shutdown()`, which takes at most the loop's poll interval."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


# The farm, asked directly


def farm_api(state: dict, wiki: str, **params) -> dict:
    """The farm's own answer from `wiki`'s Action API (action=query unless `params` say)."""
    reply = requests.get(
        state["wikis"][wiki]["api_url"],
        params={"action": "query", "format": "json", "formatversion": 2, **params},
        timeout=30,
    )
    reply.raise_for_status()
    return reply.json()


def farm_revision(state: dict, wiki: str, revid: int) -> tuple[dict, dict]:
    """The page and the revision, as the farm's API gives them."""
    from webtool.wikis.evidence.capture import REVISION_PROPS

    query = farm_api(
        state, wiki, prop="revisions", revids=revid, rvprop=REVISION_PROPS, rvslots="main"
    )["query"]
    page = query["pages"][0]
    return page, page["revisions"][0]


def sent_by(client) -> list[str]:
    """The URL of every request the API client `client` sends from now on."""
    sent: list[str] = []
    client.http.hooks["response"].append(
        lambda response, *args, **kwargs: sent.append(response.url)
    )
    return sent


# A browser test checks what people see and click, which does not depend on the database: it
# runs on SQLite, and the tests that post the same forms store them on both databases.
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def verified(data: bytes, folder) -> object:
    """verify-bundle's report on a downloaded bundle, its time stamp checked against the farm
    authority's certificates."""
    import os
    from pathlib import Path

    from webtool.wikis.evidence.verify import verify

    path = folder / "download.zip"
    path.write_bytes(data)
    root = Path(os.environ["CHLDP_TSA_ROOT"]).read_bytes()
    return verify(path, root, Path(os.environ["CHLDP_TSA_CERT"]).read_bytes())
