"""The look-up's pages of contributions: many wikis asked little after the first page, the
filters, the CSV of the rows shown, and links that cannot be forged or point anywhere else.
On the farm for what the wikis say, on manywikis for the rest."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from support.helpers import post
from support.logins import log_in
from support.manywikis import ManyWikis, edit

from webtool.services import contribution_pages
from webtool.wikis.contributions import Filters

REVIEWER = {"name": "Émile", "id": 11}


@pytest.fixture(autouse=True)
def staff_list(monkeypatch):
    monkeypatch.setenv("CHLDP_STAFF", "Émile:reviewer")


@pytest.fixture
def many_wikis():
    """200 wikis, with edits on the hour so that many wikis share each second; the busiest
    wikis edit most often."""
    edits = {
        f"wiki{n}": [
            edit(1000 * n + k, f"2025-{1 + hours // 600:02}-01T{hours % 24:02}:00:00Z")
            for k, hours in ((k, k * (n + 1)) for k in range(30))
        ]
        for n in range(200)
    }
    farm = ManyWikis(edits)
    yield farm
    farm.close()


def merged(farm: ManyWikis) -> list[int]:
    rows = [(r["timestamp"], w, r["revid"]) for w, found in farm.edits.items() for r in found]
    return [revid for *_, revid in sorted(rows, reverse=True)]


def pages(app, farm: ManyWikis, count: int, filters: Filters) -> list[list[int]]:
    """The revisions of the first `count` pages, following each page's token."""
    found, token = [], None
    with app.test_request_context():
        for _ in range(count):
            run = contribution_pages.PageRun("Test User", filters, farm.wikis(), token)
            list(run.lines())
            found.append([c.revid for c in run.rows])
            token = run.token
            farm.asked.clear()
    return found


def test_pages_follow_the_merged_list_and_ask_few_wikis_after_the_first(app, many_wikis):
    with app.test_request_context():
        shown, token = [], None
        for page in range(4):
            run = contribution_pages.PageRun("Test User", Filters(), many_wikis.wikis(), token)
            list(run.lines())
            asked = sum(many_wikis.asked.values())
            assert (200 <= asked <= 210) if page == 0 else asked <= 20, (page, asked)
            many_wikis.asked.clear()
            shown += [c.revid for c in run.rows]
            token = run.token
    assert shown == merged(many_wikis)[:200]


def test_an_expired_record_starts_again_below_the_last_row_shown(app, many_wikis):
    with app.test_request_context():
        first = contribution_pages.PageRun("Test User", Filters(), many_wikis.wikis(), None)
        list(first.lines())
        app.services.cache.items.clear()
        second = contribution_pages.PageRun("Test User", Filters(), many_wikis.wikis(), first.token)
        list(second.lines())
    shown = [c.revid for c in first.rows + second.rows]
    assert shown == merged(many_wikis)[:100]


def test_filters_by_namespace_dates_wiki_and_visibility(app):
    edits = {
        "awiki": [
            edit(1, "2025-01-01T00:00:00Z"),
            edit(2, "2025-02-01T00:00:00Z", namespace=1),
            edit(3, "2025-03-01T00:00:00Z", texthidden=True),
            edit(4, "2025-04-01T00:00:00Z"),
        ],
        "bwiki": [edit(5, "2025-02-15T00:00:00Z")],
    }
    farm = ManyWikis(edits)
    try:
        assert pages(app, farm, 1, Filters(namespace=1)) == [[2]]
        window = Filters(oldest="2025-02-01T00:00:00Z", newest="2025-03-31T23:59:59Z")
        assert pages(app, farm, 1, window) == [[3, 5, 2]]
        assert pages(app, farm, 1, Filters(wiki="bwiki")) == [[5]]
        assert farm.asked == {} or set(farm.asked) <= {"bwiki"}
        assert pages(app, farm, 1, Filters(visible_only=True)) == [[4, 5, 2, 1]]
    finally:
        farm.close()


def test_a_forged_or_borrowed_token_is_refused(app, many_wikis):
    with app.test_request_context():
        run = contribution_pages.PageRun("Test User", Filters(), many_wikis.wikis(), None)
        list(run.lines())
        payload, signature = run.token.rsplit(".", 1)
        for forged in [payload + ".AAAA", "eyJrIjoiZXZpbCJ9.AAAA"]:
            with pytest.raises(contribution_pages.BadLink, match="chldp-refused-lookup-damaged"):
                contribution_pages.PageRun("Test User", Filters(), many_wikis.wikis(), forged)
        with pytest.raises(contribution_pages.BadLink, match="chldp-refused-lookup-another"):
            contribution_pages.PageRun("Other User", Filters(), many_wikis.wikis(), run.token)
        with pytest.raises(contribution_pages.BadLink, match="chldp-refused-lookup-another"):
            contribution_pages.PageRun(
                "Test User", Filters(namespace=2), many_wikis.wikis(), run.token
            )


def test_a_wiki_the_report_does_not_list_is_never_asked(app, many_wikis):
    elsewhere = ManyWikis({"evilwiki": [edit(1, "2030-01-01T00:00:00Z")]})
    try:
        with app.test_request_context():
            with pytest.raises(contribution_pages.BadLink):
                contribution_pages.filters_from({"wiki": "evilwiki"}, many_wikis.wikis())
            run = contribution_pages.PageRun("Test User", Filters(), many_wikis.wikis(), None)
            list(run.lines())
        assert not elsewhere.asked
    finally:
        elsewhere.close()


def farm_contributions(sandbox: dict, name: str, wiki: str, **params) -> list[tuple[str, int]]:
    """The contributions of `name` on `wiki`, as the wiki's own API lists them."""
    answer = requests.get(
        sandbox["wikis"][wiki]["api_url"],
        params={
            "action": "query",
            "list": "usercontribs",
            "ucuser": name,
            "uclimit": 500,
            "format": "json",
            "formatversion": 2,
            **params,
        },
        timeout=30,
    ).json()
    return [(c["timestamp"], c["revid"]) for c in answer["query"]["usercontribs"]]


def test_the_farms_first_pages_with_a_filter_and_their_csv(sandbox, client):
    log_in(client, REVIEWER)
    post(client, "/staff/lookup", user="Veteran Editor")
    url = "/staff/lookup?user=Veteran+Editor&wiki=dewiki&namespace=0"
    shown, csv_rows, pages_seen = [], [], 0
    while url and pages_seen < 3:
        page = client.get(url).get_data(as_text=True)
        shown += [int(r) for r in re.findall(r"/wiki/Special:Diff/(\d+)\" rel", page)]
        csv_link = re.search(r'href="(/staff/lookup\.csv\?[^"]+)"', page)[1].replace("&amp;", "&")
        csv = client.get(csv_link).get_data(as_text=True).splitlines()[1:]
        csv_rows += [int(line.split(",")[3]) for line in csv]
        older = re.search(r'href="(/staff/lookup\?[^"]+)">Older', page)
        url = older[1].replace("&amp;", "&") if older else None
        pages_seen += 1
    expected = farm_contributions(sandbox, "Veteran Editor", "dewiki", ucnamespace=0)
    assert len(expected) > 50, "needs more than one page"
    assert shown == csv_rows == [revid for _, revid in expected][: len(shown)]
    assert len(shown) == min(len(expected), 50 * pages_seen)
    token = parse_qs(urlsplit(csv_link).query)["page"][0]
    tampered = client.get(f"/staff/lookup?user=Veteran+Editor&wiki=dewiki&before={token}x")
    assert tampered.status_code == 400
