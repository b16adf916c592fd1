"""The requester's evidence pages: paste links, watch the capture, read and download the
bundle, see each captured page as the reader saw it, attach the bundle to a request.

A captured page is served as the archive holds it, from the tool's origin, so it is served
sandboxed: `Content-Security-Policy: sandbox` makes its origin opaque (no cookie, no storage,
nothing of the tool's), no script runs, and nothing is fetched (its styles are written into it
from the archive). The page that shows it frames it in an `<iframe sandbox>` too."""

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
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wsgi import FileWrapper

from webtool.infra import db
from webtool.infra.models import HelpRequest
from webtool.infra.sealed_files import DEFAULT_CHUNK_SIZE
from webtool.pages.auth import login_required, signed_in_user
from webtool.services import archives
from webtool.services import evidence_records as store
from webtool.services.help_requests import own_request, own_requests
from webtool.wikis.evidence.index_page import KINDS
from webtool.wikis.evidence.links import MAX_LINKS

blueprint = Blueprint("evidence", __name__)
# An archived page: an opaque origin of its own, no script, nothing fetched, its styles inline;
# framed by the tool's own pages only.
ARCHIVED_PAGE_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


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
        pages=store.archived_pages(found) if found.status == "done" else [],
    )


@blueprint.route("/evidence/<reference>/bundle.zip")
@login_required
def download(reference: str) -> ResponseReturnValue:
    found = _own(reference)
    if found.status != "done":
        abort(404)
    return zip_response(found, "the requester")


@blueprint.route("/evidence/<reference>/archive.wacz")
@login_required
def archive(reference: str) -> ResponseReturnValue:
    return wacz_response(_own(reference), "the requester")


@blueprint.route("/evidence/<reference>/page/<int:number>")
@login_required
def page(reference: str, number: int) -> ResponseReturnValue:
    return page_response(_own(reference), number)


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


def zip_response(found: store.EvidenceBundle, by: str) -> ResponseReturnValue:
    """The bundle's download, streamed: its web archive with the time stamp and custody log."""
    data = store.download(found, by)
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


def wacz_response(found: store.EvidenceBundle, by: str) -> ResponseReturnValue:
    """The web archive alone, for ReplayWeb.page or pywb, read from any offset (a replay tool
    asks for ranges): decrypted only where a range falls, never whole."""
    if found.status != "done":
        abort(404)
    reader = archives.opened(found)
    if reader is None:
        abort(404)
    if "Range" not in request.headers:  # a replay's many range requests are one reading
        archives.record(found, "downloaded", store.bundle_sealer(found), by=by, what="archive")
        db.session().commit()
    response = Response(
        FileWrapper(reader, DEFAULT_CHUNK_SIZE),
        mimetype="application/wacz",
        direct_passthrough=True,
        headers={"Content-Disposition": f'attachment; filename="{found.reference}.wacz"'},
    )
    response.content_length = reader.size
    try:
        response.make_conditional(request, accept_ranges=True, complete_length=reader.size)
    except RequestedRangeNotSatisfiable:
        reader.close()
        raise
    return response


def page_response(found: store.EvidenceBundle, number: int) -> ResponseReturnValue:
    """A captured page as the reader saw it, sandboxed (see the module's docstring)."""
    if found.status != "done":
        abort(404)
    html = store.page_as_seen(found, number)
    if html is None:
        abort(404)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = ARCHIVED_PAGE_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


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
