"""Managed regions: the parts of a page the bot writes, each between two HTML comments.

    <!-- chldp:begin conditions 1a2b3c4d5e6f (kept in sync by a bot ...) -->
    ...what the bot wrote...
    <!-- chldp:end conditions -->

The begin comment names the region and carries a hash of the body the bot last wrote, so a
person's edit inside shows as a body that no longer matches its hash. Translate's own markup
does not count (marking a page for translation is not an edit of its words). Everything
outside the regions belongs to people and is copied byte for byte.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import mwparserfromhell
from mwparserfromhell.nodes import Comment

from wikibot.errors import RegionError
from wikibot.translate import strip_translate_markup

_NAME = r"[a-z0-9]+(?:[/-][a-z0-9]+)*"
_BEGIN = re.compile(
    rf"^<!-- chldp:begin (?P<name>{_NAME}) (?P<hash>[0-9a-f]{{12}})(?: [^\n]*)? -->$"
)
_END = re.compile(rf"^<!-- chldp:end (?P<name>{_NAME}) -->$")
_MARKER = re.compile(r"chldp:(?:begin|end)")
HINT = "(kept in sync by a bot: change the program's canonical content, not this text)"


@dataclass(frozen=True)
class Region:
    """A managed region as found on a page; start and end are offsets of its whole text."""

    name: str
    recorded_hash: str
    body: str
    start: int
    end: int

    @property
    def edited_by_someone_else(self) -> bool:
        """Whether the body differs from what the bot last wrote here."""
        return fingerprint(self.body) != self.recorded_hash


def fingerprint(body: str) -> str:
    """The hash a begin comment carries for `body`: its words, without Translate's markup."""
    words = strip_translate_markup(body).strip()
    return hashlib.sha256(words.encode("utf-8")).hexdigest()[:12]


def region_wikitext(name: str, body: str) -> str:
    """A region as the bot writes it: begin comment with the body's hash, body, end comment."""
    return (
        f"<!-- chldp:begin {name} {fingerprint(body)} {HINT} -->\n{body}\n<!-- chldp:end {name} -->"
    )


def find_regions(text: str) -> list[Region]:
    """The managed regions of a page, in page order.

    Raises RegionError when a marker is damaged, unpaired, nested, repeated or inside other
    markup: the bot cannot tell then what belongs to whom.
    """
    code = mwparserfromhell.parse(text)
    top_level = {id(node) for node in code.nodes}
    for comment in code.filter_comments(recursive=True):
        if id(comment) not in top_level and _MARKER.search(str(comment)):
            raise RegionError(f"the marker {comment} is inside other markup")
    regions: list[Region] = []
    open_begin: tuple[re.Match[str], int] | None = None
    offset = 0
    for node in code.nodes:
        source = str(node)
        if isinstance(node, Comment) and _MARKER.search(source):
            open_begin = _pair(source, offset, open_begin, regions, text)
        offset += len(source)
    if open_begin:
        raise RegionError(f"the region {open_begin[0]['name']!r} has no end marker")
    return regions


def write_regions(
    text: str,
    bodies: Mapping[str, str],
    order: Sequence[str],
    removed: Collection[str] = (),
) -> str:
    """`text` with the regions in `bodies` written, those in `removed` gone, and nothing else
    changed.

    A region already on the page is replaced in place. A missing one goes right after the
    region that precedes it in `order`, else right before the one that follows it, else at
    the end of the page.
    """
    found = {region.name: region for region in find_regions(text)}
    pieces: list[tuple[str, str]] = []  # ("text", wikitext) or ("region", name)
    position = 0
    for region in found.values():
        pieces += [("text", text[position : region.start]), ("region", region.name)]
        position = region.end
    pieces.append(("text", text[position:]))
    for index, name in enumerate(order):
        if name in bodies and name not in found:
            _insert(pieces, name, order[:index], order[index + 1 :])
    for name in removed:
        _remove(pieces, name)
    written = []
    for kind, value in pieces:
        if kind == "text":
            written.append(value)
        elif value in bodies:
            written.append(region_wikitext(value, bodies[value]))
        else:
            written.append(text[found[value].start : found[value].end])
    return "".join(written)


def _pair(
    source: str,
    offset: int,
    open_begin: tuple[re.Match[str], int] | None,
    regions: list[Region],
    text: str,
) -> tuple[re.Match[str], int] | None:
    """Take one marker comment; return the begin marker still waiting for its end."""
    begin = _BEGIN.match(source)
    if begin:
        if open_begin:
            raise RegionError(
                f"the region {begin['name']!r} starts inside the region {open_begin[0]['name']!r}"
            )
        if any(region.name == begin["name"] for region in regions):
            raise RegionError(f"the region {begin['name']!r} appears twice")
        return begin, offset
    end = _END.match(source)
    if end is None:
        raise RegionError(f"the marker {source} is damaged")
    if not open_begin or open_begin[0]["name"] != end["name"]:
        raise RegionError(f"the end marker of {end['name']!r} has no begin marker before it")
    opening, start = open_begin
    body = text[start + len(opening.group()) : offset]
    # The bot writes each marker on its own line; those two newlines are not part of the body.
    body = body.removeprefix("\n").removesuffix("\n")
    regions.append(
        Region(
            name=opening["name"],
            recorded_hash=opening["hash"],
            body=body,
            start=start,
            end=offset + len(source),
        )
    )
    return None


def _insert(
    pieces: list[tuple[str, str]], name: str, before: Sequence[str], after: Sequence[str]
) -> None:
    present = [value for kind, value in pieces if kind == "region"]
    for anchor in reversed(before):
        if anchor in present:
            at = pieces.index(("region", anchor)) + 1
            pieces[at:at] = [("text", "\n\n"), ("region", name)]
            return
    for anchor in after:
        if anchor in present:
            at = pieces.index(("region", anchor))
            pieces[at:at] = [("region", name), ("text", "\n\n")]
            return
    if any(kind == "text" and value.strip() for kind, value in pieces):
        pieces.append(("text", "\n\n"))
    pieces.append(("region", name))


def _remove(pieces: list[tuple[str, str]], name: str) -> None:
    """Drop a region and the blank line that separated it from its neighbour."""
    at = pieces.index(("region", name))
    del pieces[at]
    following = pieces[at][1]  # a region is always followed by a text piece
    if following.startswith("\n\n"):
        pieces[at] = ("text", following[2:])
    elif pieces[at - 1][1].endswith("\n\n"):
        pieces[at - 1] = ("text", pieces[at - 1][1][:-2])
