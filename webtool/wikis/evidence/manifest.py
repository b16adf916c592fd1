"""What one captured link is, as the bundle's manifest.json records it.

An item keeps the API's answers and the wiki's own pages, each as the exact bytes the wiki
sent, with the exact request that produced it (as WARC records, warc.py); the revisions'
fields and wikitext, the diff from `action=compare`, or a log entry's fields; the capture time
in UTC; and a SHA-256 over all of it. Content, author or summary hidden by revision deletion or
suppression is recorded as hidden.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from webtool.wikis.api import Exchange
from webtool.wikis.evidence.hashes import record_sha256

HIDDEN_FLAGS = {
    "texthidden": "content",
    "actionhidden": "action",
    "userhidden": "user",
    "commenthidden": "comment",
}


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

    @classmethod
    def from_api(cls, page: dict, revision: dict) -> Revision:
        """A revision as `prop=revisions` gives it (with its main slot), on `page`."""
        main = revision.get("slots", {}).get("main", {})
        return cls(
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

    @property
    def sha1_matches(self) -> bool | None:
        """Whether the wiki's own SHA-1 of the revision is that of the text captured."""
        if self.wikitext is None or self.sha1 is None:
            return None
        return hashlib.sha1(self.wikitext.encode()).hexdigest() == self.sha1

    @property
    def wikitext_file(self) -> str:
        """Where the item keeps the text while the bundle is made (for its index.html)."""
        return f"r{self.revid}.wikitext"


@dataclass
class Diff:
    from_revid: int | None  # None: the page's first revision, compared with nothing
    to_revid: int
    body: str | None  # action=compare's table rows, as the wiki rendered them
    note: str | None  # why there is no body


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
    pages: list[str] = field(default_factory=list)  # the wiki's own pages kept, as exchanges
    pages_missing: list[str] = field(default_factory=list)  # those the wiki did not give

    @property
    def hidden(self) -> list[str]:
        found = {name for revision in self.revisions for name in revision.hidden}
        found |= {name for flag, name in HIDDEN_FLAGS.items() if (self.log or {}).get(flag)}
        return sorted(found)

    def files(self) -> Iterator[tuple[str, bytes]]:
        """Each visible wikitext, one at a time: what the bundle's index.html shows."""
        for revision in self.revisions:
            if revision.wikitext is not None:
                yield revision.wikitext_file, revision.wikitext.encode()

    def texts(self) -> dict[int, str]:
        """Each visible wikitext, by revision id."""
        return {r.revid: r.wikitext for r in self.revisions if r.wikitext is not None}

    def record(self, records: list[dict]) -> dict:
        """What manifest.json says of the item, with `records`, what warc.py wrote of each of
        its exchanges (the response's record id and body's SHA-256), and a SHA-256 over it
        all."""
        revisions = []
        for revision in self.revisions:
            fields = asdict(revision)
            text = fields.pop("wikitext")
            fields["wikitext_sha256"] = (
                None if text is None else hashlib.sha256(text.encode()).hexdigest()
            )
            fields["sha1_matches"] = revision.sha1_matches
            revisions.append(fields)
        record = {
            "line": self.line,
            "link": self.link,
            "wiki": self.wiki,
            "server": self.server,
            "kind": self.kind,
            "captured_at": self.captured_at,
            "requests": [exchange.url for exchange in self.exchanges],
            "pages": self.pages,
            "pages_missing": self.pages_missing,
            "revisions": revisions,
            "diff": asdict(self.diff) if self.diff else None,
            "log": self.log,
            "redirected_from": self.redirected_from,
            "hidden": self.hidden,
            "records": records,
        }
        record["sha256"] = record_sha256(record)
        return record
