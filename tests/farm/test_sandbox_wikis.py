"""The sandbox's wikis are real MediaWiki, and every seeded fact is visible through the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
from support.helpers import farm_api

from sandbox.seed import operator_session


def user(state: dict, wiki: str, name: str) -> dict:
    props = "editcount|groups|registration|blockinfo"
    return farm_api(state, wiki, list="users", ususers=name, usprop=props)["query"]["users"][0]


@pytest.mark.parametrize("wiki", ["metawiki", "enwiki", "dewiki"])
def test_each_wiki_is_mediawiki_1_39(sandbox, wiki):
    general = farm_api(sandbox, wiki, meta="siteinfo")["query"]["general"]
    assert general["generator"].startswith("MediaWiki 1.39")
    assert general["server"] == sandbox["wikis"][wiki]["server"]


def test_dewiki_speaks_german_so_special_pages_have_german_names(sandbox):
    info = farm_api(sandbox, "dewiki", meta="siteinfo", siprop="general|namespaces")["query"]
    assert info["general"]["lang"] == "de"
    assert info["namespaces"]["-1"]["name"] == "Spezial"


def test_metawiki_has_the_grants_namespaces(sandbox):
    namespaces = farm_api(sandbox, "metawiki", meta="siteinfo", siprop="namespaces")["query"]
    assert namespaces["namespaces"]["200"]["name"] == "Grants"
    assert namespaces["namespaces"]["201"]["name"] == "Grants talk"


def test_short_urls_serve_articles(sandbox):
    reply = requests.get(sandbox["wikis"]["enwiki"]["server"] + "/wiki/Article_1", timeout=30)
    assert reply.status_code == 200
    assert "Article 1" in reply.text


def test_every_seeded_edit_count_is_what_the_state_says(sandbox):
    for name, account in sandbox["accounts"].items():
        if account["role"] == "bot":
            continue  # the bot's own tests edit as ChldpBot
        for wiki, expected in account["wikis"].items():
            assert user(sandbox, wiki, name)["editcount"] == expected["edits"], (name, wiki)


def test_the_long_time_editor_has_thousands_of_edits_over_years_on_two_wikis(sandbox):
    wikis = sandbox["accounts"]["Veteran Editor"]["wikis"]
    assert wikis["enwiki"]["edits"] + wikis["dewiki"]["edits"] >= 2000
    first = datetime.fromisoformat(user(sandbox, "enwiki", "Veteran Editor")["registration"])
    assert (datetime.now(UTC) - first).days > 10 * 365


def test_the_new_account_exists_without_edits(sandbox):
    fresh = user(sandbox, "metawiki", "Fresh Account")
    assert fresh["editcount"] == 0
    assert "missing" not in fresh


def test_the_administrator_is_sysop_and_bureaucrat_on_enwiki(sandbox):
    groups = user(sandbox, "enwiki", "Мария Иванова")["groups"]
    assert {"sysop", "bureaucrat"} <= set(groups)


def test_the_former_administrator_has_a_grant_and_a_removal_in_the_rights_log(sandbox):
    assert "sysop" not in user(sandbox, "dewiki", "Karl Früher")["groups"]
    entries = farm_api(
        sandbox, "dewiki", list="logevents", letype="rights", letitle="User:Karl Früher"
    )["query"]["logevents"]
    removal, grant = entries  # newest first
    assert grant["params"]["newgroups"] == ["sysop"]
    assert removal["params"]["oldgroups"] == ["sysop"] and removal["params"]["newgroups"] == []
    assert grant["timestamp"] < removal["timestamp"] < sandbox["seeded_at"]


def test_the_grant_participant_created_pages_in_the_grants_namespace(sandbox):
    contributions = farm_api(
        sandbox,
        "metawiki",
        list="usercontribs",
        ucuser="Grant Writer",
        ucnamespace=200,
        ucshow="new",
        uclimit=50,
    )["query"]["usercontribs"]
    assert {c["title"] for c in contributions} == {
        "Grants:Project/Grant Writer/Safety tools for editors",
        "Grants:Project/Rapid/Grant Writer/Workshop on documenting harassment",
    }


def test_the_blocked_account_is_blocked_on_enwiki_only(sandbox):
    assert "blockid" in user(sandbox, "enwiki", "Blocked Harasser")
    assert "blockid" not in user(sandbox, "metawiki", "Blocked Harasser")
    blocks = farm_api(sandbox, "enwiki", list="logevents", letype="block", lelimit="max")["query"][
        "logevents"
    ]
    # Of the seeded accounts; tests block accounts of their own (test_block_history.py).
    seeded = {f"User:{name}" for name in sandbox["accounts"]}
    assert [b["title"] for b in blocks if b["title"] in seeded] == ["User:Blocked Harasser"]


def test_one_harassing_revision_has_its_content_hidden(sandbox):
    hidden = sandbox["hidden_revision"]
    revision = farm_api(
        sandbox,
        hidden["wiki"],
        prop="revisions",
        revids=hidden["revid"],
        rvprop="ids|user|content",
    )["query"]["pages"][0]["revisions"][0]
    assert revision["texthidden"] is True
    assert revision["user"] == "Blocked Harasser"


def test_the_bot_logs_in_with_its_botpassword_and_has_the_bot_flag(sandbox):
    bot = sandbox["bot"]
    http = requests.Session()
    meta = sandbox["wikis"]["metawiki"]["api_url"]
    token = http.get(
        meta, params={"action": "query", "meta": "tokens", "type": "login", "format": "json"}
    ).json()["query"]["tokens"]["logintoken"]
    login = http.post(
        meta,
        data={
            "action": "login",
            "lgname": bot["botpassword_user"],
            "lgpassword": bot["botpassword"],
            "lgtoken": token,
            "format": "json",
        },
    ).json()["login"]
    assert login["result"] == "Success"
    assert "bot" in user(sandbox, "metawiki", "ChldpBot")["groups"]


def test_a_seeded_account_logs_in_with_its_password(sandbox):
    # Tests that edit use the operator, so the seeded accounts keep their expected counts.
    session = operator_session(
        sandbox["wikis"]["metawiki"]["api_url"], "Émile", sandbox["accounts"]["Émile"]["password"]
    )
    assert session.get("query", meta="userinfo")["query"]["userinfo"]["name"] == "Émile"
