"""Countries and languages as a requester chooses them and staff read them.

A request stores codes: the country as ISO 3166-1 alpha-2 ("DE"), or "ZZ" when the requester
prefers not to say, and the contact language as a BCP 47 tag ("de"), or "und" for another
language. Forms list the names from CLDR through Babel: countries in the reader's language,
sorted for it; languages each in its own language, as Wikimedia's language selector does.
Requests sent before the form had these lists hold what was typed, shown as it was typed.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale
from flask import g

from webtool.infra.i18n import languages, msg

PREFER_NOT_TO_SAY = "ZZ"  # CLDR's "unknown region": no country given
OTHER_LANGUAGE = "und"  # BCP 47's "undetermined": a language not in the list
# Codes CLDR names that are no country of ISO 3166-1: regions, unions, and the areas it
# reserves exceptionally (Ascension, Clipperton, Diego Garcia, Ceuta and Melilla, the Canary
# Islands, Sark, Tristan da Cunha).
NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
# Contact languages offered besides the tool's own: the languages of the largest communities
# of the movement, so that most requesters find theirs; anyone else chooses "another language".
CONTACT_LANGUAGES = (
    "ar", "bn", "ca", "cs", "da", "de", "el", "en", "es", "fa", "fi", "fr", "he", "hi", "hu",
    "id", "it", "ja", "ko", "ms", "nb", "nl", "pl", "pt", "ro", "ru", "sr", "sv", "sw", "ta",
    "th", "tr", "uk", "ur", "vi", "zh",
)  # fmt: skip


@cache
def country_codes() -> frozenset[str]:
    """Every country a requester can choose, and "prefer not to say"."""
    names = Locale("en").territories
    codes = {code for code in names if isinstance(code, str) and len(code) == 2 and code.isalpha()}
    return frozenset(codes - NOT_COUNTRIES | {PREFER_NOT_TO_SAY})


@cache
def countries(lang: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of every country, named in `lang` and sorted as a reader of it expects."""
    names = Locale.parse(lang).territories
    found = [(code, names[code]) for code in country_codes() - {PREFER_NOT_TO_SAY}]
    return tuple(sorted(found, key=lambda pair: sort_key(pair[1])))


@cache
def contact_languages() -> tuple[tuple[str, str], ...]:
    """(code, name) of each contact language, named in itself, sorted by that name."""
    codes = set(CONTACT_LANGUAGES) | set(languages())
    found = [(code, Locale.parse(code).display_name or code) for code in codes]
    return tuple(sorted(found, key=lambda pair: sort_key(pair[1])))


def sort_key(name: str) -> str:
    """A name as an alphabetical list orders it: accents and case do not count (Babel has no
    collation, and "Österreich" belongs with the O's in German, "Égypte" with the E's)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def is_country(code: str) -> bool:
    return code in country_codes()


def is_contact_language(code: str) -> bool:
    return code == OTHER_LANGUAGE or code in dict(contact_languages())


def choice_errors(country: str, language: str) -> dict[str, str]:
    """A message key for the country and for the language when it is not one of the lists'
    (so never free text, whatever a post carries)."""
    errors = {}
    if not is_country(country):
        errors["country"] = "chldp-ask-error-country"
    if not is_contact_language(language):
        errors["language"] = "chldp-ask-error-language"
    return errors


def country_name(value: str) -> str:
    """A stored country in the page's language: its name for a code, what was typed for a
    request sent before the form listed countries."""
    if value == PREFER_NOT_TO_SAY:
        return msg("chldp-ask-country-none")
    if value in country_codes():
        return str(Locale.parse(g.get("lang", "en")).territories.get(value, value))
    return value


def language_name(value: str) -> str:
    """A stored contact language named in the page's language, what was typed for a request
    sent before the form listed languages."""
    if value == OTHER_LANGUAGE:
        return msg("chldp-ask-language-other")
    if value in dict(contact_languages()):
        return str(Locale.parse(value).get_display_name(g.get("lang", "en")) or value)
    return value
