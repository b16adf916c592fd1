"""The farm runs Wikimedia's real CentralAuth: meta=globaluserinfo answers what the seeding did.

Every expectation comes from sandbox.json (what each seeded account should show) or from the
local wikis' own API; the shapes are CentralAuth REL1_39's.
"""

from __future__ import annotations

import requests
from support.helpers import farm_api

from sandbox.seed import operator_session

# The fields CentralAuth REL1_39's ApiQueryGlobalUserInfo returns, and their types.
ACCOUNT_FIELDS = {"home": str, "id": int, "registration": str, "name": str}
MERGED_FIELDS = {
    "wiki": str,
    "url": str,
    "timestamp": str,
    "method": str,
    "editcount": int,
    "registration": str,
}


def globaluserinfo(state: dict, **params) -> dict:
    reply = requests.get(
        state["centralauth_api_url"],
        params={"action": "query", "meta": "globaluserinfo", "format": "json", **params},
        timeout=30,
    )
    reply.raise_for_status()
    return reply.json()


def info(state: dict, name: str, props: str = "groups|rights|merged|editcount") -> dict:
    reply = globaluserinfo(state, guiuser=name, guiprop=props, formatversion=2)
    return reply["query"]["globaluserinfo"]


def local_user(state: dict, wiki: str, name: str) -> dict:
    answer = farm_api(state, wiki, list="users", ususers=name, usprop="registration")
    return answer["query"]["users"][0]


def test_the_answer_has_the_documented_shape(sandbox):
    answer = info(sandbox, "Veteran Editor", "groups|rights|merged|unattached|editcount")
    for field, kind in ACCOUNT_FIELDS.items():
        assert isinstance(answer[field], kind), field
    assert set(answer) == {*ACCOUNT_FIELDS, "groups", "rights", "merged", "unattached", "editcount"}
    for account in answer["merged"]:
        assert set(MERGED_FIELDS) <= set(account) <= {*MERGED_FIELDS, "groups", "blocked"}
        for field, kind in MERGED_FIELDS.items():
            assert isinstance(account[field], kind), field
    assert answer["unattached"] == []


def test_every_seeded_account_is_global_and_attached_where_it_exists(sandbox):
    for name, expected in sandbox["accounts"].items():
        if expected["hidden"]:
            continue  # the public API hides it (test below)
        answer = info(sandbox, name, "merged")
        assert answer["name"] == name
        assert set(expected["wikis"]) <= {a["wiki"] for a in answer["merged"]}, name


def test_edit_counts_per_wiki_are_the_seeded_ones(sandbox):
    for name, expected in sandbox["accounts"].items():
        if expected["hidden"] or expected["role"] == "bot":
            continue  # the bot's own tests edit as ChldpBot
        answer = info(sandbox, name, "merged|editcount")
        counts = {a["wiki"]: a["editcount"] for a in answer["merged"]}
        assert {w: counts[w] for w in expected["wikis"]} == {
            w: e["edits"] for w, e in expected["wikis"].items()
        }, name
        assert answer["editcount"] == sum(counts.values())


def test_the_home_wiki_is_the_one_with_most_edits_and_registration_the_first(sandbox):
    # CentralAuth's migration chooses the home wiki (privileged accounts first, then edits).
    veteran = info(sandbox, "Veteran Editor", "merged")
    assert veteran["home"] == "enwiki"
    first = min(a["registration"] for a in veteran["merged"])
    assert veteran["registration"] == first
    assert local_user(sandbox, "enwiki", "Veteran Editor")["registration"] == first


def test_local_groups_and_blocks_show_in_merged(sandbox):
    for name, expected in sandbox["accounts"].items():
        if expected["hidden"]:
            continue
        merged = {a["wiki"]: a for a in info(sandbox, name, "merged")["merged"]}
        for wiki, facts in expected["wikis"].items():
            assert sorted(merged[wiki].get("groups", [])) == facts["groups"], (name, wiki)
        blocked = {w for w, a in merged.items() if "blocked" in a}
        assert blocked == set(expected["blocked_on"]), name
        for block in expected["blocks"]:
            shown = merged[block["wiki"]]["blocked"]
            assert shown["reason"] == block["reason"]
            assert shown["expiry"] == block["expiry"]


def test_global_groups_and_their_rights(sandbox):
    for name, expected in sandbox["accounts"].items():
        if expected["hidden"]:
            continue
        answer = info(sandbox, name, "groups|rights")
        assert answer["groups"] == expected["global_groups"], name
        rights = {r for g in expected["global_groups"] for r in sandbox["global_group_rights"][g]}
        assert set(answer["rights"]) == rights, name


def test_locks_are_the_seeded_ones(sandbox):
    for name, expected in sandbox["accounts"].items():
        if expected["hidden"]:
            continue
        assert info(sandbox, name).get("locked", False) is expected["locked"], name


def test_a_hidden_account_is_missing_to_the_public(sandbox):
    hidden = [n for n, a in sandbox["accounts"].items() if a["hidden"]]
    assert hidden
    for name in hidden:
        assert info(sandbox, name) == {"missing": True}
        # It still exists on its wikis: only the global account's lists hide it.
        wiki = next(w for w, e in sandbox["accounts"][name]["wikis"].items() if e["edits"])
        assert "missing" not in local_user(sandbox, wiki, name)


def test_formatversion_1_writes_true_as_empty_string(sandbox):
    reply = globaluserinfo(sandbox, guiuser="Locked Vandal")
    assert reply["batchcomplete"] == ""
    assert reply["query"]["globaluserinfo"]["locked"] == ""
    assert globaluserinfo(sandbox, guiuser="Nobody At All")["query"]["globaluserinfo"] == {
        "missing": ""
    }


def test_an_unknown_user_is_missing(sandbox):
    reply = globaluserinfo(sandbox, guiuser="Nobody At All", formatversion=2)
    assert reply["query"]["globaluserinfo"] == {"missing": True}


def test_lookup_by_central_id(sandbox):
    central_id = info(sandbox, "Grant Writer")["id"]
    by_id = globaluserinfo(sandbox, guiid=central_id, formatversion=2)
    assert by_id["query"]["globaluserinfo"]["name"] == "Grant Writer"


def test_every_wiki_answers_for_the_same_global_account(sandbox):
    ids = {
        wiki: farm_api(sandbox, wiki, meta="globaluserinfo", guiuser="Grant Writer")["query"][
            "globaluserinfo"
        ]["id"]
        for wiki in sandbox["wikis"]
    }
    assert len(set(ids.values())) == 1


def test_other_query_modules_in_the_same_request_still_answer(sandbox):
    reply = globaluserinfo(
        sandbox, meta="globaluserinfo|siteinfo", guiuser="Grant Writer", formatversion=2
    )
    assert reply["query"]["general"]["generator"].startswith("MediaWiki 1.39")
    assert reply["query"]["globaluserinfo"]["name"] == "Grant Writer"


def test_an_edit_on_enwiki_shows_up_at_once(sandbox):
    def enwiki_count() -> int:
        merged = info(sandbox, "Farm Operator", "merged")["merged"]
        return next(a["editcount"] for a in merged if a["wiki"] == "enwiki")

    before = enwiki_count()
    operator = sandbox["operator"]
    session = operator_session(
        sandbox["wikis"]["enwiki"]["api_url"], operator["name"], operator["password"]
    )
    session.post(
        "edit",
        title="User:Farm Operator/Scratch",
        appendtext="\nOne more line.",
        summary="Checking live aggregation",
        token=session.token("csrf"),
    )
    assert enwiki_count() == before + 1


def test_every_other_request_reaches_the_real_wiki(sandbox):
    reply = requests.get(
        sandbox["centralauth_api_url"],
        params={"action": "query", "list": "users", "ususers": "Fresh Account", "format": "json"},
        timeout=30,
    )
    assert reply.json()["query"]["users"][0]["name"] == "Fresh Account"
