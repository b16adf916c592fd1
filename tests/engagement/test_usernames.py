"""Usernames are read as MediaWiki reads them, and every bad one gets its sentence."""

from __future__ import annotations

import pytest

from webtool.infra.i18n import render
from webtool.wikis.usernames import BadName, normalise


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Veteran_Editor", "Veteran Editor"),
        ("  veteran   editor ", "Veteran editor"),
        ("User:Grant Writer", "Grant Writer"),
        ("user:Grant_Writer#Contributions", "Grant Writer"),
        ("Benutzer:Karl Früher", "Karl Früher"),
        ("мария Иванова", "Мария Иванова"),
        ("émile", "Émile"),
    ],
)
def test_names_are_normalised_as_mediawiki_does(typed, stored):
    assert normalise(typed) == stored


@pytest.mark.parametrize(
    ("typed", "sentence"),
    [
        ("", "Please enter a username"),
        ("   ", "Please enter a username"),
        ("Bad<Name>", "cannot contain these characters: < >"),
        ("A|B", "cannot contain these characters: |"),
        ("Some/Page", "cannot contain these characters: /"),
        ("name@wiki", "cannot contain these characters: @"),
        ("Zero\u200bwidth", "control or invisible characters"),
        ("192.0.2.10", "IP address or range"),
        ("2001:db8::1", "IP address or range"),
        ("198.51.100.0/24", "IP address or range"),
        ("x" * 86, "at most 85 characters; this one has 86"),
    ],
)
def test_bad_names_are_refused_with_a_sentence(typed, sentence):
    with pytest.raises(BadName) as refused:
        normalise(typed)
    assert sentence in render("en", refused.value.key, *refused.value.params)
