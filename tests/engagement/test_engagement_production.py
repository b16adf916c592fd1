"""The engagement report against answers the farm's REL1_39 extensions cannot give but
Wikimedia's wikis do: Meta in miser mode (no log search by prefix), a GlobalBlocking that
blocks accounts, memberships whose term was changed, and accounts on many wikis. Each wiki is
a local server (faultserver) that answers as MediaWiki does.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from support.faultserver import Answer, FaultServer, ok

from program.engagement import load_rules
from webtool.wikis.api import ApiClient, Limits
from webtool.wikis.engagement import Collector

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FAST = Limits(timeout=2.0, retries=0, pages=3)
NAME = "Test User"


def rights(logid: int, timestamp: str, old: list[str], new: list[str], **expiries: str) -> dict:
    return {
        "logid": logid,
        "type": "rights",
        "title": f"User:{NAME}",
        "timestamp": timestamp,
        "params": {
            "oldgroups": old,
            "newgroups": new,
            "newmetadata": [{"group": g, "expiry": expiries.get(g, "infinity")} for g in new],
        },
    }


def account(server: FaultServer, wiki: str, edits: int, groups: list[str] = ()) -> dict:
    return {
        "wiki": wiki,
        "url": server.url.removesuffix("/w/api.php"),
        "editcount": edits,
        "registration": "2015-01-01T00:00:00Z",
        **({"groups": list(groups)} if groups else {}),
    }


def globaluserinfo(merged: list[dict]) -> dict:
    info = {
        "name": NAME,
        "id": 1,
        "home": merged[0]["wiki"],
        "registration": "2015-01-01T00:00:00Z",
        "groups": [],
        "merged": merged,
    }
    return {"query": {"globaluserinfo": info}}


class Wiki:
    """A wiki's answers: globaluserinfo when it is Meta, its logs, and its users' groups."""

    def __init__(self, info: dict | None = None) -> None:
        self.server = FaultServer()
        self.info = info
        self.logs: dict[str, list[dict]] = {}  # by letitle, or by leprefix
        self.memberships: list[dict] = []
        self.refuse_prefix = False
        self.global_blocks: dict | None = None  # the whole answer to list=globalblocks
        self.server.route = self.answer

    def answer(self, params: dict[str, str]) -> Answer:
        if params.get("meta") == "globaluserinfo":
            return ok(self.info)
        lists = params.get("list", "").split("|")
        body: dict = {"query": {}}
        if "globalblocks" in lists:
            body = self.global_blocks or {"query": {"globalblocks": []}}
        if "logevents" in lists:
            if "leprefix" in params and self.refuse_prefix:
                text = "Prefix search is disabled in Miser Mode."
                return ok({"errors": [{"code": "prefixsearchdisabled", "text": text}]})
            where = params.get("letitle") or params.get("leprefix")
            entries = [
                e for e in self.logs.get(where, []) if params.get("letype") in (None, e["type"])
            ]
            body["query"]["logevents"] = entries
        if "users" in lists:
            body["query"]["users"] = [{"name": NAME, "groupmemberships": self.memberships}]
        if "usercontribs" in lists:
            body["query"]["usercontribs"] = []
        return ok(body)

    def asked(self, **params: str) -> list[dict]:
        return [r for r in self.server.requests if all(r.get(k) == v for k, v in params.items())]


@pytest.fixture
def wikis():
    made: list[Wiki] = []

    def make(info: dict | None = None) -> Wiki:
        made.append(Wiki(info))
        return made[-1]

    yield make
    for wiki in made:
        wiki.server.close()


def report(meta: Wiki, **rules: int) -> dict:
    engagement = dataclasses.replace(load_rules(), **rules)
    collector = Collector(ApiClient(limits=FAST), meta.server.url, rules=engagement)
    return collector.report(NAME, now=NOW).to_dict()


def findings(data: dict, kind: str) -> list[dict]:
    return [f for f in data["findings"] if f["kind"] == kind]


def test_in_miser_mode_metas_log_is_asked_title_by_title(wikis):
    meta = wikis()
    meta.info = globaluserinfo([account(meta.server, "metawiki", 10, ["sysop"])])
    meta.refuse_prefix = True
    grant = rights(7, "2020-05-01T00:00:00Z", [], ["sysop"])
    meta.logs[f"User:{NAME}@metawiki"] = [{**grant, "title": f"User:{NAME}@metawiki"}]
    data = report(meta)
    (role,) = findings(data, "role")
    assert role["summary"] == "Administrator on metawiki since 2020-05-01"
    assert role["link"].endswith("/wiki/Special:Log/rights?page=User:Test_User@metawiki")
    assert meta.asked(letitle=f"User:{NAME}@global")  # the lock, asked on its own
    assert meta.asked(letitle=f"User:{NAME}@metawiki")


def test_a_global_block_of_the_account_is_a_restriction(wikis):
    meta = wikis()
    meta.info = globaluserinfo([account(meta.server, "metawiki", 10)])
    block = {
        "id": 3,
        "target": NAME,
        "by": "Steward",
        "timestamp": "2025-06-01T00:00:00Z",
        "expiry": "2026-06-01T00:00:00Z",
        "reason": "Cross-wiki abuse",
    }
    # A GlobalBlocking that knows `bgtargets` answers with the account's block, and no warning.
    meta.global_blocks = {"query": {"globalblocks": [block]}}
    (found,) = findings(report(meta), "restriction")
    assert found["summary"] == "Globally blocked on every wiki until 2026-06-01: Cross-wiki abuse"
    assert found["link"].endswith("/wiki/Special:Log/gblblock?page=User:Test_User")
    assert (found["start"], found["end"]) == (block["timestamp"], block["expiry"])
    (asked,) = meta.asked(bgtargets=NAME)
    assert asked["list"] == "logevents|globalblocks"  # with the renames: no request of its own


def test_global_blocks_answered_without_bgtargets_are_not_the_accounts(wikis):
    meta = wikis()
    meta.info = globaluserinfo([account(meta.server, "metawiki", 10)])
    unrecognised = {"code": "unrecognizedparams", "text": "Unrecognized parameter: bgtargets."}
    meta.global_blocks = {
        "warnings": [{**unrecognised, "module": "main"}],
        "query": {"globalblocks": [{"id": 1, "address": "192.0.2.7", "expiry": "infinity"}]},
    }
    assert findings(report(meta), "restriction") == []


def test_a_term_extended_then_run_out_then_given_again(wikis):
    meta = wikis()
    meta.info = globaluserinfo([account(meta.server, "metawiki", 10, ["sysop"])])
    meta.logs[f"User:{NAME}"] = [
        rights(1, "2020-01-01T00:00:00Z", [], ["sysop"], sysop="2020-06-01T00:00:00Z"),
        # The term is made longer; the membership goes on.
        rights(2, "2020-05-01T00:00:00Z", ["sysop"], ["sysop"], sysop="2021-01-01T00:00:00Z"),
        # It ran out on 2021-01-01; no entry says so. Then it is given again, for a time.
        rights(3, "2024-01-01T00:00:00Z", [], ["sysop"], sysop="2026-06-01T00:00:00Z"),
    ]
    meta.memberships = [{"group": "sysop", "expiry": "2026-06-01T00:00:00Z"}]
    data = report(meta)
    assert [f["summary"] for f in findings(data, "role")] == [
        "Administrator on metawiki since 2024-01-01, until 2026-06-01"
    ]
    assert [f["summary"] for f in findings(data, "former_role")] == []  # held again now


def test_a_term_that_ran_out_is_a_former_role(wikis):
    meta = wikis()
    meta.info = globaluserinfo([account(meta.server, "metawiki", 10, ["rollbacker"])])
    meta.logs[f"User:{NAME}"] = [
        rights(1, "2020-01-01T00:00:00Z", [], ["sysop"], sysop="2020-06-01T00:00:00Z"),
        rights(2, "2022-01-01T00:00:00Z", [], ["rollbacker"]),
    ]
    meta.memberships = [{"group": "rollbacker", "expiry": "infinity"}]
    data = report(meta)
    assert [f["summary"] for f in findings(data, "role")] == [
        "Rollbacker on metawiki since 2022-01-01"
    ]
    (former,) = findings(data, "former_role")
    assert former["summary"] == (
        "Former administrator on metawiki, 2020-01-01 until the term ended on 2020-06-01"
    )


def test_rights_logs_are_read_within_the_budget_busiest_first(wikis):
    meta = wikis()
    others = [wikis() for _ in range(11)]
    merged = [account(meta.server, "metawiki", 5, ["sysop"])]
    merged += [account(w.server, f"wiki{n}", 100 - n) for n, w in enumerate(others)]
    meta.info = globaluserinfo(merged)
    data = report(meta, former_role_wikis=3, activity_wikis=0)
    read = [w for w in [meta, *others] if w.asked(letype="rights", letitle=f"User:{NAME}")]
    assert read == [meta, *others[:3]]  # the role's wiki, then the three with most edits
    (named,) = [f for f in findings(data, "former_role") if f["wiki"] == "global"]
    assert named["summary"] == (
        "Rights logs read on 4 of the 12 wikis the account is attached to: "
        "metawiki, wiki0, wiki1, wiki2; former roles given locally on the others were not checked"
    )
