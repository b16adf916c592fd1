"""The requester's pages: the program in short, my engagement, ask for help, my requests."""

from __future__ import annotations

from functools import cache

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy.exc import SQLAlchemyError

from program.content import load_content
from webtool import db, engagement_view
from webtool.auth import current_user, login_required
from webtool.evidence.store import own_bundles
from webtool.extensions import account, limiter
from webtool.help_requests import (
    ACKNOWLEDGEMENTS,
    KINDS,
    Submission,
    opened,
    own_request,
    own_requests,
    store,
)

blueprint = Blueprint("requester", __name__)

# Gathering a report asks the wikis about eleven times. The page gathers once a visit and the
# report is then cached, so a person needs a few a minute at most; more only loads the wikis.
GATHERS_PER_ACCOUNT = "6 per minute"


def _reads_only() -> bool:
    """/engagement without ?wait only reads the cache: it gathers nothing to limit."""
    return not request.args.get("wait")


@blueprint.route("/")
@limiter.exempt
def start():
    if current_user() is None:
        return _start_page_for_visitors(g.lang)
    return render_template("start.html", content=load_content())


@cache
def _start_page_for_visitors(lang: str) -> str:
    """The start page as everyone not logged in sees it in `lang`. It changes only with the
    program's content, which takes a new deployment, so it is rendered once per language."""
    return render_template("start.html", content=load_content())


@blueprint.route("/engagement")
@login_required
@limiter.shared_limit(
    GATHERS_PER_ACCOUNT, scope="gather", key_func=account, exempt_when=_reads_only
)
def engagement():
    name = current_user()["name"]
    if request.args.get("wait"):  # without JavaScript: gather now, then show
        engagement_view.gather(name)
    report = engagement_view.cached_report(name)
    if report is None:
        # Gathering a large account takes seconds: show that it is under way, not a blank wait.
        return render_template("engagement_progress.html")
    return render_template("engagement.html", report=report, chart=engagement_view.chart(report))


@blueprint.route("/engagement/data")
@login_required
@limiter.shared_limit(GATHERS_PER_ACCOUNT, scope="gather", key_func=account)
def gather():
    outcome = engagement_view.gather(current_user()["name"])
    return jsonify(outcome), 200 if outcome["ready"] else 503


@blueprint.route("/ask", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=account, methods=["POST"])
def ask():
    if request.method == "GET":
        return _ask_form(Submission.blank(g.lang))
    submission = Submission.from_form(request.form)
    if not submission.validate():
        return _ask_form(submission), 400
    try:
        saved = store(submission, current_user(), engagement_view.snapshot(current_user()["name"]))
    except SQLAlchemyError:
        db.session().rollback()
        current_app.logger.exception("could not save a request")
        submission.errors["form"] = "chldp-ask-error-database"
        return _ask_form(submission), 503
    return redirect(url_for("requester.sent", reference=saved.reference))


@blueprint.route("/requests")
@login_required
def my_requests():
    return render_template("my_requests.html", requests=own_requests(current_user()))


@blueprint.route("/requests/<reference>")
@login_required
def sent(reference: str):
    help_request = own_request(reference, current_user())
    if help_request is None:
        abort(404)
    return render_template(
        "sent.html",
        help_request=help_request,
        engagement=opened(help_request).engagement(),
        legal_email=current_app.config["LEGAL_EMAIL"],
        # Only the requester's own bundles: those staff captured for the case are the staff's,
        # and the requester's download would refuse them.
        bundles=[b for b in own_bundles(current_user()) if b.request_id == help_request.id],
    )


def _ask_form(submission: Submission):
    return render_template(
        "ask.html",
        form=submission,
        kinds=KINDS,
        acknowledgements=ACKNOWLEDGEMENTS,
    )
