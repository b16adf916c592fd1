"""An account's contributions across every wiki it edits, newest first, a page at a time.

Each page asks each wiki with edits for its newest contributions from a cursor on, with the
client's bound on parallel requests, and merges them. The cursor names the last contribution
shown (its timestamp, wiki and revision), so one made in the same second but not yet shown
comes on the next page, and a revision a wiki gives twice is shown once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from webtool.api import ApiClient


@dataclass(frozen=True)
class Contribution:
    wiki: str
    revid: int
    title: str
    timestamp: str
    comment: str
    size_change: int
    diff: str

    @property
    def order(self) -> tuple[str, str, int]:
        """Where it comes in the merged list, newest first: the last is the smallest."""
        return (self.timestamp, self.wiki, self.revid)


def contributions_page(
    client: ApiClient, wikis: list[dict], name: str, before: str | None = None, limit: int = 50
) -> tuple[list[Contribution], str | None]:
    """Up to `limit` contributions after the cursor `before`, and the cursor of the next page."""
    shown_last = _order(before) if before else None

    def newest(wiki: dict) -> tuple[list[Contribution], bool]:
        """The wiki's newest contributions not shown yet, and whether it may hold more."""
        # One more than a page: a wiki that gives it has more than this page can show.
        answer = client.query(
            f"{wiki['url']}/w/api.php",
            action="query",
            list="usercontribs",
            ucuser=name,
            uclimit=limit + 1,
            ucstart=shown_last[0] if shown_last else None,  # inclusive: the same second again
            ucprop="ids|title|timestamp|comment|sizediff",
        )
        rows = answer["query"]["usercontribs"]
        unique = {c["revid"]: _contribution(wiki, c) for c in rows}.values()
        fresh = [c for c in unique if shown_last is None or c.order < shown_last]
        return fresh, len(rows) > limit

    with_edits = [w for w in wikis if w["edits"]]
    with ThreadPoolExecutor(max(1, client.limits.parallel)) as pool:
        per_wiki = list(pool.map(newest, with_edits))
    merged = sorted(
        (c for found, _ in per_wiki for c in found), key=lambda c: c.order, reverse=True
    )
    page = merged[:limit]
    more = len(merged) > limit or any(holds_more for _, holds_more in per_wiki)
    return page, (_cursor(page[-1]) if more and page else None)


def _contribution(wiki: dict, row: dict) -> Contribution:
    return Contribution(
        wiki["wiki"],
        row["revid"],
        row["title"],
        row["timestamp"],
        row.get("comment", ""),
        row.get("sizediff", 0),
        f"{wiki['url']}/wiki/Special:Diff/{row['revid']}",
    )


def _cursor(last: Contribution) -> str:
    return f"{last.timestamp}|{last.wiki}|{last.revid}"


def _order(cursor: str) -> tuple[str, str, int]:
    # A cursor of a timestamp alone (an older link) reads as before all of that second.
    timestamp, _, rest = cursor.partition("|")
    wiki, _, revid = rest.partition("|")
    return (timestamp, wiki, int(revid or 0))
