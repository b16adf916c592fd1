"""The canonical content: what content.yaml holds and the rules it must follow."""

from __future__ import annotations

import copy

import pytest
import yaml

from program.content import (
    CONTENT_FILE,
    ContentError,
    content_to_data,
    dump_content,
    load_content,
    parse_content,
)


@pytest.fixture
def data() -> dict:
    return yaml.safe_load(CONTENT_FILE.read_text(encoding="utf-8"))


def test_the_program_has_three_conditions_and_six_things_to_know():
    content = load_content()

    assert [item.id for item in content.conditions.items] == ["engaged", "targeted", "compliant"]
    assert len(content.things_to_know.items) == 6


def test_the_program_never_pays_fines_or_damages():
    excludes = load_content().assistance.excludes

    assert "fines" in excludes
    assert "damages" in excludes


def test_every_status_has_a_notice():
    assert set(load_content().status_notices) == {"open", "paused", "closed"}


def test_an_faq_answer_repeats_the_program_pages_list_word_for_word():
    content = load_content()
    who = next(entry for entry in content.faq.entries if entry.id == "who")

    assert content.shared_list(who.shows) == tuple(i.text for i in content.conditions.items)


def test_wikitext_in_a_text_is_refused_with_the_fields_path(data):
    data["conditions"]["items"][1]["text"] = "See [[Harassment]]"

    with pytest.raises(ContentError, match=r"conditions\.items\[1\]\.text: must be plain text"):
        parse_content(data)


def test_a_text_starting_like_a_list_item_is_refused(data):
    data["introduction"][0] = "# not a list"

    with pytest.raises(ContentError, match=r"introduction\[0\]"):
        parse_content(data)


def test_a_misspelt_field_is_refused(data):
    data["faq"]["entries"][0]["answr"] = ["typo"]

    with pytest.raises(ContentError, match=r"faq\.entries\[0\]: unknown field 'answr'"):
        parse_content(data)


def test_a_missing_field_is_refused(data):
    del data["assistance"]["excludes"]

    with pytest.raises(ContentError, match=r"assistance\.excludes: is missing"):
        parse_content(data)


def test_an_faq_entry_can_only_show_a_shared_list(data):
    data["faq"]["entries"][0]["shows"] = "closing"

    with pytest.raises(ContentError, match=r"shows: must be one of conditions"):
        parse_content(data)


def test_two_faq_entries_with_one_id_are_refused(data):
    data["faq"]["entries"].append(copy.deepcopy(data["faq"]["entries"][0]))

    with pytest.raises(ContentError, match="the id 'what' is used twice"):
        parse_content(data)


def test_text_is_stored_in_nfc_as_mediawiki_stores_it(data):
    data["closing"] = ["Cafe\u0301 volunteers"]

    assert parse_content(data).closing == ("Caf\u00e9 volunteers",)


def test_dumped_content_reads_back_the_same():
    content = load_content()

    assert parse_content(yaml.safe_load(dump_content(content, header="From a test."))) == content


def test_content_to_data_is_the_layout_of_content_yaml(data):
    assert content_to_data(parse_content(data)) == data
