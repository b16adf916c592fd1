"""Every page of the web tool checked by axe-core in a real browser (Debian's Chromium driven
by Playwright), in English and Arabic, at a desktop's width and a phone's: no violation of
impact "serious" or "critical" is allowed. Each page in each state (an engagement waiting,
gathered or failed; evidence waiting, captured or refused) is reached as a person reaches
it, on one web tool whose tasks wait on its queue until the test runs them. Every page is
saved as a PNG in test-screenshots/, named by page, language and width, for review."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests
from huey import Huey
from playwright.sync_api import (
    Browser,
    Error,
    Page,
    Response,
    ViewportSize,
    expect,
    sync_playwright,
)
from support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    axe_violations,
    fill_request,
    log_in,
    open_console,
    shoot,
)
from support.faultserver import Answer, FaultServer, ok
from werkzeug.serving import make_server

from webtool.infra.config import api_settings

LANGUAGES = ("en", "ar")
WIDTHS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
# Where a page must reflow without axe's full check (WCAG 1.4.10): 320 CSS px, and a 390 px
# phone zoomed to 200 % (195 CSS px). The staff console's tables scroll in their own box.
NARROW: dict[str, ViewportSize] = {
    "320px": {"width": 320, "height": 640},
    "zoomed": {"width": 195, "height": 422},
}
# The central wiki refuses the questions about this account, so its report fails.
UNLUCKY = "Grant Writer"
STAFF = "Jane Doe"
REVIEWER = "Émile"


def relay_to(central_api: str) -> Callable[[dict[str, str]], Answer]:
    """The central wiki's answers, relayed; about UNLUCKY, the error a wiki gives when its
    database is away."""

    def answer(params: dict[str, str]) -> Answer:
        if params.get("guiuser") == UNLUCKY:
            error = {"code": "internal_api_error_DBConnectionError", "text": "Database away."}
            return ok({"errors": [error]})
        reply = requests.get(central_api, params=params, timeout=30)
        return reply.status_code, {"Content-Type": reply.headers["Content-Type"]}, reply.text, 0.0

    return answer


@dataclass
class Tool:
    url: str
    queue: Huey  # its tasks run only when the test says so

    def run_queued(self) -> None:
        while (task := self.queue.dequeue()) is not None:
            self.queue.execute(task)


@pytest.fixture(scope="module")
def tool(sandbox: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tool]:
    """The web tool on SQLite, its tasks waiting on the queue, its central wiki behind a relay;
    Jane Doe is its admin."""
    from webtool.app import create_app
    from webtool.infra import db

    folder = tmp_path_factory.mktemp("a11y")
    database = f"sqlite:///{folder / 'chldp.sqlite'}"
    db.upgrade(database)
    central = FaultServer()
    central.route = relay_to(sandbox["centralauth_api_url"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHLDP_STAFF", f"{STAFF}:admin,{REVIEWER}:reviewer")
        app = create_app(
            {
                "SQLALCHEMY_URL": database,
                "REDIS_URL": None,
                "API": api_settings({"CHLDP_CENTRAL_API": central.url}),
            },
            instance_path=str(folder / "instance"),
        )
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield Tool(f"http://127.0.0.1:{server.server_port}", app.services.queue)
        server.shutdown()
    central.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def person(browser: Browser, tool: Tool, name: str | None, sandbox: dict) -> Page:
    """A browser context of its own, logged in as `name` (None: a visitor). The tool's
    Content-Security-Policy allows no inline script; the browser lets the test's axe-core in."""
    page = browser.new_context(bypass_csp=True).new_page()
    if name:
        log_in(page, tool.url, name, sandbox["accounts"][name]["password"])
        page.wait_for_url(tool.url + "/")  # back where the login began
        page.goto(tool.url + "/engagement")  # which asks for the account's report
        # Left there, the page's poller reloads it once the report is done, and that reload
        # would cut short whatever the test opens next in this page.
        page.goto("about:blank")
    return page


def capture(page: Page, tool: Tool, links: str) -> str:
    """A capture of `links` started from the evidence page: its bundle's address."""
    page.goto(tool.url + "/evidence")
    page.get_by_label("Links, one a line").fill(links)
    page.get_by_role("button", name="Capture").click()
    page.wait_for_url(re.compile(r"/evidence/EVID"))
    address = page.url.removeprefix(tool.url)
    page.goto("about:blank")  # as in person(): no poller left to reload the page later
    return address


@dataclass
class Visit:
    """A page to check: who looks at it, its address, and what they do there first."""

    who: str
    path: str
    status: int = 200  # the page's HTTP status: an error page is a page too, but only where meant
    then: Callable[[Page], Response | None] | None = None
    # A new browser each time: the login's pages are limited per browser.
    fresh: bool = False


def sent_empty(page: Page) -> Response | None:
    """The ask form sent with nothing filled in, past the browser's own checks."""
    with page.expect_navigation() as sent:
        page.locator("form.ask").evaluate("form => form.submit()")
    return sent.value


@pytest.fixture(scope="module")
def pages(
    sandbox: dict, tool: Tool, browser: Browser, harassment: list[int]
) -> Iterator[tuple[dict[str, Page], dict[str, Visit]]]:
    """Every person's browser page, and every page of the tool in each of its states."""
    server = sandbox["wikis"]["enwiki"]["server"]
    latest, hidden, _ = harassment
    edits = f"{server}/w/index.php?oldid={latest}\n{server}/w/index.php?diff={hidden}"
    elsewhere = "https://en.wikipedia.org.evil.example/wiki/Main_Page"
    people = {
        "visitor": person(browser, tool, None, sandbox),
        "requester": person(browser, tool, "Veteran Editor", sandbox),
        "unlucky": person(browser, tool, UNLUCKY, sandbox),
        "staff": person(browser, tool, STAFF, sandbox),
        # On the staff list, and never sets a passphrase: the page that asks for one.
        "newcomer": person(browser, tool, REVIEWER, sandbox),
    }
    # The first admin sets a passphrase, which makes the team key, before any request.
    open_console(people["staff"], tool.url + "/staff/")
    tool.run_queued()  # the reports of the people logged in
    requester = people["requester"]
    requester.goto(tool.url + "/ask")
    fill_request(requester, "Someone threatens to publish my address.", "Portugal")
    requester.get_by_role("button", name="Send my request").click()
    reference = requester.locator(".reference").inner_text()
    captured = capture(requester, tool, f"{edits}\n{elsewhere}")
    tool.run_queued()  # the first capture, the e-mails
    refused = capture(requester, tool, elsewhere)
    tool.run_queued()
    # Left waiting from here on: nothing runs the queue again.
    people["waiting"] = person(browser, tool, "Мария Иванова", sandbox)
    waiting = capture(requester, tool, edits)

    visits = {
        "start": Visit("visitor", "/"),
        "privacy": Visit("visitor", "/privacy"),
        "login-denied": Visit("visitor", "/oauth/callback?error=access_denied", 403, fresh=True),
        "login-invalid": Visit("visitor", "/oauth/callback?code=x&state=forged", 400, fresh=True),
        "engagement-progress": Visit("waiting", "/engagement"),
        "engagement-done": Visit("requester", "/engagement"),
        "engagement-failed": Visit("unlucky", "/engagement"),
        "ask": Visit("requester", "/ask"),
        "ask-errors": Visit("requester", "/ask", 400, then=sent_empty),
        "sent": Visit("requester", f"/requests/{reference}"),
        "my-requests": Visit("requester", "/requests"),
        "my-requests-none": Visit("unlucky", "/requests"),
        "withdraw": Visit("requester", f"/requests/{reference}/withdraw"),
        "my-data": Visit("requester", "/my-data"),
        "phrase-open": Visit("requester", "/my-key/open"),
        "phrase-new": Visit("requester", "/my-key/new"),
        "evidence-empty": Visit("unlucky", "/evidence"),
        "evidence-list": Visit("requester", "/evidence"),
        "evidence-running": Visit("requester", waiting),
        "evidence-done": Visit("requester", captured),
        "evidence-failed": Visit("requester", refused),
        "not-found": Visit("requester", "/requests/CHLDP-0000-0000-0000-0000", 404),
        "staff-forbidden": Visit("requester", "/staff/", 403),
        "staff-queue": Visit("staff", "/staff/"),
        "staff-case": Visit("staff", f"/staff/case/{reference}"),
        "staff-lookup": Visit("staff", "/staff/lookup"),
        "staff-lookup-report": Visit("staff", "/staff/lookup?user=Veteran+Editor"),
        "staff-lookup-failed": Visit("staff", f"/staff/lookup?user={UNLUCKY}"),
        "staff-counts": Visit("staff", "/staff/counts"),
        "staff-audit": Visit("staff", "/staff/audit"),
        "staff-notifications": Visit("staff", "/staff/notifications"),
        "staff-program-status": Visit("staff", "/staff/program-status"),
        "staff-passphrase": Visit("newcomer", "/staff/keys/passphrase"),
        "staff-unlock": Visit("staff", "/staff/keys/unlock"),
        "staff-keys": Visit("staff", "/staff/keys/"),
    }
    assert list(visits) == PAGES
    yield people, visits
    for page in people.values():
        page.context.close()


PAGES = [
    "start",
    "privacy",
    "login-denied",
    "login-invalid",
    "engagement-progress",
    "engagement-done",
    "engagement-failed",
    "ask",
    "ask-errors",
    "sent",
    "my-requests",
    "my-requests-none",
    "withdraw",
    "my-data",
    "phrase-open",
    "phrase-new",
    "evidence-empty",
    "evidence-list",
    "evidence-running",
    "evidence-done",
    "evidence-failed",
    "not-found",
    "staff-forbidden",
    "staff-queue",
    "staff-case",
    "staff-lookup",
    "staff-lookup-report",
    "staff-lookup-failed",
    "staff-counts",
    "staff-audit",
    "staff-notifications",
    "staff-program-status",
    "staff-passphrase",
    "staff-unlock",
    "staff-keys",
]


def in_language(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}uselang={lang}"


def sideways(page: Page) -> list[dict]:
    """The page scrolling sideways, as a violation: content wider than the screen must reflow
    (WCAG 1.4.10); a wide table may scroll in a box of its own."""
    wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if wider <= 0:
        return []
    return [
        {
            "id": "reflow",
            "impact": "serious",
            "help": f"The page is {wider}px wider than the screen",
            "helpUrl": "https://www.w3.org/WAI/WCAG21/Understanding/reflow.html",
            "targets": page.evaluate(WIDEST),
        }
    ]


# The elements that reach past the screen's edge, the innermost ones.
WIDEST = """() => [...document.querySelectorAll('body *')]
    .filter(e => { const r = e.getBoundingClientRect();
                   return r.right > window.innerWidth + 1 || r.left < -1; })
    .filter(e => ![...e.children].some(c => { const r = c.getBoundingClientRect();
                   return r.right > window.innerWidth + 1 || r.left < -1; }))
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                   + (e.className && typeof e.className === 'string'
                      ? '.' + e.className.trim().split(/\\s+/).join('.') : ''))"""


def checked(page: Page, name: str, visit: Visit, url: str, lang: str) -> dict[str, list[dict]]:
    """The page reached in `lang` and checked at each width, as a phone turned sideways would
    show it; reached again if it reloaded itself meanwhile."""
    for _ in range(3):
        if visit.fresh:
            page.context.clear_cookies()
        page.set_viewport_size(WIDTHS["desktop"])
        response = page.goto(in_language(url + visit.path, lang))
        if visit.then:
            response = visit.then(page)
        assert response is not None and response.status == visit.status, page.url
        try:
            found = {}
            for width, size in WIDTHS.items():
                page.set_viewport_size(size)
                found[width] = axe_violations(page) + sideways(page)
                shoot(page, f"{name}-{lang}-{width}")
            for width, size in NARROW.items():
                page.set_viewport_size(size)
                found[width] = sideways(page)
            return found
        except Error as error:
            if "context was destroyed" not in str(error):
                raise
    raise AssertionError("the page kept reloading itself")


def described(violations: list[dict]) -> str:
    return "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} {v['helpUrl']}\n"
        + "".join(f"      {target}\n" for target in v["targets"])
        for v in violations
    )


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_violation(
    name: str, pages: tuple[dict[str, Page], dict[str, Visit]], tool: Tool
) -> None:
    people, visits = pages
    visit = visits[name]
    problems = []
    for lang in LANGUAGES:
        for width, found in checked(people[visit.who], name, visit, tool.url, lang).items():
            if found:
                problems.append(f"{name} in {lang} at {width} width:\n{described(found)}")
    assert not problems, "axe-core found:\n" + "\n".join(problems)


def test_a_capture_under_way_is_followed_in_place_then_shown_done(
    pages: tuple[dict[str, Page], dict[str, Visit]], tool: Tool
) -> None:
    """The running capture's live region keeps its node while follow.js puts fresh words in it
    (a screen reader announces a change in a region it knows, not a region put in anew); once
    the capture is done, the page shows the outcome by itself. Runs last: it ends the capture
    the other tests found waiting."""
    people, visits = pages
    page = people["requester"]
    page.set_viewport_size(WIDTHS["desktop"])
    page.goto(in_language(tool.url + visits["evidence-running"].path, "en"))
    expect(page.locator("#capturing")).to_have_attribute("aria-live", "polite")
    page.evaluate(
        """() => { window.followed = document.getElementById('capturing');
                   window.followed.firstElementChild.dataset.old = 'yes'; }"""
    )
    page.wait_for_function("() => !document.querySelector('#capturing [data-old]')", timeout=10_000)
    assert page.evaluate("() => document.getElementById('capturing') === window.followed")
    tool.run_queued()
    expect(page.locator(".cdx-message--success")).to_be_visible(timeout=15_000)
