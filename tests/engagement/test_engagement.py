"""The engagement report says what the farm's own API says, for each seeded account."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests


def report(name: str, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "webtool", "report", name, *options],
        capture_output=True,
        text=True,
        timeout=120,
    )


def report_json(name: str) -> dict:
    done = report(name, "--json", "--no-cache")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def findings(data: dict, kind: str) -> list[dict]:
    return [f for f in data["findings"] if f["kind"] == kind]


@pytest.mark.parametrize(
    "name",
    [
        "Veteran Editor",
        "Мария Иванова",
        "Karl Früher",
        "Grant Writer",
        "Blocked Harasser",
        "Global Steward",
    ],
)
def test_edit_counts_per_wiki_are_the_farms(sandbox, name):
    data = report_json(name)
    expected = {w: e["edits"] for w, e in sandbox["accounts"][name]["wikis"].items() if e["edits"]}
    assert {w["wiki"]: w["edits"] for w in data["wikis"] if w["edits"]} == expected
    assert data["totals"]["edits"] == sum(expected.values())
    assert data["totals"]["wikis_with_edits"] == len(expected)
    editing = {f["wiki"]: f for f in findings(data, "editing")}
    for wiki, count in expected.items():
        assert editing[wiki]["summary"] == f"{count:,} edits on {wiki}"
        assert editing[wiki]["link"].endswith(
            "/wiki/Special:Contributions/" + requests.utils.quote(name.replace(" ", "_"))
        )


def test_the_long_time_editor_is_labelled_and_dated(sandbox):
    data = report_json("Veteran Editor")
    overall = next(f for f in findings(data, "editing") if f["wiki"] == "global")
    assert overall["summary"].startswith("Sustained editor: 2,112 edits on 3 wikis")
    activity = {f["wiki"]: f for f in findings(data, "activity")}
    enwiki = sandbox["accounts"]["Veteran Editor"]["wikis"]["enwiki"]
    assert activity["enwiki"]["start"] == enwiki["first_edit"]
    assert activity["enwiki"]["end"] == enwiki["last_edit"]
    assert (
        f"{enwiki['edits_last_year']} edits on enwiki in the last 365 days"
        in (activity["enwiki"]["summary"])
    )


def test_current_roles_come_with_the_date_they_were_granted(sandbox):
    roles = findings(report_json("Мария Иванова"), "role")
    assert {r["summary"].split(" since ")[0] for r in roles} == {
        "Administrator on enwiki",
        "Bureaucrat on enwiki",
    }
    assert all(r["start"] and r["start"] < sandbox["seeded_at"] for r in roles)
    assert all("Special:Log/rights?page=User:" in r["link"] for r in roles)


def test_a_former_role_comes_from_the_rights_log_with_its_dates(sandbox):
    data = report_json("Karl Früher")
    assert findings(data, "role") == []
    (former,) = findings(data, "former_role")
    assert former["wiki"] == "dewiki"
    assert former["summary"].startswith("Former administrator on dewiki, ")
    assert former["start"] < former["end"] < sandbox["seeded_at"]


def test_grant_participation_lists_the_grants_pages_created(sandbox):
    grants = findings(report_json("Grant Writer"), "grants")
    assert grants[0]["summary"].startswith("30 edits to 3 pages of the Foundation's grant process")
    assert {g["summary"] for g in grants[1:]} == {
        "Created Grants:Project/Grant Writer/Safety tools for editors",
        "Created Grants talk:Project/Grant Writer/Safety tools for editors",
        "Created Grants:Project/Rapid/Grant Writer/Workshop on documenting harassment",
    }


def test_a_block_is_a_restriction(sandbox):
    (block,) = findings(report_json("Blocked Harasser"), "restriction")
    assert block["wiki"] == "enwiki" and "Blocked on enwiki indefinitely" in block["summary"]
    assert "Special:Log/block?page=User:Blocked_Harasser" in block["link"]


def test_a_global_group_is_a_global_role(sandbox):
    (role,) = findings(report_json("Global Steward"), "global_role")
    assert role["summary"] == "Member of the global group steward"
    assert role["link"].endswith("/wiki/Special:CentralAuth/Global_Steward")


def test_a_new_account_has_no_findings(sandbox):
    data = report_json("Fresh Account")
    assert data["totals"] == {"edits": 0, "wikis_with_edits": 0, "wikis_attached": 1}
    assert data["findings"] == []
    # globaluserinfo, its one wiki's rights log, and Meta's Grants pages, global rights log,
    # log of `User:NAME@…`, and renames with global blocks.
    assert data["api_requests"] <= 6


def test_the_human_report_is_readable(sandbox):
    done = report("Grant Writer")
    assert done.returncode == 0
    assert "70 edits on 2 wikis" in done.stdout and "Grants:" in done.stdout


@pytest.mark.parametrize(
    ("name", "status", "sentence"),
    [
        ("Bad<Name", 2, "cannot contain these characters"),
        ("192.0.2.1", 2, "IP address"),
        ("", 2, "Please enter a username"),
        ("Nobody At All", 3, "no global account named Nobody At All"),
    ],
)
def test_bad_and_unknown_names_exit_with_their_status_and_sentence(sandbox, name, status, sentence):
    done = report(name)
    assert done.returncode == status
    assert sentence in done.stderr


def test_unreachable_wikis_exit_4(sandbox, monkeypatch):
    monkeypatch.setenv("CHLDP_CENTRAL_API", "http://127.0.0.1:9/w/api.php")
    done = report("Veteran Editor", "--no-cache")
    assert done.returncode == 4
    assert "could not be asked" in done.stderr
