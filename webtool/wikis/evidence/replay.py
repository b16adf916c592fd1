"""A page of a web archive as the reader saw it, for the tool's own pages: the archived HTML
with the style sheets it loaded, from the archive, written into it.

The tool serves it in a sandboxed frame with its own Content-Security-Policy (pages/
evidence.py): an opaque origin, no script, no request anywhere, so archived content never
runs with the tool's origin. Only what the archive holds is shown; nothing is fetched.
"""

from __future__ import annotations

import io
import json
import re
import zipfile

from warcio.archiveiterator import ArchiveIterator

from webtool.wikis.evidence.reader_pages import linked_style_sheets
from webtool.wikis.evidence.wacz import ARCHIVE, CDX, PAGES

HEAD = re.compile(rb"<head[^>]*>", re.IGNORECASE)
# "</style" inside a style sheet would end the element it is written into.
STYLE_END = re.compile(rb"</(style)", re.IGNORECASE)


def pages(archive: zipfile.ZipFile) -> list[dict]:
    """The archive's pages (pages.jsonl), in order: each with its url, ts and title."""
    lines = archive.read(PAGES).decode("utf-8").splitlines()
    found = [json.loads(line) for line in lines[1:] if line.strip()]  # the first is a header
    return [page for page in found if isinstance(page, dict) and "url" in page]


def page_as_seen(archive: zipfile.ZipFile, number: int) -> bytes | None:
    """Page `number` (from 1) of the archive, its style sheets written in; None when the
    archive has no such page or no answer for it."""
    listed = pages(archive)
    if not 1 <= number <= len(listed):
        return None
    where = _index(archive)
    html = _body(archive, where, listed[number - 1]["url"])
    if html is None:
        return None
    styles = b"".join(
        b"<style>" + STYLE_END.sub(rb"<\\/\1", css) + b"</style>"
        for url in linked_style_sheets(listed[number - 1]["url"], html)
        if (css := _body(archive, where, url)) is not None
    )
    head = HEAD.search(html)
    if head is None:
        return styles + html
    return html[: head.end()] + styles + html[head.end() :]


def _index(archive: zipfile.ZipFile) -> dict[str, tuple[int, int]]:
    """Each URL's response in the WARC: its offset and length, the last one kept."""
    found = {}
    with archive.open(CDX) as lines:
        for line in io.TextIOWrapper(lines, encoding="utf-8"):
            _, _, fields = line.partition(" ")[2].partition(" ")
            entry = json.loads(fields)
            found[entry["url"]] = (int(entry["offset"]), int(entry["length"]))
    return found


def _body(archive: zipfile.ZipFile, where: dict[str, tuple[int, int]], url: str) -> bytes | None:
    """The body of the archived answer for `url`, its content coding undone."""
    if url not in where:
        return None
    offset, length = where[url]
    with archive.open(ARCHIVE) as warc:
        warc.seek(offset)
        record = next(iter(ArchiveIterator(io.BytesIO(warc.read(length)))), None)
        return record.content_stream().read() if record is not None else None
