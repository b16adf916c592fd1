"""The staff's cross-wiki contributions, page after page, against a wiki that misbehaves on
purpose (faultserver): every contribution is shown once, none is skipped.
"""

from __future__ import annotations

import pytest
from faultserver import Answer, FaultServer, ok

from webtool.api import ApiClient, Limits
from webtool.contributions import contributions_page

FAST = Limits(timeout=2.0, retries=0)


def contribution(revid: int, timestamp: str) -> dict:
    return {"revid": revid, "title": "Page", "timestamp": timestamp}


@pytest.fixture
def wiki():
    server = FaultServer()
    yield server
    server.close()


def answering(wiki: FaultServer, rows: list[dict]) -> list[dict]:
    """`wiki` answers usercontribs with `rows` (newest first) as MediaWiki does: from ucstart
    on, at most uclimit of them. The wikis list, as contributions_page takes it."""

    def answer(params: dict[str, str]) -> Answer:
        start = params.get("ucstart")
        older = [r for r in rows if start is None or r["timestamp"] <= start]
        return ok({"query": {"usercontribs": older[: int(params["uclimit"])]}})

    wiki.route = answer
    return [{"wiki": "testwiki", "url": wiki.url.removesuffix("/w/api.php"), "edits": len(rows)}]


def every_page(wikis: list[dict], limit: int) -> list[list[int]]:
    """The revision ids of each page, following the cursor to the end."""
    client, pages, before = ApiClient(limits=FAST), [], None
    while True:
        page, before = contributions_page(client, wikis, "Test User", before, limit)
        pages.append([c.revid for c in page])
        if before is None or len(pages) > 10:
            return pages


def test_edits_in_the_same_second_as_a_pages_last_are_on_the_next_page(wiki):
    rows = [
        contribution(3, "2025-06-01T00:00:02Z"),
        contribution(2, "2025-06-01T00:00:01Z"),
        contribution(1, "2025-06-01T00:00:01Z"),  # the same second as the page's last
    ]
    assert every_page(answering(wiki, rows), limit=2) == [[3, 2], [1]]


def test_a_contribution_given_twice_is_shown_once(wiki):
    rows = [
        contribution(2, "2025-06-01T00:00:02Z"),
        contribution(2, "2025-06-01T00:00:02Z"),
        contribution(1, "2025-06-01T00:00:01Z"),
    ]
    assert every_page(answering(wiki, rows), limit=5) == [[2, 1]]
