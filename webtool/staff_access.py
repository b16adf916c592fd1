"""Who is staff: names and roles from CHLDP_STAFF ("Jane Doe:admin,Émile:reviewer") or from
the file CHLDP_STAFF_FILE names (one "name:role" a line). Read again on every request, so a
name removed loses access at its next request."""

from __future__ import annotations

import os
from pathlib import Path

ROLES = ("reviewer", "admin")


def staff_roles(environ: dict[str, str] | None = None) -> dict[str, str]:
    env = os.environ if environ is None else environ
    text = env.get("CHLDP_STAFF", "")
    if env.get("CHLDP_STAFF_FILE"):
        text = Path(env["CHLDP_STAFF_FILE"]).read_text(encoding="utf-8").replace("\n", ",")
    roles = {}
    for entry in text.split(","):
        name, _, role = entry.strip().rpartition(":")
        if name and role in ROLES:
            roles[name.strip().replace("_", " ")] = role
    return roles


def role_of(name: str | None) -> str | None:
    """The staff role of an account, or None for everyone else."""
    return staff_roles().get(name) if name else None
