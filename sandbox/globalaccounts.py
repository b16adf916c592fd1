"""Global accounts on the farm, through CentralAuth and GlobalBlocking themselves.

The seeded accounts are written as local accounts first (with years of history), then become
global accounts the way Wikimedia's older accounts did: CentralAuth's migration scripts. What
a steward does (global groups, locks, hiding, renames, global blocks) goes through the real
API or special page, as the steward, so every log has its entry.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sandbox.accounts import ACCOUNTS, GLOBAL_BLOCKS, OPERATOR, WIKIS, Account, wikis_of
from sandbox.api import ApiSession
from sandbox.extensions import CENTRAL_DATABASE
from sandbox.mediawiki import SandboxError, run_php

STEWARD = "Global Steward"


def migrate(root: Path) -> None:
    """Make every local account of the farm a global account attached on each wiki."""
    scripts = root / "extensions" / "CentralAuth" / "maintenance"
    for wiki in WIKIS:
        run_php(root, wiki, scripts / "migratePass0.php")
    run_php(root, "metawiki", scripts / "migratePass1.php")
    # Pass 1 attaches only what it can prove is the same person (e-mail); the farm's are.
    names = root / "global-accounts.txt"
    names.write_text(
        "".join(f"{n}\n" for n in [OPERATOR, *(a.seeded_name for a in ACCOUNTS)]),
        encoding="utf-8",
    )
    run_php(root, "metawiki", scripts / "attachAccount.php", f"--userlist={names}")
    _date_global_accounts(root / "data")


def _date_global_accounts(data: Path) -> None:
    """Date each global account by its first local registration, not by the migration.

    The accounts' histories go back years; a global account made today would say otherwise.
    """
    first: dict[str, str] = {}
    for wiki in WIKIS:
        with sqlite3.connect(data / f"{wiki}.sqlite") as db:
            for name, registered in db.execute(
                "SELECT user_name, user_registration FROM user WHERE user_registration IS NOT NULL"
            ):
                first[name] = min(first.get(name, registered), registered)
    with sqlite3.connect(data / f"{CENTRAL_DATABASE}.sqlite") as db:
        db.executemany(
            "UPDATE globaluser SET gu_registration = ? WHERE gu_name = ?",
            [(registered, name) for name, registered in first.items()],
        )


def appoint_steward(operator: ApiSession) -> None:
    """Meta's bureaucrat makes the first steward, who then does the rest."""
    operator.post(
        "globaluserrights",
        user=STEWARD,
        add="steward",
        reason="Elected in the steward elections",
        token=operator.token("userrights"),
    )


def act_as_steward(steward: ApiSession) -> dict:
    """Global groups, locks, hiding, rights on other wikis and global blocks; what was made."""
    for account in ACCOUNTS:
        groups = [g for g in account.global_groups if account.name != STEWARD]
        if groups:
            steward.post(
                "globaluserrights",
                user=account.name,
                add="|".join(groups),
                reason="Per the request for global permissions",
                token=steward.token("userrights"),
            )
        for wiki, wiki_groups in account.granted_from_meta.items():
            steward.post(
                "userrights",
                user=f"{account.name}@{wiki}",
                add="|".join(wiki_groups),
                reason="Per the local community's vote, no local bureaucrat",
                token=steward.token("userrights"),
            )
        if account.locked or account.hidden:
            _set_status(steward, account)
    return {"global_blocks": [_global_block(steward, *block) for block in GLOBAL_BLOCKS]}


def _set_status(steward: ApiSession, account: Account) -> None:
    steward.post(
        "setglobalaccountstatus",
        user=account.name,
        locked="lock" if account.locked else "",
        hidden=account.hidden,
        reason="Cross-wiki abuse" if not account.hidden else "Abusive username",
        token=steward.token("setglobalaccountstatus"),
    )


def _global_block(steward: ApiSession, target: str, expiry: str, reason: str, anon_only: bool):
    steward.post(
        "globalblock",
        target=target,
        expiry=expiry,
        reason=reason,
        **({"anononly": 1} if anon_only else {}),
        token=steward.token("csrf"),
    )
    block = steward.get(
        "query", list="globalblocks", bgaddresses=target, bgprop="address|expiry|reason"
    )["query"]["globalblocks"][0]
    return {"target": target, "expiry": block["expiry"], "reason": block["reason"]}


def rename(root: Path, steward: ApiSession, account: Account) -> None:
    """A global rename through CentralAuth's own form, with its jobs run on every wiki."""
    page = steward.post_form(
        "Special:GlobalRenameUser",
        oldname=account.former_name,
        newname=account.name,
        reason="Requested by the user, who wants a name that is not their old nickname",
        movepages="1",
    )
    if "centralauth-rename-queued" not in page and account.name not in page:
        raise SandboxError(f"the global rename of {account.former_name} did not start")
    # The rename's jobs push more jobs to the other wikis, and the central wiki's own job is
    # queued after the form has answered: run every wiki's jobs until the account is whole.
    deadline = time.monotonic() + 120
    while not _renamed(steward, account):
        if time.monotonic() > deadline:
            raise SandboxError(f"the global rename of {account.former_name} did not finish")
        for wiki in WIKIS:
            run_php(root, wiki, "runJobs.php")


def _renamed(steward: ApiSession, account: Account) -> bool:
    """Whether the account is attached under its new name on every wiki it was on."""
    info = steward.get("query", meta="globaluserinfo", guiuser=account.name, guiprop="merged")
    merged = info["query"]["globaluserinfo"].get("merged", [])
    return len(merged) == len(wikis_of(account))
