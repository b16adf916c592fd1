"""The legal team in a real browser: a reviewer asks for information, an admin approves with
funding and records a payment; the fund and the audit log show both."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from support.browser import another_person, change_status, fill_request, log_in, open_console, shoot
from support.helpers import ON_SQLITE


def record_money(page: Page, kind: str, category: str, amount: str) -> None:
    page.locator("#kind").select_option(kind)
    page.locator("#category").select_option(category)
    page.locator("#amount").fill(amount)
    page.get_by_role("button", name="Record").click()


@ON_SQLITE
def test_a_case_from_review_to_payment(sandbox, live_tool, page, monkeypatch):
    monkeypatch.setenv("CHLDP_STAFF", "Jane Doe:admin,Émile:reviewer")
    accounts = sandbox["accounts"]
    log_in(page, live_tool, "Veteran Editor", accounts["Veteran Editor"]["password"])
    page.goto(live_tool + "/ask")
    fill_request(page, "My employer received letters about my edits.", "Portugal")
    page.get_by_role("button", name="Send my request").click()
    reference = page.locator(".reference").inner_text()

    reviewer = another_person(page)
    log_in(reviewer, live_tool, "Émile", accounts["Émile"]["password"])
    open_console(reviewer, live_tool + "/staff/")
    reviewer.get_by_role("link", name=reference).click()
    reviewer.locator("#note").fill("Spoke with the requester; letters are credible.")
    reviewer.get_by_role("button", name="Add note").click()
    change_status(reviewer, "in_review", "")
    change_status(reviewer, "information_requested", "Please send copies of the letters.")
    expect(reviewer.locator(".case-status")).to_have_text("information requested")
    shoot(reviewer, "10-staff-case-reviewer")

    admin = another_person(page)
    log_in(admin, live_tool, "Jane Doe", accounts["Jane Doe"]["password"])
    open_console(admin, f"{live_tool}/staff/case/{reference}")
    change_status(admin, "in_review", "")
    change_status(admin, "approved", "Severe and persistent; funding for local counsel.", "both")
    record_money(admin, "commitment", "legal_fees", "5000")
    record_money(admin, "payment", "legal_fees", "1200.50")
    expect(admin.locator("main")).to_contain_text("Committed 5,000.00, paid 1,200.50.")
    shoot(admin, "11-staff-case-admin")

    admin.goto(live_tool + "/staff/")
    expect(admin.locator(".fund")).to_contain_text("95,000.00 USD left of 100,000.00")
    admin.goto(live_tool + "/staff/audit")
    audit = admin.locator("tbody")
    expect(audit).to_contain_text("commitment")
    expect(audit).to_contain_text("payment")
    expect(audit).to_contain_text("Émile")
    shoot(admin, "12-staff-audit")
