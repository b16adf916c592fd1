"""The legal team's keys (DESIGN.md, "Keys held by people"): each member's key pair under
their passphrase (Argon2id) and the session it unlocks; the team key, made by the first admin
to unlock and wrapped to each member an unlocked admin grants it to, and to the recovery key;
a grant deleted as soon as its member is off the staff list; access restored with the recovery
key's private half, which is kept offline."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from program.refusal import Refused
from webtool.infra import db, keys
from webtool.infra.clock import now
from webtool.infra.keys import WrongKey
from webtool.infra.models import HelpRequest, StaffKey, TeamGrant, TeamKey
from webtool.services import guesses
from webtool.services.casework import audit
from webtool.services.sealing import (
    TEAM,
    forget_team_public,
    team_key,
    team_private,
    unlock_session,
)

PASSPHRASE_SHORTEST = 12  # characters


def staff_key(name: str) -> StaffKey | None:
    return db.session().get(StaffKey, name)


def check_passphrase(name: str, passphrase: str, repeated: str) -> None:
    if len(passphrase) < PASSPHRASE_SHORTEST:
        raise Refused("chldp-keys-error-short", PASSPHRASE_SHORTEST)
    if passphrase != repeated:
        raise Refused("chldp-keys-error-repeat")
    if name.casefold() in passphrase.casefold():
        raise Refused("chldp-keys-error-name")


def set_passphrase(name: str, passphrase: str, repeated: str) -> None:
    """A staff member's first key pair, under their passphrase; the session is unlocked."""
    if staff_key(name) is not None:
        raise Refused("chldp-keys-error-exists")
    check_passphrase(name, passphrase, repeated)
    public, private = keys.new_pair()
    locked = keys.lock_with_passphrase(private, passphrase, current_app.config["PASSPHRASE_COST"])
    db.session().add(
        StaffKey(
            name=name,
            public_key=keys.public_text(public),
            private_locked=locked,
            created_at=now(),
            wrong_tries=0,
        )
    )
    audit(name, "staff-key", name, fingerprint=keys.fingerprint(public))
    try:
        db.session().commit()
    except IntegrityError:  # the same form twice at once: the first one made the key
        db.session().rollback()
        raise Refused("chldp-keys-error-exists") from None
    unlock_session(private)


def unlock(name: str, role: str, passphrase: str) -> None:
    """The session unlocked with the passphrase. Wrong ones in a row make the account wait
    (never an address: whoever tries, it is the account that is guessed at). The first admin
    to unlock makes the team key."""
    found = staff_key(name)
    if found is None:
        raise Refused("chldp-keys-error-no-key")
    guesses.refuse_while_waiting(found, "chldp-keys-error-wait")
    try:
        private = keys.unlock_with_passphrase(found.private_locked, passphrase)
    except WrongKey:
        _count_wrong(found)
        raise Refused("chldp-keys-error-wrong") from None
    guesses.guessed_right(found)
    db.session().commit()
    unlock_session(private)
    if role == "admin":
        make_team_if_none(name)


def make_team_if_none(admin: str) -> None:
    """The first admin to unlock makes the team key."""
    found = staff_key(admin)
    if team_key() is None and found is not None:
        create_team(admin, keys.public_from_text(found.public_key))


def _count_wrong(found: StaffKey) -> None:
    guesses.count_wrong(found)
    audit(found.name, "unlock-refused", found.name, wrong_tries=found.wrong_tries)
    db.session().commit()


def change_passphrase(name: str, old: str, new: str, repeated: str) -> None:
    """The same private key under a new passphrase: nothing else is wrapped again."""
    found = staff_key(name)
    if found is None:
        raise Refused("chldp-keys-error-no-key")
    check_passphrase(name, new, repeated)
    try:
        private = keys.unlock_with_passphrase(found.private_locked, old)
    except WrongKey:
        _count_wrong(found)
        raise Refused("chldp-keys-error-wrong") from None
    found.private_locked = keys.lock_with_passphrase(
        private, new, current_app.config["PASSPHRASE_COST"]
    )
    audit(name, "change-passphrase", name)
    db.session().commit()


def create_team(admin: str, admin_public: bytes) -> None:
    """The team key, made by the first admin to unlock: wrapped to them and to the recovery
    key. Once, however many admins unlock at the same moment."""
    public, private = keys.new_pair()
    recovery = current_app.config["RECOVERY_PUBLIC_KEY"]
    session = db.session()
    session.add(
        TeamKey(
            id=TEAM,
            public_key=keys.public_text(public),
            recovery_public_key=keys.public_text(recovery),
            private_for_recovery=keys.seal_to(recovery, private),
            created_at=now(),
            created_by=admin,
        )
    )
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return
    session.merge(
        TeamGrant(
            name=admin,
            private_for_member=keys.seal_to(admin_public, private),
            granted_by=admin,
            granted_at=now(),
        )
    )
    forget_team_public()
    audit(admin, "team-key", "team", fingerprint=keys.fingerprint(public))
    session.commit()


def granted(name: str) -> bool:
    return db.session().get(TeamGrant, name) is not None


def grant(admin: str, name: str, on_list: dict[str, str]) -> None:
    """The team key wrapped to a member's public key, by an unlocked admin who holds it."""
    if name not in on_list:
        raise Refused("chldp-keys-error-not-staff")
    team = team_private()
    if team is None:
        raise Refused("chldp-keys-error-locked")
    member = staff_key(name)
    if member is None:
        raise Refused("chldp-keys-error-no-passphrase", name)
    db.session().merge(
        TeamGrant(
            name=name,
            private_for_member=keys.seal_to(keys.public_from_text(member.public_key), team),
            granted_by=admin,
            granted_at=now(),
        )
    )
    audit(admin, "grant-team-key", name, fingerprint=fingerprint_of(member))
    db.session().commit()


def drop_removed(on_list: dict[str, str]) -> None:
    """Delete the grant of everyone no longer on the staff list, at once."""
    session = db.session()
    gone = [name for name in session.scalars(select(TeamGrant.name)) if name not in on_list]
    if not gone:
        return
    session.execute(delete(TeamGrant).where(TeamGrant.name.in_(gone)))
    for name in gone:
        audit("configuration", "revoke-team-key", name)
    session.commit()


def restore(name: str, recovery_private: bytes) -> int:
    """The team key granted to `name` again with the recovery key's private half (an offline
    step, run by the Foundation); and the keys of cases stored before there was a team key,
    wrapped to it. How many cases were."""
    team = team_key()
    member = staff_key(name)
    if team is None or member is None:
        raise Refused("chldp-keys-error-no-key")
    try:
        private = keys.open_with(recovery_private, team.private_for_recovery)
    except WrongKey:
        raise Refused("chldp-keys-error-recovery") from None
    session = db.session()
    session.merge(
        TeamGrant(
            name=name,
            private_for_member=keys.seal_to(keys.public_from_text(member.public_key), private),
            granted_by="recovery",
            granted_at=now(),
        )
    )
    moved = 0
    for case in session.scalars(select(HelpRequest).where(HelpRequest.case_key_team.is_not(None))):
        try:
            case_private = keys.open_with(recovery_private, case.case_key_team or "")
        except WrongKey:
            continue  # wrapped to the team key already
        case.case_key_team = keys.seal_to(keys.public_from_text(team.public_key), case_private)
        moved += 1
    audit("recovery", "restore-team-key", name, cases=moved)
    session.commit()
    return moved


def fingerprint_of(row: StaffKey | TeamKey) -> str:
    return keys.fingerprint(keys.public_from_text(row.public_key))
