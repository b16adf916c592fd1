"""The CentralAuth stand-in answers meta=globaluserinfo in production's shape, live."""

from __future__ import annotations

import requests

from sandbox.seed import operator_session

# The fields CentralAuth's ApiQueryGlobalUserInfo returns, and their types.
ACCOUNT_FIELDS = {"home": str, "id": int, "registration": str, "name": str}
MERGED_FIELDS = {
    "wiki": str,
    "url": str,
    "id": int,
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


def test_the_answer_has_the_documented_shape(sandbox):
    info = globaluserinfo(
        sandbox,
        guiuser="Veteran Editor",
        guiprop="groups|rights|merged|unattached|editcount",
        formatversion=2,
    )["query"]["globaluserinfo"]
    for field, kind in ACCOUNT_FIELDS.items():
        assert isinstance(info[field], kind), field
    assert set(info) == {*ACCOUNT_FIELDS, "groups", "rights", "merged", "unattached", "editcount"}
    for account in info["merged"]:
        assert set(account) == set(MERGED_FIELDS)
        for field, kind in MERGED_FIELDS.items():
            assert isinstance(account[field], kind), field
    assert info["unattached"] == []


def test_edit_counts_and_wikis_come_from_every_wiki(sandbox):
    info = globaluserinfo(
        sandbox, guiuser="Veteran_Editor", guiprop="merged|editcount", formatversion=2
    )["query"]["globaluserinfo"]
    expected = sandbox["accounts"]["Veteran Editor"]["wikis"]
    assert {a["wiki"]: a["editcount"] for a in info["merged"]} == {
        wiki: e["edits"] for wiki, e in expected.items()
    }
    assert info["editcount"] == sum(e["edits"] for e in expected.values())
    assert info["home"] == "enwiki"  # where the account registered first


def test_local_groups_and_blocks_show_in_merged(sandbox):
    admin = globaluserinfo(sandbox, guiuser="Мария Иванова", guiprop="merged", formatversion=2)
    enwiki = next(a for a in admin["query"]["globaluserinfo"]["merged"] if a["wiki"] == "enwiki")
    assert set(enwiki["groups"]) == {"sysop", "bureaucrat"}
    blocked = globaluserinfo(sandbox, guiuser="Blocked Harasser", guiprop="merged", formatversion=2)
    enwiki = next(a for a in blocked["query"]["globaluserinfo"]["merged"] if a["wiki"] == "enwiki")
    assert enwiki["blocked"]["expiry"] == "infinity"
    assert "Harassment" in enwiki["blocked"]["reason"]


def test_global_groups_rights_and_lock(sandbox):
    steward = globaluserinfo(
        sandbox, guiuser="Global Steward", guiprop="groups|rights", formatversion=2
    )["query"]["globaluserinfo"]
    assert steward["groups"] == ["steward"]
    assert "centralauth-lock" in steward["rights"]
    locked = globaluserinfo(sandbox, guiuser="Locked Vandal", formatversion=2)
    assert locked["query"]["globaluserinfo"]["locked"] is True
    assert "locked" not in steward


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


def test_an_invalid_name_is_an_api_error(sandbox):
    reply = globaluserinfo(sandbox, guiuser="Bad<Name", formatversion=2, errorformat="plaintext")
    assert reply["errors"][0]["code"] == "baduser"
    assert reply["errors"][0]["module"] == "query+globaluserinfo"
    assert globaluserinfo(sandbox, guiuser="Bad<Name")["error"]["code"] == "baduser"


def test_lookup_by_central_id(sandbox):
    by_name = globaluserinfo(sandbox, guiuser="Grant Writer", formatversion=2)
    central_id = by_name["query"]["globaluserinfo"]["id"]
    by_id = globaluserinfo(sandbox, guiid=central_id, formatversion=2)
    assert by_id["query"]["globaluserinfo"]["name"] == "Grant Writer"


def test_other_query_modules_in_the_same_request_still_answer(sandbox):
    reply = globaluserinfo(
        sandbox, meta="globaluserinfo|siteinfo", guiuser="Grant Writer", formatversion=2
    )
    assert reply["query"]["general"]["generator"].startswith("MediaWiki 1.39")
    assert reply["query"]["globaluserinfo"]["name"] == "Grant Writer"


def test_an_edit_on_enwiki_shows_up_at_once(sandbox):
    def enwiki_count() -> int:
        info = globaluserinfo(sandbox, guiuser="Farm Operator", guiprop="merged", formatversion=2)
        merged = info["query"]["globaluserinfo"]["merged"]
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
