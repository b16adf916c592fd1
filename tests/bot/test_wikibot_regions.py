"""Managed regions: finding them, writing them, and keeping everything else byte for byte."""

from __future__ import annotations

import pytest

from wikibot.errors import RegionError
from wikibot.regions import find_regions, fingerprint, region_wikitext, write_regions

PAGE = (
    "{{Header}}\n  Intro by a person.  \n\n"
    + region_wikitext("a", "First.")
    + "\n\nBetween, by a person.\n\n"
    + region_wikitext("c", "Third.")
    + "\n[[Category:Kept]]"
)


def test_a_region_is_found_with_its_body_and_hash():
    [first, _] = find_regions(PAGE)

    assert (first.name, first.body, first.recorded_hash) == ("a", "First.", fingerprint("First."))


def test_a_region_the_bot_wrote_is_not_edited_by_someone_else():
    assert not any(region.edited_by_someone_else for region in find_regions(PAGE))


def test_a_persons_edit_inside_a_region_shows():
    edited = PAGE.replace("First.", "First, said someone.")

    assert find_regions(edited)[0].edited_by_someone_else


def test_translate_markers_added_inside_a_region_are_not_an_edit():
    marked = PAGE.replace("First.", "<translate>\n<!--T:1-->\nFirst.\n</translate>")

    assert not find_regions(marked)[0].edited_by_someone_else


def test_rewriting_a_region_keeps_everything_outside_byte_for_byte():
    written = write_regions(PAGE, {"a": "First, again."}, ["a", "c"])

    before, after = region_wikitext("a", "First."), region_wikitext("a", "First, again.")

    assert written == PAGE.replace(before, after)


def test_a_missing_region_goes_after_the_one_before_it():
    written = write_regions(PAGE, {"b": "Second."}, ["a", "b", "c"])

    assert written == PAGE.replace(
        "<!-- chldp:end a -->", "<!-- chldp:end a -->\n\n" + region_wikitext("b", "Second.")
    )


def test_a_missing_first_region_goes_before_the_next_one():
    written = write_regions(PAGE, {"z": "Zero."}, ["z", "a", "c"])

    assert written.index(region_wikitext("z", "Zero.") + "\n\n<!-- chldp:begin a ") > 0
    assert written.startswith("{{Header}}\n  Intro by a person.  \n\n")


def test_regions_on_a_page_without_any_go_at_its_end():
    written = write_regions("A person's page.", {"a": "First."}, ["a"])

    assert written == "A person's page.\n\n" + region_wikitext("a", "First.")


def test_a_removed_region_takes_its_blank_line_with_it():
    written = write_regions(PAGE, {}, ["a"], removed=["c"])

    assert written == PAGE.replace("\n\n" + region_wikitext("c", "Third."), "")


def test_a_marker_quoted_in_nowiki_is_not_a_region():
    quoted = "<nowiki><!-- chldp:begin a 000000000000 --></nowiki>"

    assert find_regions(quoted) == []


def test_a_marker_inside_other_markup_is_refused():
    wrapped = "<translate>\n" + region_wikitext("a", "First.") + "\n</translate>"

    with pytest.raises(RegionError, match="inside other markup"):
        find_regions(wrapped)


def test_a_region_without_its_end_is_refused():
    with pytest.raises(RegionError, match="has no end marker"):
        find_regions(PAGE.replace("<!-- chldp:end c -->", ""))


def test_a_damaged_marker_is_refused():
    with pytest.raises(RegionError, match="is damaged"):
        find_regions(PAGE.replace("chldp:end a", "chldp:end A!"))


def test_a_region_twice_on_a_page_is_refused():
    with pytest.raises(RegionError, match="appears twice"):
        find_regions(PAGE + "\n" + region_wikitext("a", "Again."))
