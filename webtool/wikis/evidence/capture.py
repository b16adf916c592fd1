"""Capturing what the links of a text point to, as it is now, through the Action API.

Each link is captured in a thread of its own (within the client's bound on requests in
flight) and put on disk at once, in the order of the lines, into a bundle that stops growing
at its bound. What one link is made of is in manifest.py; how its requests are kept, in
asker.py; the two sides of a diff, in diffs.py; a log entry found by id, in log_search.py.
A link that cannot be captured gets a Refusal with a sentence, and the capture goes on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from webtool.infra.cache import Cache
from webtool.wikis.api import ApiClient, ApiError, Unavailable
from webtool.wikis.evidence.asker import MAX_ITEM_BYTES, REVISION_PROPS, Asker, NotCaptured
from webtool.wikis.evidence.diffs import capture_diff
from webtool.wikis.evidence.links import Link, LinkReader, Refusal
from webtool.wikis.evidence.log_search import LOG_PAGE, LOG_PROPS, find_log_entry
from webtool.wikis.evidence.manifest import Item, Revision
from webtool.wikis.evidence.reader_pages import (
    StyleSheetsHeld,
    kept_sheets,
    page_urls,
    style_sheets,
)
from webtool.wikis.evidence.spool import BundleFull, ItemTooLarge, Kept, Spool
from webtool.wikis.evidence.wikis import AllowList, shorten

# What callers and tests name from here: the capture, its bounds and refusals, and the
# properties it asks for, to compare with what a wiki gives for the same.
__all__ = [
    "LOG_PROPS",
    "REVISION_PROPS",
    "Bounds",
    "CaptureResult",
    "NotCaptured",
    "Resume",
    "Spool",
    "capture",
    "capture_links",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bounds:
    """How much one capture keeps. `item_bytes` bounds one link's API answers and wikitexts,
    counted as they arrive, so that no link holds much memory; `bundle_bytes` bounds the
    bundle's ZIP (None: no bound, as for a file written at a terminal)."""

    item_bytes: int = MAX_ITEM_BYTES
    bundle_bytes: int | None = None


@dataclass
class Resume:
    """What an earlier attempt at a capture finished with, by line (its items restored into
    `spool`), and where to tell of each line finished with now."""

    spool: Spool
    earlier: dict[int, Kept | Refusal]
    finished: Callable[[Kept | Refusal], None]


@dataclass
class CaptureResult:
    """The items kept, in the order of their lines, and a Refusal for every other line. The
    items' files wait on disk for write_bundle; close() removes them, and so does dropping the
    result and its items."""

    items: list[Kept]
    refused: list[Refusal]
    spool: Spool

    def close(self) -> None:
        self.spool.close()

    def __enter__(self) -> CaptureResult:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def capture_links(
    client: ApiClient,
    allow_list: AllowList,
    text: str,
    cache: Cache | None = None,
    progress: Callable[[int, int], None] | None = None,
    bounds: Bounds | None = None,
    resume: Resume | None = None,
) -> CaptureResult:
    """Every link of `text` (one a line) captured; a Refusal with a sentence for each other.

    `progress(done, total)` is called as each link is finished with, in the order of the lines.
    A wiki that could not be reached is not asked again in this capture: its other links are
    refused at once, as temporary, rather than each waiting out the client's retries.

    Each item goes to disk as soon as it is captured, so memory holds only the links being
    captured. A link whose answers outgrow `bounds.item_bytes`, or that alone would not fit in
    a bundle, is refused by itself and the others go on. The link at which the bundle would
    outgrow `bounds.bundle_bytes` is refused, and so is every line after it, each naming it,
    and no more is asked: the bundle keeps the items before it, so that it holds the first
    lines, in order, and the rest can be pasted into the next capture as they are. Items after
    it captured meanwhile (links are captured a few at once) are dropped for the same reason.

    `resume` carries what an earlier attempt at the same capture finished with, and hears of
    each line as it is finished with now: a capture cut off goes on where it stopped, and
    every link is in the bundle once.
    """
    bounds = bounds or Bounds()
    links, refused = LinkReader(client, allow_list, cache).read_lines(text)
    spool = resume.spool if resume else Spool(bounds.bundle_bytes)
    earlier = resume.earlier if resume else {}
    down: dict[str, Unavailable] = {}
    full = threading.Event()  # the bundle is full: the links not yet started are not asked
    sheets = StyleSheetsHeld()

    def take(link: Link, position: int) -> Kept | Refusal:
        if link.line in earlier:
            return earlier[link.line]
        if full.is_set():
            # Not asked; the loop below names the line that filled the bundle in its refusal.
            return Refusal(link.line, link.url, "chldp-evidence-after-full")
        try:
            if link.wiki.dbname in down:
                raise down[link.wiki.dbname]
            item = capture(
                client,
                link,
                item_bytes=bounds.item_bytes,
                sheets=lambda wanted: sheets.to_fetch(position, wanted),
            )
            return spool.keep(item)
        except NotCaptured as error:
            return Refusal.of(link.line, link.url, error)
        except Unavailable as error:
            down[link.wiki.dbname] = error
            return Refusal.unanswered(link.line, link.url, link.wiki, error)
        except ApiError as error:
            return Refusal.unanswered(link.line, link.url, link.wiki, error)
        except Exception:
            # An answer nobody foresaw loses this link, never the others; the log says why.
            logger.exception("evidence link on line %s could not be captured", link.line)
            return Refusal(link.line, link.url, "chldp-evidence-link-failed")

    items: list[Kept] = []
    filled_at: Link | None = None  # the link at which the bundle was full
    with ThreadPoolExecutor(max(1, client.limits.parallel)) as pool:
        answers = pool.map(take, links, range(len(links)))
        try:
            for done, (link, taken) in enumerate(zip(links, answers, strict=True), 1):
                again = link.line in earlier  # finished with before, counted in the bundle then
                if filled_at:
                    taken = _after_full(link, taken, filled_at)
                elif isinstance(taken, Kept) and not again:
                    taken = _admitted(spool, link, taken)
                if isinstance(taken, Refusal) and taken.key == "chldp-evidence-bundle-full":
                    filled_at = link
                    full.set()
                requests = taken.record()["requests"] if isinstance(taken, Kept) else []
                sheets.settle(kept_sheets(requests))
                if resume and not again:
                    resume.finished(taken)
                if isinstance(taken, Kept):
                    items.append(taken)
                else:
                    refused.append(taken)
                if progress:
                    progress(done, len(links))
        finally:
            # Ended early too (the worker stopped, the database gone): no line waits on.
            full.set()
            sheets.release()
    refused.sort(key=lambda refusal: refusal.line)
    return CaptureResult(items, refused, spool)


def _admitted(spool: Spool, link: Link, kept: Kept) -> Kept | Refusal:
    """`kept` counted into the bundle, or the Refusal that says why it cannot be."""
    try:
        spool.admit(kept)
    except (ItemTooLarge, BundleFull) as error:
        kept.discard()
        return Refusal.of(link.line, link.url, error)
    return kept


def _after_full(link: Link, taken: Kept | Refusal, filled_at: Link) -> Refusal:
    """The Refusal of a line after the one that filled the bundle, naming that one; what was
    captured of it meanwhile is dropped."""
    if isinstance(taken, Kept):
        taken.discard()
    shown = (str(filled_at.line), shorten(filled_at.url))
    return Refusal(link.line, link.url, "chldp-evidence-after-full", shown)


def capture(
    client: ApiClient,
    link: Link,
    log_page: int = LOG_PAGE,
    item_bytes: int = MAX_ITEM_BYTES,
    sheets: Callable[[list[str]], list[str]] = list,
) -> Item:
    """One link captured now, with the wiki's own pages that show it; NotCaptured, Unavailable
    or ApiError. NotCaptured too as soon as its answers, pages and wikitexts pass `item_bytes`,
    before anything more is asked. `sheets` says which of the style sheets its pages load it
    asks for itself (all: no other item of the bundle holds them)."""
    asker = Asker(client, link.wiki, item_bytes)
    revisions: list[Revision] = []
    diff = log = redirected_from = None
    if link.kind == "revision":
        revisions = asker.revisions(revids=link.revid)
    elif link.kind == "page":
        revisions = asker.revisions(titles=link.title, redirects=True)
        redirects = asker.exchanges[-1].answer["query"].get("redirects")
        redirected_from = redirects[0]["from"] if redirects else None
    elif link.kind == "diff":
        revisions, diff = capture_diff(asker, link)
    else:
        assert link.logid is not None  # links.py gives every link to a log entry its id
        log = find_log_entry(asker, link.logid, log_page)
    item = Item(
        line=link.line,
        link=link.url,
        wiki=link.wiki.dbname,
        server=link.wiki.server,
        kind=link.kind,
        captured_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        exchanges=asker.exchanges,
        revisions=revisions,
        diff=diff,
        log=log,
        redirected_from=redirected_from,
    )
    _reader_pages(asker, item, sheets)
    return item


def _reader_pages(asker: Asker, item: Item, sheets: Callable[[list[str]], list[str]]) -> None:
    """The wiki's own pages of `item` and those of the style sheets they load that `sheets`
    gives it, kept as exchanges. A page the wiki does not give is named in the item; what the
    API gave stays the evidence."""
    loaded: list[str] = []
    for url in page_urls(asker.wiki, item.kind, item.revisions, item.diff, item.log):
        try:
            page = asker.page(url)
        except Unavailable:
            item.pages_missing.append(url)
            continue
        item.pages.append(url)
        found = style_sheets(asker.wiki, url, page.body) if page.status == 200 else []
        loaded += [sheet for sheet in found if sheet not in loaded]
    for sheet in sheets(loaded) if loaded else []:
        try:
            asker.page(sheet)
        except Unavailable:
            item.pages_missing.append(sheet)
