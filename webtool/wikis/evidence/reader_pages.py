"""The pages a reader saw: for each captured item, the wiki's own HTML page (the old revision,
the diff, the log entry) and the style sheets it loads, so that an archive replays offline as
the page looked.

The fetch rule widens this far and no further: the same scheme, host and port as the wiki's
API address from the allow-list, only its `index.php` and `load.php` beside `api.php`, and no
redirect followed. A page names its style sheets, so a page could name any address; one that
is not the wiki's own `load.php` is left out, never asked.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

from webtool.wikis.evidence.manifest import Diff, Revision
from webtool.wikis.evidence.wikis import Wiki

MAX_STYLE_SHEETS = 8  # a MediaWiki page loads two or three; a page naming more is not normal


def script(wiki: Wiki, name: str) -> str:
    """The address of one of the wiki's entry points ("index.php", "load.php"), beside its API."""
    return wiki.api_url.rsplit("/", 1)[0] + "/" + name


def page_urls(
    wiki: Wiki, kind: str, revisions: list[Revision], diff: Diff | None, log: dict | None
) -> list[str]:
    """The wiki's own pages that show what an item holds, as a reader opens them."""
    index = script(wiki, "index.php")
    if kind == "log" and log is not None:
        return [f"{index}?{urlencode({'title': 'Special:Log', 'logid': log['logid']})}"]
    if kind == "diff" and diff is not None:
        if diff.from_revid is None:  # a page's first revision, as the wiki shows it alone
            return [f"{index}?{urlencode({'diff': 'prev', 'oldid': diff.to_revid})}"]
        return [f"{index}?{urlencode({'diff': diff.to_revid, 'oldid': diff.from_revid})}"]
    return [f"{index}?{urlencode({'oldid': revision.revid})}" for revision in revisions]


def allowed(wiki: Wiki, url: str) -> bool:
    """Whether the fetch rule lets the tool ask for `url`: the wiki's own index.php or
    load.php, on the host of its API address."""
    wanted = urlsplit(wiki.api_url)
    found = urlsplit(url)
    return (
        (found.scheme, found.netloc) == (wanted.scheme, wanted.netloc)
        and not found.username
        and found.path in {urlsplit(script(wiki, name)).path for name in ("index.php", "load.php")}
    )


def style_sheets(wiki: Wiki, page_url: str, html: bytes) -> list[str]:
    """The style sheets a page loads from its wiki's load.php, in the page's order; any other
    address the page names is left out."""
    found: list[str] = []
    for url in linked_style_sheets(page_url, html):
        is_load = urlsplit(url).path == urlsplit(script(wiki, "load.php")).path
        if is_load and allowed(wiki, url) and url not in found:
            found.append(url)
    return found[:MAX_STYLE_SHEETS]


def linked_style_sheets(page_url: str, html: bytes) -> list[str]:
    """Every style sheet a page links to, as an address, in the page's order."""
    finder = _StyleSheets()
    finder.feed(html.decode("utf-8", "replace"))
    return [urljoin(page_url, href) for href in finder.hrefs]


class StyleSheetsHeld:
    """The style sheets one capture's bundle holds. Many pages load the same sheet; the bundle
    keeps it once, in the item of the first line that loads it and is kept. Links are captured
    a few at once, so before a line asks for a sheet no kept line holds yet, it waits until
    every line before it is kept or refused: a sheet is then never held by a line the bundle
    drops (one after the bundle is full, one too large alone) while a line it keeps goes
    without, and which line holds it does not depend on which answer came first."""

    def __init__(self) -> None:
        self.settled = threading.Condition()
        self.held: set[str] = set()
        self.done = 0  # the lines kept or refused so far, counted from the first

    def to_fetch(self, position: int, sheets: list[str]) -> list[str]:
        """Those of `sheets` the line at `position` (0: the first line) asks for itself."""
        with self.settled:
            if not self.held.issuperset(sheets):
                self.settled.wait_for(lambda: self.done >= position)
            return [sheet for sheet in sheets if sheet not in self.held]

    def settle(self, held: Iterable[str]) -> None:
        """The next line is kept, holding the sheets `held`, or refused (none)."""
        with self.settled:
            self.held.update(held)
            self.done += 1
            self.settled.notify_all()

    def release(self) -> None:
        """No line waits any more: the capture stopped before settling them all."""
        with self.settled:
            self.done = sys.maxsize
            self.settled.notify_all()


def kept_sheets(requests: list[str]) -> list[str]:
    """The style sheets among an item's requests: those addressed to a load.php."""
    return [url for url in requests if urlsplit(url).path.endswith("/load.php")]


class _StyleSheets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and (found.get("rel") or "").lower() == "stylesheet" and found.get("href"):
            self.hrefs.append(found["href"] or "")
