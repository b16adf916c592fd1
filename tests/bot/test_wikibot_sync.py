"""The bot against a real wiki: the sandbox's metawiki, logged in with the bot's BotPassword.

Each test works on pages of its own; people's edits are made through the API as the farm's
operator, so the seeded accounts keep the edit counts other tests expect.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from support.statusserver import serve_status

from program.content import dump_content, load_content
from sandbox.api import operator_session
from sandbox.translation import mark_for_translation
from wikibot.__main__ import main
from wikibot.exits import Exit
from wikibot.settings import Settings
from wikibot.wiki import open_site


class WikiUser:
    """A person on the wiki, through the Action API."""

    def __init__(self, wiki: dict, name: str, password: str) -> None:
        self.api = wiki["api_url"]
        self.http = requests.Session()
        token = self._get(action="query", meta="tokens", type="login")["query"]["tokens"]
        login = self._post(
            action="clientlogin",
            username=name,
            password=password,
            logintoken=token["logintoken"],
            loginreturnurl=wiki["server"],
        )
        assert login["clientlogin"]["status"] == "PASS", login

    def text(self, title: str) -> str | None:
        page = self._get(
            action="query", prop="revisions", rvprop="content", rvslots="main", titles=title
        )["query"]["pages"][0]
        return None if page.get("missing") else page["revisions"][0]["slots"]["main"]["content"]

    def edit(self, title: str, text: str) -> None:
        token = self._get(action="query", meta="tokens")["query"]["tokens"]["csrftoken"]
        reply = self._post(action="edit", title=title, text=text, token=token, summary="test")
        assert reply["edit"]["result"] == "Success", reply

    def bot_edits(self, *titles: str) -> int:
        """How many edits the bot made to these pages, flagged as a bot's, in recent changes."""
        changes = self._get(
            action="query",
            list="recentchanges",
            rcuser="ChldpBot",
            rcshow="bot",
            rcprop="title",
            rclimit="max",
        )["query"]["recentchanges"]
        return sum(change["title"] in titles for change in changes)

    def _get(self, **params: str) -> dict:
        params.update(format="json", formatversion="2")
        return self.http.get(self.api, params=params, timeout=30).json()

    def _post(self, **data: str) -> dict:
        data.update(format="json", formatversion="2")
        return self.http.post(self.api, data=data, timeout=30).json()


@pytest.fixture(scope="module")
def status_server():
    with serve_status({"status": "open", "message": ""}) as server:
        yield server


@pytest.fixture(scope="module")
def person(sandbox) -> WikiUser:
    operator = sandbox["operator"]
    return WikiUser(sandbox["wikis"]["metawiki"], operator["name"], operator["password"])


@pytest.fixture
def settings(sandbox, status_server) -> Settings:
    base = f"Chldp test {uuid.uuid4().hex[:8]}"
    return Settings(
        program_page=f"{base}/Program",
        faq_page=f"{base}/Program/FAQ",
        shutoff_page=f"{base}/Shutoff",
        status_url=status_server.url,
        pywikibot_dir=sandbox["pywikibot_dir"],
    )


@pytest.fixture
def pywikibot(settings):
    """Pywikibot, configured for the sandbox (so it can be patched in a test)."""
    open_site(settings, login=False)
    import pywikibot

    return pywikibot


def bot(settings: Settings, capsys, *argv: str) -> tuple[int, list[dict]]:
    """Run `python -m wikibot ARGV` in this process; its exit code and its logged actions."""
    capsys.readouterr()
    code = main(list(argv), settings=settings)
    return code, [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def events(log: list[dict]) -> list[str]:
    return [entry["event"] for entry in log if entry["event"] not in ("status", "status-unknown")]


def with_answer(settings: Settings, tmp_path: Path, entry_id: str, answer: str) -> Settings:
    """Settings whose content has a new answer to one FAQ question."""
    content = load_content()
    entries = tuple(
        replace(entry, answer=(answer,)) if entry.id == entry_id else entry
        for entry in content.faq.entries
    )
    path = tmp_path / "content.yaml"
    path.write_text(dump_content(replace(content, faq=replace(content.faq, entries=entries))))
    return replace(settings, content_file=path)


def synced(settings: Settings, capsys) -> None:
    code, _ = bot(settings, capsys, "sync", "--always")
    assert code == Exit.OK


def test_a_first_sync_writes_both_pages_and_a_second_makes_no_edit(settings, person, capsys):
    first, log = bot(settings, capsys, "sync", "--always")
    second, log_again = bot(settings, capsys, "sync", "--always")

    assert (first, events(log)) == (Exit.OK, ["saved", "saved"])
    assert "<!-- chldp:begin faq/who " in person.text(settings.faq_page)
    assert (second, events(log_again)) == (Exit.OK, ["unchanged", "unchanged"])
    assert person.bot_edits(settings.program_page, settings.faq_page) == 2


def test_a_persons_edit_outside_the_regions_survives_the_next_sync(
    settings, person, capsys, tmp_path
):
    synced(settings, capsys)
    theirs = (
        "{{Translated page}}\n<div>A person's note.</div>  \n\n"
        + person.text(settings.faq_page)
        + "\n\n== See also ==\n* [[Somewhere]]"
    )
    person.edit(settings.faq_page, theirs)

    code, log = bot(
        with_answer(settings, tmp_path, "how", "Write to legal@wikimedia.org."),
        capsys,
        "sync",
        "--always",
    )

    after = person.text(settings.faq_page)
    assert (code, events(log)) == (Exit.OK, ["unchanged", "saved"])
    assert after.startswith("{{Translated page}}\n<div>A person's note.</div>  \n\n<!-- chldp:")
    assert after.endswith("<!-- chldp:end faq/know -->\n\n== See also ==\n* [[Somewhere]]")
    assert "Write to [mailto:legal@wikimedia.org legal@wikimedia.org]." in after


def test_a_change_to_one_answer_edits_only_that_answers_lines(settings, person, capsys, tmp_path):
    synced(settings, capsys)
    before = person.text(settings.faq_page).splitlines()

    bot(with_answer(settings, tmp_path, "declined", "Others may help."), capsys, "sync", "--always")

    after = person.text(settings.faq_page).splitlines()
    [(begin_comment, _), (_, answer)] = [
        (old, new) for old, new in zip(before, after, strict=True) if old != new
    ]
    assert begin_comment.startswith("<!-- chldp:begin faq/declined ")
    assert answer == "Others may help."


def test_a_persons_edit_inside_a_region_stops_the_sync_with_exit_3(
    settings, person, capsys, tmp_path
):
    synced(settings, capsys)
    theirs = person.text(settings.program_page).replace("* fines\n", "* fines and tickets\n")
    person.edit(settings.program_page, theirs)

    code, log = bot(with_answer(settings, tmp_path, "how", "Write."), capsys, "sync", "--always")

    assert code == Exit.EDITED_BY_OTHERS
    assert [
        (e["event"], e.get("regions")) for e in log if e.get("page") == settings.program_page
    ] == [("edited-by-others", ["assistance"])]
    assert person.text(settings.program_page) == theirs
    assert "Write." in person.text(settings.faq_page)


def test_force_restores_the_source_over_a_persons_edit(settings, person, capsys):
    synced(settings, capsys)
    original = person.text(settings.program_page)
    person.edit(settings.program_page, original.replace("* fines\n", "* fines and tickets\n"))

    code, log = bot(settings, capsys, "sync", "--always", "--force")

    assert code == Exit.OK
    assert [e["forced"] for e in log if e["event"] == "saved"] == [["assistance"]]
    assert person.text(settings.program_page) == original


def test_check_exits_0_1_or_3_as_the_pages_match_differ_or_were_edited(
    settings, person, capsys, tmp_path
):
    synced(settings, capsys)
    matching, _ = bot(settings, capsys, "check")
    out_of_date, log = bot(with_answer(settings, tmp_path, "how", "Write."), capsys, "check")
    person.edit(
        settings.faq_page, person.text(settings.faq_page).replace("Short answers", "Answers")
    )
    edited, _ = bot(settings, capsys, "check")

    assert (matching, out_of_date, edited) == (Exit.OK, Exit.OUT_OF_DATE, Exit.EDITED_BY_OTHERS)
    assert [e["regions"] for e in log if e["event"] == "out-of-date"] == [["faq/how"]]
    assert person.bot_edits(settings.program_page, settings.faq_page) == 2


def test_nobots_stops_the_sync(settings, person, capsys, tmp_path):
    synced(settings, capsys)
    theirs = "{{nobots}}\n" + person.text(settings.faq_page)
    person.edit(settings.faq_page, theirs)

    code, log = bot(with_answer(settings, tmp_path, "how", "Write."), capsys, "sync", "--always")

    assert (code, events(log)) == (Exit.STOPPED, ["unchanged", "excluded"])
    assert person.text(settings.faq_page) == theirs


def test_bots_deny_naming_the_bot_stops_the_sync(settings, person, capsys, tmp_path):
    synced(settings, capsys)
    person.edit(settings.faq_page, "{{bots|deny=ChldpBot}}\n" + person.text(settings.faq_page))

    code, log = bot(with_answer(settings, tmp_path, "how", "Write."), capsys, "sync", "--always")

    assert (code, events(log)) == (Exit.STOPPED, ["unchanged", "excluded"])


def test_the_shutoff_page_stops_the_sync_before_any_edit(settings, person, capsys):
    person.edit(settings.shutoff_page, "on")

    code, log = bot(settings, capsys, "sync", "--always")

    assert (code, events(log)) == (Exit.STOPPED, ["shutoff"])
    assert person.text(settings.program_page) is None


def test_a_shutoff_page_that_says_off_lets_the_bot_run(settings, person, capsys):
    person.edit(settings.shutoff_page, "off <!-- anything else stops the bot -->")

    code, _ = bot(settings, capsys, "sync", "--always")

    assert code == Exit.OK


def test_dry_run_shows_the_changes_and_saves_nothing(settings, person, capsys):
    code, log = bot(settings, capsys, "sync", "--dry-run")

    assert (code, events(log)) == (Exit.OK, ["would-save", "would-save"])
    assert person.text(settings.program_page) is None


def test_the_page_option_syncs_only_that_page(settings, person, capsys):
    code, _ = bot(settings, capsys, "sync", "--always", "--page", "faq")

    assert code == Exit.OK
    assert person.text(settings.program_page) is None
    assert person.text(settings.faq_page)


def test_the_status_from_the_web_tool_shows_on_both_pages(settings, person, capsys, status_server):
    status_server.answer = {"status": "paused", "message": "Back in May."}
    try:
        synced(settings, capsys)
    finally:
        status_server.answer = {"status": "open", "message": ""}

    for title in (settings.program_page, settings.faq_page):
        assert "'''The program is not taking new requests for now." in person.text(title)
        assert "<nowiki>Back in May.</nowiki>" in person.text(title)


def test_without_the_web_tool_the_pages_keep_the_status_they_show(settings, person, capsys):
    synced(settings, capsys)
    unreachable = replace(settings, status_url="http://127.0.0.1:9/api/v1/program-status")

    code, log = bot(unreachable, capsys, "sync", "--always")

    assert log[0]["event"] == "status-unknown"
    assert (code, events(log)) == (Exit.OK, ["unchanged", "unchanged"])
    assert "'''The program is accepting requests for help.'''" in person.text(settings.faq_page)


def test_on_a_translatable_page_a_change_keeps_every_other_unit(
    settings, person, capsys, tmp_path, sandbox
):
    synced(settings, capsys)
    person.edit(settings.faq_page, "<languages/>\n" + person.text(settings.faq_page))
    synced(settings, capsys)  # wraps each region for translation
    operator = sandbox["operator"]
    admin = operator_session(
        sandbox["wikis"]["metawiki"]["api_url"], operator["name"], operator["password"]
    )
    mark_for_translation(Path(sandbox["dir"]), admin, settings.faq_page)  # Translate, for real
    marked = person.text(settings.faq_page)
    synced(settings, capsys)
    assert person.bot_edits(settings.faq_page) == 2  # marking for translation is no change

    bot(with_answer(settings, tmp_path, "declined", "Others may help."), capsys, "sync", "--always")

    after = person.text(settings.faq_page)
    changed = set(marked.splitlines()) ^ set(after.splitlines())
    assert re.findall(r"<!--T:\d+-->", after) == re.findall(r"<!--T:\d+-->", marked)
    assert len(changed) == 4  # the answer's line and its region's begin comment, old and new
    assert "Others may help." in changed


def test_a_page_created_between_read_and_save_is_read_again_and_kept(
    settings, person, capsys, pywikibot, monkeypatch
):
    _someone_saves_first(
        monkeypatch,
        pywikibot,
        settings.faq_page,
        lambda: person.edit(settings.faq_page, "Notes by a person."),
    )

    code, log = bot(settings, capsys, "sync", "--always", "--page", "faq")

    assert (code, events(log)) == (Exit.OK, ["edit-conflict", "saved"])
    assert person.text(settings.faq_page).startswith(
        "Notes by a person.\n\n<!-- chldp:begin status "
    )


def test_a_region_edited_between_read_and_save_is_not_overwritten(
    settings, person, capsys, tmp_path, pywikibot, monkeypatch
):
    synced(settings, capsys)
    theirs = person.text(settings.faq_page).replace("Write to the Foundation", "Write to the team")
    _someone_saves_first(
        monkeypatch, pywikibot, settings.faq_page, lambda: person.edit(settings.faq_page, theirs)
    )

    code, log = bot(with_answer(settings, tmp_path, "how", "Write."), capsys, "sync", "--always")

    assert (code, events(log)) == (
        Exit.EDITED_BY_OTHERS,
        ["unchanged", "edit-conflict", "edited-by-others"],
    )
    assert person.text(settings.faq_page) == theirs


def test_a_page_that_keeps_changing_is_skipped_after_one_retry(
    settings, person, capsys, tmp_path, pywikibot, monkeypatch
):
    synced(settings, capsys)

    def touch_the_begin_comment() -> None:
        text = person.text(settings.faq_page)
        touched = re.sub(r"(<!-- chldp:begin faq/how [^\n]*?)( -->)", r"\1 !\2", text)
        person.edit(settings.faq_page, touched)

    _someone_saves_first(monkeypatch, pywikibot, settings.faq_page, touch_the_begin_comment, 2)

    code, log = bot(with_answer(settings, tmp_path, "how", "Write."), capsys, "sync", "--always")

    assert (code, events(log)) == (
        Exit.STOPPED,
        ["unchanged", "edit-conflict", "edit-conflict", "skipped"],
    )


def test_import_turns_a_published_page_into_the_canonical_yaml(settings, person, capsys, tmp_path):
    person.edit(
        settings.program_page,
        "Intro.\n\nTo qualify:\n# One.\n# Two.\n# Three.\n\n== Things to know ==\n"
        "# '''Global.''' Everywhere.\n\nThanks.",
    )
    output = tmp_path / "imported.yaml"

    code, _ = bot(settings, capsys, "import", settings.program_page, "--output", str(output))

    imported = load_content(output)
    assert code == Exit.OK
    assert [item.text for item in imported.conditions.items] == ["One.", "Two.", "Three."]
    assert [(t.title, t.text) for t in imported.things_to_know.items] == [("Global", "Everywhere.")]
    assert output.read_text().startswith(
        f"# Imported by `python -m wikibot import` from {settings.program_page}"
    )


def _someone_saves_first(monkeypatch, pywikibot, title: str, edit, times: int = 1) -> None:
    """Make a person's edit land just before the bot's next `times` saves of `title`."""
    save = pywikibot.Page.save
    remaining = [times]

    def save_after_someone_else(page, *args, **kwargs):
        if page.title() == title and remaining[0]:
            remaining[0] -= 1
            edit()
        return save(page, *args, **kwargs)

    monkeypatch.setattr(pywikibot.Page, "save", save_after_someone_else)
