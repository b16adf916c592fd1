"""Stand-in for the SiteMatrix extension's `action=sitematrix` on Meta: the farm's wikis, in
production's shape (formatversion=2), so the web tool finds the wikis it may read the same
way in the sandbox as in production.

enwiki and dewiki are language wikis; metawiki is one of the "specials", as on Meta.
"""

from __future__ import annotations

LANGUAGE_NAMES = {"en": ("English", "English"), "de": ("Deutsch", "German")}
SPECIAL_CODES = {"metawiki": "meta"}


def site_matrix(wikis: dict[str, dict], languages: dict[str, str], sitenames: dict[str, str]):
    """The `sitematrix` object for the farm's `wikis` (sandbox.json's), every wiki open."""
    matrix: dict = {"count": len(wikis)}
    specials = []
    by_language: dict[str, list[dict]] = {}
    for dbname, wiki in wikis.items():
        language = languages[dbname]
        if dbname in SPECIAL_CODES:
            specials.append(
                {
                    "url": wiki["server"],
                    "dbname": dbname,
                    "code": SPECIAL_CODES[dbname],
                    "lang": language,
                    "sitename": sitenames[dbname],
                }
            )
            continue
        by_language.setdefault(language, []).append(
            {"url": wiki["server"], "dbname": dbname, "code": "wiki", "sitename": sitenames[dbname]}
        )
    for number, (language, sites) in enumerate(sorted(by_language.items())):
        name, localname = LANGUAGE_NAMES[language]
        matrix[str(number)] = {
            "code": language,
            "name": name,
            "site": sites,
            "dir": "ltr",
            "localname": localname,
        }
    matrix["specials"] = specials
    return matrix


def to_formatversion_1(value):
    """An answer in formatversion=1: true is "", false is left out."""
    if isinstance(value, dict):
        return {k: to_formatversion_1(v) for k, v in value.items() if v is not False}
    if isinstance(value, list):
        return [to_formatversion_1(v) for v in value]
    return "" if value is True else value
