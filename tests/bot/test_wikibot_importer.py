"""`import PAGE`: reading the canonical content back from a page."""

from __future__ import annotations

import pytest

from program.content import ContentError, load_content
from wikibot.importer import import_faq_page, import_program_page
from wikibot.plan import plan_page
from wikibot.render import faq_page, program_page
from wikibot.status import ProgramStatus

# The published program page's shape, marked for translation, with its text shortened.
PUBLISHED = """<languages/>
<translate>
<!--T:1-->
The Community Health Legal Defense Program helps community members find and pay for counsel.

<!--T:2-->
Although harassment of this severity is uncommon, the program aims to discourage it further.

<!--T:3-->
In order to qualify for the program, community members must meet the following conditions:
# Be engaged in supporting Wikimedia projects.
# Be the target of severe or persistent harassment.
# Have complied with the Terms of Use.

<!--T:4-->
At its sole discretion, WMF will make the final determination of eligibility.

== How to request assistance == <!--T:5-->

<!--T:6-->
Please feel free to contact [mailto:legal@wikimedia.org legal@wikimedia.org].

<!--T:7-->
For blocks and bans, reach out to the Trust & Safety team, ca@wikimedia.org.

== Things to know about the program == <!--T:8-->
# '''Global and all projects and languages.''' The program helps in any country.
# '''Funding is limited.''' The program starts with a set amount of funds.

<!--T:9-->
Every community member should feel safe while working on Wikimedia projects.
</translate>"""


def test_a_page_the_bot_wrote_reads_back_as_the_content():
    content = load_content()
    page = plan_page("", program_page(content, ProgramStatus("open"))).new_text

    assert import_program_page(page, content).content == content


def test_an_faq_the_bot_wrote_reads_back_as_the_content():
    content = load_content()
    page = plan_page("", faq_page(content, ProgramStatus("open"))).new_text

    assert import_faq_page(page, content).content == content


def test_the_published_pages_lead_list_becomes_the_conditions():
    conditions = import_program_page(PUBLISHED, load_content()).content.conditions

    assert conditions.lead.startswith("In order to qualify")
    assert [(item.id, item.text) for item in conditions.items] == [
        ("engaged", "Be engaged in supporting Wikimedia projects."),
        ("targeted", "Be the target of severe or persistent harassment."),
        ("compliant", "Have complied with the Terms of Use."),
    ]
    assert conditions.decision == (
        "At its sole discretion, WMF will make the final determination of eligibility.",
    )


def test_the_published_pages_bold_list_becomes_the_things_to_know():
    things = import_program_page(PUBLISHED, load_content()).content.things_to_know

    assert things.heading == "Things to know about the program"
    assert [(topic.title, topic.text) for topic in things.items] == [
        ("Global and all projects and languages", "The program helps in any country."),
        ("Funding is limited", "The program starts with a set amount of funds."),
    ]


def test_the_published_pages_other_section_becomes_how_to_ask_in_plain_text():
    how_to_ask = import_program_page(PUBLISHED, load_content()).content.how_to_ask

    assert how_to_ask.heading == "How to request assistance"
    assert how_to_ask.paragraphs[0] == "Please feel free to contact legal@wikimedia.org."


def test_fields_the_page_does_not_show_keep_their_current_value():
    current = load_content()

    imported = import_program_page(PUBLISHED, current)

    assert imported.content.assistance == current.assistance
    assert "assistance" not in imported.found
    assert imported.content.closing == (
        "Every community member should feel safe while working on Wikimedia projects.",
    )


def test_an_faq_not_yet_managed_reads_by_its_headings():
    current = load_content()
    conditions = "\n".join(f"# {item.text}" for item in current.conditions.items)
    page = (
        "Questions people ask.\n\n== What does the program do? ==\nIt helps volunteers.\n\n"
        f"== May I ask? ==\nYou may if:\n{conditions}\n"
    )

    faq = import_faq_page(page, current).content.faq

    assert faq.introduction == ("Questions people ask.",)
    assert [(e.id, e.question, e.answer, e.shows) for e in faq.entries] == [
        ("what", "What does the program do?", ("It helps volunteers.",), None),
        ("may-i-ask", "May I ask?", ("You may if:",), "conditions"),
    ]


def test_a_list_that_is_none_of_the_program_pages_lists_is_reported():
    page = "== Where? ==\nHere:\n* somewhere\n"

    imported = import_faq_page(page, load_content())

    assert imported.left_out == [
        "The list under 'Where?' is none of the program page's lists; "
        "the content has no place for it."
    ]


def test_text_the_content_cannot_hold_is_refused_with_its_field():
    quoted = "Funding is <nowiki>[[limited]]</nowiki>.'''"
    page = PUBLISHED.replace("Funding is limited.'''", quoted)

    with pytest.raises(ContentError, match=r"things_to_know\.items\[1\]\.title"):
        import_program_page(page, load_content())


def test_a_plain_item_among_the_things_to_know_is_reported_not_read_as_a_topic():
    page = (
        "Lead.\n\n== Things to know ==\n=== Global ===\nThe program helps anywhere.\n"
        "* '''Funding is limited.''' It starts with a set amount.\n* a plain item\n"
    )

    imported = import_program_page(page, load_content())

    assert [(t.title, t.text) for t in imported.content.things_to_know.items] == [
        ("Global", "The program helps anywhere."),
        ("Funding is limited", "It starts with a set amount."),
    ]
    assert imported.left_out == [
        "The item 'a plain item' under 'Things to know' does not open in bold as a thing to "
        "know does; the content has no place for it."
    ]
