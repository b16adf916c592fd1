"""A requester's visit in a real browser (Debian's Chromium driven by Playwright): log in
through the sandbox's OAuth provider, see "My engagement", ask for help in English and in
Arabic, find the request under "My requests". Screenshots go to test-screenshots/."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from support.browser import fill_request, log_in, shoot
from support.helpers import ON_SQLITE


@ON_SQLITE
def test_a_requester_logs_in_sees_engagement_and_asks_for_help(sandbox, live_tool, page):
    account = sandbox["accounts"]["Veteran Editor"]
    page.goto(live_tool + "/")
    shoot(page, "01-start")
    log_in(page, live_tool, "Veteran Editor", account["password"])
    expect(page.get_by_text("Logged in as Veteran Editor")).to_be_visible()

    page.get_by_role("link", name="My engagement").click()
    expect(page.get_by_role("heading", name="My engagement")).to_be_visible()
    total = sum(w["edits"] for w in account["wikis"].values())
    expect(page.locator(".total-edits")).to_have_text(f"{total:,}")
    expect(page.locator("main")).to_contain_text("Sustained editor")
    shoot(page, "02-engagement")

    page.get_by_role("link", name="Ask for help").first.click()
    fill_request(page, "Someone threatens to publish my address.", "Germany")
    shoot(page, "03-ask")
    page.get_by_role("button", name="Send my request").click()
    reference = page.locator(".reference").inner_text()
    assert re.fullmatch(r"CHLDP(-[0-9A-F]{4}){4}", reference)
    shoot(page, "04-sent")

    page.get_by_role("link", name="My requests").click()
    expect(page.locator("main")).to_contain_text(reference)
    shoot(page, "05-my-requests")


@ON_SQLITE
def test_a_request_in_arabic_is_right_to_left(sandbox, live_tool, page):
    account = sandbox["accounts"]["Мария Иванова"]
    log_in(page, live_tool, "Мария Иванова", account["password"])
    page.goto(live_tool + "/ask?uselang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    fill_request(page, "نشر شخص عنواني بعد أن راجعت تعديلاته.", "مصر")
    shoot(page, "06-ask-ar")
    page.locator("form.ask button[type=submit]").click()
    reference = page.locator(".reference").inner_text()
    shoot(page, "07-sent-ar")
    page.goto(live_tool + "/requests")
    expect(page.locator("main")).to_contain_text(reference)
    shoot(page, "08-my-requests-ar")
