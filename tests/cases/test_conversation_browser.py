"""A whole exchange between a requester and the legal team in a real browser (Debian's Chromium
driven by Playwright), with the tool's e-mails received by a real SMTP server on loopback: the
request is sent, a reviewer asks for information, the requester follows the e-mail's link,
preserves evidence and answers with it, the answer comes first in the queue, an admin decides,
and the requester reads the decision, downloads their data, withdraws and deletes the request.
Every e-mail says only a reference and a link. Runs on SQLite and on MariaDB."""

from __future__ import annotations

import json
import threading
import zipfile

import pytest
from playwright.sync_api import Page, expect
from support.browser import another_person, change_status, fill_request, log_in, open_console, shoot
from support.helpers import ON_SQLITE
from support.smtp_sink import link_in, serving
from werkzeug.serving import make_server

REQUESTER = "Veteran Editor"
ADDRESS = "veteran@example.org"
DESCRIPTION = "Blocked Harasser posted my home address on a forum after I reverted his edits."
COUNTRY = "Portugal"
QUESTION = "Which forum was it, and do you still have the post?"
ANSWER = "The forum at kiwi.example; the talk page edit is attached."
DECISION = "We will pay for a lawyer in Lisbon; she will write to you here."
STAFF_MAIL = {"Jane Doe": "jane@legal.example", "Émile": "emile@legal.example"}
# What no e-mail may carry: what the requester wrote, where they live, who they and the
# harasser are, and anything said on the case.
NEVER_IN_MAIL = [DESCRIPTION, COUNTRY, REQUESTER, "Blocked Harasser", "forum", QUESTION]
NEVER_IN_MAIL += [ANSWER, "kiwi.example", DECISION, "Lisbon"]


@pytest.fixture
def mail_tool(sandbox, database_url, tmp_path, monkeypatch):
    """The web tool served over HTTP as `live_tool` is, sending its e-mails to a real SMTP
    server on loopback: (the tool's address, the mailbox)."""
    from webtool.app import create_app

    monkeypatch.setenv("CHLDP_STAFF", "Jane Doe:admin,Émile:reviewer")
    mailbox = serving(monkeypatch)
    app = create_app(
        {"SQLALCHEMY_URL": database_url, "REDIS_URL": None, "TASKS_IMMEDIATE": True},
        instance_path=str(tmp_path / "instance"),
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", mailbox
    server.shutdown()
    mailbox.stop()


def staff_member(page: Page, tool: str, name: str, password: str) -> Page:
    """Someone of the legal team, in a browser context of their own, at the staff console."""
    theirs = another_person(page)
    log_in(theirs, tool, name, password)
    open_console(theirs, tool + "/staff/")
    return theirs


def wants_mail(staff: Page, address: str) -> None:
    staff.get_by_role("link", name="E-mails").click()
    staff.get_by_label("Your e-mail address").fill(address)
    staff.get_by_label("Send me these e-mails").check()
    staff.get_by_role("button", name="Save").click()
    expect(staff.get_by_label("Send me these e-mails")).to_be_checked()


def send_request(page: Page, description: str, email: str = "") -> str:
    page.get_by_role("link", name="Ask for help").first.click()
    fill_request(page, description, COUNTRY)
    page.locator("#email").fill(email)
    page.get_by_role("button", name="Send my request").click()
    return page.locator(".reference").inner_text()


@ON_SQLITE
def test_a_full_exchange_between_a_requester_and_the_legal_team(
    sandbox, mail_tool, page, evidence_links, tmp_path
):
    tool, mailbox = mail_tool
    accounts = sandbox["accounts"]
    reviewer = staff_member(page, tool, "Émile", accounts["Émile"]["password"])
    admin = staff_member(page, tool, "Jane Doe", accounts["Jane Doe"]["password"])
    for staff, name in [(reviewer, "Émile"), (admin, "Jane Doe")]:
        wants_mail(staff, STAFF_MAIL[name])
    # Being on the staff list opens nothing: the admin grants the reviewer the team key.
    admin.get_by_role("link", name="Keys").click()
    expect(admin.locator("main")).to_contain_text("Émile (reviewer)")
    admin.get_by_role("button", name="Grant the team key to Émile").click()
    expect(admin.locator("main")).to_contain_text("Émile holds the team key now.")
    shoot(admin, "29-conversation-team-key-granted")

    # An older request, without an address, so that "first in the queue" means something.
    log_in(page, tool, REQUESTER, accounts[REQUESTER]["password"])
    older = send_request(page, "Someone follows my edits from wiki to wiki.")
    reference = send_request(page, DESCRIPTION, ADDRESS)
    main = page.locator("main")
    expect(main).to_contain_text("Received")
    expect(main).to_contain_text("No messages yet.")
    expect(main).to_contain_text('Write to the legal team below, under "Messages with the legal')
    expect(page.get_by_label("E-mail me when there is news")).to_be_checked()
    shoot(page, "30-conversation-sent")
    # News goes to the address once it is confirmed: the link sent to it, opened logged in.
    expect(main).to_contain_text("We sent a link to your address")
    [asked] = mailbox.to(ADDRESS)
    assert asked["Subject"] == f"Confirm your address for request {reference}"
    page.goto(link_in(asked))
    page.get_by_role("button", name="Confirm my address").click()
    expect(main).to_contain_text("Your address is confirmed")
    for address in STAFF_MAIL.values():
        assert [m["Subject"] for m in mailbox.to(address)] == [
            f"New request {older}",
            f"New request {reference}",
        ]

    reviewer.get_by_role("link", name="Queue").click()
    reviewer.get_by_role("link", name=reference).click()
    change_status(reviewer, "information_requested", QUESTION)
    expect(reviewer.locator(".case-status")).to_have_text("information requested")
    expect(reviewer.locator(".conversation .to-requester")).to_contain_text(QUESTION)
    shoot(reviewer, "31-conversation-staff-asks")

    # The requester learns there is news, from the e-mail alone, and follows its link.
    [_, news] = mailbox.to(ADDRESS)
    assert news["Subject"] == f"News on your request {reference}"
    page.goto(link_in(news))
    expect(main).to_contain_text("More information requested")
    expect(page.locator(".conversation .to-requester")).to_contain_text(QUESTION)
    expect(page.locator(".question")).to_contain_text("The legal team needs more information")
    shoot(page, "32-conversation-question")

    page.get_by_role("link", name="Preserve evidence").first.click()
    page.get_by_label("Links, one a line").fill(
        f"{sandbox['wikis']['enwiki']['server']}/w/index.php?oldid={evidence_links['latest']}"
    )
    page.get_by_role("button", name="Capture").click()
    expect(page.get_by_text("One item captured")).to_be_visible(timeout=30_000)
    bundle = page.locator("h1 .reference").inner_text()

    page.get_by_role("link", name="My requests").click()
    page.get_by_role("link", name=reference).click()
    page.get_by_label("Your message to the legal team").fill(ANSWER)
    page.get_by_label(bundle).check()
    page.get_by_role("button", name="Send message").click()
    expect(main).to_contain_text("Your message was sent to the legal team.")
    expect(main).to_contain_text("Being reviewed")  # the answer sent it back to the team
    answered = page.locator(".conversation .from-requester")
    expect(answered).to_contain_text(ANSWER)
    expect(answered.get_by_role("link", name=bundle)).to_be_visible()
    shoot(page, "33-conversation-answered")
    for address in STAFF_MAIL.values():
        assert mailbox.to(address)[-1]["Subject"] == f"The requester answered on {reference}"

    # The answer nobody has read comes before the older request in the admin's queue.
    admin.get_by_role("link", name="Queue").click()
    rows = admin.locator("tbody tr")
    expect(rows.first).to_contain_text(reference)
    expect(rows.first.locator(".unread")).to_have_text("1")
    expect(rows.nth(1)).to_contain_text(older)
    shoot(admin, "34-conversation-queue")
    rows.first.get_by_role("link", name=reference).click()
    said = admin.locator(".conversation .message")
    expect(said.nth(0)).to_contain_text(QUESTION)
    expect(said.nth(1)).to_contain_text(ANSWER)
    expect(said.nth(1).get_by_role("link", name=f"{bundle}.zip")).to_be_visible()
    admin.get_by_label("Write").fill(DECISION)
    admin.get_by_label("To the requester").check()
    admin.get_by_role("button", name="Send message").click()
    change_status(admin, "approved", "Severe and persistent; funding for local counsel.", "both")
    expect(admin.locator(".case-status")).to_have_text("approved")
    shoot(admin, "35-conversation-decision")

    # Read, the answer leaves the top of the queue to the older request.
    admin.get_by_role("link", name="Queue").click()
    expect(rows.first).to_contain_text(older)

    assert [m["Subject"] for m in mailbox.to(ADDRESS)][1:] == [
        f"News on your request {reference}"
    ] * 3  # the question, the admin's message, the decision
    page.goto(link_in(mailbox.to(ADDRESS)[-1]))
    expect(main).to_contain_text("Your request is now: Approved")
    expect(page.locator(".conversation .to-requester").last).to_contain_text(DECISION)
    shoot(page, "36-conversation-decided")

    page.get_by_role("link", name="Download everything this tool holds about you").click()
    expect(main).to_contain_text("Open index.html in it to read it all.")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    saved = tmp_path / "my-data.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        data = json.loads(archive.read("data.json"))
        index = archive.read("index.html").decode()
        assert f"evidence/{bundle}.zip" in archive.namelist()
    mine = {request["reference"]: request for request in data["requests"]}
    assert mine.keys() == {older, reference}
    assert mine[reference]["description"] == DESCRIPTION
    assert mine[reference]["country"] == "PT"  # COUNTRY, as the form stores it
    texts = [entry["text"] for entry in mine[reference]["conversation"] if entry["text"]]
    assert texts == [QUESTION, ANSWER, DECISION]
    assert reference in index and "kiwi.example" in index

    page.goto(f"{tool}/requests/{reference}")
    page.get_by_role("link", name="Withdraw this request").click()
    expect(main).to_contain_text("Money already committed or paid stays in the program's books.")
    page.get_by_role("button", name="Yes, withdraw it").click()
    expect(main).to_contain_text("Your request was withdrawn.")
    expect(main).to_contain_text("This request has ended: no more messages can be written on it.")
    expect(page.get_by_label("Your message to the legal team")).to_have_count(0)
    expect(main).not_to_contain_text("What happens next")  # no step is left to take
    shoot(page, "37-conversation-withdrawn")
    open_console(admin, f"{tool}/staff/case/{reference}")
    expect(admin.locator(".case-status")).to_have_text("withdrawn")

    page.get_by_role("link", name="Delete this request").click()
    expect(main).to_contain_text("It cannot be undone.")
    page.get_by_role("button", name="Yes, delete it now").click()
    expect(main).to_contain_text("Your request was deleted.")
    expect(main).not_to_contain_text(reference)
    expect(main).to_contain_text(older)
    shoot(page, "38-conversation-deleted")
    gone = page.goto(f"{tool}/requests/{reference}")
    assert gone.status == 404

    # three to each of the two staff; to the requester, the link to confirm, then three news
    assert len(mailbox.messages) == 10
    for text in mailbox.texts():
        for word in NEVER_IN_MAIL:
            assert word.casefold() not in text.casefold(), (word, text)
