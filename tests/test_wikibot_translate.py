"""Translation-safe edits: Translate's units and markers survive the bot's changes."""

from __future__ import annotations

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
