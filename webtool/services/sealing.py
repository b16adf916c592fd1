"""What a request may open of what is sealed to people (DESIGN.md, "Keys held by people"):
the unlocked staff member's private key, the team's private key through their grant, each
case's private key, the requester's private key from this browser's device key. Worked out
once per request and kept in `g`; the grant is read afresh on every request, so a grant
deleted ends access at once.

Anyone may seal: to a case's public key (`seal_for_case`), to the team's (`seal_for_team`).
A copy of the server opens none of it: private keys are stored only wrapped, under a
passphrase, under a public key, or under a secret that only a cookie holds.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, has_request_context, request, session
from sqlalchemy import update

from program.refusal import Refused
from webtool.infra import db, keys
from webtool.infra.crypto import Sealing
from webtool.infra.keyed import account_key
from webtool.infra.keys import WrongKey, token_hash
from webtool.infra.models import (
    EvidenceBundle,
    HelpRequest,
    RequesterDevice,
    TeamGrant,
    TeamKey,
    UserSession,
)
from webtool.services.wiring import services

DEVICE_COOKIE = "chldp_device"
DEVICE_DAYS = 400  # the longest a browser keeps a cookie
TEAM = 1  # the team key's row: there is one


def _held() -> dict[Any, Any]:
    """What this request has opened so far."""
    if "held_keys" not in g:
        g.held_keys = {}
    return g.held_keys


# The legal team's keys.


def unlock_session(private: bytes) -> None:
    """The private key kept with this session, under a key derived from its token: only the
    cookie holds the token, so the row alone opens nothing, and the session's end ends it."""
    token = session.get("sid")
    if not isinstance(token, str):
        raise Refused("chldp-keys-error-session")
    db.session().execute(
        update(UserSession)
        .where(UserSession.token_hash == token_hash(token))
        .values(unlocked=keys.lock_with_secret(private, token, "unlocked session"))
    )
    db.session().commit()
    _held()["staff"] = private


def staff_private() -> bytes | None:
    """The signed-in staff member's private key, when their session is unlocked: the session's
    row as the session check read it (sessions.py), opened with the cookie's token."""
    held = _held()
    if "staff" not in held:
        held["staff"] = None
        token = session.get("sid") if has_request_context() else None
        locked = g.get("session_unlocked")
        if isinstance(token, str) and locked:
            held["staff"] = keys.unlock_with_secret(locked, token, "unlocked session")
    return held["staff"]


def team_key() -> TeamKey | None:
    return db.session().get(TeamKey, TEAM)


def recovery_public() -> bytes:
    """The recovery key the team key is wrapped to: the one configured when it was made."""
    team = team_key()
    if team is not None:
        return keys.public_from_text(team.recovery_public_key)
    return current_app.config["RECOVERY_PUBLIC_KEY"]


def team_public() -> bytes:
    """What the books, the audit log and cases' keys are sealed to: the team's public key, or
    the recovery key's while there is no team key yet."""
    held = _held()
    if "team public" not in held:
        team = team_key()
        held["team public"] = (
            keys.public_from_text(team.public_key)
            if team
            else current_app.config["RECOVERY_PUBLIC_KEY"]
        )
    return held["team public"]


def forget_team_public() -> None:
    """After the team key is made: what is sealed next goes to it."""
    _held().pop("team public", None)


def team_private() -> bytes | None:
    """The team's private key, through the signed-in member's grant, read afresh."""
    held = _held()
    if "team" not in held:
        held["team"] = None
        name, private = g.get("staff_name"), staff_private()
        grant = db.session().get(TeamGrant, name) if name and private else None
        if grant is not None and private is not None:
            try:
                held["team"] = keys.open_with(private, grant.private_for_member)
            except WrongKey:
                pass  # granted to a key this member no longer has
    return held["team"]


# Cases.


def new_case_key(requester_public: bytes | None) -> dict[str, str | None]:
    """A case's key pair, as the request's columns keep it."""
    public, private = keys.new_pair()
    return {
        "case_public_key": keys.public_text(public),
        "case_key_team": keys.seal_to(team_public(), private),
        "case_key_requester": (
            keys.seal_to(requester_public, private) if requester_public else None
        ),
    }


def case_private(case: HelpRequest) -> bytes | None:
    """The case's private key, when this request holds the team's key or the requester's."""
    held = _held()
    slot = f"case {case.id}"
    if slot not in held:
        held[slot] = None
        for wrapped, opener in (
            (case.case_key_team, team_private),
            (case.case_key_requester, requester_private),
        ):
            private = opener() if wrapped else None
            if wrapped and private:
                try:
                    held[slot] = keys.open_with(_opener(private), wrapped)
                    break
                except WrongKey:
                    continue
    return held[slot]


def seal_for_case(case: HelpRequest, text: str) -> str:
    """Sealed to the case's public key: anyone can add to a case, only its keys' holders read.
    A request stored before keys held by people stays under the server's key until
    `reseal-cases` gives it its own."""
    if not case.case_public_key:
        return services().sealer.seal(text)
    return keys.seal_to(keys.public_from_text(case.case_public_key), text)


def open_for_case(case: HelpRequest, value: str) -> str | None:
    """The text, or None when this request holds no key of the case."""
    if not keys.is_sealed_to_key(value):
        return services().sealer.open(value)
    private = case_private(case)
    if private is None:
        return None
    public = keys.public_from_text(case.case_public_key) if case.case_public_key else None
    return keys.open_text(_opener(private, public), value)


def _opener(private: bytes, public: bytes | None = None) -> keys.Opener:
    """A keys.Opener of a private key, made once per request."""
    held = _held()
    if ("opener", private) not in held:
        held[("opener", private)] = keys.Opener(private, public)
    return held[("opener", private)]


def seal_for_team(text: str) -> str:
    return keys.seal_to(team_public(), text)


def open_for_team(value: str) -> str | None:
    """The text, or None when this request does not hold the team key (or the value was
    sealed to the recovery key, before there was a team key)."""
    if not keys.is_sealed_to_key(value):
        return services().sealer.open(value)
    private = team_private()
    if private is None:
        return None
    try:
        return keys.open_text(_opener(private), value)
    except WrongKey:
        return None


# The requester's side.


def hold_requester_private(private: bytes) -> None:
    """The requester's private key, opened or made by this request (requester_keys.py)."""
    _held()["requester"] = private


def requester_private() -> bytes | None:
    """The signed-in requester's private key, when this browser holds the device key."""
    held = _held()
    if "requester" not in held:
        held["requester"] = None
        user = session.get("user") if has_request_context() else None
        cookie = request.cookies.get(DEVICE_COOKIE, "") if has_request_context() else ""
        number, _, secret = cookie.partition(".")
        device = db.session().get(RequesterDevice, int(number)) if number.isdigit() else None
        if user and device is not None and device.account_key == account_key(user):
            try:
                held["requester"] = keys.unlock_with_secret(device.private_locked, secret, "device")
            except (WrongKey, ValueError):
                pass
    return held["requester"]


# Evidence bundles.


def new_file_key(
    case: HelpRequest | None, requester: bytes | None = None
) -> tuple[bytes, dict[str, str | None]]:
    """A bundle's file key, and its columns: wrapped under the server's key for the capture,
    to the public key of the requester who captures it, and to the case's when it is captured
    for a case."""
    key = keys.new_file_key()
    return key, {
        "file_key_sealed": services().sealer.seal_bytes(key),
        "file_key_requester": keys.seal_to(requester, key) if requester else None,
        "file_key_case": _for_case(case, key),
    }


def _for_case(case: HelpRequest | None, key: bytes) -> str | None:
    if case is None or not case.case_public_key:
        return None
    return keys.seal_to(keys.public_from_text(case.case_public_key), key)


def bundle_sealer(bundle: EvidenceBundle) -> Sealing | None:
    """What opens the bundle's columns and items here, or None when this request holds no key
    of it: not the requester's who captured it, nor the case's it is attached to."""
    if bundle.file_key_sealed:
        return keys.FileSealer(services().sealer.open_bytes(bundle.file_key_sealed))
    if not (bundle.file_key_requester or bundle.file_key_case):
        return services().sealer  # a bundle from before keys held by people
    mine = requester_private() if bundle.file_key_requester else None
    if mine is not None:
        try:
            return keys.FileSealer(keys.open_with(_opener(mine), bundle.file_key_requester or ""))
        except WrongKey:
            pass  # another account's bundle, or a key renewed since: the case may open it
    if bundle.file_key_case and bundle.request_id is not None:
        case = db.session().get(HelpRequest, bundle.request_id)
        private = case_private(case) if case else None
        if private is not None:
            return keys.FileSealer(keys.open_with(_opener(private), bundle.file_key_case))
    return None


def attach_file_key(bundle: EvidenceBundle, case: HelpRequest) -> None:
    """The bundle's file key sealed to the case it is attached to, the file itself untouched;
    once the capture has ended, the server's wrap goes, and only the case's keys open it."""
    sealer = bundle_sealer(bundle)
    if not isinstance(sealer, keys.FileSealer) or not case.case_public_key:
        return
    bundle.file_key_case = _for_case(case, bytes(sealer.box))
    if bundle.status in ("done", "failed"):
        captured(bundle)


def captured(bundle: EvidenceBundle) -> None:
    """At the end of a capture: a bundle sealed to its requester or to a case keeps no key the
    server opens."""
    if bundle.file_key_case or bundle.file_key_requester:
        bundle.file_key_sealed = None
