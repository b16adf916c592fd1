"""The engagement report when a wiki's lists are cut short by the continuation bound, or give
an item twice: a finding read in part says so, and nothing is counted twice.

The wiki is a local server that misbehaves on purpose (faultserver), central and local at once.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from support.faultserver import Answer, FaultServer, Route, listing, ok

from webtool.wikis.api import ApiClient, Limits
from webtool.wikis.engagement import Collector

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FAST = Limits(timeout=2.0, retries=0, pages=3)
NAME = "Test User"


def edit(revid: int, timestamp: str = "2025-06-01T00:00:00Z", new: bool = False) -> dict:
    return {"revid": revid, "title": "Grants:Project/Test", "timestamp": timestamp, "new": new}


def rights(logid: int, timestamp: str, old: list[str], new: list[str]) -> dict:
    return {
        "logid": logid,
        "timestamp": timestamp,
        "params": {"oldgroups": old, "newgroups": new},
    }


GRANTED = rights(1, "2015-03-01T00:00:00Z", [], ["sysop"])
REMOVED = rights(2, "2018-03-01T00:00:00Z", ["sysop"], [])
GRANTED_AGAIN = rights(3, "2020-03-01T00:00:00Z", [], ["sysop"])
ROLLBACK = rights(4, "2016-03-01T00:00:00Z", [], ["rollbacker"])
NO_ROLLBACK = rights(5, "2017-03-01T00:00:00Z", ["rollbacker"], [])
NO_ENTRIES = listing("logevents", [[]])
NO_EDITS = listing("usercontribs", [[]])


@pytest.fixture
def wiki(fault):
    """The one wiki of these reports: the fault server, answering by route."""
    return fault


def report(
    wiki: FaultServer,
    grants: Route = NO_EDITS,
    recent: Route = NO_EDITS,
    rights_log: Route = NO_ENTRIES,
    global_log: Route = NO_ENTRIES,
) -> dict:
    """The report of an administrator on one wiki, whose lists are answered as given."""
    info = {
        "name": NAME,
        "id": 1,
        "home": "metawiki",
        "registration": "2015-01-01T00:00:00Z",
        "editcount": 40,
        "groups": [],
        "merged": [
            {
                "wiki": "metawiki",
                "url": wiki.url.removesuffix("/w/api.php"),
                "editcount": 40,
                "registration": "2015-01-01T00:00:00Z",
                "groups": ["sysop"],
            }
        ],
    }

    def answer(params: dict[str, str]) -> Answer:
        if params.get("meta") == "globaluserinfo":
            return ok({"query": {"globaluserinfo": info}})
        if "logevents" in params.get("list", ""):
            logs = {"rights": rights_log, "gblrights": global_log}
            # Meta's log of `User:NAME@…` and its renames: nothing in them here.
            return logs.get(params.get("letype"), NO_ENTRIES)(params)
        if "ucnamespace" in params:
            return grants(params)
        if "ucend" in params:
            return recent(params)
        return ok({"query": {"usercontribs": [edit(1, "2015-01-02T00:00:00Z")]}})

    wiki.route = answer
    return Collector(ApiClient(limits=FAST), wiki.url).report(NAME, now=NOW).to_dict()


def found(data: dict, kind: str) -> list[dict]:
    return [f for f in data["findings"] if f["kind"] == kind]


def test_grants_edits_cut_short_are_at_least_and_say_so(wiki):
    pages = [[edit(1, new=True)], [edit(2)], [edit(3)]]
    grants = found(report(wiki, grants=listing("usercontribs", pages, endless=True)), "grants")
    summary = grants[0]
    assert summary["summary"] == (
        "At least 3 edits to at least 1 page of the Foundation's grant process on Meta, "
        "at least 1 of them created; the wiki's answer was cut short"
    )
    assert summary["message"] == "chldp-finding-grants-partial"
    assert summary["partial"] is True
    assert summary["end"] is None  # the latest edit was not read


def test_a_grants_edit_given_twice_counts_once(wiki):
    pages = [[edit(1, new=True), edit(2)], [edit(2), edit(3)]]
    (summary, created) = found(report(wiki, grants=listing("usercontribs", pages)), "grants")
    assert summary["summary"].startswith("3 edits to 1 page of the Foundation's grant process")
    assert summary["partial"] is False


def test_recent_edits_cut_short_are_at_least_and_say_so(wiki):
    pages = [[edit(1)], [edit(2)], [edit(3)]]
    data = report(wiki, recent=listing("usercontribs", pages, endless=True))
    (activity,) = found(data, "activity")
    assert activity["summary"].startswith(
        "At least 3 edits on metawiki in the last 365 days (the wiki's answer was cut short)"
    )
    assert activity["partial"] is True


def test_a_recent_edit_given_twice_counts_once(wiki):
    pages = [[edit(1), edit(2)], [edit(2), edit(3)]]
    (activity,) = found(report(wiki, recent=listing("usercontribs", pages)), "activity")
    assert activity["summary"].startswith("3 edits on metawiki in the last 365 days")
    assert activity["partial"] is False


def test_the_rights_log_is_read_to_its_end(wiki):
    pages = [[GRANTED], [REMOVED], [GRANTED_AGAIN]]
    data = report(wiki, rights_log=listing("logevents", pages))
    assert [f["summary"] for f in found(data, "role")] == [
        "Administrator on metawiki since 2020-03-01"
    ]
    assert found(data, "former_role") == []  # an administrator again is not a former one


def test_a_rights_log_cut_short_gives_no_date_it_cannot_know_and_says_so(wiki):
    pages = [[GRANTED, ROLLBACK], [NO_ROLLBACK], [REMOVED]]
    data = report(wiki, rights_log=listing("logevents", pages, endless=True))
    (role,) = found(data, "role")
    assert role["summary"] == "Administrator on metawiki"  # granted again, but when is unread
    former, cut = found(data, "former_role")
    assert former["summary"] == "Former rollbacker on metawiki, 2016-03-01 to 2017-03-01"
    assert former["partial"] is False
    assert cut["summary"] == (
        "The rights log on metawiki was cut short, so roles granted or removed later may be missing"
    )
    assert cut["partial"] is True
    assert cut["link"].endswith("/wiki/Special:Log/rights?page=User:Test_User")


def test_a_global_rights_log_cut_short_says_so_and_counts_a_removal_once(wiki):
    removed = rights(9, "2019-05-01T00:00:00Z", ["steward"], [])
    global_log = listing("logevents", [[removed], [removed]], endless=True)
    data = report(wiki, global_log=global_log)
    former = [f for f in found(data, "former_role") if f["wiki"] == "global"]
    assert [f["summary"] for f in former] == [
        "Former member of the global group steward",
        "The global rights log was cut short, so global groups removed later may be missing",
    ]
    assert [f["partial"] for f in former] == [False, True]
