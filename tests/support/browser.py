"""Driving Debian's Chromium with Playwright, as a person at the web tool would."""

from __future__ import annotations

import re

from playwright.sync_api import Page

from support import CHECKOUT

SCREENSHOTS = CHECKOUT / "test-screenshots"
AXE = CHECKOUT / "webtool/assets/node_modules/axe-core/axe.min.js"
BLOCKING = ("serious", "critical")
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


def another_person(page: Page) -> Page:
    """A page in a fresh browser context: another person, with cookies of their own."""
    return page.context.browser.new_context().new_page()


def change_status(staff: Page, status: str, reason: str, assistance: str = "") -> None:
    """The case open on `staff`'s page moved to `status` with `reason` (and `assistance`)."""
    staff.locator("#status").select_option(status)
    staff.locator("#reason").fill(reason)
    if assistance:
        staff.locator("#assistance").select_option(assistance)
    staff.get_by_role("button", name="Change status").click()


def fill_request(page: Page, description: str, country: str) -> None:
    page.locator("input[name=kinds][value=doxxing]").check()
    page.locator("#description").fill(description)
    page.locator("#country").select_option(country)  # its code or its name in the page
    for box in page.locator("input[name=acknowledged]").all():
        box.check()


def open_console(page: Page, url: str) -> None:
    """`url` of the staff console, on the way setting the passphrase (the first time) or
    unlocking the session with it, typed and sent with the Enter key as a person would."""
    from support.keys import PASSPHRASE

    page.goto(url)
    repeated = page.get_by_label("The same passphrase again")
    if repeated.count():
        page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
        repeated.fill(PASSPHRASE)
        repeated.press("Enter")
        page.wait_for_url("**/staff/keys/")
        page.goto(url)
    elif page.get_by_role("button", name="Unlock").count():
        page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
        page.get_by_label("Passphrase", exact=True).press("Enter")
        page.wait_for_load_state()


def axe_violations(page: Page) -> list[dict]:
    """What axe-core finds on the page as it is now, of impact serious or critical (the page's
    context must bypass the tool's Content-Security-Policy to let axe-core in)."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                        targets: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return [v for v in found if v["impact"] in BLOCKING]


def clean_in(page: Page, lang: str, name: str) -> None:
    """The page in `lang`, its direction right, axe-core finding nothing serious; a screenshot
    named `name` kept."""
    from playwright.sync_api import expect

    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    assert axe_violations(page) == [], name
    shoot(page, name)
