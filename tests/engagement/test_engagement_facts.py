"""Facts the engagement report reads beyond globaluserinfo, checked against the farm's real
CentralAuth and GlobalBlocking: what their APIs answer, and what sandbox.json says each seeded
account should show.
"""

from __future__ import annotations

import dataclasses
import logging
import subprocess
import sys
from urllib.parse import quote

import pytest
from sqlalchemy import select
from support.helpers import farm_api, look_up
from support.logins import log_in

from program.engagement import load_rules
from webtool.infra import db
from webtool.infra.models import EngagementReport
from webtool.wikis.api import ApiClient
from webtool.wikis.engagement import Collector, UserNotFound


class OneCount(ApiClient):
    """A client whose report counts on the client itself, to be read after a failure."""

    def counting(self) -> ApiClient:
        return self


def log_entries(sandbox: dict, wiki: str, **params: str) -> list[dict]:
    return farm_api(sandbox, wiki, list="logevents", lelimit="max", ledir="newer", **params)[
        "query"
    ]["logevents"]


def gather(sandbox: dict, name: str, former_role_wikis: int | None = None) -> dict:
    rules = load_rules()
    if former_role_wikis is not None:
        rules = dataclasses.replace(rules, former_role_wikis=former_role_wikis)
    collector = Collector(ApiClient(), sandbox["centralauth_api_url"], rules=rules)
    return collector.report(name).to_dict()


def found(report: dict, kind: str, wiki: str | None = None) -> list[dict]:
    return [f for f in report["findings"] if f["kind"] == kind and wiki in (None, f["wiki"])]


def page(title: str) -> str:
    return quote(title.replace(" ", "_"), safe=":/@")


def test_a_role_given_from_meta_is_dated_by_metas_log(sandbox):
    account = sandbox["accounts"]["Appointed Admin"]
    assert account["wikis"]["enwiki"]["from_meta"] == ["sysop"]
    # enwiki's own log is silent; Meta's has the steward's entry about `NAME@enwiki`.
    assert log_entries(sandbox, "enwiki", letype="rights", letitle="User:Appointed Admin") == []
    (entry,) = log_entries(
        sandbox, "metawiki", letype="rights", letitle="User:Appointed Admin@enwiki"
    )
    (role,) = found(gather(sandbox, "Appointed Admin"), "role")
    assert role["wiki"] == "enwiki"
    assert role["summary"] == f"Administrator on enwiki since {entry['timestamp'][:10]}"
    assert role["start"] == entry["timestamp"]
    assert role["link"] == (
        sandbox["wikis"]["metawiki"]["server"]
        + "/wiki/Special:Log/rights?page="
        + page("User:Appointed Admin@enwiki")
    )


def test_a_temporary_role_shows_its_expiry_and_an_expired_one_is_former(sandbox):
    temporary = sandbox["accounts"]["Interim Admin"]["wikis"]["enwiki"]["temporary"]
    # CentralAuth REL1_39 gives a wiki's groups by name only; the wiki itself gives expiries.
    info = farm_api(
        sandbox, "metawiki", meta="globaluserinfo", guiuser="Interim Admin", guiprop="merged"
    )
    enwiki = next(a for a in info["query"]["globaluserinfo"]["merged"] if a["wiki"] == "enwiki")
    assert enwiki["groups"] == ["rollbacker"]
    (user,) = farm_api(
        sandbox, "enwiki", list="users", ususers="Interim Admin", usprop="groupmemberships"
    )["query"]["users"]
    assert user["groupmemberships"] == [{"group": "rollbacker", "expiry": temporary["rollbacker"]}]

    report = gather(sandbox, "Interim Admin")
    (role,) = found(report, "role")
    assert role["end"] == temporary["rollbacker"]
    assert role["summary"].startswith("Rollbacker on enwiki since ")
    assert role["summary"].endswith(f", until {temporary['rollbacker'][:10]}")
    (former,) = found(report, "former_role")
    assert former["end"] == temporary["sysop"]
    assert former["summary"].startswith("Former administrator on enwiki, ")
    assert former["summary"].endswith(f"until the term ended on {temporary['sysop'][:10]}")


def test_former_roles_are_read_within_the_budget_and_the_wikis_read_are_named(sandbox):
    attached = list(sandbox["accounts"]["Karl Früher"]["wikis"])
    assert len(attached) == 2 and sandbox["accounts"]["Karl Früher"]["wikis"]["dewiki"]["edits"]
    whole = gather(sandbox, "Karl Früher")
    assert [f["wiki"] for f in found(whole, "former_role")] == ["dewiki"]  # every log read

    # A budget of one reads the wiki with the most edits, and says which one it read.
    one = gather(sandbox, "Karl Früher", former_role_wikis=1)
    assert one["api_requests"] == whole["api_requests"] - 1
    former, read = found(one, "former_role")
    assert former["wiki"] == "dewiki"
    assert read["summary"] == (
        "Rights logs read on 1 of the 2 wikis the account is attached to: dewiki; "
        "former roles given locally on the others were not checked"
    )
    assert read["link"].endswith("/wiki/Special:CentralAuth/Karl_Fr%C3%BCher")

    none = gather(sandbox, "Karl Früher", former_role_wikis=0)
    assert found(none, "former_role")[0]["summary"].startswith("Rights logs read on 0 of the 2")


def test_blocks_say_whether_sitewide_or_partial_with_end_and_reason(sandbox):
    report = gather(sandbox, "Edit Warrior")
    restrictions = {f["wiki"]: f for f in found(report, "restriction")}
    blocks = sandbox["accounts"]["Edit Warrior"]["blocks"]
    assert set(restrictions) == {b["wiki"] for b in blocks}
    namespaces = farm_api(sandbox, "dewiki", meta="siteinfo", siprop="namespaces")["query"][
        "namespaces"
    ]
    for block in blocks:
        finding = restrictions[block["wiki"]]
        assert finding["end"] == block["expiry"]
        assert finding["link"].endswith("/wiki/Special:Log/block?page=User:Edit_Warrior")
        if block["sitewide"]:
            assert finding["summary"] == (
                f"Blocked on {block['wiki']} until {block['expiry'][:10]}: {block['reason']}"
            )
        else:
            names = ", ".join(namespaces[str(n)]["name"] for n in block["namespaces"])
            assert finding["summary"] == (
                f"Partially blocked on {block['wiki']} until {block['expiry'][:10]} "
                f"(pages: {', '.join(block['pages'])}; namespaces: {names}): {block['reason']}"
            )


def test_a_lock_is_dated_by_the_stewards_log_entry(sandbox):
    assert sandbox["accounts"]["Locked Vandal"]["locked"]
    (entry,) = log_entries(
        sandbox, "metawiki", letype="globalauth", letitle="User:Locked Vandal@global"
    )
    assert entry["action"] == "setstatus" and entry["params"]["added"] == ["locked"]
    report = gather(sandbox, "Locked Vandal")
    assert report["user"]["locked"] is True
    (lock,) = found(report, "restriction")
    assert lock["summary"] == (
        f"The global account has been locked since {entry['timestamp'][:10]}: {entry['comment']}"
    )
    assert lock["link"] == (
        f"{sandbox['wikis']['metawiki']['server']}/wiki/Special:Log?logid={entry['logid']}"
    )


def test_a_renamed_account_says_its_former_name_with_what_it_did_under_it(sandbox):
    account = sandbox["accounts"]["Renamed Editor"]
    (entry,) = log_entries(
        sandbox, "metawiki", letype="gblrename", letitle="Special:CentralAuth/Renamed Editor"
    )
    assert entry["params"]["olduser"] == account["former_name"] == "Old Nickname"
    report = gather(sandbox, "Renamed Editor")
    assert report["user"]["former_names"] == [account["former_name"]]
    (renamed,) = found(report, "account")
    assert renamed["summary"] == f"Formerly Old Nickname (renamed on {entry['timestamp'][:10]})"
    assert renamed["link"].endswith(f"/wiki/Special:Log?logid={entry['logid']}")
    # The edits and the dewiki role from before the rename are the account's now.
    edits = {w: e["edits"] for w, e in account["wikis"].items() if e["edits"]}
    assert {w["wiki"]: w["edits"] for w in report["wikis"] if w["edits"]} == edits
    (grant,) = log_entries(sandbox, "dewiki", letype="rights", letitle="User:Renamed Editor")
    (role,) = found(report, "role")
    assert account["wikis"]["dewiki"]["groups"] == ["sysop"]
    assert role["summary"] == f"Administrator on dewiki since {grant['timestamp'][:10]}"


def test_the_human_report_says_the_former_name(sandbox):
    from webtool.__main__ import readable

    text = readable(gather(sandbox, "Renamed Editor"))
    assert "Renamed Editor (central id" in text and ", formerly Old Nickname" in text
    assert "The account:\n  - Formerly Old Nickname" in text


def test_a_hidden_account_is_no_such_account_and_nothing_more_is_asked(sandbox):
    assert sandbox["accounts"]["Hidden Account"]["hidden"]
    info = farm_api(sandbox, "metawiki", meta="globaluserinfo", guiuser="Hidden Account")
    assert info["query"]["globaluserinfo"] == {"missing": True}
    client = OneCount()
    with pytest.raises(UserNotFound) as raised:
        Collector(client, sandbox["centralauth_api_url"]).report("Hidden Account")
    assert str(raised.value) == "Hidden Account"
    assert client.requests_made == 1  # globaluserinfo, nothing about its logs or wikis


def test_a_hidden_account_at_the_command_line_is_no_such_account(sandbox):
    done = subprocess.run(
        [sys.executable, "-m", "webtool", "report", "Hidden Account", "--no-cache"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr == "error: there is no global account named Hidden Account.\n"


def test_a_hidden_account_leaks_nowhere_in_the_web_tool(sandbox, app, client, caplog, monkeypatch):
    monkeypatch.setenv("CHLDP_STAFF", "Jane Doe:admin")
    log_in(client, {"name": "Jane Doe", "id": 10})
    caplog.set_level(logging.DEBUG)
    page_text = look_up(client, "Hidden Account")
    assert 'class="findings"' not in page_text
    assert "There is no global account named Hidden Account." in page_text
    with app.app_context():
        kept = db.session().scalars(select(EngagementReport.report_sealed)).all()
    assert kept == [None]  # asked once, and nothing of it kept
    # What the wikis know of it (its wiki, its lock and the reason) is in no page or log line.
    lines = [record.getMessage() for record in caplog.records]
    for secret in ("enwiki", "locked", "Abusive username", "Cross-wiki"):
        assert secret not in page_text
        assert not [line for line in lines if secret in line]


def test_the_farms_global_blocking_cannot_block_accounts_and_the_report_says_nothing(sandbox):
    # REL1_39 does not know `bgtargets`: it warns, and lists every global block instead.
    answer = farm_api(sandbox, "metawiki", list="globalblocks", bgtargets="Edit Warrior")
    assert "bgtargets" in str(answer["warnings"])
    listed = {b["address"] for b in answer["query"]["globalblocks"]}
    assert listed == {b["target"] for b in sandbox["global_blocks"]}
    for name in ("Edit Warrior", "Veteran Editor", "Locked Vandal"):
        messages = [f["message"] for f in gather(sandbox, name)["findings"]]
        assert not [m for m in messages if m.startswith("chldp-finding-global-block")]
