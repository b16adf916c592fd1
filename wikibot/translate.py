"""Edits that keep Extension:Translate's work: `<translate>` blocks and `<!--T:n-->` markers.

Translate splits the text inside `<translate>` into units at blank lines and tags each with a
`<!--T:n-->` marker when a translation administrator marks the page. A unit that keeps its
text keeps its translations; a unit that keeps its marker but changes its text marks only its
own translations outdated. So a changed region is rewritten unit by unit: unchanged units
byte for byte, changed ones under their old marker, new ones without a marker (Translate
numbers them), and no marker is ever invented or renumbered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

# Translate puts a unit's marker on its own line before the text, at the end of a heading
# line, or inline after a list marker; each pattern takes the spacing Translate adds with it.
_MARKER = re.compile(r"<!--T:[^>\n]*?-->")
_MARKER_AT_LINE_END = re.compile(r"[ \t]+<!--T:[^>\n]*?-->(?=[ \t]*(?:\n|$))")
_MARKER_WITH_SPACING = re.compile(r"<!--T:[^>\n]*?-->(?:\n|[ \t])?")
_OPEN_TAG = re.compile(r"<translate(?:\s[^>]*)?>\n?")
_CLOSE_TAG = re.compile(r"\n?</translate>")
_UNIT_BREAK = re.compile(r"\n[ \t]*\n+")
_HEADING = re.compile(r"^=+[^\n]*=+[ \t]*$")


@dataclass(frozen=True)
class Unit:
    """A translation unit as it stands on the page."""

    raw: str
    text: str
    marker: str | None


def is_translatable(text: str) -> bool:
    """Whether wikitext is prepared for Translate (it has `<languages/>` or `<translate>`)."""
    return "<languages" in text or "<translate" in text


def strip_translate_markup(text: str) -> str:
    """`text` without `<translate>` tags and unit markers: the words as a reader sees them."""
    text = _OPEN_TAG.sub("", text)
    text = _CLOSE_TAG.sub("", text)
    text = _MARKER_AT_LINE_END.sub("", text)
    return _MARKER_WITH_SPACING.sub("", text)


def split_units(body: str) -> list[Unit]:
    """The translation units of a region body, in order, each with its marker if it has one."""
    inner = _CLOSE_TAG.sub("", _OPEN_TAG.sub("", body)).strip("\n")
    units = []
    for raw in _UNIT_BREAK.split(inner):
        if raw.strip():
            found = _MARKER.search(raw)
            marker = found.group() if found else None
            units.append(Unit(raw=raw, text=strip_translate_markup(raw), marker=marker))
    return units


def translatable_body(old_body: str, blocks: Sequence[str]) -> str:
    """`blocks` as one `<translate>` block that reuses the units and markers of `old_body`."""
    old_units = split_units(old_body)
    opening = _OPEN_TAG.search(old_body)
    units: list[str] = []
    matcher = SequenceMatcher(a=[unit.text for unit in old_units], b=list(blocks), autojunk=False)
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if operation == "equal":
            units.extend(unit.raw for unit in old_units[old_start:old_end])
            continue
        # A changed unit keeps the marker of the old unit in its place; extra new units get none.
        markers = [unit.marker for unit in old_units[old_start:old_end]]
        for offset, block in enumerate(blocks[new_start:new_end]):
            units.append(_with_marker(block, markers[offset] if offset < len(markers) else None))
    tag = opening.group().rstrip("\n") if opening else "<translate>"
    return tag + "\n" + "\n\n".join(units) + "\n</translate>"


def _with_marker(text: str, marker: str | None) -> str:
    if marker is None:
        return text
    if _HEADING.match(text):
        return f"{text} {marker}"
    return f"{marker}\n{text}"
