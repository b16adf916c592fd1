"""A requester on a phone, in Chromium, in English and in Arabic: the first capture shows the
recovery phrase once; the request is sent; the legal team answers; on a second browser profile
the request is sealed until the phrase opens it, and then the answer is there. Every page on the
way is checked by axe-core."""

from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from support import keys as test_keys
from support.browser import CHROMIUM, CHROMIUM_ARGS, axe_violations, fill_request, log_in, shoot
from support.helpers import ADMIN, STAFF, post
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


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def phone(browser: Browser, url: str, password: str, lang: str) -> Page:
    """The requester on a phone of their own (a browser profile: its own cookies)."""
    page = browser.new_context(bypass_csp=True, viewport=PHONE).new_page()
    log_in(page, url, "Veteran Editor", password)
    page.wait_for_url(url + "/")
    page.goto(f"{url}/?uselang={lang}")  # the language stays with the session
    return page


def clean(page: Page, lang: str, name: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    assert axe_violations(page) == [], name
    shoot(page, f"phrase-{lang}-{name}")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_from_the_first_capture_to_the_answer_on_a_second_phone_with_the_phrase(
    tool, browser: Browser, sandbox: dict, harassment: list[int], lang: str
):
    url, app = tool
    password = sandbox["accounts"]["Veteran Editor"]["password"]
    first = phone(browser, url, password, lang)
    server = sandbox["wikis"]["enwiki"]["server"]
    first.goto(url + "/evidence")
    first.locator("#links").fill(f"{server}/w/index.php?oldid={harassment[0]}")
    first.locator("form[action$='/evidence'] button[type=submit]").click()
    panel = first.locator(".phrase-panel")
    expect(panel).to_be_visible()
    words = panel.locator("ol.phrase code").all_inner_texts()
    assert len(words) == 12 and all(re.fullmatch(r"[a-z]+", word) for word in words)
    clean(first, lang, "shown")
    first.locator("#kept").check()
    first.locator("form.phrase-kept button").click()
    expect(first.locator(".phrase-panel")).to_have_count(0)  # shown once

    first.goto(url + "/ask")
    fill_request(first, DESCRIPTION, "PT")
    first.locator("form.ask button[type=submit]").click()
    reference = first.locator(".reference").inner_text()
    expect(first.locator(".phrase-panel")).to_have_count(0)
    clean(first, lang, "sent")

    staff = app.test_client()
    log_in_client(staff, ADMIN)
    post(
        staff,
        f"/staff/case/{reference}/message",
        to="requester",
        text=ANSWER,
        submission_key="f" * 32,
    )
    first.reload()
    expect(first.locator("main")).to_contain_text(ANSWER)

    second = phone(browser, url, password, lang)
    second.goto(f"{url}/requests/{reference}")
    expect(second.locator("main")).not_to_contain_text(ANSWER)
    clean(second, lang, "sealed-here")
    second.locator("a[href^='/my-key/open']").first.click()
    clean(second, lang, "open")
    second.locator("#phrase").fill(" ".join(words))
    second.locator("main form button[type=submit]").click()
    expect(second).to_have_url(f"{url}/requests/{reference}")
    expect(second.locator("main")).to_contain_text(ANSWER)
    clean(second, lang, "opened")
