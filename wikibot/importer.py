"""`import PAGE`: the canonical content read back from a page, so adopting the bot starts from
what is published.

A page the bot already manages is read region by region, the inverse of render. A page it
does not manage yet is read by its shape, as the published program page is written: the
lead's numbered list holds the conditions and the paragraph before it their lead; a section
with subheadings, or with a list whose items open in bold, holds the things to know, and
paragraphs after it close the page; a section with two lists holds what help includes and
excludes; the other sections are how to ask, then the other processes. Every field the page
does not show keeps its current value, and the import says which fields came from the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import mwparserfromhell
from mwparserfromhell.nodes import Comment, Tag

from program.content import (
    SHARED_LISTS,
    Assistance,
    Conditions,
    Content,
    FaqEntry,
    Item,
    Section,
    ThingsToKnow,
    Topic,
    content_to_data,
    parse_content,
)
from wikibot.errors import RegionError
from wikibot.regions import find_regions
from wikibot.translate import strip_translate_markup

_HEADING = re.compile(r"^(={1,6})\s*(.*?)\s*\1\s*$")
_LIST_ITEM = re.compile(r"^([#*]+)\s*(.*)$")
_BOLD_LEAD = re.compile(r"^'''(.+?)'''\s*(.*)$")


@dataclass(frozen=True)
class Block:
    """A heading, a paragraph or a list, as wikitext."""

    kind: str  # "heading", "paragraph" or "list"
    text: str = ""
    level: int = 0
    items: tuple[str, ...] = ()


@dataclass
class Imported:
    """The content with what the page says, and the fields the page said it for."""

    content: Content
    found: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def import_program_page(text: str, current: Content) -> Imported:
    """The content with the program page's text in place of the current one."""
    imported = Imported(current)
    regions = find_regions(text)
    if regions:
        for region in regions:
            reader = _REGION_READERS.get(region.name)
            if reader:
                reader(imported, _Blocks(blocks_of(region.body), region.name))
    else:
        _read_program_shape(imported, blocks_of(text))
    return _validated(imported)


def import_faq_page(text: str, current: Content) -> Imported:
    """The content with the FAQ page's questions and answers in place of the current ones."""
    imported = Imported(current)
    regions = find_regions(text)
    if regions:
        introduction = next((r for r in regions if r.name == "faq-introduction"), None)
        if introduction:
            _set_faq_introduction(imported, _paragraph_texts(blocks_of(introduction.body)))
        questions: list[tuple[str | None, list[Block]]] = [
            (region.name.removeprefix("faq/"), blocks_of(region.body))
            for region in regions
            if region.name.startswith("faq/")
        ]
    else:
        blocks = blocks_of(text)
        first = next((i for i, b in enumerate(blocks) if b.kind == "heading"), len(blocks))
        if blocks[:first]:
            _set_faq_introduction(imported, _paragraph_texts(blocks[:first]))
        # No region names the questions: each is known by its heading.
        questions = [(None, section) for section in _split_at_headings(blocks[first:])]
    if questions:
        entries = [
            _faq_entry(imported, identifier, blocks, current) for identifier, blocks in questions
        ]
        faq = imported.content.faq
        imported.content = replace(imported.content, faq=replace(faq, entries=tuple(entries)))
        imported.found.append("faq.entries")
    return _validated(imported)


def blocks_of(wikitext: str) -> list[Block]:
    """The headings, paragraphs and lists of wikitext, without comments or Translate markup."""
    code = mwparserfromhell.parse(strip_translate_markup(wikitext))
    for node in code.filter(
        recursive=False,
        matches=lambda n: isinstance(n, Comment) or (isinstance(n, Tag) and n.tag == "languages"),
    ):
        code.remove(node)
    blocks: list[Block] = []
    lines: list[str] = []
    items: list[str] = []

    def close() -> None:
        if lines:
            blocks.append(Block("paragraph", " ".join(lines)))
            lines.clear()
        if items:
            blocks.append(Block("list", items=tuple(items)))
            items.clear()

    for line in str(code).splitlines():
        heading = _HEADING.match(line)
        item = _LIST_ITEM.match(line)
        if heading:
            close()
            blocks.append(Block("heading", heading[2], level=len(heading[1])))
        elif item:
            if lines:
                close()
            items.append(item[2])
        elif not line.strip():
            close()
        else:
            if items:
                close()
            lines.append(line.strip())
    close()
    return blocks


def plain(wikitext: str) -> str:
    """The words of a piece of wikitext, as one line."""
    return " ".join(mwparserfromhell.parse(wikitext).strip_code(normalize=True).split())


class _Blocks:
    """A region's blocks, taken in order; a missing block is a RegionError naming the region."""

    def __init__(self, blocks: list[Block], region: str) -> None:
        self.blocks = blocks
        self.region = region

    def take(self, kind: str) -> Block:
        if not self.blocks or self.blocks[0].kind != kind:
            raise RegionError(f"the region {self.region!r} does not have the {kind} expected")
        return self.blocks.pop(0)

    def take_texts(self) -> tuple[str, ...]:
        texts = []
        while self.blocks and self.blocks[0].kind == "paragraph":
            texts.append(plain(self.blocks.pop(0).text))
        return tuple(texts)


def _read_introduction(imported: Imported, blocks: _Blocks) -> None:
    _set(imported, "introduction", introduction=blocks.take_texts())


def _read_conditions(imported: Imported, blocks: _Blocks) -> None:
    heading = plain(blocks.take("heading").text)
    lead = plain(blocks.take("paragraph").text)
    items = blocks.take("list").items
    _set_conditions(imported, lead, items, blocks.take_texts(), heading)


def _read_section(name: str) -> Callable[[Imported, _Blocks], None]:
    def read(imported: Imported, blocks: _Blocks) -> None:
        heading = plain(blocks.take("heading").text)
        _set(imported, name, **{name: Section(heading, blocks.take_texts())})

    return read


def _read_assistance(imported: Imported, blocks: _Blocks) -> None:
    heading = plain(blocks.take("heading").text)
    lead = plain(blocks.take("paragraph").text)
    includes = blocks.take("list").items
    excludes_lead = plain(blocks.take("paragraph").text)
    excludes = blocks.take("list").items
    _set_assistance(imported, heading, lead, includes, excludes_lead, excludes, blocks.take_texts())


def _read_things_to_know(imported: Imported, blocks: _Blocks) -> None:
    heading = plain(blocks.take("heading").text)
    topics = []
    while blocks.blocks:
        title = plain(blocks.take("heading").text)
        topics.append((title, plain(blocks.take("paragraph").text)))
    _set_things(imported, heading, topics)


def _read_closing(imported: Imported, blocks: _Blocks) -> None:
    _set(imported, "closing", closing=blocks.take_texts())


_REGION_READERS: dict[str, Callable[[Imported, _Blocks], None]] = {
    "introduction": _read_introduction,
    "conditions": _read_conditions,
    "how-to-ask": _read_section("how_to_ask"),
    "assistance": _read_assistance,
    "other-processes": _read_section("other_processes"),
    "things-to-know": _read_things_to_know,
    "closing": _read_closing,
}


def _read_program_shape(imported: Imported, blocks: list[Block]) -> None:
    first = next((i for i, b in enumerate(blocks) if b.kind == "heading"), len(blocks))
    _read_lead(imported, blocks[:first])
    plain_sections = []
    for section in _split_at_headings(blocks[first:]):
        heading = plain(section[0].text)
        body = section[1:]
        lists = [block for block in body if block.kind == "list"]
        subheadings = [block for block in body if block.kind == "heading"]
        if subheadings or (lists and all(_BOLD_LEAD.match(i) for i in lists[0].items)):
            _read_things_shape(imported, heading, body)
        elif len(lists) == 2:
            _read_assistance_shape(imported, heading, body)
        else:
            plain_sections.append(Section(heading, _paragraph_texts(body)))
    for name, plain_section in zip(("how_to_ask", "other_processes"), plain_sections, strict=False):
        _set(imported, name, **{name: plain_section})


def _read_lead(imported: Imported, blocks: list[Block]) -> None:
    at = next((i for i, b in enumerate(blocks) if b.kind == "list"), None)
    if at is None or at == 0 or blocks[at - 1].kind != "paragraph":
        if blocks:
            _set(imported, "introduction", introduction=_paragraph_texts(blocks))
        return
    if at > 1:
        _set(imported, "introduction", introduction=_paragraph_texts(blocks[: at - 1]))
    lead = plain(blocks[at - 1].text)
    _set_conditions(imported, lead, blocks[at].items, _paragraph_texts(blocks[at + 1 :]))


def _read_things_shape(imported: Imported, heading: str, body: list[Block]) -> None:
    topics: list[tuple[str, str]] = []
    closing: list[Block] = []
    for index, block in enumerate(body):
        if block.kind == "heading":
            following = body[index + 1] if index + 1 < len(body) else None
            text = plain(following.text) if following and following.kind == "paragraph" else ""
            topics.append((plain(block.text), text))
        elif block.kind == "list":
            for item in block.items:
                bold = _BOLD_LEAD.match(item)
                if bold is None:
                    imported.left_out.append(
                        f"The item {plain(item)!r} under {heading!r} does not open in bold as "
                        "a thing to know does; the content has no place for it."
                    )
                    continue
                topics.append((plain(bold[1]).rstrip("."), plain(bold[2])))
            closing = body[index + 1 :]
    _set_things(imported, heading, topics)
    if closing:
        _set(imported, "closing", closing=_paragraph_texts(closing))


def _read_assistance_shape(imported: Imported, heading: str, body: list[Block]) -> None:
    first, second = [i for i, block in enumerate(body) if block.kind == "list"]
    leads = _paragraph_texts(body[:first])
    middle = _paragraph_texts(body[first + 1 : second])
    current = imported.content.assistance
    _set_assistance(
        imported,
        heading,
        leads[-1] if leads else current.lead,
        body[first].items,
        middle[-1] if middle else current.excludes_lead,
        body[second].items,
        _paragraph_texts(body[second + 1 :]),
    )


def _set(imported: Imported, name: str, **changes: Any) -> None:
    # Fields of Content by name, of their own types: _validated checks the whole at the end.
    imported.content = replace(imported.content, **changes)
    imported.found.append(name)


def _set_conditions(
    imported: Imported,
    lead: str,
    items: Sequence[str],
    decision: tuple[str, ...],
    heading: str | None = None,
) -> None:
    current = imported.content.conditions
    ids = [item.id for item in current.items]
    conditions = Conditions(
        heading=heading or current.heading,
        lead=lead,
        items=tuple(
            Item(ids[i] if i < len(ids) else f"condition-{i + 1}", plain(text))
            for i, text in enumerate(items)
        ),
        decision=decision or current.decision,
    )
    _set(imported, "conditions", conditions=conditions)


def _set_assistance(
    imported: Imported,
    heading: str,
    lead: str,
    includes: Sequence[str],
    excludes_lead: str,
    excludes: Sequence[str],
    notes: tuple[str, ...],
) -> None:
    assistance = Assistance(
        heading=heading,
        lead=lead,
        includes=tuple(plain(item) for item in includes),
        excludes_lead=excludes_lead,
        excludes=tuple(plain(item) for item in excludes),
        notes=notes,
    )
    _set(imported, "assistance", assistance=assistance)


def _set_things(imported: Imported, heading: str, topics: Sequence[tuple[str, str]]) -> None:
    ids = [topic.id for topic in imported.content.things_to_know.items]
    things = ThingsToKnow(
        heading=heading,
        items=tuple(
            Topic(ids[i] if i < len(ids) else _slug(title), title, text)
            for i, (title, text) in enumerate(topics)
        ),
    )
    _set(imported, "things_to_know", things_to_know=things)


def _set_faq_introduction(imported: Imported, introduction: tuple[str, ...]) -> None:
    faq = replace(imported.content.faq, introduction=introduction)
    _set(imported, "faq.introduction", faq=faq)


def _faq_entry(
    imported: Imported, identifier: str | None, blocks: list[Block], current: Content
) -> FaqEntry:
    if not blocks or blocks[0].kind != "heading":
        raise RegionError(f"the question {identifier!r} has no heading")
    question = plain(blocks[0].text)
    known = {entry.id: entry for entry in current.faq.entries}
    by_question = {entry.question: entry for entry in current.faq.entries}
    if identifier is None:
        identifier = by_question[question].id if question in by_question else _slug(question)
    lists = [block for block in blocks if block.kind == "list"]
    shows = None
    if lists:
        items = tuple(plain(item) for item in lists[-1].items)
        matching = [name for name in SHARED_LISTS if current.shared_list(name) == items]
        previous = known.get(identifier)
        shows = matching[0] if matching else previous.shows if previous else None
        if shows is None:
            imported.left_out.append(
                f"The list under {question!r} is none of the program page's lists; "
                "the content has no place for it."
            )
    return FaqEntry(identifier, question, _paragraph_texts(blocks[1:]), shows)


def _split_at_headings(blocks: list[Block]) -> list[list[Block]]:
    """Sections that each open with a heading of the top level found."""
    top = min((b.level for b in blocks if b.kind == "heading"), default=2)
    sections: list[list[Block]] = []
    for block in blocks:
        if block.kind == "heading" and block.level == top:
            sections.append([block])
        elif sections:
            sections[-1].append(block)
    return sections


def _paragraph_texts(blocks: Sequence[Block]) -> tuple[str, ...]:
    return tuple(plain(block.text) for block in blocks if block.kind == "paragraph")


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:40].strip("-") or "item"


def _validated(imported: Imported) -> Imported:
    """Check the result against the schema: the page may hold text the content must not."""
    imported.content = parse_content(content_to_data(imported.content))
    return imported
