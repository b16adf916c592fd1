"""A requester on a phone, in Chromium, in English and in Arabic: the first capture shows the
recovery phrase once; the request is sent; the legal team answers; on a second browser profile
the request is sealed until the phrase opens it, and then the answer is there. Every page on the
way is checked by axe-core."""

from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import Browser, Page, expect
from support import keys as test_keys
from support.browser import clean_in, fill_request, log_in
from support.helpers import ADMIN, STAFF, answer
from support.logins import log_in as log_in_client
from werkzeug.serving import make_server

PHONE = {"width": 390, "height": 844}
ANSWER = "Which forum was it, and when?"
DESCRIPTION = "Someone publishes my address on a forum."


@pytest.fixture
def tool(sandbox, sqlite_url, tmp_path, monkeypatch):
    from webtool.app import create_app

    monkeypatch.setenv("CHLDP_STAFF", STAFF)
    app = create_app(
        {"SQLALCHEMY_URL": sqlite_url, "REDIS_URL": None, "TASKS_IMMEDIATE": True},
        instance_path=str(tmp_path / "instance"),
    )
    test_keys.team_ready(app, (ADMIN["name"],))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()


def phone(browser: Browser, url: str, password: str, lang: str) -> Page:
    """The requester on a phone of their own (a browser profile: its own cookies)."""
    page = browser.new_context(bypass_csp=True, viewport=PHONE).new_page()
    log_in(page, url, "Veteran Editor", password)
    page.wait_for_url(url + "/")
    page.goto(f"{url}/?uselang={lang}")  # the language stays with the session
    return page


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_from_the_first_capture_to_the_answer_on_a_second_phone_with_the_phrase(
    tool, chromium: Browser, sandbox: dict, harassment: list[int], lang: str
):
    url, app = tool
    password = sandbox["accounts"]["Veteran Editor"]["password"]
    first = phone(chromium, url, password, lang)
    server = sandbox["wikis"]["enwiki"]["server"]
    first.goto(url + "/evidence")
    first.locator("#links").fill(f"{server}/w/index.php?oldid={harassment[0]}")
    first.locator("form[action$='/evidence'] button[type=submit]").click()
    panel = first.locator(".phrase-panel")
    expect(panel).to_be_visible()
    words = panel.locator("ol.phrase code").all_inner_texts()
    assert len(words) == 12 and all(re.fullmatch(r"[a-z]+", word) for word in words)
    clean_in(first, lang, f"phrase-{lang}-shown")
    first.locator("#kept").check()
    first.locator("form.phrase-kept button").click()
    expect(first.locator(".phrase-panel")).to_have_count(0)  # shown once

    first.goto(url + "/ask")
    fill_request(first, DESCRIPTION, "PT")
    first.locator("form.ask button[type=submit]").click()
    reference = first.locator(".reference").inner_text()
    expect(first.locator(".phrase-panel")).to_have_count(0)
    clean_in(first, lang, f"phrase-{lang}-sent")

    staff = app.test_client()
    log_in_client(staff, ADMIN)
    answer(staff, reference, ANSWER)
    first.reload()
    expect(first.locator("main")).to_contain_text(ANSWER)

    second = phone(chromium, url, password, lang)
    second.goto(f"{url}/requests/{reference}")
    expect(second.locator("main")).not_to_contain_text(ANSWER)
    clean_in(second, lang, f"phrase-{lang}-sealed-here")
    second.locator("a[href^='/my-key/open']").first.click()
    clean_in(second, lang, f"phrase-{lang}-open")
    second.locator("#phrase").fill(" ".join(words))
    second.locator("main form button[type=submit]").click()
    expect(second).to_have_url(f"{url}/requests/{reference}")
    expect(second.locator("main")).to_contain_text(ANSWER)
    clean_in(second, lang, f"phrase-{lang}-opened")
