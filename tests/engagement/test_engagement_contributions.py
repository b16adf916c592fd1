"""The staff's cross-wiki contributions, page after page, against wikis that answer as
MediaWiki does (manywikis) or misbehave on purpose (faultserver): every contribution is shown
once, none is skipped.
"""

from __future__ import annotations

import pytest
from support.faultserver import FaultServer, ok
from support.manywikis import ManyWikis, edit

from webtool.wikis.api import ApiClient, Limits
from webtool.wikis.contributions import Filters, has_more, next_page, places_for

FAST = Limits(timeout=2.0, retries=0)


def every_page(wikis: list[dict], limit: int) -> list[list[int]]:
    """The revision ids of each page, to the end."""
    filters = Filters()
    client, places, pages = ApiClient(limits=FAST), places_for(wikis, filters, limit), []
    while has_more(places) and len(pages) < 50:
        pages.append([c.revid for c in next_page(client, places, "Test User", filters, limit)])
    return pages


@pytest.fixture
def farm():
    made = []

    def start(edits: dict[str, list[dict]]) -> ManyWikis:
        made.append(ManyWikis(edits))
        return made[-1]

    yield start
    for server in made:
        server.close()


def test_edits_in_the_same_second_as_a_pages_last_are_on_the_next_page(farm):
    wikis = farm(
        {
            "testwiki": [
                edit(3, "2025-06-01T00:00:02Z"),
                edit(2, "2025-06-01T00:00:01Z"),
                edit(1, "2025-06-01T00:00:01Z"),  # the same second as the page's last
            ]
        }
    ).wikis()
    assert every_page(wikis, limit=2) == [[3, 2], [1]]


def test_two_wikis_in_the_same_second_take_turns_by_name(farm):
    second = "2025-06-01T00:00:01Z"
    wikis = farm(
        {"awiki": [edit(n, second) for n in (1, 2, 3)], "bwiki": [edit(n, second) for n in (4, 5)]}
    ).wikis()
    assert every_page(wikis, limit=2) == [[5, 4], [3, 2], [1]]


def test_a_contribution_given_twice_is_shown_once():
    wiki = FaultServer()
    rows = [
        edit(2, "2025-06-01T00:00:02Z"),
        edit(2, "2025-06-01T00:00:02Z"),
        edit(1, "2025-06-01T00:00:01Z"),
    ]
    wiki.route = lambda params: ok({"query": {"usercontribs": rows}})
    try:
        url = wiki.url.removesuffix("/w/api.php")
        assert every_page([{"wiki": "testwiki", "url": url, "edits": 3}], limit=5) == [[2, 1]]
    finally:
        wiki.close()
