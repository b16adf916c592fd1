"""Who is staff: names and roles from CHLDP_STAFF ("Jane Doe:admin,Émile:reviewer") or from
the file CHLDP_STAFF_FILE names (one "name:role" a line), each name pinned to the central id
of the account that first used it. Read again on every request, so a name removed loses
access at its next request."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from webtool.infra import db
from webtool.infra.accounts import User
from webtool.infra.clock import now
from webtool.infra.models import StaffPin
from webtool.services.casework import audit

ROLES = ("reviewer", "admin")


def staff_roles(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if environ is None else environ
    text = env.get("CHLDP_STAFF", "")
    if env.get("CHLDP_STAFF_FILE"):
        text = Path(env["CHLDP_STAFF_FILE"]).read_text(encoding="utf-8").replace("\n", ",")
    roles: dict[str, str] = {}
    for entry in text.split(","):
        name, _, role = entry.strip().rpartition(":")
        if name and role in ROLES:
            roles[name.strip().replace("_", " ")] = role
    return roles


def role_of(name: str | None) -> str | None:
    """The staff role of an account, or None for everyone else."""
    return staff_roles().get(name) if name else None


def staff_role(user: User | None) -> tuple[str | None, str]:
    """(role, "") for a member of the legal team, else (None, why not).

    The configuration names people; the first time a name is used as staff, the central id
    of the account behind it (verified by the OAuth login) is pinned. From then on only that
    account has the role: a renamed or usurped name does not inherit it.
    """
    if user is None:
        return None, "not logged in"
    role = role_of(user["name"])
    if role is None:
        return None, "not staff"
    session = db.session()
    pin = session.get(StaffPin, user["name"])
    if pin is None:
        pin = _pin(user, role)
    if pin.central_id != user["id"]:
        return None, f"the name is pinned to central id {pin.central_id}, not {user['id']}"
    return role, ""


def _pin(user: User, role: str) -> StaffPin:
    session = db.session()
    pin = StaffPin(name=user["name"], central_id=user["id"], pinned_at=now())
    session.add(pin)
    audit("configuration", "pin-staff", user["name"], central_id=user["id"], role=role)
    try:
        session.commit()
    except IntegrityError:
        # Two first requests at once: the other one pinned the name.
        session.rollback()
        found = session.get(StaffPin, user["name"])
        if found is None:
            raise
        return found
    return pin
