"""The engagement page reads well: the latest edit is dated even when it is older than the
activity window, and the chart of edits per wiki is a table a screen reader reads, its numbers
written the page language's way. On the farm: Karl Früher's latest edit on dewiki is older
than a year."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
import requests
from babel.dates import format_date
from support.logins import log_in

from program.engagement import load_rules
from webtool.wikis.api import ApiClient
from webtool.wikis.engagement import Collector

OLD_HAND = "Karl Früher"  # edits on dewiki only, the latest of them more than a year ago


def farm_query(api_url: str, **params: str) -> dict:
    reply = requests.get(
        api_url,
        params={"action": "query", "format": "json", "formatversion": "2", **params},
        timeout=30,
    )
    reply.raise_for_status()
    return reply.json()["query"]


def latest_edit(sandbox: dict, wiki: str, name: str) -> str:
    """The account's latest edit on `wiki`, as the farm's own API gives it."""
    contributions = farm_query(
        sandbox["wikis"][wiki]["api_url"], list="usercontribs", ucuser=name, uclimit="1"
    )["usercontribs"]
    return contributions[0]["timestamp"]


def central_id(sandbox: dict, name: str) -> int:
    info = farm_query(sandbox["centralauth_api_url"], meta="globaluserinfo", guiuser=name)
    return info["globaluserinfo"]["id"]


class Table(HTMLParser):
    """The caption and rows of the page's first table whose class is `chart`, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.caption = ""
        self.rows: list[list[str]] = []
        self.inside: str | None = None  # "table", then "caption" or "cell" within it
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "table" and "chart" in (dict(attrs).get("class") or "").split():
            self.inside = "table"
        elif self.inside and tag == "caption":
            self.inside = "caption"
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("th", "td"):
            self.inside = "cell"
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.inside:
            self.inside, self.done = None, True
        elif tag in ("caption", "th", "td") and self.inside:
            self.inside = "table"

    def handle_data(self, data: str) -> None:
        if self.inside == "caption":
            self.caption += data.strip()
        elif self.inside == "cell":
            self.rows[-1][-1] = " ".join(f"{self.rows[-1][-1]} {data}".split())


def chart_of(page: str) -> Table:
    table = Table()
    table.feed(page)
    return table


def test_the_latest_edit_is_dated_when_older_than_the_window(sandbox):
    latest = latest_edit(sandbox, "dewiki", OLD_HAND)
    rules = load_rules()
    assert datetime.fromisoformat(latest) < datetime.now(UTC) - timedelta(days=rules.recent_days)

    report = Collector(ApiClient(), sandbox["centralauth_api_url"]).report(OLD_HAND).to_dict()

    (activity,) = [f for f in report["findings"] if f["kind"] == "activity"]
    assert activity["end"] == latest
    assert activity["summary"].startswith(f"0 edits on dewiki in the last {rules.recent_days}")
    assert activity["summary"].endswith(f", latest {latest[:10]}")


@pytest.mark.parametrize(
    ("lang", "latest_word", "caption", "header", "count"),
    [
        ("en", "latest", "Edits per wiki", ["Wiki", "Edits"], "{} edits"),
        ("de", "letzte", "Bearbeitungen je Wiki", ["Wiki", "Bearbeitungen"], "{} Bearbeitungen"),
    ],
)
def test_the_page_dates_the_latest_edit_and_its_chart_is_a_table(
    sandbox, app, client, lang, latest_word, caption, header, count
):
    log_in(client, {"name": OLD_HAND, "id": central_id(sandbox, OLD_HAND)})
    latest = latest_edit(sandbox, "dewiki", OLD_HAND)

    page = client.get(f"/engagement?uselang={lang}").get_data(as_text=True)

    # The day is written the reader's way: "May 25, 2025", "25.05.2025".
    day = format_date(datetime.fromisoformat(latest), format="medium", locale=lang)
    assert f", {latest_word} {day}" in page
    chart = chart_of(page)
    assert chart.caption == caption
    edits = sandbox["accounts"][OLD_HAND]["wikis"]["dewiki"]["edits"]
    assert chart.rows == [header, ["dewiki", count.format(edits)]]


@pytest.mark.parametrize(("lang", "written"), [("en", "1,500"), ("de", "1.500")])
def test_the_chart_writes_numbers_the_language_s_way(sandbox, app, client, lang, written):
    name = "Veteran Editor"
    assert sandbox["accounts"][name]["wikis"]["enwiki"]["edits"] == 1500
    log_in(client, {"name": name, "id": central_id(sandbox, name)})

    page = client.get(f"/engagement?uselang={lang}").get_data(as_text=True)

    rows = {row[0]: row[1] for row in chart_of(page).rows[1:]}
    assert rows["enwiki"].startswith(f"{written} ")
