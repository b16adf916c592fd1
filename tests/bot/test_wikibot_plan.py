"""Planning one page: what the bot would write, and when it must not write."""

from __future__ import annotations

import re
from dataclasses import replace

from program.content import load_content
from wikibot.plan import plan_page
from wikibot.render import faq_page, program_page
from wikibot.status import ProgramStatus

OPEN = ProgramStatus("open")


def _synced(parts) -> str:
    return plan_page("", parts).new_text


def _with_answer(entry_id: str, answer: str):
    content = load_content()
    entries = tuple(
        replace(entry, answer=(answer,)) if entry.id == entry_id else entry
        for entry in content.faq.entries
    )
    return replace(content, faq=replace(content.faq, entries=entries))


def test_a_new_page_gets_every_region():
    plan = plan_page("", program_page(load_content(), OPEN))

    assert plan.added[0] == "status"
    assert len(re.findall("<!-- chldp:begin ", plan.new_text)) == len(plan.added) == 8


def test_a_page_in_sync_needs_no_edit():
    parts = faq_page(load_content(), OPEN)

    assert not plan_page(_synced(parts), parts).changes


def test_a_persons_text_outside_the_regions_survives_byte_for_byte():
    page = "{{Translated page}}\n<div>A note.</div>\n\n" + _synced(faq_page(load_content(), OPEN))
    page += "\n\n== See also ==\n* [[Somewhere]]  "
    changed = faq_page(_with_answer("how", "Write to legal@wikimedia.org."), OPEN)

    new_text = plan_page(page, changed).new_text

    assert new_text.startswith("{{Translated page}}\n<div>A note.</div>\n\n<!-- chldp:begin")
    assert new_text.endswith("<!-- chldp:end faq/know -->\n\n== See also ==\n* [[Somewhere]]  ")


def test_a_change_to_one_answer_changes_only_that_answers_lines():
    old = _synced(faq_page(load_content(), OPEN))
    plan = plan_page(old, faq_page(_with_answer("how", "Write to legal@wikimedia.org."), OPEN))
    region = re.search(r"<!-- chldp:begin faq/how .*?<!-- chldp:end faq/how -->", old, re.S)
    region_lines = set(region.group().splitlines())

    changed = [line[1:] for line in plan.diff("FAQ").splitlines()[2:] if line[:1] == "-"]

    assert plan.updated == ("faq/how",)
    assert changed and set(changed) <= region_lines


def test_a_region_someone_edited_is_not_overwritten():
    old = _synced(program_page(load_content(), OPEN)).replace("fines", "fines, and parking tickets")

    plan = plan_page(old, program_page(load_content(), OPEN))

    assert plan.edited_by_others == ("assistance",)
    assert not plan.changes


def test_force_restores_a_region_someone_edited():
    parts = program_page(load_content(), OPEN)
    old = _synced(parts).replace("fines", "fines, and parking tickets")

    assert plan_page(old, parts, force=True).new_text == _synced(parts)


def test_someone_making_the_sources_own_change_is_not_an_edit_to_undo():
    parts = program_page(load_content(), OPEN)
    edited = _synced(parts).replace("fines\n", "penalties\n")
    content = load_content()
    excludes = tuple("penalties" if e == "fines" else e for e in content.assistance.excludes)
    new_parts = program_page(
        replace(content, assistance=replace(content.assistance, excludes=excludes)), OPEN
    )

    plan = plan_page(edited, new_parts)

    assert plan.updated == ("assistance",) and not plan.edited_by_others
    assert not plan_page(plan.new_text, new_parts).changes


def test_an_unknown_status_keeps_the_status_the_page_shows():
    paused = _synced(program_page(load_content(), ProgramStatus("paused", "Until May.")))

    assert not plan_page(paused, program_page(load_content(), None)).changes


def test_a_question_dropped_from_the_content_is_removed_from_the_page():
    content = load_content()
    old = _synced(faq_page(content, OPEN))
    fewer = replace(content, faq=replace(content.faq, entries=content.faq.entries[:-1]))

    plan = plan_page(old, faq_page(fewer, OPEN))

    assert plan.removed == ("faq/know",)
    assert plan.new_text == _synced(faq_page(fewer, OPEN))


def test_on_a_translatable_page_the_bot_wraps_its_regions_for_translation():
    page = "<languages/>\n" + _synced(program_page(load_content(), OPEN))

    plan = plan_page(page, program_page(load_content(), OPEN))

    assert plan.new_text.startswith("<languages/>\n<!-- chldp:begin status ")
    assert plan.new_text.count("<translate>") == 8
    assert not plan_page(plan.new_text, program_page(load_content(), OPEN)).changes


def test_the_summary_names_the_regions_and_links_the_task_page():
    plan = plan_page("", faq_page(load_content(), OPEN)[:2])

    assert plan.summary("User:ChldpBot/Task") == (
        "Sync with the program's canonical content: added status, faq-introduction "
        "([[User:ChldpBot/Task|bot task]])"
    )
