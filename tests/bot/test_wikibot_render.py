"""Rendering the content to wikitext: what each region holds."""

from __future__ import annotations

from dataclasses import replace

import mwparserfromhell

from program.content import load_content
from wikibot.render import bullet_list, faq_page, paragraph, program_page, status_part
from wikibot.status import ProgramStatus

OPEN = ProgramStatus("open")


def test_the_program_page_has_its_regions_in_reading_order():
    names = [part.name for part in program_page(load_content(), OPEN)]

    assert names == [
        "status",
        "introduction",
        "conditions",
        "how-to-ask",
        "assistance",
        "other-processes",
        "things-to-know",
        "closing",
    ]


def test_the_faq_has_one_region_per_question():
    content = load_content()
    names = [part.name for part in faq_page(content, OPEN)]

    assert names[2:] == [f"faq/{entry.id}" for entry in content.faq.entries]


def test_an_email_address_becomes_a_mailto_link():
    assert paragraph("Write to legal@wikimedia.org.") == (
        "Write to [mailto:legal@wikimedia.org legal@wikimedia.org]."
    )


def test_an_ampersand_stays_a_letter_even_before_an_entity_name():
    assert paragraph("Trust & Safety, &amp; more") == "Trust & Safety, &amp;amp; more"


def test_conditions_are_a_numbered_list():
    assert bullet_list(["one", "two"], "#") == "# one\n# two"


def test_the_faq_repeats_the_conditions_exactly_as_the_program_page_shows_them():
    content = load_content()
    conditions = next(p for p in program_page(content, OPEN) if p.name == "conditions")
    who = next(p for p in faq_page(content, OPEN) if p.name == "faq/who")

    assert who.blocks[-1] == conditions.blocks[2]


def test_the_status_notice_shows_the_staff_message_as_plain_text():
    part = status_part(load_content(), ProgramStatus("paused", "Back in <b>May</b> [[x]]"))
    code = mwparserfromhell.parse(part.wikitext)

    assert part.wikitext.startswith("'''The program is not taking new requests for now.")
    assert code.filter_tags(matches=lambda tag: tag.tag == "nowiki")
    assert "Back in <b>May</b> [[x]]" in code.strip_code()


def test_an_unknown_status_leaves_the_status_region_unknown():
    assert status_part(load_content(), None).blocks is None


def test_without_a_closing_the_page_has_no_closing_region():
    content = replace(load_content(), closing=())

    assert "closing" not in [part.name for part in program_page(content, OPEN)]


def test_blocks_are_separated_by_blank_lines_so_each_is_one_translation_unit():
    conditions = next(p for p in program_page(load_content(), OPEN) if p.name == "conditions")

    assert conditions.wikitext.split("\n\n") == list(conditions.blocks)
