"""The requester's own key, under /my-key: the recovery phrase shown once (before it is
needed: at the top of the page that follows the first thing they store, until they say they
kept it or skip it), opening another device with it, forgetting this device, and a new key for
someone who lost both."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from program.refusal import Refused
from webtool.infra import db
from webtool.pages.auth import login_required, safe_next, signed_in_user
from webtool.services import requester_keys
from webtool.services.sealing import requester_private

blueprint = Blueprint("requester_key", __name__, url_prefix="/my-key")


@blueprint.app_context_processor
def phrase_waiting() -> dict[str, list[str]]:
    """The words of a phrase not yet kept, which every page shows first (_phrase.html)."""
    shown = requester_keys.phrase_to_show()
    return {"phrase_words": shown.split() if shown else []}


def _next() -> str:
    return safe_next(request.values.get("next")) or url_for("requester.my_requests")


@blueprint.route("/phrase", methods=["POST"])
@login_required
def phrase() -> ResponseReturnValue:
    """The phrase kept, or skipped: it is not shown again."""
    requester_keys.phrase_kept()
    return redirect(_next())


@blueprint.route("/phrase/new", methods=["POST"])
@login_required
def make_phrase() -> ResponseReturnValue:
    """A phrase for a key made before phrases, on a device that holds it."""
    private = requester_private()
    if private is not None:
        requester_keys.give_phrase(signed_in_user(), private)
    return redirect(_next())


@blueprint.route("/open", methods=["GET", "POST"])
@login_required
def open_here() -> ResponseReturnValue:
    error = None
    if request.method == "POST":
        try:
            requester_keys.open_with_phrase(signed_in_user(), request.form.get("phrase", ""))
            return redirect(_next())
        except Refused as refused:
            db.session().rollback()
            error = (refused.key, refused.params)
    return render_template("phrase_open.html", target=_next(), error=error), 400 if error else 200


@blueprint.route("/forget", methods=["POST"])
@login_required
def forget() -> ResponseReturnValue:
    requester_keys.forget_device(signed_in_user())
    flash(["chldp-device-forgotten"], "chldp")  # type: ignore[arg-type]  # Flask keeps any JSON
    return redirect(url_for("requester.my_requests"))


@blueprint.route("/new", methods=["GET", "POST"])
@login_required
def renew() -> ResponseReturnValue:
    if request.method == "POST":
        requester_keys.renew(signed_in_user())
        return redirect(url_for("requester.my_requests"))
    return render_template("phrase_new.html")
