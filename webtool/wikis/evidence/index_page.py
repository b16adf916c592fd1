"""The bundle's index.html: every item and diff shown as a reader on the wiki saw them,
readable from disk. The page is the Jinja templates beside this module; every captured string
is escaped, and its Content-Security-Policy allows no script and no request at all."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

KINDS = {"revision": "Revision", "diff": "Diff", "log": "Log entry", "page": "Page as it was"}
DIFF_CELLS = {  # action=compare's cell classes, to the few this page styles
    "diff-lineno": "lineno",
    "diff-marker": "marker",
    "diff-deletedline": "deleted",
    "diff-addedline": "added",
    "diff-context": "context",
    "diff-side-deleted": "empty",
    "diff-side-added": "empty",
    "diff-empty": "empty",
}
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True
)


def index(
    manifest: dict, items: Iterable[tuple[dict, dict[int, str]]], count: int
) -> Iterator[str]:
    """index.html a part at a time, from each item's record and texts as `items` reads them:
    only the part being written is in memory."""
    numbered = ((number, _shown(*item)) for number, item in enumerate(items, 1))
    page = TEMPLATES.get_template("bundle_index.html")
    return page.generate(manifest=manifest, count=count, items=numbered)


def section(number: int, record: dict, texts: dict[int, str]) -> str:
    """One item's part of index.html."""
    item = TEMPLATES.get_template("bundle_item.html")
    return item.render(number=number, item=_shown(record, texts))


def _shown(record: dict, texts: dict[int, str]) -> dict:
    """An item's record with what its part of the page shows besides: its kind in words, its
    texts, its diff's rows and its log entry's fields."""
    body = (record["diff"] or {}).get("body")
    log = record["log"] or {}
    return {
        **record,
        "label": KINDS[record["kind"]],
        "texts": texts,
        "rows": diff_rows(body) if body else [],
        "log_fields": [
            (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
            for key, value in sorted(log.items())
        ],
    }


def diff_rows(body: str) -> list[list[dict]]:
    """action=compare's table as rows of cells of plain text: the wiki's markup is not kept,
    only which side a cell is and which words changed."""
    table = _DiffTable()
    table.feed(body)
    table.close()
    return table.rows


class _DiffTable(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[dict]] = []
        self.cell: dict | None = None
        self.changes = 0  # inside <ins> or <del>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr":
            self.rows.append([])
        elif tag == "td" and self.rows:
            classes = (found.get("class") or "").split()
            kind = next((DIFF_CELLS[c] for c in classes if c in DIFF_CELLS), "context")
            self.cell = {"kind": kind, "span": 2 if found.get("colspan") == "2" else 1, "parts": []}
            if found.get("data-marker"):
                self.cell["parts"].append((False, found["data-marker"]))
            self.rows[-1].append(self.cell)
        elif tag in ("ins", "del"):
            self.changes += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ins", "del"):
            self.changes = max(0, self.changes - 1)
        elif tag == "td":
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell["parts"].append((self.changes > 0, data))
