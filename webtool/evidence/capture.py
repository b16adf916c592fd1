"""Capturing what an evidence link points to, as it is now, through the Action API.

An item keeps the API's answers, each as the exact bytes the wiki sent, with the exact request
that produced it; the revisions' fields and wikitext, the diff from `action=compare`, or a log
entry's fields; the capture time in UTC; and a SHA-256 over all of it. Content, author or
summary hidden by revision deletion or suppression is recorded as hidden, and the capture goes
on.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import requests

from webtool.api import ApiClient, ApiError, Unavailable
from webtool.cache import Cache
from webtool.evidence.bundle import (
    BundleFull,
    ItemTooLarge,
    Kept,
    MiB,
    Spool,
    mebibytes,
    record_sha256,
)
from webtool.evidence.errors import EvidenceError
from webtool.evidence.links import Link, LinkReader, Refusal
from webtool.evidence.wikis import AllowList, Wiki, shorten

REVISION_PROPS = "ids|timestamp|user|userid|comment|size|sha1|content|flags|tags"
LOG_PROPS = "ids|title|type|user|userid|timestamp|comment|details|tags"
LOG_PAGE = 500  # entries per look while searching the log (the API's limit without a bot flag)
LOG_LOOKS = 64  # looks at the log for one entry: enough to halve 30 years of seconds
# One link's answers and wikitexts. A diff between two revisions of the largest size MediaWiki
# saves ($wgMaxArticleSize, 2 MiB) comes to about 16 MiB; a link beyond this could not be
# kept in a bundle anyway, and is not held in memory any longer than it takes to see that.
MAX_ITEM_BYTES = 24 * MiB
logger = logging.getLogger(__name__)
HIDDEN_FLAGS = {
    "texthidden": "content",
    "actionhidden": "action",
    "userhidden": "user",
    "commenthidden": "comment",
}


class NotCaptured(EvidenceError):
    """Nothing could be captured at a link that is otherwise fine; the sentence says why."""


@dataclass
class Revision:
    revid: int
    parentid: int
    pageid: int
    ns: int
    title: str
    timestamp: str
    user: str | None
    userid: int | None
    comment: str | None
    size: int
    sha1: str | None
    minor: bool
    tags: list[str]
    hidden: list[str]  # "content", "user", "comment": what revision deletion hides
    suppressed: bool  # hidden from administrators too
    wikitext: str | None

    @property
    def sha1_matches(self) -> bool | None:
        """Whether the wiki's own SHA-1 of the revision is that of the text captured."""
        if self.wikitext is None or self.sha1 is None:
            return None
        return hashlib.sha1(self.wikitext.encode()).hexdigest() == self.sha1


@dataclass
class Diff:
    from_revid: int | None  # None: the page's first revision, compared with nothing
    to_revid: int
    body: str | None  # action=compare's table rows, as the wiki rendered them
    note: str | None  # why there is no body


@dataclass
class Exchange:
    request: str  # the exact URL sent
    answer: dict
    body: bytes  # the answer as the wiki sent it, so that its SHA-256 is over the wiki's bytes


@dataclass
class Item:
    line: int
    link: str
    wiki: str
    server: str
    kind: str  # "revision", "diff", "log" or "page"
    captured_at: str
    exchanges: list[Exchange]
    revisions: list[Revision] = field(default_factory=list)  # a diff's left side first
    diff: Diff | None = None
    log: dict | None = None  # the entry as list=logevents gives it
    redirected_from: str | None = None

    @property
    def hidden(self) -> list[str]:
        found = {name for revision in self.revisions for name in revision.hidden}
        found |= {name for flag, name in HIDDEN_FLAGS.items() if (self.log or {}).get(flag)}
        return sorted(found)

    def files(self) -> Iterator[tuple[str, bytes]]:
        """The item's files in a bundle, one at a time: each visible wikitext, each API answer."""
        for revision in self.revisions:
            if revision.wikitext is not None:
                yield _wikitext_file(revision), revision.wikitext.encode()
        for number, exchange in enumerate(self.exchanges, 1):
            yield f"api-{number}.json", exchange.body

    def texts(self) -> dict[int, str]:
        """Each visible wikitext, by revision id."""
        return {r.revid: r.wikitext for r in self.revisions if r.wikitext is not None}

    def record(self, hashes: dict[str, str]) -> dict:
        """What manifest.json says of the item, with `hashes`, the SHA-256 of each of its files
        by name, and a SHA-256 over it all."""
        revisions = []
        for revision in self.revisions:
            fields = asdict(revision)
            text = fields.pop("wikitext")
            fields["wikitext_file"] = None if text is None else _wikitext_file(revision)
            fields["sha1_matches"] = revision.sha1_matches
            revisions.append(fields)
        record = {
            "line": self.line,
            "link": self.link,
            "wiki": self.wiki,
            "server": self.server,
            "kind": self.kind,
            "captured_at": self.captured_at,
            "requests": [exchange.request for exchange in self.exchanges],
            "revisions": revisions,
            "diff": asdict(self.diff) if self.diff else None,
            "log": self.log,
            "redirected_from": self.redirected_from,
            "hidden": self.hidden,
            "files": hashes,
        }
        record["sha256"] = record_sha256(record)
        return record


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

    def take(link: Link) -> Kept | Refusal | None:
        if link.line in earlier:
            return earlier[link.line]
        if full.is_set():
            return None
        try:
            if link.wiki.dbname in down:
                raise down[link.wiki.dbname]
            return spool.keep(capture(client, link, item_bytes=bounds.item_bytes))
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
        for done, (link, taken) in enumerate(zip(links, pool.map(take, links), strict=True), 1):
            again = link.line in earlier  # finished with before, counted into the bundle then
            if filled_at:
                taken = _after_full(link, taken, filled_at)
            elif isinstance(taken, Kept) and not again:
                taken = _admitted(spool, link, taken)
            if isinstance(taken, Refusal) and taken.key == "chldp-evidence-bundle-full":
                filled_at = link
                full.set()
            if resume and not again:
                resume.finished(taken)
            if isinstance(taken, Kept):
                items.append(taken)
            else:
                refused.append(taken)
            if progress:
                progress(done, len(links))
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


def _after_full(link: Link, taken: Kept | Refusal | None, filled_at: Link) -> Refusal:
    """The Refusal of a line after the one that filled the bundle, naming that one; what was
    captured of it meanwhile is dropped."""
    if isinstance(taken, Kept):
        taken.discard()
    shown = (str(filled_at.line), shorten(filled_at.url))
    return Refusal(link.line, link.url, "chldp-evidence-after-full", shown)


def capture(
    client: ApiClient, link: Link, log_page: int = LOG_PAGE, item_bytes: int = MAX_ITEM_BYTES
) -> Item:
    """One link captured now; NotCaptured, Unavailable or ApiError. NotCaptured too as soon as
    its answers and wikitexts pass `item_bytes`, before anything more is asked."""
    _watch_requests(client.http)
    asker = _Asker(client, link.wiki, item_bytes)
    revisions: list[Revision] = []
    diff = log = redirected_from = None
    if link.kind == "revision":
        revisions = asker.revisions(revids=link.revid)
    elif link.kind == "page":
        revisions = asker.revisions(titles=link.title, redirects=True)
        redirects = asker.exchanges[-1].answer["query"].get("redirects")
        redirected_from = redirects[0]["from"] if redirects else None
    elif link.kind == "diff":
        revisions, diff = _diff(asker, link)
    else:
        log = _log_entry(asker, link.logid, log_page)
    return Item(
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


class _Asker:
    """One item's API requests, each answer kept with the exact URL and bytes of its response."""

    def __init__(self, client: ApiClient, wiki: Wiki, item_bytes: int = MAX_ITEM_BYTES) -> None:
        self.client = client
        self.wiki = wiki
        self.exchanges: list[Exchange] = []
        self.item_bytes = item_bytes
        self.size = 0  # bytes of the answers kept and of their wikitexts: the item's files

    def count(self, size: int) -> None:
        """Adds `size` bytes to the item's files; NotCaptured once they pass the bound."""
        self.size += size
        if self.size > self.item_bytes:
            raise NotCaptured("chldp-evidence-item-too-large", mebibytes(self.item_bytes))

    def ask(self, keep: bool = True, **params: object) -> dict:
        _sent.responses = []
        error = None
        try:
            answer = self.client.query(self.wiki.api_url, **params)
        except ApiError as refused:
            # The wiki's refusal, in its own words, belongs to the record too.
            answer, error = {"errors": [{"code": refused.code, "text": refused.text}]}, refused
        finally:
            sent, _sent.responses = _sent.responses, None
        if keep:
            # The last response is the one that gave the answer; those before it were retried.
            self.exchanges.append(Exchange(sent[-1].url, answer, sent[-1].content))
            self.count(len(sent[-1].content))
        if error:
            raise error
        return answer

    def revisions(self, **select: object) -> list[Revision]:
        """Revisions with their content, in the API's order; NotCaptured when there are none."""
        _check_selection(select)
        query = self.ask(
            action="query", prop="revisions", rvprop=REVISION_PROPS, rvslots="main", **select
        )["query"]
        if query.get("badrevids"):
            first = min(int(revid) for revid in query["badrevids"])
            raise NotCaptured("chldp-evidence-no-revision", str(first), self.wiki.dbname)
        page = query.get("pages", [{}])[0]
        if page.get("invalid"):
            raise NotCaptured(
                "chldp-evidence-invalid-title", shorten(page["title"]), _said(page["invalidreason"])
            )
        if page.get("missing"):
            raise NotCaptured("chldp-evidence-no-page", shorten(page["title"]), self.wiki.dbname)
        found = [
            _revision(page, revision)
            for page in query.get("pages", [])
            for revision in page.get("revisions", [])
        ]
        if not found:
            raise NotCaptured("chldp-evidence-nothing-there", self.wiki.dbname)
        self.count(sum(len(r.wikitext.encode()) for r in found if r.wikitext is not None))
        return found


def _check_selection(select: dict) -> None:
    """NotCaptured when the API would read the selection as more than the link names: ids
    must be numbers, and a title one value. The API splits a value at "|", or at U+001F when
    it starts with one; then it answers for pages nobody pasted, which would be kept as the
    link's."""
    title = select.get("titles")
    if isinstance(title, str) and ("|" in title or title.startswith("\x1f")):
        found = "|" if "|" in title else "U+001F"
        raise NotCaptured("chldp-evidence-title-characters", shorten(title), found)
    for name in ("revids", "pageids"):
        ids = select.get(name, [])
        if not all(type(i) is int for i in (ids if isinstance(ids, list) else [ids])):
            raise NotCaptured("chldp-evidence-bad-revision-number", shorten(str(ids)))


def _said(reason: object) -> str:
    """The wiki's words of a refusal: a text, or {"code", "text"} with errorformat=plaintext."""
    return reason.get("text", "") if isinstance(reason, dict) else str(reason)


def _diff(asker: _Asker, link: Link) -> tuple[list[Revision], Diff]:
    if link.relation == "prev":
        # MediaWiki compares with the revision before in the page's history (by time, then
        # id), which is not the parent once histories are merged or imported.
        if link.revid is None:  # the page's current revision
            newer = asker.revisions(titles=link.title)[-1]
        else:
            newer = asker.revisions(revids=link.revid)[0]
        before = {"rvstartid": newer.revid, "rvdir": "older", "rvlimit": 2}
        history = asker.revisions(pageids=newer.pageid, **before)
        older = history[1] if len(history) == 2 else None
    elif link.relation is None:
        found = {r.revid: r for r in asker.revisions(revids=[link.oldid, link.revid])}
        older, newer = found[link.oldid], found[link.revid]
    else:
        older = asker.revisions(revids=link.oldid)[0]
        after = {"rvstartid": older.revid, "rvdir": "newer", "rvlimit": 2}
        select = after if link.relation == "next" else {}
        newer = asker.revisions(pageids=older.pageid, **select)[-1]
        if newer.revid == older.revid and link.relation == "next":
            raise NotCaptured(
                "chldp-evidence-no-next-revision", str(older.revid), shorten(older.title)
            )
    revisions = [r for r in (older, newer) if r is not None]
    hidden = [r.revid for r in revisions if "content" in r.hidden]
    if hidden:
        note = f"The wiki does not show this diff: the content of revision {hidden[0]} is hidden."
        return revisions, Diff(older and older.revid, newer.revid, None, note)
    if older:
        sides = {"fromrev": older.revid, "torev": newer.revid}
    else:  # a page's first revision, compared with nothing, as the wiki shows it
        sides = {"fromrev": newer.revid, "torelative": "prev"}
    try:
        answer = asker.ask(action="compare", prop="diff|ids|title", **sides)
    except ApiError as error:
        note = f"The wiki did not give the diff: {error.text}"
        return revisions, Diff(older and older.revid, newer.revid, None, note)
    return revisions, Diff(older and older.revid, newer.revid, answer["compare"]["body"], None)


def _log_entry(asker: _Asker, logid: int, page: int) -> dict:
    """Log entry `logid`. The API lists the log by time, then id, and not by id alone; but ids
    grow with time, so a search over time finds it. A look at second S lists the entries from
    where entry `logid` would be if it were filed at S (the API's continuation is "time|id"),
    so the look at its own second finds it first.

    The search keeps the span of seconds (lo, hi] that holds the entry's time: a look that
    finds only older ids raises lo to its second; one that finds only newer ids lowers hi
    below its second, to the oldest of them. Every other look guesses between the nearest ids
    seen, as ids and time run; the others halve the span, so that a log of any age takes a
    bounded number of looks.
    """
    seen = _look(asker, logid, page, None)
    lo: int | None = None
    hi: int | None = None
    older = newer = None  # (second, id) of the nearest entries seen before and after it
    seen_at: int | None = None  # the second of the last look; None: the newest entries
    for step in range(LOG_LOOKS):
        match = [second for second, found in seen if found == logid]
        if match:
            return _exact_log_entry(asker, match[0], logid)
        before = [event for event in seen if event[1] < logid]
        after = [event for event in seen if event[1] > logid]
        if before and after:
            break  # a gap where it would be
        if after:
            if len(seen) < page:
                break  # older than the log's first entry
            hi, newer = after[-1][0], after[-1]
        elif seen_at is None:
            break  # newer than the newest entry
        else:
            lo, older = seen_at, (before[0] if before else older)
        if lo is None:
            first = _first_log_event(asker)
            if first[1] == logid:
                return _exact_log_entry(asker, first[0], logid)
            if first[1] > logid:
                break
            lo, older = first[0] - 1, first
        if hi is None or lo >= hi:
            break
        seen_at = (lo + hi + 1) // 2 if step % 2 else _guess(lo, hi, older, newer, logid)
        seen = _look(asker, logid, page, seen_at)
    raise NotCaptured("chldp-evidence-no-log-entry", str(logid), asker.wiki.dbname)


def _look(asker: _Asker, logid: int, page: int, second: int | None) -> list[tuple[int, int]]:
    """(second, id) of up to `page` entries, newest first, at or before (second, logid)."""
    events = asker.ask(
        keep=False,
        action="query",
        list="logevents",
        leprop="ids|timestamp",
        lelimit=page,
        ledir="older",
        lecontinue=None if second is None else f"{_compact(second)}|{logid}",
    )["query"]["logevents"]
    return [(_seconds(event["timestamp"]), event["logid"]) for event in events]


def _first_log_event(asker: _Asker) -> tuple[int, int]:
    events = asker.ask(
        keep=False,
        action="query",
        list="logevents",
        leprop="ids|timestamp",
        lelimit=1,
        ledir="newer",
    )["query"]["logevents"]
    return _seconds(events[0]["timestamp"]), events[0]["logid"]


def _guess(
    lo: int, hi: int, older: tuple[int, int] | None, newer: tuple[int, int] | None, logid: int
) -> int:
    """The second entry `logid` was most likely filed at, between the nearest entries seen."""
    if not older or not newer or newer[1] == older[1]:
        return (lo + hi + 1) // 2
    guess = older[0] + (newer[0] - older[0]) * (logid - older[1]) // (newer[1] - older[1])
    return min(max(guess, lo + 1), hi)


def _exact_log_entry(asker: _Asker, second: int, logid: int) -> dict:
    events = asker.ask(
        action="query",
        list="logevents",
        leprop=LOG_PROPS,
        lelimit=1,
        ledir="older",
        lecontinue=f"{_compact(second)}|{logid}",
    )["query"]["logevents"]
    if not events or events[0]["logid"] != logid:
        raise NotCaptured("chldp-evidence-log-entry-changed", str(logid))
    return events[0]


def _revision(page: dict, revision: dict) -> Revision:
    main = revision.get("slots", {}).get("main", {})
    return Revision(
        revid=revision["revid"],
        parentid=revision.get("parentid", 0),
        pageid=page["pageid"],
        ns=page["ns"],
        title=page["title"],
        timestamp=revision["timestamp"],
        user=revision.get("user"),
        userid=revision.get("userid"),
        comment=revision.get("comment"),
        size=revision.get("size", 0),
        sha1=revision.get("sha1"),
        minor=revision.get("minor", False),
        tags=revision.get("tags", []),
        hidden=[
            name for flag, name in HIDDEN_FLAGS.items() if revision.get(flag) or main.get(flag)
        ],
        suppressed=bool(revision.get("suppressed")),
        wikitext=main.get("content"),
    )


def _wikitext_file(revision: Revision) -> str:
    return f"r{revision.revid}.wikitext"


def _seconds(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())


def _compact(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y%m%d%H%M%S")


# ApiClient gives the decoded answer only; the exact URL it sent (with its own defaults and
# encoding) and the bytes the wiki sent back are read off each response, in the thread that
# asked.
_sent = threading.local()
_watch_lock = threading.Lock()


def _note_response(response: requests.Response, *args: object, **kwargs: object) -> None:
    responses = getattr(_sent, "responses", None)
    if responses is not None:
        responses.append(response)


def _watch_requests(http: requests.Session) -> None:
    with _watch_lock:
        if _note_response not in http.hooks["response"]:
            http.hooks["response"].append(_note_response)
