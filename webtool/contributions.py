"""An account's contributions across every wiki it edits, newest first, a page at a time.

Each page asks each wiki with edits for its newest contributions before a cursor (the
oldest timestamp shown so far), with the client's bound on parallel requests, and merges them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

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


def contributions_page(
    client: ApiClient, wikis: list[dict], name: str, before: str | None = None, limit: int = 50
) -> tuple[list[Contribution], str | None]:
    """Up to `limit` contributions older than `before`, and the cursor of the next page."""
    start = _just_before(before) if before else None

    def newest(wiki: dict) -> list[Contribution]:
        answer = client.query(
            f"{wiki['url']}/w/api.php",
            action="query",
            list="usercontribs",
            ucuser=name,
            uclimit=limit,
            ucstart=start,
            ucprop="ids|title|timestamp|comment|sizediff",
        )
        return [
            Contribution(
                wiki["wiki"],
                c["revid"],
                c["title"],
                c["timestamp"],
                c.get("comment", ""),
                c.get("sizediff", 0),
                f"{wiki['url']}/wiki/Special:Diff/{c['revid']}",
            )
            for c in answer["query"]["usercontribs"]
        ]

    with_edits = [w for w in wikis if w["edits"]]
    with ThreadPoolExecutor(max(1, client.limits.parallel)) as pool:
        per_wiki = list(pool.map(newest, with_edits))
    merged = sorted(
        (c for found in per_wiki for c in found),
        key=lambda c: (c.timestamp, c.wiki, c.revid),
        reverse=True,
    )
    page = merged[:limit]
    # More remain when this page left some out, or a wiki may hold more than it was asked for.
    more = len(merged) > limit or any(len(found) == limit for found in per_wiki)
    return page, (page[-1].timestamp if more and page else None)


def _just_before(timestamp: str) -> str:
    moment = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ") - timedelta(seconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
