"""Conflict checks. The program pays for lawyers: it must never fund both sides of a dispute,
and a member of the legal team close to a party must step aside.

A case names accounts: the authors of the evidence captured for it, and those the requester
or staff name on it, by central id (a global rename does not hide them). Each is a row sealed
to the case's key by whoever adds it (anyone can seal to a case; only its keys open it), so a
copy of the server learns nothing new. The comparison runs in an unlocked staff session,
which opens every case it may: it tells when an account this case names is another case's
requester, or is named there too, and when this case's requester is named in another.

A member who steps aside no longer opens the case (pages/staff.py refuses it, and the audit
log has it); an admin sees who stepped aside, and why only if they wrote it themselves (the
reason is sealed to the writer's own key).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy import select

from webtool.infra import db, keys
from webtool.infra.clock import now
from webtool.infra.crypto import Sealing
from webtool.infra.keys import WrongKey
from webtool.infra.models import CaseAccount, CaseRecusal, EvidenceBundle, HelpRequest, StaffKey
from webtool.services.casework import audit
from webtool.services.help_requests import opened
from webtool.services.sealing import open_for_case, seal_for_case, staff_private
from webtool.services.wiring import services
from webtool.wikis.api import ApiError, Unavailable

SOURCES = ("evidence", "requester", "staff")


@dataclass(frozen=True)
class Conflict:
    account: str  # the name, as the case knows it
    relation: str  # "requester": the account asked in `reference`; "named": it is named there;
    # "named-requester": this case's requester is named in `reference`
    reference: str


def central_ids(names: list[str]) -> dict[str, int | None]:
    """Each account's central id, asked of the central wiki; None for a name it does not know,
    or when it cannot be asked (the name is kept, and still compared by name)."""
    api = services().api
    found: dict[str, int | None] = {}
    for name in dict.fromkeys(names):
        try:
            answer = api.query(
                current_app.config["API"].central_api,
                action="query",
                meta="globaluserinfo",
                guiuser=name,
            )
        except (ApiError, Unavailable):
            found[name] = None
            continue
        info = answer.get("query", {}).get("globaluserinfo", {})
        found[name] = None if "missing" in info else info.get("id")
    return found


def name_accounts(case: HelpRequest, accounts: dict[str, int | None], source: str) -> None:
    """Accounts added to what `case` names, sealed to its key (the caller commits)."""
    known = {(a["name"], a["id"]) for a in named(case)} if _opens(case) else set()
    for name, central_id in accounts.items():
        if (name, central_id) in known:
            continue
        account = {"id": central_id, "name": name, "source": source}
        db.session().add(
            CaseAccount(
                request_id=case.id,
                at=now(),
                account_sealed=seal_for_case(case, json.dumps(account, ensure_ascii=False)),
            )
        )


def named(case: HelpRequest) -> list[dict]:
    """The accounts `case` names, opened: [{"id", "name", "source"}]; none where this session
    holds no key of the case."""
    rows = db.session().scalars(select(CaseAccount).where(CaseAccount.request_id == case.id))
    found = []
    for row in rows:
        text = open_for_case(case, row.account_sealed)
        if text is not None:
            found.append(json.loads(text))
    return found


def _opens(case: HelpRequest) -> bool:
    return not opened(case).sealed


def evidence_authors(manifest: dict) -> list[str]:
    """The accounts whose edits or log entries a bundle holds (the hidden ones are not known)."""
    names = []
    for item in manifest.get("items", []):
        for revision in item.get("revisions", []):
            if revision.get("user") and "user" not in revision.get("hidden", []):
                names.append(revision["user"])
        log = item.get("log") or {}
        if log.get("user") and not log.get("userhidden"):
            names.append(log["user"])
    return list(dict.fromkeys(names))


def keep_authors(bundle: EvidenceBundle, sealer: Sealing, manifest: dict) -> None:
    """A finished bundle's authors, by central id, under its file key; named on its case at
    once when it was captured for one (the caller commits)."""
    authors = central_ids(evidence_authors(manifest))
    bundle.authors_sealed = sealer.seal(json.dumps(authors, ensure_ascii=False))
    if bundle.request_id is not None:
        case = db.session().get(HelpRequest, bundle.request_id)
        if case is not None:
            name_accounts(case, authors, "evidence")


def attach_authors(bundle: EvidenceBundle, sealer: Sealing, case: HelpRequest) -> None:
    """A bundle attached to a case: its authors become accounts the case names."""
    if bundle.authors_sealed:
        name_accounts(case, json.loads(sealer.open(bundle.authors_sealed)), "evidence")


def conflicts(case: HelpRequest) -> list[Conflict]:
    """What `case` shares with every other case this session opens and may see: an account it
    names that asked for help there, or is named there; its requester named there."""
    mine = named(case)
    requester = opened(case)
    ids = {a["id"] for a in mine if a["id"] is not None}
    names = {a["name"] for a in mine}
    by_id = {a["id"]: a["name"] for a in mine if a["id"] is not None}
    found: list[Conflict] = []
    others = db.session().scalars(select(HelpRequest).where(HelpRequest.id != case.id))
    for other in others:
        if stepped_aside_from(other, g.staff_name):
            continue
        facts = opened(other)
        if facts.sealed:
            continue
        if facts.central_id in ids or facts.name in names:
            account = by_id.get(facts.central_id, facts.name)
            found.append(Conflict(account, "requester", other.reference))
        for account in named(other):
            if (account["id"] is not None and account["id"] in ids) or account["name"] in names:
                found.append(Conflict(account["name"], "named", other.reference))
            if account["id"] == requester.central_id or account["name"] == requester.name:
                found.append(Conflict(account["name"], "named-requester", other.reference))
    return list(dict.fromkeys(found))


def step_aside(case: HelpRequest, staff_name: str, reason: str) -> None:
    """`staff_name` declares a conflict on `case` and no longer opens it; their reason, when
    they give one, sealed to their own key."""
    own = db.session().get(StaffKey, staff_name)
    sealed = None
    if reason.strip() and own is not None:
        sealed = keys.seal_to(keys.public_from_text(own.public_key), reason.strip())
    if db.session().get(CaseRecusal, (case.id, staff_name)) is None:
        db.session().add(
            CaseRecusal(request_id=case.id, name=staff_name, at=now(), reason_sealed=sealed)
        )
    audit(staff_name, "conflict", case.reference)
    db.session().commit()


def stepped_aside_from(case: HelpRequest, staff_name: str) -> bool:
    return db.session().get(CaseRecusal, (case.id, staff_name)) is not None


def stepped_aside_ids(staff_name: str) -> set[int]:
    """The cases `staff_name` stepped aside from."""
    return set(
        db.session().scalars(select(CaseRecusal.request_id).where(CaseRecusal.name == staff_name))
    )


def stepped_aside(case: HelpRequest) -> list[dict]:
    """Who stepped aside from `case`, when, and why where the reader wrote it."""
    rows = db.session().scalars(
        select(CaseRecusal).where(CaseRecusal.request_id == case.id).order_by(CaseRecusal.at)
    )
    private = staff_private()
    found = []
    for row in rows:
        reason = None
        if row.reason_sealed and private is not None and row.name == g.staff_name:
            try:
                reason = keys.open_text(private, row.reason_sealed)
            except WrongKey:
                reason = None  # sealed to a key the member had before a new passphrase
        found.append({"name": row.name, "at": row.at, "reason": reason})
    return found
