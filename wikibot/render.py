"""The program's content as wikitext: for each page, its managed regions in page order.

Each region is a list of blocks (a heading, a paragraph or a list) that the page shows
separated by blank lines, so that each block is one translation unit for Extension:Translate.
Markup is built as mwparserfromhell nodes, never by pasting strings, so the content's plain
text cannot turn into markup by accident.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from mwparserfromhell.nodes import ExternalLink, Heading, Node, Tag, Text
from mwparserfromhell.smart_list import SmartList
from mwparserfromhell.wikicode import Wikicode

from program.content import Content, FaqEntry
from wikibot.status import ProgramStatus

# "&" starts an entity only before a name or number and a semicolon; elsewhere it is a letter.
ENTITY_START = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class Part:
    """What one managed region should hold; blocks is None when it is not known this time."""

    name: str
    blocks: tuple[str, ...] | None

    @property
    def wikitext(self) -> str:
        """The blocks as the page shows them, outside any Translate markup."""
        return "\n\n".join(self.blocks or ())


def program_page(content: Content, status: ProgramStatus | None) -> list[Part]:
    """The program page's regions in page order."""
    conditions = content.conditions
    assistance = content.assistance
    things = content.things_to_know
    parts = [
        status_part(content, status),
        Part("introduction", _paragraphs(content.introduction)),
        Part(
            "conditions",
            (
                heading(conditions.heading),
                paragraph(conditions.lead),
                bullet_list((item.text for item in conditions.items), "#"),
                *_paragraphs(conditions.decision),
            ),
        ),
        Part(
            "how-to-ask",
            (heading(content.how_to_ask.heading), *_paragraphs(content.how_to_ask.paragraphs)),
        ),
        Part(
            "assistance",
            (
                heading(assistance.heading),
                paragraph(assistance.lead),
                bullet_list(assistance.includes, "*"),
                paragraph(assistance.excludes_lead),
                bullet_list(assistance.excludes, "*"),
                *_paragraphs(assistance.notes),
            ),
        ),
        Part(
            "other-processes",
            (
                heading(content.other_processes.heading),
                *_paragraphs(content.other_processes.paragraphs),
            ),
        ),
        Part(
            "things-to-know",
            (
                heading(things.heading),
                *(
                    block
                    for topic in things.items
                    for block in (heading(topic.title, 3), paragraph(topic.text))
                ),
            ),
        ),
    ]
    if content.closing:
        parts.append(Part("closing", _paragraphs(content.closing)))
    return parts


def faq_page(content: Content, status: ProgramStatus | None) -> list[Part]:
    """The FAQ page's regions in page order: one region per question."""
    parts = [status_part(content, status)]
    if content.faq.introduction:
        parts.append(Part("faq-introduction", _paragraphs(content.faq.introduction)))
    parts.extend(
        Part(f"faq/{entry.id}", faq_blocks(content, entry)) for entry in content.faq.entries
    )
    return parts


def faq_blocks(content: Content, entry: FaqEntry) -> tuple[str, ...]:
    """One question: its heading, its answer, and the shared list it repeats, if any."""
    blocks = (heading(entry.question), *_paragraphs(entry.answer))
    if entry.shows:
        marker = "#" if entry.shows == "conditions" else "*"
        blocks += (bullet_list(content.shared_list(entry.shows), marker),)
    return blocks


def status_part(content: Content, status: ProgramStatus | None) -> Part:
    """The program's status notice, or an unknown part when the status could not be read."""
    if status is None:
        return Part("status", None)
    notice = content.status_notices[status.status]
    nodes: list[Node] = [Tag("b", _inline(notice), wiki_markup="'''")]
    message = " ".join(unicodedata.normalize("NFC", status.message).split())
    if message:
        # The message is free text typed by staff: nowiki keeps it from becoming markup.
        nodes += [Text(" "), Tag("nowiki", html.escape(message, quote=False))]
    return Part("status", (str(Wikicode(SmartList(nodes))),))


def heading(text: str, level: int = 2) -> str:
    """A section heading."""
    return str(Heading(f" {text} ", level))


def paragraph(text: str) -> str:
    """A paragraph of plain text; e-mail addresses become mailto links."""
    return str(_inline(text))


def bullet_list(items: Iterable[str], marker: str) -> str:
    """A list, numbered with marker '#' or bulleted with '*'."""
    lines = []
    for item in items:
        nodes = [Tag("li", wiki_markup=marker, self_closing=True), Text(" "), *_inline(item).nodes]
        lines.append(str(Wikicode(SmartList(nodes))))
    return "\n".join(lines)


def _paragraphs(texts: Iterable[str]) -> tuple[str, ...]:
    return tuple(paragraph(text) for text in texts)


def _inline(text: str) -> Wikicode:
    text = ENTITY_START.sub("&amp;", text)
    nodes: list[Node] = []
    position = 0
    for found in EMAIL.finditer(text):
        nodes.append(Text(text[position : found.start()]))
        nodes.append(ExternalLink(f"mailto:{found.group()}", found.group()))
        position = found.end()
    nodes.append(Text(text[position:]))
    return Wikicode(SmartList([node for node in nodes if str(node)]))
