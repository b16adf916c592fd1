"""A requester's visit in a real browser (Debian's Chromium driven by Playwright): log in
through the sandbox's OAuth provider, see "My engagement", ask for help in English and in
Arabic, find the request under "My requests". Screenshots go to test-screenshots/."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from webtool.app import create_app

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def live_tool(sandbox, database_url, tmp_path):
    """The web tool served over HTTP on a free loopback port."""
    app = create_app(
        {"SQLALCHEMY_URL": database_url, "REDIS_URL": None},
        instance_path=str(tmp_path / "instance"),
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        yield context.new_page()
        browser.close()


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page: Page, tool: str, name: str, password: str) -> None:
    page.goto(tool + "/")
    page.get_by_role("link", name="Log in with your Wikimedia account").click()
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("Log in", re.I)).click()
    page.get_by_role("button", name=re.compile("Allow", re.I)).click()


def fill_request(page: Page, description: str, country: str) -> None:
    page.locator("input[name=kinds][value=doxxing]").check()
    page.locator("#description").fill(description)
    page.locator("#country").fill(country)
    for box in page.locator("input[name=acknowledged]").all():
        box.check()


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
