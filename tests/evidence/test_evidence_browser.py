"""Evidence in a real browser (Debian's Chromium driven by Playwright): a requester pastes the
link of an edit whose summary is markup, watches the capture finish, and reads the summary as
text, on the tool's page and in the bundle's index.html opened from disk, with no script run."""

from __future__ import annotations

import zipfile

from playwright.sync_api import Page, expect
from support.browser import log_in, shoot
from support.helpers import ON_SQLITE

from sandbox.accounts import HOSTILE_SUMMARY


def watch_for_scripts(page: Page) -> list[str]:
    """Every dialog a script opens, and every request for the markup's image, is noted."""
    seen: list[str] = []
    page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: request.url.endswith("/x") and seen.append(request.url))
    return seen


@ON_SQLITE
def test_a_hostile_summary_stays_text_on_the_page_and_in_the_bundle(
    sandbox, live_tool, page, evidence_links, tmp_path
):
    seen = watch_for_scripts(page)
    log_in(page, live_tool, "Veteran Editor", sandbox["accounts"]["Veteran Editor"]["password"])
    page.get_by_role("link", name="Preserve evidence").click()
    page.get_by_label("Links, one a line").fill(evidence_links["text"])
    page.get_by_role("button", name="Capture").click()

    expect(page.get_by_text("2 items captured")).to_be_visible(timeout=60_000)
    expect(page.locator(".summary").filter(has_text=HOSTILE_SUMMARY)).to_have_count(1)
    expect(page.locator("main img")).to_have_count(0)
    expect(page.locator(".refused")).to_contain_text("en.wikipedia.org.evil.example")
    expect(page.get_by_text("Time stamped by an independent authority")).to_be_visible()
    shoot(page, "20-evidence-bundle")

    # The edit as a reader saw it on the wiki, framed from the archive: its text, no script.
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.locator("details.archived-page summary").first.click()
    framed = page.frame_locator("details.archived-page iframe").first
    expect(framed.get_by_text("Last warning: your real name and address")).to_be_visible()
    wiki = sandbox["wikis"]["enwiki"]["server"]
    assert not [url for url in asked if url.startswith(wiki)]  # nothing fetched from the wiki
    assert page.evaluate("document.querySelector('iframe').sandbox.length") == 0

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the bundle (ZIP)").click()
    saved = tmp_path / "bundle.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as wrapper:
        (wacz,) = [name for name in wrapper.namelist() if name.endswith(".wacz")]
        with zipfile.ZipFile(wrapper.open(wacz)) as archive:
            archive.extract("chldp/index.html", tmp_path)
    page.goto((tmp_path / "chldp" / "index.html").as_uri())
    expect(page.get_by_text(HOSTILE_SUMMARY, exact=True)).to_have_count(1)
    expect(page.locator("img")).to_have_count(0)
    expect(page.get_by_text("The content of this revision is hidden on the wiki.")).to_have_count(1)
    shoot(page, "21-evidence-index")
    assert seen == []
