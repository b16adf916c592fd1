"""Translation-safe edits: Translate's units and markers survive the bot's changes."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from support.statusserver import serve_status

from program.content import dump_content, load_content
from sandbox.api import ApiSession
from sandbox.program_page import translation_units, wiki_text
from sandbox.translation import mark_for_translation, run_jobs, translate_unit
from wikibot.__main__ import main as wikibot_main
from wikibot.exits import Exit
from wikibot.settings import Settings
from wikibot.translate import split_units, strip_translate_markup, translatable_body

MARKED = (
    "<translate nowrap>\n"
    "== Who can ask == <!--T:1-->\n\n"
    "<!--T:2-->\nYou must meet all three conditions:\n\n"
    "<!--T:3-->\n# one\n# two\n# three\n\n"
    "<!--T:7-->\nThe Foundation decides.\n"
    "</translate>"
)
BLOCKS = [
    "== Who can ask ==",
    "You must meet all three conditions:",
    "# one\n# two\n# three",
    "The Foundation decides.",
]


def test_markers_of_every_style_are_stripped_with_the_spacing_translate_adds():
    marked = "== Title == <!--T:1-->\n\n<!--T:2-->\nText.\n\n# <!--T:3--> item"

    assert strip_translate_markup(marked) == "== Title ==\n\nText.\n\n# item"


def test_a_body_splits_into_its_units_with_their_markers():
    units = split_units(MARKED)

    assert [(u.marker, u.text) for u in units] == [
        ("<!--T:1-->", BLOCKS[0]),
        ("<!--T:2-->", BLOCKS[1]),
        ("<!--T:3-->", BLOCKS[2]),
        ("<!--T:7-->", BLOCKS[3]),
    ]


def test_unchanged_text_gives_back_the_body_byte_for_byte():
    assert translatable_body(MARKED, BLOCKS) == MARKED


def test_a_changed_paragraph_keeps_its_marker_and_the_others_stay_as_they_were():
    changed = [*BLOCKS[:3], "The Foundation alone decides."]

    assert translatable_body(MARKED, changed) == MARKED.replace(
        "The Foundation decides.", "The Foundation alone decides."
    )


def test_a_changed_heading_keeps_its_marker_at_the_end_of_its_line():
    changed = ["== Who may ask ==", *BLOCKS[1:]]

    assert translatable_body(MARKED, changed).startswith(
        "<translate nowrap>\n== Who may ask == <!--T:1-->\n\n<!--T:2-->\n"
    )


def test_a_new_paragraph_gets_no_marker_and_nothing_is_renumbered():
    added = [*BLOCKS[:2], "A new paragraph.", *BLOCKS[2:]]

    assert translatable_body(MARKED, added) == MARKED.replace(
        "<!--T:3-->", "A new paragraph.\n\n<!--T:3-->"
    )


def test_a_removed_paragraph_takes_only_its_own_marker():
    removed = [BLOCKS[0], BLOCKS[2], BLOCKS[3]]

    assert translatable_body(MARKED, removed) == MARKED.replace(
        "<!--T:2-->\nYou must meet all three conditions:\n\n", ""
    )


def test_text_not_yet_translatable_is_wrapped_in_one_translate_block():
    assert translatable_body("Plain.", ["Plain.", "More."]) == (
        "<translate>\nPlain.\n\nMore.\n</translate>"
    )


# On the farm: metawiki runs the real Extension:Translate. The bot writes the FAQ, a person
# adds <languages/>, the bot wraps the regions, a translation administrator marks the page,
# and every unit is translated into German and Arabic.

TRANSLATIONS = {"de": "Deutsch: Einheit {n}.", "ar": "العربية: الوحدة {n}."}


@pytest.fixture(scope="module")
def status_url():
    with serve_status({"status": "open", "message": ""}) as server:
        yield server.url


@pytest.fixture(scope="module")
def translated(sandbox, admin, status_url, tmp_path_factory) -> Settings:
    """Settings of a FAQ marked for translation, every unit translated into de and ar."""
    base = f"Chldp translated {uuid.uuid4().hex[:8]}"
    settings = Settings(
        program_page=f"{base}/Program",
        faq_page=f"{base}/Program/FAQ",
        shutoff_page=f"{base}/Shutoff",
        status_url=status_url,
        pywikibot_dir=sandbox["pywikibot_dir"],
    )
    assert sync(settings) == Exit.OK
    faq = settings.faq_page
    admin.post(
        "edit", title=faq, text="<languages/>\n" + wiki_text(admin, faq), token=admin.token("csrf")
    )
    assert sync(settings) == Exit.OK  # wraps each region for translation
    root = Path(sandbox["dir"])
    mark_for_translation(root, admin, faq)
    for language, words in TRANSLATIONS.items():
        for n, unit in enumerate(translation_units(admin, faq, language)):
            translate_unit(admin, unit["title"].rsplit("/", 1)[0], language, words.format(n=n))
    run_jobs(root)
    return settings


def sync(settings: Settings, *argv: str) -> int:
    return wikibot_main(["sync", "--always", "--page", "faq", *argv], settings=settings)


def outdated(api: ApiSession, title: str) -> dict[str, set[str]]:
    """The keys of the units whose translation is outdated (fuzzy), by language."""
    return {
        language: {
            u["key"] for u in translation_units(api, title, language) if "fuzzy" in u["tags"]
        }
        for language in TRANSLATIONS
    }


def with_answer(settings: Settings, directory: Path, entry_id: str, answer: str) -> Settings:
    content = load_content()
    entries = tuple(
        replace(entry, answer=(answer,)) if entry.id == entry_id else entry
        for entry in content.faq.entries
    )
    path = directory / f"content-{uuid.uuid4().hex[:6]}.yaml"
    path.write_text(dump_content(replace(content, faq=replace(content.faq, entries=entries))))
    return replace(settings, content_file=path)


def test_every_unit_of_the_marked_page_is_translated_and_none_outdated(translated, admin):
    for language in TRANSLATIONS:
        found = translation_units(admin, translated.faq_page, language)
        assert found and all(u["translation"] for u in found)
    assert outdated(admin, translated.faq_page) == {"de": set(), "ar": set()}


def test_a_sync_that_changes_nothing_outdates_nothing(translated, admin, sandbox):
    before = wiki_text(admin, translated.faq_page)

    assert sync(translated) == Exit.OK

    assert wiki_text(admin, translated.faq_page) == before
    mark_for_translation(Path(sandbox["dir"]), admin, translated.faq_page)
    assert outdated(admin, translated.faq_page) == {"de": set(), "ar": set()}
    assert wikibot_main(["check", "--page", "faq"], settings=translated) == Exit.OK


def test_the_language_bar_and_the_translated_pages_render(translated, sandbox):
    server = sandbox["wikis"]["metawiki"]["server"]
    title = translated.faq_page.replace(" ", "_")
    source = requests.get(f"{server}/wiki/{title}", timeout=60).text
    assert "mw-pt-languages" in source  # what <languages/> renders
    for language, words in TRANSLATIONS.items():
        page = requests.get(f"{server}/wiki/{title}/{language}", timeout=60)
        assert page.status_code == 200
        assert words.format(n=1) in page.text


def test_a_changed_paragraph_outdates_only_its_own_translations(
    translated, admin, sandbox, tmp_path
):
    changed = with_answer(translated, tmp_path, "declined", "Others may help.")

    assert sync(changed) == Exit.OK
    mark_for_translation(Path(sandbox["dir"]), admin, translated.faq_page)

    (key,) = [
        u["key"]
        for u in translation_units(admin, translated.faq_page, "de")
        if "Others may help." in u["definition"]
    ]
    assert outdated(admin, translated.faq_page) == {"de": {key}, "ar": {key}}
    for language in TRANSLATIONS:
        assert all(
            u["translation"] for u in translation_units(admin, translated.faq_page, language)
        )
    assert wikibot_main(["check", "--page", "faq"], settings=changed) == Exit.OK
