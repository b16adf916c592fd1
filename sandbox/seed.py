"""Seed a new farm: accounts, years of edits, rights changes, a block, a hidden revision.

Bulk history goes in through MediaWiki's own maintenance scripts (fast); what must leave a
real trace in the logs (rights changes, blocks, revision deletion) goes through the Action
API as the farm's operator, as an administrator would do it.
"""

from __future__ import annotations

import secrets
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import requests

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
from sandbox.dump import YEAR, expected_counts, plan_edits, utcnow, write_dump
from sandbox.mediawiki import SandboxError, run_php

USER_AGENT = "chldp-sandbox/0.1 (seeding a local test farm)"


def seed(root: Path, state: dict) -> dict:
    """Seed every wiki of a farm that is up; return what the farm now holds, for sandbox.json."""
    now = utcnow()
    edits = plan_edits(now)
    botpassword = secrets.token_hex(16)
    with ThreadPoolExecutor(len(WIKIS)) as pool:
        list(pool.map(lambda w: _seed_history(root, w, edits[w], botpassword), WIKIS))
    hidden = _seed_through_api(root, state, now)
    counts = expected_counts(edits, now)
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
        "accounts": {a.name: _describe(a, counts.get(a.name, {})) for a in ACCOUNTS},
    }


def _describe(account: Account, counts: dict[str, dict]) -> dict:
    groups = {
        wiki: sorted(
            {g for g, _ in account.granted.get(wiki, ())}
            - {g for g, _ in account.removed.get(wiki, ())}
        )
        for wiki in wikis_of(account)
    }
    empty = {"edits": 0, "edits_last_year": 0, "first_edit": None, "last_edit": None}
    return {
        "password": PASSWORD,
        "role": account.role,
        "wikis": {w: {**counts.get(w, empty), "groups": groups[w]} for w in wikis_of(account)},
        "global_groups": list(account.global_groups),
        "locked": account.locked,
        "blocked_on": list(account.blocked_on),
    }


def _seed_history(root: Path, wiki: str, edits: list, botpassword: str) -> None:
    """Accounts, imported edits, edit counts and registration dates on one wiki."""
    for account in ACCOUNTS:
        if wiki in wikis_of(account):
            run_php(root, wiki, "createAndPromote.php", account.name, PASSWORD)
    if edits:
        dump = root / wiki / "seed.xml"
        write_dump(edits, dump)
        run_php(root, wiki, "importDump.php", "--no-updates", str(dump))
        run_php(root, wiki, "initEditCount.php")
        # fixUserRegistration.php dates an account by its first edit, but only where no date
        # is set; createAndPromote.php set today's, so clear it for those who edited.
        with sqlite3.connect(root / wiki / "data" / f"{wiki}.sqlite") as db:
            db.execute("UPDATE user SET user_registration = NULL WHERE user_editcount > 0")
        run_php(root, wiki, "fixUserRegistration.php")
    if wiki == "metawiki":
        run_php(
            root,
            wiki,
            "createBotPassword.php",
            f"--appid={BOT_APP}",
            "--grants=basic,editpage,highvolume,createeditmovepage",
            "ChldpBot",
            botpassword,
        )


def _seed_through_api(root: Path, state: dict, now: datetime) -> dict:
    """Rights changes, blocks and a revision deletion, by the operator; the hidden revision."""
    sessions = {wiki: operator_session(_php_api(state, wiki)) for wiki in WIKIS}
    for account in ACCOUNTS:
        for wiki, grants in account.granted.items():
            for group, years_ago in grants:
                _change_rights(sessions[wiki], account.name, add=group)
                _backdate_last_rights_entry(root, wiki, account.name, now, years_ago)
        for wiki, removals in account.removed.items():
            for group, years_ago in removals:
                _change_rights(sessions[wiki], account.name, remove=group)
                _backdate_last_rights_entry(root, wiki, account.name, now, years_ago)
        for wiki in account.blocked_on:
            sessions[wiki].post(
                "block",
                user=account.name,
                expiry="infinite",
                reason="Harassment of other editors: threats and attempts to reveal private data",
                token=sessions[wiki].token("csrf"),
            )
    return _hide_one_harassing_revision(sessions["enwiki"])


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


def _change_rights(api: ApiSession, user: str, add: str = "", remove: str = "") -> None:
    api.post(
        "userrights",
        user=user,
        add=add,
        remove=remove,
        reason="Community decision" if add else "Inactivity, per community policy",
        token=api.token("userrights"),
    )


def _backdate_last_rights_entry(
    root: Path, wiki: str, user: str, now: datetime, years_ago: float
) -> None:
    """Move the newest rights-log entry about `user` into the past, so its history has dates."""
    if not years_ago:
        return
    when = (now - YEAR * years_ago).strftime("%Y%m%d%H%M%S")
    with sqlite3.connect(root / wiki / "data" / f"{wiki}.sqlite") as db:
        db.execute(
            "UPDATE logging SET log_timestamp = ? WHERE log_id = (SELECT MAX(log_id) FROM "
            "logging WHERE log_type = 'rights' AND log_namespace = 2 AND log_title = ?)",
            (when, user.replace(" ", "_")),
        )


def _php_api(state: dict, wiki: str) -> str:
    info = state["wikis"][wiki]
    return info.get("backend_url", info["server"]) + "/w/api.php"


def _version(state: dict) -> str:
    api = ApiSession(_php_api(state, "metawiki"))
    generator = api.get("query", meta="siteinfo")["query"]["general"]["generator"]
    return generator.removeprefix("MediaWiki ")


class ApiSession:
    """A minimal Action API session for seeding: errors stop the seeding with their text."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT

    def get(self, action: str, **params: str | int) -> dict:
        return self._check(self.http.get(self.api_url, params=self._params(action, params)))

    def post(self, action: str, **params: str | int) -> dict:
        return self._check(self.http.post(self.api_url, data=self._params(action, params)))

    def token(self, kind: str) -> str:
        return self.get("query", meta="tokens", type=kind)["query"]["tokens"][f"{kind}token"]

    @staticmethod
    def _params(action: str, params: dict) -> dict:
        return {"action": action, "format": "json", "formatversion": 2, **params}

    @staticmethod
    def _check(reply: requests.Response) -> dict:
        reply.raise_for_status()
        data = reply.json()
        if "error" in data:
            raise SandboxError(f"API error while seeding: {data['error']}")
        return data


def operator_session(api_url: str, user: str = OPERATOR, password: str = PASSWORD) -> ApiSession:
    """An API session logged in with a main account's password (action=clientlogin)."""
    api = ApiSession(api_url)
    result = api.post(
        "clientlogin",
        username=user,
        password=password,
        loginreturnurl="http://127.0.0.1/",
        logintoken=api.token("login"),
    )["clientlogin"]
    if result["status"] != "PASS":
        raise SandboxError(f"{user} could not log in to {api_url}: {result}")
    return api
