"""The program's canonical public content (content.yaml) as typed, validated objects.

`load_content()` reads the packaged file; `parse_content()` validates data already loaded and
`dump_content()` writes it back as YAML, so other sources (the bot's importer, tests) share
the same rules. Text is plain: renderers add their own markup, so a rule here keeps wikitext
and HTML out of it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CONTENT_FILE = Path(__file__).with_name("content.yaml")
PROGRAM_STATUSES = ("open", "paused", "closed")
# The lists of the program page that an FAQ answer may repeat word for word.
SHARED_LISTS = ("conditions", "includes", "excludes", "things_to_know")

_IDENTIFIER = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Sequences that wikitext or HTML would read as markup, and line starts that make a list,
# heading, indent or table: plain text must render the same everywhere.
_MARKUP = ("<", ">", "[", "]", "{", "}", "|", "''", "~~~", "__", "\n")
_MARKUP_START = ("*", "#", ":", ";", "=", "-", " ")


class ContentError(ValueError):
    """The content does not follow the schema; the message names the field and the rule."""


@dataclass(frozen=True)
class Item:
    """One entry of a list that others may refer to by its id."""

    id: str
    text: str


@dataclass(frozen=True)
class Topic:
    """One of the things to know: a short title and its explanation."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Conditions:
    """Who can ask: every condition must be met; the decision stays with the Foundation."""

    heading: str
    lead: str
    items: tuple[Item, ...]
    decision: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """A heading and its paragraphs."""

    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Assistance:
    """What help may include, and what the program never pays for."""

    heading: str
    lead: str
    includes: tuple[str, ...]
    excludes_lead: str
    excludes: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class ThingsToKnow:
    """The things every requester should know before asking."""

    heading: str
    items: tuple[Topic, ...]


@dataclass(frozen=True)
class FaqEntry:
    """A question, its answer, and optionally one shared list the answer ends with."""

    id: str
    question: str
    answer: tuple[str, ...]
    shows: str | None = None


@dataclass(frozen=True)
class Faq:
    """The FAQ page: a short introduction, then the questions in order."""

    introduction: tuple[str, ...]
    entries: tuple[FaqEntry, ...]


@dataclass(frozen=True)
class Content:
    """Everything the program says in public."""

    name: str
    status_notices: dict[str, str]
    introduction: tuple[str, ...]
    conditions: Conditions
    how_to_ask: Section
    assistance: Assistance
    other_processes: Section
    things_to_know: ThingsToKnow
    closing: tuple[str, ...]
    faq: Faq

    def shared_list(self, name: str) -> tuple[str, ...]:
        """The items of one of SHARED_LISTS, as the program page shows them."""
        if name == "conditions":
            return tuple(item.text for item in self.conditions.items)
        if name == "includes":
            return self.assistance.includes
        if name == "excludes":
            return self.assistance.excludes
        if name == "things_to_know":
            return tuple(topic.title for topic in self.things_to_know.items)
        raise ContentError(f"{name!r} is not a shared list; use one of {', '.join(SHARED_LISTS)}")


@cache
def load_content(path: Path = CONTENT_FILE) -> Content:
    """The content in `path` (by default the program's own content.yaml), validated."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError(f"{path} is not valid YAML: {error}") from error
    return parse_content(data)


def parse_content(data: Any) -> Content:
    """Validate data loaded from YAML and return it as Content."""
    root = _Fields(data, "content")
    conditions = root.fields("conditions")
    assistance = root.fields("assistance")
    things = root.fields("things_to_know")
    faq = root.fields("faq")
    content = Content(
        name=root.text("name"),
        status_notices=_status_notices(root.fields("status_notices")),
        introduction=root.paragraphs("introduction"),
        conditions=Conditions(
            heading=conditions.text("heading"),
            lead=conditions.text("lead"),
            items=tuple(_item(item) for item in conditions.records("items")),
            decision=conditions.paragraphs("decision"),
        ),
        how_to_ask=_section(root.fields("how_to_ask")),
        assistance=Assistance(
            heading=assistance.text("heading"),
            lead=assistance.text("lead"),
            includes=assistance.paragraphs("includes"),
            excludes_lead=assistance.text("excludes_lead"),
            excludes=assistance.paragraphs("excludes"),
            notes=assistance.paragraphs("notes", required=False),
        ),
        other_processes=_section(root.fields("other_processes")),
        things_to_know=ThingsToKnow(
            heading=things.text("heading"),
            items=tuple(_topic(topic) for topic in things.records("items")),
        ),
        closing=root.paragraphs("closing", required=False),
        faq=Faq(
            introduction=faq.paragraphs("introduction", required=False),
            entries=tuple(_faq_entry(entry) for entry in faq.records("entries")),
        ),
    )
    for fields in (root, conditions, assistance, things, faq):
        fields.done()
    _unique("conditions.items", [item.id for item in content.conditions.items])
    _unique("things_to_know.items", [topic.id for topic in content.things_to_know.items])
    _unique("faq.entries", [entry.id for entry in content.faq.entries])
    return content


def content_to_data(content: Content) -> dict[str, Any]:
    """Content as plain data in content.yaml's layout (the inverse of parse_content)."""
    faq_entries = []
    for entry in content.faq.entries:
        data: dict[str, Any] = {
            "id": entry.id,
            "question": entry.question,
            "answer": list(entry.answer),
        }
        if entry.shows:
            data["shows"] = entry.shows
        faq_entries.append(data)
    conditions = content.conditions
    assistance = content.assistance
    return {
        "name": content.name,
        "status_notices": dict(content.status_notices),
        "introduction": list(content.introduction),
        "conditions": {
            "heading": conditions.heading,
            "lead": conditions.lead,
            "items": [{"id": item.id, "text": item.text} for item in conditions.items],
            "decision": list(conditions.decision),
        },
        "how_to_ask": _section_data(content.how_to_ask),
        "assistance": {
            "heading": assistance.heading,
            "lead": assistance.lead,
            "includes": list(assistance.includes),
            "excludes_lead": assistance.excludes_lead,
            "excludes": list(assistance.excludes),
            "notes": list(assistance.notes),
        },
        "other_processes": _section_data(content.other_processes),
        "things_to_know": {
            "heading": content.things_to_know.heading,
            "items": [
                {"id": topic.id, "title": topic.title, "text": topic.text}
                for topic in content.things_to_know.items
            ],
        },
        "closing": list(content.closing),
        "faq": {"introduction": list(content.faq.introduction), "entries": faq_entries},
    }


def dump_content(content: Content, header: str = "") -> str:
    """Content as YAML text in content.yaml's layout, preceded by `header` as comments."""
    comments = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    body = yaml.dump(
        content_to_data(content),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=88,
    )
    return comments + ("\n" if comments else "") + body


class _Dumper(yaml.SafeDumper):
    """Long text as folded blocks and lists indented, as a person would write content.yaml."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = ">" if len(text) > 80 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_text)


class _Fields:
    """A mapping read field by field; the path names the field in every error."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise ContentError(f"{path}: must be a mapping of fields")
        self.data = data
        self.path = path
        self.read: set[str] = set()

    def _get(self, key: str, required: bool = True) -> Any:
        self.read.add(key)
        if key not in self.data or self.data[key] is None:
            if required:
                raise ContentError(f"{self.path}.{key}: is missing")
            return None
        return self.data[key]

    def text(self, key: str) -> str:
        return _plain(self._get(key), f"{self.path}.{key}")

    def identifier(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not _IDENTIFIER.match(value):
            raise ContentError(
                f"{self.path}.{key}: must be lowercase letters, digits and single hyphens"
            )
        return value

    def choice(self, key: str, allowed: tuple[str, ...]) -> str | None:
        value = self._get(key, required=False)
        if value is not None and value not in allowed:
            raise ContentError(f"{self.path}.{key}: must be one of {', '.join(allowed)}")
        return value

    def paragraphs(self, key: str, required: bool = True) -> tuple[str, ...]:
        value = self._get(key, required)
        if value is None:
            return ()
        if not isinstance(value, list) or (required and not value):
            raise ContentError(f"{self.path}.{key}: must be a list of texts")
        return tuple(_plain(text, f"{self.path}.{key}[{i}]") for i, text in enumerate(value))

    def fields(self, key: str) -> _Fields:
        return _Fields(self._get(key), f"{self.path}.{key}")

    def records(self, key: str) -> list[_Fields]:
        value = self._get(key)
        if not isinstance(value, list) or not value:
            raise ContentError(f"{self.path}.{key}: must be a non-empty list")
        return [_Fields(record, f"{self.path}.{key}[{i}]") for i, record in enumerate(value)]

    def done(self) -> None:
        """Reject fields nobody reads: a misspelt key would otherwise vanish silently."""
        unknown = sorted(set(self.data) - self.read)
        if unknown:
            raise ContentError(f"{self.path}: unknown field {unknown[0]!r}")


def _plain(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{path}: must be a non-empty text")
    # MediaWiki stores text in NFC; text in another form would never compare equal to the page.
    text = unicodedata.normalize("NFC", value)
    for sequence in _MARKUP:
        if sequence in text:
            raise ContentError(f"{path}: must be plain text, without {sequence!r}")
    if text.startswith(_MARKUP_START) or text != text.strip():
        raise ContentError(f"{path}: must not start or end with a space or markup character")
    return text


def _status_notices(fields: _Fields) -> dict[str, str]:
    notices = {status: fields.text(status) for status in PROGRAM_STATUSES}
    fields.done()
    return notices


def _section(fields: _Fields) -> Section:
    section = Section(heading=fields.text("heading"), paragraphs=fields.paragraphs("paragraphs"))
    fields.done()
    return section


def _section_data(section: Section) -> dict[str, Any]:
    return {"heading": section.heading, "paragraphs": list(section.paragraphs)}


def _item(fields: _Fields) -> Item:
    item = Item(id=fields.identifier("id"), text=fields.text("text"))
    fields.done()
    return item


def _topic(fields: _Fields) -> Topic:
    topic = Topic(id=fields.identifier("id"), title=fields.text("title"), text=fields.text("text"))
    fields.done()
    return topic


def _faq_entry(fields: _Fields) -> FaqEntry:
    entry = FaqEntry(
        id=fields.identifier("id"),
        question=fields.text("question"),
        answer=fields.paragraphs("answer"),
        shows=fields.choice("shows", SHARED_LISTS),
    )
    fields.done()
    return entry


def _unique(path: str, identifiers: list[str]) -> None:
    seen = set()
    for identifier in identifiers:
        if identifier in seen:
            raise ContentError(f"{path}: the id {identifier!r} is used twice")
        seen.add(identifier)
