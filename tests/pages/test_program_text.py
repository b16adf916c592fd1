"""The start page in the reader's language, from the translations of the program page on the
farm's Meta-Wiki, which runs the real Extension:Translate.

The bot writes the program page, a person adds <languages/>, the bot wraps its regions for
translation and a translation administrator marks it. Then the first paragraph of the
introduction and the list of conditions are translated into German and Arabic, and the second
paragraph into German with a translation that is outdated (Translate's !!FUZZY!!); everything
else is not translated.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from markupsafe import escape
from support.faultserver import FaultServer, status
from support.redisdb import REDIS_URL, empty_redis

from program.content import load_content
from sandbox.program_page import list_of, translate_program_page, translation_units
from sandbox.translation import run_jobs, translate_unit
from webtool.infra.config import ProgramWiki
from webtool.services.program_text import plain_lines
from wikibot.settings import Settings

CONTENT = load_content()
FIRST, SECOND = CONTENT.introduction
CONDITIONS = [item.text for item in CONTENT.conditions.items]
TRANSLATED = {
    "de": "Das Programm hilft Freiwilligen, einen Anwalt zu finden: legal@wikimedia.org.",
    "ar": "يساعد البرنامج المتطوعين في العثور على محامٍ: legal@wikimedia.org.",
}
CONDITIONS_TRANSLATED = {
    "de": ["Sie unterstützen die Projekte.", "Sie werden belästigt.", "Sie halten die Regeln ein."],
    "ar": ["أنت تدعم المشاريع.", "أنت تتعرض للمضايقة.", "أنت تلتزم بالقواعد."],
}
OUTDATED = "Eine veraltete Übersetzung des zweiten Absatzes."


@pytest.fixture(scope="module")
def program_page(sandbox) -> ProgramWiki:
    """A program page marked for translation, with some units translated, by the code that
    translates the demo's (sandbox/program_page.py) with the tests' own translations."""
    base = f"Chldp start page {uuid.uuid4().hex[:8]}"
    settings = Settings(
        program_page=f"{base}/Program",
        faq_page=f"{base}/Program/FAQ",
        shutoff_page=f"{base}/Shutoff",
        pywikibot_dir=sandbox["pywikibot_dir"],
    )
    conditions = list_of(CONDITIONS)
    translations = {
        language: {FIRST: words, conditions: list_of(CONDITIONS_TRANSLATED[language])}
        for language, words in TRANSLATED.items()
    }
    translations["de"][SECOND] = "!!FUZZY!!" + OUTDATED
    done = translate_program_page(sandbox, settings, translations)
    assert done == ["prepared for translation", "marked for translation", "5 translations saved"]
    return ProgramWiki(sandbox["wikis"]["metawiki"]["api_url"], settings.program_page)


def start_page(sandbox, tmp_path: Path, wiki: ProgramWiki, **settings: object):
    """A client of the web tool reading the program's translations from `wiki`."""
    from webtool.app import create_app

    app = create_app(
        {
            "SQLALCHEMY_URL": f"sqlite:///{tmp_path / 'chldp.sqlite'}",
            "TESTING": True,
            "REDIS_URL": None,
            "PROGRAM_WIKI": wiki,
            **settings,
        },
        instance_path=str(tmp_path / "instance"),
    )
    return app.test_client()


def element_with(page: str, words: str) -> str:
    """The opening tag of the innermost element whose text starts with `words`."""
    position = page.index(escape(words)[:40])
    return page[page.rindex("<", 0, position) : page.index(">", page.rindex("<", 0, position)) + 1]


def test_a_german_reader_sees_the_translated_paragraph_and_the_english_of_the_others(
    sandbox, program_page, tmp_path
):
    page = start_page(sandbox, tmp_path, program_page).get("/?uselang=de").text

    assert element_with(page, "Das Programm hilft") == "<p>"
    assert 'href="mailto:legal@wikimedia.org"' in page  # the translation's address is a link
    assert FIRST not in page
    # Outdated and untranslated: the English, marked so that it reads left to right.
    assert OUTDATED not in page
    assert element_with(page, SECOND) == '<p lang="en" dir="ltr">'
    heading = CONTENT.conditions.heading
    assert element_with(page, heading) == '<h2 lang="en" dir="ltr">'
    assert "<li>Sie unterstützen die Projekte.</li>" in page
    assert CONDITIONS[0] not in page


def test_each_section_with_english_in_it_links_to_translating_it_on_the_wiki(
    sandbox, program_page, tmp_path
):
    page = start_page(sandbox, tmp_path, program_page).get("/?uselang=de").text

    notes = re.findall(r'<p class="untranslated">(.*?)</p>', page, re.S)
    # The introduction (its second paragraph) and the five sections after it.
    assert len(notes) == 6
    assert "Ein Teil dieses Textes ist noch nicht in Ihre Sprache übersetzt" in notes[0]
    group = "page-" + program_page.page.replace(" ", "+").replace("/", "%2F")
    link = re.search(r'href="([^"]+)"', notes[0])[1].replace("&amp;", "&")
    assert link == (
        program_page.api.removesuffix("api.php")
        + f"index.php?title=Special%3ATranslate&group={group}&language=de&action=page&filter="
    )


def test_an_arabic_reader_sees_the_arabic_right_to_left_and_the_english_left_to_right(
    sandbox, program_page, tmp_path
):
    page = start_page(sandbox, tmp_path, program_page).get("/?uselang=ar").text

    assert '<html lang="ar" dir="rtl">' in page
    assert element_with(page, TRANSLATED["ar"]) == "<p>"  # the page's own direction
    assert element_with(page, SECOND) == '<p lang="en" dir="ltr">'  # no outdated one in ar
    assert "<li>أنت تدعم المشاريع.</li>" in page
    assert element_with(page, CONTENT.how_to_ask.paragraphs[0]) == '<p lang="en" dir="ltr">'
    assert "لم يُترجَم جزء من هذا النص إلى لغتك بعد" in page


def test_an_english_reader_sees_the_canonical_text_unmarked_and_nothing_to_translate(
    sandbox, program_page, tmp_path
):
    client = start_page(sandbox, tmp_path, program_page)
    page = client.get("/?uselang=en").text

    assert element_with(page, FIRST) == "<p>"
    assert page.count('lang="en" dir="ltr"') == 1  # the page's own, on <html>
    assert 'class="untranslated"' not in page
    assert client.application.services.program_wiki.requests_made == 0  # not asked


def test_translations_are_read_again_only_when_a_revision_changes(
    sandbox, admin, program_page, tmp_path
):
    # Revisions asked at every visit, so that the test sees a new one at once.
    client = start_page(sandbox, tmp_path, program_page, PROGRAM_TEXT_REVISIONS_TTL=0)
    assert SECOND in client.get("/?uselang=de").text
    wiki_client = client.application.services.program_wiki
    asked = wiki_client.requests_made

    client.get("/?uselang=de")
    assert wiki_client.requests_made == asked + 1  # the revisions only: the units are kept

    other = CONTENT.other_processes.paragraphs[0]
    assert element_with(client.get("/?uselang=de").text, other) == '<p lang="en" dir="ltr">'
    newer = "Das Programm ergänzt die anderen Wege der Bewegung gegen Belästigung."
    units = {u["definition"]: u["title"] for u in translation_units(admin, program_page.page, "de")}
    translate_unit(admin, units[other].rsplit("/", 1)[0], "de", newer)
    run_jobs(Path(sandbox["dir"]))  # renders the German page: a new revision

    page = client.get("/?uselang=de").text
    assert element_with(page, newer) == "<p>"


def test_cached_translations_are_sealed_in_redis(sandbox, program_page, tmp_path):
    with empty_redis(REDIS_URL) as server:
        client = start_page(sandbox, tmp_path, program_page, REDIS_URL=REDIS_URL)
        assert "Das Programm hilft Freiwilligen" in client.get("/?uselang=de").text
        stored = b"".join(server.get(key) or b"" for key in server.scan_iter())

    assert stored and b"Programm" not in stored and b"page-" not in stored


def test_with_the_wiki_failing_the_start_page_is_english_and_asks_once_a_minute(sandbox, tmp_path):
    wiki = FaultServer()
    wiki.script = [status(503)]
    try:
        client = start_page(sandbox, tmp_path, ProgramWiki(wiki.url, "Any page"))
        first = client.get("/?uselang=ar")
        asked = len(wiki.requests)
        second = client.get("/?uselang=ar")
    finally:
        wiki.close()

    for page in (first, second):
        assert page.status_code == 200
        assert element_with(page.text, FIRST) == '<p lang="en" dir="ltr">'
    assert asked >= 1 and len(wiki.requests) == asked  # remembered as down


def test_with_the_wiki_unreachable_the_start_page_is_english(sandbox, tmp_path):
    nowhere = ProgramWiki("http://127.0.0.1:9/w/api.php", "Any page")

    page = start_page(sandbox, tmp_path, nowhere).get("/?uselang=de")

    assert page.status_code == 200
    assert element_with(page.text, FIRST) == '<p lang="en" dir="ltr">'


def test_a_page_the_wiki_does_not_have_leaves_the_text_english(sandbox, tmp_path):
    missing = ProgramWiki(sandbox["wikis"]["metawiki"]["api_url"], f"No such {uuid.uuid4().hex}")

    page = start_page(sandbox, tmp_path, missing).get("/?uselang=de").text

    assert element_with(page, FIRST) == '<p lang="en" dir="ltr">'


def test_a_translation_is_reduced_to_plain_text():
    wikitext = (
        "== '''Kopf''' ==\n# [[Seite|Verweis]] und [https://example.org Beschriftung]\n"
        "* <script>alert(1)</script> [mailto:a@b.org a@b.org] &amp; mehr"
    )

    assert plain_lines(wikitext) == [
        "Kopf",
        "Verweis und Beschriftung",
        "alert(1) a@b.org & mehr",
    ]
