"""The requester's pages: the program in short, my engagement, ask for help, my requests."""

from __future__ import annotations

from functools import lru_cache

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from webtool.infra import db
from webtool.infra.i18n import msg
from webtool.infra.limits import account, limiter, spend
from webtool.infra.models import EngagementReport
from webtool.pages import requester_case
from webtool.pages.auth import current_user, login_required, signed_in_user
from webtool.services import (
    conflicts,
    engagement_view,
    notifications,
    places,
    program_text,
    requester_keys,
)
from webtool.services.evidence_records import own_bundles
from webtool.services.help_requests import (
    ACKNOWLEDGEMENTS,
    KINDS,
    Submission,
    opened,
    own_request,
    own_requests,
    store,
)
from webtool.services.sealing import DEVICE_COOKIE, DEVICE_DAYS, requester_private

blueprint = Blueprint("requester", __name__)
# A request's country and language are codes; every page names them in the reader's language.
blueprint.add_app_template_global(places.country_name)
blueprint.add_app_template_global(places.language_name)

# Gathering a report asks the wikis about eleven times. A page asks once a visit and the
# report is then kept, so a person needs a few a minute at most; more only loads the wikis.
GATHERS_PER_ACCOUNT = "6 per minute"
# The progress page asks how far its report is every two seconds, for as long as the wikis
# take; a second tab doubles that. Reading one row is cheap, so the bound is loose.
POLLS_PER_ACCOUNT = "120 per minute"
PROGRESS_MESSAGES = {
    "waiting": "chldp-engagement-waiting",
    "gathering": "chldp-engagement-gathering",
    "retrying": "chldp-engagement-retrying",
    "failed": "chldp-engagement-failed",
}


def _again() -> bool:
    return bool(request.args.get("again"))


@blueprint.route("/")
@limiter.exempt
def start() -> str:
    program = program_text.for_reader(g.lang)
    if current_user() is None:
        return _start_page_for_visitors(program)
    return render_template("start.html", program=program)


@lru_cache(maxsize=32)
def _start_page_for_visitors(program: program_text.ProgramText) -> str:
    """The start page as everyone not logged in sees it: the same for every visitor until
    the program's text in their language changes, so it is rendered once for each text."""
    return render_template("start.html", program=program)


@blueprint.route("/engagement")
@login_required
def engagement() -> ResponseReturnValue:
    name, again = signed_in_user()["name"], _again()
    row = engagement_view.current(name, again)
    if row is None:
        # Only a visit that queues a new gathering counts against the limit: showing a
        # report, or one under way, is free and does not ask the limit's storage.
        spend(GATHERS_PER_ACCOUNT, "gather", account())
        row = engagement_view.ask(name)
    if again:  # "try again" after a failure: asked, now shown at the page's own address
        return redirect(url_for("requester.engagement"))
    if row.status != "done":
        # Gathering takes seconds, or minutes while a wiki is down: say how far it is.
        return render_template(
            "engagement_progress.html", status=row.status, message=_progress_message(row)
        )
    # Rendered once per report, language and session, and kept briefly in this process.
    return engagement_view.page(
        row,
        g.lang,
        lambda report: render_template(
            "engagement.html", report=report, chart=engagement_view.chart(report)
        ),
    )


@blueprint.route("/engagement/data")
@login_required
@limiter.limit(POLLS_PER_ACCOUNT, key_func=account)
def progress() -> ResponseReturnValue:
    """How far the requester's report is, for engagement.js: "none" when nothing is asked."""
    row = engagement_view.current(signed_in_user()["name"])
    if row is None:
        return jsonify({"status": "none"})
    return jsonify({**engagement_view.progress_of(row), "message": _progress_message(row)})


def _progress_message(row: EngagementReport) -> str:
    """Where the report is, in the requester's language; "" once done."""
    key = PROGRESS_MESSAGES.get(row.status)
    reason = engagement_view.reason_of(row)
    if row.status == "waiting" and reason["message"]:
        return msg(reason["message"])  # why it waits: the queue did not take it yet
    return msg(key, reason) if key else ""


@blueprint.route("/ask", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=account, methods=["POST"])
def ask() -> ResponseReturnValue:
    if request.method == "GET":
        return _ask_form(Submission.blank(g.lang, danger=request.args.get("danger") == "now"))
    submission = Submission.from_form(request.form)
    submission.validate()
    submission.errors.update(places.choice_errors(submission.country, submission.language))
    if submission.errors:
        return _ask_form(submission), 400
    user = signed_in_user()
    try:
        saved = store(submission, user, engagement_view.snapshot(user["name"]))
    except SQLAlchemyError:
        db.session().rollback()
        current_app.logger.exception("could not save a request")
        submission.errors["form"] = "chldp-ask-error-database"
        return _ask_form(submission), 503
    if submission.accounts:
        # Compared with every other case's accounts when the legal team opens it.
        named = conflicts.central_ids(submission.account_names)
        conflicts.name_accounts(saved, named, "requester")
        db.session().commit()
    notifications.new_request(saved)
    notifications.ask_to_confirm(saved)
    return redirect(url_for("requester.sent", reference=saved.reference))


@blueprint.route("/danger")
@limiter.exempt
def danger() -> str:
    """What to do at once when in danger now, for anyone, logged in or not: the Foundation's
    emergency address and the local emergency services come before any form."""
    return render_template("danger.html", emergency_email=current_app.config["EMERGENCY_EMAIL"])


@blueprint.route("/requests")
@login_required
def my_requests() -> str:
    user = signed_in_user()
    found = requester_keys.key_of(user)
    device = {
        "has_key": found is not None,
        "holds": requester_private() is not None,
        "has_phrase": bool(found and found.private_for_phrase),
    }
    return render_template("my_requests.html", requests=own_requests(user), device=device)


@blueprint.after_app_request
def device_cookie(response: Response) -> Response:
    """The device key of a requester key made or opened by this request, which only this
    browser holds (with the recovery phrase, the only ways to what they stored); or, this
    device forgotten, the cookie deleted."""
    if g.get("forget_device"):
        response.delete_cookie(DEVICE_COOKIE, httponly=True, samesite="Lax")
    value = g.get("device_cookie")
    if value:
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=DEVICE_DAYS * 86400,
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            samesite="Lax",
        )
    return response


@blueprint.route("/requests/<reference>")
@login_required
def sent(reference: str) -> str:
    requester = signed_in_user()
    help_request = own_request(reference, requester)
    if help_request is None:
        abort(404)
    sealed = opened(help_request)
    return render_template(
        "sent.html",
        help_request=help_request,
        # On a browser without the request's key: its words are not shown, and the page says so.
        sealed_here=sealed.sealed,
        engagement=sealed.engagement(),
        legal_email=current_app.config["LEGAL_EMAIL"],
        # Only the requester's own bundles: those staff captured for the case are the staff's,
        # and the requester's download would refuse them.
        bundles=[b for b in own_bundles(requester) if b.request_id == help_request.id],
        emergency_email=current_app.config["EMERGENCY_EMAIL"],
        **requester_case.page_context(help_request),
    )


def _ask_form(submission: Submission) -> str:
    return render_template(
        "ask.html",
        form=submission,
        kinds=KINDS,
        acknowledgements=ACKNOWLEDGEMENTS,
        countries=places.countries(g.lang),
        prefer_not_to_say=places.PREFER_NOT_TO_SAY,
        contact_languages=places.contact_languages(),
        other_language=places.OTHER_LANGUAGE,
        urgent_hours=current_app.config["CLOCKS"].urgent_acknowledge.total_seconds() // 3600,
    )
