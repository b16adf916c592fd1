"""The legal team's keys made for tests: the team key, wrapped to the recovery key of the
tool's instance folder; a staff member's key under PASSPHRASE with a grant of the team key;
a session unlocked. Written as rows, as the pages would, without the audit entries the pages
write (tests count those)."""

from __future__ import annotations

from pathlib import Path

from webtool.infra import db, keys
from webtool.infra.clock import now
from webtool.infra.keys import Cost
from webtool.infra.models import StaffKey, TeamGrant, TeamKey, UserSession

PASSPHRASE = "a passphrase kept for tests"
TEAM = 1


def recovery_private(app) -> bytes:
    """The recovery key's private half that a laptop's instance folder keeps."""
    text = (Path(app.instance_path) / "recovery-private.key").read_text()
    return keys.private_from_text(text)


def team_ready(app, members: tuple[str, ...] = ()) -> None:
    """The team key made (wrapped to the instance's recovery key), and each of `members`
    given a key under PASSPHRASE and the team key."""
    with app.app_context():
        session = db.session()
        if session.get(TeamKey, TEAM) is None:
            public, private = keys.new_pair()
            recovery = app.config["RECOVERY_PUBLIC_KEY"]
            session.add(
                TeamKey(
                    id=TEAM,
                    public_key=keys.public_text(public),
                    recovery_public_key=keys.public_text(recovery),
                    private_for_recovery=keys.seal_to(recovery, private),
                    created_at=now(),
                    created_by="tests",
                )
            )
            session.commit()
        for name in members:
            member_key(app, name)


def team_private(app) -> bytes:
    team = db.session().get(TeamKey, TEAM)
    return keys.open_with(recovery_private(app), team.private_for_recovery)


def member_key(app, name: str, granted: bool = True) -> bytes:
    """`name`'s private key (made under PASSPHRASE if missing), granted the team key."""
    session = db.session()
    found = session.get(StaffKey, name)
    if found is None:
        public, private = keys.new_pair()
        cost: Cost = app.config["PASSPHRASE_COST"]
        found = StaffKey(
            name=name,
            public_key=keys.public_text(public),
            private_locked=keys.lock_with_passphrase(private, PASSPHRASE, cost),
            created_at=now(),
            wrong_tries=0,
        )
        session.add(found)
    private = keys.unlock_with_passphrase(found.private_locked, PASSPHRASE)
    if granted and session.get(TeamGrant, name) is None:
        session.add(
            TeamGrant(
                name=name,
                private_for_member=keys.seal_to(keys.public_of(private), team_private(app)),
                granted_by="tests",
                granted_at=now(),
            )
        )
    session.commit()
    return private


def unlock(app, name: str, token: str, granted: bool = True) -> None:
    """The session of `token` unlocked by `name`, who holds the team key unless not `granted`."""
    team_ready(app)
    with app.app_context():
        private = member_key(app, name, granted)
        db.session().query(UserSession).filter_by(token_hash=keys.token_hash(token)).update(
            {"unlocked": keys.lock_with_secret(private, token, "unlocked session")}
        )
        db.session().commit()


def holding_team_key(app) -> None:
    """Inside an app context: this context opens what is sealed to the team, as an unlocked
    member's request does."""
    from flask import g

    g.held_keys = {"team": team_private(app)}


def holding_requester_key(client) -> None:
    """Inside an app context: this context opens what is sealed to the requester whose
    browser `client` is, with the device key its cookie holds."""
    from flask import g

    from webtool.infra.models import RequesterDevice
    from webtool.services.sealing import DEVICE_COOKIE

    number, _, secret = client.get_cookie(DEVICE_COOKIE).value.partition(".")
    device = db.session().get(RequesterDevice, int(number))
    held = g.get("held_keys") or {}
    held["requester"] = keys.unlock_with_secret(device.private_locked, secret, "device")
    g.held_keys = held
