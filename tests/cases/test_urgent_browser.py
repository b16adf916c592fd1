"""A requester in danger now, in a real browser (Chromium), in English and in Arabic: the start
page leads to what to do at once (the emergency address, the local emergency services), the
request form says they are in danger, the page after sending says it again; the legal team is
e-mailed at once (a reference and a link, nothing else), and the case stands first in the
queue with its own, shorter clock. Every page passes axe-core."""

from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import Browser, expect
from support import keys as test_keys
from support.browser import clean_in, fill_request, log_in, open_console
from support.helpers import ADMIN, ON_SQLITE, REQUESTER
from support.smtp_sink import serving
from werkzeug.serving import make_server

from webtool.infra.i18n import render

DESCRIPTION = "He wrote that he is outside my house tonight."


@pytest.fixture
def tool(sandbox, database_url, tmp_path, monkeypatch):
    """The web tool over HTTP, its e-mails to a real SMTP server on loopback, the legal team's
    keys made and Jane Doe wanting e-mails: (address, app, mailbox)."""
    from webtool.app import create_app
    from webtool.services.help_requests import Submission, store
    from webtool.services.notifications import set_staff_notice

    monkeypatch.setenv("CHLDP_STAFF", "Jane Doe:admin,Émile:reviewer")
    mailbox = serving(monkeypatch)
    app = create_app(
        {"SQLALCHEMY_URL": database_url, "REDIS_URL": None, "TASKS_IMMEDIATE": True},
        instance_path=str(tmp_path / "instance"),
    )
    test_keys.team_ready(app, (ADMIN["name"],))
    with app.app_context():
        set_staff_notice(ADMIN["name"], "jane@legal.example", True)
        # An older request, not urgent, waits in the queue already.
        waiting = Submission.blank("en")
        waiting.kinds, waiting.country, waiting.description = ["doxxing"], "BR", "An older one."
        store(waiting, {"name": "Grant Writer", "id": 5}, {"unavailable": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", mailbox
    server.shutdown()
    mailbox.stop()


@ON_SQLITE
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_requester_in_danger_is_told_what_to_do_and_comes_first(
    tool, chromium: Browser, sandbox: dict, lang: str
):
    url, mailbox = tool
    page = chromium.new_context(bypass_csp=True).new_page()  # axe-core is injected inline
    log_in(page, url, REQUESTER["name"], sandbox["accounts"][REQUESTER["name"]]["password"])
    page.wait_for_url(url + "/")
    page.goto(f"{url}/?uselang={lang}")

    page.get_by_role("link", name=render(lang, "chldp-start-danger")).click()
    danger = page.locator("section.danger")
    expect(danger).to_contain_text(render(lang, "chldp-danger-call"))
    expect(danger.get_by_role("link", name="emergency@wikimedia.org")).to_have_attribute(
        "href", "mailto:emergency@wikimedia.org"
    )
    clean_in(page, lang, f"danger-{lang}")

    page.get_by_role("link", name=render(lang, "chldp-danger-ask")).click()
    expect(page.locator("#danger-now")).to_be_checked()
    fill_request(page, DESCRIPTION, "PT")
    clean_in(page, lang, f"danger-{lang}-form")
    page.locator("form.ask button[type=submit]").click()
    reference = page.locator(".reference").inner_text()
    expect(page.locator(".urgent-said")).to_have_text(render(lang, "chldp-sent-urgent"))
    expect(page.locator("section.danger")).to_contain_text(render(lang, "chldp-danger-call"))
    clean_in(page, lang, f"danger-{lang}-sent")

    # At once: the e-mail went when the request was stored, before any worker's round.
    [told] = [m for m in mailbox.to("jane@legal.example") if reference in m["Subject"]]
    assert told["Subject"] == f"Urgent request {reference}"
    assert "says they are in danger now" in told.get_content()
    body = told.get_content()
    assert f"/staff/case/{reference}" in body
    assert DESCRIPTION not in body and REQUESTER["name"] not in body and "Portugal" not in body

    staff = chromium.new_context().new_page()
    log_in(staff, url, ADMIN["name"], sandbox["accounts"][ADMIN["name"]]["password"])
    open_console(staff, url + "/staff/")
    first = staff.locator("tbody tr").first
    expect(first).to_contain_text(reference)
    expect(first).to_contain_text("Urgent: in danger now")
    expect(first.locator("td.clock")).to_have_text(re.compile(r"To acknowledge: [23] h left"))
    expect(staff.locator("tbody tr")).to_have_count(2)
