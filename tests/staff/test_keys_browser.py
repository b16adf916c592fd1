"""The legal team's keys as people set them up, in Chromium, in English and in Arabic: the
first admin chooses a passphrase (the recovery key is configured), which makes the team key;
a second member chooses theirs and sees no case until the admin grants them the team key;
then they read a case. Every page on the way is checked by axe-core."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import Browser, Page, expect
from support.browser import clean_in, log_in
from support.helpers import REQUESTER, STAFF
from werkzeug.serving import make_server

from webtool.infra import db, keys
from webtool.infra.models import TeamKey

PASSPHRASES = {"Jane Doe": "the admin's own four words", "Émile": "the reviewer's own words"}
DESCRIPTION = "Someone sends my address to my employer."


@pytest.fixture
def tool(sandbox, sqlite_url, tmp_path, monkeypatch):
    """The web tool with a recovery key made offline (its public half configured) and no
    team key yet."""
    from webtool.app import create_app

    public, _ = keys.new_pair()
    monkeypatch.setenv("CHLDP_RECOVERY_PUBLIC_KEY", keys.public_text(public))
    monkeypatch.setenv("CHLDP_STAFF", STAFF)
    app = create_app(
        {"SQLALCHEMY_URL": sqlite_url, "REDIS_URL": None, "TASKS_IMMEDIATE": True},
        instance_path=str(tmp_path / "instance"),
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", app, keys.fingerprint(public)
    server.shutdown()


def member(browser: Browser, url: str, name: str, password: str, lang: str) -> Page:
    """A member of the legal team logged in, in a browser of their own, reading `lang`."""
    page = browser.new_context(bypass_csp=True).new_page()  # bypass: axe-core's script
    log_in(page, url, name, password)
    page.wait_for_url(url + "/")
    page.goto(f"{url}/?uselang={lang}")  # the language stays with the session
    return page


def choose_passphrase(page: Page, url: str, passphrase: str, lang: str, name: str) -> None:
    page.goto(url + "/staff/")
    expect(page).to_have_url(url + "/staff/keys/passphrase")
    clean_in(page, lang, f"keys-{lang}-{name}-passphrase")
    page.locator("#passphrase").fill(passphrase)
    page.locator("#repeated").fill(passphrase)
    page.locator("#repeated").press("Enter")
    expect(page).to_have_url(url + "/staff/keys/")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_first_admin_sets_up_the_team_key_grants_it_and_a_member_reads_a_case(
    tool, chromium: Browser, sandbox: dict, lang: str
):
    url, app, recovery_fingerprint = tool
    accounts = sandbox["accounts"]
    admin = member(chromium, url, "Jane Doe", accounts["Jane Doe"]["password"], lang)
    choose_passphrase(admin, url, PASSPHRASES["Jane Doe"], lang, "admin")
    with app.app_context():
        team = db.session().get(TeamKey, 1)
        team_fingerprint = keys.fingerprint(keys.public_from_text(team.public_key))
    main = admin.locator("main")
    expect(main).to_contain_text(team_fingerprint)
    expect(main).to_contain_text(recovery_fingerprint)
    clean_in(admin, lang, f"keys-{lang}-admin-keys")

    from webtool.services.help_requests import Submission, store

    with app.test_request_context():
        submission = Submission.blank(lang)
        submission.kinds, submission.country = ["doxxing"], "Brazil"
        submission.description = DESCRIPTION
        reference = store(submission, REQUESTER, {"unavailable": True}).reference

    reviewer = member(chromium, url, "Émile", accounts["Émile"]["password"], lang)
    choose_passphrase(reviewer, url, PASSPHRASES["Émile"], lang, "reviewer")
    expect(reviewer.locator(".cdx-message--warning")).to_be_visible()  # not granted yet
    clean_in(reviewer, lang, f"keys-{lang}-reviewer-not-granted")
    reviewer.goto(f"{url}/staff/case/{reference}")
    expect(reviewer.locator("main")).not_to_contain_text(DESCRIPTION)
    clean_in(reviewer, lang, f"keys-{lang}-reviewer-case-sealed")

    admin.reload()
    admin.locator("form[action$='/staff/keys/grant'] button").click()
    expect(admin.locator(".cdx-message--success")).to_contain_text("Émile")
    clean_in(admin, lang, f"keys-{lang}-admin-granted")

    reviewer.goto(f"{url}/staff/case/{reference}")
    expect(reviewer.locator("main")).to_contain_text(DESCRIPTION)
    clean_in(reviewer, lang, f"keys-{lang}-reviewer-case")

    # A new session of the same member: the case opens only once the passphrase is typed.
    again = member(chromium, url, "Émile", accounts["Émile"]["password"], lang)
    again.goto(f"{url}/staff/case/{reference}")
    expect(again.locator("#passphrase")).to_be_visible()
    clean_in(again, lang, f"keys-{lang}-reviewer-unlock")
    again.locator("#passphrase").fill(PASSPHRASES["Émile"])
    again.locator("#passphrase").press("Enter")
    expect(again).to_have_url(f"{url}/staff/case/{reference}")
    expect(again.locator("main")).to_contain_text(DESCRIPTION)
