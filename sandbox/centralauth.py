"""Stand-in for CentralAuth's `meta=globaluserinfo`, computed live from the farm.

Debian does not package CentralAuth. This answers in the shapes of its ApiQueryGlobalUserInfo
(fields, `formatversion=1` and `2`, the error for an invalid name, `missing` for an unknown
one) from what each real wiki says now, so an edit on enwiki shows in `merged[].editcount`.
The farm's rules: a global account is a name that exists on the central wiki (metawiki), whose
local user id is its central id; it is attached wherever the name exists; its home wiki is
where it registered first.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from sandbox.accounts import ACCOUNTS, GLOBAL_GROUP_RIGHTS

USER_AGENT = "chldp-sandbox-centralauth/0.1 (stand-in for CentralAuth on a local farm)"
PROPS = ("groups", "rights", "merged", "unattached", "editcount")


class InvalidUser(Exception):
    """The name is not one MediaWiki accepts as a username."""


class GlobalUsers:
    """Global accounts of the farm, looked up on every wiki's real API."""

    def __init__(self, wikis: dict[str, dict], central: str = "metawiki") -> None:
        # Each wiki's own php, so the stand-in never asks itself.
        self.apis = {w: i.get("backend_url", i["server"]) + "/w/api.php" for w, i in wikis.items()}
        self.servers = {w: i["server"] for w, i in wikis.items()}
        self.central = central
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT
        self.global_groups = {a.name: list(a.global_groups) for a in ACCOUNTS}
        self.locked = {a.name for a in ACCOUNTS if a.locked}

    def info(self, name: str | None, user_id: int | None, props: set[str]) -> dict:
        """The globaluserinfo object (formatversion=2 values) for a name or a central id."""
        if name is None:
            central = self._users(self.central, ususerids=str(user_id))
            if central.get("missing") or "userid" not in central:
                raise LookupError(user_id)
            name = central["name"]
        central = self._users(self.central, ususers=name)
        if central.get("invalid"):
            raise InvalidUser(name)
        if central.get("missing"):
            return {"missing": True}
        name = central["name"]
        with ThreadPoolExecutor(len(self.apis)) as pool:
            found = pool.map(lambda w: self._users(w, ususers=name), self.apis)
            attached = {w: u for w, u in zip(self.apis, found, strict=True) if "userid" in u}
        # The home wiki is where the account registered first.
        home = min(attached, key=lambda w: attached[w].get("registration") or "~")
        data: dict = {
            "home": home,
            "id": central["userid"],
            "registration": attached[home].get("registration"),
            "name": name,
        }
        if name in self.locked:
            data["locked"] = True
        groups = self.global_groups.get(name, [])
        if "groups" in props:
            data["groups"] = groups
        if "rights" in props:
            data["rights"] = sorted({r for g in groups for r in GLOBAL_GROUP_RIGHTS.get(g, [])})
        if "merged" in props:
            data["merged"] = [self._merged(w, u, w == home) for w, u in attached.items()]
        if "editcount" in props:
            data["editcount"] = sum(u.get("editcount", 0) for u in attached.values())
        if "unattached" in props:
            data["unattached"] = []  # every local account of the farm is attached
        return data

    def central_id(self, name: str) -> int | None:
        """The central id of a name, or None when it has no global account."""
        user = self._users(self.central, ususers=name)
        return user.get("userid")

    def _merged(self, wiki: str, user: dict, home: bool) -> dict:
        account = {
            "wiki": wiki,
            "url": self.servers[wiki],
            "id": user["userid"],
            "timestamp": user.get("registration"),
            "method": "primary" if home else "login",
            "editcount": user.get("editcount", 0),
            "registration": user.get("registration"),
        }
        explicit = [m["group"] for m in user.get("groupmemberships", [])]
        if explicit:
            account["groups"] = explicit
        if "blockid" in user:
            expiry = user.get("blockexpiry", "infinite")
            account["blocked"] = {
                "expiry": "infinity" if expiry in ("infinite", "infinity") else expiry,
                "reason": user.get("blockreason", ""),
            }
        return account

    def _users(self, wiki: str, **which: str) -> dict:
        reply = self.http.get(
            self.apis[wiki],
            params={
                "action": "query",
                "list": "users",
                "usprop": "editcount|groupmemberships|registration|blockinfo",
                "format": "json",
                "formatversion": 2,
                **which,
            },
            timeout=10,
        )
        reply.raise_for_status()
        return reply.json()["query"]["users"][0]


def to_formatversion_1(value):
    """CentralAuth's output in formatversion=1: true is "", false is left out."""
    if isinstance(value, dict):
        return {k: to_formatversion_1(v) for k, v in value.items() if v is not False}
    if isinstance(value, list):
        return [to_formatversion_1(v) for v in value]
    return "" if value is True else value
