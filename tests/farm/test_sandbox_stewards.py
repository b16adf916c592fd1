"""What stewards and administrators did on the farm, as the real extensions log and show it:
rights given from Meta, temporary roles, detailed blocks, a lock, a global rename, a hidden
account, global groups and global blocks. Expectations come from sandbox.json."""

from __future__ import annotations

from datetime import UTC, datetime

from support.helpers import farm_api


def log(state: dict, wiki: str, kind: str, **params) -> list[dict]:
    return farm_api(state, wiki, list="logevents", letype=kind, lelimit="max", **params)["query"][
        "logevents"
    ]


def accounts_with(state: dict, key: str) -> dict[str, dict]:
    return {n: a for n, a in state["accounts"].items() if a.get(key)}


def test_a_stewards_grant_from_meta_is_in_metas_rights_log_only(sandbox):
    for name, account in sandbox["accounts"].items():
        for wiki, facts in account["wikis"].items():
            for group in facts.get("from_meta", []):
                entries = log(sandbox, "metawiki", "rights", leprefix=f"User:{name}@")
                (entry,) = [e for e in entries if e["title"] == f"User:{name}@{wiki}"]
                assert entry["user"] == sandbox["steward"]
                assert group in entry["params"]["newgroups"]
                assert log(sandbox, wiki, "rights", letitle=f"User:{name}") == []
                groups = farm_api(sandbox, wiki, list="users", ususers=name, usprop="groups")
                assert group in groups["query"]["users"][0]["groups"]


def test_temporary_roles_have_their_expiry_and_an_ended_one_is_gone(sandbox):
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    found = 0
    for name, account in sandbox["accounts"].items():
        for wiki, facts in account["wikis"].items():
            temporary = facts.get("temporary", {})
            if not temporary:
                continue
            user = farm_api(sandbox, wiki, list="users", ususers=name, usprop="groupmemberships")
            shown = {m["group"]: m["expiry"] for m in user["query"]["users"][0]["groupmemberships"]}
            for group, expiry in temporary.items():
                found += 1
                if expiry > now:
                    assert shown[group] == expiry
                else:
                    assert group not in shown
            granted = log(sandbox, wiki, "rights", letitle=f"User:{name}")
            expiries = {
                m["group"]: m["expiry"] for e in granted for m in e["params"]["newmetadata"]
            }
            assert expiries == temporary
    assert found >= 2


def test_blocks_have_their_scope_expiry_and_reason(sandbox):
    for name, account in accounts_with(sandbox, "blocks").items():
        for block in account["blocks"]:
            (shown,) = farm_api(
                sandbox,
                block["wiki"],
                list="blocks",
                bkusers=name,
                bkprop="expiry|reason|restrictions",
            )["query"]["blocks"]
            assert shown["expiry"] == block["expiry"]
            assert shown["reason"] == block["reason"]
            if block["sitewide"]:
                assert shown["restrictions"] == []
            else:
                restrictions = shown["restrictions"]
                assert [p["title"] for p in restrictions.get("pages", [])] == block["pages"]
                assert restrictions.get("namespaces", []) == block["namespaces"]


def test_seeded_blocks_include_a_partial_one_and_a_sitewide_one_with_an_expiry(sandbox):
    blocks = [b for a in sandbox["accounts"].values() for b in a["blocks"]]
    assert any(not b["sitewide"] for b in blocks)
    assert any(b["sitewide"] and b["expiry"] != "infinity" for b in blocks)


def test_a_lock_is_logged_on_meta_by_a_steward(sandbox):
    for name in [n for n, a in sandbox["accounts"].items() if a["locked"] and not a["hidden"]]:
        (entry,) = log(sandbox, "metawiki", "globalauth", letitle=f"User:{name}@global")
        assert entry["action"] == "setstatus"
        assert entry["params"]["added"] == ["locked"]
        assert entry["user"] == sandbox["steward"]


def test_global_groups_are_logged_on_meta(sandbox):
    for name, account in accounts_with(sandbox, "global_groups").items():
        (entry,) = log(sandbox, "metawiki", "gblrights", letitle=f"User:{name}")
        assert entry["params"]["newGroups"] == account["global_groups"]


def test_a_global_rename_moved_edits_and_roles_to_the_new_name(sandbox):
    renamed = accounts_with(sandbox, "former_name")
    assert renamed
    for name, account in renamed.items():
        former = account["former_name"]
        (entry,) = log(sandbox, "metawiki", "gblrename")
        assert (entry["params"]["olduser"], entry["params"]["newuser"]) == (former, name)
        for wiki, facts in account["wikis"].items():
            users = farm_api(
                sandbox, wiki, list="users", ususers=f"{name}|{former}", usprop="editcount|groups"
            )["query"]["users"]
            by_name = {u["name"]: u for u in users}
            assert by_name[name]["editcount"] == facts["edits"]
            assert (
                sorted(g for g in by_name[name]["groups"] if g in facts["groups"])
                == facts["groups"]
            )
            assert by_name[former].get("missing") is True
            if facts["edits"]:
                (local,) = log(sandbox, wiki, "renameuser")
                assert local["params"]["newuser"] == name


def test_a_hidden_account_is_hidden_in_the_global_lists(sandbox):
    for name in accounts_with(sandbox, "hidden"):
        users = farm_api(sandbox, "metawiki", list="globalallusers", agufrom=name, agulimit=1)
        assert [u["name"] for u in users["query"]["globalallusers"]] != [name]


def test_global_blocks_answer_on_every_wiki(sandbox):
    assert sandbox["global_blocks"]
    for wiki in sandbox["wikis"]:
        shown = farm_api(sandbox, wiki, list="globalblocks", bgprop="address|expiry|reason|by")[
            "query"
        ]["globalblocks"]
        by_target = {b["address"]: b for b in shown}
        for block in sandbox["global_blocks"]:
            assert by_target[block["target"]]["expiry"] == block["expiry"]
            assert by_target[block["target"]]["reason"] == block["reason"]
            assert by_target[block["target"]]["by"] == sandbox["steward"]
