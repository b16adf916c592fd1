"""One link's requests to its wiki: each answer kept as the wiki sent it, within a bound on
the bytes one link may hold, and the revisions read from them."""

from __future__ import annotations

from webtool.wikis.api import ApiClient, Exchange
from webtool.wikis.evidence.errors import EvidenceError
from webtool.wikis.evidence.manifest import Revision
from webtool.wikis.evidence.reader_pages import allowed
from webtool.wikis.evidence.spool import MiB, mebibytes
from webtool.wikis.evidence.wikis import Wiki, shorten

REVISION_PROPS = "ids|timestamp|user|userid|comment|size|sha1|content|flags|tags"
# One link's answers, pages and wikitexts. A diff between two revisions of the largest size
# MediaWiki saves ($wgMaxArticleSize, 2 MiB) comes to about 16 MiB with its pages; a link
# beyond the bound is not held in memory any longer than it takes to see that.
MAX_ITEM_BYTES = 64 * MiB


class NotCaptured(EvidenceError):
    """Nothing could be captured at a link that is otherwise fine; the sentence says why."""


class Asker:
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

    def ask(self, **params: object) -> dict:
        """The answer, kept in the item; the API's refusal, kept too, is raised as ApiError."""
        exchange = self.client.exchange(self.wiki.api_url, **params)
        # The wiki's refusal, in its own words, belongs to the record too.
        self.exchanges.append(exchange)
        self.count(len(exchange.body))
        return exchange.result()

    def page(self, url: str) -> Exchange:
        """One of the wiki's own pages, kept in the item; the fetch rule of reader_pages.py
        decides which may be asked."""
        if not allowed(self.wiki, url):
            raise ValueError("only the wiki's own index.php and load.php may be asked")
        exchange = self.client.page(url)
        self.exchanges.append(exchange)
        self.count(len(exchange.sent))
        return exchange

    def peek(self, **params: object) -> dict:
        """The answer to a request that only finds the way to what is kept (a look at a log)."""
        return self.client.query(self.wiki.api_url, **params)

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
            Revision.from_api(page, revision)
            for page in query.get("pages", [])
            for revision in page.get("revisions", [])
        ]
        if not found:
            raise NotCaptured("chldp-evidence-nothing-there", self.wiki.dbname)
        self.count(sum(len(r.wikitext.encode()) for r in found if r.wikitext is not None))
        return found


def _check_selection(select: dict[str, object]) -> None:
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
