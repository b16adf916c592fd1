"""The web tool with the keyboard alone, in a real browser (Debian's Chromium driven by
Playwright): a requester asks for help from the start page to the page saying it was sent, and
an admin decides on the case, with Tab, Shift+Tab, Space, Enter, arrows and typing, never a
click; wherever the focus lands, it shows. Logging in happens on the wiki's own pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect
from support.browser import log_in, open_console
from support.helpers import ON_SQLITE

from webtool.infra.i18n import render

# What the focused element (or, for Codex's checkboxes whose input is invisible, the box drawn
# after it) looks like: an outline or a shadow that can be seen.
FOCUS = """() => {
    const focused = document.activeElement;
    const drawn = getComputedStyle(focused).opacity === '0' && focused.nextElementSibling
        ? focused.nextElementSibling : focused;
    const style = getComputedStyle(drawn);
    const box = drawn.getBoundingClientRect();
    const clear = c => c === 'transparent' || c === 'rgba(0, 0, 0, 0)';
    return {
        element: focused.outerHTML.slice(0, 120),
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
            && !clear(style.outlineColor),
        shadow: style.boxShadow !== 'none',
        onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
            && box.top < innerHeight && box.left < innerWidth,
    };
}"""
MOST_TABS = 60  # no page of the tool has more places to stop before what a test looks for


class Keyboard:
    """The keyboard of `page`, checking after every move that the focus can be seen."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def tab_to(self, target: Locator, backwards: bool = False) -> None:
        """Tab (or Shift+Tab) until one of `target`'s elements has the focus."""
        for _ in range(MOST_TABS):
            self.press("Shift+Tab" if backwards else "Tab")
            seen = self.page.evaluate(FOCUS)
            if seen["element"].startswith("<body"):
                continue  # past the last element, the focus leaves the page for a moment
            assert seen["outline"] or seen["shadow"], f"the focus does not show on {seen}"
            assert seen["onScreen"], f"the focus is off the screen, on {seen}"
            if target.evaluate_all("(all) => all.includes(document.activeElement)"):
                return
        raise AssertionError(f"{MOST_TABS} tabs did not reach {target}")

    def choose(self, select: Locator, value: str) -> None:
        """The option `value` of the focused select, chosen with the arrow keys."""
        for _ in range(len(select.locator("option").all())):
            if select.input_value() == value:
                return
            self.press("ArrowDown")
        assert select.input_value() == value


@ON_SQLITE
def test_ask_for_help_and_decide_on_it_with_the_keyboard_alone(
    sandbox: dict, live_tool: str, page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHLDP_STAFF", "Jane Doe:admin")
    accounts = sandbox["accounts"]
    log_in(page, live_tool, "Veteran Editor", accounts["Veteran Editor"]["password"])
    page.wait_for_url(live_tool + "/")
    keys = Keyboard(page)

    keys.tab_to(page.get_by_role("link", name="Ask for help"))
    keys.press("Enter")
    page.wait_for_url(live_tool + "/ask")
    keys.tab_to(page.locator("input[name=kinds][value=doxxing]"))
    keys.press("Space")
    keys.tab_to(page.locator("#description"))
    keys.type("Someone posted my home address after I reverted their edits.")
    keys.tab_to(page.locator("#country"))
    keys.type("Portugal")
    for box in page.locator("input[name=acknowledged]").all():
        keys.tab_to(box)
        keys.press("Space")
    # Back up to the first field, as someone checking what they typed would, and down again.
    keys.tab_to(page.locator("#description"), backwards=True)
    expect(page.locator("#description")).to_have_value(
        "Someone posted my home address after I reverted their edits."
    )
    keys.tab_to(page.get_by_role("button", name="Send my request"))
    keys.press("Enter")
    page.wait_for_url(f"{live_tool}/requests/CHLDP-*")
    reference = page.locator(".reference").inner_text()

    browser = page.context.browser
    assert browser is not None
    admin = browser.new_context().new_page()  # another person, with cookies of their own
    log_in(admin, live_tool, "Jane Doe", accounts["Jane Doe"]["password"])
    admin.wait_for_url(live_tool + "/")
    open_console(admin, f"{live_tool}/staff/case/{reference}")
    keys = Keyboard(admin)
    keys.tab_to(admin.locator("#status"))
    keys.choose(admin.locator("#status"), "declined")
    keys.tab_to(admin.locator("#reason"))
    keys.type("Not about Wikimedia work; pointed to a local legal aid group.")
    keys.tab_to(admin.get_by_role("button", name="Change status"))
    keys.press("Enter")
    expect(admin.locator(".case-status")).to_have_text(render("en", "chldp-staff-status-declined"))

    page.reload()
    expect(page.locator("main")).to_contain_text(render("en", "chldp-status-declined"))
