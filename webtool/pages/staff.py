"""The legal team's console under /staff: denied by default, checked on every request.

Reviewers read cases, write notes and ask for information; admins also decide, record money,
set the program's status and read the audit log. Every view and action is audited.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import ParamSpec

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    stream_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from program.assistance import load_categories, parse_amount
from program.case_flow import ASSISTANCE, STATUSES, steps_for
from program.clocks import PAUSED, Clock, queue_order
from program.content import PROGRAM_STATUSES
from program.refusal import Refused
from webtool.infra import db
from webtool.infra.clock import now
from webtool.infra.i18n import msg
from webtool.infra.models import EvidenceBundle, HelpRequest
from webtool.pages import staff_keys
from webtool.pages.auth import current_user, signed_in_user
from webtool.pages.csv_export import csv_download
from webtool.pages.evidence import page_response, wacz_response, zip_response
from webtool.services import (
    casework,
    clocks,
    conflicts,
    contribution_pages,
    conversation,
    engagement_view,
    notifications,
    places,
    replies,
    requester_keys,
    team_keys,
    yearly_report,
)
from webtool.services import evidence_records as evidence
from webtool.services.help_requests import KINDS, Opened, new_submission_key, opened
from webtool.services.staff_access import staff_role, staff_roles
from webtool.wikis.usernames import normalise

blueprint = Blueprint("staff", __name__, url_prefix="/staff")
P = ParamSpec("P")
# The columns of each CSV the console exports: the message key of each header.
CASES_CSV = ("reference", "sent", "status", "kinds", "country", "language")
AUDIT_CSV = ("at", "actor", "action", "target", "detail")
CONTRIBUTIONS_CSV = ("timestamp", "wiki", "title", "revision", "size", "summary", "hidden", "diff")


@blueprint.before_app_request
def staff_only() -> ResponseReturnValue | None:
    # On every path under /staff, routed or not, so a 404 cannot tell what exists.
    if request.path != "/staff" and not request.path.startswith("/staff/"):
        return None
    user = current_user()
    g.staff_role, refusal = staff_role(user)
    if g.staff_role is None or user is None:
        # Every attempt is on record, and the page is the same plain one for everyone who is
        # not staff, with no hint of what is here. An account with a staff member's name but
        # not the account pinned to it gets an entry of its own (only such names can); anyone
        # else is counted per hour and kind of path, so a flood adds to a number, not rows.
        if user is not None and staff_roles().get(user["name"]):
            casework.record("not staff", "refused", request.path, account=user, reason=refusal)
        else:
            who = "anonymous" if user is None else "not-staff"
            casework.count_refused(f"{who}:{_section(request.path)}")
        return render_template("forbidden.html"), 403
    g.staff_name = user["name"]
    if request.method == "GET" and request.headers.get("Sec-Fetch-Site") == "cross-site":
        # A link on another site opens nothing of the console, so nobody else's link writes
        # an entry in the staff member's name or starts any work: they open it from here.
        return render_template("staff/from_elsewhere.html", target=request.full_path)
    # Whoever is off the staff list loses the team key now, unlocked sessions included.
    team_keys.drop_removed(staff_roles())
    return staff_keys.gate()


# The console's parts, as the first step of a path under /staff names them.
SECTIONS = {
    "audit",
    "case",
    "counts",
    "evidence",
    "export.csv",
    "lookup",
    "lookup.csv",
    "notifications",
    "program-status",
    "report",
    "report.csv",
}


def _section(path: str) -> str:
    """The part of the console a path asks for: one of SECTIONS, "queue" or "other"."""
    first = path.removeprefix("/staff").strip("/").split("/")[0]
    return "queue" if not first else first if first in SECTIONS else "other"


@blueprint.context_processor
def staff_words() -> dict[str, Callable[..., str]]:
    """What the staff pages write from the tool's own codes, in the staff member's language."""
    return {
        "kinds_of": kinds_of,
        "waited": waited,
        "hidden_words": hidden_words,
        "clock_words": clock_words,
    }


@blueprint.errorhandler(Refused)
def refused(refusal: Refused) -> ResponseReturnValue:
    """Every refusal of a staff action (a step, a ledger entry, an amount, a name, a filter),
    said one way: in the staff member's language, above the page the action came from. The
    words travel in the session (flash), never in the address, so a link cannot put words on a
    staff member's page."""
    db.session().rollback()
    flash(msg(refusal.key, *refusal.params), "error")
    reference = (request.view_args or {}).get("reference")
    if reference:
        return redirect(url_for("staff.case", reference=reference))
    if request.method == "POST":
        return redirect(request.path)
    # Only the look-up is refused on a GET (a name, a filter, a page token): its form again.
    name = request.args.get("user", "")
    return render_template("staff/lookup.html", name=name, report=None), 400


def admin_only(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        if g.staff_role != "admin":
            return render_template("forbidden.html"), 403
        return view(*args, **kwargs)

    return wrapped


@blueprint.route("/")
def queue() -> ResponseReturnValue:
    filters = {k: request.args.get(k, "") for k in ("status", "kind", "country", "language")}
    query = select(HelpRequest).order_by(HelpRequest.created_at)
    if filters["status"]:
        query = query.where(HelpRequest.status == filters["status"])
    older = request.args.get("older_than_days", "")
    if older.isdigit():
        query = query.where(HelpRequest.created_at <= now() - timedelta(days=int(older)))
    # Kinds, country and language are sealed to each case, with no index beside them: the
    # queue opens them in this unlocked session and filters here.
    aside = conflicts.stepped_aside_ids(g.staff_name)
    # A case the member stepped aside from is listed as such, and never opened for them.
    cases = [
        case
        for case in (
            opened(found) if found.id not in aside else Opened.locked(found)
            for found in db.session().scalars(query)
        )
        if matches(case, filters)
    ]
    waiting = conversation.waiting([case.row for case in cases])
    running = {case.row.id: clocks.clock(case.row) for case in cases}
    # Urgent cases first, then those past their time, then answers nobody on the team has
    # read, then the oldest (program/clocks.py).
    cases.sort(
        key=lambda case: queue_order(
            case.row.urgent,
            running[case.row.id],
            waiting[case.row.id]["unread"],
            case.row.created_at,
        )
    )
    casework.record(g.staff_name, "queue", "requests", **filters)
    return render_template(
        "staff/queue.html",
        cases=cases,
        filters=filters,
        statuses=STATUSES,
        kinds=KINDS,
        # The same lists the requester chose from, so a filter names what was stored.
        countries=places.countries(g.lang),
        prefer_not_to_say=places.PREFER_NOT_TO_SAY,
        contact_languages=places.contact_languages(),
        other_language=places.OTHER_LANGUAGE,
        older_than_days=older,
        fund=casework.fund(),
        waiting=waiting,
        clocks=running,
        aside=aside,
    )


@blueprint.route("/case/<reference>")
def case(reference: str) -> ResponseReturnValue:
    found = _case(reference)
    casework.record(g.staff_name, "view-case", reference)
    return _case_page(found, evidence.LinksForm.blank(), request.args.get("reply", ""))


def _case_page(found: HelpRequest, links_form: evidence.LinksForm, template: str = "") -> str:
    committed, paid = casework.case_money(found)
    sealed = opened(found)
    if sealed.sealed:
        # Not granted the team key: the reference, the status and the dates, nothing more.
        return render_template("staff/case_sealed.html", case=found)
    now = engagement_view.wanted(sealed.name)
    return render_template(
        "staff/case.html",
        case=found,
        requester=sealed,
        description=sealed.description(),
        contact=sealed.contact(),
        frozen=sealed.engagement(),
        # Now: the report of the last few minutes, else how far the one asked for is.
        fresh=engagement_view.report_of(now) if now.status == "done" else None,
        fresh_progress=engagement_view.progress_of(now),
        conversation=conversation.for_staff(found),
        unread=conversation.unread(found, from_requester=True),
        message_key=new_submission_key(),
        steps=steps_for(found.status, g.staff_role),
        assistance=ASSISTANCE,
        categories=load_categories(),
        committed=committed,
        paid=paid,
        bundles=evidence.bundles_of_request(found.id),
        archived_pages=evidence.archived_pages,
        stopped=evidence.stopped,
        owner_of=evidence.owner_of,
        links_form=links_form,
        ledger_kinds=casework.LEDGER_KINDS,
        renewal=requester_keys.renewal_waiting(found),
        clock=clocks.clock(found),
        named=conflicts.named(found),
        conflicts=conflicts.conflicts(found),
        stepped_aside=conflicts.stepped_aside(found),
        templates=replies.TEMPLATES,
        # A template chosen to start from, in the requester's language where it is translated.
        reply=replies.reply(template, found, sealed.language),
    )


@blueprint.route("/case/<reference>/status", methods=["POST"])
def status(reference: str) -> ResponseReturnValue:
    found = _case(reference)
    casework.change_status(
        found,
        g.staff_name,
        g.staff_role,
        request.form.get("status", ""),
        request.form.get("reason", ""),
        request.form.get("assistance", ""),
    )
    if found.status == "information_requested":
        # The reason is the question: the requester reads it and answers on their page.
        conversation.write_as_staff(found, g.staff_name, request.form.get("reason", ""))
    elif request.form.get("message", "").strip():
        # A decision's words to the requester, which they read on their request's page.
        conversation.write_as_staff(found, g.staff_name, request.form["message"])
    notifications.news(found)
    return _back(reference)


@blueprint.route("/case/<reference>/message", methods=["POST"])
def message(reference: str) -> ResponseReturnValue:
    """A message to the requester, or an internal note the requester never sees."""
    found = _case(reference)
    text = request.form.get("text", "")
    if request.form.get("to") == "requester":
        key = request.form.get("submission_key", "")
        if conversation.write_as_staff(found, g.staff_name, text, key):
            notifications.news(found)  # once, however often the form was sent
    else:
        casework.add_note(found, g.staff_name, text)
    return _back(reference)


@blueprint.route("/case/<reference>/read", methods=["POST"])
def read(reference: str) -> ResponseReturnValue:
    """The requester's messages marked read: the queue stops putting the case first, and the
    team hears by e-mail of the requester's next answer."""
    conversation.mark_read(_case(reference), from_requester=True)
    return _back(reference)


@blueprint.route("/case/<reference>/requester-key", methods=["POST"])
def wrap_to_renewed_key(reference: str) -> ResponseReturnValue:
    """The requester, who lost phrase and device, reads again with their new key: the staff
    member checked it is them in another way first (the page says so)."""
    requester_keys.wrap_to_renewed_key(_case(reference), g.staff_name)
    flash(msg("chldp-staff-renewed-done"), "done")
    return _back(reference)


@blueprint.route("/case/<reference>/account", methods=["POST"])
def name_account(reference: str) -> ResponseReturnValue:
    """An account involved in the case, named by staff: compared with every other case."""
    found = _case(reference)
    name = normalise(request.form.get("account", ""))
    conflicts.name_accounts(found, conflicts.central_ids([name]), "staff")
    casework.audit(g.staff_name, "name-account", reference)
    db.session().commit()
    return _back(reference)


@blueprint.route("/case/<reference>/conflict", methods=["POST"])
def step_aside(reference: str) -> ResponseReturnValue:
    """The staff member declares a conflict of interest: from now on they cannot open it."""
    conflicts.step_aside(_case(reference), g.staff_name, request.form.get("reason", ""))
    flash(msg("chldp-staff-conflict-done", reference), "done")
    return redirect(url_for("staff.queue"))


@blueprint.route("/case/<reference>/note", methods=["POST"])
def note(reference: str) -> ResponseReturnValue:
    casework.add_note(_case(reference), g.staff_name, request.form.get("text", ""))
    return _back(reference)


@blueprint.route("/case/<reference>/money", methods=["POST"])
@admin_only
def money(reference: str) -> ResponseReturnValue:
    casework.add_ledger_entry(
        _case(reference),
        g.staff_name,
        request.form.get("kind", ""),
        request.form.get("category", ""),
        parse_amount(request.form.get("amount", "")),
        request.form.get("override", ""),
    )
    return _back(reference)


@blueprint.route("/case/<reference>/evidence", methods=["POST"])
def capture(reference: str) -> ResponseReturnValue:
    """Links captured by staff for a case: the bundle is attached to it at once."""
    found = _case(reference)
    form = evidence.LinksForm.from_form(request.form)
    try:
        refused = evidence.may_start(form, signed_in_user())
        if refused is None:
            bundle = evidence.start(form, signed_in_user(), request_id=found.id)
            casework.record(g.staff_name, "capture-evidence", reference, bundle=bundle.reference)
            return _back(reference)
    except SQLAlchemyError:
        db.session().rollback()
        current_app.logger.exception("could not start an evidence capture for %s", reference)
        form.errors.append(("chldp-ask-error-database", ()))
        refused = 503
    # The case page again, with the links as pasted and the reason.
    return _case_page(found, form), refused


@blueprint.route("/evidence/<reference>.zip")
def evidence_bundle(reference: str) -> ResponseReturnValue:
    """A bundle attached to a case, for staff; a bundle not attached to one stays private."""
    found, help_request = _case_bundle(reference)
    casework.record(g.staff_name, "download-evidence", help_request.reference, bundle=reference)
    return zip_response(found, f"the legal team: {g.staff_name}")


@blueprint.route("/evidence/<reference>.wacz")
def evidence_archive(reference: str) -> ResponseReturnValue:
    found, help_request = _case_bundle(reference)
    if "Range" not in request.headers:  # a replay tool's range requests are one reading
        casework.record(g.staff_name, "download-evidence", help_request.reference, bundle=reference)
    return wacz_response(found, f"the legal team: {g.staff_name}")


@blueprint.route("/evidence/<reference>/page/<int:number>")
def evidence_page(reference: str, number: int) -> ResponseReturnValue:
    """A captured page as the reader saw it, framed on the case page (the case's view is
    audited there)."""
    found, _ = _case_bundle(reference)
    return page_response(found, number)


def _case_bundle(reference: str) -> tuple[EvidenceBundle, HelpRequest]:
    found = db.session().scalar(select(EvidenceBundle).where(EvidenceBundle.reference == reference))
    if found is None or found.request_id is None or found.status != "done":
        abort(404)
    help_request = db.session().get(HelpRequest, found.request_id)
    if help_request is None:
        abort(404)
    return found, help_request


@blueprint.route("/lookup", methods=["POST"])
def look_up() -> ResponseReturnValue:
    """A look-up asked for with the form: written to the audit log once, and the report
    gathered; the page then follows it (GET), changing nothing however often it reloads."""
    name = normalise(request.form.get("user", ""))
    casework.record(g.staff_name, "lookup", name)
    engagement_view.wanted(name)
    return redirect(url_for("staff.lookup", user=name))


@blueprint.route("/lookup")
def lookup() -> ResponseReturnValue:
    raw = request.args.get("user", "")
    if not raw:
        return render_template("staff/lookup.html", name="", report=None)
    name = normalise(raw)
    row = engagement_view.current(name)
    if row is None:
        # Not asked for (a link, a bookmark, a report gone stale): the form, filled in. Only
        # its button asks the wikis, and the audit log says who pressed it.
        return render_template("staff/lookup.html", name=name, report=None, not_asked=True)
    if row.status != "done":
        # Under way, the page refreshes itself; failed, it says why (no such account, the wikis).
        return render_template(
            "staff/lookup.html",
            name=name,
            report=None,
            progress=engagement_view.progress_of(row),
        )
    report = engagement_view.report_of(row)
    filters = contribution_pages.filters_from(request.args, report["wikis"])
    run = contribution_pages.PageRun(name, filters, report["wikis"], request.args.get("before"))
    # Streamed: the progress lines reach the browser while the wikis answer.
    return stream_template(
        "staff/lookup.html",
        name=name,
        report=report,
        run=run,
        filters=filters,
        filter_args=contribution_pages.filter_args(filters),
    )


@blueprint.route("/lookup.csv")
def lookup_csv() -> ResponseReturnValue:
    """The rows of one page of a look-up's contributions, as that page showed them."""
    name = normalise(request.args.get("user", ""))
    row = engagement_view.current(name)
    wikis = engagement_view.report_of(row)["wikis"] if row and row.status == "done" else []
    filters = contribution_pages.filters_from(request.args, wikis)
    rows = contribution_pages.shown_rows(request.args.get("page", ""), name, filters)
    if rows is None:
        flash(msg("chldp-staff-lookup-gone"), "error")
        return render_template("staff/lookup.html", name=name, report=None), 404
    casework.record(g.staff_name, "lookup-csv", name, **contribution_pages.filter_args(filters))
    return csv_download(
        "contributions.csv",
        _header("contributions", CONTRIBUTIONS_CSV),
        (
            [
                c.timestamp,
                c.wiki,
                c.title,
                c.revid,
                c.size_change,
                c.comment,
                hidden_words(c.hidden),
                c.diff,
            ]
            for c in rows
        ),
    )


@blueprint.route("/export.csv")
@admin_only
def export() -> ResponseReturnValue:
    """Every case without free text or contact details. The cells keep the tool's own codes
    (statuses, kinds), the same in every staff member's language, so exports add up."""
    casework.record(g.staff_name, "export", "requests")
    rows = []
    for found in db.session().scalars(select(HelpRequest).order_by(HelpRequest.created_at)):
        case = opened(found)
        rows.append(
            [
                found.reference,
                found.created_at.strftime("%Y-%m-%d"),
                found.status,
                ",".join(case.kinds),
                case.country,
                case.language,
            ]
        )
    return csv_download("requests.csv", _header("cases", CASES_CSV), rows)


@blueprint.route("/counts")
def counts() -> ResponseReturnValue:
    cases = [opened(found) for found in db.session().scalars(select(HelpRequest))]
    by_month = Counter(c.row.created_at.strftime("%Y-%m") for c in cases)
    by_status = Counter(c.row.status for c in cases)
    by_kind = Counter(kind for c in cases for kind in c.kinds)
    casework.record(g.staff_name, "counts", "requests")
    return render_template(
        "staff/counts.html",
        tables={
            "month": sorted(by_month.items()),
            "status": sorted(by_status.items()),
            "kind": sorted(by_kind.items()),
        },
    )


@blueprint.route("/report")
def report() -> ResponseReturnValue:
    """The program's yearly report as it may be published: frozen once published, else as
    the cases stand now; every figure about fewer than 5 cases withheld."""
    year = _year()
    figures = yearly_report.published(year) or yearly_report.figures(year)
    casework.record(g.staff_name, "report", str(year))
    return render_template(
        "staff/report.html",
        year=year,
        years=yearly_report.years(),
        report=figures,
        published_at=yearly_report.published_at(year),
        chart=_chart(figures["region"]),
    )


@blueprint.route("/report.csv")
def report_csv() -> ResponseReturnValue:
    year = _year()
    figures = yearly_report.published(year) or yearly_report.figures(year)
    casework.record(g.staff_name, "report-csv", str(year))
    header = [
        msg("chldp-report-csv-section"),
        msg("chldp-report-csv-row"),
        msg("chldp-report-csv-figure"),
    ]
    rows = (
        [msg(f"chldp-report-section-{section}"), _row_name(section, key), _figure(section, cell)]
        for section, key, cell in yearly_report.rows(figures)
    )
    return csv_download(f"chldp-report-{year}.csv", header, rows)


@blueprint.route("/report/publish", methods=["POST"])
@admin_only
def publish_report() -> ResponseReturnValue:
    year = _year()
    yearly_report.publish(year, g.staff_name)
    flash(msg("chldp-report-published-now", year), "done")
    return redirect(url_for("staff.report", year=year))


def _year() -> int:
    wanted = request.values.get("year", "")
    return int(wanted) if wanted.isdigit() and 2000 <= int(wanted) <= 2999 else now().year


def _figure(section: str, cell: dict) -> object:
    """A figure as the report shows it: its number (money in the fund's currency, not cents),
    or the words for a withheld one."""
    if cell["value"] is None:
        return msg(cell["note"])
    return f"{cell['value'] / 100:.2f}" if section.startswith("money") else cell["value"]


def _row_name(section: str, key: str) -> str:
    """A row of the report in the staff member's language."""
    if section in ("status", "kind"):
        return msg(f"chldp-staff-{section}-{key}")
    if section == "region":
        return msg(f"chldp-region-{key}")
    if section.startswith("money") and key not in ("other", "total"):
        return msg(f"chldp-staff-category-{key}")
    return msg(f"chldp-report-{key}")


def _chart(regions: dict) -> list[dict]:
    """The bars of the chart of requests by region: each shown count's share of the largest,
    none for a withheld one (the chart gives away no more than the table)."""
    shown = [cell["value"] for cell in regions.values() if cell["value"] is not None]
    largest = max(shown, default=0) or 1
    return [
        {"key": key, "width": (cell["value"] or 0) * 100 // largest, "cell": cell}
        for key, cell in regions.items()
    ]


@blueprint.route("/program-status", methods=["GET", "POST"])
@admin_only
def program_status() -> ResponseReturnValue:
    if request.method == "POST":
        casework.set_program_status(
            g.staff_name, request.form.get("status", ""), request.form.get("message", "")
        )
        return redirect(url_for("staff.program_status"))
    return render_template(
        "staff/program_status.html",
        current=casework.program_status(),
        statuses=PROGRAM_STATUSES,
        longest=casework.PUBLIC_MESSAGE_LENGTH,
    )


@blueprint.route("/audit")
@admin_only
def audit_log() -> ResponseReturnValue:
    casework.record(g.staff_name, "view-audit", "audit")
    if request.args.get("format") == "csv":
        rows = (
            [e["at"].isoformat(), e["actor"], e["action"], e["target"], e["detail"]]
            for e in casework.every_audit_entry()
        )
        return csv_download("audit.csv", _header("audit", AUDIT_CSV), rows)
    before = request.args.get("before", "")
    entries, older = casework.audit_page(int(before) if before.isdigit() else None)
    return render_template(
        "staff/audit.html", entries=entries, older=older, refused=casework.refused_counts()
    )


@blueprint.route("/notifications", methods=["GET", "POST"])
def notifications_settings() -> ResponseReturnValue:
    """Whether this member of the legal team gets e-mails about the queue, and where."""
    if request.method == "POST":
        notifications.set_staff_notice(
            g.staff_name, request.form.get("email", ""), request.form.get("wanted") == "on"
        )
        return redirect(url_for("staff.notifications_settings"))
    return render_template(
        "staff/notifications.html", notice=notifications.staff_notice(g.staff_name)
    )


def _case(reference: str) -> HelpRequest:
    found = db.session().scalar(select(HelpRequest).where(HelpRequest.reference == reference))
    if found is None:
        abort(404)
    if conflicts.stepped_aside_from(found, g.staff_name):
        # A member who declared a conflict opens nothing of the case again, nor acts on it.
        casework.record(g.staff_name, "refused-stepped-aside", reference)
        abort(make_response(render_template("staff/stepped_aside.html", reference=reference), 403))
    return found


def _back(reference: str) -> ResponseReturnValue:
    return redirect(url_for("staff.case", reference=reference))


def _header(export: str, columns: tuple[str, ...]) -> list[str]:
    """A CSV's header row in the staff member's language."""
    return [msg(f"chldp-staff-csv-{export}-{column}") for column in columns]


def matches(case: Opened, filters: dict[str, str]) -> bool:
    """Whether an opened case passes the queue's filters of kind, country and language (the
    same however capitalised); a case this session cannot open passes only when none is set."""
    wanted = {name: filters[name].strip().casefold() for name in ("kind", "country", "language")}
    if not any(wanted.values()):
        return True
    return (
        not case.sealed
        and (not wanted["kind"] or wanted["kind"] in case.kinds)
        and (not wanted["country"] or wanted["country"] == case.country.strip().casefold())
        and (not wanted["language"] or wanted["language"] == case.language.strip().casefold())
    )


def kinds_of(kinds: list[str]) -> str:
    """The kinds of a request, by the names the console gives them."""
    return msg("chldp-staff-list-separator").join(msg(f"chldp-staff-kind-{k}") for k in kinds)


def waited(since: datetime) -> str:
    """How long since `since`, in days and hours, for the queue."""
    return duration(now() - since)


def clock_words(clock: Clock | None) -> str:
    """Where a case's clock stands, in the staff member's language: what is due, and how long
    is left or how long it is overdue; paused while the team waits for the requester."""
    if clock is None:
        return msg("chldp-clock-decided")
    if clock.state == PAUSED:
        return msg("chldp-clock-paused")
    return msg(f"chldp-clock-{clock.kind}-{clock.state}", duration(abs(clock.left)))


def duration(span: timedelta) -> str:
    """A span of time in days and hours, as the queue says how long a case waited."""
    hours = int(span.total_seconds() // 3600)
    if hours < 24:
        return msg("chldp-staff-waited-hours", hours)
    return msg("chldp-staff-waited-days", hours // 24, hours % 24)


def hidden_words(hidden: str) -> str:
    """What revision deletion hides on an edit ("text", "summary", as the look-up keeps it), in
    the staff member's language."""
    shown = [msg(f"chldp-staff-hidden-{what}") for what in hidden.split(", ") if what]
    return msg("chldp-staff-list-separator").join(shown)
