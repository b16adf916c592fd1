"""The program's public text in the reader's language, from the wiki's translations.

The bot keeps the program page on the wiki in English, one translation unit per heading,
paragraph or list, and the community translates it there with Extension:Translate. The start
page shows each unit of content.yaml in the reader's language when the wiki has a translation
of exactly that English text that is not outdated (Translate's "fuzzy"), and the English
otherwise, marked as English so that it reads left to right inside a right-to-left page.

Translate's `list=messagecollection` gives each unit's English source, its translation and
whether the translation is outdated. Its answer is cached (sealed, as every cached value) under
the revisions of the source page and of the translated page (`Page/de`), which change whenever
the source is edited or a translation is rendered; those two revision ids are asked again at
most once a minute. When the wiki cannot be reached, the page is English from content.yaml.

Translations are written by anyone: their wikitext is reduced to plain text here (links keep
their label, formatting goes) and escaped by the template like any other text.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from flask import current_app

from program.content import Content, load_content
from webtool.infra.cache import Cache
from webtool.infra.config import ProgramWiki
from webtool.services.wiring import services
from webtool.wikis.api import ApiClient, ApiError, Limits, Unavailable

log = logging.getLogger(__name__)

# How long the page's revision ids are trusted before they are asked again (the setting
# PROGRAM_TEXT_REVISIONS_TTL changes it), and how long the units of one pair of revisions are
# kept (they cannot change, but a translation saved while the wiki's jobs have not yet
# rendered the translated page shows only after this).
REVISIONS_TTL = 60
UNITS_TTL = 3600
KEPT_IN_PROCESS = 5  # seconds a built text is reused by this process
# The start page waits this long for the wiki at most, and does not try again: it is English
# until the wiki is asked again a minute later.
LIMITS = Limits(timeout=5.0, retries=0, parallel=2, pages=1)
UNAVAILABLE = "unavailable"
LONGEST_UNIT = 10_000  # characters: a translation longer than this is not shown

_HEADING = re.compile(r"^(=+)\s*(.*?)\s*\1$")
_LIST_MARK = re.compile(r"^[#*:;]+\s*")
_INTERNAL_LINK = re.compile(r"\[\[(?:[^|\]]*\|)?([^\]]*)\]\]")
_EXTERNAL_LINK = re.compile(r"\[(?:https?:|mailto:|//)[^\s\]]*\s*([^\]]*)\]")
_FORMATTING = re.compile(r"'{2,}|</?nowiki>|<!--.*?-->")
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Shown:
    """One unit as the reader sees it: a heading or paragraph (`text`) or a list (`items`)."""

    text: str = ""
    items: tuple[str, ...] = ()
    english: bool = False  # English shown to a reader of another language


@dataclass(frozen=True)
class Block:
    """A paragraph ("p"), a list ("ol", "ul") or terms with their descriptions ("dl")."""

    kind: str
    parts: tuple[Shown, ...]  # "dl": a term, its description, the next term…


@dataclass(frozen=True)
class Section:
    """A heading (none for the introduction) and what follows it."""

    heading: Shown | None
    blocks: tuple[Block, ...]

    @property
    def untranslated(self) -> bool:
        """Whether some of it is shown in English to a reader of another language."""
        shown = [part for block in self.blocks for part in block.parts]
        return any(part.english for part in [self.heading, *shown] if part is not None)


@dataclass(frozen=True)
class ProgramText:
    """The start page's text in one language; hashable, so a rendered page can be kept."""

    lang: str
    name: str
    sections: tuple[Section, ...]  # the first is the introduction
    translate_url: str  # Special:Translate for this language; "" in English


def for_reader(lang: str) -> ProgramText:
    """content.yaml's text in `lang` where the wiki has an up-to-date translation.

    The text built is kept in this process for a few seconds (`kept_for`)."""
    kept = services().program_texts
    found = kept.get(lang)
    if found is not None:
        return cast(ProgramText, found)
    content = load_content()
    if lang == "en":
        text = program_text(content, lang, {}, "")
    else:
        wiki: ProgramWiki = current_app.config["PROGRAM_WIKI"]
        text = program_text(content, lang, translations(wiki, lang), translate_url(wiki, lang))
    kept.put(lang, text)
    return text


def program_text(content: Content, lang: str, found: dict[str, list[str]], url: str) -> ProgramText:
    """The start page's sections, each unit taken from `found` (English key to translated
    lines) when it is there."""

    def unit(english: str) -> Shown:
        lines = found.get(_key(english))
        if lines is None:
            return Shown(text=english, english=lang != "en")
        return Shown(text=" ".join(lines))

    def listing(items: Sequence[str]) -> Shown:
        lines = found.get("\n".join(_key(item) for item in items))
        if lines is None:
            return Shown(items=tuple(items), english=lang != "en")
        return Shown(items=tuple(lines))

    def paragraphs(texts: Iterable[str]) -> tuple[Block, ...]:
        return tuple(Block("p", (unit(text),)) for text in texts)

    conditions, assistance = content.conditions, content.assistance
    things = content.things_to_know
    sections = (
        Section(None, paragraphs(content.introduction)),
        Section(
            unit(conditions.heading),
            (
                Block("p", (unit(conditions.lead),)),
                Block("ol", (listing([item.text for item in conditions.items]),)),
                *paragraphs(conditions.decision),
            ),
        ),
        Section(
            unit(assistance.heading),
            (
                Block("p", (unit(assistance.lead),)),
                Block("ul", (listing(assistance.includes),)),
                Block("p", (unit(assistance.excludes_lead),)),
                Block("ul", (listing(assistance.excludes),)),
                *paragraphs(assistance.notes),
            ),
        ),
        Section(unit(content.how_to_ask.heading), paragraphs(content.how_to_ask.paragraphs)),
        Section(
            unit(content.other_processes.heading), paragraphs(content.other_processes.paragraphs)
        ),
        Section(
            unit(things.heading),
            (
                Block(
                    "dl",
                    tuple(part for t in things.items for part in (unit(t.title), unit(t.text))),
                ),
            ),
        ),
    )
    return ProgramText(lang, content.name, sections, url)


def translations(wiki: ProgramWiki, lang: str) -> dict[str, list[str]]:
    """The page's up-to-date translations into `lang`, by the plain text of their English
    source; empty when the wiki cannot say."""
    cache: Cache = services().cache
    revisions_key = f"program-text:revisions:{wiki.api}:{wiki.page}:{lang}"
    revisions = cache.get(revisions_key)
    if not isinstance(revisions, str):
        revisions = _revisions(wiki, lang)
        # An unreachable wiki is asked again only after the same minute, so that the start
        # page does not wait for it at every visit.
        cache.set(revisions_key, revisions, _revisions_ttl())
    if revisions == UNAVAILABLE:
        return {}
    units_key = f"program-text:units:{wiki.api}:{wiki.page}:{lang}:{revisions}"
    units = cache.get(units_key)
    if isinstance(units, dict):
        return units
    try:
        units = translated_units(_client(), wiki, lang)
    except (Unavailable, ApiError) as error:
        log.warning("the program page's translations could not be read: %s", error)
        cache.set(revisions_key, UNAVAILABLE, _revisions_ttl())
        return {}
    cache.set(units_key, units, UNITS_TTL)
    return units


def _revisions(wiki: ProgramWiki, lang: str) -> str:
    """The latest revision ids of the source page and of its translation into `lang`, as
    one key; UNAVAILABLE when the wiki cannot be reached or has no such page."""
    try:
        answer = _client().query(
            wiki.api, action="query", prop="info", titles=f"{wiki.page}|{wiki.page}/{lang}"
        )
    except (Unavailable, ApiError) as error:
        log.warning("the program page's revisions could not be read: %s", error)
        return UNAVAILABLE
    pages = answer.get("query", {}).get("pages", [])
    ids = {"source": 0, "translation": 0}
    for page in pages:
        role = "translation" if page.get("title", "").endswith(f"/{lang}") else "source"
        ids[role] = int(page.get("lastrevid", 0))
    if not ids["source"]:
        return UNAVAILABLE  # no program page there: nothing to translate
    return f"{ids['source']}-{ids['translation']}"


def translated_units(client: ApiClient, wiki: ProgramWiki, lang: str) -> dict[str, list[str]]:
    """Every unit of the page translated into `lang` and not outdated, by the plain text of
    its English source: the translation as plain lines (one per list item)."""
    listing = client.query_list(
        wiki.api,
        "messagecollection",
        "key",
        action="query",
        mcgroup=translate_group(wiki),
        mclanguage=lang,
        mcprop="definition|translation|tags",
        mclimit="max",
    )
    found: dict[str, list[str]] = {}
    for unit in listing.items:
        translation = unit.get("translation")
        if not translation or "fuzzy" in unit.get("tags", []):
            continue
        lines = plain_lines(translation)
        if lines and len(translation) <= LONGEST_UNIT:
            found["\n".join(plain_lines(unit.get("definition") or ""))] = lines
    return found


def plain_lines(wikitext: str) -> list[str]:
    """A unit's wikitext as the plain text a reader sees, one entry per non-empty line:
    without heading and list marks, links reduced to their label, formatting dropped."""
    lines = []
    for line in wikitext.splitlines():
        heading = _HEADING.match(line.strip())
        line = heading[2] if heading else _LIST_MARK.sub("", line.strip())
        line = _INTERNAL_LINK.sub(lambda m: m[1].split("|")[-1], line)
        line = _EXTERNAL_LINK.sub(r"\1", line)
        line = _TAG.sub("", _FORMATTING.sub("", line))
        line = _key(html.unescape(line))
        if line:
            lines.append(line)
    return lines


def translate_group(wiki: ProgramWiki) -> str:
    """Translate's message group of a translatable page."""
    return f"page-{wiki.page}"


def translate_url(wiki: ProgramWiki, lang: str) -> str:
    """Special:Translate on the wiki, open at the page's untranslated units in `lang`."""
    index = wiki.api.removesuffix("api.php") + "index.php"
    query = {
        "title": "Special:Translate",
        "group": translate_group(wiki),
        "language": lang,
        "action": "page",
        "filter": "",
    }
    return f"{index}?{urlencode(query)}"


def _key(text: str) -> str:
    return " ".join(text.split())


def _revisions_ttl() -> int:
    return revisions_ttl(current_app.config)


def revisions_ttl(config: Mapping[str, Any]) -> int:
    """Seconds the translations' revision ids are trusted (PROGRAM_TEXT_REVISIONS_TTL)."""
    return int(config.get("PROGRAM_TEXT_REVISIONS_TTL", REVISIONS_TTL))


def kept_for(config: Mapping[str, Any]) -> float:
    """Seconds a process reuses a text it built: never longer than the revision ids are
    trusted. The text is the same for every reader of a language, and building it, and
    opening the sealed cache, was a third of every start page's work."""
    return min(KEPT_IN_PROCESS, revisions_ttl(config))


def _client() -> ApiClient:
    """The start page's own client: short waits and no slot shared with background work."""
    return services().program_wiki
