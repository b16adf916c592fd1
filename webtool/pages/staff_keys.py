"""The legal team's keys in the console, under /staff/keys (the staff console's check runs
first): setting a passphrase, unlocking a session, and the team's keys page, where admins grant
the team key and everyone sees the fingerprints and changes their passphrase."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from program.refusal import Refused
from webtool.infra import db, keys
from webtool.infra.i18n import msg
from webtool.pages.auth import safe_next
from webtool.services import sealing, team_keys
from webtool.services.staff_access import staff_roles

blueprint = Blueprint("staff_keys", __name__, url_prefix="/staff/keys")
# The pages a staff member reaches before their session is unlocked.
BEFORE_UNLOCKING = {"staff_keys.passphrase", "staff_keys.unlock"}


def gate() -> ResponseReturnValue | None:
    """For the console's check: a staff member without a key sets a passphrase first, and one
    whose session is not unlocked unlocks it; then they go where they were going."""
    if request.endpoint in BEFORE_UNLOCKING or sealing.staff_private() is not None:
        return None
    if team_keys.staff_key(g.staff_name) is None:
        return redirect(url_for("staff_keys.passphrase"))
    return redirect(url_for("staff_keys.unlock", next=request.full_path))


@blueprint.errorhandler(Refused)
def refused(refusal: Refused) -> ResponseReturnValue:
    db.session().rollback()
    flash(msg(refusal.key, *refusal.params), "error")
    if request.endpoint == "staff_keys.unlock":
        return redirect(url_for("staff_keys.unlock", next=request.form.get("next")))
    if request.endpoint == "staff_keys.passphrase":
        return redirect(url_for("staff_keys.passphrase"))
    return redirect(url_for("staff_keys.overview"))


@blueprint.route("/passphrase", methods=["GET", "POST"])
def passphrase() -> ResponseReturnValue:
    if team_keys.staff_key(g.staff_name) is not None:
        return redirect(url_for("staff_keys.unlock"))
    if request.method == "POST":
        team_keys.set_passphrase(
            g.staff_name, request.form.get("passphrase", ""), request.form.get("repeated", "")
        )
        if g.staff_role == "admin":
            team_keys.make_team_if_none(g.staff_name)
        return redirect(url_for("staff_keys.overview"))
    return render_template("staff/passphrase.html", shortest=team_keys.PASSPHRASE_SHORTEST)


@blueprint.route("/unlock", methods=["GET", "POST"])
def unlock() -> ResponseReturnValue:
    target = safe_next(request.values.get("next")) or url_for("staff.queue")
    if request.method == "POST":
        team_keys.unlock(g.staff_name, g.staff_role, request.form.get("passphrase", ""))
        return redirect(target)
    return render_template("staff/unlock.html", target=target)


@blueprint.route("/")
def overview() -> ResponseReturnValue:
    team = sealing.team_key()
    members = [
        {
            "name": name,
            "role": role,
            "key": team_keys.staff_key(name),
            "granted": team_keys.granted(name),
        }
        for name, role in sorted(staff_roles().items())
    ]
    return render_template(
        "staff/keys.html",
        team=team,
        team_fingerprint=team_keys.fingerprint_of(team) if team else None,
        recovery_fingerprint=keys.fingerprint(sealing.recovery_public()),
        members=members,
        fingerprint_of=team_keys.fingerprint_of,
        holds_team_key=sealing.team_private() is not None,
        shortest=team_keys.PASSPHRASE_SHORTEST,
    )


@blueprint.route("/grant", methods=["POST"])
def grant() -> ResponseReturnValue:
    if g.staff_role != "admin":
        return render_template("forbidden.html"), 403
    team_keys.grant(g.staff_name, request.form.get("name", ""), staff_roles())
    flash(msg("chldp-keys-granted", request.form.get("name", "")), "done")
    return redirect(url_for("staff_keys.overview"))


@blueprint.route("/change", methods=["POST"])
def change() -> ResponseReturnValue:
    team_keys.change_passphrase(
        g.staff_name,
        request.form.get("old", ""),
        request.form.get("passphrase", ""),
        request.form.get("repeated", ""),
    )
    flash(msg("chldp-keys-changed"), "done")
    return redirect(url_for("staff_keys.overview"))
