"""The requester's evidence pages: paste links, watch the capture, read and download the
bundle, attach it to a request."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from webtool.infra import db
from webtool.infra.models import HelpRequest
from webtool.pages.auth import login_required, signed_in_user
from webtool.services import evidence_records as store
from webtool.services.help_requests import own_request, own_requests
from webtool.wikis.evidence.index_page import KINDS
from webtool.wikis.evidence.links import MAX_LINKS

blueprint = Blueprint("evidence", __name__)


@blueprint.route("/evidence", methods=["GET", "POST"])
@login_required
def captures() -> ResponseReturnValue:
    user = signed_in_user()
    if request.method == "GET":
        return _captures_page(store.LinksForm.blank())
    form = store.LinksForm.from_form(request.form)
    try:
        refused = store.may_start(form, user)
        if refused:
            return _captures_page(form), refused
        bundle = store.start(form, user)
    except SQLAlchemyError:
        db.session().rollback()
        current_app.logger.exception("could not start an evidence capture")
        form.errors.append(("chldp-ask-error-database", ()))
        return _captures_page(form, bundles=[]), 503
    return redirect(url_for("evidence.bundle", reference=bundle.reference))


@blueprint.route("/evidence/<reference>")
@login_required
def bundle(reference: str) -> ResponseReturnValue:
    found = _own(reference)
    ended_early = found.status == "failed" or store.stopped(found)
    outcome = store.outcome(found)
    manifest = store.manifest_of(found) if found.status == "done" else None
    help_request = db.session().get(HelpRequest, found.request_id) if found.request_id else None
    return render_template(
        "evidence_bundle.html",
        bundle=found,
        stopped=store.stopped(found),
        outcome=outcome,
        manifest=manifest,
        kinds=KINDS,
        attached_to=help_request,
        sealed_here=not store.can_open(found),
        requests=[]
        if help_request or not store.can_open(found)
        else own_requests(signed_in_user()),
        again=store.LinksForm.blank(store.links_of(found)) if ended_early else None,
        max_links=MAX_LINKS,
    )


@blueprint.route("/evidence/<reference>/bundle.zip")
@login_required
def download(reference: str) -> ResponseReturnValue:
    found = _own(reference)
    if found.status != "done":
        abort(404)
    return zip_response(found)


@blueprint.route("/evidence/<reference>/attach", methods=["POST"])
@login_required
def attach(reference: str) -> ResponseReturnValue:
    found = _own(reference)
    help_request = own_request(request.form.get("request", ""), signed_in_user())
    if help_request is None or found.status != "done":
        abort(404)
    if not store.can_open(found):
        # Sealed to the requester's key, which this browser does not hold: attached, nobody
        # on the case could open it.
        return render_template("error.html", message_key="chldp-case-sealed-here"), 403
    if found.request_id is None:
        store.attach(found, help_request)
    return redirect(url_for("evidence.bundle", reference=found.reference))


def zip_response(found: store.EvidenceBundle) -> ResponseReturnValue:
    data = store.zip_of(found)
    if data is None:
        # Attached to a case whose key this browser (or session) does not hold.
        return render_template("error.html", message_key="chldp-case-sealed-here"), 403
    return Response(
        data,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="chldp-evidence-{found.reference}.zip"'
        },
    )


def _own(reference: str) -> store.EvidenceBundle:
    found = store.own_bundle(reference, signed_in_user())
    if found is None:
        abort(404)
    return found


def _captures_page(form: store.LinksForm, bundles: list[store.EvidenceBundle] | None = None) -> str:
    return render_template(
        "evidence.html",
        form=form,
        bundles=store.own_bundles(signed_in_user()) if bundles is None else bundles,
        max_links=MAX_LINKS,
        stopped=store.stopped,
    )
