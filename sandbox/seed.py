"""Seed a new farm: accounts, years of edits, global accounts, rights, blocks, a hidden revision.

Before the wikis serve (`prepare`), bulk history goes in through MediaWiki's own maintenance
scripts (fast), as local accounts that CentralAuth's migration then makes global. Once they
serve (`seed`), what must leave a real trace in the logs (rights changes, blocks, revision
deletion, a steward's acts, a global rename) goes through the Action API or a special page,
as an administrator or a steward would do it.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from sandbox import extensions, globalaccounts
from sandbox.accounts import (
    ACCOUNTS,
    BOT_APP,
    GLOBAL_GROUP_RIGHTS,
    HARASSMENT_PAGE,
    OPERATOR,
    PASSWORD,
    WIKIS,
    Account,
    wikis_of,
)
from sandbox.api import ApiSession, operator_session
from sandbox.dump import YEAR, expected_counts, plan_edits, write_dump
from sandbox.mediawiki import run_php

PHP_FILES = Path(__file__).with_name("php")
# While the local histories are written, the accounts are not global yet.
LOCAL_ONLY = ("CentralAuth", "GlobalBlocking")


def prepare(root: Path, now: datetime) -> None:
    """Every wiki's tables, accounts and history, then global accounts; no wiki serves yet."""
    data = root / "data"
    extensions.create_central_tables(root / "extensions", data)
    extensions.grant_global_group_rights(data, GLOBAL_GROUP_RIGHTS)
    edits = plan_edits(now)
    with ThreadPoolExecutor(len(WIKIS)) as pool:
        list(pool.map(lambda w: _prepare_wiki(root, w, edits[w]), WIKIS))
    globalaccounts.migrate(root)


def seed(root: Path, state: dict, now: datetime) -> dict:
    """Seed through the wikis that serve now; return what the farm holds, for sandbox.json."""
    botpassword = secrets.token_hex(16)
    run_php(
        root,
        "metawiki",
        "createBotPassword.php",
        f"--appid={BOT_APP}",
        "--grants=basic,editpage,highvolume,createeditmovepage",
        "ChldpBot",
        botpassword,
    )
    sessions = {wiki: operator_session(_php_api(state, wiki)) for wiki in WIKIS}
    temporary = _seed_rights(root, sessions, now)
    blocks = {a.name: [_block(sessions[b.wiki], a, b) for b in a.blocks] for a in ACCOUNTS}
    globalaccounts.appoint_steward(sessions["metawiki"])
    steward = operator_session(_php_api(state, "metawiki"), globalaccounts.STEWARD)
    made = globalaccounts.act_as_steward(steward)
    for account in ACCOUNTS:
        if account.former_name:
            globalaccounts.rename(root, steward, account)
    hidden = _hide_one_harassing_revision(sessions["enwiki"])
    _wait_until_past(temporary)
    counts = expected_counts(plan_edits(now), now)
    return {
        "seeded_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mediawiki_version": _version(state),
        "operator": {"name": OPERATOR, "password": PASSWORD},
        "bot": {
            "name": "ChldpBot",
            "botpassword_user": f"ChldpBot@{BOT_APP}",
            "botpassword": botpassword,
        },
        "hidden_revision": hidden,
        "global_group_rights": GLOBAL_GROUP_RIGHTS,
        "steward": globalaccounts.STEWARD,
        **made,
        "accounts": {
            a.name: _describe(
                a, counts.get(a.seeded_name, {}), temporary.get(a.name, {}), blocks[a.name]
            )
            for a in ACCOUNTS
        },
    }


def _describe(account: Account, counts: dict, temporary: dict, blocks: list[dict]) -> dict:
    """What the farm's API shows of an account, as the tests and the report expect it."""
    now = _api_time(time.time())
    groups = {}
    for wiki in wikis_of(account):
        current = {g for g, _ in account.granted.get(wiki, ())}
        current -= {g for g, _ in account.removed.get(wiki, ())}
        current |= set(account.granted_from_meta.get(wiki, ()))
        current |= {g for g, expiry in temporary.get(wiki, {}).items() if expiry > now}
        groups[wiki] = sorted(current)
    empty = {"edits": 0, "edits_last_year": 0, "first_edit": None, "last_edit": None}
    return {
        "password": PASSWORD,
        "role": account.role,
        "wikis": {
            w: {
                **counts.get(w, empty),
                "groups": groups[w],
                **({"temporary": temporary[w]} if w in temporary else {}),
                **(
                    {"from_meta": list(account.granted_from_meta[w])}
                    if w in account.granted_from_meta
                    else {}
                ),
            }
            for w in wikis_of(account)
        },
        "global_groups": list(account.global_groups),
        "locked": account.locked,
        "hidden": account.hidden or None,
        "former_name": account.former_name or None,
        "blocked_on": list(account.blocked_on),
        "blocks": blocks,
    }


def _prepare_wiki(root: Path, wiki: str, edits: list) -> None:
    """One wiki's extension tables, then its accounts, imported edits, counts and dates."""
    extensions.create_local_tables(root / "extensions", root / "data", wiki)
    if wiki == "metawiki":
        # Translate's tables; GlobalBlocking's updater is MySQL-only (see extensions.py).
        run_php(root, wiki, "update.php", "--quick", without=("GlobalBlocking",))
    names = root / wiki / "accounts.txt"
    names.write_text(
        "".join(f"{a.seeded_name}\n" for a in ACCOUNTS if wiki in wikis_of(a)), encoding="utf-8"
    )
    run_php(root, wiki, PHP_FILES / "createAccounts.php", str(names), PASSWORD, without=LOCAL_ONLY)
    if edits:
        dump = root / wiki / "seed.xml"
        write_dump(edits, dump)
        run_php(root, wiki, "importDump.php", "--no-updates", str(dump), without=LOCAL_ONLY)
        run_php(root, wiki, "initEditCount.php", without=LOCAL_ONLY)
        # fixUserRegistration.php dates an account by its first edit, but only where no date
        # is set; createAndPromote.php set today's, so clear it for those who edited.
        with sqlite3.connect(root / "data" / f"{wiki}.sqlite") as db:
            db.execute("UPDATE user SET user_registration = NULL WHERE user_editcount > 0")
        run_php(root, wiki, "fixUserRegistration.php", without=LOCAL_ONLY)


def _seed_rights(root: Path, sessions: dict[str, ApiSession], now: datetime) -> dict:
    """Rights changes by the operator, backdated; the temporary ones with their expiries."""
    temporary: dict[str, dict[str, dict[str, str]]] = {}
    for account in ACCOUNTS:
        for wiki, grants in account.granted.items():
            for group, years_ago in grants:
                _change_rights(sessions[wiki], account.seeded_name, add=group)
                _backdate_last_rights_entry(root, wiki, account.seeded_name, now, years_ago)
        for wiki, removals in account.removed.items():
            for group, years_ago in removals:
                _change_rights(sessions[wiki], account.seeded_name, remove=group)
                _backdate_last_rights_entry(root, wiki, account.seeded_name, now, years_ago)
        for wiki, grants in account.temporary.items():
            for group, duration in grants:
                expiry = _api_time(time.time() + duration.total_seconds())
                _change_rights(sessions[wiki], account.seeded_name, add=group, expiry=expiry)
                temporary.setdefault(account.name, {}).setdefault(wiki, {})[group] = expiry
    return temporary


def _block(api: ApiSession, account: Account, block) -> dict:
    """A local block by the operator; the block as the wiki describes it."""
    restrictions = {}
    if block.pages or block.namespaces:
        restrictions = {
            "partial": 1,
            "allowusertalk": 1,  # MediaWiki requires it of a partial block
            "pagerestrictions": "|".join(block.pages),
            "namespacerestrictions": "|".join(str(n) for n in block.namespaces),
        }
    api.post(
        "block",
        user=account.seeded_name,
        expiry=block.expiry,
        reason=block.reason,
        **restrictions,
        token=api.token("csrf"),
    )
    found = api.get(
        "query", list="blocks", bkusers=account.seeded_name, bkprop="expiry|reason|restrictions"
    )["query"]["blocks"][0]
    return {
        "wiki": block.wiki,
        "expiry": found["expiry"],
        "reason": found["reason"],
        "sitewide": not restrictions,
        "pages": list(block.pages),
        "namespaces": list(block.namespaces),
    }


def _hide_one_harassing_revision(api: ApiSession) -> dict:
    # MediaWiki refuses to hide the text of a page's current revision: hide an earlier one.
    revisions = api.get("query", prop="revisions", titles=HARASSMENT_PAGE, rvlimit=2, rvprop="ids")[
        "query"
    ]["pages"][0]["revisions"]
    revid = revisions[1]["revid"]
    api.post(
        "revisiondelete",
        type="revision",
        target=HARASSMENT_PAGE,
        ids=str(revid),
        hide="content",
        reason="Private information about an editor",
        token=api.token("csrf"),
    )
    return {"wiki": "enwiki", "revid": revid, "title": HARASSMENT_PAGE, "hidden": ["content"]}


def _change_rights(api: ApiSession, user: str, add: str = "", remove: str = "", **more) -> None:
    api.post(
        "userrights",
        user=user,
        add=add,
        remove=remove,
        reason="Community decision" if add else "Inactivity, per community policy",
        **more,
        token=api.token("userrights"),
    )


def _backdate_last_rights_entry(
    root: Path, wiki: str, user: str, now: datetime, years_ago: float
) -> None:
    """Move the newest rights-log entry about `user` into the past, so its history has dates."""
    if not years_ago:
        return
    when = (now - YEAR * years_ago).strftime("%Y%m%d%H%M%S")
    with sqlite3.connect(root / "data" / f"{wiki}.sqlite") as db:
        db.execute(
            "UPDATE logging SET log_timestamp = ? WHERE log_id = (SELECT MAX(log_id) FROM "
            "logging WHERE log_type = 'rights' AND log_namespace = 2 AND log_title = ?)",
            (when, user.replace(" ", "_")),
        )


def _wait_until_past(temporary: dict) -> None:
    """Wait until the short memberships have ended, so they are former roles when `up` ends."""
    ends = [e for wikis in temporary.values() for groups in wikis.values() for e in groups.values()]
    soon = [e for e in ends if e <= _api_time(time.time() + 60)]
    while soon and max(soon) >= _api_time(time.time()):
        time.sleep(0.2)


def _api_time(seconds: float) -> str:
    """A time as the Action API writes it (ISO 8601, UTC, to the second)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _php_api(state: dict, wiki: str) -> str:
    info = state["wikis"][wiki]
    return info.get("backend_url", info["server"]) + "/w/api.php"


def _version(state: dict) -> str:
    api = ApiSession(_php_api(state, "metawiki"))
    generator = api.get("query", meta="siteinfo")["query"]["general"]["generator"]
    return generator.removeprefix("MediaWiki ")
